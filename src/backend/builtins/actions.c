/*
 * actions.c - builtins that act on the system or the packet from inside
 * the probe: signal, signal_thread, override, write_user (need --unsafe),
 * redirect (xdp, tc).
 */
#include "backend/cg_internal.h"

/* signal("NAME") and signal(N) carry the number sema resolved; signal(expr)
 * sends what the expression gives; signal_thread the same to the thread */
static void send_signal(struct cg *g, struct node *n, enum bpf_func_id helper)
{
	LLVMValueRef sig = n->u.call.signal > 0 ? c64(g, (uint64_t)n->u.call.signal)
						: cg_expr(g, n->u.call.args);
	LLVMValueRef args[] = {LLVMBuildTrunc(g->b, sig, g->i32, "")};
	cg_helper(g, helper, g->i64, args, 1);
}

LLVMValueRef emit_signal(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	send_signal(g, n, BPF_FUNC_send_signal);
	return NULL;
}

LLVMValueRef emit_signal_thread(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	send_signal(g, n, BPF_FUNC_send_signal_thread);
	return NULL;
}

/* override(rc): the probed kernel function returns rc without running
 * (bpf_override_return; kprobes on ALLOW_ERROR_INJECTION functions) */
LLVMValueRef emit_override(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef args[] = {g->ctxarg, cg_expr(g, n->u.call.args)};
	cg_helper(g, BPF_FUNC_override_return, g->i64, args, 2);
	return NULL;
}

/* returns from the program with the helper's verdict; code after it is
 * unreachable but must still be in a block */
LLVMValueRef emit_redirect(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	/* a name was resolved at compile time; otherwise the ifindex is the
	 * argument's value (bpf_redirect takes it in 32 bits) */
	LLVMValueRef ifindex = n->u.call.ifindex
				       ? c64(g, n->u.call.ifindex)
				       : LLVMBuildAnd(g->b, cg_expr(g, n->u.call.args),
						      c64(g, 0xffffffff), "");
	LLVMValueRef args[] = {ifindex, c64(g, 0)};
	LLVMValueRef r = cg_helper(g, BPF_FUNC_redirect, g->i64, args, 2);
	LLVMBuildRet(g->b, LLVMBuildTrunc(g->b, r, g->i32, ""));
	LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_redirect"));
	return NULL;
}

/* bpf_probe_write_user(dst, bytes of src, len) == 0; src's bytes are its
 * own memory, or a slot a scalar is stored to */
LLVMValueRef emit_write_user(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *dn = n->u.call.args, *sn = dn->next;
	LLVMValueRef dst = cg_expr(g, dn);
	if (LLVMGetTypeKind(LLVMTypeOf(dst)) != LLVMPointerTypeKind)
		dst = LLVMBuildIntToPtr(g->b, dst, g->ptr, "");
	LLVMValueRef src = cg_expr(g, sn);
	if (!is_mem_type(sn->type)) {
		LLVMValueRef slot = new_buf(g, round8(sn->type->size), "write_user_src");
		store_value(g, slot, sn->type, src, sn->type);
		src = slot;
	}
	LLVMValueRef args[] = {dst, src, LLVMConstInt(g->i32, n->u.call.value, 0)};
	LLVMValueRef r = cg_helper(g, BPF_FUNC_probe_write_user, g->i64, args, 3);
	return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, r, c64(g, 0), ""));
}
