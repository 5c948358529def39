/*
 * expr.c - expressions: operators (one arith_op for binary operators and
 * compound assignment), string comparison, assignment, ++/--, indexing,
 * ternaries, tuples and casts.
 */
#include "backend/cg_internal.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "bpf-runtime/pkt.h"

static LLVMValueRef cg_expr_here(struct cg *g, struct node *n);

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

/* Two tuples in memory, equal when each element is (sema checked that
 * their elements pair up: integers, strings, tuples); 1 or 0. */
static LLVMValueRef tuple_equal(struct cg *g, LLVMValueRef a, const struct type *at,
				LLVMValueRef b, const struct type *bt)
{
	LLVMValueRef all = c64(g, 1);
	for (uint32_t i = 0; i < at->nfields; i++) {
		const struct type *x = at->fields[i].type, *y = bt->fields[i].type;
		LLVMValueRef pa = gep(g, a, at->fields[i].offset);
		LLVMValueRef pb = gep(g, b, bt->fields[i].offset);
		LLVMValueRef eq;
		if (x->kind == TYPE_TUPLE)
			eq = tuple_equal(g, pa, x, pb, y);
		else if (x->kind == TYPE_STR)
			eq = str_equal(g, pa, x->size, pb, y->size);
		else
			eq = bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, load_value(g, pa, x),
						     load_value(g, pb, y), ""));
		all = LLVMBuildAnd(g->b, all, eq, "");
	}
	return all;
}

/* The 32-bit word at byte `off` of an inet value (a u32 family, then the
 * address): the value is 4-aligned wherever it lives. */
static LLVMValueRef inet_word(struct cg *g, LLVMValueRef p, uint32_t off)
{
	return LLVMBuildLoad2(g->b, g->i32, gep(g, p, off), "");
}

/* a == b on two inet values: the same family and the same address as
 * that family defines it, the first 4 bytes for AF_INET (whatever lies
 * past them: ntop(AF_INET, $buf16) keeps all 16) and all 16 otherwise;
 * 1 or 0. Branch-free, so the verifier sees straight code. */
static LLVMValueRef inet_equal(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef fam = inet_word(g, a, 0);
	LLVMValueRef same = LLVMBuildICmp(g->b, LLVMIntEQ, fam, inet_word(g, b, 0), "");
	LLVMValueRef rest = LLVMConstInt(g->i32, 0, 0);
	for (uint32_t off = 8; off < 20; off += 4)
		rest = LLVMBuildOr(g->b, rest,
		                   LLVMBuildXor(g->b, inet_word(g, a, off), inet_word(g, b, off), ""),
		                   "");
	LLVMValueRef first = LLVMBuildICmp(g->b, LLVMIntEQ, inet_word(g, a, 4), inet_word(g, b, 4), "");
	LLVMValueRef v4 = LLVMBuildICmp(g->b, LLVMIntEQ, fam, LLVMConstInt(g->i32, AF_INET, 0), "");
	LLVMValueRef rest_same =
	    LLVMBuildOr(g->b, v4, LLVMBuildICmp(g->b, LLVMIntEQ, rest, LLVMConstInt(g->i32, 0, 0), ""),
	                "");
	LLVMValueRef eq = LLVMBuildAnd(g->b, LLVMBuildAnd(g->b, same, first, ""), rest_same, "");
	return bool64(g, eq);
}

/* v in NET: v's family is the network's and its first `prefix` bits are
 * the network's (a literal, so the masks are constants; the words are
 * loaded as the target's little-endian u32s of network-order bytes). */
static LLVMValueRef inet_in(struct cg *g, LLVMValueRef v, const struct node *net)
{
	uint32_t family = net->u.inet.family;
	int bits = family == AF_INET ? 32 : 128;
	int prefix = net->u.inet.prefix < 0 ? bits : net->u.inet.prefix;
	LLVMValueRef all = LLVMBuildICmp(g->b, LLVMIntEQ, inet_word(g, v, 0),
	                                 LLVMConstInt(g->i32, family, 0), "");
	for (int word = 0; word * 32 < prefix; word++) {
		uint32_t mask = 0, want = 0;
		for (int byte = 0; byte < 4; byte++) {
			int first_bit = word * 32 + byte * 8;
			int keep = prefix - first_bit; /* bits of this byte inside the prefix */
			uint8_t m = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
			mask |= (uint32_t)m << (8 * byte);
			want |= (uint32_t)(net->u.inet.addr[word * 4 + byte] & m) << (8 * byte);
		}
		LLVMValueRef w = LLVMBuildAnd(g->b, inet_word(g, v, 4 + 4 * (uint32_t)word),
		                              LLVMConstInt(g->i32, mask, 0), "");
		all = LLVMBuildAnd(
		    g->b, all, LLVMBuildICmp(g->b, LLVMIntEQ, w, LLVMConstInt(g->i32, want, 0), ""), "");
	}
	return bool64(g, all);
}

/* An address literal: its 20 bytes (family, then the address) */
static LLVMValueRef inet_literal(struct cg *g, const struct node *n)
{
	LLVMValueRef buf = new_buf(g, 20, "inet");
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, n->u.inet.family, 0), buf);
	for (uint32_t off = 0; off < 16; off += 4) {
		const uint8_t *b = n->u.inet.addr + off;
		uint32_t word = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
		if (word)
			LLVMBuildStore(g->b, LLVMConstInt(g->i32, word, 0), gep(g, buf, 4 + off));
	}
	return buf;
}

/* Division and modulo by zero give 0, never a trap or a verifier error. */
LLVMValueRef safe_divmod(struct cg *g, enum ast_op op, LLVMValueRef l, LLVMValueRef r,
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
	case OP_NONE:
	case OP_LAND:
	case OP_LOR:
	case OP_EQ:
	case OP_NE:
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
	case OP_NEG:
	case OP_PLUS:
	case OP_NOT:
	case OP_BNOT:
	case OP_DEREF:
	case OP_ADDR:
	case OP_PREINC:
	case OP_PREDEC:
	case OP_POSTINC:
	case OP_POSTDEC:
	case OP_IN:
		break;
	}
	return NULL;
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
	if (op == OP_IN && n->u.binop.rhs->kind == N_MAP) {
		/* ADDR in @set (an lpm() map): the longest prefix found or not */
		struct node *set = n->u.binop.rhs;
		LLVMValueRef key = map_key(g, set);
		LLVMValueRef p = map_lookup(g, set->u.map.info, key);
		buf_done(g, key);
		return bool64(g, LLVMBuildIsNotNull(g->b, p, ""));
	}
	if (op == OP_IN)
		return inet_in(g, cg_expr(g, n->u.binop.lhs), n->u.binop.rhs);
	struct type *lt = n->u.binop.lhs->type, *rt = n->u.binop.rhs->type;
	LLVMValueRef l = cg_expr(g, n->u.binop.lhs);
	LLVMValueRef r = cg_expr(g, n->u.binop.rhs);
	if ((op == OP_EQ || op == OP_NE) && lt->kind == TYPE_INET) {
		LLVMValueRef eq = inet_equal(g, l, r);
		return op == OP_EQ ? eq : LLVMBuildXor(g->b, eq, c64(g, 1), "");
	}
	if ((op == OP_EQ || op == OP_NE) && (lt->kind == TYPE_RECORD || lt->kind == TYPE_ARRAY)) {
		LLVMValueRef eq = bytes_equal(g, l, lt, r, rt);
		return op == OP_EQ ? eq : LLVMBuildXor(g->b, eq, c64(g, 1), "");
	}
	if ((op == OP_EQ || op == OP_NE) && lt->kind == TYPE_BUF && rt->kind == TYPE_BUF) {
		LLVMValueRef eq = buf_equal(g, l, lt, r, rt);
		return op == OP_EQ ? eq : LLVMBuildXor(g->b, eq, c64(g, 1), "");
	}
	if ((op == OP_EQ || op == OP_NE) && lt->kind == TYPE_TUPLE) {
		LLVMValueRef eq = tuple_equal(g, l, lt, r, rt);
		return op == OP_EQ ? eq : LLVMBuildXor(g->b, eq, c64(g, 1), "");
	}
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
	case OP_NONE:
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
	case OP_MOD:
	case OP_BAND:
	case OP_BOR:
	case OP_BXOR:
	case OP_SHL:
	case OP_SHR:
	case OP_LAND:
	case OP_LOR:
	case OP_NEG:
	case OP_PLUS:
	case OP_NOT:
	case OP_BNOT:
	case OP_DEREF:
	case OP_ADDR:
	case OP_PREINC:
	case OP_PREDEC:
	case OP_POSTINC:
	case OP_POSTDEC:
	case OP_IN:
		break;
	}
	return c64(g, 0);
}

/* How far $p += 1 or $p++ moves a pointer: one element, or one byte for
 * a pointer to void. */
static uint64_t ptr_step(const struct type *t)
{
	return t->elem && t->elem->kind != TYPE_VOID && t->elem->size ? t->elem->size : 1;
}

/* pkt.NAME = value (sema made `op=` a plain assignment): the provider's
 * setter rewrites the packet and the parsed copy (bpf-runtime/pkt.c). */
static LLVMValueRef cg_pkt_assign(struct cg *g, struct node *n)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	int set = sema_pkt_setter(lhs->u.field.name);
	const char *setter = g->pi->ap->prov->pkt_setter;
	LLVMValueRef v = cg_expr(g, rhs);
	if (!g->pkt || !setter || set < 0)
		return c64(g, 0);
	/* a port or address rewrite needs the transport header's place (its
	 * checksum); the TTL's checksum is the IPv4 header's */
	if (set != SONDE_PKT_SET_TTL && !g->pi->pkt_l4_eager)
		pkt_parse_l4(g);
	LLVMValueRef value = c64(g, 0), addr = LLVMConstNull(g->ptr);
	if (rhs->type->kind == TYPE_INET)
		addr = v;
	else
		value = v;
	LLVMTypeRef params[] = {g->ptr, g->ptr, g->i32, g->i64, g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), params, 5, 0);
	LLVMValueRef args[] = {g->ctxarg, g->pkt, LLVMConstInt(g->i32, (uint64_t)set, 0), value,
			       addr};
	call_named(g, setter, fty, args, 5);
	return c64(g, 0);
}

static LLVMValueRef cg_assign(struct cg *g, struct node *n)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	if (lhs->kind == N_FIELD)
		return cg_pkt_assign(g, n);
	if (!rhs) {
		/* `let $x;` (bpftrace 0.26): $x is 0 (or "") from here on */
		struct var_info *vi = lhs->u.var.info;
		zero_fill(g, var_slot(g, vi), vi->type->size, false);
		return c64(g, 0);
	}
	if (lhs->kind == N_MAP && rhs->kind == N_CALL && lhs->u.map.info->agg != AGG_NONE &&
	    n->u.assign.op == OP_NONE) {
		cg_aggregate(g, lhs, rhs);
		return c64(g, 0);
	}
	LLVMValueRef v = cg_expr(g, rhs);
	struct type *vt = rhs->type;
	if (n->u.assign.op != OP_NONE) {
		/* a -kk lookup report of `@m[k] += v` is at the map, as bpftrace's */
		struct loc outer = g->loc;
		if (lhs->kind == N_MAP)
			g->loc = lhs->loc;
		LLVMValueRef cur = lhs->kind == N_MAP
					   ? map_read(g, lhs)
					   : load_value(g, var_slot(g, lhs->u.var.info), lhs->type);
		g->loc = outer;
		if (lhs->type->kind == TYPE_PTR)
			v = LLVMBuildMul(g->b, v, c64(g, ptr_step(lhs->type)), "");
		LLVMValueRef x = arith_op(g, n->u.assign.op, cur, v, lhs->type->is_signed);
		if (x)
			v = x;
		vt = lhs->type;
	}
	if (lhs->kind == N_MAP) {
		/* a failed update (-k) is reported at the '=', and at the
		 * whole of `@m[k] += v`, as bpftrace does */
		struct loc outer = g->loc;
		if (n->u.assign.op == OP_NONE && n->u.assign.op_loc.first_line)
			g->loc = n->u.assign.op_loc;
		map_write(g, lhs, v, vt);
		g->loc = outer;
	} else
		store_value(g, var_slot(g, lhs->u.var.info), lhs->u.var.info->type, v, vt);
	return c64(g, 0);
}

static LLVMValueRef cg_incdec(struct cg *g, struct node *n)
{
	struct node *o = n->u.incdec.operand;
	enum ast_op op = n->u.incdec.op;
	/* bpftrace puts a -kk report of ++@m[k] at the "++", of @m[k]++ at
	 * the whole */
	struct loc outer = g->loc;
	if (op == OP_PREINC || op == OP_PREDEC) {
		g->loc.last_line = g->loc.first_line;
		g->loc.last_column = g->loc.first_column + 1;
	}
	LLVMValueRef cur = o->kind == N_MAP ? map_read(g, o)
					    : load_value(g, var_slot(g, o->u.var.info), o->type);
	g->loc = outer;
	bool inc = op == OP_PREINC || op == OP_POSTINC;
	LLVMValueRef step = c64(g, o->type->kind == TYPE_PTR ? ptr_step(o->type) : 1);
	LLVMValueRef nv =
	    inc ? LLVMBuildAdd(g->b, cur, step, "") : LLVMBuildSub(g->b, cur, step, "");
	if (o->kind == N_MAP)
		map_write(g, o, nv, o->type);
	else
		store_value(g, var_slot(g, o->u.var.info), o->u.var.info->type, nv, o->type);
	return (op == OP_PREINC || op == OP_PREDEC) ? nv : cur;
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

/* &$x as a plain integer. The verifier tracks a stack address as a
 * pointer wherever it is copied, and refuses one stored in another
 * function's frame (a for body's callback writes the probe's variables);
 * read back through bpf_probe_read_kernel, it is a number like any other,
 * and a read through it reads the slot as it is then. */
static LLVMValueRef address_of_var(struct cg *g, struct var_info *v)
{
	LLVMValueRef addr = LLVMBuildPtrToInt(g->b, var_slot(g, v), g->i64, "");
	LLVMValueRef held = new_buf(g, 8, "addr_of");
	store64(g, held, addr);
	LLVMValueRef out = new_buf_filled_by_callee(g, 8, "addr_of_value");
	LLVMValueRef args[] = {out, LLVMConstInt(g->i32, 8, 0), held};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, args, 3);
	return load64(g, out);
}

LLVMValueRef cg_expr(struct cg *g, struct node *n)
{
	/* buffers made after an operand's code belong to `n`: an error about
	 * them points here, not at the last operand */
	struct loc outer = g->loc, outer_span = g->call_span;
	LLVMValueRef v = cg_expr_here(g, n);
	g->loc = outer;
	g->call_span = outer_span;
	return v;
}

static LLVMValueRef cg_expr_here(struct cg *g, struct node *n)
{
	if (n == g->evaluated)
		return g->evaluated_value;
	set_loc(g, n->loc);
	/* a call's helpers are at the whole call (-k/-kk reports) */
	if (n->kind == N_CALL)
		g->call_span = n->u.call.span;
	switch (n->kind) {
	case N_INT:
		return c64(g, n->u.int_lit.value);
	case N_STR:
		return const_str(g, n->u.str.s, n->u.str.len, n->type->size);
	case N_INET:
		return inet_literal(g, n);
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
		if (n->u.unop.op == OP_DEREF) {
			LLVMValueRef addr = kaddr_of(g, n);
			/* a failed read (-kk) is reported at the '*', as bpftrace
			 * does; cg_expr() restores the place afterwards */
			g->loc.last_line = g->loc.first_line;
			g->loc.last_column = g->loc.first_column;
			return kread(g, addr, n->type, kmem_space(g, n));
		}
		if (n->u.unop.op == OP_ADDR) /* &$x (sema allows only variables) */
			return address_of_var(g, n->u.unop.operand->u.var.info);
		LLVMValueRef v = cg_expr(g, n->u.unop.operand);
		switch (n->u.unop.op) {
		case OP_NEG:
			return LLVMBuildNeg(g->b, v, "");
		case OP_NOT:
			return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, v, c64(g, 0), ""));
		case OP_BNOT:
			return LLVMBuildNot(g->b, v, "");
		case OP_NONE:
		case OP_ADD:
		case OP_SUB:
		case OP_MUL:
		case OP_DIV:
		case OP_MOD:
		case OP_BAND:
		case OP_BOR:
		case OP_BXOR:
		case OP_SHL:
		case OP_SHR:
		case OP_LAND:
		case OP_LOR:
		case OP_EQ:
		case OP_NE:
		case OP_LT:
		case OP_LE:
		case OP_GT:
		case OP_GE:
		case OP_PLUS:
		case OP_DEREF:
		case OP_ADDR:
		case OP_PREINC:
		case OP_PREDEC:
		case OP_POSTINC:
		case OP_POSTDEC:
		case OP_IN:
			break;
		}
		return v;
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
		/* cond ?: els: the condition's value, computed once */
		LLVMValueRef a = n->u.ternary.then ? cg_expr(g, n->u.ternary.then) : c;
		struct type *at = n->u.ternary.then ? n->u.ternary.then->type : n->u.ternary.cond->type;
		if (res)
			store_value(g, res, n->type, a, at);
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
		if (is_record_field(n))
			return record_field_read(g, n);
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
	case N_BLOCK:
		/* { stmts; value } (sema allows no other block here) */
		cg_block(g, n);
		return cg_expr(g, n->u.block.value);
	case N_SIZEOF:
	case N_EXPR_STMT:
	case N_IF:
	case N_WHILE:
	case N_UNROLL:
	case N_FOR:
	case N_RETURN:
	case N_BREAK:
	case N_CONTINUE:
	case N_PROBE:
	case N_SPEC:
	case N_MACRO:
	case N_CONFIG:
		break; /* not expressions (sema made sizeof a literal) */
	}
	return c64(g, 0);
}
