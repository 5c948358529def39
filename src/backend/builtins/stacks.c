/*
 * stacks.c - stacks and symbols: kstack ustack (bare or called, one hook
 * each) ksym usym kaddr percpu_kaddr. The runtime turns ids and addresses into names.
 */
#include "backend/cg_internal.h"
#include "bpf-runtime/dwunwind.h"
#include "kernel/btf.h"

#include <stdio.h>

/* An address with the pid of the current task, for the printer to find
 * the binaries it belongs to: {v, pid}. */
static LLVMValueRef with_pid(struct cg *g, LLVMValueRef v, const char *name)
{
	LLVMValueRef buf = new_buf(g, 16, name);
	store64(g, buf, v);
	LLVMValueRef tgid = cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0);
	LLVMValueRef pid = LLVMBuildLShr(g->b, tgid, c64(g, 32), "");
	store64(g, gep(g, buf, 8), pid);
	return buf;
}

/* A stack id in the map that keeps this many frames. The kernel hashes
 * only the frames it keeps, so kstack(3) counts stacks that share their
 * top three frames as one, as bpftrace does. */
static LLVMValueRef stack_id(struct cg *g, const struct type *t)
{
	uint32_t depth = type_stack_depth(t);
	if (!g->stacks[depth]) {
		char name[32] = "stacks";
		if (depth != STACK_MAX_DEPTH)
			snprintf(name, sizeof(name), "stacks_%u", depth);
		g->stacks[depth] = emit_map(g->em, name, BPF_MAP_TYPE_STACK_TRACE,
					    g->c->opts->map_entries, 4, depth * 8, 1);
		g->aux->maps[g->aux->n++] = (struct aux_map_desc){
			AUX_MAP_STACKS, arena_strdup(&g->c->arena, name), depth};
	}
	bool user = t->kind == TYPE_USTACK;
	LLVMValueRef args[] = {g->ctxarg, g->stacks[depth], c64(g, user ? BPF_F_USER_STACK : 0)};
	LLVMValueRef id = cg_helper(g, BPF_FUNC_get_stackid, g->i64, args, 3);
	if (!g->c->stack_len_stored)
		return id;
	/* the frame count beside the id, for len() of the stored stack: a
	 * second walk of the same stack, as len(ustack) makes */
	LLVMValueRef frames = LLVMBuildShl(g->b, stack_len(g, t), c64(g, STACK_FRAMES_SHIFT), "");
	LLVMValueRef failed = LLVMBuildICmp(g->b, LLVMIntSLT, id, c64(g, 0), "no_stack");
	return LLVMBuildSelect(g->b, failed, id, LLVMBuildOr(g->b, id, frames, ""), "stack");
}

LLVMValueRef emit_kstack(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return stack_id(g, n->type);
}

/* user stacks carry the pid so the printer can find the binaries */
LLVMValueRef emit_ustack(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return with_pid(g, stack_id(g, n->type), "ustack");
}

/* One of dw_ustack's maps, declared at its first use and noted for the
 * runtime (kind) unless only the BPF side needs it. */
static LLVMValueRef dw_map(struct cg *g, LLVMValueRef *slot, const char *name, uint32_t type,
			   uint32_t entries, uint32_t key_size, uint32_t value_size, int kind)
{
	if (!*slot) {
		*slot = emit_map(g->em, name, type, entries, key_size, value_size, 1);
		if (kind >= 0)
			g->aux->maps[g->aux->n++] = (struct aux_map_desc){
				(enum aux_map_kind)kind, arena_strdup(&g->c->arena, name), 0};
	}
	return *slot;
}

/* dw_ustack: the user stack unwound in the kernel with the .eh_frame
 * rows the runtime loaded (bpf-runtime/dwunwind.c), as {id, pid} like
 * ustack; the id keys the frames in dw_stacks. The rows map is sized by
 * the runtime before loading (one entry here); 1024 processes' spans. */
LLVMValueRef emit_dw_ustack(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	uint32_t frames = SONDE_DW_MAX_FRAMES * 8;
	LLVMValueRef args[6] = {
		dw_map(g, &g->dw_pids, "dw_pids", BPF_MAP_TYPE_HASH, 1024, 4,
		       sizeof(struct sonde_dw_span), AUX_MAP_DW_PIDS),
		dw_map(g, &g->dw_rows, "dw_rows", BPF_MAP_TYPE_ARRAY, 1, 4,
		       sizeof(struct sonde_dw_row), AUX_MAP_DW_ROWS),
		dw_map(g, &g->dw_scratch, "dw_scratch", BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4, frames, -1),
		dw_map(g, &g->dw_stacks, "dw_stacks", BPF_MAP_TYPE_HASH, g->c->opts->map_entries, 8,
		       frames, AUX_MAP_DW_STACKS),
		LLVMConstInt(g->i32, type_stack_depth(n->type), 0),
	};
	LLVMValueRef tgid = cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0);
	LLVMValueRef pid = LLVMBuildLShr(g->b, tgid, c64(g, 32), "");
	args[5] = LLVMBuildTrunc(g->b, pid, g->i32, "");
	LLVMTypeRef params[] = {g->ptr, g->ptr, g->ptr, g->ptr, g->i32, g->i32};
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, 6, 0);
	LLVMValueRef id = call_named(g, "sonde_dw_ustack", fty, args, 6);
	g->c->uses_runtime = true;
	LLVMValueRef buf = new_buf(g, 16, "dw_ustack");
	store64(g, buf, id);
	store64(g, gep(g, buf, 8), pid);
	return buf;
}

LLVMValueRef emit_ksym(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args);
}

LLVMValueRef emit_usym(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return with_pid(g, cg_expr(g, n->u.call.args), "usym");
}

/* the address sema found in the kernel's symbols */
LLVMValueRef emit_kaddr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return c64(g, n->u.call.kaddr);
}

/* percpu_kaddr("NAME"[, CPU]): the variable's address on this CPU
 * (bpf_this_cpu_ptr, never 0) or on CPU (bpf_per_cpu_ptr, 0 when CPU is
 * not a possible CPU), from the extern the kernel's BTF types. */
LLVMValueRef emit_percpu_kaddr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *name = n->u.call.args;
	LLVMValueRef args[2] = {emit_kernel_var(g->em, btf_vmlinux(g->c->host), name->u.str.s,
						(uint32_t)n->u.call.value)};
	if (!args[0]) {
		g->failed = true;
		diag_error(g->c->diag, name->loc,
			   "percpu_kaddr(): the kernel's '%s' has the name of one of the program's own "
			   "globals",
			   name->u.str.s);
		return c64(g, 0);
	}
	LLVMValueRef p;
	if (!name->next) {
		p = cg_helper(g, BPF_FUNC_this_cpu_ptr, g->ptr, args, 1);
	} else {
		args[1] = LLVMBuildIntCast2(g->b, cg_expr(g, name->next), g->i32, 0, "cpu");
		p = cg_helper(g, BPF_FUNC_per_cpu_ptr, g->ptr, args, 2);
	}
	return LLVMBuildPtrToInt(g->b, p, g->i64, "percpu_addr");
}
