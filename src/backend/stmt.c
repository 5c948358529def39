/*
 * stmt.c - statements: blocks (whose buffers are released statement by
 * statement), if, while, unroll, break/continue, return, verdicts, and
 * for loops, whose bodies are callbacks (bpf_for_each_map_elem over a
 * map, bpf_loop over a range); a loop inside one is a callback of that
 * callback.
 */
#include "backend/cg_internal.h"

static void cg_stmts(struct cg *g, struct node *list);

/* What a loop started here passes of the variables outside it
 * (struct cb_scope): from the probe, its variables on the stack (every
 * function finds those in scratch memory at their offsets); from another
 * loop's callback, that callback's context and loop variable. */
static struct cb_scope *cb_scope_here(struct cg *g)
{
	struct cb_scope *sc = arena_alloc(&g->c->arena, sizeof(*sc));
	*sc = (struct cb_scope){0};
	if (g->in_callback) {
		sc->outer_kv = g->cb_kv;
		sc->up = g->cb_scope;
		return sc;
	}
	for (struct var_info *v = g->pi->vars; v; v = v->next)
		sc->nvars += v->scratch_offset < 0;
	sc->vars = arena_alloc(&g->c->arena, (sc->nvars + 1) * sizeof(*sc->vars));
	uint32_t i = 0;
	for (struct var_info *v = g->pi->vars; v; v = v->next)
		if (v->scratch_offset < 0)
			sc->vars[i++] = v;
	return sc;
}

static void cg_for(struct cg *g, struct node *n)
{
	struct map_info *m = n->u.for_.map ? n->u.for_.map->u.map.info : NULL;
	struct var_info *kv = n->u.for_.var->u.var.info;
	/* the callback finds the slots of the variables it can see through
	 * an array of pointers on this function's stack, its context, after
	 * the probe's context and packet */
	if (!g->in_callback)
		for (struct var_info *v = g->pi->vars; v; v = v->next)
			var_slot(g, v); /* gives each its slot, here */
	struct cb_scope *scope_in = cb_scope_here(g);
	/* pointer words after the probe's context and packet */
	uint32_t nv = scope_in->up ? 2 : scope_in->nvars;
	/* a range's start and its number of steps, evaluated once, before
	 * the loop (the start is passed after the slots) */
	bool range = !m;
	LLVMValueRef count = NULL;
	/* the last two words: set by the body when it ends the probe, and
	 * what the probe then returns */
	uint32_t ret_off = 16 + 8 * nv + (range ? 8 : 0);
	LLVMValueRef ctxbuf = buf_new(g, ret_off + 16, true, BUF_TEMP_STACK, "for_ctx");
	if (range) {
		LLVMValueRef start = cg_expr(g, n->u.for_.start);
		LLVMValueRef end = cg_expr(g, n->u.for_.end);
		bool uns = !kv->type->is_signed;
		LLVMValueRef more =
		    LLVMBuildICmp(g->b, uns ? LLVMIntUGT : LLVMIntSGT, end, start, "");
		count = LLVMBuildSelect(g->b, more, LLVMBuildSub(g->b, end, start, ""), c64(g, 0),
					"for_count");
		/* bpf_loop runs at most 2^23 times: a longer range runs none of
		 * its steps (the helper refuses it), as in bpftrace */
		count = LLVMBuildTrunc(
		    g->b,
		    LLVMBuildSelect(g->b,
				    LLVMBuildICmp(g->b, LLVMIntUGT, count, c64(g, 1u << 23), ""),
				    c64(g, (1u << 23) + 1), count, ""),
		    g->i32, "");
		store64(g, gep(g, ctxbuf, 16 + 8 * nv), start);
	}
	LLVMBuildStore(g->b, g->ctxarg, ctxbuf);
	if (g->pkt)
		LLVMBuildStore(g->b, g->pkt, gep(g, ctxbuf, 8));
	if (scope_in->up) {
		LLVMBuildStore(g->b, g->cb_ctx, gep(g, ctxbuf, 16));
		LLVMBuildStore(g->b, var_slot(g, g->cb_kv), gep(g, ctxbuf, 24));
	} else {
		for (uint32_t i = 0; i < nv; i++)
			LLVMBuildStore(g->b, var_slot(g, scope_in->vars[i]),
				       gep(g, ctxbuf, 16 + 8 * i));
	}

	/* build the callback, then come back */
	LLVMValueRef saved_fn = g->fn, saved_ctxarg = g->ctxarg, saved_pkt = g->pkt;
	LLVMBasicBlockRef saved_block = LLVMGetInsertBlock(g->b), saved_entry = g->entry;
	LLVMMetadataRef saved_scope = g->scope;
	LLVMBasicBlockRef saved_break = g->loop_break, saved_cont = g->loop_continue;
	LLVMBasicBlockRef saved_scratch_bb = g->scratch_bb;
	LLVMValueRef saved_scratch = g->scratch;
	/* the loop around this one, when this is a callback already */
	bool saved_in_callback = g->in_callback;
	LLVMValueRef saved_cb_ctx = g->cb_ctx;
	const struct cb_scope *saved_cb_scope = g->cb_scope;
	uint32_t saved_ret_off = g->cb_ret_off;
	struct var_info *saved_kv = g->cb_kv;
	uint32_t saved_stack_used = g->stack_used, saved_budget = g->stack_budget;
	const char *name = arena_printf(&g->c->arena, "%s_for%d", g->pi->prog_name, g->ncallbacks++);
	LLVMMetadataRef scope;
	LLVMValueRef cb = new_callback(g, name, n->loc.first_line, &scope, range);
	g->fn = cb;
	g->scope = scope;
	g->in_callback = true;
	g->cb_ctx = LLVMGetParam(cb, range ? 1 : 3);
	g->cb_scope = scope_in;
	g->cb_kv = kv;
	g->cb_ret_off = ret_off;
	g->scratch_bb = NULL;
	g->scratch = NULL;
	g->stack_used = 0;
	g->stack_budget = STACK_BUFS_CALLBACK;
	struct buf_mark mark = buf_mark(g);
	g->entry = new_block(g, "entry");
	LLVMBasicBlockRef body = new_block(g, "body");
	LLVMPositionBuilderAtEnd(g->ab, g->entry);
	emit_loc(g->em, g->ab, scope, n->loc.first_line, n->loc.first_column);
	LLVMPositionBuilderAtEnd(g->b, body);
	set_loc(g, n->loc);
	g->ctxarg = LLVMBuildLoad2(g->b, g->ptr, g->cb_ctx, "ctx");
	g->pkt = saved_pkt ? LLVMBuildLoad2(g->b, g->ptr, gep(g, g->cb_ctx, 8), "pkt") : NULL;
	kv->scratch_offset = -1;
	kv->slot = new_buf(g, kv->type->size, kv->name);
	/* the kernel keeps keys and values 8-aligned: copied in words, not
	 * bytes that LLVM would gather in registers (and spill) */
	if (range) {
		/* $i = start + index */
		LLVMValueRef start = load64(g, gep(g, g->cb_ctx, 16 + 8 * nv));
		store64(g, kv->slot, LLVMBuildAdd(g->b, start, LLVMGetParam(cb, 0), ""));
	} else if (m->agg != AGG_NONE) {
		/* count, sum, min, max, avg: the value over all CPUs, as
		 * reading @m[key] gives (bpftrace 0.26) */
		copy_aligned(g, kv->slot, 8, LLVMGetParam(cb, 1), 8, m->key->size);
		store64(g, gep(g, kv->slot, kv->type->fields[1].offset),
			agg_read_key(g, m, kv->slot));
	} else {
		uint32_t voff = kv->type->fields[1].offset;
		copy_aligned(g, kv->slot, 8, LLVMGetParam(cb, 1), 8, m->key->size);
		copy_aligned(g, gep(g, kv->slot, voff), voff % 8 ? 1 << __builtin_ctz(voff) : 8,
			     LLVMGetParam(cb, 2), 8, m->value->size);
	}
	LLVMBasicBlockRef brk = new_block(g, "for_break"), cont = new_block(g, "for_continue");
	g->loop_break = brk;
	g->loop_continue = cont;
	cg_block(g, n->u.for_.body);
	LLVMBuildBr(g->b, cont);
	LLVMPositionBuilderAtEnd(g->b, cont);
	LLVMBuildRet(g->b, c64(g, 0));
	LLVMPositionBuilderAtEnd(g->b, brk);
	LLVMBuildRet(g->b, c64(g, 1));
	finish_entry(g, body);
	/* the callback's buffers end with it (its scratch bytes are not
	 * reused before the for_each call below, which runs it) */
	buf_release(g, mark, false);

	g->fn = saved_fn;
	g->ctxarg = saved_ctxarg;
	g->pkt = saved_pkt;
	g->entry = saved_entry;
	g->scope = saved_scope;
	g->loop_break = saved_break;
	g->loop_continue = saved_cont;
	g->in_callback = saved_in_callback;
	g->cb_ctx = saved_cb_ctx;
	g->cb_scope = saved_cb_scope;
	g->cb_ret_off = saved_ret_off;
	g->cb_kv = saved_kv;
	g->scratch_bb = saved_scratch_bb;
	g->scratch = saved_scratch;
	g->stack_used = saved_stack_used;
	g->stack_budget = saved_budget;
	if (g->scratch_bb)
		LLVMPositionBuilderAtEnd(g->sb, g->scratch_bb);
	LLVMPositionBuilderAtEnd(g->ab, saved_entry);
	emit_loc(g->em, g->ab, saved_scope, g->pi->probe->loc.first_line,
		 g->pi->probe->loc.first_column);
	LLVMPositionBuilderAtEnd(g->b, saved_block);
	set_loc(g, n->loc);
	if (range) {
		/* an empty range does not call bpf_loop: the kernel's verifier
		 * does not look at the callback of a loop it knows runs no
		 * step, and then fails on the call ("No program to jit") */
		LLVMBasicBlockRef call = new_block(g, "for_range"), done = new_block(g, "for_done");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, count, LLVMConstInt(g->i32, 0, 0), ""),
				call, done);
		LLVMPositionBuilderAtEnd(g->b, call);
		LLVMValueRef args[] = {count, cb, ctxbuf, c64(g, 0)};
		cg_helper(g, BPF_FUNC_loop, g->i64, args, 4);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
	} else {
		for_each(g, m, cb, ctxbuf);
	}
	/* the body ran return or exit(): the probe ends here (in another
	 * loop's callback, that loop ends and tells its caller the same) */
	LLVMBasicBlockRef ret = new_block(g, "for_return"), after = new_block(g, "for_after");
	LLVMBuildCondBr(g->b,
			LLVMBuildICmp(g->b, LLVMIntNE, load64(g, gep(g, ctxbuf, ret_off)), c64(g, 0), ""),
			ret, after);
	LLVMPositionBuilderAtEnd(g->b, ret);
	ret_value(g, load64(g, gep(g, ctxbuf, ret_off + 8)));
	LLVMPositionBuilderAtEnd(g->b, after);
}

void cg_block(struct cg *g, struct node *blk)
{
	if (blk && blk->kind == N_BLOCK)
		cg_stmts(g, blk->u.block.stmts);
	else if (blk)
		cg_stmts(g, blk);
}

static void cg_stmt(struct cg *g, struct node *n)
{
	set_loc(g, n->loc);
	switch (n->kind) {
	case N_EXPR_STMT: {
		struct node *e = n->u.expr_stmt.expr;
		if (e->kind == N_CALL && cg_call_stmt(g, e))
			return;
		if (e->kind == N_IDENT && e->u.ident.is_const) {
			/* a verdict: its value for this attach point's provider
			 * (sema checked that every provider of the probe has it) */
			const struct verdict *v = provider_verdict(g->pi->ap->prov, e->u.ident.name);
			LLVMBuildRet(g->b, LLVMConstInt(g->i32, (uint64_t)(v ? v->value : 0), 1));
			LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_verdict"));
			return;
		}
		cg_expr(g, e);
		return;
	}
	case N_BLOCK:
		cg_stmts(g, n->u.block.stmts);
		return;
	case N_IF: {
		LLVMValueRef c = cg_expr(g, n->u.if_.cond);
		LLVMBasicBlockRef tb = new_block(g, "if_then"), done = new_block(g, "if_done");
		LLVMBasicBlockRef eb = n->u.if_.els ? new_block(g, "if_else") : done;
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, c, c64(g, 0), ""), tb, eb);
		LLVMPositionBuilderAtEnd(g->b, tb);
		cg_block(g, n->u.if_.then);
		LLVMBuildBr(g->b, done);
		if (n->u.if_.els) {
			LLVMPositionBuilderAtEnd(g->b, eb);
			cg_stmt(g, n->u.if_.els);
			LLVMBuildBr(g->b, done);
		}
		LLVMPositionBuilderAtEnd(g->b, done);
		return;
	}
	case N_RETURN:
		/* `return N;` of a test: N is its verdict (provider.h) */
		if (n->u.ret.value && g->pi->ap->prov->returns_value)
			ret_value(g, cg_expr(g, n->u.ret.value));
		else
			ret_default(g);
		LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_return"));
		return;
	case N_ASSIGN:
	case N_INCDEC:
		cg_expr(g, n);
		return;
	case N_WHILE: {
		/* a bounded loop: the kernel's verifier (5.3+) proves it ends */
		LLVMBasicBlockRef cond = new_block(g, "while_cond"), body = new_block(g, "while_body"),
				  done = new_block(g, "while_done");
		LLVMBasicBlockRef outer_break = g->loop_break, outer_cont = g->loop_continue;
		LLVMBuildBr(g->b, cond);
		LLVMPositionBuilderAtEnd(g->b, cond);
		LLVMValueRef c = cg_expr(g, n->u.while_.cond);
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, c, c64(g, 0), ""), body, done);
		LLVMPositionBuilderAtEnd(g->b, body);
		g->loop_break = done;
		g->loop_continue = cond;
		cg_block(g, n->u.while_.body);
		LLVMBuildBr(g->b, cond);
		g->loop_break = outer_break;
		g->loop_continue = outer_cont;
		LLVMPositionBuilderAtEnd(g->b, done);
		return;
	}
	case N_FOR:
		cg_for(g, n);
		return;
	case N_UNROLL: {
		uint64_t count = n->u.unroll.count->u.int_lit.value;
		for (uint64_t i = 0; i < count; i++)
			cg_block(g, n->u.unroll.body);
		return;
	}
	case N_BREAK:
	case N_CONTINUE:
		LLVMBuildBr(g->b, n->kind == N_BREAK ? g->loop_break : g->loop_continue);
		LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_jump"));
		return;
	case N_INT:
	case N_STR:
	case N_INET:
	case N_IDENT:
	case N_VAR:
	case N_MAP:
	case N_CALL:
	case N_BINOP:
	case N_UNOP:
	case N_TERNARY:
	case N_FIELD:
	case N_INDEX:
	case N_TUPLE:
	case N_CAST:
	case N_SIZEOF:
	case N_PROBE:
	case N_SPEC:
	case N_MACRO:
	case N_CONFIG:
		return; /* not statements: an expression stands in an EXPR_STMT */
	}
}

static void cg_stmts(struct cg *g, struct node *list)
{
	for (struct node *n = list; n; n = n->next) {
		/* what a statement computes is stored, sent or dropped by its
		 * end: its buffers are free for the next one */
		struct buf_mark mark = buf_mark(g);
		cg_stmt(g, n);
		buf_release(g, mark, true);
	}
}
