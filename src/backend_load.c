/*
 * backend_load.c - finds the compiler's LLVM half (see backend.h).
 */
#define _GNU_SOURCE
#include "backend/backend.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef SONDE_SPLIT_BACKEND
/* Beside the binary (the build tree), then where `cmake --install` puts it
 * relative to bin/. */
static const char *const module_places[] = {"%s/sonde-backend.so",
                                            "%s/../lib/sonde/sonde-backend.so"};

/* the directory of this binary, into dir; false after a message */
static bool binary_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	if (n <= 0) {
		fprintf(stderr, "sonde: cannot find the compiler backend: /proc/self/exe: %s\n",
			strerror(errno));
		return false;
	}
	dir[n] = '\0';
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	return true;
}

const char *backend_locate(char *path, size_t size)
{
	char dir[PATH_MAX];
	if (!binary_dir(dir, sizeof dir))
		return NULL;
	for (size_t i = 0; i < sizeof(module_places) / sizeof(module_places[0]); i++) {
		snprintf(path, size, module_places[i], dir);
		if (access(path, R_OK) == 0)
			return path;
	}
	return NULL;
}

/* dlopen keeps one copy however often it is asked. */
const struct backend *backend_get(void)
{
	char dir[PATH_MAX];
	if (!binary_dir(dir, sizeof dir))
		return NULL;
	char path[PATH_MAX + 64], first_error[PATH_MAX + 256] = "";
	for (size_t i = 0; i < sizeof(module_places) / sizeof(module_places[0]); i++) {
		snprintf(path, sizeof(path), module_places[i], dir);
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *e = dlerror();
			if (!first_error[0])
				snprintf(first_error, sizeof(first_error), "%s", e ? e : path);
			continue;
		}
		const struct backend *be = dlsym(h, "sonde_backend");
		if (!be) {
			fprintf(stderr, "sonde: %s is not a sonde backend (no sonde_backend symbol)\n",
				path);
			return NULL;
		}
		if (!be->build || strcmp(be->build, SONDE_BACKEND_BUILD)) {
			fprintf(stderr,
				"sonde: %s was built from sonde %s, this sonde is %s: install the "
				"compiler module of the same build\n",
				path, be->build ? be->build : "(unknown)", SONDE_BACKEND_BUILD);
			return NULL;
		}
		return be;
	}
	fprintf(stderr, "sonde: cannot load the compiler backend: %s\n", first_error);
	return NULL;
}
#else
const char *backend_locate(char *path, size_t size)
{
	if (size)
		path[0] = '\0';
	return path;
}

const struct backend *backend_get(void)
{
	return &sonde_backend;
}
#endif
