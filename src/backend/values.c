/*
 * values.c - records read whole: a kernel record copied into BPF memory
 * (a variable, a map key or value, an output record), members of such a
 * copy, and bitfields, wherever the record lies.
 */
#include <string.h>

#include "backend/cg_internal.h"

#include "kernel/btf.h"

/* Whether `n` is a member of a record (at its address or copied). */
bool is_record_field(const struct node *n)
{
	if (n->kind != N_FIELD)
		return false;
	const struct type *bt = n->u.field.base->type;
	const struct type *rec = bt && bt->kind == TYPE_PTR ? bt->elem : bt;
	return rec && rec->kind == TYPE_RECORD;
}

/* The `bits` bits from bit `shift` of the `nbytes` little-endian bytes at
 * BPF memory `p`, zero-extended whatever the sign of the field's declared type:
 * bpftrace reads every bitfield unsigned (a `short a : 4` holding 0xf is
 * 15, not -1), and sonde prints what bpftrace prints. */
static LLVMValueRef extract_bits(struct cg *g, LLVMValueRef p, uint32_t shift, uint32_t bits)
{
	uint32_t nbytes = (shift + bits + 7) / 8;
	LLVMValueRef word = new_buf(g, 8, "bits");
	copy_bytes(g, word, p, nbytes);
	LLVMValueRef v = load64(g, word);
	/* the field's top bit to bit 63, then down, filling with zeros */
	v = LLVMBuildShl(g->b, v, c64(g, 64 - shift - bits), "");
	return LLVMBuildLShr(g->b, v, c64(g, 64 - bits), "");
}

/* Member `name` of by-value or script record `rec`: its byte offset, and for a
 * bitfield its size and bit offset (bits from the offset's byte 0). */
static bool copy_member(const struct type *rec, const char *name, uint32_t *off, uint32_t *bits,
			uint32_t *bit_off)
{
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct type_field *f = &rec->fields[i];
		if (f->name && !strcmp(f->name, name)) {
			*off = f->offset;
			*bits = f->bit_size;
			*bit_off = f->bit_shift;
			return true;
		}
		/* a script record's anonymous member holds its own members */
		if (!f->name && f->type->kind == TYPE_RECORD &&
		    copy_member(f->type, name, off, bits, bit_off)) {
			*off += f->offset;
			return true;
		}
	}
	return false;
}

/* A member of a record: read at the record's address (through a pointer,
 * or of a record that lies in kernel or user memory), or loaded from a
 * copy in BPF memory. Bitfields are read as the bytes that hold them. */
LLVMValueRef record_field_read(struct cg *g, struct node *n)
{
	struct node *base = n->u.field.base;
	const struct type *bt = base->type;
	const struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
	uint32_t off = 0, tid, bits = 0, bit_off = 0;
	if (rec->by_value || !rec->btf_id) /* a copy's or script record's fields[] */
		copy_member(rec, n->u.field.name, &off, &bits, &bit_off);
	else
		btf_find_member(g->c->host, (uint32_t)rec->btf_id, n->u.field.name, &off, &tid,
				&bits, &bit_off);
	if (bt->kind == TYPE_RECORD && bt->by_value) {
		LLVMValueRef p = gep(g, cg_expr(g, base), off);
		if (bits)
			return extract_bits(g, p, bit_off % 8, bits);
		if (!is_mem_type(n->type) && n->type->size && off % n->type->size) {
			/* a member of a packed record: loaded where it is
			 * aligned, as the verifier wants of the stack */
			LLVMValueRef aligned = new_buf(g, 8, "member");
			copy_bytes(g, aligned, p, n->type->size);
			p = aligned;
		}
		return load_value(g, p, n->type);
	}
	if (!bits)
		return kread(g, kaddr_of(g, n), n->type, kmem_space(g, n));
	LLVMValueRef moved = core_bitfield_read(g, n, kmem_space(g, n));
	if (moved)
		return moved;
	uint32_t nbytes = (bit_off % 8 + bits + 7) / 8;
	LLVMValueRef buf = new_buf(g, 8, "bitfield");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, nbytes, 0),
			       LLVMBuildIntToPtr(g->b, kaddr_of(g, n), g->ptr, "")};
	cg_helper(g, read_helper(g, kmem_space(g, n), false), g->i64, args, 3);
	return extract_bits(g, buf, bit_off % 8, bits);
}

/* Copies the record at address `addr` (of type `from`, in its space)
 * into `dst` as by-value record `to`. */
void copy_record(struct cg *g, LLVMValueRef dst, const struct type *to, LLVMValueRef addr,
		 const struct type *from)
{
	LLVMValueRef args[] = {dst, LLVMConstInt(g->i32, to->size, 0),
			       LLVMBuildIntToPtr(g->b, addr, g->ptr, "")};
	cg_helper(g, read_helper(g, (enum addr_space)from->space, false), g->i64, args, 3);
}

/* `v` of record or array type `t` as bytes in a fresh 8-aligned buffer:
 * a record at its address is read, a copy or an array is copied. */
static LLVMValueRef bytes_of(struct cg *g, LLVMValueRef v, const struct type *t)
{
	LLVMValueRef buf = new_buf(g, round8(t->size), "cmp");
	if (t->kind == TYPE_RECORD && !t->by_value)
		copy_record(g, buf, t, v, t);
	else
		copy_bytes(g, buf, v, t->size);
	return buf;
}

/* Records bigger than this are compared in a loop: unrolled, the loads
 * of a large one are scheduled together and spill past the stack. */
enum { BYTES_EQUAL_UNROLL_MAX = 64 };

/* The bits of the word at byte `off` that lie below byte `limit` (an i64;
 * NULL: all of them), little-endian. */
static LLVMValueRef word_mask(struct cg *g, LLVMValueRef limit, LLVMValueRef off)
{
	if (!limit)
		return c64(g, ~0ull);
	LLVMValueRef past = LLVMBuildICmp(g->b, LLVMIntUGT, limit, off, "");
	LLVMValueRef n = LLVMBuildSelect(g->b, past, LLVMBuildSub(g->b, limit, off, ""), c64(g, 0),
					 "");
	LLVMValueRef whole = LLVMBuildICmp(g->b, LLVMIntUGE, n, c64(g, 8), "");
	/* n < 8 where it is used: the shift stays below 64 */
	LLVMValueRef bits = LLVMBuildShl(g->b, LLVMBuildAnd(g->b, n, c64(g, 7), ""), c64(g, 3), "");
	LLVMValueRef part = LLVMBuildSub(g->b, LLVMBuildShl(g->b, c64(g, 1), bits, ""), c64(g, 1), "");
	return LLVMBuildSelect(g->b, whole, c64(g, ~0ull), part, "");
}

/* 1 when the `size` bytes (a multiple of 8) at pa and pb are equal below
 * byte `limit` (NULL: all): a bounded loop over the words, which the
 * verifier walks to its end. */
static LLVMValueRef bytes_equal_loop(struct cg *g, LLVMValueRef pa, LLVMValueRef pb,
				     uint32_t size, LLVMValueRef limit)
{
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef loop = new_block(g, "bytes_eq"), done = new_block(g, "bytes_eq_done");
	LLVMBuildBr(g->b, loop);
	LLVMPositionBuilderAtEnd(g->b, loop);
	LLVMValueRef off = LLVMBuildPhi(g->b, g->i64, "off");
	LLVMValueRef diff = LLVMBuildPhi(g->b, g->i64, "diff");
	LLVMValueRef xa = LLVMBuildInBoundsGEP2(g->b, g->i8, pa, &off, 1, "");
	LLVMValueRef xb = LLVMBuildInBoundsGEP2(g->b, g->i8, pb, &off, 1, "");
	LLVMValueRef x = LLVMBuildXor(g->b, load64(g, xa), load64(g, xb), "");
	x = LLVMBuildAnd(g->b, x, word_mask(g, limit, off), "");
	LLVMValueRef diff_next = LLVMBuildOr(g->b, diff, x, "");
	LLVMValueRef off_next = LLVMBuildAdd(g->b, off, c64(g, 8), "");
	LLVMValueRef more = LLVMBuildICmp(g->b, LLVMIntULT, off_next, c64(g, size), "");
	LLVMBuildCondBr(g->b, more, loop, done);
	LLVMValueRef off_in[] = {c64(g, 0), off_next}, diff_in[] = {c64(g, 0), diff_next};
	LLVMBasicBlockRef from[] = {pre, loop};
	LLVMAddIncoming(off, off_in, from, 2);
	LLVMAddIncoming(diff, diff_in, from, 2);
	LLVMPositionBuilderAtEnd(g->b, done);
	return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, diff_next, c64(g, 0), ""));
}

/* a == b on two records of one type (each at its address or a copy) or
 * two arrays of one type: 1 when every byte is equal. Compared a word at
 * a time without branches (the buffers are zero past the size), so the
 * verifier sees straight code. */
static LLVMValueRef equal_below(struct cg *g, LLVMValueRef pa, LLVMValueRef pb, uint32_t size,
				LLVMValueRef limit)
{
	if (size > BYTES_EQUAL_UNROLL_MAX)
		return bytes_equal_loop(g, pa, pb, round8(size), limit);
	LLVMValueRef diff = c64(g, 0);
	for (uint32_t off = 0; off < size; off += 8) {
		LLVMValueRef x = LLVMBuildXor(g->b, load64(g, gep(g, pa, off)),
					      load64(g, gep(g, pb, off)), "");
		x = LLVMBuildAnd(g->b, x, word_mask(g, limit, c64(g, off)), "");
		diff = LLVMBuildOr(g->b, diff, x, "");
	}
	return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, diff, c64(g, 0), ""));
}

LLVMValueRef bytes_equal(struct cg *g, LLVMValueRef a, const struct type *at, LLVMValueRef b,
			 const struct type *bt)
{
	LLVMValueRef pa = bytes_of(g, a, at), pb = bytes_of(g, b, bt);
	return equal_below(g, pa, pb, at->size, NULL);
}

/* a == b on two buffers (TYPE_BUF: a u32 length, then the bytes), of any
 * sizes: 1 when the lengths are equal and so are the bytes below the
 * length. The bytes past it need not be zero (buf("hello", $n) copies the
 * whole literal), so they are masked off. With equal lengths the length
 * is at most the smaller size, so the first min(sizes) bytes decide. */
LLVMValueRef buf_equal(struct cg *g, LLVMValueRef a, const struct type *at, LLVMValueRef b,
		       const struct type *bt)
{
	struct type common = *(at->size <= bt->size ? at : bt);
	/* a buffer on the stack is 8-aligned and rounded up to 8 bytes
	 * (buf_new, variables' slots): compared where it is; one elsewhere
	 * (a map value) is copied first, the words read past its end */
	LLVMValueRef pa = LLVMIsAAllocaInst(a) ? a : bytes_of(g, a, &common);
	LLVMValueRef pb = LLVMIsAAllocaInst(b) ? b : bytes_of(g, b, &common);
	LLVMValueRef la = LLVMBuildZExt(g->b, LLVMBuildLoad2(g->b, g->i32, pa, ""), g->i64, "");
	/* the length word itself, then the bytes: 4 + the first length */
	LLVMValueRef limit = LLVMBuildAdd(g->b, la, c64(g, 4), "");
	LLVMValueRef lb = LLVMBuildZExt(g->b, LLVMBuildLoad2(g->b, g->i32, pb, ""), g->i64, "");
	LLVMValueRef same_len = bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, la, lb, ""));
	return LLVMBuildAnd(g->b, same_len, equal_below(g, pa, pb, common.size, limit), "");
}
