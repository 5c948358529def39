/*
 * named.c - the names of TYPE_NAMED numbers (named.h).
 *
 * username: getpwuid, the number when there is no such user. strerror: the
 * C library's message ("Unknown error N" for a number it does not know),
 * as bpftrace 0.17 prints it. syscall_name: the build target's table
 * (syscall_names.h, made from <asm/unistd.h>), "Unknown syscall" for a
 * number outside it, as bpftrace 0.26. cgroup_path: for every cgroup or
 * cgroup2 mount in /proc/mounts whose name matches the filter (the mount
 * directory's last component, "unified" for cgroup2; '*' matches any run
 * of characters), the first entry under the mount whose inode number is
 * the id, as "NAME:PATH" (the mount itself is "/"); cgroup2 first, then by
 * name, joined with ',', hierarchies without one left out, as bpftrace
 * does.
 */
#include "runtime/named.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
	uint32_t nr;
	const char *name;
} syscalls[] = {
#include "syscall_names.h"
};

static void put_username(FILE *f, uint32_t uid)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		fputs(res->pw_name, f);
	else
		fprintf(f, "%u", uid);
}

static void put_syscall(FILE *f, int64_t nr)
{
	for (size_t i = 0; i < sizeof(syscalls) / sizeof(syscalls[0]); i++)
		if (syscalls[i].nr == nr) {
			fputs(syscalls[i].name, f);
			return;
		}
	fputs("Unknown syscall", f);
}

/* a filter word: '*' any run of characters, everything else itself */
static bool star_match(const char *pat, const char *s)
{
	if (!*pat)
		return !*s;
	if (*pat == '*') {
		for (;; s++) {
			if (star_match(pat + 1, s))
				return true;
			if (!*s)
				return false;
		}
	}
	return *pat == *s && star_match(pat + 1, s + 1);
}

/* The path below the mount (path holds the mount, len its length) of the
 * first entry whose inode is ino, found depth first in directory order;
 * false if none. Symbolic links are not followed. */
static bool find_ino(char *path, size_t len, size_t cap, uint64_t ino)
{
	DIR *d = opendir(path);
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		size_t n = strlen(e->d_name);
		if (len + 1 + n + 1 > cap)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, e->d_name, n + 1);
		struct stat st;
		if (lstat(path, &st) == 0) {
			if ((uint64_t)st.st_ino == ino)
				found = true;
			else if (S_ISDIR(st.st_mode))
				found = find_ino(path, len + 1 + n, cap, ino);
		}
		if (!found)
			path[len] = '\0';
	}
	closedir(d);
	return found;
}

struct hierarchy {
	char name[4096];
	char path[4096]; /* below the mount; empty: not found */
};

static int cmp_hierarchy(const void *a, const void *b)
{
	const struct hierarchy *x = a, *y = b;
	bool ux = !strcmp(x->name, "unified"), uy = !strcmp(y->name, "unified");
	if (ux != uy)
		return ux ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void put_cgroup_paths(FILE *f, const char *filter, uint64_t id)
{
	FILE *m = fopen("/proc/mounts", "re");
	if (!m)
		return;
	struct hierarchy *hs = NULL;
	size_t nh = 0;
	char line[8192];
	while (fgets(line, sizeof(line), m)) {
		char dev[256], dir[4096], fstype[64];
		if (sscanf(line, "%255s %4095s %63s", dev, dir, fstype) != 3)
			continue;
		bool v2 = !strcmp(fstype, "cgroup2");
		if (!v2 && strcmp(fstype, "cgroup"))
			continue;
		const char *slash = strrchr(dir, '/');
		const char *name = v2 ? "unified" : slash ? slash + 1 : dir;
		if (filter && *filter && !star_match(filter, name))
			continue;
		struct hierarchy *grown = realloc(hs, (nh + 1) * sizeof(*hs));
		if (!grown)
			break;
		hs = grown;
		struct hierarchy *h = &hs[nh++];
		snprintf(h->name, sizeof(h->name), "%s", name);
		h->path[0] = '\0';
		struct stat st;
		char walk[4096];
		size_t len = strlen(dir);
		if (stat(dir, &st) == 0 && (uint64_t)st.st_ino == id) {
			strcpy(h->path, "/");
		} else if (len < sizeof(walk)) {
			memcpy(walk, dir, len + 1);
			if (find_ino(walk, len, sizeof(walk), id))
				snprintf(h->path, sizeof(h->path), "%s", walk + len);
		}
	}
	fclose(m);
	if (nh)
		qsort(hs, nh, sizeof(*hs), cmp_hierarchy);
	bool first = true;
	for (size_t i = 0; i < nh; i++) {
		if (!hs[i].path[0])
			continue;
		fprintf(f, "%s%s:%s", first ? "" : ",", hs[i].name, hs[i].path);
		first = false;
	}
	free(hs);
}

void named_put(FILE *f, const struct type *t, uint64_t v)
{
	switch ((enum named_kind)t->named) {
	case NAMED_USER:
		put_username(f, (uint32_t)v);
		return;
	case NAMED_ERRNO:
		fputs(strerror((int)(int64_t)v), f);
		return;
	case NAMED_SYSCALL:
		put_syscall(f, (int64_t)v);
		return;
	case NAMED_CGROUP:
		put_cgroup_paths(f, t->name, v);
		return;
	}
}
