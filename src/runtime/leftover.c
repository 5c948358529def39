/*
 * leftover.c - crash records and the sweep (see leftover.h).
 */
#define _GNU_SOURCE
#include "runtime/leftover.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define RUN_DIR_DEFAULT "/run/sonde"

const char *leftover_dir(bool create)
{
	const char *d = getenv("SONDE_RUN_DIR");
	if (!d || !*d)
		d = RUN_DIR_DEFAULT;
	struct stat st;
	if (stat(d, &st) == 0)
		return S_ISDIR(st.st_mode) && access(d, W_OK | X_OK) == 0 ? d : NULL;
	if (!create || mkdir(d, 0700))
		return NULL;
	return d;
}

uint64_t leftover_netns(void)
{
	struct stat st;
	return stat("/proc/self/ns/net", &st) ? 0 : (uint64_t)st.st_ino;
}

const char *leftover_name(const struct leftover *l)
{
	const char *s = strrchr(l->path, '/');
	return s ? s + 1 : l->path;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Without O_TMPFILE (overlayfs before Linux 6.6): written under a name the
 * sweep skips, then renamed. */
static int begin_named(const char *dir, char *tmp, size_t size)
{
	for (int i = 0; i < 100; i++) {
		snprintf(tmp, size, "%s/%ld-%d.new", dir, (long)getpid(), i);
		int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

void leftover_begin(struct leftover *l, const char *kind, const char *body)
{
	l->fd = -1;
	l->path[0] = 0;
	const char *dir = leftover_dir(true);
	if (!dir)
		return;
	char tmp[512] = "";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (fd = begin_named(dir, tmp, sizeof(tmp))) < 0)
		return;
	char head[128];
	int n = snprintf(head, sizeof(head), "%s %ld %llu\n", kind, (long)getpid(),
	                 (unsigned long long)leftover_netns());
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (flock(fd, LOCK_EX) || write_all(fd, head, (size_t)n) ||
	    write_all(fd, body, strlen(body))) {
		if (tmp[0])
			unlink(tmp);
		close(fd);
		return;
	}
	/* the name: the pid and the record's own fd, unique while it is open;
	 * a suffix when a dead process with the same pid left one */
	for (int i = 0; i < 100; i++) {
		snprintf(l->path, sizeof(l->path), "%s/%ld-%d-%d.rec", dir, (long)getpid(), fd, i);
		struct stat st;
		int rc;
		if (!tmp[0])
			rc = linkat(AT_FDCWD, proc, AT_FDCWD, l->path, AT_SYMLINK_FOLLOW);
		else if (stat(l->path, &st) == 0)
			rc = -1, errno = EEXIST; /* rename would replace it */
		else
			rc = rename(tmp, l->path);
		if (rc == 0) {
			l->fd = fd;
			return;
		}
		if (errno != EEXIST)
			break;
	}
	if (tmp[0])
		unlink(tmp);
	l->path[0] = 0;
	close(fd);
}

void leftover_end(struct leftover *l)
{
	if (l->fd < 0 || !l->path[0])
		return;
	unlink(l->path);
	close(l->fd);
	l->fd = -1;
	l->path[0] = 0;
}

bool leftover_owner_alive(const char *name)
{
	const char *dir = leftover_dir(false);
	if (!dir || strchr(name, '/'))
		return false;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool alive = flock(fd, LOCK_SH | LOCK_NB) && errno == EWOULDBLOCK;
	close(fd);
	return alive;
}

int leftover_lock(const char *name)
{
	const char *dir = leftover_dir(true);
	if (!dir)
		return -1;
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	/* the file is removed under its lock when done with (leftover_unlock):
	 * a lock taken on a file that was removed meanwhile is no lock */
	for (;;) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return -1;
		struct stat a, b;
		if (flock(fd, LOCK_EX) || fstat(fd, &a)) {
			close(fd);
			return -1;
		}
		if (stat(path, &b) == 0 && a.st_ino == b.st_ino)
			return fd;
		close(fd);
	}
}

void leftover_unlock(int fd, const char *name, bool remove)
{
	if (fd < 0)
		return;
	const char *dir = leftover_dir(false);
	if (remove && dir) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		unlink(path);
	}
	close(fd);
}

/* Reads a small file whole (records are a few lines). */
static char *read_all(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		return NULL;
	for (;;) {
		if (len + 1 == cap) {
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
		}
		ssize_t n = pread(fd, buf + len, cap - 1 - len, (off_t)len);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = 0;
	return buf;
}

/* How each kind of record is undone; a kind not here is deleted. */
static const struct {
	const char *kind;
	int (*undo)(long pid, uint64_t netns, const char *body);
} undoers[] = {
    {LEFTOVER_KIND_TC_FILTER, tc_undo_leftover},
    {LEFTOVER_KIND_XDP_FORCED, xdp_undo_leftover},
    {LEFTOVER_KIND_PIN, pin_undo_leftover},
};

static void sweep_one(const char *dir, const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	/* taken: its run is gone (a live run holds it exclusively) */
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return;
	}
	/* another sweep may have finished with it between readdir and open */
	struct stat a, b;
	if (fstat(fd, &a) || stat(path, &b) || a.st_ino != b.st_ino) {
		close(fd);
		return;
	}
	char *text = read_all(fd);
	char kind[16];
	long pid;
	unsigned long long netns;
	int used = 0;
	int keep = 0;
	if (text && sscanf(text, "%15s %ld %llu\n%n", kind, &pid, &netns, &used) == 3 && used) {
		for (size_t i = 0; i < sizeof(undoers) / sizeof(undoers[0]); i++)
			if (!strcmp(kind, undoers[i].kind))
				keep = undoers[i].undo(pid, netns, text + used);
	}
	if (!keep)
		unlink(path);
	free(text);
	close(fd);
}

void leftover_sweep(void)
{
	const char *dir = leftover_dir(false);
	if (!dir)
		return;
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		long pid;
		if (n > 4 && !strcmp(e->d_name + n - 4, ".rec")) {
			sweep_one(dir, e->d_name);
		} else if (n > 4 && !strcmp(e->d_name + n - 4, ".new") &&
		           sscanf(e->d_name, "%ld-", &pid) == 1 && kill((pid_t)pid, 0) &&
		           errno == ESRCH) {
			/* a record its run was killed while writing: it had made
			 * nothing yet */
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}
