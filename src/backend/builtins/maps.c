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

/* A keyless aggregation is a one-slot per-CPU array (map_is_array), whose
 * element cannot be deleted (the helper fails with EINVAL) and whose other
 * CPUs' slots a program cannot reach: deleting it zeroes every slot, as
 * zero() does, from sonde (so, like zero(), after the event is read). It
 * then prints as it would had no event reached it (`@: 0` for count()). */
LLVMValueRef emit_delete(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *m = n->u.call.args;
	if (map_is_array(m->u.map.info)) {
		cg_map_event(g, n, EV_ZERO);
		return NULL;
	}
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
