/*
 * builtins.h - the language's builtin values, functions and aggregations.
 *
 * Every builtin is one row of builtins.def; this header turns the rows
 * into `enum builtin_id` and the table of their data, `builtin_rows`, that
 * sema checks calls against, and declares what the columns mean. Each
 * row's own behaviour is in its two hooks (see builtins.def).
 */
#ifndef SONDE_BUILTINS_H
#define SONDE_BUILTINS_H

#include <stdbool.h>

#include "manifest.h"
#include "probes/provider.h"

/* FLAGS of a row */
enum builtin_flag {
	BF_VALUE = 1 << 0,  /* written as a bare name: pid, kstack */
	BF_CALL = 1 << 1,   /* written as a call: printf(...), kstack() */
	BF_STMT = 1 << 2,   /* a call with no value: only as a statement */
	BF_AGG = 1 << 3,    /* an aggregation: only as @m[...] = f(...) */
	BF_UNSAFE = 1 << 4, /* needs --unsafe */
};

enum builtin_id {
#define BUILTIN(id, ...) BI_##id,
#include "builtins/builtins.def"
#undef BUILTIN
	BI__COUNT
};

struct builtin_row {
	const char *name;
	int min_args, max_args;
	unsigned flags; /* BF_* */
	unsigned ctx;   /* CTX_HAS_* the probe must offer */
	enum agg_kind agg;
};

/* Indexed by enum builtin_id (src/builtins/table.c). */
extern const struct builtin_row builtin_rows[BI__COUNT];

/* The row spelled `name` with one of the forms in `forms` (BF_VALUE,
 * BF_CALL), or -1. */
int builtin_find(const char *name, unsigned forms);

#endif
