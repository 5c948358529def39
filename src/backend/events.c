/*
 * events.c - records sent to user space through the ring buffer (printf
 * and the other formatted records, join, print/clear/zero of a map, exit)
 * and the counters global (lost records, dropped map updates).
 */
#include "backend/cg_internal.h"

static void count_lost(struct cg *g);

/* Sends a record; when the ring buffer is full the record is counted in
 * the `lost` map so the runtime can say how many events were dropped. */
static void emit_event(struct cg *g, LLVMValueRef rec, uint32_t size)
{
	LLVMValueRef args[] = {g->events, rec, c64(g, size), c64(g, 0)};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_ringbuf_output, g->i64, args, 4);
	LLVMBasicBlockRef lost = new_block(g, "ev_lost"), done = new_block(g, "ev_done");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, rc, c64(g, 0), ""), lost, done);
	LLVMPositionBuilderAtEnd(g->b, lost);
	count_lost(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	buf_done(g, rec);
}

/* The counters global (manifest.h), made on first use. It is external so
 * that LLVM keeps stores that nothing in the program reads back. */
static LLVMValueRef counter_ptr(struct cg *g, uint32_t slot)
{
	if (!g->counters) {
		LLVMTypeRef t = LLVMArrayType2(g->i64, COUNTER_DROPPED + (uint64_t)g->c->nmaps);
		g->counters = LLVMAddGlobal(g->mod, t, "sonde_counters");
		LLVMSetInitializer(g->counters, LLVMConstNull(t));
		LLVMSetSection(g->counters, ".bss");
		LLVMSetAlignment(g->counters, 8);
	}
	LLVMValueRef idx = c64(g, (uint64_t)slot * 8);
	return LLVMConstInBoundsGEP2(g->i8, g->counters, &idx, 1);
}

/* counters[slot] += delta: one atomic add whose result goes unused, so
 * the backend emits a single locked add. */
void counter_add(struct cg *g, uint32_t slot, LLVMValueRef delta)
{
	LLVMBuildAtomicRMW(g->b, LLVMAtomicRMWBinOpAdd, counter_ptr(g, slot), delta,
			   LLVMAtomicOrderingMonotonic, 0);
}

/* A record the full ring buffer had no room for. Once a probe has called
 * exit() the records of other probes are dropped anyway (the runtime
 * prints nothing after exit() until END), so losing them is not counted:
 * a probe firing fast after exit() made sonde report "Lost N events"
 * of records it would not have printed. END's own records still count. */
static void count_lost(struct cg *g)
{
	if (!g->pi || g->pi->ap->prov->run == RUN_AT_EXIT) {
		counter_add(g, COUNTER_LOST, c64(g, 1));
		return;
	}
	LLVMValueRef flag = LLVMBuildLoad2(g->b, g->i64, counter_ptr(g, COUNTER_EXIT), "");
	LLVMValueRef before_exit = LLVMBuildICmp(g->b, LLVMIntEQ, flag, c64(g, 0), "");
	counter_add(g, COUNTER_LOST, LLVMBuildZExt(g->b, before_exit, g->i64, ""));
}

/* `n` updates that full map `m` refused. */
void count_dropped(struct cg *g, const struct map_info *m, LLVMValueRef n)
{
	counter_add(g, COUNTER_DROPPED + (uint32_t)m->index, n);
}

static LLVMValueRef event_header(struct cg *g, uint32_t payload, enum event_kind kind,
				 uint32_t id)
{
	LLVMValueRef rec = new_buf(g, (uint32_t)sizeof(struct event_hdr) + payload, "event");
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, kind, 0), rec);
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, id, 0), gep(g, rec, 4));
	return rec;
}

/* A record of `kind` for format `f` whose arguments are the expressions
 * `args` (f->nargs of them): arguments are evaluated first, then written
 * straight into ring buffer memory (reserve, zero, fill, submit), with no
 * stack copy of the record, which may be larger than the BPF stack. */
void cg_record(struct cg *g, enum event_kind kind, struct fmt_info *f, struct node *args)
{
	LLVMValueRef vals[17];
	uint32_t i = 0;
	for (struct node *a = args; a && i < 17 && i < f->nargs; a = a->next, i++)
		vals[i] = cg_expr(g, a);
	uint32_t size = (uint32_t)sizeof(struct event_hdr) + f->size;
	LLVMValueRef rargs[] = {g->events, c64(g, size), c64(g, 0)};
	LLVMValueRef rec = cg_helper(g, BPF_FUNC_ringbuf_reserve, g->ptr, rargs, 3);
	LLVMBasicBlockRef fill = new_block(g, "rec_fill"), lost = new_block(g, "rec_lost"),
			  done = new_block(g, "rec_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, rec, ""), lost, fill);
	LLVMPositionBuilderAtEnd(g->b, lost);
	count_lost(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, fill);
	/* Zero the record only where the arguments leave gaps (alignment
	 * padding, values narrower than their slot): ring-buffer memory is not
	 * cleared by the kernel and must not carry stale bytes to user space. */
	uint32_t covered = 0;
	bool exact = true;
	for (uint32_t k = 0; k < f->nargs; k++) {
		const struct type *t = f->arg_types[k];
		exact &= t->kind == TYPE_INT || t->kind == TYPE_STR;
		covered += t->size;
	}
	if (!exact || covered != f->size)
		zero_fill(g, rec, size, false);
	/* struct event_hdr in one store (BPF is little-endian) */
	LLVMBuildStore(g->b, c64(g, (uint64_t)kind | (uint64_t)f->index << 32), rec);
	i = 0;
	for (struct node *a = args; a && i < 17 && i < f->nargs; a = a->next, i++)
		store_value(g, gep(g, rec, sizeof(struct event_hdr) + f->arg_offsets[i]),
			    f->arg_types[i], vals[i], a->type);
	LLVMValueRef sargs[] = {rec, c64(g, 0)};
	cg_helper(g, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(g->ctx), sargs, 2);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

void cg_printf(struct cg *g, struct node *call, enum event_kind kind)
{
	struct fmt_info *f = call->u.call.fmt;
	cg_record(g, kind, f, call->u.call.args->next);
}

/* join(argv): up to JOIN_MAX_ARGS strings, read until a NULL pointer,
 * written into the record; the printer joins them. The array and its
 * strings are in argv's space; user memory when that is not known, as
 * join() is for a process's arguments. */
void cg_join(struct cg *g, struct node *call)
{
	struct fmt_info *f = call->u.call.fmt;
	enum addr_space space = value_space(g, call->u.call.args);
	if (space == SPACE_NONE)
		space = SPACE_USER;
	LLVMValueRef argv = cg_expr(g, call->u.call.args);
	uint32_t strsz = f->arg_types[0]->size, stride = (strsz + 7) / 8 * 8;
	uint32_t size = (uint32_t)sizeof(struct event_hdr) + f->size;
	LLVMValueRef rargs[] = {g->events, c64(g, size), c64(g, 0)};
	LLVMValueRef rec = cg_helper(g, BPF_FUNC_ringbuf_reserve, g->ptr, rargs, 3);
	LLVMBasicBlockRef fill = new_block(g, "join_fill"), lost = new_block(g, "join_lost"),
			  submit = new_block(g, "join_submit"), done = new_block(g, "join_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, rec, ""), lost, fill);
	LLVMPositionBuilderAtEnd(g->b, lost);
	count_lost(g);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, fill);
	/* only the count needs zeroing: the printer reads `count` strings,
	 * each up to its NUL (too large a record for an inline memset) */
	store64(g, gep(g, rec, sizeof(struct event_hdr)), c64(g, 0));
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, EV_JOIN, 0), rec);
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, (uint64_t)f->index, 0), gep(g, rec, 4));
	LLVMValueRef ptr = new_buf(g, 8, "join_ptr");
	for (uint32_t i = 0; i < JOIN_MAX_ARGS; i++) {
		LLVMValueRef src = LLVMBuildIntToPtr(
			g->b, LLVMBuildAdd(g->b, argv, c64(g, 8 * i), ""), g->ptr, "");
		LLVMValueRef a1[] = {ptr, LLVMConstInt(g->i32, 8, 0), src};
		cg_helper(g, read_helper(g, space, false), g->i64, a1, 3);
		LLVMValueRef p = load64(g, ptr);
		LLVMBasicBlockRef next = new_block(g, "join_next");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, p, c64(g, 0), ""), submit,
				next);
		LLVMPositionBuilderAtEnd(g->b, next);
		LLVMValueRef dst = gep(g, rec, sizeof(struct event_hdr) + 8 + (uint64_t)i * stride);
		LLVMValueRef a2[] = {dst, LLVMConstInt(g->i32, strsz, 0),
				     LLVMBuildIntToPtr(g->b, p, g->ptr, "")};
		cg_helper(g, read_helper(g, space, true), g->i64, a2, 3);
		store64(g, gep(g, rec, sizeof(struct event_hdr)), c64(g, i + 1));
	}
	LLVMBuildBr(g->b, submit);
	LLVMPositionBuilderAtEnd(g->b, submit);
	LLVMValueRef sargs[] = {rec, c64(g, 0)};
	cg_helper(g, BPF_FUNC_ringbuf_submit, LLVMVoidTypeInContext(g->ctx), sargs, 2);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	buf_done(g, ptr);
}

void cg_map_event(struct cg *g, struct node *call, enum event_kind kind)
{
	struct node *map = call->u.call.args;
	LLVMValueRef rec = event_header(g, sizeof(struct ev_print), kind,
					(uint32_t)map->u.map.info->index);
	if (kind == EV_PRINT) {
		struct node *top = map->next, *div = top ? top->next : NULL;
		if (top)
			store64(g, gep(g, rec, 8), c64(g, top->u.int_lit.value));
		if (div)
			store64(g, gep(g, rec, 16), c64(g, div->u.int_lit.value));
	}
	emit_event(g, rec, (uint32_t)(sizeof(struct event_hdr) + sizeof(struct ev_print)));
}

/* exit(code): sonde's exit status is the low byte of `code` (NULL: 0),
 * kept in the counter as 1 + status; the last exit() stores it, as
 * bpftrace's last exit event sets its exit code. */
void cg_exit(struct cg *g, LLVMValueRef code)
{
	LLVMValueRef flag = c64(g, 1);
	if (code)
		flag = LLVMBuildAdd(g->b, LLVMBuildAnd(g->b, code, c64(g, 0xff), ""), flag, "");
	LLVMBuildStore(g->b, flag, counter_ptr(g, COUNTER_EXIT));
	LLVMValueRef rec = event_header(g, 0, EV_EXIT, 0);
	emit_event(g, rec, sizeof(struct event_hdr));
	/* exit() also ends this probe's run, as in bpftrace */
	ret_default(g);
	LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_exit"));
}
