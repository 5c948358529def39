/*
 * integers.c - functions of integers: bswap, is_err.
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

/* the top 4095 values of the address space, -4095 to -1 as signed */
LLVMValueRef emit_is_err(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef v = cg_expr(g, n->u.call.args);
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		v = LLVMBuildPtrToInt(g->b, v, g->i64, "");
	else if (LLVMGetIntTypeWidth(LLVMTypeOf(v)) < 64)
		v = n->u.call.args->type->is_signed ? LLVMBuildSExt(g->b, v, g->i64, "")
						     : LLVMBuildZExt(g->b, v, g->i64, "");
	return bool64(g, LLVMBuildICmp(g->b, LLVMIntUGE, v, c64(g, (uint64_t)-4095), ""));
}
