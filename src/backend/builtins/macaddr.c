/*
 * macaddr.c - macaddr(MAC): the six bytes formatted in the probe as
 * "AA:BB:CC:DD:EE:FF", a NUL-terminated string of 18 bytes.
 */
#include "backend/cg_internal.h"

/* the hex digit of the nibble v (0..15), upper case */
static LLVMValueRef hex_digit(struct cg *g, LLVMValueRef v)
{
	LLVMValueRef letter = LLVMBuildICmp(g->b, LLVMIntUGE, v, LLVMConstInt(g->i8, 10, 0), "");
	LLVMValueRef base = LLVMBuildSelect(g->b, letter, LLVMConstInt(g->i8, 'A' - 10, 0),
					    LLVMConstInt(g->i8, '0', 0), "");
	return LLVMBuildAdd(g->b, v, base, "");
}

LLVMValueRef emit_macaddr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *arg = n->u.call.args;
	LLVMValueRef v = cg_expr(g, arg);
	LLVMValueRef bytes;
	if (is_mem_type(arg->type)) {
		bytes = v; /* the array's bytes, already in the program's memory */
	} else {
		/* an address: read the six bytes there */
		bytes = new_buf(g, 6, "mac");
		LLVMValueRef args[] = {bytes, LLVMConstInt(g->i32, 6, 0),
				       LLVMBuildIntToPtr(g->b, v, g->ptr, "")};
		cg_helper(g, read_helper(g, value_space(g, arg), false), g->i64, args, 3);
	}
	LLVMValueRef out = new_buf(g, n->type->size, "macaddr");
	for (unsigned i = 0; i < 6; i++) {
		LLVMValueRef b = LLVMBuildLoad2(g->b, g->i8, gep(g, bytes, i), "");
		LLVMValueRef hi = LLVMBuildLShr(g->b, b, LLVMConstInt(g->i8, 4, 0), "");
		LLVMValueRef lo = LLVMBuildAnd(g->b, b, LLVMConstInt(g->i8, 15, 0), "");
		LLVMBuildStore(g->b, hex_digit(g, hi), gep(g, out, 3 * i));
		LLVMBuildStore(g->b, hex_digit(g, lo), gep(g, out, 3 * i + 1));
		LLVMBuildStore(g->b, LLVMConstInt(g->i8, i < 5 ? ':' : 0, 0), gep(g, out, 3 * i + 2));
	}
	return out;
}
