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
	BF_U32 = 1 << 5,    /* a u64 value that never exceeds 32 bits */
	BF_BARE_STMT = 1 << 6, /* a BF_STMT call with no arguments may drop its
				  parentheses: `capture;` is `capture();` */
};

/* The size of comm(PID)'s string, bpftrace 0.26's string[64] (comm itself
 * is the kernel's 16 bytes); sema types it, the backend fills it. */
#define COMM_OF_PID_SIZE 64

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
	const char *args;     /* ARGS: one letter per argument, see builtins.def */
	const char *why_stmt; /* NULL: "has no value" */
};

/* Indexed by enum builtin_id (src/builtins/table.c). */
extern const struct builtin_row builtin_rows[BI__COUNT];

/* The row spelled `name` with one of the forms in `forms` (BF_VALUE,
 * BF_CALL), or -1. */
int builtin_find(const char *name, unsigned forms);

/* What is data about each aggregation, for sema and the printer alike. */
enum agg_layout {
	AGG_LAYOUT_VALUE,   /* AGG_NONE: the stored type */
	AGG_LAYOUT_U64,     /* one u64 per CPU, summed */
	AGG_LAYOUT_PAIR,    /* struct agg_pair per CPU */
	AGG_LAYOUT_BUCKETS, /* u64 per bucket per CPU, summed bucket by bucket */
	AGG_LAYOUT_TSERIES, /* struct tseries_slot per interval per CPU */
};

enum { AGG_KINDS = AGG_TSERIES + 1 };

struct agg_info {
	const char *name; /* in messages: "map '@m' holds count()" */
	/* a probe can read it: summed over the CPUs with
	 * bpf_map_lookup_percpu_elem (see agg_readable in src/sema/maps.c) */
	bool readable;
	bool is_unsigned; /* its number is unsigned whatever it aggregates */
	enum agg_layout layout;
};

/* Indexed by enum agg_kind (src/builtins/aggregations.c). */
extern const struct agg_info agg_infos[AGG_KINDS];

#endif
