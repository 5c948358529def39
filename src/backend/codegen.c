/*
 * codegen.c - typed AST to LLVM IR through the LLVM-C API.
 *
 * One BPF program (function) per probe instance, i.e. per probe block and
 * attach point, because context layouts differ between attach points.
 * Integers are computed in i64 and narrowed only when stored; strings and
 * tuples are pointers to 8-aligned, zero-filled stack buffers (the kernel
 * hashes whole keys, so padding must never hold garbage). Every BPF helper
 * call goes through cg_helper(). Aggregating maps are per-CPU and updated in
 * place through the pointer the lookup returns: one lookup per event, and an
 * insert only the first time a key is seen.
 */
#include "backend/codegen.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "bpf-runtime/pkt.h"
#include "kernel/btf.h"
#include "builtins/builtins.h"
#include "embedded.h"
#include "backend/emit.h"

struct cg {
	struct compilation *c;
	struct emit *em;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMBuilderRef ab; /* allocas, at the top of the entry block */
	LLVMTypeRef i8, i16, i32, i64, ptr;
	LLVMValueRef *maps; /* by map index */
	struct map_info **map_infos;
	LLVMValueRef events;
	LLVMValueRef zeros; /* read-only zero bytes (a placeholder until their size is known) */
	uint32_t zeros_size;
	/* the function being built */
	struct probe_inst *pi;
	LLVMValueRef fn, ctxarg;
	LLVMBasicBlockRef loop_break, loop_continue; /* innermost while */
	LLVMValueRef pkt; /* the parsed packet (struct sonde_pkt) when the probe reads pkt */
	LLVMValueRef stacks[STACK_MAX_DEPTH + 1]; /* stack-trace maps by frame limit */
	LLVMValueRef counters; /* u64[COUNTER_DROPPED + nmaps] in .bss (manifest.h); lazy */
	LLVMBasicBlockRef entry;
	LLVMMetadataRef scope;
	const char *err;
	/* inside a for ($kv : @map) body: a bpf_for_each_map_elem callback */
	bool in_callback;
	LLVMValueRef cb_ctx;          /* ptr[]: probe ctx, pkt, then the probe's variable slots */
	struct var_info **cb_vars;    /* the variables whose slots cb_ctx holds, in order */
	uint32_t ncb_vars;
	struct var_info *cb_kv;       /* the loop's $kv, a local of the callback */
	LLVMValueRef elapsed;         /* map holding sonde's start time (ktime ns) */
	LLVMValueRef len_cb;          /* len(): the counting callback */
	int ncallbacks;
	/* buffers of the function being built (see "where values live") */
	LLVMBuilderRef sb;             /* in scratch_bb: the scratch lookup, buffer addresses */
	LLVMBasicBlockRef scratch_bb;  /* between entry and body; NULL until scratch is needed */
	LLVMValueRef scratch;          /* this CPU's scratch memory, looked up in scratch_bb */
	uint32_t stack_used;           /* bytes of stack buffers alive now (an upper bound) */
	uint32_t stack_budget;         /* the most this function keeps on its stack */
	/* the program's scratch memory: a placeholder map until its size is known */
	LLVMValueRef scratch_map;
	uint32_t scratch_top, scratch_size; /* bytes in use now, most in use at once */
	bool scratch_full;                  /* the error was reported for this program */
	struct temp_buf *temps;             /* buffers of the statements being generated */
	uint32_t ntemps, cap_temps;
	struct loc loc;                     /* of the code being generated, for errors */
	bool failed;                        /* an error was reported */
};

/* ---- small helpers ---------------------------------------------------- */

static void set_loc(struct cg *g, struct loc l)
{
	g->loc = l;
	emit_loc(g->em, g->b, g->scope, l.first_line, l.first_column);
}

static LLVMValueRef c64(struct cg *g, uint64_t v)
{
	return LLVMConstInt(g->i64, v, 0);
}

static LLVMTypeRef int_type(struct cg *g, uint32_t size)
{
	switch (size) {
	case 1:
		return g->i8;
	case 2:
		return g->i16;
	case 4:
		return g->i32;
	default:
		return g->i64;
	}
}

/* A call of the function `name` (an intrinsic, or one the BPF runtime
 * bitcode defines, linked in later), declared in the module on first use. */
static LLVMValueRef call_named(struct cg *g, const char *name, LLVMTypeRef fty,
			       LLVMValueRef *args, unsigned nargs)
{
	LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
	if (!fn)
		fn = LLVMAddFunction(g->mod, name, fty);
	return LLVMBuildCall2(g->b, fty, fn, args, nargs, "");
}

static void lifetime(struct cg *g, const char *which, LLVMValueRef buf, uint64_t size)
{
	LLVMTypeRef params[] = {g->i64, g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), params, 2, 0);
	LLVMValueRef args[] = {c64(g, size), buf};
	call_named(g, which, fty, args, 2);
}

static LLVMValueRef gep(struct cg *g, LLVMValueRef base, uint64_t off)
{
	if (!off)
		return base;
	LLVMValueRef idx = c64(g, off);
	return LLVMBuildInBoundsGEP2(g->b, g->i8, base, &idx, 1, "");
}

/* Helpers whose result cannot change within one run of a program: their
 * calls are marked as touching no memory so LLVM keeps only one. */
static bool helper_is_pure(enum bpf_func_id id)
{
	return id == BPF_FUNC_get_current_pid_tgid || id == BPF_FUNC_get_current_uid_gid ||
	       id == BPF_FUNC_get_current_task || id == BPF_FUNC_get_current_cgroup_id ||
	       id == BPF_FUNC_get_smp_processor_id;
}

static LLVMValueRef cg_helper(struct cg *g, enum bpf_func_id id, LLVMTypeRef ret,
			      LLVMValueRef *args, int n)
{
	LLVMTypeRef params[6];
	for (int i = 0; i < n; i++)
		params[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, params, (unsigned)n, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(c64(g, (uint64_t)id), g->ptr);
	LLVMValueRef call = LLVMBuildCall2(g->b, fty, fp, args, (unsigned)n, "");
	if (helper_is_pure(id)) {
		unsigned mem = LLVMGetEnumAttributeKindForName("memory", 6);
		unsigned wr = LLVMGetEnumAttributeKindForName("willreturn", 10);
		unsigned nu = LLVMGetEnumAttributeKindForName("nounwind", 8);
		LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
					 LLVMCreateEnumAttribute(g->ctx, mem, 0));
		LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
					 LLVMCreateEnumAttribute(g->ctx, wr, 0));
		LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
					 LLVMCreateEnumAttribute(g->ctx, nu, 0));
	}
	return call;
}

/* Hides a value from the optimiser so that a later bounds check stays in
 * the program: the verifier needs it even where LLVM can prove it. */
static LLVMValueRef opaque(struct cg *g, LLVMValueRef v)
{
	LLVMTypeRef fty = LLVMFunctionType(g->i64, &g->i64, 1, 0);
	LLVMValueRef asmv = LLVMGetInlineAsm(fty, "", 0, "=r,0", 4, 1, 0, LLVMInlineAsmDialectATT, 0);
	return LLVMBuildCall2(g->b, fty, asmv, &v, 1, "");
}

static LLVMValueRef clamp(struct cg *g, LLVMValueRef v, uint64_t max)
{
	v = opaque(g, v);
	LLVMValueRef over = LLVMBuildICmp(g->b, LLVMIntUGT, v, c64(g, max), "");
	return LLVMBuildSelect(g->b, over, c64(g, max), v, "");
}

static LLVMBasicBlockRef new_block(struct cg *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
}

/* Ends the program with the provider's default verdict (XDP_PASS for xdp,
 * 0 for tracing). */
static void ret_default(struct cg *g)
{
	if (g->in_callback) {
		/* ends the loop over the map, not the probe */
		LLVMBuildRet(g->b, c64(g, 1));
		return;
	}
	LLVMBuildRet(g->b, LLVMConstInt(g->i32, (uint64_t)g->pi->ap->prov->default_return, 1));
}

/* ---- where values live ------------------------------------------------ */

/* Strings, tuples and the other values that travel as pointers live in
 * 8-aligned buffers. A BPF program has 512 bytes of stack, which a for
 * loop's callback and LLVM's spills share, so small buffers go on the
 * stack and the rest into the program's scratch memory: a one-entry
 * per-CPU array of its own (a program does not run nested in itself on
 * one CPU), looked up once where a function starts. Buffers made while a
 * statement is generated are released when it ends, so the next
 * statement reuses their bytes: stack slots through lifetime markers
 * (LLVM colours them), scratch offsets handed out as a stack. Variables
 * keep theirs for the whole run. Two buffers alive at once never share
 * bytes. */
enum {
	STACK_BUFS = 256,          /* bytes of buffers a probe keeps on its stack */
	STACK_BUFS_WITH_FOR = 192, /* the same when a for loop's callback needs stack too */
	STACK_BUFS_CALLBACK = 128, /* that callback's own */
	STACK_BUF_MAX = 128,       /* a larger buffer goes to scratch memory */
	STACK_VAR_MAX = 64,        /* the same for a variable */
	SCRATCH_MAX = 32768,       /* the kernel's limit on a per-CPU value (PCPU_MIN_UNIT_SIZE) */
	/* LLVM's BPF backend expands memcpy and memset into at most 128
	 * stores: a copy of unknown alignment fits 128 bytes, a zero fill of
	 * aligned memory (8 bytes a store) 256 without many instructions */
	COPY_INLINE_MAX = 128,
	ZERO_INLINE_MAX = 256,
};

enum buf_life {
	BUF_TEMP,       /* released when the statement ends */
	BUF_TEMP_STACK, /* the same, and on the stack: a helper wants a stack pointer */
	BUF_FUNC,       /* on the stack for the whole function, counted in its budget
			   where the function starts */
};

struct temp_buf {
	LLVMValueRef ptr;
	uint32_t size;  /* rounded to 8 */
	bool on_stack;  /* an alloca: its lifetime is ended */
	bool done;      /* released early by buf_done() */
};

static uint32_t round8(uint32_t size)
{
	return size ? (size + 7) / 8 * 8 : 8;
}

/* A read-only zero area of at least `size` bytes, in .rodata; made once
 * the largest size is known (cg_build). */
static LLVMValueRef zeros_ptr(struct cg *g, uint32_t size)
{
	if (!g->zeros)
		g->zeros = LLVMAddGlobal(g->mod, g->i8, "zeros.placeholder");
	if (size > g->zeros_size)
		g->zeros_size = size;
	return g->zeros;
}

/* Zeroes `n` bytes at 8-aligned `p`. A scratch buffer's fill is volatile
 * so that LLVM does not merge it with its neighbours' into one it cannot
 * expand; a long fill copies from the zero area instead. */
static void zero_fill(struct cg *g, LLVMValueRef p, uint32_t n, bool is_volatile)
{
	if (n <= ZERO_INLINE_MAX) {
		LLVMValueRef ms = LLVMBuildMemSet(g->b, p, LLVMConstInt(g->i8, 0, 0), c64(g, n), 8);
		if (is_volatile)
			LLVMSetOperand(ms, 3, LLVMConstInt(LLVMInt1TypeInContext(g->ctx), 1, 0));
		return;
	}
	LLVMValueRef args[] = {p, LLVMConstInt(g->i32, n, 0), zeros_ptr(g, n)};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
}

static void copy_aligned(struct cg *g, LLVMValueRef dst, unsigned dst_align, LLVMValueRef src,
			 unsigned src_align, uint32_t n)
{
	if (n <= COPY_INLINE_MAX) {
		LLVMBuildMemCpy(g->b, dst, dst_align, src, src_align, c64(g, n));
		return;
	}
	/* too long for the backend to expand: the kernel copies it */
	LLVMValueRef args[] = {dst, LLVMConstInt(g->i32, n, 0), src};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
}

static void copy_bytes(struct cg *g, LLVMValueRef dst, LLVMValueRef src, uint32_t n)
{
	copy_aligned(g, dst, 1, src, 1, n);
}

/* The address `off` bytes into this CPU's scratch memory, computed here
 * (addresses computed once up front would each hold a register, or a
 * stack slot, for the whole run). The lookup is made the first time a
 * function needs it, in a block of its own between the entry and the
 * body, which ends the run if the lookup fails (it cannot: the array has
 * its one entry). */
static LLVMValueRef scratch_addr(struct cg *g, uint32_t off)
{
	if (!g->scratch) {
		if (!g->scratch_map)
			g->scratch_map = LLVMAddGlobal(g->mod, g->i8, "scratch.placeholder");
		g->scratch_bb = new_block(g, "scratch");
		LLVMPositionBuilderAtEnd(g->sb, g->scratch_bb);
		LLVMSetCurrentDebugLocation2(g->sb, LLVMGetCurrentDebugLocation2(g->ab));
		LLVMValueRef key = LLVMBuildAlloca(g->ab, g->i32, "scratch_key");
		LLVMBuildStore(g->sb, LLVMConstInt(g->i32, 0, 0), key);
		LLVMBuilderRef body = g->b;
		g->b = g->sb;
		LLVMValueRef args[] = {g->scratch_map, key};
		g->scratch = cg_helper(g, BPF_FUNC_map_lookup_elem, g->ptr, args, 2);
		g->b = body;
		/* map values are 8-aligned: lets LLVM copy in words */
		unsigned align = LLVMGetEnumAttributeKindForName("align", 5);
		LLVMAddCallSiteAttribute(g->scratch, LLVMAttributeReturnIndex,
					 LLVMCreateEnumAttribute(g->ctx, align, 8));
	}
	return gep(g, g->scratch, off);
}

/* Ends the function's entry: into the scratch lookup when there is one,
 * then to `body`. */
static void finish_entry(struct cg *g, LLVMBasicBlockRef body)
{
	LLVMPositionBuilderAtEnd(g->ab, g->entry);
	if (!g->scratch_bb) {
		LLVMBuildBr(g->ab, body);
		return;
	}
	LLVMBuildBr(g->ab, g->scratch_bb);
	/* sb may hold a location of another function's */
	LLVMSetCurrentDebugLocation2(g->sb, LLVMGetCurrentDebugLocation2(g->ab));
	LLVMBasicBlockRef none = new_block(g, "no_scratch");
	LLVMBuildCondBr(g->sb, LLVMBuildIsNull(g->sb, g->scratch, ""), none, body);
	LLVMPositionBuilderAtEnd(g->b, none);
	ret_default(g);
}

/* Scratch bytes [off, off + size) of the program are taken: the first
 * time its scratch memory grows past what the kernel allows one per-CPU
 * value, the code being generated is told why. */
static void scratch_take(struct cg *g, uint32_t off, uint32_t size)
{
	if (off + size > g->scratch_size)
		g->scratch_size = off + size;
	if (g->scratch_size <= SCRATCH_MAX || g->scratch_full)
		return;
	g->scratch_full = g->failed = true;
	diag_error(g->c->diag, g->loc,
		   "this needs more than %u bytes of memory for strings and other values at once",
		   (unsigned)SCRATCH_MAX);
	diag_note(g->c->diag, (struct loc){0},
		  "a probe has 512 bytes of stack and %u KiB of per-CPU memory for them; lower "
		  "--max-strlen (now %u), ask str() and buf() for fewer bytes, or spread the "
		  "values over more statements",
		  (unsigned)SCRATCH_MAX / 1024, g->c->opts->max_strlen);
}

/* A buffer of `size` bytes, zero-filled unless a helper writes every byte
 * of it; on the stack while the function's budget allows, else in scratch
 * memory. */
static LLVMValueRef buf_new(struct cg *g, uint32_t size, bool zeroed, enum buf_life life,
			    const char *name)
{
	uint32_t rounded = round8(size);
	bool on_stack = life != BUF_TEMP ||
			(rounded <= STACK_BUF_MAX && g->stack_used + rounded <= g->stack_budget);
	LLVMValueRef p;
	if (on_stack) {
		LLVMValueRef a = LLVMBuildAlloca(g->ab, LLVMArrayType2(g->i8, rounded), name);
		LLVMSetAlignment(a, 8);
		lifetime(g, "llvm.lifetime.start.p0", a, rounded);
		if (life != BUF_FUNC)
			g->stack_used += rounded;
		p = a;
	} else {
		scratch_take(g, g->scratch_top, rounded);
		p = scratch_addr(g, g->scratch_top);
		g->scratch_top += rounded;
	}
	if (zeroed)
		zero_fill(g, p, rounded, !on_stack);
	if (life == BUF_FUNC)
		return p;
	if (g->ntemps == g->cap_temps) {
		uint32_t cap = g->cap_temps ? 2 * g->cap_temps : 64;
		struct temp_buf *t = realloc(g->temps, cap * sizeof(*t));
		if (!t) {
			fprintf(stderr, "sonde: out of memory\n");
			exit(5);
		}
		g->temps = t;
		g->cap_temps = cap;
	}
	g->temps[g->ntemps++] = (struct temp_buf){p, rounded, on_stack, false};
	return p;
}

/* A zero-filled temporary, and one that a helper fills. */
static LLVMValueRef new_buf(struct cg *g, uint32_t size, const char *name)
{
	return buf_new(g, size, true, BUF_TEMP, name);
}

static LLVMValueRef new_buf_filled_by_callee(struct cg *g, uint32_t size, const char *name)
{
	return buf_new(g, size, false, BUF_TEMP, name);
}

/* Undoes the newest temporaries while they are released. */
static void pop_done_temps(struct cg *g)
{
	while (g->ntemps && g->temps[g->ntemps - 1].done) {
		struct temp_buf *t = &g->temps[--g->ntemps];
		if (t->on_stack)
			g->stack_used -= t->size;
		else
			g->scratch_top -= t->size;
	}
}

/* Releases a temporary before its statement ends: nothing reads it after
 * this point, on any path. */
static void buf_done(struct cg *g, LLVMValueRef buf)
{
	for (uint32_t i = g->ntemps; i-- > 0;) {
		struct temp_buf *t = &g->temps[i];
		if (t->ptr != buf || t->done)
			continue;
		if (t->on_stack)
			lifetime(g, "llvm.lifetime.end.p0", buf, t->size);
		t->done = true;
		pop_done_temps(g);
		return;
	}
}

struct buf_mark {
	uint32_t ntemps, scratch_top, stack_used;
};

static struct buf_mark buf_mark(struct cg *g)
{
	return (struct buf_mark){g->ntemps, g->scratch_top, g->stack_used};
}

/* Releases the temporaries made since `m`; `end_lifetimes` is false when
 * the function they belong to is already finished. */
static void buf_release(struct cg *g, struct buf_mark m, bool end_lifetimes)
{
	for (uint32_t i = g->ntemps; end_lifetimes && i-- > m.ntemps;) {
		struct temp_buf *t = &g->temps[i];
		if (t->on_stack && !t->done)
			lifetime(g, "llvm.lifetime.end.p0", t->ptr, t->size);
	}
	g->ntemps = m.ntemps;
	g->scratch_top = m.scratch_top;
	g->stack_used = m.stack_used;
}

/* ---- values in memory ------------------------------------------------- */

/* Values that live in memory and travel as pointers; the rest are i64. */
static bool is_mem_type(const struct type *t)
{
	return t->kind == TYPE_STR || t->kind == TYPE_TUPLE || t->kind == TYPE_ARRAY ||
	       t->kind == TYPE_INET || t->kind == TYPE_BUF ||
	       t->kind == TYPE_USTACK || t->kind == TYPE_USYM;
}

static LLVMValueRef load_value(struct cg *g, LLVMValueRef p, const struct type *t)
{
	if (t->kind == TYPE_INT || t->kind == TYPE_BOOL) {
		LLVMValueRef v = LLVMBuildLoad2(g->b, int_type(g, t->size), p, "");
		if (t->size == 8)
			return v;
		return t->is_signed ? LLVMBuildSExt(g->b, v, g->i64, "")
				    : LLVMBuildZExt(g->b, v, g->i64, "");
	}
	if (is_mem_type(t))
		return p;
	return LLVMBuildLoad2(g->b, g->i64, p, "");
}


/* Stores `v` of type `from` into `dst` laid out as `to` (same kind; strings
 * may differ in size, tuple elements are converted one by one). */
static void store_value(struct cg *g, LLVMValueRef dst, const struct type *to, LLVMValueRef v,
			const struct type *from)
{
	switch (to->kind) {
	case TYPE_INT:
	case TYPE_BOOL: {
		LLVMValueRef x = v;
		if (to->size < 8)
			x = LLVMBuildTrunc(g->b, v, int_type(g, to->size), "");
		LLVMValueRef st = LLVMBuildStore(g->b, x, dst);
		LLVMSetAlignment(st, to->size);
		return;
	}
	case TYPE_STR: {
		uint32_t n = from->size < to->size ? from->size : to->size;
		copy_bytes(g, dst, v, n);
		if (from->size > to->size) /* keep the terminating NUL */
			LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), gep(g, dst, to->size - 1));
		return;
	}
	case TYPE_TUPLE:
		for (uint32_t i = 0; i < to->nfields && i < from->nfields; i++) {
			const struct type *ft = from->fields[i].type;
			LLVMValueRef ev = load_value(g, gep(g, v, from->fields[i].offset), ft);
			store_value(g, gep(g, dst, to->fields[i].offset), to->fields[i].type, ev, ft);
		}
		return;
	default:
		if (is_mem_type(to)) {
			copy_bytes(g, dst, v, to->size < from->size ? to->size : from->size);
			return;
		}
		LLVMBuildStore(g->b, v, dst);
	}
}

/* A string constant in a fresh stack buffer. */
static LLVMValueRef const_str(struct cg *g, const char *s, size_t len, uint32_t size)
{
	LLVMValueRef buf = new_buf(g, size, "str");
	for (size_t i = 0; i < len && i < size - 1; i += 8) {
		uint64_t word = 0;
		for (size_t j = 0; j < 8 && i + j < len && i + j < size - 1; j++)
			word |= (uint64_t)(unsigned char)s[i + j] << (8 * j);
		if (word)
			LLVMBuildStore(g->b, c64(g, word), gep(g, buf, i));
	}
	return buf;
}

/* ---- maps --------------------------------------------------------------- */

static LLVMValueRef map_key(struct cg *g, struct node *mapnode);
static LLVMValueRef cg_expr(struct cg *g, struct node *n);

/* A keyless aggregation lives in a one-slot per-CPU array: the kernel
 * inlines array lookups, so an event costs a few instructions and no
 * insert is ever needed. Keyed aggregations are per-CPU hashes, plain
 * values shared hashes. (The runtime prints an all-zero slot of a keyless
 * hist, lhist, avg, stats, min or max as an empty map: no event reached
 * it.) */
static bool map_is_array(const struct map_info *m)
{
	return !m->key && m->agg != AGG_NONE;
}

static uint32_t map_bpf_type(const struct map_info *m)
{
	if (map_is_array(m))
		return BPF_MAP_TYPE_PERCPU_ARRAY;
	return m->agg == AGG_NONE ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_PERCPU_HASH;
}

static uint32_t map_key_size(const struct map_info *m)
{
	if (map_is_array(m))
		return 4;
	return m->key ? m->key->size : 8;
}

static LLVMValueRef map_lookup(struct cg *g, struct map_info *m, LLVMValueRef key)
{
	LLVMValueRef args[] = {g->maps[m->index], key};
	return cg_helper(g, BPF_FUNC_map_lookup_elem, g->ptr, args, 2);
}

static void count_dropped(struct cg *g, const struct map_info *m, LLVMValueRef n);

/* Updates a hash map. With BPF_ANY the update fails only when the map is
 * full (or memory is short): the failure is counted in the map's dropped
 * slot, which the runtime reports at exit. The helper returns 0 or a
 * negative errno, so its sign bit is the count, added without a branch
 * (this path runs once per new key). With BPF_NOEXIST the caller looks the
 * key up again and counts a miss there, since EEXIST (another CPU or an
 * interrupted run inserting the key first) is no loss. */
static void map_update(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef val,
		       uint64_t flags)
{
	LLVMValueRef args[] = {g->maps[m->index], key, val, c64(g, flags)};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_map_update_elem, g->i64, args, 4);
	if (map_is_array(m) || (flags & BPF_NOEXIST))
		return;
	count_dropped(g, m, LLVMBuildLShr(g->b, rc, c64(g, 63), "failed"));
}

static LLVMValueRef map_key(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	struct node *keys = m->key ? mapnode->u.map.keys : NULL;
	bool comm_key = keys && !keys->next && keys->kind == N_IDENT &&
			keys->u.ident.builtin_id == BI_COMM && m->key->size >= 16;
	/* the comm helper pads the name with zeroes to 16 bytes: a key of
	 * exactly that size needs no clearing first */
	LLVMValueRef key = comm_key && map_key_size(m) == 16
				   ? new_buf_filled_by_callee(g, 16, "key")
				   : new_buf(g, map_key_size(m), "key");
	if (!m->key)
		return key;
	if (comm_key) {
		/* the helper writes the name straight into the key */
		set_loc(g, keys->loc);
		LLVMValueRef args[] = {key, LLVMConstInt(g->i32, 16, 0)};
		cg_helper(g, BPF_FUNC_get_current_comm, g->i64, args, 2);
		return key;
	}
	if (!keys->next) {
		store_value(g, key, m->key, cg_expr(g, keys), keys->type);
		return key;
	}
	uint32_t i = 0;
	for (struct node *k = keys; k && i < m->key->nfields; k = k->next, i++) {
		LLVMValueRef v = cg_expr(g, k);
		store_value(g, gep(g, key, m->key->fields[i].offset), m->key->fields[i].type, v,
			    k->type);
	}
	return key;
}

/* Value bytes of an aggregation, per CPU. */
static uint32_t agg_value_size(const struct map_info *m)
{
	switch (m->agg) {
	case AGG_NONE:
		return m->value->size;
	case AGG_COUNT:
	case AGG_SUM:
		return 8;
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
	case AGG_STATS:
		return sizeof(struct agg_pair);
	case AGG_HIST:
		return HIST_NBUCKETS * 8;
	case AGG_LHIST:
		return lhist_nbuckets(m->lhist_min, m->lhist_max, m->lhist_step) * 8;
	}
	return 8;
}

/* Returns a pointer to this CPU's value for `key`, inserting a zeroed value
 * the first time; the current block on return is the one where the pointer
 * is non-NULL, and *done is where control continues afterwards. */
static void map_update(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef val,
		       uint64_t flags);
static void add64(struct cg *g, LLVMValueRef p, LLVMValueRef delta);
static void store64(struct cg *g, LLVMValueRef p, LLVMValueRef v);

/* Returns a pointer to this CPU's value for `key`; the current block on
 * return is the one where the pointer is non-NULL, and *done is where
 * control continues afterwards. A key seen for the first time is inserted:
 * count() and sum() insert their first value directly (one update, no
 * second lookup) and *inserted_done is set; others insert zeroes from
 * .rodata (a histogram's buckets would not fit on the stack) and look the
 * key up again. `x` is sum()'s operand. */
static LLVMValueRef agg_slot(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef x,
			     LLVMBasicBlockRef *done)
{
	LLVMValueRef v1 = map_lookup(g, m, key);
	LLVMBasicBlockRef from_lookup = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef insert = new_block(g, "agg_insert");
	LLVMBasicBlockRef have = new_block(g, "agg_have");
	*done = new_block(g, "agg_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, v1, ""), insert, have);

	LLVMPositionBuilderAtEnd(g->b, insert);
	if (map_is_array(m)) {
		/* a one-slot array always has its slot */
		LLVMBuildBr(g->b, *done);
		LLVMPositionBuilderAtEnd(g->b, have);
		return v1;
	}
	if (m->agg == AGG_COUNT || m->agg == AGG_SUM) {
		LLVMValueRef first = new_buf(g, 8, "first");
		store64(g, first, m->agg == AGG_COUNT ? c64(g, 1) : x);
		/* BPF_ANY: a per-CPU update writes only this CPU's value, so
		 * another CPU inserting the key first loses nothing */
		map_update(g, m, key, first, BPF_ANY);
		buf_done(g, first);
		LLVMBuildBr(g->b, *done);
		LLVMPositionBuilderAtEnd(g->b, have);
		return v1;
	}
	map_update(g, m, key, zeros_ptr(g, agg_value_size(m)), BPF_NOEXIST);
	LLVMValueRef v2 = map_lookup(g, m, key);
	LLVMBasicBlockRef from_insert = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef refused = new_block(g, "agg_refused");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, v2, ""), refused, have);
	/* still no value: the map was full */
	LLVMPositionBuilderAtEnd(g->b, refused);
	count_dropped(g, m, c64(g, 1));
	LLVMBuildBr(g->b, *done);

	LLVMPositionBuilderAtEnd(g->b, have);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->ptr, "slot");
	LLVMValueRef vals[] = {v1, v2};
	LLVMBasicBlockRef blocks[] = {from_lookup, from_insert};
	LLVMAddIncoming(phi, vals, blocks, 2);
	return phi;
}

static LLVMValueRef load64(struct cg *g, LLVMValueRef p)
{
	return LLVMBuildLoad2(g->b, g->i64, p, "");
}

static void store64(struct cg *g, LLVMValueRef p, LLVMValueRef v)
{
	LLVMBuildStore(g->b, v, p);
}

static void add64(struct cg *g, LLVMValueRef p, LLVMValueRef delta)
{
	store64(g, p, LLVMBuildAdd(g->b, load64(g, p), delta, ""));
}

/* log2 bucket of hist(): 0 for v < 0, 1 for 0, 2 + floor(log2 v) else. */
/* log2 bucket of hist(): 0 for v < 0, 1 for 0, 2 + floor(log2 v) else,
 * found by halving the search range (5 steps) rather than counting
 * leading zeroes, which BPF has no instruction for. */
static LLVMValueRef hist_index(struct cg *g, LLVMValueRef v)
{
	LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, v, c64(g, 0), "");
	LLVMValueRef isz = LLVMBuildICmp(g->b, LLVMIntEQ, v, c64(g, 0), "");
	LLVMValueRef x = v, r = c64(g, 0);
	static const unsigned shifts[] = {32, 16, 8, 4, 2, 1};
	for (int i = 0; i < 6; i++) {
		LLVMValueRef big =
			LLVMBuildICmp(g->b, LLVMIntUGE, x, c64(g, 1ull << shifts[i]), "");
		x = LLVMBuildSelect(g->b, big, LLVMBuildLShr(g->b, x, c64(g, shifts[i]), ""), x, "");
		r = LLVMBuildSelect(g->b, big, LLVMBuildAdd(g->b, r, c64(g, shifts[i]), ""), r, "");
	}
	LLVMValueRef idx = LLVMBuildAdd(g->b, r, c64(g, 2), "");
	idx = LLVMBuildSelect(g->b, isz, c64(g, 1), idx, "");
	idx = LLVMBuildSelect(g->b, neg, c64(g, 0), idx, "");
	return clamp(g, idx, HIST_NBUCKETS - 1);
}

static LLVMValueRef lhist_index(struct cg *g, struct map_info *m, LLVMValueRef v)
{
	uint32_t nb = lhist_nbuckets(m->lhist_min, m->lhist_max, m->lhist_step);
	LLVMValueRef below = LLVMBuildICmp(g->b, LLVMIntSLT, v, c64(g, (uint64_t)m->lhist_min), "");
	LLVMValueRef above = LLVMBuildICmp(g->b, LLVMIntSGE, v, c64(g, (uint64_t)m->lhist_max), "");
	LLVMValueRef rel = LLVMBuildSub(g->b, v, c64(g, (uint64_t)m->lhist_min), "");
	LLVMValueRef mid = LLVMBuildAdd(
		g->b, LLVMBuildUDiv(g->b, rel, c64(g, (uint64_t)m->lhist_step), ""), c64(g, 1), "");
	LLVMValueRef idx = LLVMBuildSelect(g->b, above, c64(g, nb - 1), mid, "");
	idx = LLVMBuildSelect(g->b, below, c64(g, 0), idx, "");
	return clamp(g, idx, nb - 1);
}

static void cg_aggregate(struct cg *g, struct node *mapnode, struct node *call)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef x = NULL;
	if (m->agg != AGG_COUNT)
		x = cg_expr(g, call->u.call.args);
	LLVMValueRef key = map_key(g, mapnode);
	LLVMBasicBlockRef done;
	LLVMValueRef slot = agg_slot(g, m, key, x, &done);
	/* the key is dead once the slot is found */
	switch (m->agg) {
	case AGG_COUNT:
		add64(g, slot, c64(g, 1));
		break;
	case AGG_SUM:
		add64(g, slot, x);
		break;
	case AGG_AVG:
	case AGG_STATS:
		add64(g, slot, x);
		add64(g, gep(g, slot, 8), c64(g, 1));
		break;
	case AGG_MIN:
	case AGG_MAX: {
		LLVMValueRef cur = load64(g, slot);
		LLVMValueRef set = load64(g, gep(g, slot, 8));
		LLVMValueRef better = LLVMBuildICmp(g->b, m->agg == AGG_MIN ? LLVMIntSLT : LLVMIntSGT,
						    x, cur, "");
		LLVMValueRef unset = LLVMBuildICmp(g->b, LLVMIntEQ, set, c64(g, 0), "");
		LLVMValueRef take = LLVMBuildOr(g->b, better, unset, "");
		store64(g, slot, LLVMBuildSelect(g->b, take, x, cur, ""));
		store64(g, gep(g, slot, 8), c64(g, 1));
		break;
	}
	case AGG_HIST:
	case AGG_LHIST: {
		LLVMValueRef idx = m->agg == AGG_HIST ? hist_index(g, x) : lhist_index(g, m, x);
		LLVMValueRef off = LLVMBuildMul(g->b, idx, c64(g, 8), "");
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, slot, &off, 1, "");
		add64(g, p, c64(g, 1));
		break;
	}
	case AGG_NONE:
		break;
	}
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	buf_done(g, key);
}

/* Reads a plain map value; absent keys read as zero. */
static LLVMValueRef map_read(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef out = new_buf(g, m->value->size, "mapval");
	LLVMValueRef p = map_lookup(g, m, key);
	LLVMBasicBlockRef found = new_block(g, "found"), cont = new_block(g, "cont");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), cont, found);
	LLVMPositionBuilderAtEnd(g->b, found);
	copy_bytes(g, out, p, m->value->size);
	LLVMBuildBr(g->b, cont);
	LLVMPositionBuilderAtEnd(g->b, cont);
	buf_done(g, key);
	return load_value(g, out, m->value);
}

static void map_write(struct cg *g, struct node *mapnode, LLVMValueRef v, const struct type *vt)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef buf = new_buf(g, m->value->size, "val");
	store_value(g, buf, m->value, v, vt);
	map_update(g, m, key, buf, BPF_ANY);
	buf_done(g, buf);
	buf_done(g, key);
}

/* ---- events -------------------------------------------------------------- */

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
static void counter_add(struct cg *g, uint32_t slot, LLVMValueRef delta)
{
	LLVMBuildAtomicRMW(g->b, LLVMAtomicRMWBinOpAdd, counter_ptr(g, slot), delta,
			   LLVMAtomicOrderingMonotonic, 0);
}

/* A record the full ring buffer had no room for. */
static void count_lost(struct cg *g)
{
	counter_add(g, COUNTER_LOST, c64(g, 1));
}

/* `n` updates that full map `m` refused. */
static void count_dropped(struct cg *g, const struct map_info *m, LLVMValueRef n)
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
static void cg_record(struct cg *g, enum event_kind kind, struct fmt_info *f, struct node *args)
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

static void cg_printf(struct cg *g, struct node *call, enum event_kind kind)
{
	struct fmt_info *f = call->u.call.fmt;
	cg_record(g, kind, f, call->u.call.args->next);
}

static enum addr_space value_space(struct cg *g, struct node *n);
static enum bpf_func_id read_helper(struct cg *g, enum addr_space space, bool str);

/* join(argv): up to JOIN_MAX_ARGS strings, read until a NULL pointer,
 * written into the record; the printer joins them. The array and its
 * strings are in argv's space; user memory when that is not known, as
 * join() is for a process's arguments. */
static void cg_join(struct cg *g, struct node *call)
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

static void cg_map_event(struct cg *g, struct node *call, enum event_kind kind)
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

static void cg_exit(struct cg *g)
{
	LLVMBuildStore(g->b, c64(g, 1), counter_ptr(g, COUNTER_EXIT));
	LLVMValueRef rec = event_header(g, 0, EV_EXIT, 0);
	emit_event(g, rec, sizeof(struct event_hdr));
	/* exit() also ends this probe's run, as in bpftrace */
	ret_default(g);
	LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_exit"));
}

/* ---- context ------------------------------------------------------------- */

static LLVMValueRef widen(struct cg *g, LLVMValueRef v, const struct ctx_access *acc)
{
	if (acc->size == 8)
		return v;
	return acc->is_signed ? LLVMBuildSExt(g->b, v, g->i64, "") : LLVMBuildZExt(g->b, v, g->i64, "");
}

/* Parses the packet's TCP or UDP header if no earlier read on this path
 * did (bpf-runtime/pkt.c). */
static void pkt_parse_l4(struct cg *g)
{
	LLVMTypeRef params[] = {g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), params, 1, 0);
	call_named(g, "sonde_pkt_l4", fty, &g->pkt, 1);
}

/* The fields of struct sonde_pkt that sonde_pkt_l4 fills. */
static bool pkt_field_in_l4(uint32_t offset)
{
	return offset == offsetof(struct sonde_pkt, sport) ||
	       offset == offsetof(struct sonde_pkt, dport) ||
	       offset == offsetof(struct sonde_pkt, tcp_flags) ||
	       offset == offsetof(struct sonde_pkt, has_l4);
}

static LLVMValueRef ctx_read(struct cg *g, const struct ctx_access *acc)
{
	LLVMValueRef p = acc->kind == CTX_PKT || acc->kind == CTX_CONST
				 ? NULL
				 : gep(g, g->ctxarg, acc->offset);
	switch (acc->kind) {
	case CTX_LOAD:
	case CTX_U64_ARRAY: {
		/* a sub-register load (a usdt "%ah") need not be aligned */
		LLVMValueRef v = LLVMBuildLoad2(g->b, int_type(g, acc->size), p, "");
		LLVMSetAlignment(v, acc->offset % acc->size ? 1 : acc->size);
		return widen(g, v, acc);
	}
	case CTX_CONST:
		return c64(g, (uint64_t)acc->imm);
	case CTX_USER_MEM: {
		/* a usdt argument spilled to memory: disp(%reg) */
		LLVMValueRef base = LLVMBuildLoad2(g->b, g->i64, p, "");
		LLVMSetAlignment(base, 8);
		LLVMValueRef addr = LLVMBuildIntToPtr(
			g->b, LLVMBuildAdd(g->b, base, c64(g, (uint64_t)acc->imm), ""), g->ptr, "");
		LLVMValueRef buf = new_buf(g, 8, "usdtarg");
		store64(g, buf, c64(g, 0));
		LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, acc->size, 0), addr};
		cg_helper(g, BPF_FUNC_probe_read_user, g->i64, args, 3);
		LLVMValueRef v = LLVMBuildLoad2(g->b, int_type(g, acc->size), buf, "");
		LLVMSetAlignment(v, acc->size);
		return widen(g, v, acc);
	}
	case CTX_READ: {
		LLVMValueRef buf = new_buf(g, acc->type->size, "ctxbuf");
		LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, acc->size, 0), p};
		cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
		return load_value(g, buf, acc->type);
	}
	case CTX_PKT: {
		if (!g->pkt)
			return c64(g, 0);
		if (pkt_field_in_l4(acc->offset) && !g->in_callback)
			pkt_parse_l4(g);
		LLVMValueRef fp = gep(g, g->pkt, acc->offset);
		return load_value(g, fp, acc->type);
	}
	case CTX_DATA_LOC: {
		LLVMValueRef loc = LLVMBuildLoad2(g->b, g->i32, p, "");
		LLVMValueRef off = LLVMBuildZExt(
			g->b, LLVMBuildAnd(g->b, loc, LLVMConstInt(g->i32, 0xffff, 0), ""), g->i64,
			"");
		LLVMValueRef src = LLVMBuildInBoundsGEP2(g->b, g->i8, g->ctxarg, &off, 1, "");
		LLVMValueRef buf = new_buf(g, acc->type->size, "dataloc");
		LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, acc->type->size, 0), src};
		cg_helper(g, BPF_FUNC_probe_read_kernel_str, g->i64, args, 3);
		return buf;
	}
	}
	return c64(g, 0);
}

static bool expr_access(struct cg *g, struct node *n, struct ctx_access *acc)
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

/* The address space of the memory `n` refers to (see enum addr_space).
 * A context value is asked of this program's own attach point (the type
 * merges the block's attach points); a variable or map by its final type,
 * which every assignment has merged into. */
static enum addr_space value_space(struct cg *g, struct node *n)
{
	struct ctx_access acc;
	if (expr_access(g, n, &acc))
		return (enum addr_space)acc.space;
	const struct type *t = n->type;
	if (n->kind == N_VAR && n->u.var.info)
		t = n->u.var.info->type;
	else if (n->kind == N_MAP && n->u.map.info && n->u.map.info->value &&
		 n->u.map.info->agg == AGG_NONE)
		t = n->u.map.info->value;
	return t ? (enum addr_space)t->space : SPACE_NONE;
}

/* Which helper reads memory in `space`. Where the space is not known, or
 * may be either, bpf_probe_read(_str) reads user memory below TASK_SIZE
 * and kernel memory above (x86-64); packet programs do not have it, and
 * reach only kernel memory. */
static enum bpf_func_id read_helper(struct cg *g, enum addr_space space, bool str)
{
	if (space == SPACE_USER)
		return str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user;
	if (space == SPACE_KERNEL || (g->pi->ap->prov->ctx & CTX_HAS_PKT))
		return str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel;
	return str ? BPF_FUNC_probe_read_str : BPF_FUNC_probe_read;
}

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

static LLVMValueRef cg_builtin(struct cg *g, struct node *n)
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

/* Byte-wise string equality up to the first NUL or the shorter size. */
static LLVMValueRef str_equal(struct cg *g, LLVMValueRef a, uint32_t asz, LLVMValueRef b,
			      uint32_t bsz)
{
	uint32_t n = asz < bsz ? asz : bsz;
	LLVMBasicBlockRef done = new_block(g, "streq_done");
	LLVMValueRef phi_vals[2 * 4096 + 2];
	LLVMBasicBlockRef phi_blocks[2 * 4096 + 2];
	unsigned np = 0;
	for (uint32_t i = 0; i < n; i++) {
		LLVMValueRef ca = LLVMBuildLoad2(g->b, g->i8, gep(g, a, i), "");
		LLVMValueRef cb = LLVMBuildLoad2(g->b, g->i8, gep(g, b, i), "");
		LLVMValueRef ne = LLVMBuildICmp(g->b, LLVMIntNE, ca, cb, "");
		LLVMBasicBlockRef same = new_block(g, "streq_same");
		phi_vals[np] = c64(g, 0);
		phi_blocks[np++] = LLVMGetInsertBlock(g->b);
		LLVMBuildCondBr(g->b, ne, done, same);
		LLVMPositionBuilderAtEnd(g->b, same);
		LLVMValueRef end = LLVMBuildICmp(g->b, LLVMIntEQ, ca, LLVMConstInt(g->i8, 0, 0), "");
		LLVMBasicBlockRef next = new_block(g, "streq_next");
		phi_vals[np] = c64(g, 1);
		phi_blocks[np++] = LLVMGetInsertBlock(g->b);
		LLVMBuildCondBr(g->b, end, done, next);
		LLVMPositionBuilderAtEnd(g->b, next);
	}
	phi_vals[np] = c64(g, 1);
	phi_blocks[np++] = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->i64, "streq");
	LLVMAddIncoming(phi, phi_vals, phi_blocks, np);
	return phi;
}

static LLVMValueRef bool64(struct cg *g, LLVMValueRef i1)
{
	return LLVMBuildZExt(g->b, i1, g->i64, "");
}

/* Division and modulo by zero give 0, never a trap or a verifier error. */
static LLVMValueRef safe_divmod(struct cg *g, enum ast_op op, LLVMValueRef l, LLVMValueRef r,
				bool is_signed)
{
	LLVMValueRef zero = LLVMBuildICmp(g->b, LLVMIntEQ, r, c64(g, 0), "");
	LLVMValueRef rr = LLVMBuildSelect(g->b, zero, c64(g, 1), r, "");
	LLVMValueRef q;
	if (!is_signed) {
		q = op == OP_DIV ? LLVMBuildUDiv(g->b, l, rr, "") : LLVMBuildURem(g->b, l, rr, "");
		return LLVMBuildSelect(g->b, zero, c64(g, 0), q, "");
	}
	/* BPF before cpu v4 has no signed division: divide the magnitudes and
	 * fix the sign as C does (quotient towards zero, remainder takes the
	 * dividend's sign). */
	LLVMValueRef lneg = LLVMBuildICmp(g->b, LLVMIntSLT, l, c64(g, 0), "");
	LLVMValueRef rneg = LLVMBuildICmp(g->b, LLVMIntSLT, rr, c64(g, 0), "");
	LLVMValueRef la = LLVMBuildSelect(g->b, lneg, LLVMBuildNeg(g->b, l, ""), l, "");
	LLVMValueRef ra = LLVMBuildSelect(g->b, rneg, LLVMBuildNeg(g->b, rr, ""), rr, "");
	if (op == OP_DIV) {
		LLVMValueRef uq = LLVMBuildUDiv(g->b, la, ra, "");
		LLVMValueRef flip = LLVMBuildXor(g->b, lneg, rneg, "");
		q = LLVMBuildSelect(g->b, flip, LLVMBuildNeg(g->b, uq, ""), uq, "");
	} else {
		LLVMValueRef ur = LLVMBuildURem(g->b, la, ra, "");
		q = LLVMBuildSelect(g->b, lneg, LLVMBuildNeg(g->b, ur, ""), ur, "");
	}
	return LLVMBuildSelect(g->b, zero, c64(g, 0), q, "");
}

/* l << r and l >> r. A count of 64 or more, or a negative one (the same
 * as unsigned), gives 0, as bpftrace 0.17 gives for constants: masking the
 * count to 0..63 made 1 << 64 equal 1. The select folds away when r is a
 * constant. */
static LLVMValueRef shift_op(struct cg *g, enum ast_op op, LLVMValueRef l, LLVMValueRef r,
			     bool is_signed)
{
	LLVMValueRef count = LLVMBuildAnd(g->b, r, c64(g, 63), "");
	LLVMValueRef v = op == OP_SHL ? LLVMBuildShl(g->b, l, count, "")
			 : is_signed  ? LLVMBuildAShr(g->b, l, count, "")
				      : LLVMBuildLShr(g->b, l, count, "");
	LLVMValueRef in_range = LLVMBuildICmp(g->b, LLVMIntULT, r, c64(g, 64), "");
	return LLVMBuildSelect(g->b, in_range, v, c64(g, 0), "");
}

/* The arithmetic and bitwise operators, for binary expressions and
 * compound assignments alike; NULL for any other operator. */
static LLVMValueRef arith_op(struct cg *g, enum ast_op op, LLVMValueRef l, LLVMValueRef r,
			     bool is_signed)
{
	switch (op) {
	case OP_ADD:
		return LLVMBuildAdd(g->b, l, r, "");
	case OP_SUB:
		return LLVMBuildSub(g->b, l, r, "");
	case OP_MUL:
		return LLVMBuildMul(g->b, l, r, "");
	case OP_DIV:
	case OP_MOD:
		return safe_divmod(g, op, l, r, is_signed);
	case OP_BAND:
		return LLVMBuildAnd(g->b, l, r, "");
	case OP_BOR:
		return LLVMBuildOr(g->b, l, r, "");
	case OP_BXOR:
		return LLVMBuildXor(g->b, l, r, "");
	case OP_SHL:
	case OP_SHR:
		return shift_op(g, op, l, r, is_signed);
	default:
		return NULL;
	}
}

static LLVMValueRef cg_binop(struct cg *g, struct node *n)
{
	enum ast_op op = n->u.binop.op;
	if (op == OP_LAND || op == OP_LOR) {
		LLVMValueRef l = cg_expr(g, n->u.binop.lhs);
		LLVMValueRef lb = LLVMBuildICmp(g->b, LLVMIntNE, l, c64(g, 0), "");
		LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
		LLVMBasicBlockRef rhs = new_block(g, "sc_rhs"), done = new_block(g, "sc_done");
		if (op == OP_LAND)
			LLVMBuildCondBr(g->b, lb, rhs, done);
		else
			LLVMBuildCondBr(g->b, lb, done, rhs);
		LLVMPositionBuilderAtEnd(g->b, rhs);
		LLVMValueRef r = cg_expr(g, n->u.binop.rhs);
		LLVMValueRef rb = bool64(g, LLVMBuildICmp(g->b, LLVMIntNE, r, c64(g, 0), ""));
		LLVMBasicBlockRef rfrom = LLVMGetInsertBlock(g->b);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
		LLVMValueRef phi = LLVMBuildPhi(g->b, g->i64, "");
		LLVMValueRef vals[] = {c64(g, op == OP_LOR), rb};
		LLVMBasicBlockRef blocks[] = {from, rfrom};
		LLVMAddIncoming(phi, vals, blocks, 2);
		return phi;
	}
	struct type *lt = n->u.binop.lhs->type, *rt = n->u.binop.rhs->type;
	LLVMValueRef l = cg_expr(g, n->u.binop.lhs);
	LLVMValueRef r = cg_expr(g, n->u.binop.rhs);
	if ((op == OP_EQ || op == OP_NE) && lt->kind == TYPE_STR) {
		LLVMValueRef eq = str_equal(g, l, lt->size, r, rt->size);
		return op == OP_EQ ? eq : LLVMBuildXor(g->b, eq, c64(g, 1), "");
	}
	bool uns = (n->type && n->type->kind == TYPE_INT && !n->type->is_signed) ||
		   lt->kind == TYPE_PTR || rt->kind == TYPE_PTR ||
		   (lt->kind == TYPE_INT && !lt->is_signed && lt->size == 8) ||
		   (rt->kind == TYPE_INT && !rt->is_signed && rt->size == 8);
	/* a typed pointer and an integer: sema gave the sum the pointer's
	 * type, and the integer counts elements */
	if ((op == OP_ADD || op == OP_SUB) && n->type && n->type->kind == TYPE_PTR &&
	    (lt->kind != TYPE_PTR || rt->kind != TYPE_PTR)) {
		LLVMValueRef elem = c64(g, n->type->elem->size);
		if (lt->kind == TYPE_PTR)
			r = LLVMBuildMul(g->b, r, elem, "");
		else
			l = LLVMBuildMul(g->b, l, elem, "");
	}
	LLVMValueRef v = arith_op(g, op, l, r, !uns);
	if (v)
		return v;
	switch (op) {
	case OP_EQ:
		return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, l, r, ""));
	case OP_NE:
		return bool64(g, LLVMBuildICmp(g->b, LLVMIntNE, l, r, ""));
	case OP_LT:
		return bool64(g, LLVMBuildICmp(g->b, uns ? LLVMIntULT : LLVMIntSLT, l, r, ""));
	case OP_LE:
		return bool64(g, LLVMBuildICmp(g->b, uns ? LLVMIntULE : LLVMIntSLE, l, r, ""));
	case OP_GT:
		return bool64(g, LLVMBuildICmp(g->b, uns ? LLVMIntUGT : LLVMIntSGT, l, r, ""));
	case OP_GE:
		return bool64(g, LLVMBuildICmp(g->b, uns ? LLVMIntUGE : LLVMIntSGE, l, r, ""));
	default:
		return c64(g, 0);
	}
}

static LLVMValueRef var_slot(struct cg *g, struct var_info *v)
{
	if (g->in_callback && v != g->cb_kv) {
		/* the probe's variable: at the same place in scratch memory, or
		 * on the probe's stack through the pointer the probe passed */
		if (v->scratch_offset >= 0)
			return scratch_addr(g, (uint32_t)v->scratch_offset);
		for (uint32_t i = 0; i < g->ncb_vars; i++)
			if (g->cb_vars[i] == v)
				return LLVMBuildLoad2(g->b, g->ptr, gep(g, g->cb_ctx, 16 + 8 * i),
						      "");
	}
	if (!v->slot) {
		/* placed where the probe starts (place_vars) */
		if (v->scratch_offset >= 0) {
			/* zeroed once; its address is computed where it is used */
			LLVMValueRef p = scratch_addr(g, (uint32_t)v->scratch_offset);
			zero_fill(g, p, round8(v->type->size), true);
			v->slot = p;
			return p;
		} else {
			v->slot = buf_new(g, v->type->size, true, BUF_FUNC, v->name);
		}
	}
	if (v->scratch_offset >= 0)
		return scratch_addr(g, (uint32_t)v->scratch_offset);
	return v->slot;
}

static LLVMValueRef cg_assign(struct cg *g, struct node *n)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	if (lhs->kind == N_MAP && rhs->kind == N_CALL && lhs->u.map.info->agg != AGG_NONE &&
	    n->u.assign.op == OP_NONE) {
		cg_aggregate(g, lhs, rhs);
		return c64(g, 0);
	}
	LLVMValueRef v = cg_expr(g, rhs);
	struct type *vt = rhs->type;
	if (n->u.assign.op != OP_NONE) {
		LLVMValueRef cur = lhs->kind == N_MAP
					   ? map_read(g, lhs)
					   : load_value(g, var_slot(g, lhs->u.var.info), lhs->type);
		LLVMValueRef x = arith_op(g, n->u.assign.op, cur, v, lhs->type->is_signed);
		if (x)
			v = x;
		vt = lhs->type;
	}
	if (lhs->kind == N_MAP)
		map_write(g, lhs, v, vt);
	else
		store_value(g, var_slot(g, lhs->u.var.info), lhs->u.var.info->type, v, vt);
	return c64(g, 0);
}

static LLVMValueRef cg_incdec(struct cg *g, struct node *n)
{
	struct node *o = n->u.incdec.operand;
	enum ast_op op = n->u.incdec.op;
	LLVMValueRef cur = o->kind == N_MAP ? map_read(g, o)
					    : load_value(g, var_slot(g, o->u.var.info), o->type);
	bool inc = op == OP_PREINC || op == OP_POSTINC;
	LLVMValueRef nv = inc ? LLVMBuildAdd(g->b, cur, c64(g, 1), "")
			      : LLVMBuildSub(g->b, cur, c64(g, 1), "");
	if (o->kind == N_MAP)
		map_write(g, o, nv, o->type);
	else
		store_value(g, var_slot(g, o->u.var.info), o->u.var.info->type, nv, o->type);
	return (op == OP_PREINC || op == OP_PREDEC) ? nv : cur;
}

/* ---- kernel memory (BTF types) -------------------------------------------- */

/* Whether `n` names memory read at an address: a field through a typed
 * pointer or of a record, an element of such an array or through a
 * pointer, or *p. */
static bool is_kmem(struct node *n)
{
	if (n->kind == N_UNOP && n->u.unop.op == OP_DEREF)
		return true;
	if (n->kind == N_FIELD) {
		struct type *bt = n->u.field.base->type;
		return bt && (bt->kind == TYPE_PTR || bt->kind == TYPE_RECORD);
	}
	if (n->kind == N_INDEX) {
		struct type *bt = n->u.index.base->type;
		return bt && (bt->kind == TYPE_PTR ||
			      ((bt->kind == TYPE_ARRAY || bt->kind == TYPE_STR) &&
			       is_kmem(n->u.index.base)));
	}
	return false;
}

/* The address a kmem expression reads (see is_kmem). */
static LLVMValueRef kaddr_of(struct cg *g, struct node *n)
{
	if (n->kind == N_UNOP)
		return cg_expr(g, n->u.unop.operand);
	if (n->kind == N_FIELD) {
		struct node *base = n->u.field.base;
		struct type *bt = base->type;
		struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
		/* a pointer's value, or a record's (its address: kread) */
		LLVMValueRef b = cg_expr(g, base);
		uint32_t off = 0, tid, bits, bit_off;
		btf_find_member((uint32_t)rec->btf_id, n->u.field.name, &off, &tid, &bits, &bit_off);
		return off ? LLVMBuildAdd(g->b, b, c64(g, off), "") : b;
	}
	struct node *base = n->u.index.base;
	LLVMValueRef b = base->type->kind == TYPE_PTR ? cg_expr(g, base) : kaddr_of(g, base);
	LLVMValueRef idx = cg_expr(g, n->u.index.index);
	LLVMValueRef off = LLVMBuildMul(g->b, idx, c64(g, n->type->size), "");
	return LLVMBuildAdd(g->b, b, off, "");
}

/* The space of the memory a kmem expression reads: where its pointer
 * points, or where the record or array it is part of lies. */
static enum addr_space kmem_space(struct cg *g, struct node *n)
{
	if (n->kind == N_UNOP)
		return value_space(g, n->u.unop.operand);
	return value_space(g, n->kind == N_FIELD ? n->u.field.base : n->u.index.base);
}

/* Reads a value of type `t` at address `addr` in `space`. A record is not
 * read: its value is its address. */
static LLVMValueRef kread(struct cg *g, LLVMValueRef addr, const struct type *t,
			  enum addr_space space)
{
	if (t->kind == TYPE_RECORD)
		return addr;
	LLVMValueRef buf = new_buf(g, t->size, "kread");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, t->size, 0),
			       LLVMBuildIntToPtr(g->b, addr, g->ptr, "")};
	cg_helper(g, read_helper(g, space, false), g->i64, args, 3);
	return load_value(g, buf, t);
}

/* An element of an array or string held in BPF memory (args.x[i]). */
static LLVMValueRef index_read(struct cg *g, struct node *n)
{
	struct type *bt = n->u.index.base->type;
	LLVMValueRef base = cg_expr(g, n->u.index.base);
	uint32_t count = bt->kind == TYPE_ARRAY ? bt->count : bt->size;
	LLVMValueRef idx = cg_expr(g, n->u.index.index);
	if (n->u.index.index->kind != N_INT)
		idx = clamp(g, idx, count - 1);
	LLVMValueRef off = LLVMBuildMul(g->b, idx, c64(g, n->type->size), "");
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, base, &off, 1, "");
	return load_value(g, p, n->type);
}

/* ---- aggregations read in a probe ---------------------------------------- */

/* count/sum/avg/min/max summed over the CPUs: one
 * bpf_map_lookup_percpu_elem per possible CPU, unrolled. */
static LLVMValueRef agg_read(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef acc = new_buf(g, 16, "aggacc"); /* a: sum/value, b: count/set */
	int ncpus = libbpf_num_possible_cpus();
	for (int cpu = 0; cpu < ncpus; cpu++) {
		LLVMValueRef args[] = {g->maps[m->index], key, LLVMConstInt(g->i32, (uint64_t)cpu, 0)};
		LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_percpu_elem, g->ptr, args, 3);
		LLVMBasicBlockRef have = new_block(g, "cpu_have"), next = new_block(g, "cpu_next");
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), next, have);
		LLVMPositionBuilderAtEnd(g->b, have);
		switch (m->agg) {
		case AGG_COUNT:
		case AGG_SUM:
			add64(g, acc, load64(g, p));
			break;
		case AGG_AVG:
			add64(g, acc, load64(g, p));
			add64(g, gep(g, acc, 8), load64(g, gep(g, p, 8)));
			break;
		case AGG_MIN:
		case AGG_MAX: {
			LLVMValueRef v = load64(g, p), set = load64(g, gep(g, p, 8));
			LLVMValueRef cur = load64(g, acc), cur_set = load64(g, gep(g, acc, 8));
			LLVMValueRef better = LLVMBuildICmp(
				g->b, m->agg == AGG_MIN ? LLVMIntSLT : LLVMIntSGT, v, cur, "");
			LLVMValueRef take = LLVMBuildOr(
				g->b, better, LLVMBuildICmp(g->b, LLVMIntEQ, cur_set, c64(g, 0), ""), "");
			take = LLVMBuildAnd(g->b, take,
					    LLVMBuildICmp(g->b, LLVMIntNE, set, c64(g, 0), ""), "");
			store64(g, acc, LLVMBuildSelect(g->b, take, v, cur, ""));
			store64(g, gep(g, acc, 8),
				LLVMBuildSelect(g->b, take, c64(g, 1), cur_set, ""));
			break;
		}
		default:
			break;
		}
		LLVMBuildBr(g->b, next);
		LLVMPositionBuilderAtEnd(g->b, next);
	}
	buf_done(g, key);
	LLVMValueRef a = load64(g, acc);
	if (m->agg == AGG_AVG) {
		/* BPF (before cpu v4) divides unsigned only: divide |sum| */
		LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, a, c64(g, 0), "");
		LLVMValueRef ua = LLVMBuildSelect(g->b, neg, LLVMBuildNeg(g->b, a, ""), a, "");
		LLVMValueRef q = safe_divmod(g, OP_DIV, ua, load64(g, gep(g, acc, 8)), false);
		return LLVMBuildSelect(g->b, neg, LLVMBuildNeg(g->b, q, ""), q, "");
	}
	return a;
}

/* ---- for ($kv : @map) and len(@map) --------------------------------------- */

static void cg_block(struct cg *g, struct node *blk);

/* A bpf_for_each_map_elem callback: i64 (map, key, value, ctx). */
static LLVMValueRef new_callback(struct cg *g, const char *name, int line, LLVMMetadataRef *scope)
{
	LLVMTypeRef params[] = {g->ptr, g->ptr, g->ptr, g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, 4, 0);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, fty);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->ctx, nounwind, 0));
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->ctx, noinline, 0));
	*scope = emit_static_function(g->em, fn, name, line);
	return fn;
}

static LLVMValueRef for_each(struct cg *g, struct map_info *m, LLVMValueRef cb, LLVMValueRef ctx)
{
	LLVMValueRef args[] = {g->maps[m->index], cb, ctx, c64(g, 0)};
	return cg_helper(g, BPF_FUNC_for_each_map_elem, g->i64, args, 4);
}

static LLVMValueRef cg_len(struct cg *g, struct node *mapnode)
{
	if (!g->len_cb) {
		LLVMMetadataRef scope;
		LLVMBuilderRef b = LLVMCreateBuilderInContext(g->ctx);
		g->len_cb = new_callback(g, "len_cb", 1, &scope);
		LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(g->ctx, g->len_cb, "entry"));
		emit_loc(g->em, b, scope, 1, 1);
		/* an atomic add leaves the verifier an unknown count: with a
		 * plain add it tracks the exact value, and a test of len()'s
		 * result then makes every iteration a new state to explore
		 * (past the 1M instruction limit) */
		LLVMValueRef ctr = LLVMGetParam(g->len_cb, 3);
		LLVMBuildAtomicRMW(b, LLVMAtomicRMWBinOpAdd, ctr, c64(g, 1),
				   LLVMAtomicOrderingMonotonic, 0);
		LLVMBuildRet(b, c64(g, 0));
		LLVMDisposeBuilder(b);
	}
	/* the callback's context must be on the stack */
	LLVMValueRef ctr = buf_new(g, 8, true, BUF_TEMP_STACK, "len");
	for_each(g, mapnode->u.map.info, g->len_cb, ctr);
	return load64(g, ctr);
}

static void cg_for(struct cg *g, struct node *n)
{
	struct map_info *m = n->u.for_.map->u.map.info;
	struct var_info *kv = n->u.for_.var->u.var.info;
	/* the probe's variables get their slots here; the callback finds
	 * those in scratch memory where the probe does, and reaches the rest
	 * (and the probe's context) through an array of pointers on the
	 * probe's stack, the callback's context */
	uint32_t nv = 0;
	for (struct var_info *v = g->pi->vars; v; v = v->next)
		nv += v->scratch_offset < 0;
	struct var_info **vars = arena_alloc(&g->c->arena, (nv + 1) * sizeof(*vars));
	LLVMValueRef ctxbuf = buf_new(g, 16 + 8 * nv, true, BUF_TEMP_STACK, "for_ctx");
	LLVMBuildStore(g->b, g->ctxarg, ctxbuf);
	if (g->pkt)
		LLVMBuildStore(g->b, g->pkt, gep(g, ctxbuf, 8));
	uint32_t i = 0;
	for (struct var_info *v = g->pi->vars; v; v = v->next) {
		LLVMValueRef slot = var_slot(g, v);
		if (v->scratch_offset >= 0)
			continue;
		vars[i] = v;
		LLVMBuildStore(g->b, slot, gep(g, ctxbuf, 16 + 8 * i));
		i++;
	}

	/* build the callback, then come back */
	LLVMValueRef saved_fn = g->fn, saved_ctxarg = g->ctxarg, saved_pkt = g->pkt;
	LLVMBasicBlockRef saved_block = LLVMGetInsertBlock(g->b), saved_entry = g->entry;
	LLVMMetadataRef saved_scope = g->scope;
	LLVMBasicBlockRef saved_break = g->loop_break, saved_cont = g->loop_continue;
	LLVMBasicBlockRef saved_scratch_bb = g->scratch_bb;
	LLVMValueRef saved_scratch = g->scratch;
	uint32_t saved_stack_used = g->stack_used, saved_budget = g->stack_budget;
	const char *name = arena_printf(&g->c->arena, "%s_for%d", g->pi->prog_name, g->ncallbacks++);
	LLVMMetadataRef scope;
	LLVMValueRef cb = new_callback(g, name, n->loc.first_line, &scope);
	g->fn = cb;
	g->scope = scope;
	g->in_callback = true;
	g->cb_ctx = LLVMGetParam(cb, 3);
	g->cb_vars = vars;
	g->ncb_vars = nv;
	g->cb_kv = kv;
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
	uint32_t voff = kv->type->fields[1].offset;
	copy_aligned(g, kv->slot, 8, LLVMGetParam(cb, 1), 8, m->key->size);
	copy_aligned(g, gep(g, kv->slot, voff), voff % 8 ? 1 << __builtin_ctz(voff) : 8,
		     LLVMGetParam(cb, 2), 8, m->value->size);
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
	g->in_callback = false;
	g->cb_kv = NULL;
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
	for_each(g, m, cb, ctxbuf);
}

/* ---- functions with a value ---------------------------------------------- */

static LLVMValueRef cg_call_value(struct cg *g, struct node *n)
{
	struct node *args = n->u.call.args;
	switch ((enum func_id)n->u.call.func_id) {
	case FN_STR:
		return cg_str_call(g, n);
	case FN_STRFTIME:
		return cg_expr(g, args->next);
	case FN_KSTACK:
	case FN_USTACK:
		return cg_stack(g, n->type);
	case FN_KSYM:
		return cg_expr(g, args);
	case FN_USYM: {
		LLVMValueRef v = cg_expr(g, args);
		LLVMValueRef buf = new_buf(g, 16, "usym");
		store64(g, buf, v);
		LLVMValueRef tgid = cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0);
		LLVMValueRef pid = LLVMBuildLShr(g->b, tgid, c64(g, 32), "");
		store64(g, gep(g, buf, 8), pid);
		return buf;
	}
	case FN_KADDR:
		return c64(g, n->u.call.kaddr);
	case FN_NTOP: {
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
	case FN_BUF: {
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
	case FN_LEN:
		return cg_len(g, args);
	case FN_HAS_KEY: {
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

static LLVMValueRef cg_expr_here(struct cg *g, struct node *n);

static LLVMValueRef cg_expr(struct cg *g, struct node *n)
{
	/* buffers made after an operand's code belong to `n`: an error about
	 * them points here, not at the last operand */
	struct loc outer = g->loc;
	LLVMValueRef v = cg_expr_here(g, n);
	g->loc = outer;
	return v;
}

static LLVMValueRef cg_expr_here(struct cg *g, struct node *n)
{
	set_loc(g, n->loc);
	switch (n->kind) {
	case N_INT:
		return c64(g, n->u.int_lit.value);
	case N_STR:
		return const_str(g, n->u.str.s, n->u.str.len, n->type->size);
	case N_IDENT:
		return cg_builtin(g, n);
	case N_VAR:
		return load_value(g, var_slot(g, n->u.var.info), n->u.var.info->type);
	case N_MAP:
		if (n->u.map.info->agg != AGG_NONE)
			return agg_read(g, n);
		return map_read(g, n);
	case N_CALL:
		return cg_call_value(g, n);
	case N_BINOP:
		return cg_binop(g, n);
	case N_UNOP: {
		if (n->u.unop.op == OP_DEREF)
			return kread(g, kaddr_of(g, n), n->type, kmem_space(g, n));
		LLVMValueRef v = cg_expr(g, n->u.unop.operand);
		switch (n->u.unop.op) {
		case OP_NEG:
			return LLVMBuildNeg(g->b, v, "");
		case OP_NOT:
			return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, v, c64(g, 0), ""));
		case OP_BNOT:
			return LLVMBuildNot(g->b, v, "");
		default:
			return v;
		}
	}
	case N_TERNARY: {
		LLVMValueRef c = cg_expr(g, n->u.ternary.cond);
		LLVMBasicBlockRef tb = new_block(g, "t_then"), eb = new_block(g, "t_else"),
				  done = new_block(g, "t_done");
		LLVMValueRef res = NULL;
		if (is_mem_type(n->type))
			res = new_buf(g, n->type->size, "ternary");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, c, c64(g, 0), ""), tb, eb);
		LLVMPositionBuilderAtEnd(g->b, tb);
		LLVMValueRef a = cg_expr(g, n->u.ternary.then);
		if (res)
			store_value(g, res, n->type, a, n->u.ternary.then->type);
		LLVMBasicBlockRef ta = LLVMGetInsertBlock(g->b);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, eb);
		LLVMValueRef b = cg_expr(g, n->u.ternary.els);
		if (res)
			store_value(g, res, n->type, b, n->u.ternary.els->type);
		LLVMBasicBlockRef ea = LLVMGetInsertBlock(g->b);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
		if (res)
			return res;
		LLVMValueRef phi = LLVMBuildPhi(g->b, g->i64, "");
		LLVMValueRef vals[] = {a, b};
		LLVMBasicBlockRef blocks[] = {ta, ea};
		LLVMAddIncoming(phi, vals, blocks, 2);
		return phi;
	}
	case N_INDEX:
		if (is_kmem(n))
			return kread(g, kaddr_of(g, n), n->type, kmem_space(g, n));
		return index_read(g, n);
	case N_FIELD: {
		struct ctx_access acc;
		if (expr_access(g, n, &acc))
			return ctx_read(g, &acc);
		if (is_kmem(n))
			return kread(g, kaddr_of(g, n), n->type, kmem_space(g, n));
		/* tuple element */
		LLVMValueRef base = cg_expr(g, n->u.field.base);
		struct type *bt = n->u.field.base->type;
		long idx = strtol(n->u.field.name, NULL, 10);
		return load_value(g, gep(g, base, bt->fields[idx].offset), bt->fields[idx].type);
	}
	case N_TUPLE: {
		LLVMValueRef buf = new_buf(g, n->type->size, "tuple");
		uint32_t i = 0;
		for (struct node *e = n->u.tuple.elems; e; e = e->next, i++) {
			LLVMValueRef v = cg_expr(g, e);
			store_value(g, gep(g, buf, n->type->fields[i].offset),
				    n->type->fields[i].type, v, e->type);
		}
		return buf;
	}
	case N_CAST: {
		LLVMValueRef v = cg_expr(g, n->u.cast.expr);
		if (n->type->size == 8)
			return v;
		LLVMValueRef t = LLVMBuildTrunc(g->b, v, int_type(g, n->type->size), "");
		return n->type->is_signed ? LLVMBuildSExt(g->b, t, g->i64, "")
					  : LLVMBuildZExt(g->b, t, g->i64, "");
	}
	case N_ASSIGN:
		return cg_assign(g, n);
	case N_INCDEC:
		return cg_incdec(g, n);
	default:
		return c64(g, 0);
	}
}

/* ---- statements ----------------------------------------------------------- */

static void cg_stmts(struct cg *g, struct node *list);

static void cg_block(struct cg *g, struct node *blk)
{
	if (blk && blk->kind == N_BLOCK)
		cg_stmts(g, blk->u.block.stmts);
	else if (blk)
		cg_stmts(g, blk);
}

/* A call made for its effect, as a statement: printf() and the other
 * functions without a value. False for a call this does not handle. */
static bool cg_call_stmt(struct cg *g, struct node *e)
{
	switch ((enum func_id)e->u.call.func_id) {
	case FN_PRINTF:
		cg_printf(g, e, EV_PRINTF);
		return true;
	case FN_SYSTEM:
		cg_printf(g, e, EV_SYSTEM);
		return true;
	case FN_CAT:
		cg_printf(g, e, EV_CAT);
		return true;
	case FN_TIME:
		cg_record(g, EV_TIME, e->u.call.fmt, NULL);
		return true;
	case FN_JOIN:
		cg_join(g, e);
		return true;
	case FN_SIGNAL: {
		LLVMValueRef sig = e->u.call.signal > 0
					   ? c64(g, (uint64_t)e->u.call.signal)
					   : cg_expr(g, e->u.call.args);
		LLVMValueRef args[] = {LLVMBuildTrunc(g->b, sig, g->i32, "")};
		cg_helper(g, BPF_FUNC_send_signal, g->i64, args, 1);
		return true;
	}
	case FN_EXIT:
		cg_exit(g);
		return true;
	case FN_PRINT:
		if (e->u.call.args->kind != N_MAP || e->u.call.args->u.map.keys)
			cg_record(g, EV_PRINT_VALUE, e->u.call.fmt,
				  e->u.call.args);
		else
			cg_map_event(g, e, EV_PRINT);
		return true;
	case FN_CLEAR:
		cg_map_event(g, e, EV_CLEAR);
		return true;
	case FN_ZERO:
		cg_map_event(g, e, EV_ZERO);
		return true;
	case FN_REDIRECT: {
		LLVMValueRef args[] = {c64(g, e->u.call.ifindex), c64(g, 0)};
		LLVMValueRef r = cg_helper(g, BPF_FUNC_redirect, g->i64, args, 2);
		LLVMBuildRet(g->b, LLVMBuildTrunc(g->b, r, g->i32, ""));
		LLVMPositionBuilderAtEnd(g->b, new_block(g, "after_redirect"));
		return true;
	}
	case FN_DELETE: {
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

static void cg_stmt(struct cg *g, struct node *n)
{
	set_loc(g, n->loc);
	switch (n->kind) {
	case N_EXPR_STMT: {
		struct node *e = n->u.expr_stmt.expr;
		if (e->kind == N_CALL && cg_call_stmt(g, e))
			return;
		if (e->kind == N_IDENT && e->u.ident.is_const) {
			/* a verdict: asked again for this attach point's provider */
			int64_t ret = 0;
			const struct attach_point *ap = g->pi->ap;
			ap->prov->verdict(g->c, ap, e->u.ident.name, e->loc, &ret);
			LLVMBuildRet(g->b, LLVMConstInt(g->i32, (uint64_t)ret, 1));
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
	default:
		return;
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

static bool has_for(struct node *n)
{
	for (; n; n = n->next) {
		switch (n->kind) {
		case N_FOR:
			return true;
		case N_BLOCK:
			if (has_for(n->u.block.stmts))
				return true;
			break;
		case N_IF:
			if (has_for(n->u.if_.then) || has_for(n->u.if_.els))
				return true;
			break;
		case N_WHILE:
			if (has_for(n->u.while_.body))
				return true;
			break;
		case N_UNROLL:
			if (has_for(n->u.unroll.body))
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

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

/* The program's scratch map, now that its size is known, in place of the
 * placeholder its code refers to. */
static void finish_scratch(struct cg *g, struct probe_inst *pi)
{
	if (!g->scratch_map)
		return;
	const char *name = arena_printf(&g->c->arena, "%s_scratch", pi->prog_name);
	LLVMValueRef map = emit_map(g->em, name, BPF_MAP_TYPE_PERCPU_ARRAY, 1, 4,
				    g->scratch_size, pi->probe->loc.first_line);
	LLVMReplaceAllUsesWith(g->scratch_map, map);
	LLVMDeleteGlobal(g->scratch_map);
	g->scratch_map = NULL;
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
	g->stack_budget = has_for(pi->probe->u.probe.body) ? STACK_BUFS_WITH_FOR : STACK_BUFS;
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

int cg_build(struct compilation *c, LLVMContextRef ctx, LLVMModuleRef mod, struct emit *em)
{
	struct cg g = {.c = c, .em = em, .ctx = ctx, .mod = mod};
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
		g.maps[m->index] = emit_map(em, name, type, map_is_array(m) ? 1 : c->opts->map_entries,
					    map_key_size(m),
					    agg_value_size(m), m->loc.first_line);
	}
	if (c->uses_events) {
		g.events = emit_map(em, "events", BPF_MAP_TYPE_RINGBUF, c->opts->ringbuf_size, 0, 0,
				    1);
	}

	/* license: the tracing helpers sonde uses are GPL-only */
	LLVMValueRef lic = LLVMAddGlobal(mod, LLVMArrayType2(g.i8, 4), "_license");
	LLVMSetInitializer(lic, LLVMConstStringInContext(ctx, "GPL", 3, 0));
	LLVMSetSection(lic, "license");

	for (struct probe_inst *pi = c->insts; pi; pi = pi->next)
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

/* Map descriptors for the manifest: sizes and BPF types as codegen chose. */
void cg_map_desc(const struct compilation *c, const struct map_info *m, struct map_desc *d)
{
	d->agg = m->agg;
	d->percpu = m->agg != AGG_NONE;
	d->bpf_type = map_bpf_type(m);
	d->key_size = map_key_size(m);
	d->value_size = agg_value_size(m);
	d->max_entries = map_is_array(m) ? 1 : c->opts->map_entries;
	d->lhist_min = m->lhist_min;
	d->lhist_max = m->lhist_max;
	d->lhist_step = m->lhist_step;
	d->nbuckets = m->agg == AGG_HIST    ? HIST_NBUCKETS
		      : m->agg == AGG_LHIST ? lhist_nbuckets(m->lhist_min, m->lhist_max,
							     m->lhist_step)
					    : 0;
}
