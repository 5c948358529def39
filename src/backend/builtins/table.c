/*
 * table.c - the emit hook of every builtin, generated from builtins.def
 * (a row whose emit_HOOK does not exist does not link), and the dispatch
 * from codegen's bare names, value calls, statement calls and
 * aggregations to the hooks.
 */
#include "backend/cg_internal.h"

const emit_hook emit_hooks[BI__COUNT] = {
#define BUILTIN(id, hook, ...) [BI_##id] = emit_##hook,
#include "builtins/builtins.def"
#undef BUILTIN
};

LLVMValueRef cg_builtin(struct cg *g, struct node *n)
{
	int id = n->u.ident.builtin_id;
	if (id < 0)
		return c64(g, 0);
	return emit_hooks[id](g, n, NULL);
}

/* Sema lets statements and aggregations appear nowhere a value is needed;
 * should one get here, it makes no code. */
LLVMValueRef cg_call_value(struct cg *g, struct node *n)
{
	int id = n->u.call.builtin_id;
	if (id < 0 || (builtin_rows[id].flags & (BF_STMT | BF_AGG)))
		return c64(g, 0);
	return emit_hooks[id](g, n, NULL);
}

/* A call as a statement: those used only as statements are made here;
 * false for a call with a value, which the caller makes as an expression. */
bool cg_call_stmt(struct cg *g, struct node *e)
{
	int id = e->u.call.builtin_id;
	if (id < 0 || !(builtin_rows[id].flags & BF_STMT))
		return false;
	emit_hooks[id](g, e, NULL);
	return true;
}

void cg_aggregate(struct cg *g, struct node *mapnode, struct node *call)
{
	emit_hooks[call->u.call.builtin_id](g, call, mapnode);
}
