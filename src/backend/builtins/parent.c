/*
 * parent.c - ppid and pcomm: the task->real_parent->FIELD access that
 * check_ppid/check_pcomm built and typed.
 */
#include "backend/cg_internal.h"

static LLVMValueRef emit_lowered(struct cg *g, struct node *n)
{
	return cg_expr(g, n->kind == N_CALL ? n->u.call.lowered : n->u.ident.lowered);
}

LLVMValueRef emit_ppid(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_lowered(g, n);
}

LLVMValueRef emit_pcomm(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_lowered(g, n);
}
