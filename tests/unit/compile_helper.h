/*
 * compile_helper.h - runs the front end and sema over a program held in a
 * string, for unit tests that check diagnostics or what sema inferred.
 *
 * The diagnostics are rendered into memory (the source is named "-e", as
 * for `sonde -e`), so a test can compare the exact text a user would see.
 * The compilation stays alive until compile_fini() so tests can look at
 * the maps, formats and probe instances sema filled in. Include after
 * <cmocka.h>.
 */
#ifndef SONDE_TEST_COMPILE_HELPER_H
#define SONDE_TEST_COMPILE_HELPER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "front/parse.h"
#include "kernel/host.h"
#include "options.h"
#include "sema/sema.h"

struct compile_run {
	struct compile_options opts;
	struct diag d;
	struct compilation c;
	/* a fresh host per run, so no test sees what another one read;
	 * compile_run_host gives one of the test's own instead */
	struct host own_host;
	char *buf; /* rendered diagnostics */
	size_t len;
	FILE *out;
	int rc;    /* 0, or -1 when parsing or sema reported an error */
	bool parsed;
};

/* Default options as the command line sets them (options.h). */
static inline void compile_default_options(struct compile_options *o)
{
	*o = (struct compile_options){COMPILE_OPTIONS_DEFAULTS};
}

/* Parses `src` and runs sema unless parsing failed. `opts` may be NULL
 * for the defaults, `host` NULL for a fresh host of the real kernel. */
static inline int compile_run_host(struct compile_run *r, const char *src,
				   const struct compile_options *opts, struct host *host)
{
	memset(r, 0, sizeof(*r));
	host_init(&r->own_host);
	r->c.host = host ? host : &r->own_host;
	if (opts)
		r->opts = *opts;
	else
		compile_default_options(&r->opts);
	r->out = open_memstream(&r->buf, &r->len);
	assert_non_null(r->out);
	diag_init(&r->d, r->out);
	r->c.diag = &r->d;
	r->c.opts = &r->opts;
	arena_init(&r->c.arena);
	int file = diag_add_source(&r->d, "-e", src, strlen(src));
	r->rc = parse_program(&r->c.arena, &r->d, file, &r->c.prog);
	r->parsed = r->rc == 0;
	if (r->parsed)
		r->rc = sema_run(&r->c);
	fflush(r->out);
	return r->rc;
}

static inline int compile_run_opts(struct compile_run *r, const char *src,
				   const struct compile_options *opts)
{
	return compile_run_host(r, src, opts, NULL);
}

static inline int compile_run(struct compile_run *r, const char *src)
{
	return compile_run_opts(r, src, NULL);
}

/* The diagnostics so far ("" when there were none). */
static inline const char *compile_diags(struct compile_run *r)
{
	fflush(r->out);
	return r->buf ? r->buf : "";
}

static inline void compile_fini(struct compile_run *r)
{
	fclose(r->out);
	free(r->buf);
	arena_fini(&r->c.arena);
	host_fini(&r->own_host);
}

/* The map named `name` ("@m", "@"), or NULL. */
static inline struct map_info *compile_map(struct compile_run *r, const char *name)
{
	for (struct map_info *m = r->c.maps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

#endif
