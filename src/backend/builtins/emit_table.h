/*
 * emit_table.h - the backend's table of builtin hooks, one per row of
 * src/builtins/builtins.def, indexed by enum builtin_id. Free of LLVM's
 * headers so that a unit test can check the table without them.
 */
#ifndef SONDE_EMIT_TABLE_H
#define SONDE_EMIT_TABLE_H

#include "builtins/builtins.h"

struct cg;
struct node;
struct LLVMOpaqueValue; /* LLVMValueRef's target */

/* Emits the code of builtin `n` (an N_IDENT or N_CALL). `target` is the
 * map an aggregation updates, NULL otherwise. Returns the value, or NULL
 * for a builtin used only as a statement or an aggregation. */
typedef struct LLVMOpaqueValue *(*emit_hook)(struct cg *g, struct node *n, struct node *target);

extern const emit_hook emit_hooks[BI__COUNT];

#endif
