/*
 * standalone_main.c - a main() for the fuzz targets without libFuzzer.
 *
 * Built instead of libFuzzer when SONDE_FUZZ is configured with a compiler
 * other than clang (see CMakeLists.txt): each argument is a file or a
 * directory of files, and every file is passed once to
 * LLVMFuzzerTestOneInput(). Used to replay a corpus or a crash without
 * sanitizers, e.g. under valgrind (.ci/run), and prints how many inputs ran
 * and how many of them compiled (SONDE_FUZZ_VERBOSE=1 names each file).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long ran;

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		uint8_t *nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	int err = ferror(f);
	fclose(f);
	if (!buf || err) {
		free(buf);
		fprintf(stderr, "%s: read error\n", path);
		return -1;
	}
	if (getenv("SONDE_FUZZ_VERBOSE"))
		fprintf(stderr, "running %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	ran++;
	return 0;
}

static int compare(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int run_path(const char *path)
{
	struct stat st;
	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	struct dirent **names;
	int n = scandir(path, &names, NULL, compare);
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			char *p = NULL;
			if (asprintf(&p, "%s/%s", path, names[i]->d_name) < 0)
				abort();
			if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && run_file(p))
				rc = -1;
			free(p);
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	int rc = 0;
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i]))
			rc = 1;
	fprintf(stderr, "%s: ran %lu inputs\n", argv[0], ran);
	return rc;
}
