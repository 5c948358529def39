/*
 * fuzz_common.h - shared by the libFuzzer targets in fuzz/.
 *
 * libFuzzer hands over bytes that are not NUL-terminated; the diagnostic
 * sink and the lexer expect a NUL-terminated source, so every target works
 * on a copy. Diagnostics are rendered (that code is under test too) into
 * /dev/null.
 */
#ifndef SONDE_FUZZ_COMMON_H
#define SONDE_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/diag.h"
#include "kernel/host.h"

/* Larger inputs only make each run slower; the malformed corpus
 * (tests/malformed/) covers the 1 MB case. */
enum { FUZZ_MAX_INPUT = 64 * 1024 };

static FILE *fuzz_sink(void)
{
	static FILE *sink;
	if (!sink) {
		sink = fopen("/dev/null", "w");
		if (!sink)
			abort();
	}
	return sink;
}

/* NUL-terminated copy of the input; the caller frees it. */
static char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	if (!text)
		abort();
	if (size)
		memcpy(text, data, size);
	text[size] = 0;
	return text;
}

/* The harness is the process here, as main.c is for sonde: one host
 * (kernel/host.h) for every input, so BTF and kallsyms are read once, as
 * they are once per sonde run; freed at exit. */
static inline void fuzz_host_free(void);

static inline struct host *fuzz_host(void)
{
	static struct host host;
	static bool ready;
	if (!ready) {
		host_init(&host);
		atexit(fuzz_host_free);
		ready = true;
	}
	return &host;
}

static inline void fuzz_host_free(void)
{
	host_fini(fuzz_host());
}

#endif
