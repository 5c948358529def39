/*
 * comptime.c - the compile-time functions (src/builtins/comptime.c):
 * is_str() and the other type tests became constants in sema, fail() and
 * static_assert() and assert_str() make no code; assert() is the
 * errorf() and exit(1) sema built, run when its condition is false;
 * default_str_length(), kfunc_exist() and kfunc_allowed() are constants
 * from sema on.
 */
#include "backend/cg_internal.h"

/* never reached: the call is an integer literal from sema on */
LLVMValueRef emit_getopt(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, 0);
}

/* never reached: the call is an integer literal from sema on */
LLVMValueRef emit_is_type(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, 0);
}

LLVMValueRef emit_fail(struct cg *g, struct node *n, struct node *target)
{
	(void)g, (void)n, (void)target;
	return NULL;
}

LLVMValueRef emit_static_assert(struct cg *g, struct node *n, struct node *target)
{
	(void)g, (void)n, (void)target;
	return NULL;
}

LLVMValueRef emit_assert(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *report = n->u.call.lowered;
	LLVMValueRef cond = cg_expr(g, n->u.call.args);
	LLVMValueRef ok = LLVMBuildICmp(g->b, LLVMIntNE, cond, LLVMConstInt(LLVMTypeOf(cond), 0, 0), "");
	LLVMBasicBlockRef failed = new_block(g, "assert_failed"), done = new_block(g, "assert_ok");
	LLVMBuildCondBr(g->b, ok, done, failed);
	LLVMPositionBuilderAtEnd(g->b, failed);
	cg_call_stmt(g, report);
	cg_call_stmt(g, report->next);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return NULL;
}

LLVMValueRef emit_assert_str(struct cg *g, struct node *n, struct node *target)
{
	(void)g, (void)n, (void)target;
	return NULL;
}

/* never reached: the call is an integer literal from sema on */
LLVMValueRef emit_default_str_length(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, 0);
}

/* never reached: the call is an integer literal from sema on */
LLVMValueRef emit_kfunc_exist(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, 0);
}

/* never reached: the call is an integer literal from sema on */
LLVMValueRef emit_kfunc_allowed(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, 0);
}
