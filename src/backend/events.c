/*
 * events.c - records sent to user space through the ring buffer (printf
 * and the other formatted records, join, print/clear/zero of a map, exit)
 * and the counters global (lost records, dropped map updates).
 */
#include <string.h>

#include "backend/cg_internal.h"

#include <string.h>

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
		/* -kk: nmaps more, the flags of first_update_report() */
		uint64_t n = COUNTER_DROPPED + (uint64_t)g->c->nmaps *
						     (g->c->opts->helper_check >= 2 ? 2 : 1);
		LLVMTypeRef t = LLVMArrayType2(g->i64, n);
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

/* printf in a pinned iterator (bpf_seq_printf): the kernel formats it
 * into the iterator's file, read later from the pin. The format is a
 * constant in .rodata, as the helper wants; the arguments are u64s,
 * strings by their address. The kernel knows d, i, u, x, X, c, s and p
 * (with l, ll, flags and a width), at most 12 arguments. */
void cg_seq_printf(struct cg *g, struct node *call)
{
	struct fmt_info *f = call->u.call.fmt;
	enum { SEQ_MAX_ARGS = 12 };
	if (f->nargs > SEQ_MAX_ARGS) {
		g->failed = true;
		diag_error(g->c->diag, call->loc,
			   "printf in a pinned iterator takes at most %d arguments (the kernel formats "
			   "it), got %u",
			   SEQ_MAX_ARGS, f->nargs);
		return;
	}
	for (const char *p = f->fmt; *p; p++) {
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		const char *q = p + 1;
		q += strspn(q, "-+ #0");
		q += strspn(q, "0123456789");
		q += strspn(q, "lh");
		if (!*q || !strchr("diuxXcsp", *q)) {
			g->failed = true;
			diag_error(g->c->diag, call->loc,
				   "printf in a pinned iterator is formatted by the kernel, which has "
				   "no '%.*s' (it has %%d %%i %%u %%x %%X %%c %%s %%p)",
				   (int)(q - p + (*q != 0)), p);
			return;
		}
		p = q;
	}
	uint32_t i = 0;
	for (struct node *a = call->u.call.args->next; a; a = a->next, i++) {
		const struct type *t = f->arg_types[i];
		/* a comparison's bool is 0.17's integer, the kernel's %d */
		bool is_int = t->kind == TYPE_INT || (t->kind == TYPE_BOOL && t->int_in_017);
		if (!is_int && t->kind != TYPE_STR) {
			g->failed = true;
			diag_error(g->c->diag, a->loc,
				   "printf in a pinned iterator prints integers and strings only (the "
				   "kernel formats it)");
			return;
		}
	}
	size_t len = strlen(f->fmt) + 1;
	LLVMTypeRef at = LLVMArrayType2(g->i8, len);
	LLVMValueRef fmt = LLVMAddGlobal(g->mod, at, "seq_fmt");
	LLVMSetInitializer(fmt, LLVMConstStringInContext(g->ctx, f->fmt, (unsigned)(len - 1), 0));
	LLVMSetGlobalConstant(fmt, 1);
	LLVMSetSection(fmt, ".rodata");
	LLVMSetLinkage(fmt, LLVMInternalLinkage);
	LLVMValueRef data = LLVMConstNull(g->ptr);
	if (f->nargs) {
		data = new_buf(g, 8 * f->nargs, "seq_args");
		i = 0;
		for (struct node *a = call->u.call.args->next; a; a = a->next, i++) {
			LLVMValueRef v = cg_expr(g, a);
			if (f->arg_types[i]->kind == TYPE_STR)
				v = LLVMBuildPtrToInt(g->b, v, g->i64, "");
			else if (LLVMGetIntTypeWidth(LLVMTypeOf(v)) < 64)
				v = a->type && a->type->is_signed ? LLVMBuildSExt(g->b, v, g->i64, "")
								  : LLVMBuildZExt(g->b, v, g->i64, "");
			LLVMBuildStore(g->b, v, gep(g, data, 8 * (uint64_t)i));
		}
	}
	LLVMValueRef args[] = {cg_iter_seq(g), fmt, LLVMConstInt(g->i32, len, 0), data,
			       LLVMConstInt(g->i32, 8 * (uint64_t)f->nargs, 0)};
	cg_helper(g, BPF_FUNC_seq_printf, g->i64, args, 5);
}

/* unwatch(addr): a record with the address; the runtime removes the
 * watchpoints on it */
void cg_unwatch(struct cg *g, LLVMValueRef addr)
{
	LLVMValueRef rec = event_header(g, 8, EV_UNWATCH, 0);
	LLVMBuildStore(g->b, addr, gep(g, rec, sizeof(struct event_hdr)));
	emit_event(g, rec, sizeof(struct event_hdr) + 8);
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

/* ---- -k / -kk: failing helpers ----------------------------------------- */

/* The helpers bpftrace 0.17 checks, by its names; reads only with -kk (a
 * failed read leaves zeros, which a script can test). NULL: unchecked. */
static const char *checked_helper(enum bpf_func_id id, int level)
{
	switch (id) {
	case BPF_FUNC_probe_read:
		return level >= 2 ? "probe_read" : NULL;
	case BPF_FUNC_probe_read_str:
		return level >= 2 ? "probe_read_str" : NULL;
	case BPF_FUNC_probe_read_kernel:
		return level >= 2 ? "probe_read_kernel" : NULL;
	case BPF_FUNC_probe_read_kernel_str:
		return level >= 2 ? "probe_read_kernel_str" : NULL;
	case BPF_FUNC_probe_read_user:
		return level >= 2 ? "probe_read_user" : NULL;
	case BPF_FUNC_probe_read_user_str:
		return level >= 2 ? "probe_read_user_str" : NULL;
	case BPF_FUNC_map_update_elem:
		return "map_update_elem";
	case BPF_FUNC_map_delete_elem:
		return "map_delete_elem";
	case BPF_FUNC_get_stackid:
		return "get_stackid";
	case BPF_FUNC_get_current_comm:
		return "get_current_comm";
	case BPF_FUNC_send_signal:
		return "send_signal";
	case BPF_FUNC_d_path:
		return "d_path";
	default:
		return NULL;
	}
}

/* Column `col` (1-based) of script line `text` as bpftrace 0.17 counts it:
 * one more for each `(struct NAME` or `(union NAME` (a cast, sizeof) that
 * ends before it on the line. (bpftrace 0.17 has no casts to enums.) */
static int bpftrace_column(const char *text, size_t len, int col)
{
	int shift = 0;
	for (size_t i = 0; i < len && (int)i < col - 1; i++) {
		if (text[i] != '(')
			continue;
		size_t j = i + 1;
		while (j < len && (text[j] == ' ' || text[j] == '\t'))
			j++;
		static const char *const kw[] = {"struct", "union"};
		size_t k = j;
		for (int w = 0; w < 2; w++) {
			size_t n = strlen(kw[w]);
			if (len - j > n && !strncmp(text + j, kw[w], n) &&
			    (text[j + n] == ' ' || text[j + n] == '\t')) {
				k = j + n;
				break;
			}
		}
		if (k == j)
			continue;
		while (k < len && (text[k] == ' ' || text[k] == '\t'))
			k++;
		size_t id = k;
		while (k < len && (text[k] == '_' || (text[k] >= 'a' && text[k] <= 'z') ||
				   (text[k] >= 'A' && text[k] <= 'Z') || (text[k] >= '0' && text[k] <= '9')))
			k++;
		if (k > id && (int)k <= col - 1)
			shift++;
	}
	return col + shift;
}

/* The script line of `l` and the site's texts as bpftrace's warning shows
 * them: "NAME:LINE:COL-END", the line, '~' under columns COL..END-1. */
static uint32_t add_helper_site(struct cg *g, const char *helper)
{
	struct compilation *c = g->c;
	struct loc l = g->loc;
	const struct loc *sp = &g->call_span, *fk = &g->first_key;
	bool in_first_key = fk->first_line && fk->file == l.file && fk->first_line == l.first_line &&
			    fk->first_column == l.first_column;
	if (sp->first_line && sp->file == l.file && sp->first_line == l.first_line &&
	    sp->first_column == l.first_column)
		l = *sp;
	if (in_first_key && g->first_key_map.first_line == l.first_line)
		l.first_column = g->first_key_map.first_column;
	if (c->nhelper_sites == c->cap_helper_sites) {
		uint32_t cap = c->cap_helper_sites ? c->cap_helper_sites * 2 : 16;
		struct helper_site *n = arena_alloc(&c->arena, cap * sizeof(*n));
		if (c->nhelper_sites)
			memcpy(n, c->helper_sites, c->nhelper_sites * sizeof(*n));
		c->helper_sites = n;
		c->cap_helper_sites = cap;
	}
	const struct diag_source *src =
		l.file >= 0 && l.file < c->diag->nsources ? &c->diag->sources[l.file] : NULL;
	const char *text = "";
	size_t len = 0;
	if (src && l.first_line > 0) {
		const char *p = src->text, *end = src->text + src->len;
		for (int line = 1; line < l.first_line && p < end; line++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			p = nl ? nl + 1 : end;
		}
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		text = p;
		len = (size_t)((nl ? nl : end) - p);
	}
	int col = l.first_column > 0 ? l.first_column : 1;
	int last = l.last_line == l.first_line && l.last_column >= col ? l.last_column : col;
	if (l.last_line > l.first_line)
		last = (int)len > col ? (int)len : col;
	/* bpftrace's columns, and its marker under them */
	int end = bpftrace_column(text, len, last + 1);
	col = bpftrace_column(text, len, col);
	last = end - 1;
	const char *name = !src || !strcmp(src->name, "-e") ? "stdin" : src->name;
	struct helper_site *s = &c->helper_sites[c->nhelper_sites];
	s->helper = helper;
	s->where = arena_printf(&c->arena, "%s:%d:%d-%d", name, l.first_line, col, end);
	/* bpftrace shows a tab as four spaces, in the line and the marker */
	char *t = arena_alloc(&c->arena, len * 4 + 1), *m = arena_alloc(&c->arena, (size_t)last * 4 + 1);
	size_t tn = 0, mn = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '\t') {
			memcpy(t + tn, "    ", 4);
			tn += 4;
		} else {
			t[tn++] = text[i];
		}
	}
	t[tn] = 0;
	for (int i = 0; i < last; i++) {
		if (i >= col - 1) {
			m[mn++] = '~';
		} else if (i < (int)len && text[i] == '\t') {
			memcpy(m + mn, "    ", 4);
			mn += 4;
		} else {
			m[mn++] = ' ';
		}
	}
	m[mn] = 0;
	s->text = t;
	s->marker = m;
	s->line = l.first_line;
	s->col = col;
	return c->nhelper_sites++;
}

static void send_helper_error(struct cg *g, const char *helper, LLVMValueRef rc);

void helper_check(struct cg *g, enum bpf_func_id id, LLVMValueRef rc)
{
	const char *helper = checked_helper(id, g->c->opts->helper_check);
	if (!helper)
		return;
	/* helpers return an int in a 64-bit register */
	LLVMValueRef r32 = LLVMBuildTrunc(g->b, LLVMTypeOf(rc) == g->ptr
						      ? LLVMBuildPtrToInt(g->b, rc, g->i64, "")
						      : rc,
					  g->i32, "");
	LLVMBasicBlockRef bad = new_block(g, "helper_failed"), ok = new_block(g, "helper_ok");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, r32, LLVMConstInt(g->i32, 0, 0), ""),
			bad, ok);
	LLVMPositionBuilderAtEnd(g->b, bad);
	send_helper_error(g, helper, LLVMBuildSExt(g->b, r32, g->i64, ""));
	LLVMBuildBr(g->b, ok);
	LLVMPositionBuilderAtEnd(g->b, ok);
}

static void send_helper_error(struct cg *g, const char *helper, LLVMValueRef rc)
{
	uint32_t site = add_helper_site(g, helper);
	LLVMValueRef rec = event_header(g, 8, EV_HELPER_ERROR, site);
	LLVMBuildStore(g->b, rc, gep(g, rec, sizeof(struct event_hdr)));
	emit_event(g, rec, (uint32_t)sizeof(struct event_hdr) + 8);
}

/* -kk: bpftrace 0.17 reports a lookup that finds no value (retcode 0),
 * such as an aggregation's first update of a key; `times` records, as
 * avg() and stats() look two values up there. */
void lookup_miss_report(struct cg *g, int times)
{
	if (g->c->opts->helper_check < 2 || !g->events)
		return;
	for (int i = 0; i < times; i++)
		send_helper_error(g, "map_lookup_elem", c64(g, 0));
}

void first_update_report(struct cg *g, const struct map_info *m, int times)
{
	if (g->c->opts->helper_check < 2 || !g->events || !times)
		return;
	/* the flag: a counters slot after the dropped-update ones */
	LLVMValueRef flag = counter_ptr(g, COUNTER_DROPPED + (uint32_t)g->c->nmaps + (uint32_t)m->index);
	/* two CPUs racing to the first update may both report, as two of
	 * bpftrace's lookups racing to insert the key may */
	LLVMValueRef was = load64(g, flag);
	LLVMBasicBlockRef first = new_block(g, "kk_first"), done = new_block(g, "kk_done");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, was, c64(g, 0), ""), first, done);
	LLVMPositionBuilderAtEnd(g->b, first);
	store64(g, flag, c64(g, 1));
	lookup_miss_report(g, times);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

void cg_describe_helper_sites(const struct compilation *c, struct program *p)
{
	struct manifest *m = &p->m;
	m->nhelper_sites = c->nhelper_sites;
	/* codegen binds too (a bitfield, a union member): the manifest was
	 * built before it ran */
	if (c->kernel_bound)
		m->kernel_bound = arena_strdup(&p->arena, c->kernel_bound);
	m->helper_sites = arena_alloc(&p->arena, (c->nhelper_sites + 1) * sizeof(*m->helper_sites));
	for (uint32_t i = 0; i < c->nhelper_sites; i++) {
		const struct helper_site *s = &c->helper_sites[i];
		struct helper_site *d = &m->helper_sites[i];
		d->helper = s->helper; /* a string constant */
		d->where = arena_strdup(&p->arena, s->where);
		d->text = arena_strdup(&p->arena, s->text);
		d->marker = arena_strdup(&p->arena, s->marker);
		d->line = s->line;
		d->col = s->col;
	}
}
