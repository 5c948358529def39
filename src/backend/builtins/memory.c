/*
 * memory.c - uptr(p) and kptr(p): the value is p's; sema gave it the
 * address space the reads through it use (read_helper).
 */
#include "backend/cg_internal.h"

LLVMValueRef emit_uptr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args);
}

LLVMValueRef emit_kptr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args);
}
