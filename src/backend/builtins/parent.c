/*
 * parent.c - ppid, pcomm, leader_tid, leader_comm: the task->real_parent
 * or task->group_leader field access their check hooks built and typed.
 */
#include "backend/cg_internal.h"

static LLVMValueRef emit_lowered(struct cg *g, struct node *n)
{
	return cg_expr(g, n->kind == N_CALL ? n->u.call.lowered : n->u.ident.lowered);
}

LLVMValueRef emit_ppid(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_lowered(g, n);
}

LLVMValueRef emit_pcomm(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_lowered(g, n);
}

LLVMValueRef emit_leader_tid(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_lowered(g, n);
}

LLVMValueRef emit_leader_comm(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return emit_lowered(g, n);
}
