/*
 * strings.c - builtins that make a string-like value: str buf ntop
 * strftime.
 */
#include "backend/cg_internal.h"

/* str(s, n) of a string already in BPF memory: its first n bytes and a NUL */
static LLVMValueRef str_of_str(struct cg *g, struct node *arg, LLVMValueRef v, uint32_t size)
{
	if (size >= arg->type->size)
		return v;
	LLVMValueRef cut = new_buf(g, size, "str_cut");
	copy_bytes(g, cut, v, size - 1);
	LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), gep(g, cut, size - 1));
	return cut;
}

LLVMValueRef emit_str(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *arg = n->u.call.args;
	LLVMValueRef v = cg_expr(g, arg);
	uint32_t size = n->type->size;
	if (arg->type->kind == TYPE_STR)
		return str_of_str(g, arg, v, size);
	/* str(p) without a length reads one byte more than it keeps: a string
	 * that fills it (no NUL in its max_strlen bytes) was at least that
	 * long; it is kept full, which is how the printer knows to add the
	 * str_trunc_trailer, as bpftrace 0.26 does, and counted so the runtime
	 * can say strings were cut (str(p, n) cuts on purpose, with no
	 * trailer) */
	bool watch = !arg->next;
	LLVMValueRef buf = new_buf(g, size + watch, "str");
	LLVMValueRef src = LLVMBuildIntToPtr(g->b, v, g->ptr, "");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, size + watch, 0), src};
	LLVMValueRef got = cg_helper(g, read_helper(g, value_space(g, arg), true), g->i64, args, 3);
	if (!watch)
		return buf;
	LLVMBasicBlockRef cut = new_block(g, "str_cut"), done = new_block(g, "str_done");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, got, c64(g, size + 1), ""), cut, done);
	LLVMPositionBuilderAtEnd(g->b, cut);
	counter_add(g, COUNTER_TRUNCATED, c64(g, 1));
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return buf;
}

/* buf(p, n): a u32 length, then the bytes */
LLVMValueRef emit_buf(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *args = n->u.call.args;
	LLVMValueRef src = cg_expr(g, args);
	uint32_t cap = n->type->size - 4;
	LLVMValueRef len = c64(g, cap);
	if (args->next && args->next->kind != N_INT)
		len = clamp(g, cg_expr(g, args->next), cap);
	else if (args->next)
		len = c64(g, args->next->u.int_lit.value);
	LLVMValueRef buf = new_buf(g, n->type->size, "buf");
	LLVMBuildStore(g->b, LLVMBuildTrunc(g->b, len, g->i32, ""), buf);
	if (is_mem_type(args->type)) {
		uint32_t nb = args->type->size < cap ? args->type->size : cap;
		copy_bytes(g, gep(g, buf, 4), src, nb);
		/* a string literal is padded with zeros to the length asked for,
		 * as in bpftrace (the buffer starts zeroed); a value stops at
		 * its own size */
		if (nb < cap && args->kind != N_STR)
			LLVMBuildStore(g->b, LLVMConstInt(g->i32, nb, 0), buf);
		return buf;
	}
	LLVMValueRef rargs[] = {gep(g, buf, 4), LLVMBuildTrunc(g->b, len, g->i32, ""),
				LLVMBuildIntToPtr(g->b, src, g->ptr, "")};
	cg_helper(g, read_helper(g, value_space(g, args), false), g->i64, rargs, 3);
	return buf;
}

/* ntop([af,] addr): a u32 address family, then the address bytes; a
 * 16-byte array or string is IPv6 unless af says otherwise */
LLVMValueRef emit_ntop(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *args = n->u.call.args;
	struct node *addr = args->next ? args->next : args;
	LLVMValueRef af = args->next ? cg_expr(g, args) : NULL;
	LLVMValueRef v = cg_expr(g, addr);
	struct type *t = addr->type;
	if (t->kind == TYPE_INET)
		return v;
	LLVMValueRef buf = new_buf(g, 20, "inet");
	bool v6 = (t->kind == TYPE_ARRAY || t->kind == TYPE_STR) && t->size == 16;
	if (af)
		LLVMBuildStore(g->b, LLVMBuildTrunc(g->b, af, g->i32, ""), buf);
	else
		LLVMBuildStore(g->b, LLVMConstInt(g->i32, v6 ? 10 : 2, 0), buf);
	if (is_mem_type(t))
		copy_bytes(g, gep(g, buf, 4), v, t->size);
	else
		LLVMBuildStore(g->b, LLVMBuildTrunc(g->b, v, g->i32, ""), gep(g, buf, 4));
	return buf;
}

/* strftime(fmt, ns): the nanoseconds; the format travels in the type and
 * the runtime formats the time */
LLVMValueRef emit_strftime(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args->next);
}
