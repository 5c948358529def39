/*
 * sema.c - semantic pass: probes, names, types, maps.
 *
 * Runs after parsing. It asks each probe's provider to expand its specs
 * into attach points, resolves every name (builtins, functions, scratch
 * variables, maps), gives every expression a type, fixes each map's key and
 * value types and aggregation kind from all of its uses, and collects the
 * printf formats. Errors go to the diagnostic sink and checking goes on,
 * so one run reports all of them. Codegen reads only what this pass left
 * in the tree and in `struct compilation`.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include <net/if.h>
#include <sys/socket.h>
#include <stddef.h>

#include "bpf-runtime/pkt.h"
#include "kernel/btf.h"
#include "builtins/builtins.h"
#include "compile.h"
#include "kernel/symbols.h"
#include "runtime/printer.h"
#include "kernel/tracefs.h"

struct sema {
	struct compilation *c;
	struct arena *a;
	struct diag *d;
	/* the probe being checked */
	struct node *probe;
	struct attach_point *aps;
	size_t naps;
	unsigned ctx; /* CTX_HAS_* common to all attach points */
	struct var_info *vars;
	int loop_depth;
	int pkt_depth; /* deepest pkt field the probe reads, -1 for none */
	bool pkt_len;  /* the probe reads pkt.len */
	bool pkt_l4_in_for; /* ... and a transport field inside a for body */
	int macro_depth;
	int macro_nodes;    /* nodes copied by all macro expansions so far */
	bool macro_stopped; /* an expansion failed: expand no more macros */
	int for_depth; /* inside the body of for ($kv : @map) */
};

/* pkt.NAME: where the field sits in struct sonde_pkt, its type, and how
 * far the parser must go to fill it. */
static const struct {
	const char *name;
	uint32_t offset;
	int depth;
	bool is_inet;
} pkt_fields[] = {
	{"len", offsetof(struct sonde_pkt, len), SONDE_PKT_DEPTH_NONE, false},
	{"ifindex", offsetof(struct sonde_pkt, ifindex), SONDE_PKT_DEPTH_NONE, false},
	{"eth_type", offsetof(struct sonde_pkt, eth_type), SONDE_PKT_DEPTH_ETH, false},
	{"vlan", offsetof(struct sonde_pkt, vlan), SONDE_PKT_DEPTH_ETH, false},
	{"proto", offsetof(struct sonde_pkt, proto), SONDE_PKT_DEPTH_IP, false},
	{"ttl", offsetof(struct sonde_pkt, ttl), SONDE_PKT_DEPTH_IP, false},
	{"has_ip", offsetof(struct sonde_pkt, has_ip), SONDE_PKT_DEPTH_IP, false},
	{"has_ip6", offsetof(struct sonde_pkt, has_ip6), SONDE_PKT_DEPTH_IP, false},
	{"saddr", offsetof(struct sonde_pkt, saddr), SONDE_PKT_DEPTH_IP, true},
	{"daddr", offsetof(struct sonde_pkt, daddr), SONDE_PKT_DEPTH_IP, true},
	{"sport", offsetof(struct sonde_pkt, sport), SONDE_PKT_DEPTH_L4, false},
	{"dport", offsetof(struct sonde_pkt, dport), SONDE_PKT_DEPTH_L4, false},
	{"tcp_flags", offsetof(struct sonde_pkt, tcp_flags), SONDE_PKT_DEPTH_L4, false},
	{"has_l4", offsetof(struct sonde_pkt, has_l4), SONDE_PKT_DEPTH_L4, false},
};

/* Fills `acc` for pkt.NAME; -1 when there is no such field. */
int sema_pkt_field(const char *name, struct ctx_access *acc)
{
	for (size_t i = 0; i < sizeof(pkt_fields) / sizeof(pkt_fields[0]); i++) {
		if (strcmp(pkt_fields[i].name, name))
			continue;
		memset(acc, 0, sizeof(*acc));
		acc->kind = CTX_PKT;
		acc->offset = pkt_fields[i].offset;
		acc->size = pkt_fields[i].is_inet ? sizeof(struct sonde_inet) : 8;
		acc->type = pkt_fields[i].is_inet ? &type_inet : &type_u64;
		return pkt_fields[i].depth;
	}
	return -1;
}

static const char *const builtin_names[] = {
#define X(id, name, ctx) name,
	BUILTIN_VALUES(X)
#undef X
};
static const unsigned builtin_ctx[] = {
#define X(id, name, ctx) ctx,
	BUILTIN_VALUES(X)
#undef X
};
static const char *const func_names[] = {
#define X(id, name, mn, mx, agg) name,
	BUILTIN_FUNCS(X)
#undef X
};
static const int func_min_args[] = {
#define X(id, name, mn, mx, agg) mn,
	BUILTIN_FUNCS(X)
#undef X
};
static const int func_max_args[] = {
#define X(id, name, mn, mx, agg) mx,
	BUILTIN_FUNCS(X)
#undef X
};
static const bool func_is_agg[] = {
#define X(id, name, mn, mx, agg) agg,
	BUILTIN_FUNCS(X)
#undef X
};

static const enum agg_kind func_agg_kind[FN__COUNT] = {
	[FN_COUNT] = AGG_COUNT, [FN_SUM] = AGG_SUM,	[FN_AVG] = AGG_AVG,	[FN_MIN] = AGG_MIN,
	[FN_MAX] = AGG_MAX,	[FN_STATS] = AGG_STATS, [FN_HIST] = AGG_HIST, [FN_LHIST] = AGG_LHIST,
};

/* Aggregations a probe can read: summed over the CPUs with
 * bpf_map_lookup_percpu_elem (Linux 5.19), one lookup per possible CPU. */
enum { AGG_READ_MAX_CPUS = 64 };
static bool kernel_has_helper(enum bpf_func_id id);
static bool agg_readable(enum agg_kind k)
{
	if (k != AGG_COUNT && k != AGG_SUM && k != AGG_AVG && k != AGG_MIN && k != AGG_MAX)
		return false;
	int ncpus = libbpf_num_possible_cpus();
	return ncpus > 0 && ncpus <= AGG_READ_MAX_CPUS &&
	       kernel_has_helper(BPF_FUNC_map_lookup_percpu_elem);
}

static const char *agg_name(enum agg_kind k)
{
	static const char *const names[] = {"plain values", "count()", "sum()",  "avg()",	 "min()",
					    "max()",	  "stats()", "hist()", "lhist()"};
	return names[k];
}

void sema_add_attach_point(struct compilation *c, const struct attach_point *ap)
{
	if (c->npending == c->cap_pending) {
		size_t cap = c->cap_pending ? c->cap_pending * 2 : 8;
		struct attach_point *n = arena_alloc(&c->arena, cap * sizeof(*n));
		if (c->npending)
			memcpy(n, c->pending, c->npending * sizeof(*n));
		c->pending = n;
		c->cap_pending = cap;
	}
	c->pending[c->npending++] = *ap;
}

const char *compilation_tracefs(struct compilation *c, struct loc loc)
{
	if (c->tracefs)
		return c->tracefs;
	char dir[256], note[256] = "";
	int err = tracefs_dir(dir, sizeof(dir), note, sizeof(note));
	if (note[0])
		fprintf(stderr, "%s\n", note);
	if (err) {
		diag_error(c->diag, loc, "cannot find or mount tracefs: %s", strerror(-err));
		return NULL;
	}
	c->tracefs = arena_strdup(&c->arena, dir);
	return c->tracefs;
}

/* ---- types ---------------------------------------------------------- */

static bool is_int(const struct type *t)
{
	return t && (t->kind == TYPE_INT || t->kind == TYPE_BOOL);
}

static bool is_str(const struct type *t)
{
	return t && t->kind == TYPE_STR;
}

/* Integers, and kernel pointers, which compare and add as u64. */
static bool is_scalar(const struct type *t)
{
	return is_int(t) || (t && t->kind == TYPE_PTR);
}

/* The type a value takes when stored in a map key/value or variable:
 * integers widen to 64 bits so every use of a map agrees. */
static struct type *storage_type(struct sema *s, struct type *t)
{
	if (!t)
		return NULL;
	if (t->kind == TYPE_INT || t->kind == TYPE_BOOL) {
		/* an address keeps its space in a variable or map */
		struct type *wide = (t->kind == TYPE_INT && !t->is_signed && t->size == 8)
					    ? &type_u64
					    : &type_s64;
		return type_in_space(s->a, wide, t->space);
	}
	if (t->kind == TYPE_TUPLE) {
		struct type **elems = arena_alloc(s->a, t->nfields * sizeof(*elems));
		for (uint32_t i = 0; i < t->nfields; i++)
			elems[i] = storage_type(s, t->fields[i].type);
		return type_tuple(s->a, elems, t->nfields);
	}
	return t;
}

/* Builtins that are u64 in expressions but never exceed 32 bits. */
static bool is_32bit_builtin(const struct node *k)
{
	if (k->kind != N_IDENT)
		return false;
	switch (k->u.ident.builtin_id) {
	case BI_PID:
	case BI_TID:
	case BI_UID:
	case BI_GID:
	case BI_CPU:
	case BI_RAND:
		return true;
	default:
		return false;
	}
}

/* Map keys keep the width of integers (a key of pid and cpu is 8 bytes, as
 * hand-written C would make it, so the kernel hashes less); values and
 * variables hold 64 bits (storage_type). */
static struct type *key_storage_type(struct sema *s, struct type *t)
{
	if (t->kind == TYPE_INT)
		return t;
	if (t->kind == TYPE_TUPLE) {
		struct type **elems = arena_alloc(s->a, t->nfields * sizeof(*elems));
		for (uint32_t i = 0; i < t->nfields; i++)
			elems[i] = key_storage_type(s, t->fields[i].type);
		return type_tuple(s->a, elems, t->nfields);
	}
	return storage_type(s, t);
}

static struct type *unify_layout(struct sema *s, struct type *a, struct type *b);

/* Unifies two storage types: same kind, strings take the larger size, and
 * an address that may come from either keeps both spaces (space_merge).
 * Returns NULL when they cannot share storage. */
static struct type *unify(struct sema *s, struct type *a, struct type *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct type *u = unify_layout(s, a, b);
	return u ? type_in_space(s->a, u, space_merge(a->space, b->space)) : NULL;
}

static struct type *unify_layout(struct sema *s, struct type *a, struct type *b)
{
	if (a->kind == TYPE_INT && b->kind == TYPE_INT) {
		if (type_equal(a, b))
			return a; /* map keys keep their width while every use agrees */
		return (a->is_signed && b->is_signed) ? &type_s64 : &type_u64;
	}
	if (a->kind != b->kind)
		return NULL;
	if (a->kind == TYPE_STR)
		return a->size >= b->size ? a : b;
	if (a->kind == TYPE_TUPLE) {
		if (a->nfields != b->nfields)
			return NULL;
		struct type **elems = arena_alloc(s->a, a->nfields * sizeof(*elems));
		for (uint32_t i = 0; i < a->nfields; i++) {
			elems[i] = unify(s, a->fields[i].type, b->fields[i].type);
			if (!elems[i])
				return NULL;
		}
		return type_tuple(s->a, elems, a->nfields);
	}
	return type_equal(a, b) ? a : NULL;
}

/* ---- names ---------------------------------------------------------- */

static int find_builtin(const char *name)
{
	for (int i = 0; i < BI__COUNT; i++)
		if (!strcmp(builtin_names[i], name))
			return i;
	return -1;
}

static int find_func(const char *name)
{
	for (int i = 0; i < FN__COUNT; i++)
		if (!strcmp(func_names[i], name))
			return i;
	return -1;
}

static struct map_info *find_map(struct sema *s, const char *name, struct loc loc)
{
	for (struct map_info *m = s->c->maps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	struct map_info *m = arena_alloc(s->a, sizeof(*m));
	m->name = name;
	m->loc = loc;
	m->index = s->c->nmaps++;
	struct map_info **tail = &s->c->maps;
	while (*tail)
		tail = &(*tail)->next;
	*tail = m;
	return m;
}

static struct var_info *find_var(struct sema *s, const char *name)
{
	for (struct var_info *v = s->vars; v; v = v->next)
		if (!strcmp(v->name, name))
			return v;
	return NULL;
}


/* ---- macros ----------------------------------------------------------- */

static struct node *find_macro(struct sema *s, const char *name)
{
	for (struct node *m = s->c->prog.macros; m; m = m->next)
		if (!strcmp(m->u.macro.name, name))
			return m;
	return NULL;
}

struct subst {
	struct node *params; /* VAR/MAP parameter nodes */
	struct node *args;   /* the call's arguments, same order */
};

static struct node *clone_list(struct sema *s, struct node *list, const struct subst *sub);

/* A chain of macros each calling the next twice doubles the program at
 * every level while staying under the depth limit, so the copies made by
 * all expansions together are capped: this many nodes is about 23 MB of
 * arena, checked in well under a second, and far more than any real script
 * expands to. */
enum { MACRO_MAX_DEPTH = 32, MACRO_NODE_BUDGET = 1 << 18 };

/* Deep copy of a macro body, with each parameter replaced by a copy of the
 * call's argument. Copies keep the definition's locations, so an error in
 * an expansion points into the macro, and a note points at the call. */
static struct node *clone_node(struct sema *s, struct node *n, const struct subst *sub)
{
	if (!n || s->macro_nodes > MACRO_NODE_BUDGET)
		return NULL;
	s->macro_nodes++;
	if (sub && (n->kind == N_VAR || (n->kind == N_MAP && !n->u.map.keys))) {
		struct node *a = sub->args;
		for (struct node *p = sub->params; p && a; p = p->next, a = a->next) {
			bool same = p->kind == n->kind &&
				    !strcmp(p->kind == N_VAR ? p->u.var.name : p->u.map.name,
					    n->kind == N_VAR ? n->u.var.name : n->u.map.name);
			if (same) {
				struct node *c = clone_node(s, a, NULL);
				if (c)
					c->next = NULL;
				return c;
			}
		}
	}
	struct node *c = arena_alloc(s->a, sizeof(*c));
	*c = *n;
	c->next = NULL;
	c->type = NULL;
	switch (n->kind) {
	case N_MAP:
		c->u.map.keys = clone_list(s, n->u.map.keys, sub);
		c->u.map.info = NULL;
		break;
	case N_VAR:
		c->u.var.info = NULL;
		break;
	case N_CALL:
		c->u.call.args = clone_list(s, n->u.call.args, sub);
		break;
	case N_BINOP:
		c->u.binop.lhs = clone_node(s, n->u.binop.lhs, sub);
		c->u.binop.rhs = clone_node(s, n->u.binop.rhs, sub);
		break;
	case N_UNOP:
		c->u.unop.operand = clone_node(s, n->u.unop.operand, sub);
		break;
	case N_TERNARY:
		c->u.ternary.cond = clone_node(s, n->u.ternary.cond, sub);
		c->u.ternary.then = clone_node(s, n->u.ternary.then, sub);
		c->u.ternary.els = clone_node(s, n->u.ternary.els, sub);
		break;
	case N_FIELD:
		c->u.field.base = clone_node(s, n->u.field.base, sub);
		break;
	case N_INDEX:
		c->u.index.base = clone_node(s, n->u.index.base, sub);
		c->u.index.index = clone_node(s, n->u.index.index, sub);
		break;
	case N_TUPLE:
		c->u.tuple.elems = clone_list(s, n->u.tuple.elems, sub);
		break;
	case N_CAST:
		c->u.cast.expr = clone_node(s, n->u.cast.expr, sub);
		break;
	case N_SIZEOF:
		c->u.size_of.expr = clone_node(s, n->u.size_of.expr, sub);
		break;
	case N_ASSIGN:
		c->u.assign.lhs = clone_node(s, n->u.assign.lhs, sub);
		c->u.assign.rhs = clone_node(s, n->u.assign.rhs, sub);
		break;
	case N_INCDEC:
		c->u.incdec.operand = clone_node(s, n->u.incdec.operand, sub);
		break;
	case N_EXPR_STMT:
		c->u.expr_stmt.expr = clone_node(s, n->u.expr_stmt.expr, sub);
		break;
	case N_BLOCK:
		c->u.block.stmts = clone_list(s, n->u.block.stmts, sub);
		break;
	case N_IF:
		c->u.if_.cond = clone_node(s, n->u.if_.cond, sub);
		c->u.if_.then = clone_node(s, n->u.if_.then, sub);
		c->u.if_.els = clone_node(s, n->u.if_.els, sub);
		break;
	case N_WHILE:
		c->u.while_.cond = clone_node(s, n->u.while_.cond, sub);
		c->u.while_.body = clone_node(s, n->u.while_.body, sub);
		break;
	case N_UNROLL:
		c->u.unroll.count = clone_node(s, n->u.unroll.count, sub);
		c->u.unroll.body = clone_node(s, n->u.unroll.body, sub);
		break;
	case N_FOR:
		c->u.for_.var = clone_node(s, n->u.for_.var, sub);
		c->u.for_.map = clone_node(s, n->u.for_.map, sub);
		c->u.for_.body = clone_node(s, n->u.for_.body, sub);
		break;
	case N_RETURN:
		c->u.ret.value = clone_node(s, n->u.ret.value, sub);
		break;
	default:
		break;
	}
	return c;
}

static struct node *clone_list(struct sema *s, struct node *list, const struct subst *sub)
{
	struct node *head = NULL, **tail = &head;
	for (struct node *n = list; n; n = n->next) {
		*tail = clone_node(s, n, sub);
		if (!*tail)
			break; /* over the budget: the copy is dropped */
		tail = &(*tail)->next;
	}
	return head;
}

/* Replaces the call (or bare name) `n` in place by the expansion of macro
 * `m`. As a value the body must end in an expression; as a statement any
 * body works. Returns false after reporting an error. */
static bool expand_macro(struct sema *s, struct node *n, struct node *m, bool as_stmt)
{
	/* after one failed expansion, each further copy of the same body
	 * would fail the same way, exponentially often in a chain */
	if (s->macro_stopped)
		return false;
	struct node *args = n->kind == N_CALL ? n->u.call.args : NULL;
	int nparams = ast_list_len(m->u.macro.params), nargs = ast_list_len(args);
	if (nparams != nargs) {
		diag_error(s->d, n->loc, "macro '%s' takes %d argument%s, %d given",
			   m->u.macro.name, nparams, nparams == 1 ? "" : "s", nargs);
		diag_note(s->d, m->loc, "'%s' is defined here", m->u.macro.name);
		s->macro_stopped = true;
		return false;
	}
	if (s->macro_depth >= MACRO_MAX_DEPTH) {
		diag_error(s->d, n->loc, "macro expansion nested more than %d deep; is '%s' recursive?",
			   MACRO_MAX_DEPTH, m->u.macro.name);
		s->macro_stopped = true;
		return false;
	}
	struct subst sub = {m->u.macro.params, args};
	struct node *body = clone_node(s, m->u.macro.body, &sub);
	if (s->macro_nodes > MACRO_NODE_BUDGET) {
		diag_error(s->d, n->loc,
			   "macro expansion exceeds its budget of %d nodes at this call of '%s'; "
			   "do macros call each other more than once per level?",
			   MACRO_NODE_BUDGET, m->u.macro.name);
		s->macro_stopped = true;
		return false;
	}
	struct node *stmts = body->kind == N_BLOCK ? body->u.block.stmts : body;
	struct node *next = n->next;
	if (as_stmt) {
		n->kind = N_BLOCK;
		memset(&n->u, 0, sizeof(n->u));
		n->u.block.stmts = stmts;
	} else {
		if (!stmts || stmts->next || stmts->kind != N_EXPR_STMT) {
			diag_error(s->d, n->loc,
				   "macro '%s' is used as a value, but its body is not a single "
				   "expression",
				   m->u.macro.name);
			diag_note(s->d, m->loc, "'%s' is defined here", m->u.macro.name);
			s->macro_stopped = true;
			return false;
		}
		*n = *stmts->u.expr_stmt.expr;
	}
	n->next = next;
	return true;
}

/* Checks an expansion, adding a note at the call to each error in it. */
static struct type *check_expanded(struct sema *s, struct node *n, struct loc call_loc,
				   const char *name, bool as_stmt);

/* ---- expressions ------------------------------------------------------ */

static struct type *check_expr(struct sema *s, struct node *n);
static void check_stmts(struct sema *s, struct node *list);
static void check_stmt(struct sema *s, struct node *n);

static struct node *find_macro(struct sema *s, const char *name);

/* "unknown identifier", suggesting a builtin or a constant-like macro. */
static void err_closest_ident(struct sema *s, struct node *n)
{
	const char *cands[BI__COUNT + 256];
	int nc = 0;
	for (int i = 0; i < BI__COUNT; i++)
		cands[nc++] = builtin_names[i];
	for (struct node *m = s->c->prog.macros; m && nc < BI__COUNT + 256; m = m->next)
		if (!m->u.macro.params)
			cands[nc++] = m->u.macro.name;
	const char *near = diag_closest(n->u.ident.name, cands, nc);
	diag_error(s->d, n->loc, "unknown identifier '%s'", n->u.ident.name);
	if (near)
		diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
}

static bool ctx_allows(struct sema *s, unsigned need, struct loc loc, const char *what)
{
	if (!need || (s->ctx & need) == need)
		return true;
	const char *prov = s->naps ? s->aps[0].prov->name : "this";
	diag_error(s->d, loc, "'%s' is not available in %s probes", what, prov);
	return false;
}

static bool reject_record(struct sema *s, struct node *n, struct type *t);

/* The key type of a map access: NULL without keys, the element's type for
 * one key, a tuple for several. */
static struct type *key_type(struct sema *s, struct node *keys, bool *ok)
{
	*ok = true;
	int n = ast_list_len(keys);
	if (n == 0)
		return NULL;
	struct type **elems = arena_alloc(s->a, (size_t)n * sizeof(*elems));
	int i = 0;
	for (struct node *k = keys; k; k = k->next) {
		struct type *t = check_expr(s, k);
		if (!t) {
			*ok = false;
			continue;
		}
		if (t->kind == TYPE_VOID) {
			diag_error(s->d, k->loc, "a map key needs a value, this has none");
			*ok = false;
			continue;
		}
		if (reject_record(s, k, t)) {
			*ok = false;
			continue;
		}
		elems[i++] = is_32bit_builtin(k) ? &type_u32 : key_storage_type(s, t);
	}
	if (!*ok)
		return NULL;
	if (n == 1)
		return elems[0];
	return type_tuple(s->a, elems, (uint32_t)n);
}

static void use_map_keys(struct sema *s, struct node *mapnode)
{
	struct map_info *m = find_map(s, mapnode->u.map.name, mapnode->loc);
	mapnode->u.map.info = m;
	bool ok;
	struct type *kt = key_type(s, mapnode->u.map.keys, &ok);
	if (!ok)
		return;
	if (!m->keys_seen) {
		/* the first access decides whether the map has keys */
		m->keys_seen = true;
		m->keyed = kt != NULL;
		m->keys_loc = mapnode->loc;
	} else if (m->keyed != (kt != NULL)) {
		diag_error(s->d, mapnode->loc, "map '%s' is used %s keys here but %s keys elsewhere",
			   m->name, kt ? "with" : "without", kt ? "without" : "with");
		diag_note(s->d, m->keys_loc, "first used here");
		m->assign_failed = true; /* reported; no "never assigned" on top */
		mapnode->u.map.info = NULL;
		return;
	}
	if (kt) {
		struct type *u = unify(s, m->key, kt);
		if (!u) {
			diag_error(s->d, mapnode->loc,
				   "map '%s' key has type %s here but %s elsewhere", m->name,
				   type_name(s->a, kt), type_name(s->a, m->key));
			diag_note(s->d, m->loc, "first used here");
			return;
		}
		m->key = u;
	}
}

static void set_map_kind(struct sema *s, struct map_info *m, enum agg_kind agg,
			 struct type *value, struct loc loc)
{
	if (m->has_kind && m->agg != agg) {
		diag_error(s->d, loc, "map '%s' holds %s here but %s elsewhere", m->name,
			   agg_name(agg), agg_name(m->agg));
		diag_note(s->d, m->agg_loc, "first used here");
		return;
	}
	if (!m->has_kind) {
		m->has_kind = true;
		m->agg = agg;
		m->agg_loc = loc;
	}
	if (value) {
		struct type *u = unify(s, m->value, storage_type(s, value));
		if (!u) {
			diag_error(s->d, loc, "map '%s' holds %s here but %s elsewhere", m->name,
				   type_name(s->a, value), type_name(s->a, m->value));
			diag_note(s->d, m->agg_loc, "first used here");
			return;
		}
		m->value = u;
	}
}

/* ---- address spaces ---------------------------------------------------- */

/* The type of a context value (argN, args.NAME, retval) at one more
 * attach point of the block: in the space its provider gives it there,
 * merged with the space the earlier attach points gave (`prev`). */
static struct type *ctx_value_type(struct sema *s, struct type *prev,
				   const struct ctx_access *acc)
{
	enum addr_space space = (enum addr_space)acc->space;
	if (prev)
		space = space_merge((enum addr_space)prev->space, space);
	return type_in_space(s->a, acc->type, space);
}

/* The type of a value read from memory in `space` (through p->f, p[i],
 * *p). A record or array found there lies in it. A pointer or address
 * found in user memory points to user memory. In kernel memory, a pointer
 * BTF tags __user points to user memory (its type says so already), an
 * untagged one to kernel memory where BTF has such tags and to either
 * where it has none (Debian's 6.1: every pointer is untagged), and an
 * integer (mm->arg_start) may hold an address of either space. */
static struct type *read_in_space(struct sema *s, struct type *t, enum addr_space space)
{
	if (!t || t->space != SPACE_NONE)
		return t;
	if (space == SPACE_KERNEL &&
	    (t->kind == TYPE_INT || (t->kind == TYPE_PTR && !btf_has_user_tags())))
		space = SPACE_ANY;
	return type_in_space(s->a, t, space);
}

/* *p: the value p points to, read from p's space; *addr (an integer, as a
 * uprobe's arg0) reads the 64-bit value at that address. */
static struct type *check_deref(struct sema *s, struct node *n, struct type *t)
{
	enum addr_space space = (enum addr_space)t->space;
	if (t->kind == TYPE_INT)
		return type_in_space(s->a, &type_u64, space);
	if (t->kind != TYPE_PTR) {
		diag_error(s->d, n->u.unop.operand->loc,
			   "operator '*' needs a pointer or an address, got %s", type_name(s->a, t));
		return NULL;
	}
	if (!t->elem || t->elem->kind == TYPE_VOID || !t->elem->size) {
		diag_error(s->d, n->u.unop.operand->loc,
			   "cannot dereference %s; cast it to a pointer to a type with a size, "
			   "as in *(uint64 *)p",
			   type_name(s->a, t));
		return NULL;
	}
	return read_in_space(s, t->elem, space);
}

/* ---- kernel types (BTF) ------------------------------------------------ */

/* A struct/union from BTF; its fields are looked up in BTF when used. A
 * value of this type is the kernel address of the record: it is never
 * copied, only its fields are read. */
static struct type *record_type(struct sema *s, uint32_t id)
{
	struct btf_type_desc d;
	if (btf_type_describe(id, &d) || d.cls != BTC_RECORD)
		return NULL;
	struct type *t = arena_alloc(s->a, sizeof(*t));
	t->kind = TYPE_RECORD;
	t->size = d.size;
	t->align = 8;
	t->btf_id = (int32_t)d.id;
	t->name = arena_printf(s->a, "%s %s", d.is_union ? "union" : "struct",
			       *d.name ? d.name : "<anonymous>");
	return t;
}

/* The language type of a kernel value of BTF type `id`: integers by size
 * and sign, char arrays as strings, pointers as typed pointers, embedded
 * records as records. NULL when sonde cannot represent it. */
static struct type *btf_value_type(struct sema *s, uint32_t id, int depth)
{
	struct btf_type_desc d;
	if (depth > 4 || btf_type_describe(id, &d))
		return NULL;
	switch (d.cls) {
	case BTC_INT:
		if (d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8)
			return type_int(d.is_signed, d.size);
		return NULL;
	case BTC_PTR: {
		struct btf_type_desc e;
		struct type *to = &type_void;
		if (!btf_type_describe(d.elem_id, &e)) {
			if (e.cls == BTC_RECORD)
				to = record_type(s, e.id);
			else if (e.cls == BTC_INT || e.cls == BTC_PTR)
				to = btf_value_type(s, d.elem_id, depth + 1);
		}
		struct type *p = type_ptr(s->a, to ? to : &type_void);
		/* untagged pointers take the space they are read from */
		return d.user ? type_in_space(s->a, p, SPACE_USER) : p;
	}
	case BTC_ARRAY: {
		struct btf_type_desc e;
		if (!d.count || btf_type_describe(d.elem_id, &e))
			return NULL;
		if (e.cls == BTC_INT && e.size == 1 && e.is_char)
			return type_str(s->a, d.count);
		struct type *et = btf_value_type(s, d.elem_id, depth + 1);
		return et ? type_array(s->a, et, d.count) : NULL;
	}
	case BTC_RECORD:
		return record_type(s, d.id);
	default:
		return NULL;
	}
}

/* A type as written in a cast or sizeof; NULL after an error. */
static struct type *named_type(struct sema *s, const struct typename_ref *to, struct loc loc)
{
	static const struct {
		const char *name;
		bool is_signed;
		uint32_t size;
	} ints[] = {
		{"int8", 1, 1},	  {"int16", 1, 2}, {"int32", 1, 4},  {"int64", 1, 8},
		{"uint8", 0, 1},  {"uint16", 0, 2}, {"uint32", 0, 4}, {"uint64", 0, 8},
		{"s8", 1, 1},	  {"s16", 1, 2},   {"s32", 1, 4},    {"s64", 1, 8},
		{"u8", 0, 1},	  {"u16", 0, 2},   {"u32", 0, 4},    {"u64", 0, 8},
	};
	struct type *base = NULL;
	if (!to->tag) {
		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]) && !base; i++)
			if (!strcmp(ints[i].name, to->name))
				base = type_int(ints[i].is_signed, ints[i].size);
	}
	if (!base && to->tag && strcmp(to->tag, "enum")) {
		int id = btf_find_record(to->name, !strcmp(to->tag, "union"));
		if (id == -ENODATA) {
			diag_error(s->d, loc, "'%s %s' needs kernel BTF, which is not available",
				   to->tag, to->name);
			return NULL;
		}
		if (id < 0) {
			diag_error(s->d, loc, "the kernel has no type '%s %s'", to->tag, to->name);
			return NULL;
		}
		base = record_type(s, (uint32_t)id);
	} else if (!base) {
		int id = btf_find_named(to->name);
		if (id > 0)
			base = btf_value_type(s, (uint32_t)id, 0);
		if (!base) {
			diag_error(s->d, loc, "unknown type '%s%s%s'", to->tag ? to->tag : "",
				   to->tag ? " " : "", to->name);
			return NULL;
		}
	}
	for (int i = 0; i < to->pointer_depth; i++)
		base = type_ptr(s->a, base);
	if (to->array_len >= 0)
		base = type_array(s->a, base, (uint32_t)to->array_len);
	return base;
}

/* p->name / rec.name on kernel memory: the member's type from BTF. */
static struct type *check_kernel_field(struct sema *s, struct node *n, struct type *bt)
{
	struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
	if (!rec || rec->kind != TYPE_RECORD || !rec->btf_id) {
		diag_error(s->d, n->loc, "cannot access field '%s' of a value of type %s",
			   n->u.field.name, type_name(s->a, bt));
		return NULL;
	}
	uint32_t off, tid, bits, bit_off;
	if (btf_find_member((uint32_t)rec->btf_id, n->u.field.name, &off, &tid, &bits,
			    &bit_off)) {
		diag_error(s->d, n->u.field.name_loc, "%s has no field '%s'",
			   type_name(s->a, rec), n->u.field.name);
		const char *names[512];
		int nn = btf_member_names((uint32_t)rec->btf_id, names, 512);
		const char *near = diag_closest(n->u.field.name, names, nn);
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
		return NULL;
	}
	if (bits) {
		diag_error(s->d, n->u.field.name_loc,
			   "field '%s' of %s is a bitfield, which sonde cannot read yet",
			   n->u.field.name, type_name(s->a, rec));
		return NULL;
	}
	struct type *t = btf_value_type(s, tid, 0);
	if (!t) {
		diag_error(s->d, n->u.field.name_loc,
			   "field '%s' of %s has a type sonde cannot read yet", n->u.field.name,
			   type_name(s->a, rec));
		return NULL;
	}
	/* the record lies where the pointer points (or where it lies itself) */
	return read_in_space(s, t, (enum addr_space)bt->space);
}

/* Struct values are kernel addresses: they can be read field by field
 * but not stored or printed whole. */
static bool reject_record(struct sema *s, struct node *n, struct type *t)
{
	if (!t || t->kind != TYPE_RECORD)
		return false;
	diag_error(s->d, n->loc,
		   "a whole %s cannot be stored or printed; use a pointer to it or its fields",
		   type_name(s->a, t));
	return true;
}

static struct type *check_field(struct sema *s, struct node *n)
{
	struct node *base = n->u.field.base;
	if (base->kind == N_IDENT && !strcmp(base->u.ident.name, "args")) {
		base->u.ident.builtin_id = BI_ARGS;
		if (!ctx_allows(s, CTX_HAS_ARGS, base->loc, "args"))
			return NULL;
		struct type *t = NULL;
		for (size_t i = 0; i < s->naps; i++) {
			struct ctx_access acc;
			const struct provider *p = s->aps[i].prov;
			if (!p->arg_field) {
				diag_error(s->d, base->loc, "'args' is not available in %s probes",
					   p->name);
				return NULL;
			}
			if (p->arg_field(s->c, &s->aps[i], n->u.field.name, n->u.field.name_loc,
					 &acc))
				return NULL;
			if (t && !type_equal(t, acc.type)) {
				diag_error(s->d, n->loc,
					   "args.%s has type %s in %s but %s in %s; "
					   "split the probe so each has one type",
					   n->u.field.name, type_name(s->a, t), s->aps[0].spec,
					   type_name(s->a, acc.type), s->aps[i].spec);
				return NULL;
			}
			t = ctx_value_type(s, t, &acc);
		}
		return t;
	}
	if (base->kind == N_IDENT && !strcmp(base->u.ident.name, "pkt")) {
		base->u.ident.builtin_id = BI_PKT;
		if (!ctx_allows(s, CTX_HAS_PKT, base->loc, "pkt"))
			return NULL;
		struct ctx_access acc;
		int depth = sema_pkt_field(n->u.field.name, &acc);
		if (depth < 0) {
			diag_error(s->d, n->u.field.name_loc, "pkt has no field '%s'", n->u.field.name);
			const char *cands[sizeof(pkt_fields) / sizeof(pkt_fields[0])];
			for (size_t i = 0; i < sizeof(pkt_fields) / sizeof(pkt_fields[0]); i++)
				cands[i] = pkt_fields[i].name;
			const char *near = diag_closest(n->u.field.name, cands,
							(int)(sizeof(cands) / sizeof(cands[0])));
			if (near)
				diag_note(s->d, (struct loc){0}, "did you mean 'pkt.%s'?", near);
			return NULL;
		}
		if (depth > s->pkt_depth)
			s->pkt_depth = depth;
		s->pkt_len |= !strcmp(n->u.field.name, "len");
		s->pkt_l4_in_for |= depth == SONDE_PKT_DEPTH_L4 && s->for_depth;
		return acc.type;
	}
	struct type *bt = check_expr(s, base);
	if (!bt)
		return NULL;
	if (bt->kind == TYPE_TUPLE) {
		/* $t.0 style access on tuples */
		char *end;
		long idx = strtol(n->u.field.name, &end, 10);
		if (*end || idx < 0 || (uint32_t)idx >= bt->nfields) {
			diag_error(s->d, n->u.field.name_loc, "tuple %s has no element '%s'",
				   type_name(s->a, bt), n->u.field.name);
			return NULL;
		}
		return bt->fields[idx].type;
	}
	return check_kernel_field(s, n, bt);
}

/* Where a call stands: alone as a statement, as a value, or as the
 * right-hand side of `@map = ...` where aggregations are allowed. */
enum call_mode { CALL_STMT, CALL_VALUE, CALL_AGG };
static struct type *check_call(struct sema *s, struct node *n, enum call_mode mode);

static bool ptr_steps_by_elem(const struct type *t)
{
	return t->kind == TYPE_PTR && t->elem && t->elem->kind != TYPE_VOID && t->elem->size;
}

static struct type *check_binop(struct sema *s, struct node *n)
{
	struct type *l = check_expr(s, n->u.binop.lhs);
	struct type *r = check_expr(s, n->u.binop.rhs);
	if (!l || !r)
		return NULL;
	enum ast_op op = n->u.binop.op;
	if (op == OP_EQ || op == OP_NE) {
		if (is_str(l) && is_str(r))
			return &type_s64;
		if (is_scalar(l) && is_scalar(r))
			return &type_s64;
		if (l->kind == r->kind && l->kind != TYPE_TUPLE && l->kind != TYPE_STR &&
		    l->size == r->size)
			return &type_s64;
		diag_error(s->d, n->loc, "cannot compare %s with %s", type_name(s->a, l),
			   type_name(s->a, r));
		return NULL;
	}
	if (op == OP_LAND || op == OP_LOR) {
		if (!is_scalar(l) || !is_scalar(r)) {
			diag_error(s->d, is_scalar(l) ? n->u.binop.rhs->loc : n->u.binop.lhs->loc,
				   "operator '%s' needs integer operands, got %s",
				   ast_op_name(op), type_name(s->a, is_scalar(l) ? r : l));
			return NULL;
		}
		return &type_s64;
	}
	if (!is_scalar(l) || !is_scalar(r)) {
		struct node *bad = is_scalar(l) ? n->u.binop.rhs : n->u.binop.lhs;
		diag_error(s->d, bad->loc, "operator '%s' needs integer operands, got %s",
			   ast_op_name(op), type_name(s->a, is_scalar(l) ? r : l));
		return NULL;
	}
	if (op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE)
		return &type_s64;
	/* A typed pointer plus or minus an integer moves by whole elements
	 * and stays a pointer of its type, as in C and bpftrace: *($p + 1) of
	 * an int32 * is the int32 after *$p (codegen scales the integer). */
	if ((op == OP_ADD || op == OP_SUB) && ptr_steps_by_elem(l) && is_int(r))
		return l;
	if (op == OP_ADD && is_int(l) && ptr_steps_by_elem(r))
		return r;
	/* Arithmetic happens in 64 bits; the result is unsigned when either
	 * side is an unsigned 64-bit value, as C's usual conversions do, or a
	 * pointer. An address plus an offset stays in its space. */
	bool uns = l->kind == TYPE_PTR || r->kind == TYPE_PTR ||
		   (l->kind == TYPE_INT && !l->is_signed && l->size == 8) ||
		   (r->kind == TYPE_INT && !r->is_signed && r->size == 8);
	return type_in_space(s->a, uns ? &type_u64 : &type_s64,
			     space_merge((enum addr_space)l->space, (enum addr_space)r->space));
}

static bool is_lvalue(struct node *n)
{
	return n->kind == N_VAR || n->kind == N_MAP;
}

/* The value of an integer literal, or of a negated one, as int64: a
 * literal outside -2^63 .. 2^63-1 is an error here rather than a value
 * wrapped into that range. */
static int64_t const_int(struct sema *s, struct node *n, const char *what, bool *ok)
{
	bool neg = n->kind == N_UNOP && n->u.unop.op == OP_NEG && n->u.unop.operand->kind == N_INT;
	if (n->kind != N_INT && !neg) {
		diag_error(s->d, n->loc, "%s must be an integer literal", what);
		*ok = false;
		return 0;
	}
	uint64_t v = neg ? n->u.unop.operand->u.int_lit.value : n->u.int_lit.value;
	if (v > (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX)) {
		diag_error(s->d, n->loc, "%s is %s%llu, which does not fit in a signed 64-bit integer",
			   what, neg ? "-" : "", (unsigned long long)v);
		*ok = false;
		return 0;
	}
	/* in unsigned arithmetic, so that -2^63 is not a negated overflow */
	return neg ? (int64_t)(0 - v) : (int64_t)v;
}

static struct type *check_assign(struct sema *s, struct node *n)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	if (!is_lvalue(lhs)) {
		diag_error(s->d, lhs->loc, "cannot assign to this; expected a $variable or @map");
		check_expr(s, rhs);
		return NULL;
	}
	bool is_compound = n->u.assign.op != OP_NONE;
	if (lhs->kind == N_MAP && rhs->kind == N_CALL && !is_compound) {
		int fid = find_func(rhs->u.call.name);
		if (fid >= 0 && func_is_agg[fid]) {
			use_map_keys(s, lhs);
			rhs->u.call.func_id = fid;
			struct type *in = check_call(s, rhs, CALL_AGG);
			struct map_info *m = lhs->u.map.info;
			if (!m)
				return NULL;
			enum agg_kind agg = func_agg_kind[fid];
			if (agg == AGG_LHIST && rhs->type) {
				struct node *a = rhs->u.call.args->next;
				bool ok = true;
				int64_t mn = const_int(s, a, "lhist() min", &ok),
					mx = const_int(s, a->next, "lhist() max", &ok),
					st = const_int(s, a->next->next, "lhist() step", &ok);
				if (m->has_kind && m->agg == AGG_LHIST &&
				    (m->lhist_min != mn || m->lhist_max != mx ||
				     m->lhist_step != st)) {
					diag_error(s->d, rhs->loc,
						   "map '%s' is an lhist with other bounds elsewhere",
						   m->name);
					diag_note(s->d, m->agg_loc, "first used here");
				}
				m->lhist_min = mn;
				m->lhist_max = mx;
				m->lhist_step = st;
			}
			set_map_kind(s, m, agg, in && in->kind != TYPE_VOID ? in : NULL,
				     rhs->loc);
			return &type_void;
		}
	}
	struct type *rt = check_expr(s, rhs);
	if (reject_record(s, rhs, rt))
		rt = NULL;
	if (lhs->kind == N_MAP) {
		use_map_keys(s, lhs);
		struct map_info *m = lhs->u.map.info;
		if (m && !rt)
			m->assign_failed = true; /* already reported; don't add "never assigned" */
		if (!rt || !m)
			return NULL;
		if (rt->kind == TYPE_VOID) {
			diag_error(s->d, rhs->loc, "this expression has no value to assign");
			return NULL;
		}
		if (is_compound && !is_int(rt)) {
			diag_error(s->d, rhs->loc, "operator '%s=' needs an integer, got %s",
				   ast_op_name(n->u.assign.op), type_name(s->a, rt));
			return NULL;
		}
		if (is_compound && m->value && !is_int(m->value)) {
			diag_error(s->d, n->loc, "operator '%s=' needs an integer map, '%s' holds %s",
				   ast_op_name(n->u.assign.op), m->name, type_name(s->a, m->value));
			return NULL;
		}
		set_map_kind(s, m, AGG_NONE, rt, n->loc);
		lhs->type = m->value;
		return &type_void;
	}
	/* scratch variable */
	if (!rt)
		return NULL;
	if (rt->kind == TYPE_VOID) {
		diag_error(s->d, rhs->loc, "this expression has no value to assign");
		return NULL;
	}
	struct var_info *v = find_var(s, lhs->u.var.name);
	if (!v) {
		if (is_compound) {
			diag_error(s->d, lhs->loc, "variable '$%s' is used before it is assigned",
				   lhs->u.var.name);
			return NULL;
		}
		v = arena_alloc(s->a, sizeof(*v));
		v->name = lhs->u.var.name;
		v->loc = lhs->loc;
		v->next = s->vars;
		s->vars = v;
	}
	if (is_compound && v->type && !is_int(v->type)) {
		diag_error(s->d, n->loc, "operator '%s=' needs an integer variable, '$%s' holds %s",
			   ast_op_name(n->u.assign.op), v->name, type_name(s->a, v->type));
		return NULL;
	}
	struct type *u = unify(s, v->type, storage_type(s, rt));
	if (!u) {
		diag_error(s->d, n->loc, "variable '$%s' holds %s here but %s elsewhere", v->name,
			   type_name(s->a, rt), type_name(s->a, v->type));
		diag_note(s->d, v->loc, "first assigned here");
		return NULL;
	}
	if (is_compound && !is_int(u)) {
		diag_error(s->d, rhs->loc, "operator '%s=' needs integers",
			   ast_op_name(n->u.assign.op));
		return NULL;
	}
	v->type = u;
	lhs->u.var.info = v;
	lhs->type = u;
	return &type_void;
}


/* A record format other than printf's: print(value), time(), join().
 * Codegen finds it on the call (u.call.fmt). */
static struct fmt_info *add_fmt(struct sema *s, struct node *call, const char *fmt,
				uint32_t nargs)
{
	struct fmt_info *f = arena_alloc(s->a, sizeof(*f));
	f->fmt = fmt;
	f->call = call;
	f->nargs = nargs;
	f->arg_types = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_types));
	f->arg_offsets = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_offsets));
	f->index = s->c->nfmts++;
	struct fmt_info **tail = &s->c->fmts;
	while (*tail)
		tail = &(*tail)->next;
	*tail = f;
	s->c->uses_events = true;
	call->u.call.fmt = f;
	return f;
}

/* Whether the running kernel has a BPF helper; yes when it cannot be told
 * (no privilege to ask), so compiling without loading still works. */
static bool kernel_has_helper(enum bpf_func_id id)
{
	static signed char cache[256];
	if (id < 256 && cache[id])
		return cache[id] > 0;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, id, NULL);
	libbpf_set_print(old);
	bool yes = r != 0;
	if (id < 256)
		cache[id] = yes ? 1 : -1;
	return yes;
}

static const char *const unsafe_msg =
	"%s() acts on the system and is unsafe; run sonde with --unsafe to allow it";

/* signal("SIGKILL"), signal("KILL"), signal(9) */
static int signal_number(const char *name)
{
	static const struct {
		const char *name;
		int num;
	} sigs[] = {
		{"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},    {"TRAP", 5},  {"ABRT", 6},
		{"BUS", 7},   {"FPE", 8},   {"KILL", 9},  {"USR1", 10},  {"SEGV", 11}, {"USR2", 12},
		{"PIPE", 13}, {"ALRM", 14}, {"TERM", 15}, {"CHLD", 17},  {"CONT", 18}, {"STOP", 19},
		{"TSTP", 20}, {"TTIN", 21}, {"TTOU", 22}, {"URG", 23},   {"XCPU", 24}, {"XFSZ", 25},
		{"VTALRM", 26}, {"PROF", 27}, {"WINCH", 28}, {"IO", 29}, {"PWR", 30}, {"SYS", 31},
	};
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(sigs[i].name, name))
			return sigs[i].num;
	return -1;
}

/* An error at byte `off` of the format literal `fmtn`. */
static void format_error(struct sema *s, const struct node *fmtn, size_t off, const char *err)
{
	struct loc l = fmtn->loc;
	/* +1 for the opening quote; exact when the literal has no escapes */
	l.first_column += (int)off + 1;
	l.last_line = l.first_line;
	l.last_column = l.first_column;
	diag_error(s->d, l, "invalid format: %s", err);
}

/* time() and strftime() formats: a conversion strftime(3) does not know
 * would print as text, so it is an error here. */
static bool check_time_format(struct sema *s, const struct node *fmtn)
{
	const char *err = NULL;
	size_t off = 0;
	if (fmt_check_time(fmtn->u.str.s, &err, &off) == 0)
		return true;
	format_error(s, fmtn, off, err);
	return false;
}

static struct type *check_printf(struct sema *s, struct node *n, struct node *args)
{
	struct node *fmtn = args;
	if (fmtn->kind != N_STR) {
		diag_error(s->d, fmtn->loc, "%s() needs a string literal as its first argument",
			   n->u.call.name);
		for (struct node *a = args->next; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	const char *err = NULL;
	size_t off = 0;
	int nconv = fmt_count_conversions(fmtn->u.str.s, &err, &off);
	if (nconv < 0) {
		format_error(s, fmtn, off, err);
		return NULL;
	}
	int nargs = ast_list_len(args->next);
	bool ok = true;
	struct fmt_info *f = arena_alloc(s->a, sizeof(*f));
	f->fmt = fmtn->u.str.s;
	f->call = n;
	f->nargs = (uint32_t)nargs;
	f->arg_types = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_types));
	f->arg_offsets = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_offsets));
	uint32_t off_payload = 0;
	int i = 0;
	for (struct node *a = args->next; a; a = a->next, i++) {
		struct type *t = check_expr(s, a);
		if (!t) {
			ok = false;
			continue;
		}
		if (t->kind == TYPE_VOID) {
			diag_error(s->d, a->loc, "this argument has no value");
			ok = false;
			continue;
		}
		if (reject_record(s, a, t)) {
			ok = false;
			continue;
		}
		if (i < nconv) {
			const char *msg =
				fmt_check_arg(s->a, fmtn->u.str.s, (uint32_t)i, storage_type(s, t));
			if (msg) {
				diag_error(s->d, a->loc, "%s", msg);
				ok = false;
			}
		}
		/* integers travel at their own width (pid and friends in 32
		 * bits), so a record carries no padding to clear */
		t = is_32bit_builtin(a) ? &type_u32
		    : t->kind == TYPE_INT ? t
					  : storage_type(s, t);
		f->arg_types[i] = t;
		uint32_t al = t->align ? t->align : 1;
		off_payload = (off_payload + al - 1) / al * al;
		f->arg_offsets[i] = off_payload;
		off_payload += t->size;
	}
	if (nargs != nconv) {
		diag_error(s->d, n->loc,
			   "%s() format has %d conversion%s but %d argument%s given",
			   n->u.call.name, nconv, nconv == 1 ? "" : "s", nargs,
			   nargs == 1 ? " is" : "s are");
		ok = false;
	}
	if (!ok)
		return NULL;
	/* not rounded up: the ring buffer aligns records itself */
	f->size = off_payload;
	f->index = s->c->nfmts++;
	struct fmt_info **tail = &s->c->fmts;
	while (*tail)
		tail = &(*tail)->next;
	*tail = f;
	s->c->uses_events = true;
	/* remember the format on the call for codegen */
	n->u.call.fmt = f;
	return &type_void;
}

static struct type *check_call(struct sema *s, struct node *n, enum call_mode mode)
{
	bool as_stmt = mode == CALL_STMT;
	struct node *macro = find_macro(s, n->u.call.name);
	if (macro && find_func(n->u.call.name) < 0) {
		struct loc call_loc = n->loc;
		if (!expand_macro(s, n, macro, as_stmt))
			return NULL;
		return check_expanded(s, n, call_loc, macro->u.macro.name, as_stmt);
	}
	int fid = find_func(n->u.call.name);
	static const char *const unsafe_funcs[] = {"override"};
	for (size_t i = 0; fid < 0 && i < sizeof(unsafe_funcs) / sizeof(*unsafe_funcs); i++) {
		if (strcmp(n->u.call.name, unsafe_funcs[i]))
			continue;
		if (!s->c->opts->unsafe)
			diag_error(s->d, n->loc, unsafe_msg, n->u.call.name);
		else
			diag_error(s->d, n->loc, "%s() is not supported yet", n->u.call.name);
		for (struct node *a = n->u.call.args; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	if (fid < 0) {
		diag_error(s->d, n->loc, "unknown function '%s'", n->u.call.name);
		const char *near = diag_closest(n->u.call.name, func_names, FN__COUNT);
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
		for (struct node *a = n->u.call.args; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	n->u.call.func_id = fid;
	int nargs = ast_list_len(n->u.call.args);
	if (nargs < func_min_args[fid] || nargs > func_max_args[fid]) {
		if (func_min_args[fid] == func_max_args[fid])
			diag_error(s->d, n->loc, "%s() takes %d argument%s, %d given",
				   n->u.call.name, func_min_args[fid],
				   func_min_args[fid] == 1 ? "" : "s", nargs);
		else
			diag_error(s->d, n->loc, "%s() takes %d %s %d arguments, %d given",
				   n->u.call.name, func_min_args[fid],
				   func_max_args[fid] == func_min_args[fid] + 1 ? "or" : "to",
				   func_max_args[fid], nargs);
		return NULL;
	}
	struct node *args = n->u.call.args;
	if ((fid == FN_SYSTEM || fid == FN_SIGNAL || fid == FN_CAT) && !s->c->opts->unsafe) {
		diag_error(s->d, n->loc, unsafe_msg, n->u.call.name);
		for (struct node *a = n->u.call.args; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	bool is_void_fn = fid == FN_TIME || fid == FN_JOIN || fid == FN_SIGNAL ||
			  fid == FN_SYSTEM || fid == FN_CAT;
	if (is_void_fn && !as_stmt) {
		diag_error(s->d, n->loc, "%s() has no value; use it as a statement",
			   n->u.call.name);
		return NULL;
	}
	if (func_is_agg[fid] && mode != CALL_AGG) {
		diag_error(s->d, n->loc, "%s() must be assigned to a map, as in @x = %s(%s)",
			   n->u.call.name, n->u.call.name, fid == FN_COUNT ? "" : "...");
		return NULL;
	}
	switch ((enum func_id)fid) {
	case FN_PRINTF:
		if (!as_stmt) {
			diag_error(s->d, n->loc, "printf() has no value; use it as a statement");
			return NULL;
		}
		return check_printf(s, n, args);
	case FN_EXIT:
		if (!as_stmt) {
			diag_error(s->d, n->loc, "exit() has no value; use it as a statement");
			return NULL;
		}
		s->c->uses_events = true;
		return &type_void;
	case FN_STR: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		uint32_t size = s->c->opts->max_strlen;
		if (args->next) {
			bool ok = true;
			int64_t len = const_int(s, args->next, "the length of str()", &ok);
			if (!ok)
				return NULL;
			if (len < 1 || len > 4096) {
				diag_error(s->d, args->next->loc,
					   "str() length must be between 1 and 4096, got %lld",
					   (long long)len);
				return NULL;
			}
			/* room for the terminating NUL, as bpftrace does */
			size = (uint32_t)len + 1 < size ? (uint32_t)len + 1 : size;
		}
		/* str(s, n) of a string keeps its first n bytes, as it does of
		 * a pointer */
		if (t->kind == TYPE_STR)
			return args->next && size < t->size ? type_str(s->a, size) : t;
		if (!is_int(t) && t->kind != TYPE_PTR) {
			diag_error(s->d, args->loc, "str() needs a pointer or string, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		return type_str(s->a, size);
	}
	case FN_PRINT:
	case FN_CLEAR:
	case FN_ZERO: {
		if (!as_stmt) {
			diag_error(s->d, n->loc, "%s() has no value; use it as a statement",
				   n->u.call.name);
			return NULL;
		}
		if (args->kind != N_MAP || args->u.map.keys) {
			if (fid == FN_PRINT && !args->next) {
				/* print(value): printed as a map value would be */
				struct type *t = check_expr(s, args);
				if (!t)
					return NULL;
				if (t->kind == TYPE_VOID) {
					diag_error(s->d, args->loc, "this argument has no value");
					return NULL;
				}
				t = storage_type(s, t);
				if (t->kind == TYPE_RECORD) {
					diag_error(s->d, args->loc,
						   "print() cannot print a whole %s; print its "
						   "fields",
						   type_name(s->a, t));
					return NULL;
				}
				struct fmt_info *f = add_fmt(s, n, "", 1);
				f->arg_types[0] = t;
				f->arg_offsets[0] = 0;
				f->size = (t->size + 7) / 8 * 8;
				return &type_void;
			}
			if (fid == FN_PRINT) {
				diag_error(s->d, args->loc,
					   "print() of a value takes no top or div arguments");
				return NULL;
			}
			diag_error(s->d, args->loc, "%s() needs a whole map, as in %s(@name)",
				   n->u.call.name, n->u.call.name);
			return NULL;
		}
		args->u.map.info = find_map(s, args->u.map.name, args->loc);
		for (struct node *a = args->next; a; a = a->next) {
			bool ok = true;
			int64_t v = const_int(s, a, "print()'s top and div arguments", &ok);
			if (ok && v < 0) {
				diag_error(s->d, a->loc, "print()'s %s argument must not be negative",
					   a == args->next ? "top" : "div");
			}
		}
		s->c->uses_events = true;
		return &type_void;
	}
	case FN_DELETE:
		if (!as_stmt) {
			diag_error(s->d, n->loc, "delete() has no value; use it as a statement");
			return NULL;
		}
		if (args->kind != N_MAP) {
			diag_error(s->d, args->loc, "delete() needs a map element, as in "
						    "delete(@m[key])");
			return NULL;
		}
		use_map_keys(s, args);
		return &type_void;
	case FN_REDIRECT: {
		if (!as_stmt) {
			diag_error(s->d, n->loc, "redirect() ends the probe; use it as a statement");
			return NULL;
		}
		if (!ctx_allows(s, CTX_HAS_REDIRECT, n->loc, "redirect()"))
			return NULL;
		if (s->for_depth) {
			diag_error(s->d, n->loc,
				   "redirect() cannot be used inside a 'for' loop over a map");
			return NULL;
		}
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "redirect() needs an interface name in quotes");
			return NULL;
		}
		unsigned idx = if_nametoindex(args->u.str.s);
		if (!idx) {
			diag_error(s->d, args->loc, "no network interface is named '%s'",
				   args->u.str.s);
			return NULL;
		}
		n->u.call.ifindex = idx;
		n->u.call.func_id = FN_REDIRECT;
		return &type_void;
	}
	case FN_TIME: {
		const char *fmt = "%H:%M:%S\n";
		if (args) {
			if (args->kind != N_STR) {
				diag_error(s->d, args->loc, "time() needs a string literal format");
				return NULL;
			}
			if (!check_time_format(s, args))
				return NULL;
			fmt = args->u.str.s;
		}
		add_fmt(s, n, fmt, 0);
		return &type_void;
	}
	case FN_STRFTIME: {
		struct type *t = check_expr(s, args->next);
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "strftime() needs a string literal format");
			return NULL;
		}
		if (!check_time_format(s, args))
			return NULL;
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->next->loc,
				   "strftime() needs a timestamp in ns since boot, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		struct type *ts = arena_alloc(s->a, sizeof(*ts));
		ts->kind = TYPE_TIMESTAMP;
		ts->size = 8;
		ts->align = 8;
		ts->name = args->u.str.s;
		return ts;
	}
	case FN_KSTACK:
	case FN_USTACK: {
		/* kstack([MODE][, LIMIT]): MODE is a bare word, LIMIT a literal */
		if (!ctx_allows(s, CTX_HAS_STACK, n->loc, n->u.call.name))
			return NULL;
		enum stack_mode mode = STACK_MODE_BPFTRACE;
		uint32_t depth = STACK_MAX_DEPTH;
		struct node *a = args;
		if (a && a->kind == N_IDENT) {
			int m = -1;
			for (int i = 0; i < STACK_MODE__COUNT; i++)
				if (!strcmp(a->u.ident.name, stack_mode_names[i]))
					m = i;
			if (m < 0) {
				diag_error(s->d, a->loc,
					   "unknown stack mode '%s' (expected bpftrace or perf)",
					   a->u.ident.name);
				const char *near =
					diag_closest(a->u.ident.name, stack_mode_names, STACK_MODE__COUNT);
				if (near)
					diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
				return NULL;
			}
			mode = (enum stack_mode)m;
			a = a->next;
		}
		if (a) {
			bool ok = true;
			int64_t v = const_int(s, a, "the stack limit", &ok);
			if (!ok)
				return NULL;
			if (a->next) {
				diag_error(s->d, a->next->loc,
					   "%s() takes a mode and a limit, in that order",
					   n->u.call.name);
				return NULL;
			}
			if (v < 1 || v > STACK_MAX_DEPTH) {
				diag_error(s->d, a->loc, "the stack limit must be 1 to %d frames",
					   STACK_MAX_DEPTH);
				return NULL;
			}
			depth = (uint32_t)v;
		}
		s->c->uses_stacks = true;
		return type_stack(s->a, fid == FN_USTACK, mode, depth);
	}
	case FN_KSYM:
	case FN_USYM: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_scalar(t)) {
			diag_error(s->d, args->loc, "%s() needs an address, got %s", n->u.call.name,
				   type_name(s->a, t));
			return NULL;
		}
		return fid == FN_KSYM ? &type_ksym : &type_usym;
	}
	case FN_KADDR: {
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "kaddr() needs a symbol name in quotes");
			return NULL;
		}
		uint64_t addr = sym_kernel_addr(args->u.str.s);
		if (!addr) {
			diag_error(s->d, args->loc, "kaddr(): no kernel symbol is named '%s'",
				   args->u.str.s);
			return NULL;
		}
		n->u.call.kaddr = addr;
		return &type_u64;
	}
	case FN_NTOP: {
		struct node *addr = args->next ? args->next : args;
		if (args->next) {
			struct type *af = check_expr(s, args);
			if (!af)
				return NULL;
			if (!is_int(af)) {
				diag_error(s->d, args->loc,
					   "ntop()'s address family must be an integer, got %s",
					   type_name(s->a, af));
				return NULL;
			}
		}
		struct type *t = check_expr(s, addr);
		if (!t)
			return NULL;
		/* a constant family (AF_INET is a macro, expanded by now) must be
		 * one the printer knows and fit the address: the printer would
		 * show an unknown family as an empty string */
		bool negated_literal = args->kind == N_UNOP && args->u.unop.op == OP_NEG &&
				       args->u.unop.operand->kind == N_INT;
		if (args->next && negated_literal) {
			diag_error(s->d, args->loc,
				   "ntop(): -%llu is not an address family; use AF_INET (%d) or "
				   "AF_INET6 (%d)",
				   (unsigned long long)args->u.unop.operand->u.int_lit.value, AF_INET,
				   AF_INET6);
			return NULL;
		}
		if (args->next && args->kind == N_INT) {
			uint64_t af = args->u.int_lit.value;
			if (af != AF_INET && af != AF_INET6) {
				diag_error(s->d, args->loc,
					   "ntop(): %llu is not an address family; use AF_INET (%d) or "
					   "AF_INET6 (%d)",
					   (unsigned long long)af, AF_INET, AF_INET6);
				return NULL;
			}
			bool bytes = t->kind == TYPE_ARRAY || t->kind == TYPE_STR;
			bool fits = t->kind == TYPE_INET ||
				    (af == AF_INET ? is_int(t) || (bytes && t->size == 4)
						   : bytes && t->size == 16);
			if (!fits) {
				diag_error(s->d, addr->loc,
					   "ntop(%s, ...) needs %s, got %s",
					   af == AF_INET ? "AF_INET" : "AF_INET6",
					   af == AF_INET ? "a 4-byte address (an integer or a 4-byte "
							   "array)"
							 : "a 16-byte array",
					   type_name(s->a, t));
				return NULL;
			}
		}
		bool ok = is_int(t) || t->kind == TYPE_INET ||
			  ((t->kind == TYPE_ARRAY || t->kind == TYPE_STR) &&
			   (t->size == 4 || t->size == 16));
		if (!ok) {
			diag_error(s->d, addr->loc,
				   "ntop() needs an IPv4 address as an integer or a 4- or 16-byte "
				   "array, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		return &type_inet;
	}
	case FN_BUF: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		uint32_t len = s->c->opts->max_strlen;
		if (args->next) {
			struct type *lt = check_expr(s, args->next);
			if (!lt)
				return NULL;
			if (!is_int(lt)) {
				diag_error(s->d, args->next->loc, "buf()'s length must be an integer, got %s",
					   type_name(s->a, lt));
				return NULL;
			}
			/* a literal length is checked here (a negated one is never
			 * valid); one known only at run time is clamped to max_strlen */
			struct node *ln = args->next;
			if (ln->kind == N_UNOP && ln->u.unop.op == OP_NEG &&
			    ln->u.unop.operand->kind == N_INT) {
				diag_error(s->d, ln->loc,
					   "buf() length must be between 1 and 4096, got -%llu",
					   (unsigned long long)ln->u.unop.operand->u.int_lit.value);
				return NULL;
			}
			if (ln->kind == N_INT) {
				uint64_t v = ln->u.int_lit.value;
				if (v < 1 || v > 4096) {
					diag_error(s->d, ln->loc,
						   "buf() length must be between 1 and 4096, got %llu",
						   (unsigned long long)v);
					return NULL;
				}
				len = (uint32_t)v;
			}
		} else if (t->kind == TYPE_STR || t->kind == TYPE_ARRAY) {
			len = t->size;
		} else {
			diag_error(s->d, n->loc, "buf() of a pointer needs a length, as in buf(p, 16)");
			return NULL;
		}
		if (!is_scalar(t) && t->kind != TYPE_STR && t->kind != TYPE_ARRAY) {
			diag_error(s->d, args->loc, "buf() needs a pointer, string or array, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		struct type *bt = arena_alloc(s->a, sizeof(*bt));
		bt->kind = TYPE_BUF;
		bt->size = 4 + len;
		bt->align = 4;
		return bt;
	}
	case FN_JOIN: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_scalar(t)) {
			diag_error(s->d, args->loc,
				   "join() needs a pointer to an array of strings (char **), got %s",
				   type_name(s->a, t));
			return NULL;
		}
		const char *delim = " ";
		if (args->next) {
			if (args->next->kind != N_STR) {
				diag_error(s->d, args->next->loc,
					   "join()'s delimiter must be a string literal");
				return NULL;
			}
			delim = args->next->u.str.s;
		}
		struct fmt_info *f = add_fmt(s, n, delim, 1);
		f->arg_types[0] = type_str(s->a, s->c->opts->max_strlen);
		f->arg_offsets[0] = 8;
		f->size = 8 + JOIN_MAX_ARGS * ((s->c->opts->max_strlen + 7) / 8 * 8);
		return &type_void;
	}
	case FN_LEN:
	case FN_HAS_KEY: {
		if (args->kind != N_MAP || args->u.map.keys) {
			diag_error(s->d, args->loc, "%s() needs a whole map, as in %s(@name%s)",
				   n->u.call.name, n->u.call.name, fid == FN_LEN ? "" : ", key");
			return NULL;
		}
		if (fid == FN_LEN) {
			struct map_info *m = find_map(s, args->u.map.name, args->loc);
			args->u.map.info = m;
			if (m && !m->len_used) {
				m->len_used = true;
				m->len_loc = args->loc;
			}
			if (!kernel_has_helper(BPF_FUNC_for_each_map_elem)) {
				diag_error(s->d, n->loc,
					   "len() needs bpf_for_each_map_elem, which this kernel "
					   "lacks (Linux 5.13 or later)");
				return NULL;
			}
			return &type_s64;
		}
		/* the key becomes the map access's key */
		args->u.map.keys = args->next;
		use_map_keys(s, args);
		if (!args->u.map.info)
			return NULL;
		return &type_s64;
	}
	case FN_SIGNAL: {
		if (args->kind == N_STR) {
			int sig = signal_number(args->u.str.s);
			if (sig < 0) {
				diag_error(s->d, args->loc, "signal(): unknown signal '%s'",
					   args->u.str.s);
				return NULL;
			}
			n->u.call.signal = sig;
			return &type_void;
		}
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->loc,
				   "signal() needs a signal name or number, got %s",
				   type_name(s->a, t));
			return NULL;
		}
		if (args->kind == N_INT && (args->u.int_lit.value < 1 || args->u.int_lit.value > 64)) {
			diag_error(s->d, args->loc, "signal(): %llu is not a signal number",
				   (unsigned long long)args->u.int_lit.value);
			return NULL;
		}
		n->u.call.signal = 0;
		return &type_void;
	}
	case FN_SYSTEM:
	case FN_CAT:
		return check_printf(s, n, args);
	case FN_COUNT:
		return &type_void;
	case FN_SUM:
	case FN_AVG:
	case FN_MIN:
	case FN_MAX:
	case FN_STATS:
	case FN_HIST:
	case FN_LHIST: {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->loc, "%s() needs an integer, got %s", n->u.call.name,
				   type_name(s->a, t));
			return NULL;
		}
		if (fid == FN_LHIST) {
			bool ok = true;
			int64_t mn = const_int(s, args->next, "lhist() min", &ok);
			int64_t mx = const_int(s, args->next->next, "lhist() max", &ok);
			int64_t st = const_int(s, args->next->next->next, "lhist() step", &ok);
			if (!ok)
				return NULL;
			if (st <= 0 || mx <= mn) {
				diag_error(s->d, n->loc,
					   "lhist() needs min < max and step > 0 (got %lld, %lld, %lld)",
					   (long long)mn, (long long)mx, (long long)st);
				return NULL;
			}
			/* max - min as unsigned: it exceeds INT64_MAX when min is
			 * negative and max large, but never 2^64 - 1 */
			uint64_t range = (uint64_t)mx - (uint64_t)mn;
			if (range / (uint64_t)st > 1000) {
				diag_error(s->d, n->loc,
					   "lhist() would have %llu buckets; at most 1000 are allowed",
					   (unsigned long long)(range / (uint64_t)st));
				return NULL;
			}
		}
		n->type = t;
		return t;
	}
	case FN__COUNT:
		break;
	}
	return NULL;
}

static struct type *check_ident(struct sema *s, struct node *n)
{
	int id = find_builtin(n->u.ident.name);
	n->u.ident.builtin_id = id;
	if (id < 0) {
		struct node *macro = find_macro(s, n->u.ident.name);
		if (macro && !macro->u.macro.params) {
			struct loc call_loc = n->loc;
			if (!expand_macro(s, n, macro, false))
				return NULL;
			return check_expanded(s, n, call_loc, macro->u.macro.name, false);
		}
		err_closest_ident(s, n);
		return NULL;
	}
	if (!ctx_allows(s, builtin_ctx[id], n->loc, n->u.ident.name))
		return NULL;
	switch ((enum builtin_id)id) {
	case BI_COMM:
		return type_str(s->a, 16);
	case BI_PROBE: {
		size_t len = 0;
		for (size_t i = 0; i < s->naps; i++)
			if (strlen(s->aps[i].spec) > len)
				len = strlen(s->aps[i].spec);
		return type_str(s->a, (uint32_t)len + 1);
	}
	case BI_ARGS:
		diag_error(s->d, n->loc, "'args' is used with a field, as in args.NAME");
		return NULL;
	case BI_PKT:
		diag_error(s->d, n->loc, "'pkt' is used with a field, as in pkt.proto");
		return NULL;
	case BI_CPID:
		if (!s->c->opts->child_pid) {
			diag_error(s->d, n->loc, "'cpid' is the pid of the command run with -c, "
						 "and there is no -c here");
			return NULL;
		}
		return &type_u32;
	case BI_KSTACK:
		s->c->uses_stacks = true;
		return &type_kstack;
	case BI_USTACK:
		s->c->uses_stacks = true;
		return &type_ustack;
	case BI_ARG0:
	case BI_ARG1:
	case BI_ARG2:
	case BI_ARG3:
	case BI_ARG4:
	case BI_ARG5:
	case BI_ARG6:
	case BI_ARG7:
	case BI_ARG8:
	case BI_ARG9: {
		struct type *t = NULL;
		for (size_t i = 0; i < s->naps; i++) {
			struct ctx_access acc;
			if (!s->aps[i].prov->arg_index ||
			    s->aps[i].prov->arg_index(s->c, &s->aps[i], id - BI_ARG0, n->loc, &acc))
				return NULL;
			t = ctx_value_type(s, t, &acc);
		}
		return t;
	}
	case BI_RETVAL: {
		struct type *t = NULL;
		for (size_t i = 0; i < s->naps; i++) {
			struct ctx_access acc;
			if (!s->aps[i].prov->retval ||
			    s->aps[i].prov->retval(s->c, &s->aps[i], n->loc, &acc))
				return NULL;
			t = ctx_value_type(s, t, &acc);
		}
		return t ? t : &type_s64;
	}
	case BI_USERNAME:
		return &type_username;
	case BI_FUNC: {
		size_t len = 0;
		for (size_t i = 0; i < s->naps; i++) {
			if (!(s->aps[i].prov->ctx & CTX_HAS_FUNC) || !s->aps[i].func) {
				diag_error(s->d, n->loc, "'func' is not available in %s probes",
					   s->aps[i].prov->name);
				return NULL;
			}
			if (strlen(s->aps[i].func) > len)
				len = strlen(s->aps[i].func);
		}
		return type_str(s->a, (uint32_t)len + 1);
	}
	case BI_CURTASK: {
		int id = btf_find_record("task_struct", false);
		if (id <= 0)
			return type_in_space(s->a, &type_u64, SPACE_KERNEL);
		return type_in_space(s->a, type_ptr(s->a, record_type(s, (uint32_t)id)),
				     SPACE_KERNEL);
	}
	case BI_PID:
	case BI_TID:
	case BI_UID:
	case BI_GID:
	case BI_CPU:
	case BI_RAND:
		return &type_u64;
	default:
		return &type_u64;
	}
}

static struct type *check_expr_inner(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_INT:
		if (!n->u.int_lit.is_unsigned && n->u.int_lit.value > INT64_MAX)
			return &type_u64;
		return n->u.int_lit.is_unsigned ? &type_u64 : &type_s64;
	case N_STR:
		return type_str(s->a, (uint32_t)n->u.str.len + 1);
	case N_IDENT:
		return check_ident(s, n);
	case N_VAR: {
		struct var_info *v = find_var(s, n->u.var.name);
		if (!v) {
			diag_error(s->d, n->loc, "variable '$%s' is used before it is assigned",
				   n->u.var.name);
			return NULL;
		}
		n->u.var.info = v;
		return v->type;
	}
	case N_MAP: {
		use_map_keys(s, n);
		struct map_info *m = n->u.map.info;
		if (!m)
			return NULL;
		if (m->has_kind && m->agg != AGG_NONE) {
			if (!agg_readable(m->agg)) {
				diag_error(s->d, n->loc,
					   "map '%s' holds %s, which is per-CPU and can only be "
					   "read when printed",
					   m->name, agg_name(m->agg));
				return NULL;
			}
			return m->agg == AGG_COUNT ? &type_u64 : &type_s64;
		}
		/* The value type may be fixed by an assignment later in the
		 * script; finish_maps() checks such early reads. */
		if (!m->value) {
			struct early_read *r = arena_alloc(s->a, sizeof(*r));
			r->node = n;
			r->next = m->early_reads;
			m->early_reads = r;
		}
		return m->value ? m->value : &type_s64;
	}
	case N_CALL:
		return check_call(s, n, CALL_VALUE);
	case N_BINOP:
		return check_binop(s, n);
	case N_UNOP: {
		struct type *t = check_expr(s, n->u.unop.operand);
		if (!t)
			return NULL;
		switch (n->u.unop.op) {
		case OP_NOT:
		case OP_NEG:
		case OP_PLUS:
		case OP_BNOT:
			if (!is_int(t)) {
				diag_error(s->d, n->u.unop.operand->loc,
					   "operator '%s' needs an integer, got %s",
					   ast_op_name(n->u.unop.op), type_name(s->a, t));
				return NULL;
			}
			if (n->u.unop.op == OP_NOT)
				return &type_s64;
			return storage_type(s, t);
		case OP_DEREF:
			return check_deref(s, n, t);
		default:
			diag_error(s->d, n->loc, "pointer operator '%s' is not supported yet",
				   ast_op_name(n->u.unop.op));
			return NULL;
		}
	}
	case N_TERNARY: {
		struct type *c = check_expr(s, n->u.ternary.cond);
		struct type *a = check_expr(s, n->u.ternary.then);
		struct type *b = check_expr(s, n->u.ternary.els);
		if (!c || !a || !b)
			return NULL;
		if (!is_int(c)) {
			diag_error(s->d, n->u.ternary.cond->loc, "condition must be an integer, got %s",
				   type_name(s->a, c));
			return NULL;
		}
		struct type *u = unify(s, storage_type(s, a), storage_type(s, b));
		if (!u) {
			diag_error(s->d, n->loc, "branches of '?:' have different types, %s and %s",
				   type_name(s->a, a), type_name(s->a, b));
			return NULL;
		}
		return u;
	}
	case N_FIELD:
		return check_field(s, n);
	case N_TUPLE: {
		struct type **elems = arena_alloc(s->a, (size_t)n->u.tuple.count * sizeof(*elems));
		uint32_t i = 0;
		bool ok = true;
		for (struct node *e = n->u.tuple.elems; e; e = e->next) {
			struct type *t = check_expr(s, e);
			if (!t || t->kind == TYPE_VOID) {
				ok = false;
				continue;
			}
			elems[i++] = storage_type(s, t);
		}
		if (!ok)
			return NULL;
		return type_tuple(s->a, elems, i);
	}
	case N_CAST: {
		struct type *t = check_expr(s, n->u.cast.expr);
		if (!t)
			return NULL;
		const struct typename_ref *to = &n->u.cast.to;
		struct type *dst = named_type(s, to, n->loc);
		if (!dst)
			return NULL;
		if (!is_scalar(t) || (dst->kind != TYPE_INT && dst->kind != TYPE_PTR)) {
			diag_error(s->d, n->loc, "cannot cast %s to %s", type_name(s->a, t),
				   type_name(s->a, dst));
			return NULL;
		}
		/* (T *)arg0 in a uprobe points into user memory */
		return type_in_space(s->a, dst, (enum addr_space)t->space);
	}
	case N_ASSIGN:
		return check_assign(s, n);
	case N_INCDEC: {
		struct node *o = n->u.incdec.operand;
		if (!is_lvalue(o)) {
			diag_error(s->d, o->loc, "'%s' needs a $variable or @map",
				   ast_op_name(n->u.incdec.op));
			return NULL;
		}
		if (o->kind == N_MAP) {
			use_map_keys(s, o);
			struct map_info *m = o->u.map.info;
			if (!m)
				return NULL;
			if (m->value && !is_int(m->value)) {
				diag_error(s->d, n->loc, "'%s' needs an integer map, '%s' holds %s",
					   ast_op_name(n->u.incdec.op), m->name,
					   type_name(s->a, m->value));
				return NULL;
			}
			set_map_kind(s, m, AGG_NONE, &type_s64, n->loc);
			o->type = o->u.map.info->value;
			return o->type && is_int(o->type) ? o->type : &type_s64;
		}
		struct var_info *v = find_var(s, o->u.var.name);
		if (!v) {
			diag_error(s->d, o->loc, "variable '$%s' is used before it is assigned",
				   o->u.var.name);
			return NULL;
		}
		if (!is_int(v->type)) {
			diag_error(s->d, o->loc, "'%s' needs an integer variable",
				   ast_op_name(n->u.incdec.op));
			return NULL;
		}
		o->u.var.info = v;
		o->type = v->type;
		return v->type;
	}
	case N_SIZEOF: {
		struct type *t = n->u.size_of.is_type ? named_type(s, &n->u.size_of.to, n->loc)
						      : check_expr(s, n->u.size_of.expr);
		if (!t)
			return NULL;
		/* a constant from here on */
		uint64_t size = t->size;
		n->kind = N_INT;
		memset(&n->u, 0, sizeof(n->u));
		n->u.int_lit.value = size;
		n->u.int_lit.is_unsigned = true;
		return &type_u64;
	}
	case N_INDEX: {
		struct type *bt = check_expr(s, n->u.index.base);
		struct type *it = check_expr(s, n->u.index.index);
		if (!bt || !it)
			return NULL;
		if (!is_int(it)) {
			diag_error(s->d, n->u.index.index->loc, "an index must be an integer, got %s",
				   type_name(s->a, it));
			return NULL;
		}
		struct type *et = NULL;
		uint32_t count = 0;
		if (bt->kind == TYPE_ARRAY) {
			et = bt->elem;
			count = bt->count;
		} else if (bt->kind == TYPE_STR) {
			et = &type_s8;
			count = bt->size;
		} else if (bt->kind == TYPE_PTR && bt->elem && bt->elem->kind != TYPE_VOID &&
			   bt->elem->size) {
			et = bt->elem;
		}
		if (!et) {
			diag_error(s->d, n->u.index.base->loc, "cannot index a value of type %s",
				   type_name(s->a, bt));
			return NULL;
		}
		if (count && n->u.index.index->kind == N_INT &&
		    n->u.index.index->u.int_lit.value >= count) {
			diag_error(s->d, n->u.index.index->loc,
				   "index %llu is out of bounds for %s",
				   (unsigned long long)n->u.index.index->u.int_lit.value,
				   type_name(s->a, bt));
			return NULL;
		}
		return bt->kind == TYPE_STR ? et
					    : read_in_space(s, et, (enum addr_space)bt->space);
	}
	default:
		diag_error(s->d, n->loc, "expected an expression");
		return NULL;
	}
}

static struct type *check_expr(struct sema *s, struct node *n)
{
	struct type *t = check_expr_inner(s, n);
	n->type = t;
	return t;
}

static void check_block(struct sema *s, struct node *blk)
{
	if (!blk)
		return;
	if (blk->kind == N_BLOCK)
		check_stmts(s, blk->u.block.stmts);
	else
		check_stmts(s, blk);
}

static void check_cond(struct sema *s, struct node *cond, const char *what)
{
	struct type *t = check_expr(s, cond);
	if (t && !is_scalar(t))
		diag_error(s->d, cond->loc, "%s must be an integer, got %s", what,
			   type_name(s->a, t));
}

/* `drop;`, `pass;`, `tx;`: asked of every attach point's provider. */
static void check_verdict(struct sema *s, struct node *e)
{
	const char *name = e->u.ident.name;
	if (s->for_depth && (!strcmp(name, "drop") || !strcmp(name, "pass") || !strcmp(name, "tx"))) {
		diag_error(s->d, e->loc, "'%s;' cannot be used inside a 'for' loop over a map",
			   name);
		return;
	}
	static const char *const verdicts[] = {"drop", "pass", "tx"};
	bool is_verdict = false;
	for (size_t i = 0; i < 3; i++)
		is_verdict |= !strcmp(verdicts[i], name);
	for (size_t i = 0; i < s->naps; i++) {
		const struct provider *p = s->aps[i].prov;
		if (!p->verdict) {
			if (is_verdict)
				diag_error(s->d, e->loc,
					   "'%s;' is a packet verdict; it is only allowed in xdp and "
					   "tc probes, not in %s probes",
					   name, p->name);
			else
				err_closest_ident(s, e);
			return;
		}
		int64_t ret;
		if (p->verdict(s->c, &s->aps[i], name, e->loc, &ret))
			return;
		e->u.ident.const_value = ret;
	}
	e->u.ident.is_const = true;
	e->u.ident.builtin_id = -1;
}

/* for ($kv : @map) { ... }: the body becomes a bpf_for_each_map_elem
 * callback; $kv is the tuple (key, value) of one element. The body sees
 * the probe's variables (codegen passes their slots to the callback). */
static void check_for(struct sema *s, struct node *n)
{
	struct node *mv = n->u.for_.map, *var = n->u.for_.var;
	if (mv->u.map.keys) {
		diag_error(s->d, mv->loc, "'for' needs a whole map, as in for ($kv : @name)");
		return;
	}
	if (s->for_depth) {
		diag_error(s->d, n->loc, "'for' loops over maps cannot be nested");
		return;
	}
	struct map_info *m = find_map(s, mv->u.map.name, mv->loc);
	mv->u.map.info = m;
	if (m->has_kind && m->agg != AGG_NONE) {
		diag_error(s->d, mv->loc,
			   "map '%s' holds %s, which is per-CPU; 'for' only iterates maps of plain "
			   "values",
			   m->name, agg_name(m->agg));
		return;
	}
	if (!m->has_kind || !m->keys_seen || !m->value) {
		diag_error(s->d, mv->loc, "map '%s' must be assigned before the 'for' loop over it",
			   m->name);
		return;
	}
	if (!m->keyed) {
		diag_error(s->d, mv->loc, "map '%s' has no keys to iterate over", m->name);
		return;
	}
	if (!kernel_has_helper(BPF_FUNC_for_each_map_elem)) {
		diag_error(s->d, n->loc,
			   "'for' over a map needs bpf_for_each_map_elem, which this kernel lacks "
			   "(Linux 5.13 or later)");
		return;
	}
	if (find_var(s, var->u.var.name)) {
		diag_error(s->d, var->loc, "variable '$%s' is already used in this probe",
			   var->u.var.name);
		return;
	}
	struct type *elems[2] = {m->key, m->value};
	struct var_info *kv = arena_alloc(s->a, sizeof(*kv));
	kv->name = var->u.var.name;
	kv->loc = var->loc;
	kv->type = type_tuple(s->a, elems, 2);
	kv->next = s->vars;
	var->u.var.info = kv;
	var->type = kv->type;
	s->vars = kv;
	s->for_depth++;
	s->loop_depth++;
	check_block(s, n->u.for_.body);
	s->loop_depth--;
	s->for_depth--;
	/* $kv ends with the loop; variables first assigned in the body stay */
	if (s->vars == kv) {
		s->vars = kv->next;
	} else {
		for (struct var_info *v = s->vars; v; v = v->next)
			if (v->next == kv) {
				v->next = kv->next;
				break;
			}
	}
	kv->next = NULL;
}

static void check_stmt(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_EXPR_STMT: {
		struct node *e = n->u.expr_stmt.expr;
		struct node *macro = e->kind == N_CALL ? find_macro(s, e->u.call.name) : NULL;
		if (macro && find_func(e->u.call.name) < 0) {
			struct node *next = n->next;
			struct loc call_loc = e->loc;
			*n = *e;
			n->next = next;
			if (expand_macro(s, n, macro, true))
				check_expanded(s, n, call_loc, macro->u.macro.name, true);
		} else if (e->kind == N_CALL)
			e->type = check_call(s, e, CALL_STMT);
		else if (e->kind == N_ASSIGN || e->kind == N_INCDEC)
			check_expr(s, e);
		else if (e->kind == N_IDENT && find_builtin(e->u.ident.name) < 0)
			check_verdict(s, e);
		else {
			check_expr(s, e);
			diag_warning(s->d, e->loc, "this expression's value is not used");
		}
		break;
	}
	case N_BLOCK:
		check_stmts(s, n->u.block.stmts);
		break;
	case N_IF:
		check_cond(s, n->u.if_.cond, "an if condition");
		check_block(s, n->u.if_.then);
		if (n->u.if_.els)
			check_stmt(s, n->u.if_.els);
		break;
	case N_ASSIGN:
	case N_INCDEC:
		check_expr(s, n);
		break;
	case N_RETURN:
		if (n->u.ret.value)
			check_expr(s, n->u.ret.value);
		break;
	case N_WHILE:
		check_cond(s, n->u.while_.cond, "a while condition");
		s->loop_depth++;
		check_block(s, n->u.while_.body);
		s->loop_depth--;
		break;
	case N_UNROLL: {
		bool ok = true;
		int64_t count = const_int(s, n->u.unroll.count, "unroll's count", &ok);
		if (ok && (count < 1 || count > 100))
			diag_error(s->d, n->u.unroll.count->loc,
				   "unroll's count must be between 1 and 100, got %lld",
				   (long long)count);
		check_block(s, n->u.unroll.body);
		break;
	}
	case N_BREAK:
	case N_CONTINUE:
		if (!s->loop_depth)
			diag_error(s->d, n->loc, "'%s' outside of a while loop",
				   n->kind == N_BREAK ? "break" : "continue");
		break;
	case N_FOR:
		check_for(s, n);
		break;
	default:
		diag_error(s->d, n->loc, "expected a statement");
		break;
	}
}

static void check_stmts(struct sema *s, struct node *list)
{
	for (struct node *n = list; n; n = n->next)
		check_stmt(s, n);
}

static struct type *check_expanded(struct sema *s, struct node *n, struct loc call_loc,
				   const char *name, bool as_stmt)
{
	int before = s->d->nerrors;
	s->macro_depth++;
	struct type *t = NULL;
	if (as_stmt)
		check_stmt(s, n);
	else
		t = check_expr(s, n);
	s->macro_depth--;
	if (s->d->nerrors > before) {
		diag_note(s->d, call_loc, "in the expansion of macro '%s' called here", name);
		s->macro_stopped = true;
	}
	return as_stmt ? &type_void : t;
}

/* ---- probes ----------------------------------------------------------- */

static const struct provider *spec_provider(struct sema *s, struct node *spec, const char **rest)
{
	const char *text = spec->u.spec.text;
	const char *colon = strchr(text, ':');
	char name[64];
	size_t len = colon ? (size_t)(colon - text) : strlen(text);
	if (len >= sizeof(name))
		len = sizeof(name) - 1;
	memcpy(name, text, len);
	name[len] = 0;
	*rest = colon ? colon + 1 : NULL;
	const struct provider *p = provider_find(name);
	if (p)
		return p;
	struct loc l = spec->loc;
	l.last_line = l.first_line;
	l.last_column = l.first_column + (int)len - 1;
	diag_error(s->d, l, "unknown probe type '%s'", name);
	const char *cands[64];
	int n = 0;
	for (int i = 0; provider_table[i] && n < 64; i++) {
		cands[n++] = provider_table[i]->name;
		for (const char *const *al = provider_table[i]->aliases; al && *al && n < 64; al++)
			cands[n++] = *al;
	}
	const char *near = diag_closest(name, cands, n);
	if (near)
		diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
	return NULL;
}

static void check_probe(struct sema *s, struct node *probe)
{
	struct compilation *c = s->c;
	c->npending = 0;
	bool ok = true;
	for (struct node *spec = probe->u.probe.specs; spec; spec = spec->next) {
		const char *rest;
		const struct provider *p = spec_provider(s, spec, &rest);
		if (!p) {
			ok = false;
			continue;
		}
		if (p->expand(c, spec, rest))
			ok = false;
	}
	if (!ok || c->npending == 0)
		return;
	s->probe = probe;
	s->naps = c->npending;
	s->aps = c->pending;
	c->pending = NULL;
	c->npending = c->cap_pending = 0;
	s->ctx = ~0u;
	for (size_t i = 0; i < s->naps; i++)
		s->ctx &= s->aps[i].prov->ctx;
	s->vars = NULL;
	s->pkt_depth = -1;
	s->pkt_len = s->pkt_l4_in_for = false;

	if (probe->u.probe.predicate)
		check_cond(s, probe->u.probe.predicate, "a predicate");
	check_block(s, probe->u.probe.body);

	for (size_t i = 0; i < s->naps; i++) {
		struct probe_inst *pi = arena_alloc(s->a, sizeof(*pi));
		pi->probe = probe;
		pi->ap = &s->aps[i];
		pi->vars = s->vars;
		pi->pkt_depth = s->pkt_depth;
		pi->pkt_len = s->pkt_len;
		pi->pkt_l4_eager = s->pkt_l4_in_for;
		pi->index = c->ninsts++;
		pi->prog_name = arena_printf(s->a, "p%d", pi->index);
		struct probe_inst **tail = &c->insts;
		while (*tail)
			tail = &(*tail)->next;
		*tail = pi;
	}
}

/* Maps read before their type was known got s64; now that every use is
 * seen, make sure each map has a value type and reads agree with it. */
static void finish_maps(struct sema *s)
{
	for (struct map_info *m = s->c->maps; m; m = m->next) {
		if (!m->has_kind) {
			if (!m->assign_failed)
				diag_error(s->d, m->loc, "map '%s' is used but never assigned",
					   m->name);
			continue;
		}
		for (struct early_read *r = m->early_reads; r; r = r->next) {
			if (m->agg != AGG_NONE && !agg_readable(m->agg))
				diag_error(s->d, r->node->loc,
					   "map '%s' holds %s, which is per-CPU and can only be "
					   "read when printed",
					   m->name, agg_name(m->agg));
			else if (m->value && !is_int(m->value))
				diag_error(s->d, r->node->loc,
					   "map '%s' is read here as an integer, but it holds %s; "
					   "assign it before the first read",
					   m->name, type_name(s->a, m->value));
		}
		/* a map without keys holds one value: bpftrace refuses len() of
		 * it too, rather than answer 1 whether or not it was set */
		if (m->len_used && !m->keyed)
			diag_error(s->d, m->len_loc,
				   "len() counts the keys of a map, and '%s' has none", m->name);
		if (m->agg == AGG_COUNT)
			m->value = &type_u64;
		else if (m->agg != AGG_NONE && !m->value)
			m->value = &type_s64;
	}
}

int sema_run(struct compilation *c)
{
	struct sema s = {.c = c, .a = &c->arena, .d = c->diag};
	int before = c->diag->nerrors;
	for (struct node *m = c->prog.macros; m; m = m->next) {
		if (find_func(m->u.macro.name) >= 0 || find_builtin(m->u.macro.name) >= 0)
			diag_error(c->diag, m->loc, "macro '%s' has the name of a builtin",
				   m->u.macro.name);
		for (struct node *o = c->prog.macros; o != m; o = o->next)
			if (!strcmp(o->u.macro.name, m->u.macro.name)) {
				diag_error(c->diag, m->loc, "macro '%s' is defined twice",
					   m->u.macro.name);
				diag_note(c->diag, o->loc, "first defined here");
			}
	}
	int index = 0;
	for (struct node *p = c->prog.probes; p; p = p->next) {
		p->u.probe.index = index++;
		check_probe(&s, p);
	}
	if (!c->prog.probes)
		diag_error(c->diag, (struct loc){0, 1, 1, 1, 1}, "the program has no probes");
	finish_maps(&s);
	return c->diag->nerrors > before ? -1 : 0;
}
