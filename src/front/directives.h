/*
 * directives.h - the preprocessor lines the lexer (grammar/lexer.l) acts
 * on itself, because they decide what text is parsed: #if, #ifdef,
 * #ifndef, #elif, #else and #endif skip the branches not taken, and a
 * function-like #define (or one whose value is not a constant) becomes a
 * `macro` parsed from the text made here. Constant #defines, #include and
 * C definitions go on to sema/cdefs.c as text.
 */
#ifndef SONDE_DIRECTIVES_H
#define SONDE_DIRECTIVES_H

#include <stdbool.h>
#include <stddef.h>

#include "front/arena.h"
#include "front/diag.h"
#include "front/loc.h"

enum { DIRECTIVES_MAX_COND = 32 };

struct directive_name {
	const char *name;
	const char *value; /* a #define's replacement text, for #if (not NUL-ended) */
	size_t value_len;
	const char *params; /* a function-like #define's parameter list text ... */
	int nparams;        /* ... and how many it has; -1 when object-like */
	struct directive_name *next;
};

/* One parse's state: zero it and set arena and diag. */
struct directives {
	struct arena *arena;
	struct diag *diag;
	struct directive_name *defined;           /* names #defined so far, for #ifdef */
	struct directive_name *text_defines;      /* ... those that became macros */
	bool cond_taken[DIRECTIVES_MAX_COND];     /* open #if levels: a branch was taken */
	struct loc cond_loc[DIRECTIVES_MAX_COND]; /* ... and where each #if is */
	int ncond;
};

/* A #define line (`len` bytes from its start): its name counts as defined. */
void directives_note_define(struct directives *dv, const char *text, size_t len);
/* Whether NAME is defined for #ifdef: a #define before, or
 * BPFTRACE_HAVE_BTF when the kernel has BTF (as bpftrace defines it). */
bool directives_is_defined(const struct directives *dv, const char *name, size_t len);
/* The macro a #define line becomes (arena text, its length in *out_len,
 * the name in *name_out), or NULL when it stays a constant. */
char *directives_macro_text(struct directives *dv, const char *text, size_t len, size_t *out_len,
                            const char **name_out);
/* One #if... line, reported at `at` (with *errors counted) when malformed:
 * true when the text after it is in a branch not taken. */
bool directives_conditional(struct directives *dv, const char *text, size_t len, struct loc at,
                            int *errors);
/* Where the branch not taken that starts at `pos` ends: the start of the
 * line of its #elif, #else or #endif (or `len`). */
size_t directives_inactive_end(const char *text, size_t len, size_t pos);
/* At the end of the source: an #if left open is an error. */
void directives_finish(struct directives *dv);

#endif
