/*
 * maps.c - builtins that act on a map or ask about it: clear zero delete
 * len has_key find (the map machinery is src/backend/maps.c).
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
	if (map_is_array(m->u.map.info) ||
	    (!m->u.map.info->key && map_is_wide_tseries(m->u.map.info))) {
		/* a keyless aggregation's one slot is zeroed: it is there (a
		 * wide tseries' every interval) */
		cg_map_event(g, n, EV_ZERO);
		return c64(g, 1);
	}
	LLVMValueRef key = map_key(g, m);
	LLVMValueRef args[] = {g->maps[m->u.map.info->index], key};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_map_delete_elem, g->i64, args, 2);
	/* 0 or a negative errno (-ENOENT: the key was not there) */
	return bool64(g, LLVMBuildICmp(g->b, LLVMIntEQ, rc, c64(g, 0), "deleted"));
}

/* len(ustack), len(kstack): bpf_get_stack copies as many frames as the
 * stack has, up to the stack's limit, and returns their bytes (or a
 * negative errno, when there is no stack to walk: 0 frames) */
LLVMValueRef stack_len(struct cg *g, const struct type *stack)
{
	uint32_t size = type_stack_depth(stack) * 8;
	LLVMValueRef frames = new_buf_filled_by_callee(g, size, "stack_frames");
	bool user = stack->kind == TYPE_USTACK;
	LLVMValueRef args[] = {g->ctxarg, frames, LLVMConstInt(g->i32, size, 0),
	                       c64(g, user ? BPF_F_USER_STACK : 0)};
	LLVMValueRef bytes = cg_helper(g, BPF_FUNC_get_stack, g->i64, args, 4);
	buf_done(g, frames);
	LLVMValueRef none = LLVMBuildICmp(g->b, LLVMIntSLT, bytes, c64(g, 0), "no_stack");
	LLVMValueRef count = LLVMBuildUDiv(g->b, bytes, c64(g, 8), "frames");
	return LLVMBuildSelect(g->b, none, c64(g, 0), count, "stack_len");
}

LLVMValueRef emit_len(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *arg = n->u.call.args;
	if (n->u.call.value == 1) /* check_len: the builtin's stack */
		return stack_len(g, arg->type);
	if (n->u.call.value == 2) {
		/* a stored stack: its count beside the id (0 for an error id) */
		LLVMValueRef v = cg_expr(g, arg);
		if (arg->type->kind == TYPE_USTACK)
			v = load64(g, v);
		LLVMValueRef none = LLVMBuildICmp(g->b, LLVMIntSLT, v, c64(g, 0), "no_stack");
		LLVMValueRef count = LLVMBuildLShr(g->b, v, c64(g, STACK_FRAMES_SHIFT), "frames");
		return LLVMBuildSelect(g->b, none, c64(g, 0), count, "stack_len");
	}
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

/* one lookup: when found, the value goes to the variable and the result
 * is 1 */
LLVMValueRef emit_find(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *set = n->u.call.lowered;
	struct node *var = set->u.assign.lhs, *elem = set->u.assign.rhs;
	struct map_info *m = elem->u.map.info;
	LLVMValueRef key = map_key(g, elem);
	LLVMValueRef p = map_lookup(g, m, key);
	LLVMValueRef res = new_buf(g, 8, "find");
	LLVMBuildStore(g->b, c64(g, 0), res);
	LLVMBasicBlockRef found = new_block(g, "find_found"), cont = new_block(g, "find_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), cont, found);
	LLVMPositionBuilderAtEnd(g->b, found);
	LLVMValueRef out = new_buf(g, m->value->size, "find_val");
	copy_bytes(g, out, p, m->value->size);
	store_value(g, var_slot(g, var->u.var.info), var->u.var.info->type,
	            load_value(g, out, m->value), m->value);
	LLVMBuildStore(g->b, c64(g, 1), res);
	LLVMBuildBr(g->b, cont);
	LLVMPositionBuilderAtEnd(g->b, cont);
	buf_done(g, key);
	return LLVMBuildLoad2(g->b, g->i64, res, "");
}
