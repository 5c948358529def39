/*
 * socket.c - socket_cookie(sk): bpf_get_socket_cookie of the BTF-typed
 * socket pointer (checked in src/builtins/socket.c).
 */
#include "backend/cg_internal.h"

LLVMValueRef emit_socket_cookie(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef sk = cg_expr(g, n->u.call.args);
	LLVMValueRef arg = LLVMBuildIntToPtr(g->b, sk, LLVMPointerType(g->i8, 0), "");
	return cg_helper(g, BPF_FUNC_get_socket_cookie, g->i64, &arg, 1);
}
