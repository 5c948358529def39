/*
 * strcompare.c - strncmp and strcontains, unrolled byte comparisons over
 * the strings' sizes (checked in src/builtins/strcompare.c). The result
 * goes to a stack slot and every exit branches to one join block.
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

/* 1 when needle occurs in haystack: for each start in haystack, the
 * needle's bytes up to its NUL (or its size) match there */
LLVMValueRef emit_strcontains(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *hn = n->u.call.args, *nn = hn->next;
	LLVMValueRef hay = cg_expr(g, hn), needle = cg_expr(g, nn);
	uint32_t hsz = hn->type->size, nsz = nn->type->size;
	struct cmp_exit e = cmp_begin(g, "strcontains");
	/* the empty needle is in every string */
	cmp_exit_if(g, &e, is_nul(g, byte_at(g, needle, 0)), 1);
	for (uint32_t i = 0; i < hsz; i++) {
		cmp_exit_if(g, &e, is_nul(g, byte_at(g, hay, i)), 0);
		LLVMBasicBlockRef next_start = new_block(g, "strcontains_start");
		for (uint32_t j = 0; j < nsz; j++) {
			LLVMValueRef cn = byte_at(g, needle, j);
			/* the needle ended: every byte before matched */
			cmp_exit_if(g, &e, is_nul(g, cn), 1);
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
				LLVMBuildStore(g->b, c64(g, 1), e.slot);
				LLVMBuildBr(g->b, e.done);
			}
		}
		LLVMPositionBuilderAtEnd(g->b, next_start);
	}
	return cmp_end(g, &e, 0);
}
