/*
 * cache.c - the compile cache (see cache.h): the key, the directory and
 * its entries.
 */
#define _GNU_SOURCE
#include "cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "backend/backend.h"
#include "objfile.h"

extern char **environ;

/* Raised when what goes into the key changes. */
enum { CACHE_KEY_FORMAT = 1 };

/* Two FNV-1a hashes from different starts: 128 bits of key. The entries
 * are guarded by their owner and checked by objfile_read, so the hash
 * only has to keep different runs apart by accident, not by design. */
struct key_hash {
	uint64_t a, b;
};

static void key_add(struct key_hash *k, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		k->a = (k->a ^ p[i]) * 0x100000001b3ull;
		k->b = (k->b ^ p[i]) * 0x100000001b3ull;
	}
}

/* A field with its length first, so that no two lists of fields hash
 * the same bytes. */
static void key_field(struct key_hash *k, const void *data, size_t len)
{
	uint64_t n = len;
	key_add(k, &n, sizeof n);
	key_add(k, data, len);
}

static void key_str(struct key_hash *k, const char *s)
{
	key_field(k, s ? s : "", s ? strlen(s) + 1 : 0);
}

/* The environment that may change a compilation: the BPFTRACE_* settings
 * sonde honours, its own SONDE_* switches, and PATH (uprobe binaries
 * named without a directory). The cache's own variables and the runner's
 * descriptor do not compile anything. */
static bool env_counts(const char *kv)
{
	if (!strncmp(kv, "SONDE_CACHE", 11) || !strncmp(kv, "SONDE_READY_FD=", 15))
		return false;
	return !strncmp(kv, "BPFTRACE_", 9) || !strncmp(kv, "SONDE_", 6) ||
	       !strncmp(kv, "PATH=", 5);
}

static int env_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void key_environment(struct key_hash *k)
{
	size_t n = 0;
	for (char **e = environ; *e; e++)
		n++;
	char **sorted = calloc(n + 1, sizeof(*sorted));
	size_t m = 0;
	for (char **e = environ; *e; e++)
		if (env_counts(*e)) {
			if (sorted)
				sorted[m++] = *e;
			else
				key_str(k, *e);
		}
	if (!sorted)
		return;
	qsort(sorted, m, sizeof(*sorted), env_compare);
	for (size_t i = 0; i < m; i++)
		key_str(k, sorted[i]);
	free(sorted);
}

/* The directory: made when missing; used only when it is this user's and
 * nobody else can write it. */
static bool cache_dir(char *dir, size_t size)
{
	const char *env = getenv("SONDE_CACHE_DIR"), *xdg = getenv("XDG_CACHE_HOME"),
		   *home = getenv("HOME");
	int n;
	if (env && *env)
		n = snprintf(dir, size, "%s", env);
	else if (xdg && *xdg == '/')
		n = snprintf(dir, size, "%s/sonde", xdg);
	else if (home && *home == '/')
		n = snprintf(dir, size, "%s/.cache/sonde", home);
	else {
		fprintf(stderr, "sonde: --cache: no directory (set SONDE_CACHE_DIR or HOME); "
		                "compiling without the cache\n");
		return false;
	}
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "sonde: --cache: the directory's name is too long; compiling "
		                "without the cache\n");
		return false;
	}
	/* $HOME/.cache may not exist yet: its parent is made as mkdir -p would */
	if (!env || !*env) {
		char parent[PATH_MAX];
		snprintf(parent, sizeof parent, "%s", dir);
		char *slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = 0;
			(void)mkdir(parent, 0700);
		}
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		fprintf(stderr, "sonde: --cache: cannot create %s: %s; compiling without the cache\n",
		        dir, strerror(errno));
		return false;
	}
	struct stat st;
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "sonde: --cache: %s is not a directory; compiling without the "
		                "cache\n",
		        dir);
		return false;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		fprintf(stderr,
		        "sonde: --cache: %s belongs to another user or others may write it; "
		        "compiling without the cache\n",
		        dir);
		return false;
	}
	return true;
}

bool cache_entry_init(struct cache_entry *e, char *const *argv, int argc, const char *text,
                      size_t len, const char *abs_path, bool verbose)
{
	memset(e, 0, sizeof(*e));
	e->verbose = verbose;
	if (!cache_dir(e->dir, sizeof e->dir))
		return false;
	struct key_hash k = {0xcbf29ce484222325ull, 0x84222325cbf29ce4ull};
	uint32_t format = CACHE_KEY_FORMAT;
	key_field(&k, &format, sizeof format);
	key_str(&k, SONDE_BACKEND_BUILD);
	struct utsname u;
	if (uname(&u) == 0) {
		key_str(&k, u.release);
		key_str(&k, u.version);
		key_str(&k, u.machine);
	}
	char cwd[PATH_MAX];
	key_str(&k, getcwd(cwd, sizeof cwd) ? cwd : "");
	uint64_t words = (uint64_t)argc;
	key_field(&k, &words, sizeof words);
	for (int i = 0; i < argc; i++)
		key_str(&k, argv[i]);
	key_str(&k, abs_path);
	key_field(&k, text, len);
	key_environment(&k);
	snprintf(e->path, sizeof e->path, "%s/%016llx%016llx.o", e->dir, (unsigned long long)k.a,
	         (unsigned long long)k.b);
	return true;
}

struct program *cache_lookup(const struct cache_entry *e, struct run_extras *x, char **data)
{
	*data = NULL;
	int fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (e->verbose)
			fprintf(stderr, "sonde: cache: no entry %s, compiling\n", e->path);
		return NULL;
	}
	struct stat st;
	const char *why = NULL;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		why = "it is not a regular file";
	else if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)))
		why = "it belongs to another user or others may write it";
	else if (st.st_size <= 0 || st.st_size > (1 << 30))
		why = "its size is wrong";
	char *buf = why ? NULL : malloc((size_t)st.st_size);
	size_t got = 0;
	if (!why && !buf)
		why = "out of memory";
	while (!why && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			why = "it cannot be read";
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	char err[1024] = "";
	struct program *p = NULL;
	if (!why) {
		p = objfile_read(e->path, buf, got, true, x, err, sizeof err);
		why = p ? NULL : err;
	}
	if (!p) {
		/* always said: an entry that cannot be used is replaced */
		fprintf(stderr, "sonde: cache: ignoring %s: %s; compiling again\n", e->path, why);
		free(buf);
		return NULL;
	}
	if (e->verbose)
		fprintf(stderr, "sonde: cache: using %s (not compiling)\n", e->path);
	*data = buf;
	return p;
}

void cache_store(const struct cache_entry *e, const struct program *p, const struct diag *d,
                 char *const *params, int nparams)
{
	char tmp[sizeof e->path + 32];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", e->path, (long)getpid());
	/* objfile_write creates the file: it is ours alone before it has bytes */
	mode_t old = umask(077);
	int rc = objfile_write(p, d, params, nparams, tmp);
	umask(old);
	if (rc) {
		unlink(tmp);
		fprintf(stderr, "sonde: cache: cannot write an entry in %s; running without "
		                "caching\n",
		        e->dir);
		return;
	}
	if (rename(tmp, e->path)) {
		fprintf(stderr, "sonde: cache: cannot write %s: %s; running without caching\n",
		        e->path, strerror(errno));
		unlink(tmp);
		return;
	}
	if (e->verbose)
		fprintf(stderr, "sonde: cache: wrote %s\n", e->path);
}
