/*
 * probebound.c - uaddr (the address sema found) and path (bpf_d_path into
 * a string of the size sema gave it); override is with the other actions
 * (actions.c).
 */
#include "backend/cg_internal.h"

LLVMValueRef emit_uaddr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return c64(g, n->u.call.kaddr);
}

/* bpf_d_path writes the NUL-terminated path; the buffer starts zeroed */
LLVMValueRef emit_path(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	uint32_t size = n->type->size;
	LLVMValueRef p = cg_expr(g, n->u.call.args);
	LLVMValueRef buf = new_buf(g, size, "path");
	LLVMValueRef args[] = {LLVMBuildIntToPtr(g->b, p, g->ptr, ""), buf,
	                       LLVMConstInt(g->i32, size, 0)};
	cg_helper(g, BPF_FUNC_d_path, g->i64, args, 3);
	return buf;
}
