/*
 * diag.h - diagnostics for errors in the user's program.
 *
 * Every pass reports through one sink. A report renders as
 *
 *   script.sd:3:14: ERROR: unknown function 'cout'
 *       3 | kprobe:f { @ = cout(); }
 *         |                ^~~~
 *   NOTE: did you mean 'count'?
 *
 * System errors (libbpf, kernel) do not come here unless they can be tied
 * to a script location (verifier rejections).
 */
#ifndef SONDE_DIAG_H
#define SONDE_DIAG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "front/loc.h"

struct diag_source {
	const char *name; /* shown before ':line:col', e.g. "script.sd" or "-e" */
	const char *text; /* whole source, NUL-terminated */
	size_t len;
};

enum { DIAG_MAX_SOURCES = 64 };

struct diag {
	FILE *out;
	struct diag_source sources[DIAG_MAX_SOURCES];
	int nsources;
	int nerrors;
	int nwarnings;
	int max_errors; /* stop printing (not counting) after this many; 0 = 20 */
	bool no_warnings; /* --no-warnings: warnings (and their notes) counted, not shown */
	bool hiding;      /* the last report was a hidden warning: its notes are too */
};

void diag_init(struct diag *d, FILE *out);
/* Registers a source; returns its index for loc.file. */
int diag_add_source(struct diag *d, const char *name, const char *text, size_t len);

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warning(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error in a script's C definitions or preprocessor lines, worded as a
 * C compiler words it ("error:"): bpftrace hands those to clang, so its
 * users and their wrappers know clang's form for them. */
void diag_c_error(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A note attached to the previous error/warning; with a location it shows
 * the source line too (loc.first_line == 0 means no location). */
void diag_note(struct diag *d, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* An error in a file that is not a source of the sink (a --map-file),
 * rendered as diag_error renders a script's: "NAME:LINE:COL: ERROR: ...",
 * then `line` (`len` bytes: line loc.first_line of NAME, without its end)
 * with a caret under loc's columns. Written to `out`, counted nowhere. */
void diag_verror_line(FILE *out, const char *name, const char *line, size_t len, struct loc loc,
                      const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));
/* "did you mean" helper: returns the candidate closest to `name` (edit
 * distance at most max(1, strlen(name)/3)), or NULL. */
const char *diag_closest(const char *name, const char *const *candidates, int n);

#endif
