/*
 * probebound.c - uaddr (the address sema found) and path (bpf_d_path into
 * a string of the size sema gave it); override is with the other actions
 * (actions.c).
 */
#include "backend/cg_internal.h"
#include "kernel/symbols.h"
#include "probes/kfunc.h"

LLVMValueRef emit_uaddr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (!n->u.call.value)
		return c64(g, n->u.call.kaddr);
	/* a PIE or shared library: the probe's ip is the site, loaded at
	 * base + its ELF address; the symbol is at base + its own */
	const struct attach_point *ap = g->pi->ap;
	uint64_t site = 0;
	bool dyn = false;
	sym_elf_offset_vaddr(g->c->host, ap->target, ap->value, &site, &dyn);
	struct ctx_access acc = {.kind = CTX_LOAD, .offset = PT_REGS_IP_OFFSET, .size = 8,
	                         .type = &type_u64};
	return LLVMBuildAdd(g->b, ctx_read(g, &acc), c64(g, n->u.call.kaddr - site), "uaddr");
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
