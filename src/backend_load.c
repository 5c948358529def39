/*
 * backend_load.c - finds the compiler's LLVM half (see backend.h).
 */
#define _GNU_SOURCE
#include "backend/backend.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef SONDE_SPLIT_BACKEND
/* Beside the binary (the build tree), then where `cmake --install` puts it
 * relative to bin/. dlopen keeps one copy however often it is asked. */
const struct backend *backend_get(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "sonde: cannot find the compiler backend: /proc/self/exe: %s\n",
			strerror(errno));
		return NULL;
	}
	exe[n] = '\0';
	char *slash = strrchr(exe, '/');
	if (slash)
		*slash = '\0';
	static const char *const places[] = {"%s/sonde-backend.so", "%s/../lib/sonde/sonde-backend.so"};
	char path[PATH_MAX + 64], first_error[PATH_MAX + 256] = "";
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		snprintf(path, sizeof(path), places[i], exe);
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (!h) {
			const char *e = dlerror();
			if (!first_error[0])
				snprintf(first_error, sizeof(first_error), "%s", e ? e : path);
			continue;
		}
		const struct backend *be = dlsym(h, "sonde_backend");
		if (be)
			return be;
		fprintf(stderr, "sonde: %s is not a sonde backend (no sonde_backend symbol)\n", path);
		return NULL;
	}
	fprintf(stderr, "sonde: cannot load the compiler backend: %s\n", first_error);
	return NULL;
}
#else
const struct backend *backend_get(void)
{
	return &sonde_backend;
}
#endif
