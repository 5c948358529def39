/*
 * embedded.h - files built into the binary (scripts/embed_files.cmake):
 * the stdlib's .sd sources and the BPF runtime's bitcode. Each table ends
 * with a NULL name.
 */
#ifndef SONDE_EMBEDDED_H
#define SONDE_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const char *text;
	size_t len;
};

extern const struct embedded_file stdlib_files[];
extern const struct embedded_file bpf_runtime_files[];

#endif
