/*
 * strcompare.c - strncmp, strcontains, strlen, strcap, strstr and memcmp:
 * unrolled byte comparisons over the values' sizes (checked in
 * src/builtins/strcompare.c). The result goes to a stack slot and every
 * exit branches to one join block.
 */
#include "backend/cg_internal.h"

struct cmp_exit {
	LLVMValueRef slot; /* i64 result */
	LLVMBasicBlockRef done;
};

static struct cmp_exit cmp_begin(struct cg *g, const char *name)
{
	struct cmp_exit e = {new_buf(g, 8, name), new_block(g, "strcmp_done")};
	return e;
}

/* if cond, the result is v and the comparison ends; else go on */
static void cmp_exit_if(struct cg *g, struct cmp_exit *e, LLVMValueRef cond, uint64_t v)
{
	LLVMBasicBlockRef out = new_block(g, "strcmp_out"), next = new_block(g, "strcmp_next");
	LLVMBuildCondBr(g->b, cond, out, next);
	LLVMPositionBuilderAtEnd(g->b, out);
	LLVMBuildStore(g->b, c64(g, v), e->slot);
	LLVMBuildBr(g->b, e->done);
	LLVMPositionBuilderAtEnd(g->b, next);
}

static LLVMValueRef cmp_end(struct cg *g, struct cmp_exit *e, uint64_t v)
{
	LLVMBuildStore(g->b, c64(g, v), e->slot);
	LLVMBuildBr(g->b, e->done);
	LLVMPositionBuilderAtEnd(g->b, e->done);
	return LLVMBuildLoad2(g->b, g->i64, e->slot, "");
}

static LLVMValueRef byte_at(struct cg *g, LLVMValueRef s, uint32_t i)
{
	return LLVMBuildLoad2(g->b, g->i8, gep(g, s, i), "");
}

static LLVMValueRef is_nul(struct cg *g, LLVMValueRef c)
{
	return LLVMBuildICmp(g->b, LLVMIntEQ, c, LLVMConstInt(g->i8, 0, 0), "");
}

/* 0 when the first n bytes agree up to a NUL in both, else 1: never
 * reading past the shorter string */
LLVMValueRef emit_strncmp(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *an = n->u.call.args, *bn = an->next;
	LLVMValueRef a = cg_expr(g, an), b = cg_expr(g, bn);
	uint64_t len = n->u.call.value;
	if (an->type->size < len)
		len = an->type->size;
	if (bn->type->size < len)
		len = bn->type->size;
	struct cmp_exit e = cmp_begin(g, "strncmp");
	for (uint32_t i = 0; i < len; i++) {
		LLVMValueRef ca = byte_at(g, a, i), cb = byte_at(g, b, i);
		cmp_exit_if(g, &e, LLVMBuildICmp(g->b, LLVMIntNE, ca, cb, ""), 1);
		cmp_exit_if(g, &e, is_nul(g, ca), 0);
	}
	return cmp_end(g, &e, 0);
}

/* Where needle first occurs in haystack: for each start in haystack, the
 * needle's bytes up to its NUL (or its size) match there. The result is
 * that start (index) or 1, the empty needle's 0 or 1, and none's -1 or 0. */
static LLVMValueRef emit_search(struct cg *g, struct node *hn, struct node *nn, bool index)
{
	LLVMValueRef hay = cg_expr(g, hn), needle = cg_expr(g, nn);
	uint32_t hsz = hn->type->size, nsz = nn->type->size;
	struct cmp_exit e = cmp_begin(g, index ? "strstr" : "strcontains");
	/* the empty needle is in every string, at 0 */
	cmp_exit_if(g, &e, is_nul(g, byte_at(g, needle, 0)), index ? 0 : 1);
	for (uint32_t i = 0; i < hsz; i++) {
		uint64_t found = index ? i : 1;
		cmp_exit_if(g, &e, is_nul(g, byte_at(g, hay, i)), index ? (uint64_t)-1 : 0);
		LLVMBasicBlockRef next_start = new_block(g, "strcontains_start");
		for (uint32_t j = 0; j < nsz; j++) {
			LLVMValueRef cn = byte_at(g, needle, j);
			/* the needle ended: every byte before matched */
			cmp_exit_if(g, &e, is_nul(g, cn), found);
			if (i + j >= hsz) {
				/* the haystack ends before the needle does */
				LLVMBuildBr(g->b, next_start);
				break;
			}
			LLVMValueRef ch = byte_at(g, hay, i + j);
			LLVMBasicBlockRef same = new_block(g, "strcontains_same");
			LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, ch, cn, ""), next_start,
					same);
			LLVMPositionBuilderAtEnd(g->b, same);
			if (j + 1 == nsz) {
				/* a needle that fills its whole size, without a NUL */
				LLVMBuildStore(g->b, c64(g, found), e.slot);
				LLVMBuildBr(g->b, e.done);
			}
		}
		LLVMPositionBuilderAtEnd(g->b, next_start);
	}
	return cmp_end(g, &e, index ? (uint64_t)-1 : 0);
}

LLVMValueRef emit_strcontains(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_search(g, n->u.call.args, n->u.call.args->next, false);
}

/* the haystack and needle check_strstr chose (a char * read by str()) */
LLVMValueRef emit_strstr(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *h = n->u.call.lowered;
	return emit_search(g, h, h->next, true);
}

/* the bytes before the first NUL, or the whole size */
LLVMValueRef emit_strlen(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *sn = n->u.call.lowered;
	LLVMValueRef str = cg_expr(g, sn);
	struct cmp_exit e = cmp_begin(g, "strlen");
	for (uint32_t i = 0; i < sn->type->size; i++)
		cmp_exit_if(g, &e, is_nul(g, byte_at(g, str, i)), i);
	return cmp_end(g, &e, sn->type->size);
}

/* a constant, or a char pointer's strlen */
LLVMValueRef emit_strcap(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_expr(g, n->u.call.lowered);
}

/* the value's bytes: a string's or tuple's own memory, an integer or
 * pointer stored to a slot of its size */
static LLVMValueRef bytes_of(struct cg *g, struct node *vn)
{
	LLVMValueRef v = cg_expr(g, vn);
	if (is_mem_type(vn->type))
		return v;
	LLVMValueRef slot = new_buf(g, round8(vn->type->size), "memcmp_arg");
	store_value(g, slot, vn->type, v, vn->type);
	return slot;
}

/* 0 when the first n bytes agree, else left's byte minus right's at the
 * first that differ, as signed chars */
LLVMValueRef emit_memcmp(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *an = n->u.call.args, *bn = an->next;
	LLVMValueRef a = bytes_of(g, an), b = bytes_of(g, bn);
	uint64_t len = n->u.call.value;
	LLVMValueRef slot = new_buf(g, 8, "memcmp");
	LLVMBasicBlockRef done = new_block(g, "memcmp_done");
	for (uint32_t i = 0; i < len; i++) {
		LLVMValueRef ca = LLVMBuildSExt(g->b, byte_at(g, a, i), g->i64, "");
		LLVMValueRef cb = LLVMBuildSExt(g->b, byte_at(g, b, i), g->i64, "");
		LLVMBasicBlockRef out = new_block(g, "memcmp_out"), next = new_block(g, "memcmp_next");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, ca, cb, ""), out, next);
		LLVMPositionBuilderAtEnd(g->b, out);
		LLVMBuildStore(g->b, LLVMBuildSub(g->b, ca, cb, ""), slot);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, next);
	}
	LLVMBuildStore(g->b, c64(g, 0), slot);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return LLVMBuildLoad2(g->b, g->i64, slot, "");
}
