/*
 * context.c - builtins read from the probe's context, as its provider lays
 * it out: args (args.NAME), pkt (pkt.NAME), retval, arg0..arg9; and the
 * attach point's own names: func, probe.
 */
#include "backend/cg_internal.h"

#include <string.h>

/* What args.NAME, pkt.NAME, retval or argN reads in this attach point's
 * context, as its provider lays it out (the packet's fields are the same
 * everywhere); false for anything else. */
bool expr_access(struct cg *g, struct node *n, struct ctx_access *acc)
{
	const struct provider *p = g->pi->ap->prov;
	if (n->kind == N_FIELD && n->u.field.base->kind == N_IDENT &&
	    n->u.field.base->u.ident.builtin_id == BI_ARGS)
		return p->arg_field &&
		       !p->arg_field(g->c, g->pi->ap, n->u.field.name, n->loc, acc);
	if (n->kind == N_FIELD && n->u.field.base->kind == N_IDENT &&
	    n->u.field.base->u.ident.builtin_id == BI_PKT)
		return sema_pkt_field(n->u.field.name, acc) >= 0;
	if (n->kind == N_IDENT && n->u.ident.builtin_id == BI_RETVAL)
		return p->retval && !p->retval(g->c, g->pi->ap, n->loc, acc);
	if (n->kind == N_IDENT && n->u.ident.builtin_id >= BI_ARG0 &&
	    n->u.ident.builtin_id <= BI_ARG9)
		return p->arg_index &&
		       !p->arg_index(g->c, g->pi->ap, n->u.ident.builtin_id - BI_ARG0, n->loc, acc);
	return false;
}

/* What the provider says `n` reads; a name it does not offer here (sema
 * has said so already) reads as zero. */
static LLVMValueRef ctx_value(struct cg *g, struct node *n)
{
	struct ctx_access acc;
	if (expr_access(g, n, &acc))
		return ctx_read(g, &acc);
	return c64(g, 0);
}

/* args and pkt are read through their fields (expr_access on the N_FIELD);
 * the bare names have no value of their own */
LLVMValueRef emit_args(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

LLVMValueRef emit_pkt(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

LLVMValueRef emit_retval(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

/* arg0..arg9: one hook, the provider finds argument N */
LLVMValueRef emit_argn(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return ctx_value(g, n);
}

/* Which of the attach points sharing this program it runs for: the BPF
 * cookie its attachment gave, or where a dispatcher tail-calls it (no
 * cookie), its entry in a table by syscall number of the cookies
 * (sema/share.c) the attach points would have had. */
static LLVMValueRef attachment_index(struct cg *g)
{
	const struct probe_inst *pi = g->pi;
	const struct provider *prov = pi->ap->prov;
	int dir = prov->cookie_is_syscall_nr ? prov->cookie_is_syscall_nr(pi->ap) : SYSCALL_REGS_NONE;
	if (dir == SYSCALL_REGS_NONE) {
		LLVMValueRef ctx = g->ctxarg;
		return cg_helper(g, BPF_FUNC_get_attach_cookie, g->i64, &ctx, 1);
	}
	uint64_t max_nr = 0;
	for (const struct probe_inst *p = g->c->insts; p; p = p->next)
		if ((p == pi || p->runs == pi) && p->ap->value - 1 > max_nr)
			max_nr = p->ap->value - 1;
	uint32_t entries = 1;
	while (entries <= max_nr)
		entries *= 2;
	uint32_t *cookies = arena_alloc(&g->c->arena, entries * sizeof(*cookies));
	memset(cookies, 0, entries * sizeof(*cookies));
	for (const struct probe_inst *p = g->c->insts; p; p = p->next)
		if (p == pi || p->runs == pi)
			cookies[p->ap->value - 1] = p->cookie;
	LLVMValueRef *elems = arena_alloc(&g->c->arena, entries * sizeof(*elems));
	for (uint32_t i = 0; i < entries; i++)
		elems[i] = LLVMConstInt(g->i32, cookies[i], 0);
	LLVMValueRef init = LLVMConstArray2(g->i32, elems, entries);
	LLVMValueRef table = LLVMAddGlobal(g->mod, LLVMTypeOf(init),
	                                   arena_printf(&g->c->arena, "%s.by_nr", pi->prog_name));
	LLVMSetInitializer(table, init);
	LLVMSetGlobalConstant(table, 1);
	LLVMSetSection(table, ".rodata");
	LLVMSetAlignment(table, 8);
	LLVMSetLinkage(table, LLVMInternalLinkage);
	LLVMValueRef nr = LLVMBuildAnd(g->b, syscall_nr(g, dir), c64(g, entries - 1), "");
	LLVMValueRef off = LLVMBuildMul(g->b, nr, c64(g, 4), "");
	LLVMValueRef at = LLVMBuildGEP2(g->b, g->i8, table, &off, 1, "");
	LLVMValueRef cookie = LLVMBuildLoad2(g->b, g->i32, at, "cookie");
	LLVMSetAlignment(cookie, 4);
	return LLVMBuildZExt(g->b, cookie, g->i64, "");
}

/* In a program several attach points share (sema/share.c): the string of
 * this attachment, entry `cookie` of a table in .rodata with one entry of
 * `size` bytes (8-aligned) for each. The table has a power of 2 of
 * entries, so that masking the cookie bounds the index for the verifier. */
static LLVMValueRef cookie_str(struct cg *g, const char *const *strs, uint32_t size,
                               const char *name)
{
	const struct probe_inst *pi = g->pi;
	uint32_t stride = round8(size), entries = 1;
	while (entries < pi->ncookies)
		entries *= 2;
	char *bytes = arena_alloc(&g->c->arena, (size_t)stride * entries);
	memset(bytes, 0, (size_t)stride * entries);
	for (uint32_t i = 0; i < pi->ncookies; i++)
		strncpy(bytes + (size_t)i * stride, strs[i], size - 1);
	LLVMValueRef init = LLVMConstStringInContext(g->ctx, bytes, stride * entries, 1);
	LLVMValueRef table = LLVMAddGlobal(
	    g->mod, LLVMTypeOf(init), arena_printf(&g->c->arena, "%s.%s", pi->prog_name, name));
	LLVMSetInitializer(table, init);
	LLVMSetGlobalConstant(table, 1);
	LLVMSetSection(table, ".rodata");
	LLVMSetAlignment(table, 8);
	LLVMSetLinkage(table, LLVMInternalLinkage);
	LLVMValueRef index = LLVMBuildAnd(g->b, attachment_index(g), c64(g, entries - 1), "");
	LLVMValueRef off = LLVMBuildMul(g->b, index, c64(g, stride), "");
	LLVMValueRef at = LLVMBuildGEP2(g->b, g->i8, table, &off, 1, "");
	LLVMValueRef buf = new_buf(g, size, name);
	copy_aligned(g, buf, 8, at, 8, size);
	return buf;
}

LLVMValueRef emit_func(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (g->pi->ncookies)
		return cookie_str(g, g->pi->cookie_funcs, n->type->size, "func");
	const char *s = g->pi->ap->func;
	return const_str(g, s, strlen(s), n->type->size);
}

LLVMValueRef emit_probe(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (g->pi->ncookies)
		return cookie_str(g, g->pi->cookie_specs, n->type->size, "probe");
	const char *s = g->pi->ap->spec;
	return const_str(g, s, strlen(s), n->type->size);
}

/* "special" for BEGIN and END, as check_probetype sizes it */
LLVMValueRef emit_probetype(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	const struct attach_point *ap = g->pi->ap;
	const char *s = ap->prov->probetype             ? ap->prov->probetype
	                : ap->prov->run == RUN_ATTACHED ? ap->prov->name
	                                                : "special";
	return const_str(g, s, strlen(s), n->type->size);
}
