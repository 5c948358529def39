/*
 * context.c - builtins read from the probe's context, as its provider lays
 * it out: args (args.NAME), pkt (pkt.NAME), retval, arg0..arg9; and the
 * attach point's own names: func, probe.
 */
#include "backend/cg_internal.h"

#include <string.h>

/* What the provider says `n` reads; a name it does not offer here (sema
 * has said so already) reads as zero. */
static LLVMValueRef ctx_value(struct cg *g, struct node *n)
{
	struct ctx_access acc;
	if (expr_access(g, n, &acc))
		return ctx_read(g, &acc);
	return c64(g, 0);
}

/* args and pkt are read through their fields (expr_access on the N_FIELD);
 * the bare names have no value of their own */
LLVMValueRef emit_args(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

LLVMValueRef emit_pkt(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

LLVMValueRef emit_retval(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

/* arg0..arg9: one hook, the provider finds argument N */
LLVMValueRef emit_argn(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

LLVMValueRef emit_func(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	const char *s = g->pi->ap->func;
	return const_str(g, s, strlen(s), n->type->size);
}

LLVMValueRef emit_probe(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	const char *s = g->pi->ap->spec;
	return const_str(g, s, strlen(s), n->type->size);
}
