/*
 * actions.c - builtins that act on the system or the packet from inside
 * the probe: signal (needs --unsafe), redirect (xdp, tc).
 */
#include "backend/cg_internal.h"

/* signal("NAME") and signal(N) carry the number sema resolved; signal(expr)
 * sends what the expression gives */
LLVMValueRef emit_signal(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef sig = n->u.call.signal > 0 ? c64(g, (uint64_t)n->u.call.signal)
						: cg_expr(g, n->u.call.args);
	LLVMValueRef args[] = {LLVMBuildTrunc(g->b, sig, g->i32, "")};
	cg_helper(g, BPF_FUNC_send_signal, g->i64, args, 1);
	return NULL;
}

/* returns from the program with the helper's verdict; code after it is
 * unreachable but must still be in a block */
LLVMValueRef emit_redirect(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef args[] = {c64(g, n->u.call.ifindex), c64(g, 0)};
	LLVMValueRef r = cg_helper(g, BPF_FUNC_redirect, g->i64, args, 2);
	LLVMBuildRet(g->b, LLVMBuildTrunc(g->b, r, g->i32, ""));
	LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_redirect"));
	return NULL;
}
