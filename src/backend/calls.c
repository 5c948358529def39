/*
 * calls.c - builtins (pid, comm, nsecs, ...) and function calls: those
 * with a value (str, kstack, ntop, buf, ...) and those made as a
 * statement for their effect (printf, signal, delete, ...).
 */
#include "backend/cg_internal.h"

#include <stdio.h>
#include <string.h>

static LLVMValueRef cg_str_call(struct cg *g, struct node *n)
{
	struct node *arg = n->u.call.args;
	LLVMValueRef v = cg_expr(g, arg);
	uint32_t size = n->type->size;
	if (arg->type->kind == TYPE_STR) {
		if (size >= arg->type->size)
			return v;
		/* str(s, n) of a longer string: its first n bytes and a NUL */
		LLVMValueRef cut = new_buf(g, size, "str_cut");
		copy_bytes(g, cut, v, size - 1);
		LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), gep(g, cut, size - 1));
		return cut;
	}
	/* str(p) without a length reads one byte more than it keeps: a string
	 * that fills it was longer than max_strlen allows, and is counted so the
	 * runtime can say strings were cut (str(p, n) cuts on purpose) */
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
	LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), gep(g, buf, size - 1));
	counter_add(g, COUNTER_TRUNCATED, c64(g, 1));
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return buf;
}

/* kstack/ustack: a stack id in the map that keeps this many frames. The
 * kernel hashes only the frames it keeps, so kstack(3) counts stacks that
 * share their top three frames as one, as bpftrace does. */
static LLVMValueRef cg_stack(struct cg *g, const struct type *t)
{
	uint32_t depth = type_stack_depth(t);
	if (!g->stacks[depth]) {
		char name[32] = "stacks";
		if (depth != STACK_MAX_DEPTH)
			snprintf(name, sizeof(name), "stacks_%u", depth);
		g->stacks[depth] = emit_map(g->em, name, BPF_MAP_TYPE_STACK_TRACE,
					    g->c->opts->map_entries, 4, depth * 8, 1);
	}
	bool user = t->kind == TYPE_USTACK;
	LLVMValueRef args[] = {g->ctxarg, g->stacks[depth], c64(g, user ? BPF_F_USER_STACK : 0)};
	LLVMValueRef sid = cg_helper(g, BPF_FUNC_get_stackid, g->i64, args, 3);
	if (!user)
		return sid;
	/* user stacks carry the pid so the printer can find the binaries */
	LLVMValueRef buf = new_buf(g, 16, "ustack");
	store64(g, buf, sid);
	LLVMValueRef tgid = cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0);
	LLVMValueRef pid = LLVMBuildLShr(g->b, tgid, c64(g, 32), "");
	store64(g, gep(g, buf, 8), pid);
	return buf;
}

/* v >> 32, kept a shift through optimisation: LLVM would otherwise turn
 * `pid == N` into a 64-bit mask and compare, two 64-bit immediates (four
 * instructions) where a shift and a 32-bit compare take two. The BPF
 * backend drops the passthrough marker after the IR passes. */
static LLVMValueRef upper_half(struct cg *g, LLVMValueRef v)
{
	LLVMValueRef shifted = LLVMBuildLShr(g->b, v, c64(g, 32), "");
	LLVMTypeRef params[] = {g->i32, g->i64};
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, 2, 0);
	LLVMValueRef args[] = {LLVMConstInt(g->i32, 0, 0), shifted};
	return call_named(g, "llvm.bpf.passthrough.i64.i64", fty, args, 2);
}

LLVMValueRef cg_builtin(struct cg *g, struct node *n)
{
	int id = n->u.ident.builtin_id;
	switch ((enum builtin_id)id) {
	case BI_PID:
	case BI_TID: {
		LLVMValueRef v = cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0);
		return id == BI_PID ? upper_half(g, v)
				    : LLVMBuildAnd(g->b, v, c64(g, 0xffffffff), "");
	}
	case BI_UID:
	case BI_GID: {
		LLVMValueRef v = cg_helper(g, BPF_FUNC_get_current_uid_gid, g->i64, NULL, 0);
		return id == BI_GID ? upper_half(g, v)
				    : LLVMBuildAnd(g->b, v, c64(g, 0xffffffff), "");
	}
	case BI_COMM: {
		LLVMValueRef buf = new_buf(g, 16, "comm");
		LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, 16, 0)};
		cg_helper(g, BPF_FUNC_get_current_comm, g->i64, args, 2);
		return buf;
	}
	case BI_NSECS:
		return cg_helper(g, BPF_FUNC_ktime_get_ns, g->i64, NULL, 0);
	case BI_ELAPSED: {
		/* the runtime writes sonde's start time into the map before BEGIN */
		if (!g->elapsed)
			g->elapsed = emit_map(g->em, "elapsed_start", BPF_MAP_TYPE_ARRAY, 1, 4, 8, 1);
		LLVMValueRef now = cg_helper(g, BPF_FUNC_ktime_get_ns, g->i64, NULL, 0);
		LLVMValueRef key = new_buf(g, 4, "elapsed_key");
		LLVMValueRef args[] = {g->elapsed, key};
		LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, g->ptr, args, 2);
		LLVMValueRef out = new_buf(g, 8, "elapsed");
		LLVMBasicBlockRef have = new_block(g, "elapsed_have"), done = new_block(g, "elapsed_done");
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), done, have);
		LLVMPositionBuilderAtEnd(g->b, have);
		store64(g, out, load64(g, p));
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
		buf_done(g, key);
		return LLVMBuildSub(g->b, now, load64(g, out), "");
	}
	case BI_USERNAME: {
		LLVMValueRef v = cg_helper(g, BPF_FUNC_get_current_uid_gid, g->i64, NULL, 0);
		return LLVMBuildAnd(g->b, v, c64(g, 0xffffffff), "");
	}
	case BI_FUNC: {
		const char *s = g->pi->ap->func;
		return const_str(g, s, strlen(s), n->type->size);
	}
	case BI_CPU:
		return LLVMBuildZExt(
			g->b, cg_helper(g, BPF_FUNC_get_smp_processor_id, g->i32, NULL, 0), g->i64, "");
	case BI_RAND:
		return LLVMBuildZExt(g->b, cg_helper(g, BPF_FUNC_get_prandom_u32, g->i32, NULL, 0),
				     g->i64, "");
	case BI_CGROUP:
		return cg_helper(g, BPF_FUNC_get_current_cgroup_id, g->i64, NULL, 0);
	case BI_CURTASK:
		return cg_helper(g, BPF_FUNC_get_current_task, g->i64, NULL, 0);
	case BI_KSTACK:
	case BI_USTACK:
		return cg_stack(g, n->type);
	case BI_CPID:
		return c64(g, (uint64_t)g->c->opts->child_pid);
	case BI_PROBE: {
		const char *s = g->pi->ap->spec;
		return const_str(g, s, strlen(s), n->type->size);
	}
	default: {
		struct ctx_access acc;
		if (expr_access(g, n, &acc))
			return ctx_read(g, &acc);
		return c64(g, 0);
	}
	}
}

/* ---- functions with a value --------------------------------------------- */

LLVMValueRef cg_call_value(struct cg *g, struct node *n)
{
	struct node *args = n->u.call.args;
	switch ((enum builtin_id)n->u.call.builtin_id) {
	case BI_STR:
		return cg_str_call(g, n);
	case BI_STRFTIME:
		return cg_expr(g, args->next);
	case BI_KSTACK:
	case BI_USTACK:
		return cg_stack(g, n->type);
	case BI_KSYM:
		return cg_expr(g, args);
	case BI_USYM: {
		LLVMValueRef v = cg_expr(g, args);
		LLVMValueRef buf = new_buf(g, 16, "usym");
		store64(g, buf, v);
		LLVMValueRef tgid = cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0);
		LLVMValueRef pid = LLVMBuildLShr(g->b, tgid, c64(g, 32), "");
		store64(g, gep(g, buf, 8), pid);
		return buf;
	}
	case BI_KADDR:
		return c64(g, n->u.call.kaddr);
	case BI_NTOP: {
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
	case BI_BUF: {
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
			if (nb < cap)
				LLVMBuildStore(g->b, LLVMConstInt(g->i32, nb, 0), buf);
			return buf;
		}
		LLVMValueRef rargs[] = {gep(g, buf, 4), LLVMBuildTrunc(g->b, len, g->i32, ""),
					LLVMBuildIntToPtr(g->b, src, g->ptr, "")};
		cg_helper(g, read_helper(g, value_space(g, args), false), g->i64, rargs, 3);
		return buf;
	}
	case BI_LEN:
		return cg_len(g, args);
	case BI_HAS_KEY: {
		struct map_info *m = args->u.map.info;
		LLVMValueRef key = map_key(g, args);
		LLVMValueRef p = map_lookup(g, m, key);
		LLVMValueRef r = bool64(g, LLVMBuildIsNotNull(g->b, p, ""));
		buf_done(g, key);
		return r;
	}
	default:
		return c64(g, 0);
	}
}

/* A call made for its effect, as a statement: printf() and the other
 * functions without a value. False for a call this does not handle. */
bool cg_call_stmt(struct cg *g, struct node *e)
{
	switch ((enum builtin_id)e->u.call.builtin_id) {
	case BI_PRINTF:
		cg_printf(g, e, EV_PRINTF);
		return true;
	case BI_SYSTEM:
		cg_printf(g, e, EV_SYSTEM);
		return true;
	case BI_CAT:
		cg_printf(g, e, EV_CAT);
		return true;
	case BI_TIME:
		cg_record(g, EV_TIME, e->u.call.fmt, NULL);
		return true;
	case BI_JOIN:
		cg_join(g, e);
		return true;
	case BI_SIGNAL: {
		LLVMValueRef sig = e->u.call.signal > 0
					   ? c64(g, (uint64_t)e->u.call.signal)
					   : cg_expr(g, e->u.call.args);
		LLVMValueRef args[] = {LLVMBuildTrunc(g->b, sig, g->i32, "")};
		cg_helper(g, BPF_FUNC_send_signal, g->i64, args, 1);
		return true;
	}
	case BI_EXIT:
		cg_exit(g);
		return true;
	case BI_PRINT:
		if (e->u.call.args->kind != N_MAP || e->u.call.args->u.map.keys)
			cg_record(g, EV_PRINT_VALUE, e->u.call.fmt,
				  e->u.call.args);
		else
			cg_map_event(g, e, EV_PRINT);
		return true;
	case BI_CLEAR:
		cg_map_event(g, e, EV_CLEAR);
		return true;
	case BI_ZERO:
		cg_map_event(g, e, EV_ZERO);
		return true;
	case BI_REDIRECT: {
		LLVMValueRef args[] = {c64(g, e->u.call.ifindex), c64(g, 0)};
		LLVMValueRef r = cg_helper(g, BPF_FUNC_redirect, g->i64, args, 2);
		LLVMBuildRet(g->b, LLVMBuildTrunc(g->b, r, g->i32, ""));
		LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_redirect"));
		return true;
	}
	case BI_DELETE: {
		struct node *m = e->u.call.args;
		LLVMValueRef key = map_key(g, m);
		LLVMValueRef args[] = {g->maps[m->u.map.info->index], key};
		cg_helper(g, BPF_FUNC_map_delete_elem, g->i64, args, 2);
		return true;
	}
	default:
		return false;
	}
}
