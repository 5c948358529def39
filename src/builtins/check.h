/*
 * check.h - the front-end hooks of the builtins: check_HOOK for every
 * HOOK of builtins.def, and the table sema dispatches through.
 *
 * sema (src/sema/calls.c: check_call, check_builtin_value) does
 * what the row says first: the name, arity, --unsafe, statement or value,
 * aggregation only as @m = f(), the probe context, the argument kinds of
 * the ARGS column. Then it calls the row's hook, which checks the rest and
 * returns the call's type (NULL after an error it reported). A hook sees
 * sema's state through sema/sema_internal.h; `n` is the N_CALL node, or
 * the N_IDENT node for a bare value (kstack is both).
 */
#ifndef SONDE_BUILTINS_CHECK_H
#define SONDE_BUILTINS_CHECK_H

#include "builtins/builtins.h"

struct sema;
struct node;
struct type;

typedef struct type *builtin_check_fn(struct sema *s, struct node *n);

/* One prototype per row (rows sharing a hook repeat it, which C allows). */
#define BUILTIN(id, hook, ...) builtin_check_fn check_##hook;
#include "builtins/builtins.def"
#undef BUILTIN

/* Indexed by enum builtin_id (src/builtins/check.c). */
extern builtin_check_fn *const builtin_checks[BI__COUNT];

#endif
