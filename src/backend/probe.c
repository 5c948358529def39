/*
 * probe.c - one BPF program per probe instance (placing its variables,
 * parsing its packet, its predicate and body) and cg_build, which makes
 * the maps, the license, the programs and the zero area of the module.
 */
#include "backend/cg_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf-runtime/pkt.h"
#include "embedded.h"
#include "settings.h"

/* Places the probe's variables: small ones on the stack while half the
 * budget allows (LLVM keeps most integers in registers, but spills them
 * to the stack when too many are alive at once), the rest at the bottom
 * of scratch memory, for the whole run. */
static void place_vars(struct cg *g, struct probe_inst *pi)
{
	uint32_t on_stack = 0;
	for (struct var_info *v = pi->vars; v; v = v->next) {
		uint32_t size = round8(v->type->size);
		v->slot = NULL;
		if (size <= STACK_VAR_MAX && on_stack + size <= g->stack_budget / 2) {
			v->scratch_offset = -1;
			on_stack += size;
			g->stack_used += size;
			continue;
		}
		v->scratch_offset = (int32_t)g->scratch_top;
		g->loc = v->loc;
		scratch_take(g, g->scratch_top, size);
		g->scratch_top += size;
	}
}

/* An iterator's seq_file: ctx->meta->seq, loaded directly */
LLVMValueRef cg_iter_seq(struct cg *g)
{
	LLVMValueRef meta = LLVMBuildLoad2(g->b, g->ptr, g->ctxarg, "iter_meta");
	return LLVMBuildLoad2(g->b, g->ptr, meta, "iter_seq");
}

/* Iterators (provider.h): the last call, without an object, returns at
 * once; any other first writes one byte to the iterator's file, so that a
 * read() of one byte runs the program for one object. The context's
 * pointers are loaded directly, as the verifier wants them. */
static void iter_prologue(struct cg *g, uint32_t object_offset, bool to_file)
{
	LLVMValueRef obj = LLVMBuildLoad2(g->b, g->ptr, gep(g, g->ctxarg, object_offset), "iter_obj");
	LLVMBasicBlockRef last = new_block(g, "iter_last"), each = new_block(g, "iter_object");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, obj, ""), last, each);
	LLVMPositionBuilderAtEnd(g->b, last);
	ret_default(g);
	LLVMPositionBuilderAtEnd(g->b, each);
	if (to_file)
		return;
	LLVMValueRef seq = cg_iter_seq(g);
	LLVMValueRef byte = new_buf(g, 8, "iter_byte");
	LLVMBuildStore(g->b, c64(g, 0), byte);
	LLVMValueRef args[] = {seq, byte, LLVMConstInt(g->i32, 1, 0)};
	cg_helper(g, BPF_FUNC_seq_write, g->i64, args, 3);
}

/* struct pt_regs (x86-64): where the syscall entry saved the arguments
 * (di, si, dx, r10, r8, r9, the order of the syscalls:* records), read as
 * one block from r10 (56) to di (120); orig_ax, the number, at 120 */
enum { REGS_BLOCK_OFF = 56, REGS_BLOCK_LEN = 64, REGS_ORIG_AX = 120 };
static const uint32_t syscall_arg_regs[6] = {112, 104, 96, 56, 72, 64};

/* The kernel address `off` bytes into the saved registers at `regs` */
static LLVMValueRef regs_at(struct cg *g, LLVMValueRef regs, uint32_t off)
{
	return LLVMBuildIntToPtr(g->b, LLVMBuildAdd(g->b, regs, c64(g, off), ""), g->ptr, "");
}

/* A program on raw_syscalls (provider.syscall_regs): the record of the
 * syscalls:* event it stands for, rebuilt on the stack from the raw
 * tracepoint's arguments (the saved registers, and the number at
 * sys_enter or the return value at sys_exit), with the event's layout:
 * 8 bytes of common fields (zero), __syscall_nr, then the six arguments
 * or ret, 8 bytes each. */
static LLVMValueRef syscall_record(struct cg *g, int dir)
{
	uint32_t size = dir == SYSCALL_REGS_ENTER ? 16 + REGS_BLOCK_LEN : 24;
	g->stack_used += size;
	/* the helper fills what it reads (zeros if the read fails); the
	 * common fields are zero */
	LLVMValueRef rec = buf_new(g, size, false, BUF_FUNC, "sysrec");
	store64(g, rec, c64(g, 0));
	LLVMValueRef regs = LLVMBuildLoad2(g->b, g->i64, g->ctxarg, "regs");
	LLVMSetAlignment(regs, 8);
	LLVMValueRef arg1 = LLVMBuildLoad2(g->b, g->i64, gep(g, g->ctxarg, 8), "");
	LLVMSetAlignment(arg1, 8);
	if (dir == SYSCALL_REGS_EXIT) {
		LLVMValueRef args[] = {gep(g, rec, 8), LLVMConstInt(g->i32, 8, 0),
		                       regs_at(g, regs, REGS_ORIG_AX)};
		cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
		store64(g, gep(g, rec, 16), arg1);
		return rec;
	}
	store64(g, gep(g, rec, 8), arg1);
	LLVMValueRef block = gep(g, rec, 16);
	LLVMValueRef args[] = {block, LLVMConstInt(g->i32, REGS_BLOCK_LEN, 0),
	                       regs_at(g, regs, REGS_BLOCK_OFF)};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
	LLVMValueRef vals[6];
	for (int i = 0; i < 6; i++) {
		LLVMValueRef at = gep(g, block, syscall_arg_regs[i] - REGS_BLOCK_OFF);
		vals[i] = LLVMBuildLoad2(g->b, g->i64, at, "");
		LLVMSetAlignment(vals[i], 8);
	}
	for (int i = 0; i < 6; i++)
		store64(g, gep(g, block, (uint32_t)i * 8), vals[i]);
	return rec;
}

/* The number of the syscall a raw_syscalls program runs for, as its
 * dispatcher finds it: sys_enter's id argument, orig_ax of the saved
 * registers at sys_exit (whose second argument is the return value). */
LLVMValueRef syscall_nr(struct cg *g, int dir)
{
	if (dir == SYSCALL_REGS_ENTER) {
		LLVMValueRef id = LLVMBuildLoad2(g->b, g->i64, gep(g, g->ctxarg, 8), "nr");
		LLVMSetAlignment(id, 8);
		return id;
	}
	LLVMValueRef regs = LLVMBuildLoad2(g->b, g->i64, g->ctxarg, "regs");
	LLVMSetAlignment(regs, 8);
	LLVMValueRef buf = new_buf(g, 8, "nr");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, 8, 0), regs_at(g, regs, REGS_ORIG_AX)};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
	return load64(g, buf);
}

static void cg_probe(struct cg *g, struct probe_inst *pi)
{
	g->pi = pi;
	g->scratch_bb = NULL;
	g->scratch = NULL;
	g->scratch_map = NULL;
	g->scratch_top = g->scratch_size = 0;
	g->scratch_full = false;
	g->ntemps = 0;
	g->stack_used = 0;
	g->stack_budget =
	    ast_contains_kind(pi->probe->u.probe.body, N_FOR) ? STACK_BUFS_WITH_FOR : STACK_BUFS;
	LLVMTypeRef fty = LLVMFunctionType(g->i32, &g->ptr, 1, 0);
	g->fn = LLVMAddFunction(g->mod, pi->prog_name, fty);
	const struct attach_point *ap = pi->ap;
	LLVMSetSection(g->fn, ap->prov->section(&g->c->arena, ap));
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(g->fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->ctx, nounwind, 0));
	g->ctxarg = LLVMGetParam(g->fn, 0);
	LLVMSetValueName2(g->ctxarg, "ctx", 3);
	struct node *probe = pi->probe;
	g->scope = emit_function(g->em, g->fn, pi->prog_name, probe->loc.first_line);

	g->entry = new_block(g, "entry");
	LLVMBasicBlockRef body = new_block(g, "body");
	LLVMPositionBuilderAtEnd(g->ab, g->entry);
	emit_loc(g->em, g->ab, g->scope, probe->loc.first_line, probe->loc.first_column);
	LLVMPositionBuilderAtEnd(g->b, body);
	/* the builder still holds the previous function's location */
	set_loc(g, probe->loc);
	g->pkt = NULL;
	g->argbase = NULL;
	int sysregs = ap->prov->syscall_regs ? ap->prov->syscall_regs(ap) : SYSCALL_REGS_NONE;
	if (sysregs != SYSCALL_REGS_NONE)
		g->argbase = syscall_record(g, sysregs);
	if (pi->pkt_depth >= 0 && ap->prov->pkt_parser) {
		/* parse once, only as deep as the fields the block reads; on the
		 * stack, as it holds packet pointers */
		g->stack_used += round8(sizeof(struct sonde_pkt));
		g->pkt = buf_new(g, sizeof(struct sonde_pkt), true, BUF_FUNC, "pkt");
		LLVMTypeRef params[] = {g->ptr, g->ptr, g->i32, g->i32};
		LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), params, 4, 0);
		LLVMValueRef args[] = {g->ctxarg, g->pkt,
				       LLVMConstInt(g->i32, (uint64_t)pi->pkt_depth, 0),
				       LLVMConstInt(g->i32, pi->pkt_len, 0)};
		call_named(g, ap->prov->pkt_parser, fty, args, 4);
		g->c->uses_runtime = true;
		/* a for body runs as a callback that cannot follow packet
		 * pointers: parse the transport header before it */
		if (pi->pkt_l4_eager)
			pkt_parse_l4(g);
	}
	place_vars(g, pi);
	g->iter_to_file = false;
	if (ap->prov->iter_object_offset) {
		uint32_t off = ap->prov->iter_object_offset(ap, &g->iter_to_file);
		iter_prologue(g, off, g->iter_to_file);
	}
	if (probe->u.probe.predicate) {
		struct buf_mark mark = buf_mark(g);
		LLVMValueRef c = cg_expr(g, probe->u.probe.predicate);
		LLVMBasicBlockRef pass = new_block(g, "pred_pass"), skip = new_block(g, "pred_skip");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, c, c64(g, 0), ""), pass, skip);
		LLVMPositionBuilderAtEnd(g->b, skip);
		ret_default(g);
		LLVMPositionBuilderAtEnd(g->b, pass);
		buf_release(g, mark, true);
	}
	cg_block(g, probe->u.probe.body);
	struct loc end = probe->loc;
	emit_loc(g->em, g->b, g->scope, end.last_line, end.last_column);
	ret_default(g);
	/* allocas first, then the scratch lookup, then the body */
	finish_entry(g, body);
	finish_scratch(g, pi);
}

void cg_describe_aux_maps(const struct cg_aux_maps *aux, struct program *p)
{
	struct manifest *m = &p->m;
	m->naux_maps = aux->n;
	m->aux_maps = arena_alloc(&p->arena, (aux->n + 1) * sizeof(*m->aux_maps));
	for (uint32_t i = 0; i < aux->n; i++) {
		m->aux_maps[i] = aux->maps[i];
		m->aux_maps[i].elf_name = arena_strdup(&p->arena, aux->maps[i].elf_name);
	}
}

int cg_build(struct compilation *c, LLVMContextRef ctx, LLVMModuleRef mod, struct emit *em,
	     struct cg_aux_maps *aux)
{
	struct cg g = {.c = c, .em = em, .ctx = ctx, .mod = mod, .aux = aux};
	aux->n = 0;
	g.b = LLVMCreateBuilderInContext(ctx);
	g.ab = LLVMCreateBuilderInContext(ctx);
	g.sb = LLVMCreateBuilderInContext(ctx);
	g.i8 = LLVMInt8TypeInContext(ctx);
	g.i16 = LLVMInt16TypeInContext(ctx);
	g.i32 = LLVMInt32TypeInContext(ctx);
	g.i64 = LLVMInt64TypeInContext(ctx);
	g.ptr = LLVMPointerTypeInContext(ctx, 0);

	g.maps = arena_alloc(&c->arena, (size_t)(c->nmaps + 1) * sizeof(*g.maps));
	for (struct map_info *m = c->maps; m; m = m->next) {
		uint32_t type = map_bpf_type(m);
		const char *name = arena_printf(&c->arena, "map%d", m->index);
		g.maps[m->index] = emit_map(em, name, type, map_max_entries(c, m),
					    map_key_size(m),
					    agg_value_size(m), m->loc.first_line);
	}
	if (c->uses_events) {
		g.events = emit_map(em, "events", BPF_MAP_TYPE_RINGBUF, c->opts->ringbuf_size, 0, 0,
				    1);
	}

	/* license (config license): the tracing helpers sonde uses are GPL-only,
	 * so the choice is among GPL-compatible strings */
	const char *license = bpf_licenses[c->opts->license];
	LLVMValueRef lic =
	    LLVMAddGlobal(mod, LLVMArrayType2(g.i8, strlen(license) + 1), "_license");
	LLVMSetInitializer(lic, LLVMConstStringInContext(ctx, license, (unsigned)strlen(license), 0));
	LLVMSetSection(lic, "license");

	/* an instance that runs another's program (sema/share.c) has none */
	for (struct probe_inst *pi = c->insts; pi; pi = pi->next)
		if (!pi->runs)
			cg_probe(&g, pi);
	free(g.temps);
	if (g.zeros) {
		LLVMTypeRef zt = LLVMArrayType2(g.i8, g.zeros_size);
		LLVMValueRef zeros = LLVMAddGlobal(mod, zt, "zeros");
		LLVMSetInitializer(zeros, LLVMConstNull(zt));
		LLVMSetGlobalConstant(zeros, 1);
		LLVMSetSection(zeros, ".rodata");
		LLVMSetAlignment(zeros, 8);
		LLVMSetLinkage(zeros, LLVMInternalLinkage);
		LLVMReplaceAllUsesWith(g.zeros, zeros);
		LLVMDeleteGlobal(g.zeros);
	}

	int rc = g.failed ? -1 : 0;
	for (const struct embedded_file *f = bpf_runtime_files; c->uses_runtime && f->name; f++) {
		char *err = NULL;
		if (emit_link_bitcode(em, f->name, f->text, f->len, &err)) {
			fprintf(stderr, "sonde: internal error: %s (%s)\n", err, f->name);
			free(err);
			rc = -1;
		}
	}

	LLVMDisposeBuilder(g.b);
	LLVMDisposeBuilder(g.ab);
	LLVMDisposeBuilder(g.sb);
	return rc;
}
