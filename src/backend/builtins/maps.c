/*
 * maps.c - builtins that act on a map or ask about it: clear zero delete
 * len has_key (the map machinery is src/backend/maps.c).
 */
#include "backend/cg_internal.h"

LLVMValueRef emit_clear(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_map_event(g, n, EV_CLEAR);
	return NULL;
}

LLVMValueRef emit_zero(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_map_event(g, n, EV_ZERO);
	return NULL;
}

LLVMValueRef emit_delete(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *m = n->u.call.args;
	LLVMValueRef key = map_key(g, m);
	LLVMValueRef args[] = {g->maps[m->u.map.info->index], key};
	cg_helper(g, BPF_FUNC_map_delete_elem, g->i64, args, 2);
	return NULL;
}

LLVMValueRef emit_len(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	return cg_len(g, n->u.call.args);
}

LLVMValueRef emit_has_key(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *mapnode = n->u.call.args;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef p = map_lookup(g, mapnode->u.map.info, key);
	LLVMValueRef r = bool64(g, LLVMBuildIsNotNull(g->b, p, ""));
	buf_done(g, key);
	return r;
}
