/*
 * sema_internal.h - what the files of the semantic pass share, and only
 * they: the state of one run (struct sema) and the functions one file of
 * src/sema/ calls in another. The pass is split by what it checks
 * (probes, macros, names, expressions, statements, kernel types, formats,
 * packets, maps, calls); sema.h is its interface to the rest of sonde.
 */
#ifndef SONDE_SEMA_INTERNAL_H
#define SONDE_SEMA_INTERNAL_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include "builtins/builtins.h"
#include "compile.h"
#include "sema/sema.h"

enum { SEMA_MAX_SCOPES = 512 };
/* Each for loop's body, and len()'s count, is a callback that the one
 * around it calls through a helper: a frame of calls more. The kernel's
 * verifier allows a program 8 frames (MAX_CALL_FRAMES), the probe's own
 * and 7 callbacks. */
enum { SEMA_MAX_CALLBACK_DEPTH = 7 };

struct sema {
	struct compilation *c;
	struct arena *a;
	struct diag *d;
	/* the probe being checked */
	struct node *probe;
	struct attach_point *aps;
	size_t naps;
	unsigned ctx; /* CTX_HAS_* common to all attach points */
	struct var_info *vars;
	int loop_depth;
	int pkt_depth; /* deepest pkt field the probe reads, -1 for none */
	bool pkt_len;  /* the probe reads pkt.len */
	bool pkt_l4_in_for; /* ... and a transport field inside a for body */
	bool pkt_write;     /* the probe assigns a pkt field (pkt.dport = 80) */
	int macro_depth;
	int macro_nodes;    /* nodes copied by all macro expansions so far */
	bool macro_stopped; /* an expansion failed: expand no more macros */
	int macro_expansions; /* expansions so far, naming each one's variables */
	struct node *macro_expanding;  /* the macro expand_macro chose */
	struct node *macro_stack[32];  /* the macros being expanded, outermost first */
	int for_depth; /* how many for loops (over maps or ranges) the code is inside */
	/* the map of the @m = f(...) whose aggregation call is being checked */
	struct map_info *agg_map;
	/* inside the branch an `if` with a constant condition leaves out:
	 * fail() and static_assert() are silent there (bpftrace 0.26) */
	int comptime_dead;
	/* the blocks open around the statement being checked, innermost
	 * last: where a variable is visible (stmt.c); scope_overflow counts
	 * blocks nested deeper than SEMA_MAX_SCOPES, which share the last */
	const struct node *scopes[SEMA_MAX_SCOPES];
	int nscopes, scope_overflow;
};

static inline bool is_int(const struct type *t)
{
	return t && (t->kind == TYPE_INT || t->kind == TYPE_BOOL);
}

static inline bool is_str(const struct type *t)
{
	return t && t->kind == TYPE_STR;
}

/* Integers, and kernel pointers, which compare and add as u64. */
static inline bool is_scalar(const struct type *t)
{
	return is_int(t) || (t && t->kind == TYPE_PTR);
}

/* Where a call stands: alone as a statement, as a value, or as the
 * right-hand side of `@map = ...` where aggregations are allowed. */
enum call_mode { CALL_STMT, CALL_VALUE, CALL_AGG };

/* names.c */
/* builtins of a form (BF_VALUE: bare names, BF_CALL: functions) */
int find_builtin(const char *name);
int find_func(const char *name);
/* Their names, in table order, into `out` (room for BI__COUNT); returns
 * how many. */
int builtin_names_of(unsigned form, const char **out);
struct map_info *find_map(struct sema *s, const char *name, struct loc loc);
/* `let @name = lpm(N);` is among the declarations */
bool map_declared_lpm(struct sema *s, const char *name);
struct var_info *find_var(struct sema *s, const char *name);
void err_closest_ident(struct sema *s, struct node *n);
bool ctx_allows(struct sema *s, unsigned need, struct loc loc, const char *what);

/* builtins/comptime.c: the value of a constant expression (literals,
 * constants, their arithmetic, comparisons and logic); false if it is not
 * one */
bool fold_const(const struct node *n, int64_t *v);

/* maps.c */
bool agg_readable(struct host *h, enum agg_kind k);
struct type *storage_type(struct sema *s, struct type *t);
/* A value of `t` printed at `loc` (print, a map's key or value): warns,
 * once each, where bpftrace 0.17 and 0.26 print its bools differently. warn_literal_bool_reading is for the
 * bools of true/false literals only, warn_cmp_bool_reading for those of
 * comparisons (a map's are checked once every use is seen: it may hold
 * integers too) */
void warn_bool_reading(struct sema *s, const struct type *t, struct loc loc);
void warn_literal_bool_reading(struct sema *s, const struct type *t, struct loc loc);
void warn_cmp_bool_reading(struct sema *s, const struct type *t, struct loc loc);
bool is_32bit_builtin(const struct node *k);
struct type *unify(struct sema *s, struct type *a, struct type *b);
void use_map_keys(struct sema *s, struct node *mapnode);
void set_map_kind(struct sema *s, struct map_info *m, enum agg_kind agg,
		  struct type *value, struct loc loc);
void finish_maps(struct sema *s);

/* probes.c */
/* "the program has no probes" when it has none */
void check_has_probes(struct compilation *c);
/* Whether the programs of every attach point of the probe being checked
 * may call kfunc `name`: 1 when they all may; 0 when one may not, with
 * *refusing naming its spec (NULL when the kernel has no such kfunc); -1
 * when that cannot be told for *refusing, with the reason in why. */
int kfunc_allowed_everywhere(struct sema *s, const char *name, const char **refusing,
                             char *why, size_t why_size);

/* macros.c */
struct node *find_macro(struct sema *s, const char *name);
struct node *find_macro_nargs(struct sema *s, const char *name, int nargs);
bool expand_macro(struct sema *s, struct node *n, struct node *m, bool as_stmt);
struct type *check_expanded(struct sema *s, struct node *n, struct loc call_loc,
			    const char *name, bool as_stmt);

/* pkt.c */
struct type *check_pkt_field(struct sema *s, struct node *n);
struct type *check_pkt_assign(struct sema *s, struct node *n);

/* btf_types.c */
struct type *ctx_value_type(struct sema *s, struct type *prev,
			    const struct ctx_access *acc);
struct type *read_in_space(struct sema *s, struct type *t, enum addr_space space);
struct type *record_type(struct sema *s, uint32_t id);
struct type *named_type(struct sema *s, const struct typename_ref *to, struct loc loc);
/* `name` as a typedef of the probed binary's DWARF (sizeof(mytype_t),
 * offsetof(mytype_t, f) name one as an identifier would be): true with
 * *to filled in when the binary has one. */
bool program_typedef_name(struct sema *s, const char *name, struct loc loc,
			  struct typename_ref *to);
struct type *check_kernel_field(struct sema *s, struct node *n, struct type *bt);
struct type *btf_value_type(struct sema *s, uint32_t id, int depth);
/* cdefs.c: the script's C definitions, consulted before BTF */
struct type *cdefs_named_type(struct sema *s, const struct typename_ref *to);
struct type *check_script_field(struct sema *s, struct node *n, struct type *bt);
struct type *cdefs_shadow(struct sema *s, struct type *bt);
struct type *cdefs_ident(struct sema *s, struct node *n);
bool reject_record(struct sema *s, struct node *n, struct type *t);
struct type *record_value(struct sema *s, struct type *t);
bool has_kernel_layout(const struct type *t);
struct type *natural_type(struct sema *s, struct node *n);
bool member_offset(struct sema *s, struct type *t, const char *path, struct loc loc,
		   uint64_t *out);

/* getopt.c: bpftrace 0.26's named parameters, for params.c. Every
 * getopt() call declares its parameter (c->named_params), setting
 * c->uses_getopt; then the command line's words give the values (and
 * c->named_help); then each call becomes the literal getopt_value makes. */
void getopt_declare(struct compilation *c);
void getopt_resolve(struct compilation *c);
struct node *getopt_value(struct compilation *c, struct node *call);
struct named_param *getopt_find(struct compilation *c, const char *name);

/* expr.c */
int64_t const_int(struct sema *s, struct node *n, const char *what, bool *ok);
struct type *check_expr(struct sema *s, struct node *n);

/* formats.c */
struct fmt_info *add_fmt(struct sema *s, struct node *call, const char *fmt,
			 uint32_t nargs);
bool check_time_format(struct sema *s, const struct node *fmtn);
struct type *check_format_call(struct sema *s, struct node *n, struct node *args);

/* calls.c */
/* what the row says, then the row's hook (builtins/check.h) */
struct type *check_call(struct sema *s, struct node *n, enum call_mode mode);
/* a bare builtin value, n->u.ident.builtin_id already found */
struct type *check_builtin_value(struct sema *s, struct node *n);

/* stmt.c */
/* the innermost open block, NULL outside any */
const struct node *cur_scope(const struct sema *s);
/* a use of $v (a read, or a plain assignment when `assign`) at `loc`:
 * the warning when bpftrace 0.26's block scoping would reject it */
void var_scope_use(struct sema *s, struct var_info *v, struct loc loc, bool assign);
/* a `let` variable whose block has ended, for the error at a later use */
struct var_info *find_ended_var(struct sema *s, const char *name);
void check_block(struct sema *s, struct node *blk);
void check_cond(struct sema *s, struct node *cond, const char *what);
void check_stmt(struct sema *s, struct node *n);

#endif
