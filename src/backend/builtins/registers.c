/*
 * registers.c - reg("NAME"), sarg0..sarg9, usermode and ctx: the probe's
 * registers (struct pt_regs, loaded from the context) and the context
 * pointer itself.
 */
#include "backend/cg_internal.h"
#include "builtins/registers.h"
#include "probes/kfunc.h"

/* the 8 bytes at `offset` into this probe's pt_regs */
static LLVMValueRef register_at(struct cg *g, uint32_t offset)
{
	struct ctx_access acc = {.kind = CTX_LOAD, .offset = offset, .size = 8, .type = &type_u64};
	return ctx_read(g, &acc);
}

LLVMValueRef emit_reg(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return register_at(g, (uint32_t)n->u.call.value);
}

/* sargN is at sp + 8 * (N + 1): the return address is at sp */
LLVMValueRef emit_sargn(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	int index = n->u.ident.builtin_id - BI_SARG0;
	LLVMValueRef sp = register_at(g, PT_REGS_SP_OFFSET);
	LLVMValueRef addr = LLVMBuildAdd(g->b, sp, c64(g, 8 * ((uint64_t)index + 1)), "");
	return kread(g, addr, &type_u64,
		     ap_regs_are_user(g->pi->ap) ? SPACE_USER : SPACE_KERNEL);
}

/* x86-64: the low two bits of cs are the privilege level, 3 in user mode */
LLVMValueRef emit_usermode(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	const struct attach_point *ap = g->pi->ap;
	if (!ap_has_pt_regs(ap))
		return c64(g, ap->prov->run == RUN_ATTACHED ? 0 : 1);
	LLVMValueRef pl = LLVMBuildAnd(g->b, register_at(g, PT_REGS_CS), c64(g, 3), "");
	return LLVMBuildZExt(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, pl, c64(g, 3), ""), g->i64, "");
}

LLVMValueRef emit_ctx(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return LLVMBuildPtrToInt(g->b, g->ctxarg, g->i64, "");
}
