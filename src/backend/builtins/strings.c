/*
 * strings.c - builtins that make a string-like value: str buf ntop
 * strftime signal_name.
 */
#include <stdio.h>
#include <string.h>

#include "backend/cg_internal.h"

/* str(s, n) of a string already in BPF memory: its first n bytes and a NUL */
static LLVMValueRef str_of_str(struct cg *g, struct node *arg, LLVMValueRef v, uint32_t size)
{
	if (size >= arg->type->size)
		return v;
	LLVMValueRef cut = new_buf(g, size, "str_cut");
	copy_bytes(g, cut, v, size - 1);
	LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), gep(g, cut, size - 1));
	return cut;
}

/* Whether `n` is a str() that reads memory at an address (not one that cuts
 * a string it is given), which str_read_into can write into a buffer of
 * the caller's. */
bool str_reads_memory(const struct node *n)
{
	return n->kind == N_CALL && n->u.call.builtin_id == BI_STR &&
	       n->u.call.args->type->kind != TYPE_STR;
}

/* The bytes str_read_into writes: str(p) without a length reads one byte
 * more than it keeps. */
uint32_t str_read_size(const struct node *n)
{
	return n->type->size + !n->u.call.args->next;
}

/* str(p) into `buf`, zero-filled, of str_read_size(n) bytes or more. A
 * string that fills what str(p) reads (no NUL in its max_strlen bytes) was
 * at least that long, and is counted so the runtime can say strings were
 * cut (str(p, n) cuts on purpose). With a str_trunc_trailer set it is kept
 * full, which is how the printer knows to add the trailer, as bpftrace
 * 0.26 does; without one it ends in a NUL at max_strlen - 1, as bpftrace
 * 0.17 prints it. */
void str_read_into(struct cg *g, struct node *n, LLVMValueRef buf)
{
	struct node *arg = n->u.call.args;
	LLVMValueRef v = cg_expr(g, arg);
	uint32_t size = n->type->size;
	bool watch = !arg->next;
	LLVMValueRef src = LLVMBuildIntToPtr(g->b, v, g->ptr, "");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, size + watch, 0), src};
	LLVMValueRef got = cg_helper(g, read_helper(g, value_space(g, arg), true), g->i64, args, 3);
	if (!watch)
		return;
	LLVMBasicBlockRef cut = new_block(g, "str_cut"), done = new_block(g, "str_done");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, got, c64(g, size + 1), ""), cut, done);
	LLVMPositionBuilderAtEnd(g->b, cut);
	if (!g->c->opts->str_trunc_trailer)
		LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), gep(g, buf, size - 1));
	counter_add(g, COUNTER_TRUNCATED, c64(g, 1));
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

LLVMValueRef emit_str(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *arg = n->u.call.args;
	if (!str_reads_memory(n))
		return str_of_str(g, arg, cg_expr(g, arg), n->type->size);
	LLVMValueRef buf = new_buf(g, str_read_size(n), "str");
	str_read_into(g, n, buf);
	return buf;
}

/* buf(p, n): a u32 length, then the bytes */
LLVMValueRef emit_buf(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *args = n->u.call.args;
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
		/* a string literal is padded with zeros to the length asked for,
		 * as in bpftrace (the buffer starts zeroed); a value stops at
		 * its own size */
		if (nb < cap && args->kind != N_STR)
			LLVMBuildStore(g->b, LLVMConstInt(g->i32, nb, 0), buf);
		return buf;
	}
	LLVMValueRef rargs[] = {gep(g, buf, 4), LLVMBuildTrunc(g->b, len, g->i32, ""),
				LLVMBuildIntToPtr(g->b, src, g->ptr, "")};
	cg_helper(g, read_helper(g, value_space(g, args), false), g->i64, rargs, 3);
	return buf;
}

/* ntop([af,] addr): a u32 address family, then the address bytes; a
 * 16-byte array or string is IPv6 unless af says otherwise */
LLVMValueRef emit_ntop(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *args = n->u.call.args;
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

/* strftime(fmt, ns): the nanoseconds; the format travels in the type and
 * the runtime formats the time */
LLVMValueRef emit_strftime(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.args->next);
}

/* glibc's strsignal(3) descriptions of the standard signals 1..31, which
 * bpftrace 0.26's signal_name gives */
static const char *const signal_descriptions[32] = {
	[1] = "Hangup",
	[2] = "Interrupt",
	[3] = "Quit",
	[4] = "Illegal instruction",
	[5] = "Trace/breakpoint trap",
	[6] = "Aborted",
	[7] = "Bus error",
	[8] = "Floating point exception",
	[9] = "Killed",
	[10] = "User defined signal 1",
	[11] = "Segmentation fault",
	[12] = "User defined signal 2",
	[13] = "Broken pipe",
	[14] = "Alarm clock",
	[15] = "Terminated",
	[16] = "Stack fault",
	[17] = "Child exited",
	[18] = "Continued",
	[19] = "Stopped (signal)",
	[20] = "Stopped",
	[21] = "Stopped (tty input)",
	[22] = "Stopped (tty output)",
	[23] = "Urgent I/O condition",
	[24] = "CPU time limit exceeded",
	[25] = "File size limit exceeded",
	[26] = "Virtual timer expired",
	[27] = "Profiling timer expired",
	[28] = "Window changed",
	[29] = "I/O possible",
	[30] = "Power failure",
	[31] = "Bad system call",
};

enum { SIGNAL_NAME_SIZE = 64, SIGNAL_NAME_MAX = 64, SIGNAL_RTMIN = 34 };

/* the text of signal `sig` (0..64): 0 and glibc's reserved 32 and 33 are
 * "Unknown signal N", 34.. the real-time signals from 0 */
static void signal_text(int sig, char *out, size_t size)
{
	if (sig >= 1 && sig < 32)
		snprintf(out, size, "%s", signal_descriptions[sig]);
	else if (sig >= SIGNAL_RTMIN)
		snprintf(out, size, "Real-time signal %d", sig - SIGNAL_RTMIN);
	else
		snprintf(out, size, "Unknown signal %d", sig);
}

/* the literal's words stored into buf (zeroed), as const_str does */
static void store_text(struct cg *g, LLVMValueRef buf, const char *s)
{
	size_t len = strlen(s);
	for (size_t i = 0; i < len; i += 8) {
		uint64_t word = 0;
		for (size_t j = 0; j < 8 && i + j < len; j++)
			word |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
		LLVMBuildStore(g->b, c64(g, word), gep(g, buf, i));
	}
}

/* a switch over (int32)sig, each case storing its text into one buffer;
 * a literal sig folds to its case */
LLVMValueRef emit_signal_name(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef sig = LLVMBuildTrunc(g->b, cg_expr(g, n->u.call.args), g->i32, "");
	LLVMValueRef buf = new_buf(g, SIGNAL_NAME_SIZE, "signal_name");
	LLVMBasicBlockRef done = new_block(g, "signal_name_done");
	LLVMBasicBlockRef other = new_block(g, "signal_name_na");
	LLVMValueRef sw = LLVMBuildSwitch(g->b, sig, other, SIGNAL_NAME_MAX + 1);
	for (int i = 0; i <= SIGNAL_NAME_MAX; i++) {
		char text[SIGNAL_NAME_SIZE];
		signal_text(i, text, sizeof text);
		LLVMBasicBlockRef c = new_block(g, "signal_name_case");
		LLVMAddCase(sw, LLVMConstInt(g->i32, (unsigned)i, 0), c);
		LLVMPositionBuilderAtEnd(g->b, c);
		store_text(g, buf, text);
		LLVMBuildBr(g->b, done);
	}
	LLVMPositionBuilderAtEnd(g->b, other);
	store_text(g, buf, "N/A");
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return buf;
}
