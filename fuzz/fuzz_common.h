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

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/diag.h"

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

#endif
