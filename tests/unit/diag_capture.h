/*
 * diag_capture.h - an arena and a diag whose rendered messages go to
 * memory, for unit tests of front-end parts that report errors themselves
 * (ppexpr, cdecl): a test compares diag_capture_text() with the exact text
 * a user would see. Include after <cmocka.h>.
 */
#ifndef SONDE_TEST_DIAG_CAPTURE_H
#define SONDE_TEST_DIAG_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "front/arena.h"
#include "front/diag.h"

struct diag_capture {
	struct arena a;
	struct diag d;
	char *buf; /* the messages so far (open_memstream) */
	size_t len;
	FILE *out;
};

static inline void diag_capture_init(struct diag_capture *dc)
{
	arena_init(&dc->a);
	dc->out = open_memstream(&dc->buf, &dc->len);
	assert_non_null(dc->out);
	diag_init(&dc->d, dc->out);
}

static inline void diag_capture_fini(struct diag_capture *dc)
{
	fclose(dc->out);
	free(dc->buf);
	arena_fini(&dc->a);
}

/* Everything reported so far, "" when nothing. */
static inline const char *diag_capture_text(struct diag_capture *dc)
{
	fflush(dc->out);
	return dc->buf ? dc->buf : "";
}

#endif
