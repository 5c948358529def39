/*
 * names.c - strerror, syscall_name, cgroup_path: the number itself; the
 * runtime prints its name (TYPE_NAMED).
 */
#include "backend/cg_internal.h"

LLVMValueRef emit_strerror(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args);
}

LLVMValueRef emit_syscall_name(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args);
}

LLVMValueRef emit_cgroup_path(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args);
}
