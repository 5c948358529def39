/*
 * integers.c - functions of integers: bswap.
 */
#include "backend/cg_internal.h"

/* the width check_bswap gave the result (the argument's own width, a
 * variable's natural one): llvm.bswap.iN of its low N bits, zero
 * extended as an unsigned value of that width; one byte is itself */
LLVMValueRef emit_bswap(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *arg = n->u.call.args;
	LLVMValueRef v = cg_expr(g, arg);
	uint32_t size = n->type->size;
	if (size == 1)
		return LLVMBuildAnd(g->b, v, c64(g, 0xff), "");
	if (size == 8)
		return call_named(g, "llvm.bswap.i64", LLVMFunctionType(g->i64, &g->i64, 1, 0), &v, 1);
	LLVMTypeRef it = int_type(g, size);
	char name[32];
	snprintf(name, sizeof(name), "llvm.bswap.i%u", size * 8);
	LLVMValueRef narrow = LLVMBuildTrunc(g->b, v, it, "");
	LLVMValueRef swapped = call_named(g, name, LLVMFunctionType(it, &it, 1, 0), &narrow, 1);
	return LLVMBuildZExt(g->b, swapped, g->i64, "");
}
