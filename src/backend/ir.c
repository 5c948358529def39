/*
 * ir.c - small builders shared by all of codegen: constants, integer types,
 * pointer arithmetic, BPF helper calls (cg_helper, and which helpers are
 * pure), intrinsic calls, blocks, bounds clamps, and values in memory: zero
 * fills, copies, loads and stores of typed values, string constants.
 */
#include "backend/cg_internal.h"

void set_loc(struct cg *g, struct loc l)
{
	g->loc = l;
	emit_loc(g->em, g->b, g->scope, l.first_line, l.first_column);
}

LLVMValueRef c64(struct cg *g, uint64_t v)
{
	return LLVMConstInt(g->i64, v, 0);
}

LLVMTypeRef int_type(struct cg *g, uint32_t size)
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
LLVMValueRef call_named(struct cg *g, const char *name, LLVMTypeRef fty, LLVMValueRef *args,
			unsigned nargs)
{
	LLVMValueRef fn = LLVMGetNamedFunction(g->mod, name);
	if (!fn)
		fn = LLVMAddFunction(g->mod, name, fty);
	return LLVMBuildCall2(g->b, fty, fn, args, nargs, "");
}

void lifetime(struct cg *g, const char *which, LLVMValueRef buf, uint64_t size)
{
	LLVMTypeRef params[] = {g->i64, g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), params, 2, 0);
	LLVMValueRef args[] = {c64(g, size), buf};
	call_named(g, which, fty, args, 2);
}

LLVMValueRef gep(struct cg *g, LLVMValueRef base, uint64_t off)
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

LLVMValueRef cg_helper(struct cg *g, enum bpf_func_id id, LLVMTypeRef ret, LLVMValueRef *args,
		       int n)
{
	LLVMTypeRef params[6];
	for (int i = 0; i < n; i++)
		params[i] = LLVMTypeOf(args[i]);
	LLVMTypeRef fty = LLVMFunctionType(ret, params, (unsigned)n, 0);
	LLVMValueRef fp = LLVMConstIntToPtr(c64(g, (uint64_t)id), g->ptr);
	LLVMValueRef call = LLVMBuildCall2(g->b, fty, fp, args, (unsigned)n, "");
	/* -k/-kk; an update with BPF_NOEXIST fails by design when another
	 * CPU inserted the key first (maps.c) */
	if (g->c->opts->helper_check && g->events &&
	    !(id == BPF_FUNC_map_update_elem && n == 4 && LLVMIsAConstantInt(args[3]) &&
	      (LLVMConstIntGetZExtValue(args[3]) & BPF_NOEXIST)))
		helper_check(g, id, call);
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

LLVMValueRef clamp(struct cg *g, LLVMValueRef v, uint64_t max)
{
	v = opaque(g, v);
	LLVMValueRef over = LLVMBuildICmp(g->b, LLVMIntUGT, v, c64(g, max), "");
	return LLVMBuildSelect(g->b, over, c64(g, max), v, "");
}

LLVMBasicBlockRef new_block(struct cg *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
}

/* Ends the program returning `v` (an i64, cut to the program's i32). In a
 * for body (a bpf_loop callback) it ends the loop and leaves `v` in the
 * loop's context, so the probe returns it once the loop is over. */
void ret_value(struct cg *g, LLVMValueRef v)
{
	if (g->in_callback) {
		/* ends the loop, and tells the probe to end too (return and
		 * exit() in a for body end the probe, as in bpftrace 0.26) */
		store64(g, gep(g, g->cb_ctx, g->cb_ret_off), c64(g, 1));
		store64(g, gep(g, g->cb_ctx, g->cb_ret_off + 8), v);
		LLVMBuildRet(g->b, c64(g, 1));
		return;
	}
	LLVMBuildRet(g->b, LLVMBuildTrunc(g->b, v, g->i32, ""));
}

/* Ends the program with the provider's default verdict (XDP_PASS for xdp,
 * 0 for tracing). */
void ret_default(struct cg *g)
{
	ret_value(g, c64(g, (uint64_t)g->pi->ap->prov->default_return));
}

/* ---- values in memory --------------------------------------------------- */

uint32_t round8(uint32_t size)
{
	return size ? (size + 7) / 8 * 8 : 8;
}

/* A read-only zero area of at least `size` bytes, in .rodata; made once
 * the largest size is known (cg_build). */
LLVMValueRef zeros_ptr(struct cg *g, uint32_t size)
{
	if (!g->zeros)
		g->zeros = LLVMAddGlobal(g->mod, g->i8, "zeros.placeholder");
	if (size > g->zeros_size)
		g->zeros_size = size;
	return g->zeros;
}

/* Zeroes `n` bytes at 8-aligned `p`. A scratch buffer's fill is volatile
 * so that LLVM does not merge it with its neighbours' into one it cannot
 * expand, and is made of several when it is longer than one can be; a
 * long fill copies from the zero area instead. */
void zero_fill(struct cg *g, LLVMValueRef p, uint32_t n, bool is_volatile)
{
	if (n <= ZERO_INLINE_MAX || (is_volatile && n <= ZERO_SCRATCH_INLINE_MAX)) {
		for (uint32_t off = 0; off < n; off += ZERO_FILL_CHUNK) {
			uint32_t len = n - off < ZERO_FILL_CHUNK ? n - off : ZERO_FILL_CHUNK;
			LLVMValueRef ms =
			    LLVMBuildMemSet(g->b, off ? gep(g, p, off) : p,
			                    LLVMConstInt(g->i8, 0, 0), c64(g, len), 8);
			if (is_volatile)
				LLVMSetOperand(ms, 3,
				               LLVMConstInt(LLVMInt1TypeInContext(g->ctx), 1, 0));
		}
		return;
	}
	LLVMValueRef args[] = {p, LLVMConstInt(g->i32, n, 0), zeros_ptr(g, n)};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
}

void copy_aligned(struct cg *g, LLVMValueRef dst, unsigned dst_align, LLVMValueRef src,
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

void copy_bytes(struct cg *g, LLVMValueRef dst, LLVMValueRef src, uint32_t n)
{
	copy_aligned(g, dst, 1, src, 1, n);
}

/* Values that live in memory and travel as pointers; the rest are i64. */
bool is_mem_type(const struct type *t)
{
	return t->kind == TYPE_STR || t->kind == TYPE_TUPLE || t->kind == TYPE_ARRAY ||
	       t->kind == TYPE_INET || t->kind == TYPE_BUF ||
	       t->kind == TYPE_USTACK || t->kind == TYPE_USYM ||
	       (t->kind == TYPE_RECORD && t->by_value);
}

LLVMValueRef load_value(struct cg *g, LLVMValueRef p, const struct type *t)
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
void store_value(struct cg *g, LLVMValueRef dst, const struct type *to, LLVMValueRef v,
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
			/* a record of another order: each field to its name's place */
			int j = tuple_field_match(to, from, i);
			const struct type_field *f = &from->fields[j < 0 ? i : (uint32_t)j];
			const struct type *ft = f->type;
			LLVMValueRef ev = load_value(g, gep(g, v, f->offset), ft);
			store_value(g, gep(g, dst, to->fields[i].offset), to->fields[i].type, ev, ft);
		}
		return;
	case TYPE_VOID:
	case TYPE_INET:
	case TYPE_KSTACK:
	case TYPE_USTACK:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_PTR:
	case TYPE_RECORD:
	case TYPE_ARRAY:
	case TYPE_BUF:
	case TYPE_TIMESTAMP:
	case TYPE_NAMED:
		if (to->kind == TYPE_RECORD && to->by_value && !from->by_value) {
			copy_record(g, dst, to, v, from);
			return;
		}
		if (is_mem_type(to)) {
			copy_bytes(g, dst, v, to->size < from->size ? to->size : from->size);
			return;
		}
		LLVMBuildStore(g->b, v, dst);
	}
}

/* A string constant in a fresh stack buffer. */
LLVMValueRef const_str(struct cg *g, const char *s, size_t len, uint32_t size)
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

LLVMValueRef load64(struct cg *g, LLVMValueRef p)
{
	return LLVMBuildLoad2(g->b, g->i64, p, "");
}

void store64(struct cg *g, LLVMValueRef p, LLVMValueRef v)
{
	LLVMBuildStore(g->b, v, p);
}

void add64(struct cg *g, LLVMValueRef p, LLVMValueRef delta)
{
	store64(g, p, LLVMBuildAdd(g->b, load64(g, p), delta, ""));
}

LLVMValueRef bool64(struct cg *g, LLVMValueRef i1)
{
	return LLVMBuildZExt(g->b, i1, g->i64, "");
}
