/*
 * ctx.c - reads of the probe's context (arguments, return value, packet
 * fields) as the attach point lays them out, and of memory by address:
 * which address space a value points into, which helper reads it, and
 * kernel memory through BTF types (fields, elements, *p). Which context
 * builtin reads what is builtins/context.c's expr_access().
 */
#include "backend/cg_internal.h"

#include <stdlib.h>

#include "bpf-runtime/pkt.h"
#include "front/cdecl.h"
#include "kernel/btf.h"

static LLVMValueRef widen(struct cg *g, LLVMValueRef v, const struct ctx_access *acc)
{
	if (acc->size == 8)
		return v;
	return acc->is_signed ? LLVMBuildSExt(g->b, v, g->i64, "") : LLVMBuildZExt(g->b, v, g->i64, "");
}

/* Parses the packet's TCP or UDP header if no earlier read on this path
 * did (bpf-runtime/pkt.c). */
void pkt_parse_l4(struct cg *g)
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

static LLVMValueRef core_access(struct cg *g, LLVMValueRef base, LLVMMetadataRef di,
				unsigned index, bool word_aligned);

/* The address of a context field whose offset a CO-RE relocation on the
 * record's struct sets (acc->core_rec_id); NULL when the struct cannot be
 * named so. */
static LLVMValueRef core_ctx_field(struct cg *g, const struct ctx_access *acc)
{
	const struct btf *kbtf = btf_vmlinux(g->c->host);
	unsigned index;
	LLVMMetadataRef di = kbtf ? emit_core_member(g->em, kbtf, acc->core_rec_id,
						     acc->core_member, acc->offset * 8, 0,
						     acc->core_member_type, &index)
				  : NULL;
	return di ? core_access(g, LLVMBuildPtrToInt(g->b, g->ctxarg, g->i64, ""), di, index,
				false)
		  : NULL;
}

LLVMValueRef ctx_read(struct cg *g, const struct ctx_access *acc)
{
	bool at_offset =
	    acc->kind != CTX_PKT && acc->kind != CTX_CONST && acc->kind != CTX_FUNC_RET;
	/* a served syscall program (argbase) reads the record it rebuilt
	 * from the registers, not the context: no relocation applies there */
	LLVMValueRef p =
	    at_offset && acc->core_rec_id && !g->argbase ? core_ctx_field(g, acc) : NULL;
	if (at_offset && !p) {
		/* sema left the object portable, counting on the relocation */
		if (acc->core_rec_id)
			compilation_bind_kernel(
			    g->c, (struct loc){0},
			    arena_printf(&g->c->arena,
					 "a tracepoint field %s (its offset in this kernel)",
					 acc->core_member));
		p = gep(g, g->argbase ? g->argbase : g->ctxarg, acc->offset);
	}
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
	case CTX_FUNC_RET: {
		LLVMValueRef buf = new_buf(g, 8, "funcret");
		store64(g, buf, c64(g, 0));
		LLVMValueRef args[] = {g->ctxarg, buf};
		cg_helper(g, BPF_FUNC_get_func_ret, g->i64, args, 2);
		LLVMValueRef v = LLVMBuildLoad2(g->b, g->i64, buf, "");
		LLVMSetAlignment(v, 8);
		if (acc->size == 8)
			return v;
		return widen(g, LLVMBuildTrunc(g->b, v, int_type(g, acc->size), ""), acc);
	}
	case CTX_USER_MEM: {
		/* a usdt argument spilled to memory: disp(%reg[,%index,scale]) */
		LLVMValueRef base = LLVMBuildLoad2(g->b, g->i64, p, "");
		LLVMSetAlignment(base, 8);
		if (acc->scale) {
			LLVMValueRef ix =
			    LLVMBuildLoad2(g->b, g->i64, gep(g, g->ctxarg, acc->index_offset), "");
			LLVMSetAlignment(ix, 8);
			base = LLVMBuildAdd(g->b, base, LLVMBuildMul(g->b, ix, c64(g, acc->scale), ""),
					    "");
		}
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
		/* parsed at the start already when the block rewrites the
		 * packet (a tc rewrite leaves no packet pointer to parse with) */
		if (pkt_field_in_l4(acc->offset) && !g->in_callback && !g->pi->pkt_l4_eager)
			pkt_parse_l4(g);
		LLVMValueRef fp = gep(g, g->pkt, acc->offset);
		return load_value(g, fp, acc->type);
	}
	case CTX_DATA_LOC: {
		LLVMValueRef loc = LLVMBuildLoad2(g->b, g->i32, p, "");
		LLVMValueRef off = LLVMBuildZExt(
			g->b, LLVMBuildAnd(g->b, loc, LLVMConstInt(g->i32, 0xffff, 0), ""), g->i64,
			"");
		LLVMValueRef src = LLVMBuildInBoundsGEP2(g->b, g->i8, g->argbase ? g->argbase : g->ctxarg,
		                                         &off, 1, "");
		LLVMValueRef buf = new_buf(g, acc->type->size, "dataloc");
		LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, acc->type->size, 0), src};
		cg_helper(g, BPF_FUNC_probe_read_kernel_str, g->i64, args, 3);
		return buf;
	}
	}
	return c64(g, 0);
}

/* The address space of the memory `n` refers to (see enum addr_space).
 * A context value is asked of this program's own attach point (the type
 * merges the block's attach points); a variable or map by its final type,
 * which every assignment has merged into. */
enum addr_space value_space(struct cg *g, struct node *n)
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
enum bpf_func_id read_helper(struct cg *g, enum addr_space space, bool str)
{
	if (space == SPACE_USER)
		return str ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_user;
	if (space == SPACE_KERNEL || (g->pi->ap->prov->ctx & CTX_HAS_PKT))
		return str ? BPF_FUNC_probe_read_kernel_str : BPF_FUNC_probe_read_kernel;
	return str ? BPF_FUNC_probe_read_str : BPF_FUNC_probe_read;
}

/* ---- kernel memory (BTF types) ------------------------------------------ */

/* Whether `n` names memory read at an address: a field through a typed
 * pointer or of a record, an element of such an array or through a
 * pointer, or *p. */
bool is_kmem(struct node *n)
{
	if (n->kind == N_UNOP && n->u.unop.op == OP_DEREF)
		return true;
	if (n->kind == N_FIELD) {
		struct type *bt = n->u.field.base->type;
		return bt && (bt->kind == TYPE_PTR || (bt->kind == TYPE_RECORD && !bt->by_value));
	}
	if (n->kind == N_INDEX) {
		struct type *bt = n->u.index.base->type;
		return bt && (bt->kind == TYPE_PTR ||
			      ((bt->kind == TYPE_ARRAY || bt->kind == TYPE_STR) &&
			       is_kmem(n->u.index.base)));
	}
	return false;
}

/* The address of member `n` of kernel struct `rec` at `base` as a CO-RE
 * relocation, the way clang lowers __builtin_preserve_access_index: an
 * llvm.preserve.struct.access.index call whose debug type names the
 * struct and member, which the BPF backend turns into an add of an
 * offset libbpf rewrites at load to the running kernel's (off, this
 * kernel's, is only what the object says until then). NULL when the
 * struct cannot be named that way (anonymous, a union). */
static LLVMValueRef core_access(struct cg *g, LLVMValueRef base, LLVMMetadataRef di,
				unsigned index, bool word_aligned)
{
	/* the IR type only gives the record's alignment (8 for bitfields:
	 * the BPF backend finds a bitfield's word by it) and room for index */
	LLVMTypeRef *fields = calloc(index + 1, sizeof(*fields));
	if (!fields)
		return NULL;
	for (unsigned i = 0; i <= index; i++)
		fields[i] = g->i8;
	if (word_aligned)
		fields[0] = g->i64;
	LLVMTypeRef stand_in = LLVMStructTypeInContext(g->ctx, fields, index + 1, 0);
	free(fields);
	static const char name[] = "llvm.preserve.struct.access.index";
	unsigned id = LLVMLookupIntrinsicID(name, sizeof(name) - 1);
	LLVMTypeRef over[] = {g->ptr, g->ptr};
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, over, 2);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, over, 2);
	LLVMValueRef args[] = {LLVMBuildIntToPtr(g->b, base, g->ptr, ""),
			       LLVMConstInt(g->i32, index, 0), LLVMConstInt(g->i32, index, 0)};
	LLVMValueRef call = LLVMBuildCall2(g->b, fty, fn, args, 3, "");
	static const char et[] = "elementtype";
	LLVMAddCallSiteAttribute(
	    call, 1,
	    LLVMCreateTypeAttribute(g->ctx, LLVMGetEnumAttributeKindForName(et, sizeof(et) - 1),
				    stand_in));
	static const char md[] = "llvm.preserve.access.index";
	LLVMSetMetadata(call, LLVMGetMDKindIDInContext(g->ctx, md, sizeof(md) - 1),
			LLVMMetadataAsValue(g->ctx, di));
	return call;
}

static LLVMValueRef core_member_addr(struct cg *g, LLVMValueRef base, const struct type *rec,
				     struct node *n, uint32_t off, uint32_t member_type)
{
	const struct btf *kbtf = btf_vmlinux(g->c->host);
	unsigned index;
	LLVMMetadataRef di = kbtf ? emit_core_member(g->em, kbtf, (uint32_t)rec->btf_id,
						     n->u.field.name, off * 8, 0, member_type, &index)
				  : NULL;
	LLVMValueRef p = di ? core_access(g, base, di, index, false) : NULL;
	return p ? LLVMBuildPtrToInt(g->b, p, g->i64, "") : NULL;
}

/* Bitfield `n` of kernel struct `rec` at `base`, as libbpf's
 * BPF_CORE_READ_BITFIELD_PROBED reads one: the byte offset and size of
 * the word holding it and the two shifts that isolate it are CO-RE field
 * relocations (llvm.bpf.preserve.field.info), set at load for the running
 * kernel, which sees them as constants (the read's size too). The word is
 * read into the low bytes of a zeroed u64. NULL when the struct cannot be
 * named, or the field crosses a 64-bit boundary (the BPF backend wants it
 * within one word of the record's 8-byte alignment). */
LLVMValueRef core_bitfield_read(struct cg *g, struct node *n, enum addr_space space)
{
	struct node *base = n->u.field.base;
	const struct type *bt = base->type;
	const struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
	uint32_t off, tid, bits, bit_off;
	const struct btf *kbtf = btf_vmlinux(g->c->host);
	if (!kbtf || cdecl_is_script_record(rec) ||
	    btf_find_member(g->c->host, (uint32_t)rec->btf_id, n->u.field.name, &off, &tid, &bits,
			    &bit_off) ||
	    !bits || bit_off / 64 != (bit_off + bits - 1) / 64)
		return NULL;
	unsigned index;
	LLVMMetadataRef di = emit_core_member(g->em, kbtf, (uint32_t)rec->btf_id, n->u.field.name,
					      bit_off, bits, tid, &index);
	if (!di)
		return NULL;
	LLVMValueRef b = cg_expr(g, base);
	static const char name[] = "llvm.bpf.preserve.field.info";
	unsigned id = LLVMLookupIntrinsicID(name, sizeof(name) - 1);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &g->ptr, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &g->ptr, 1);
	/* libbpf's enum bpf_field_info_kind */
	enum { BYTE_OFFSET = 0, BYTE_SIZE = 1, LSHIFT_U64 = 4, RSHIFT_U64 = 5 };
	static const int kinds[] = {BYTE_OFFSET, BYTE_SIZE, LSHIFT_U64, RSHIFT_U64};
	LLVMValueRef info[4];
	for (int i = 0; i < 4; i++) {
		LLVMValueRef access = core_access(g, b, di, index, true);
		if (!access)
			return NULL;
		LLVMValueRef args[] = {access, LLVMConstInt(g->i64, (unsigned long long)kinds[i], 0)};
		info[i] = LLVMBuildZExt(g->b, LLVMBuildCall2(g->b, fty, fn, args, 2, ""), g->i64, "");
	}
	LLVMValueRef word = new_buf(g, 8, "bitfield");
	store64(g, word, c64(g, 0));
	LLVMValueRef at = LLVMBuildIntToPtr(g->b, LLVMBuildAdd(g->b, b, info[0], ""), g->ptr, "");
	LLVMValueRef args[] = {word, LLVMBuildTrunc(g->b, info[1], g->i32, ""), at};
	cg_helper(g, read_helper(g, space, false), g->i64, args, 3);
	LLVMValueRef v = LLVMBuildShl(g->b, load64(g, word), info[2], "");
	return LLVMBuildLShr(g->b, v, info[3], "");
}

/* The address a kmem expression reads (see is_kmem). */
LLVMValueRef kaddr_of(struct cg *g, struct node *n)
{
	if (n->kind == N_UNOP)
		return cg_expr(g, n->u.unop.operand);
	if (n->kind == N_FIELD) {
		struct node *base = n->u.field.base;
		struct type *bt = base->type;
		struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
		/* a pointer's value, or a record's (its address: kread) */
		LLVMValueRef b = cg_expr(g, base);
		uint32_t off = 0, tid = 0, bits = 0, bit_off;
		if (cdecl_is_script_record(rec))
			cdecl_find_member(rec, n->u.field.name, &off, NULL);
		else {
			btf_find_member(g->c->host, (uint32_t)rec->btf_id, n->u.field.name, &off,
					&tid, &bits, &bit_off);
			LLVMValueRef moved = bits ? NULL : core_member_addr(g, b, rec, n, off, tid);
			if (moved)
				return moved;
			compilation_bind_kernel(
			    g->c, n->loc,
			    arena_printf(&g->c->arena,
					 bits ? "bitfield %s of %s"
					      : "member %s of %s (an anonymous struct or a union)",
					 n->u.field.name, type_name(&g->c->arena, rec)));
		}
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
enum addr_space kmem_space(struct cg *g, struct node *n)
{
	if (n->kind == N_UNOP)
		return value_space(g, n->u.unop.operand);
	return value_space(g, n->kind == N_FIELD ? n->u.field.base : n->u.index.base);
}

/* Reads a value of type `t` at address `addr` in `space`. A record is not
 * read: its value is its address; a copied one (the pointee of &$s) is
 * read whole. */
LLVMValueRef kread(struct cg *g, LLVMValueRef addr, const struct type *t, enum addr_space space)
{
	if (t->kind == TYPE_RECORD && !t->by_value)
		return addr;
	LLVMValueRef buf = new_buf(g, t->size, "kread");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, t->size, 0),
			       LLVMBuildIntToPtr(g->b, addr, g->ptr, "")};
	cg_helper(g, read_helper(g, space, false), g->i64, args, 3);
	return load_value(g, buf, t);
}
