/*
 * maps.c - functions of a whole map or of one element: clear, zero,
 * delete, len, has_key, find (bpftrace 0.26). The generic check has made sure of the kind of
 * their first argument (ARGS 'm' or 'e' in their rows).
 */
#include "builtins/check.h"
#include "kernel/features.h"
#include "sema/sema_internal.h"

/* clear(@m): the runtime deletes every element */
struct type *check_clear(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args;
	map->u.map.info = find_map(s, map->u.map.name, map->loc);
	s->c->uses_events = true;
	return &type_void;
}

/* zero(@m): the runtime zeroes every value */
struct type *check_zero(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args;
	map->u.map.info = find_map(s, map->u.map.name, map->loc);
	s->c->uses_events = true;
	return &type_void;
}

/* the first operation on one key of a map, for finish_maps */
static void note_key_op(struct node *map, const char *what)
{
	struct map_info *m = map->u.map.info;
	if (m && !m->key_op) {
		m->key_op = what;
		m->key_op_loc = map->loc;
	}
}

/* delete(@m[key]), delete(@m). A keyless aggregation is deleted by the
 * runtime zeroing it (emit_delete), an event: whether @m is one is known
 * only once every use is seen, so a keyless delete always asks for the
 * ring buffer */
/* delete(@m[key]), and bpftrace 0.26's delete(@m, key): the key as a
 * second argument, which becomes the map access's key. Its value is
 * whether an element was deleted (1, or 0 when the key was not there). */
struct type *check_delete(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args;
	if (map->kind != N_MAP || (map->next && map->u.map.keys)) {
		diag_error(s->d, map->loc,
		           "delete() needs a map element or a map and a key, as in "
		           "delete(@m[key]) or delete(@m, key)");
		return NULL;
	}
	if (map->next)
		map->u.map.keys = map->next;
	use_map_keys(s, map);
	if (!map->u.map.keys)
		s->c->uses_events = true;
	else
		note_key_op(map, "delete()");
	return &type_s64;
}

/* the builtin a stack argument names: ustack, kstack or a call of them */
static bool is_stack_builtin(const struct node *a)
{
	int id = a->kind == N_IDENT  ? a->u.ident.builtin_id
	         : a->kind == N_CALL ? a->u.call.builtin_id
	                             : -1;
	return id == BI_USTACK || id == BI_KSTACK;
}

/* len(ustack), len(kstack) (bpftrace 0.26): the frames of the stack the
 * probe has now, counted where it fires (bpf_get_stack's bytes / 8). A
 * stored stack ($s, @m[k], a tuple's) has them beside its id in the stack
 * map, counted the same way when it was taken: once the script takes
 * len() of one, every stack does. */
static struct type *check_stack_len(struct sema *s, struct node *n, struct node *arg)
{
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (t->kind != TYPE_USTACK && t->kind != TYPE_KSTACK) {
		diag_error(s->d, arg->loc, "call to len() expects a map, ustack, or kstack, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	if (t->dwarf) {
		/* the frames are found by the unwinder and kept in its map, whose
		 * count the program does not keep */
		diag_error(s->d, arg->loc,
		           "len() of dw_ustack is not supported: len(ustack) counts the frames "
		           "found with frame pointers");
		return NULL;
	}
	if (!feat_has_helper(s->c->host, BPF_FUNC_get_stack)) {
		diag_error(s->d, n->loc,
		           "len() of a stack needs bpf_get_stack, which this kernel "
		           "lacks (Linux 4.18 or later)");
		return NULL;
	}
	/* the backend's form: 1 the builtin's stack now, 2 a stored one */
	n->u.call.value = is_stack_builtin(arg) ? 1 : 2;
	if (n->u.call.value == 2)
		s->c->stack_len_stored = true;
	return &type_s64;
}

/* len(@m): counted in the probe with bpf_for_each_map_elem; whether the
 * map has keys at all is known only when every use is seen (finish_maps) */
struct type *check_len(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args;
	if (map->kind != N_MAP)
		return check_stack_len(s, n, map);
	struct map_info *m = find_map(s, map->u.map.name, map->loc);
	/* @m[k] or a keyless @m holding a stack (assigned earlier in the
	 * script): the stack's frames */
	bool holds_stack = m->has_kind && m->agg == AGG_NONE && m->value &&
	                   (m->value->kind == TYPE_KSTACK || m->value->kind == TYPE_USTACK);
	if (holds_stack && (map->u.map.keys || (m->keys_seen && !m->keyed)))
		return check_stack_len(s, n, map);
	if (map->u.map.keys) {
		diag_error(s->d, map->loc, "len() needs a whole map, as in len(@name)");
		return NULL;
	}
	if (m->lpm) {
		diag_error(s->d, map->loc,
		           "len() cannot count map '%s': it is declared lpm(), and the kernel "
		           "gives a probe no way through an LPM trie (bpf_for_each_map_elem "
		           "refuses it)",
		           m->name);
		return NULL;
	}
	map->u.map.info = m;
	if (m && !m->len_used) {
		m->len_used = true;
		m->len_loc = map->loc;
	}
	if (!feat_has_helper(s->c->host, BPF_FUNC_for_each_map_elem)) {
		diag_error(s->d, n->loc,
		           "len() needs bpf_for_each_map_elem, which this kernel "
		           "lacks (Linux 5.13 or later)");
		return NULL;
	}
	if (s->for_depth >= SEMA_MAX_CALLBACK_DEPTH) {
		diag_error(s->d, n->loc,
		           "len() counts with a callback, which inside %d nested 'for' loops "
		           "would be a frame of calls more than the kernel allows a program (%d)",
		           s->for_depth, SEMA_MAX_CALLBACK_DEPTH + 1);
		return NULL;
	}
	return &type_s64;
}

/* has_key(@m, key): the key becomes the map access's key */
struct type *check_has_key(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args;
	map->u.map.keys = map->next;
	use_map_keys(s, map);
	if (!map->u.map.info)
		return NULL;
	note_key_op(map, "has_key()");
	return &type_bool; /* bpftrace 0.26: prints as true or false */
}

/* find(@m, key, $v): 1 and $v = @m[key] when the key is there, else 0
 * and $v as it was. The assignment is built and checked here, so $v is
 * typed (or declared) as `$v = @m[key]` would be; the backend emits one
 * lookup */
struct type *check_find(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args, *key = map->next, *var = key->next;
	if (var->kind != N_VAR) {
		diag_error(s->d, var->loc,
		           "find() stores the value in a $variable, as in "
		           "find(@m, key, $v)");
		return NULL;
	}
	key->next = NULL;
	var->next = NULL;
	struct node *elem = ast_map(s->a, map->loc, map->u.map.name, key);
	struct node *set = ast_new(s->a, N_ASSIGN, n->loc);
	set->u.assign.lhs = var;
	set->u.assign.rhs = elem;
	set->u.assign.op = OP_NONE;
	if (!check_expr(s, set))
		return NULL;
	struct map_info *m = elem->u.map.info;
	if (m && m->agg != AGG_NONE) {
		diag_error(s->d, map->loc, "find() reads a map of values; %s holds an aggregation",
		           map->u.map.name);
		return NULL;
	}
	n->u.call.lowered = set;
	return &type_bool;
}
