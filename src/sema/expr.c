/*
 * expr.c - expressions: every kind of expression gets its type here
 * (check_expr), except calls (calls.c); identifiers, fields, operators,
 * assignments, casts, indexing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf.h"
#include "kernel/btf_enums.h"
#include "sema/sema_internal.h"

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

/* A pointer or a uint64: what can hold an address */
static bool is_address(const struct type *t)
{
	return t->kind == TYPE_PTR || (t->kind == TYPE_INT && t->size == 8 && !t->is_signed);
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
			/* pointers to different types at different attach
			 * points (struct stat * and struct __old_kernel_stat *),
			 * or a pointer and a uint64, are the address, as the
			 * field was before it was typed */
			if (t && !type_equal(t, acc.type) && is_address(t) &&
			    is_address(acc.type) &&
			    (t->kind == TYPE_PTR || acc.type->kind == TYPE_PTR)) {
				acc.type = &type_u64;
				t = type_in_space(s->a, &type_u64, (enum addr_space)t->space);
			}
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
	if (base->kind == N_IDENT && !strcmp(base->u.ident.name, "pkt"))
		return check_pkt_field(s, n);
	struct type *bt = check_expr(s, base);
	if (!bt)
		return NULL;
	if (type_is_named_tuple(bt)) {
		/* $r.name on records */
		for (uint32_t i = 0; i < bt->nfields; i++)
			if (!strcmp(bt->fields[i].name, n->u.field.name)) {
				n->u.field.name = arena_printf(s->a, "%u", i);
				return bt->fields[i].type;
			}
		diag_error(s->d, n->u.field.name_loc, "record %s has no field '%s'",
			   type_name(s->a, bt), n->u.field.name);
		return NULL;
	}
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

static bool ptr_steps_by_elem(const struct type *t)
{
	return t->kind == TYPE_PTR && t->elem && t->elem->kind != TYPE_VOID && t->elem->size;
}

/* p + i and p[i] step by the size of *p: this kernel's, for a kernel
 * record (no relocation moves it) */
static void bind_elem_size(struct sema *s, struct node *n, const struct type *ptr)
{
	if (has_kernel_layout(ptr->elem))
		compilation_bind_kernel(s->c, n->loc,
					arena_printf(s->a, "a step over a %s (its size in this kernel)",
						     type_name(s->a, ptr->elem)));
}

/* Tuples compare (== and !=, bpftrace 0.26) element by element:
 * integers with integers, strings with strings, tuples alike; both of
 * one length. */
static bool tuples_comparable(const struct type *l, const struct type *r)
{
	if (l->nfields != r->nfields)
		return false;
	for (uint32_t i = 0; i < l->nfields; i++) {
		const char *na = l->fields[i].name, *nb = r->fields[i].name;
		if ((na || nb) && (!na || !nb || strcmp(na, nb)))
			return false; /* records: the same names in the same order */
		const struct type *a = l->fields[i].type, *b = r->fields[i].type;
		bool ok = (is_scalar(a) && is_scalar(b)) || (is_str(a) && is_str(b)) ||
			  (a->kind == TYPE_TUPLE && b->kind == TYPE_TUPLE && tuples_comparable(a, b));
		if (!ok)
			return false;
	}
	return true;
}

/* ADDR in NET: an inet value against a network literal (10.0.0.0/8, or
 * an address alone, a network of one); a bool. */
static struct type *check_in(struct sema *s, struct node *n)
{
	struct node *net = n->u.binop.rhs;
	if (net->kind == N_MAP && !net->u.map.keys && map_declared_lpm(s, net->u.map.name)) {
		/* ADDR in @set: a longest-prefix lookup of ADDR, which becomes
		 * the map access's key (as has_key's key does) */
		net->u.map.keys = n->u.binop.lhs;
		use_map_keys(s, net);
		if (!net->u.map.info)
			return NULL;
		return &type_cmp_bool;
	}
	struct type *l = check_expr(s, n->u.binop.lhs);
	if (net->kind != N_INET) {
		if (net->kind != N_MAP) /* a map is not read: no "never assigned" */
			check_expr(s, net);
		diag_error(s->d, net->loc,
		           "the right of 'in' must be a network literal, such as 10.0.0.0/8 or "
		           "fd00::/8, or a map declared lpm()");
		return NULL;
	}
	net->type = &type_inet;
	if (!l)
		return NULL;
	if (l->kind != TYPE_INET) {
		diag_error(s->d, n->u.binop.lhs->loc,
		           "'in' tests an address (pkt.saddr, ntop(), a literal), got %s",
		           type_name(s->a, l));
		return NULL;
	}
	return &type_cmp_bool;
}

static struct type *check_binop(struct sema *s, struct node *n)
{
	if (n->u.binop.op == OP_IN)
		return check_in(s, n);
	struct type *l = check_expr(s, n->u.binop.lhs);
	struct type *r = check_expr(s, n->u.binop.rhs);
	if (!l || !r)
		return NULL;
	enum ast_op op = n->u.binop.op;
	/* comparisons, && and || give bpftrace 0.26's bool, which bpftrace
	 * 0.17 holds as an integer: type_cmp_bool prints either way */
	bool compares =
	    op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
	/* as C and bpftrace warn; a void * compares with any pointer */
	if (compares && l->kind == TYPE_PTR && r->kind == TYPE_PTR && l->elem && r->elem &&
	    l->elem->kind != TYPE_VOID && r->elem->kind != TYPE_VOID && !type_equal(l, r))
		diag_warning(s->d, n->loc, "comparison of distinct pointer types %s and %s",
		             type_name(s->a, l), type_name(s->a, r));
	if (op == OP_EQ || op == OP_NE) {
		if (is_str(l) && is_str(r))
			return &type_cmp_bool;
		if (l->kind == TYPE_TUPLE && r->kind == TYPE_TUPLE) {
			if (tuples_comparable(l, r))
				return &type_cmp_bool;
			diag_error(s->d, n->loc, "cannot compare %s with %s: tuples compare element by element, so their elements must be of the same kinds",
				   type_name(s->a, l), type_name(s->a, r));
			return NULL;
		}
		if (is_scalar(l) && is_scalar(r))
			return &type_cmp_bool;
		/* buffers of any sizes: equal when their lengths and bytes are */
		if (l->kind == TYPE_BUF && r->kind == TYPE_BUF)
			return &type_cmp_bool;
		if (l->kind == r->kind && l->kind != TYPE_TUPLE && l->kind != TYPE_STR &&
		    l->size == r->size &&
		    (l->kind != TYPE_RECORD || l->btf_id == r->btf_id) &&
		    (l->kind != TYPE_ARRAY || type_equal(storage_type(s, l), storage_type(s, r))))
			return &type_cmp_bool;
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
		return &type_cmp_bool;
	}
	if (!is_scalar(l) || !is_scalar(r)) {
		struct node *bad = is_scalar(l) ? n->u.binop.rhs : n->u.binop.lhs;
		diag_error(s->d, bad->loc, "operator '%s' needs integer operands, got %s",
			   ast_op_name(op), type_name(s->a, is_scalar(l) ? r : l));
		return NULL;
	}
	if (op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE)
		return &type_cmp_bool;
	/* bpftrace 0.26 keeps a bool of two bools: & | ^ stay 1 or 0 */
	if ((op == OP_BAND || op == OP_BOR || op == OP_BXOR) && l->kind == TYPE_BOOL &&
	    r->kind == TYPE_BOOL)
		return &type_cmp_bool;
	/* bpftrace 0.26 keeps + - * of two bools a bool too, computed in one
	 * bit. For * that is the same number as 0.17's product of 1s and 0s;
	 * + and - differ (true + true is false, false - true true), and sonde
	 * computes them on integers, as 0.17 does: a script that counts
	 * conditions reads differently */
	if (op == OP_MUL && l->kind == TYPE_BOOL && r->kind == TYPE_BOOL)
		return &type_cmp_bool;
	if ((op == OP_ADD || op == OP_SUB) && l->kind == TYPE_BOOL && r->kind == TYPE_BOOL)
		diag_warning(s->d, n->loc,
		             "'%s' of two bools: sonde computes it on the integers 1 and 0, as "
		             "bpftrace 0.17 does (%s is %d); bpftrace 0.26 computes it on bools, "
		             "in one bit (%s is %s)",
		             ast_op_name(op), op == OP_ADD ? "true + true" : "false - true",
		             op == OP_ADD ? 2 : -1, op == OP_ADD ? "true + true" : "false - true",
		             op == OP_ADD ? "false" : "true");
	/* A pointer only moves by an integer (p + n, n + p, p - n), as in
	 * bpftrace, which refuses p - q, n - p and p * n: arithmetic on an
	 * address is written on the integer, (uint64)p. */
	if ((l->kind == TYPE_PTR || r->kind == TYPE_PTR) &&
	    !((op == OP_ADD || op == OP_SUB) && l->kind == TYPE_PTR && is_int(r)) &&
	    !(op == OP_ADD && is_int(l) && r->kind == TYPE_PTR)) {
		diag_error(
		    s->d, n->loc,
		    "operator '%s' cannot be used on %s and %s; a pointer only moves by "
		    "an integer (p + n, p - n); cast it to uint64 to compute with its address",
		    ast_op_name(op), type_name(s->a, l), type_name(s->a, r));
		return NULL;
	}
	/* A typed pointer plus or minus an integer moves by whole elements
	 * and stays a pointer of its type, as in C and bpftrace: *($p + 1) of
	 * an int32 * is the int32 after *$p (codegen scales the integer). */
	if ((op == OP_ADD || op == OP_SUB) && ptr_steps_by_elem(l) && is_int(r)) {
		bind_elem_size(s, n, l);
		return l;
	}
	if (op == OP_ADD && is_int(l) && ptr_steps_by_elem(r)) {
		bind_elem_size(s, n, r);
		return r;
	}
	/* Arithmetic happens in 64 bits; the result is unsigned when either
	 * side is an unsigned 64-bit value, as C's usual conversions do, or a
	 * pointer. An address plus an offset stays in its space. */
	bool uns = l->kind == TYPE_PTR || r->kind == TYPE_PTR ||
		   (l->kind == TYPE_INT && !l->is_signed && l->size == 8) ||
		   (r->kind == TYPE_INT && !r->is_signed && r->size == 8);
	return type_in_space(s->a, uns ? &type_u64 : &type_s64,
			     space_merge((enum addr_space)l->space, (enum addr_space)r->space));
}

/* $p += n, $p -= n, $p++ and $p-- on a pointer move it by whole
 * elements, as $p = $p + n does (bytes for a pointer to void). */
static bool ptr_steps(enum ast_op op, const struct type *t)
{
	return t && t->kind == TYPE_PTR &&
	       (op == OP_ADD || op == OP_SUB || op == OP_PREINC || op == OP_PREDEC ||
	        op == OP_POSTINC || op == OP_POSTDEC);
}

static bool is_lvalue(struct node *n)
{
	return n->kind == N_VAR || n->kind == N_MAP;
}

/* A kernel enumerator (TCP_ESTABLISHED, BPF_PROG_TYPE_XDP) named where no
 * builtin or macro has the name: `n` becomes its value, an integer
 * literal. 1 when it did, 0 when the kernel has no such enumerator, -1
 * after an error (enums that give the name different values). */
static int kernel_enumerator(struct sema *s, struct node *n)
{
	int64_t value, other;
	bool is_signed;
	int err = btf_find_enumerator(s->c->host, n->u.ident.name, &value, &other, &is_signed);
	if (err == -ENOTUNIQ) {
		diag_error(s->d, n->loc,
		           "'%s' is an enumerator of several kernel enums, with different values "
		           "(%lld and %lld); write the value",
		           n->u.ident.name, (long long)value, (long long)other);
		return -1;
	}
	if (err)
		return 0;
	compilation_bind_kernel(s->c, n->loc,
				arena_printf(s->a, "kernel enum constant %s", n->u.ident.name));
	n->kind = N_INT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.int_lit.value = (uint64_t)value;
	/* an unsigned enum's values above INT64_MAX stay unsigned */
	n->u.int_lit.is_unsigned = !is_signed && value < 0;
	return 1;
}

/* The value of an integer literal, or of a negated one, as int64: a
 * literal outside -2^63 .. 2^63-1 is an error here rather than a value
 * wrapped into that range. */
int64_t const_int(struct sema *s, struct node *n, const char *what, bool *ok)
{
	/* an enumerator is a literal too: str(p, TASK_COMM_LEN); so is a
	 * constant of the script (#define, enum) */
	struct type *script_const = n->kind == N_IDENT && find_builtin(n->u.ident.name) < 0
					    ? cdefs_ident(s, n)
					    : NULL;
	if (script_const) {
		n->type = script_const;
	} else if (n->kind == N_IDENT && find_builtin(n->u.ident.name) < 0 &&
		   !find_macro(s, n->u.ident.name)) {
		int found = kernel_enumerator(s, n);
		if (found < 0) {
			*ok = false;
			return 0;
		}
		if (found)
			n->type = n->u.int_lit.is_unsigned ? &type_u64 : &type_s64;
	}
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

/* @map = count(), hist(x), ...: the map holds that aggregation. */
static struct type *check_agg_assign(struct sema *s, struct node *n, int fid)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	use_map_keys(s, lhs);
	rhs->u.call.builtin_id = fid;
	struct map_info *outer = s->agg_map;
	s->agg_map = lhs->u.map.info;
	struct type *in = check_call(s, rhs, CALL_AGG);
	s->agg_map = outer;
	struct map_info *m = lhs->u.map.info;
	if (!m)
		return NULL;
	set_map_kind(s, m, builtin_rows[fid].agg, in && in->kind != TYPE_VOID ? in : NULL,
		     rhs->loc);
	return &type_void;
}

/* @map[keys] = value and @map[keys] op= value. */
static struct type *check_map_assign(struct sema *s, struct node *n, struct type *rt)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	bool is_compound = n->u.assign.op != OP_NONE;
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
	if (is_compound && m->value && !is_int(m->value) && !ptr_steps(n->u.assign.op, m->value)) {
		diag_error(s->d, n->loc, "operator '%s=' needs an integer map, '%s' holds %s",
			   ast_op_name(n->u.assign.op), m->name, type_name(s->a, m->value));
		return NULL;
	}
	bool steps = is_compound && ptr_steps(n->u.assign.op, m->value);
	set_map_kind(s, m, AGG_NONE, steps ? m->value : rt, n->loc);
	lhs->type = m->value;
	return &type_void;
}

static struct type *check_var_assign(struct sema *s, struct node *n, struct type *rt);

/* `$x` names no variable here: never assigned, or a `let` one whose
 * block has ended. */
static void err_unknown_var(struct sema *s, struct node *n)
{
	struct var_info *ended = find_ended_var(s, n->u.var.name);
	if (!ended) {
		diag_error(s->d, n->loc, "variable '$%s' is used before it is assigned",
			   n->u.var.name);
		return;
	}
	diag_error(s->d, n->loc,
		   "variable '$%s' is not visible here: it is declared with 'let' in a block "
		   "that has ended",
		   n->u.var.name);
	diag_note(s->d, ended->loc, "'$%s' is declared here", n->u.var.name);
}

/* The type written in `let $x: T`: an integer type, bool, `string` or
 * `string[N]`. */
static struct type *declared_type(struct sema *s, struct node *n)
{
	const struct typename_ref *to = &n->u.assign.decl_type;
	struct loc loc = n->u.assign.type_loc;
	if (!to->tag && to->pointer_depth == 0 && !strcmp(to->name, "string")) {
		uint32_t max = s->c->opts->max_strlen;
		if (to->array_len < 0)
			return type_str(s->a, max);
		if (to->array_len < 1 || (uint32_t)to->array_len > max) {
			diag_error(s->d, loc, "a string's size is 1 to %u bytes (max_strlen), got %d",
				   max, to->array_len);
			return NULL;
		}
		return type_str(s->a, (uint32_t)to->array_len);
	}
	if (!to->tag && to->pointer_depth == 0 && to->array_len < 0 && !strcmp(to->name, "bool"))
		return &type_bool;
	struct type *t = named_type(s, to, loc);
	if (!t)
		return NULL;
	if (to->array_len >= 0 || to->pointer_depth || t->kind != TYPE_INT) {
		diag_error(s->d, loc,
			   "a variable is declared with an integer type, bool or string, got %s",
			   type_name(s->a, t));
		return NULL;
	}
	return t;
}

/* Whether the integer `v` (signed when is_signed) is a value of `t`. */
static bool fits_int(const struct type *t, int64_t v, bool is_signed)
{
	if (t->kind == TYPE_BOOL)
		return v == 0 || v == 1;
	unsigned bits = t->size * 8;
	if (t->is_signed) {
		if (!is_signed && (uint64_t)v > (uint64_t)INT64_MAX)
			return false;
		if (bits == 64)
			return true;
		int64_t lim = (int64_t)1 << (bits - 1);
		return v >= -lim && v < lim;
	}
	if (is_signed && v < 0)
		return false;
	return bits == 64 || (uint64_t)v < (uint64_t)1 << bits;
}

/* $x = v where `let $x: T` fixed $x's type: v converts to T as bpftrace
 * 0.26 converts it. An integer of another width or sign is converted (a
 * constant outside T is an error: it needs a cast), a string is cut to
 * T's size (a literal that does not fit is an error). */
static struct type *assign_declared(struct sema *s, struct node *n, struct var_info *v,
				    struct type *rt)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	struct type *t = v->type;
	bool is_compound = n->u.assign.op != OP_NONE;
	if (is_int(t)) {
		if (!is_int(rt)) {
			diag_error(s->d, rhs->loc, "'$%s' is declared %s, got %s", v->name,
				   type_name(s->a, t), type_name(s->a, rt));
			diag_note(s->d, v->loc, "declared here");
			return NULL;
		}
		int64_t c;
		if (!is_compound && fold_const(rhs, &c) && !fits_int(t, c, rt->is_signed)) {
			if (rt->is_signed)
				diag_error(s->d, rhs->loc,
					   "%lld is not a value of %s, the type '$%s' is declared "
					   "with; a cast converts it: (%s)%lld",
					   (long long)c, type_name(s->a, t), v->name,
					   type_name(s->a, t), (long long)c);
			else
				diag_error(s->d, rhs->loc,
					   "%llu is not a value of %s, the type '$%s' is declared "
					   "with; a cast converts it: (%s)%llu",
					   (unsigned long long)c, type_name(s->a, t), v->name,
					   type_name(s->a, t), (unsigned long long)c);
			return NULL;
		}
	} else if (is_str(t)) {
		if (is_compound || !is_str(rt)) {
			diag_error(s->d, rhs->loc, "'$%s' is declared %s, got %s", v->name,
				   type_name(s->a, t), type_name(s->a, rt));
			diag_note(s->d, v->loc, "declared here");
			return NULL;
		}
		if (rhs->kind == N_STR && rhs->u.str.len + 1 > t->size) {
			diag_error(s->d, rhs->loc,
				   "this string has %zu bytes with its NUL; '$%s' is declared %s",
				   rhs->u.str.len + 1, v->name, type_name(s->a, t));
			return NULL;
		}
	}
	lhs->u.var.info = v;
	lhs->type = t;
	return &type_void;
}

/* `let $x [: T] [= v]`: a new variable of the current block. */
static struct type *check_let(struct sema *s, struct node *n, struct type *rt)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	struct type *decl = n->u.assign.typed ? declared_type(s, n) : NULL;
	if (rt && rt->kind == TYPE_VOID) {
		diag_error(s->d, rhs->loc, "this expression has no value to assign");
		rt = NULL;
	}
	struct var_info *old = find_var(s, lhs->u.var.name);
	if (old) {
		diag_error(s->d, lhs->loc, "variable '$%s' is already declared", old->name);
		diag_note(s->d, old->loc, old->let_decl ? "declared here" : "assigned here");
		return NULL;
	}
	struct var_info *v = arena_alloc(s->a, sizeof(*v));
	v->name = lhs->u.var.name;
	v->loc = lhs->loc;
	v->scope = cur_scope(s);
	v->scope_loc = lhs->loc;
	v->let_decl = true;
	v->next = s->vars;
	s->vars = v;
	lhs->u.var.info = v;
	if (n->u.assign.typed) {
		if (!decl) {
			v->type = &type_s64; /* reported; its uses are not */
			return NULL;
		}
		v->typed = true;
		v->type = v->natural = decl;
		lhs->type = decl;
	}
	if (!rhs)
		return &type_void; /* 0, or "": codegen zeroes it */
	if (!rt) {
		if (!v->type)
			v->type = &type_s64;
		return NULL;
	}
	if (v->typed)
		return assign_declared(s, n, v, rt);
	return check_var_assign(s, n, rt);
}

/* $var = value and $var op= value: the first assignment declares it. */
static struct type *check_var_assign(struct sema *s, struct node *n, struct type *rt)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	bool is_compound = n->u.assign.op != OP_NONE;
	if (rt && rt->kind == TYPE_VOID) {
		diag_error(s->d, rhs->loc, "this expression has no value to assign");
		rt = NULL;
	}
	struct var_info *v = find_var(s, lhs->u.var.name);
	if (!rt) {
		/* the value's error is reported: the variable counts as
		 * assigned, without a type, so that its uses are not reported
		 * again as uses before an assignment */
		if (!v && !is_compound) {
			v = arena_alloc(s->a, sizeof(*v));
			v->name = lhs->u.var.name;
			v->loc = lhs->loc;
			v->next = s->vars;
			s->vars = v;
		}
		return NULL;
	}
	if (!v) {
		if (is_compound) {
			err_unknown_var(s, lhs);
			return NULL;
		}
		v = arena_alloc(s->a, sizeof(*v));
		v->name = lhs->u.var.name;
		v->loc = lhs->loc;
		v->scope = cur_scope(s);
		v->scope_loc = lhs->loc;
		v->next = s->vars;
		s->vars = v;
	} else if (is_compound && v->let_decl && !v->type) {
		diag_error(s->d, lhs->loc, "variable '$%s' is read before a value is assigned to it",
			   v->name);
		return NULL;
	} else {
		var_scope_use(s, v, lhs->loc, !is_compound);
	}
	if (v->typed)
		return assign_declared(s, n, v, rt);
	if (is_compound && v->type && !is_int(v->type) && !ptr_steps(n->u.assign.op, v->type)) {
		diag_error(s->d, n->loc, "operator '%s=' needs an integer variable, '$%s' holds %s",
			   ast_op_name(n->u.assign.op), v->name, type_name(s->a, v->type));
		return NULL;
	}
	/* $p += n keeps $p's pointer type */
	struct type *u = is_compound && ptr_steps(n->u.assign.op, v->type) && is_int(rt)
	                     ? v->type
	                     : unify(s, v->type, storage_type(s, rt));
	if (!u) {
		diag_error(s->d, n->loc, "variable '$%s' holds %s here but %s elsewhere", v->name,
			   type_name(s->a, rt), type_name(s->a, v->type));
		diag_note(s->d, v->loc, "first assigned here");
		return NULL;
	}
	if (is_compound && !is_int(u) && !ptr_steps(n->u.assign.op, u)) {
		diag_error(s->d, rhs->loc, "operator '%s=' needs integers",
			   ast_op_name(n->u.assign.op));
		return NULL;
	}
	if (!v->type)
		v->natural = natural_type(s, rhs);
	v->type = u;
	lhs->u.var.info = v;
	lhs->type = u;
	return &type_void;
}

static struct type *check_assign(struct sema *s, struct node *n)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	if (lhs->kind == N_FIELD && lhs->u.field.base->kind == N_IDENT &&
	    !strcmp(lhs->u.field.base->u.ident.name, "pkt"))
		return check_pkt_assign(s, n);
	if (!is_lvalue(lhs)) {
		diag_error(s->d, lhs->loc, "cannot assign to this; expected a $variable or @map");
		check_expr(s, rhs);
		return NULL;
	}
	bool is_compound = n->u.assign.op != OP_NONE;
	if (lhs->kind == N_MAP && rhs->kind == N_CALL && !is_compound) {
		int fid = find_func(rhs->u.call.name);
		if (fid >= 0 && (builtin_rows[fid].flags & BF_AGG))
			return check_agg_assign(s, n, fid);
	}
	struct type *rt = rhs ? check_expr(s, rhs) : NULL;
	if (rhs && reject_record(s, rhs, rt))
		rt = NULL;
	/* $n += true adds 1: arithmetic on a bool is on its integer */
	if (is_compound && rt && rt->kind == TYPE_BOOL)
		rt = &type_s64;
	if (lhs->kind == N_MAP)
		return check_map_assign(s, n, rt);
	if (n->u.assign.let)
		return check_let(s, n, rt);
	return check_var_assign(s, n, rt);
}

static struct type *check_expr_inner(struct sema *s, struct node *n);

static struct type *check_ident(struct sema *s, struct node *n)
{
	int id = find_builtin(n->u.ident.name);
	n->u.ident.builtin_id = id;
	if (id < 0) {
		/* an enumerator or #define of the script, before stdlib's macros
		 * (its #define AF_INET 99 is what it means) */
		struct type *constant = cdefs_ident(s, n);
		if (constant)
			return constant;
		struct node *macro = find_macro_nargs(s, n->u.ident.name, 0);
		if (macro) {
			struct loc call_loc = n->loc;
			if (!expand_macro(s, n, macro, false))
				return NULL;
			return check_expanded(s, n, call_loc, macro->u.macro.name, false);
		}
		/* bpftrace 0.26's bool literals, before the kernel's enum of
		 * the same names (whose true is an int 1) */
		const char *name = n->u.ident.name;
		if (!strcmp(name, "true") || !strcmp(name, "false")) {
			bool v = !strcmp(name, "true");
			n->kind = N_INT;
			memset(&n->u, 0, sizeof(n->u));
			n->u.int_lit.value = v;
			n->u.int_lit.is_bool = true; /* for a second check of the node */
			if (!s->c->bool_literal_seen) {
				s->c->bool_literal_seen = true;
				s->c->bool_literal_loc = n->loc;
			}
			return &type_bool;
		}
		int found = kernel_enumerator(s, n);
		if (found > 0)
			return check_expr_inner(s, n);
		if (!found)
			err_closest_ident(s, n);
		return NULL;
	}
	return check_builtin_value(s, n);
}

/* $name: a scratch variable, which must be assigned before */
static struct type *check_var(struct sema *s, struct node *n)
{
	struct var_info *v = find_var(s, n->u.var.name);
	if (!v) {
		err_unknown_var(s, n);
		return NULL;
	}
	if (v->let_decl && !v->type) {
		diag_error(s->d, n->loc,
			   "variable '$%s' is read before a value is assigned to it, so it has no "
			   "type yet",
			   v->name);
		diag_note(s->d, v->loc, "declared here without a type (let $%s: TYPE; gives one)",
			  v->name);
		return NULL;
	}
	var_scope_use(s, v, n->loc, false);
	n->u.var.info = v;
	return v->type;
}

/* @name[keys] read as a value */
static struct type *check_map_read(struct sema *s, struct node *n)
{
	use_map_keys(s, n);
	struct map_info *m = n->u.map.info;
	if (!m)
		return NULL;
	if (m->limiter) {
		diag_error(s->d, n->loc,
			   "map '%s' keeps the state of ratelimit() and cannot be read as a "
			   "value; ratelimit() itself tells whether a token was left",
			   m->name);
		diag_note(s->d, m->limiter_loc, "ratelimit() uses it here");
		return NULL;
	}
	if (m->has_kind && m->agg != AGG_NONE) {
		if (!agg_readable(s->c->host, m->agg)) {
			diag_error(s->d, n->loc,
				   "map '%s' holds %s, which is per-CPU and can only be "
				   "read when printed",
				   m->name, agg_infos[m->agg].name);
			return NULL;
		}
		return agg_infos[m->agg].is_unsigned ? &type_u64 : &type_s64;
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

/* &$x: the address of the variable's slot (the BPF stack or scratch
 * memory, both kernel memory), as bpftrace 0.26 has it, so *&$x and
 * $p = &$x; ... *$p read the variable as it is then. bpftrace's &@map is
 * the map object itself, which only its helpers use; sonde has none. */
static struct type *check_addr_of(struct sema *s, struct node *n, struct type *t)
{
	struct node *o = n->u.unop.operand;
	if (o->kind != N_VAR) {
		diag_error(s->d, o->loc,
		           "operator '&' takes the address of a $variable only, as in &$x");
		return NULL;
	}
	return type_in_space(s->a, type_ptr(s->a, t), SPACE_KERNEL);
}

/* !x, -x, +x, ~x, *p and &$x */
static struct type *check_unop(struct sema *s, struct node *n)
{
	struct type *t = check_expr(s, n->u.unop.operand);
	if (!t)
		return NULL;
	/* !p: a pointer is true when it is not NULL */
	if (n->u.unop.op == OP_NOT && t->kind == TYPE_PTR)
		return &type_cmp_bool;
	if (n->u.unop.op == OP_ADDR)
		return check_addr_of(s, n, t);
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
			return &type_cmp_bool;
		/* -b, ~b: arithmetic on a bool is on its integer */
		if (t->kind == TYPE_BOOL)
			return &type_s64;
		return storage_type(s, t);
	case OP_DEREF:
		return check_deref(s, n, t);
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
	case OP_ADDR:
	case OP_PREINC:
	case OP_PREDEC:
	case OP_POSTINC:
	case OP_POSTDEC:
	case OP_IN:
		break; /* &, and operators that no UNOP carries */
	}
	diag_error(s->d, n->loc, "pointer operator '%s' is not supported yet",
		   ast_op_name(n->u.unop.op));
	return NULL;
}

/* cond ? a : b, and cond ?: b */
static struct type *check_ternary(struct sema *s, struct node *n)
{
	struct type *c = check_expr(s, n->u.ternary.cond);
	bool elvis = !n->u.ternary.then;
	struct type *a = elvis ? c : check_expr(s, n->u.ternary.then);
	struct type *b = check_expr(s, n->u.ternary.els);
	if (!c || !a || !b)
		return NULL;
	if (elvis && !is_scalar(c)) {
		diag_error(s->d, n->u.ternary.cond->loc,
			   "the left operand of '?:' must be an integer or a pointer, got %s",
			   type_name(s->a, c));
		return NULL;
	}
	if (!is_scalar(c)) {
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

/* (a, b, ...) */
static struct type *check_tuple(struct sema *s, struct node *n)
{
	struct type **elems = arena_alloc(s->a, (size_t)n->u.tuple.count * sizeof(*elems));
	uint32_t i = 0;
	bool ok = true;
	for (struct node *e = n->u.tuple.elems; e; e = e->next) {
		struct type *t = check_expr(s, e);
		if (!t || t->kind == TYPE_VOID || reject_record(s, e, t)) {
			ok = false;
			continue;
		}
		elems[i++] = storage_type(s, t);
	}
	if (!ok)
		return NULL;
	struct type *tt = type_tuple(s->a, elems, i);
	const char **names = n->u.tuple.names;
	for (uint32_t j = 0; names && j < i; j++) {
		for (uint32_t k = 0; k < j; k++)
			if (!strcmp(names[k], names[j])) {
				diag_error(s->d, n->loc, "the record has two fields named '%s'",
					   names[j]);
				return NULL;
			}
		tt->fields[j].name = names[j];
	}
	return tt;
}

/* (type)x */
static struct type *check_cast(struct sema *s, struct node *n)
{
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

/* $x++, @m[k]-- and the like */
static struct type *check_incdec(struct sema *s, struct node *n)
{
	struct node *o = n->u.incdec.operand;
	if (o->kind == N_FIELD && o->u.field.base->kind == N_IDENT &&
	    !strcmp(o->u.field.base->u.ident.name, "pkt")) {
		/* pkt.ttl-- is pkt.ttl -= 1: a rewrite, which has no value */
		enum ast_op op = n->u.incdec.op;
		n->kind = N_ASSIGN;
		memset(&n->u.assign, 0, sizeof(n->u.assign));
		n->u.assign.op = op == OP_PREINC || op == OP_POSTINC ? OP_ADD : OP_SUB;
		n->u.assign.lhs = o;
		n->u.assign.rhs = ast_int(s->a, n->loc, 1, false);
		return check_pkt_assign(s, n);
	}
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
		if (m->value && !is_int(m->value) && !ptr_steps(n->u.incdec.op, m->value)) {
			diag_error(s->d, n->loc, "'%s' needs an integer map, '%s' holds %s",
				   ast_op_name(n->u.incdec.op), m->name,
				   type_name(s->a, m->value));
			return NULL;
		}
		if (!m->value || is_int(m->value))
			set_map_kind(s, m, AGG_NONE, &type_s64, n->loc);
		o->type = o->u.map.info->value;
		return o->type && is_scalar(o->type) ? o->type : &type_s64;
	}
	struct var_info *v = find_var(s, o->u.var.name);
	if (!v) {
		err_unknown_var(s, o);
		return NULL;
	}
	if (!v->type && v->let_decl) {
		diag_error(s->d, o->loc, "variable '$%s' is read before a value is assigned to it",
			   v->name);
		return NULL;
	}
	if (!v->type) /* its assignment's error is reported */
		return NULL;
	var_scope_use(s, v, o->loc, false);
	if (!is_int(v->type) && !ptr_steps(n->u.incdec.op, v->type)) {
		diag_error(s->d, o->loc, "'%s' needs an integer variable",
			   ast_op_name(n->u.incdec.op));
		return NULL;
	}
	/* $b++ on a comparison's bool counts on, as on 0.17's int64 */
	if (v->type->kind == TYPE_BOOL && v->type->int_in_017)
		v->type = &type_s64;
	o->u.var.info = v;
	o->type = v->type;
	return v->type;
}

/* sizeof(type) and sizeof(expr), which become a constant */
static struct type *check_sizeof(struct sema *s, struct node *n)
{
	struct node *e = n->u.size_of.expr;
	struct typename_ref to;
	if (!n->u.size_of.is_type && e->kind == N_IDENT && find_builtin(e->u.ident.name) < 0 &&
	    !find_macro(s, e->u.ident.name) && program_typedef_name(s, e->u.ident.name, e->loc, &to)) {
		n->u.size_of.to = to; /* a typedef of the binary, not a value */
		n->u.size_of.is_type = true;
	}
	struct type *t = n->u.size_of.is_type ? named_type(s, &n->u.size_of.to, n->loc)
					      : check_expr(s, n->u.size_of.expr);
	if (!t)
		return NULL;
	uint64_t size;
	if (has_kernel_layout(t))
		compilation_bind_kernel(
		    s->c, n->loc,
		    arena_printf(s->a, "%s of %s", n->u.size_of.member ? "offsetof" : "sizeof",
				 type_name(s->a, t)));
	if (n->u.size_of.member) {
		if (!member_offset(s, t, n->u.size_of.member, n->u.size_of.member_loc, &size))
			return NULL;
	} else {
		size = n->u.size_of.is_type ? t->size : natural_type(s, n->u.size_of.expr)->size;
	}
	/* a constant from here on */
	n->kind = N_INT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.int_lit.value = size;
	n->u.int_lit.is_unsigned = true;
	return &type_u64;
}

/* a[i] on arrays, strings and typed pointers */
static struct type *check_index(struct sema *s, struct node *n)
{
	struct type *bt = check_expr(s, n->u.index.base);
	struct type *it = check_expr(s, n->u.index.index);
	if (!bt || !it)
		return NULL;
	if (!is_int(it)) {
		diag_error(s->d, n->u.index.index->loc, "an index must be an integer, got %s",
			   type_name(s->a, it));
		return NULL;
	}
	if (bt->kind == TYPE_TUPLE) {
		/* $t[N] is $t.N (bpftrace 0.26): N must be a constant */
		int64_t v;
		if (!fold_const(n->u.index.index, &v)) {
			diag_error(s->d, n->u.index.index->loc,
				   "a tuple's index must be a constant, as in $t[1]");
			return NULL;
		}
		if (v < 0 || (uint64_t)v >= bt->nfields) {
			diag_error(s->d, n->u.index.index->loc, "tuple %s has no element %lld",
				   type_name(s->a, bt), (long long)v);
			return NULL;
		}
		struct node *base = n->u.index.base;
		struct loc iloc = n->u.index.index->loc;
		n->kind = N_FIELD;
		memset(&n->u, 0, sizeof(n->u));
		n->u.field.base = base;
		n->u.field.name = arena_printf(s->a, "%lld", (long long)v);
		n->u.field.name_loc = iloc;
		return bt->fields[v].type;
	}
	struct type *et = NULL;
	uint32_t count = 0;
	if (bt->kind == TYPE_ARRAY) {
		if (has_kernel_layout(bt->elem))
			compilation_bind_kernel(
			    s->c, n->loc,
			    arena_printf(s->a, "an element of an array of %s (its size in this kernel)",
					 type_name(s->a, bt->elem)));
		et = bt->elem;
		count = bt->count;
	} else if (bt->kind == TYPE_STR) {
		et = &type_s8;
		count = bt->size;
	} else if (bt->kind == TYPE_PTR && bt->elem && bt->elem->kind != TYPE_VOID &&
		   bt->elem->size) {
		et = bt->elem;
		bind_elem_size(s, n, bt);
	}
	if (!et) {
		diag_error(s->d, n->u.index.base->loc, "cannot index a value of type %s",
			   type_name(s->a, bt));
		return NULL;
	}
	/* a constant index, negative ones too, is checked against the array's
	 * length here, in bpftrace's words */
	struct node *ix = n->u.index.index;
	bool neg = ix->kind == N_UNOP && ix->u.unop.op == OP_NEG && ix->u.unop.operand &&
		   ix->u.unop.operand->kind == N_INT && ix->u.unop.operand->u.int_lit.value;
	if (count && (neg || (ix->kind == N_INT && ix->u.int_lit.value >= count))) {
		uint64_t v = neg ? ix->u.unop.operand->u.int_lit.value : ix->u.int_lit.value;
		diag_error(s->d, ix->loc, "the index %s%llu is out of bounds for %s of size %u",
			   neg ? "-" : "", (unsigned long long)v,
			   bt->kind == TYPE_STR ? "string" : "array", count);
		return NULL;
	}
	return bt->kind == TYPE_STR ? et
				    : read_in_space(s, et, (enum addr_space)bt->space);
}

static struct type *check_expr_inner(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_INT:
		if (n->u.int_lit.is_bool)
			return &type_bool;
		if (!n->u.int_lit.is_unsigned && n->u.int_lit.value > INT64_MAX)
			return &type_u64;
		return n->u.int_lit.is_unsigned ? &type_u64 : &type_s64;
	case N_STR:
		return type_str(s->a, (uint32_t)n->u.str.len + 1);
	case N_INET:
		/* a network stands only on the right of 'in' (check_in) */
		if (n->u.inet.prefix >= 0) {
			diag_error(s->d, n->loc,
			           "%s is a network, not an address; test membership with "
			           "'ADDR in %s'",
			           n->u.inet.text, n->u.inet.text);
			return NULL;
		}
		return &type_inet;
	case N_IDENT:
		return check_ident(s, n);
	case N_VAR:
		return check_var(s, n);
	case N_MAP:
		return check_map_read(s, n);
	case N_CALL:
		return check_call(s, n, CALL_VALUE);
	case N_BINOP:
		return check_binop(s, n);
	case N_UNOP:
		return check_unop(s, n);
	case N_TERNARY:
		return check_ternary(s, n);
	case N_FIELD:
		return check_field(s, n);
	case N_TUPLE:
		return check_tuple(s, n);
	case N_CAST:
		return check_cast(s, n);
	case N_ASSIGN:
		return check_assign(s, n);
	case N_INCDEC:
		return check_incdec(s, n);
	case N_SIZEOF:
		return check_sizeof(s, n);
	case N_INDEX:
		return check_index(s, n);
	case N_BLOCK:
		if (!n->u.block.value)
			break;
		/* { stmts; value }: the statements, then the value, inside
		 * the block's scope (check_block) */
		check_block(s, n);
		return n->type;
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
		break;
	}
	diag_error(s->d, n->loc, "expected an expression");
	return NULL;
}

struct type *check_expr(struct sema *s, struct node *n)
{
	struct type *t = check_expr_inner(s, n);
	n->type = t;
	return t;
}

/* Whether a value of `t` prints a bool: a comparison's (cmp) or
 * another, as a true/false literal's. */
static bool holds_bool(const struct type *t, bool cmp)
{
	if (!t)
		return false;
	if (t->kind == TYPE_BOOL)
		return t->int_in_017 == cmp;
	if (t->kind == TYPE_TUPLE)
		for (uint32_t i = 0; i < t->nfields; i++)
			if (holds_bool(t->fields[i].type, cmp))
				return true;
	return false;
}

/* A comparison's bool printed: bpftrace 0.17 prints its integer, 0.26
 * the word; the output version decides, and the warning says which. */
void warn_cmp_bool_reading(struct sema *s, const struct type *t, struct loc loc)
{
	struct compilation *c = s->c;
	if (c->cmp_bool_reading_warned || !holds_bool(t, true))
		return;
	c->cmp_bool_reading_warned = true;
	if (c->opts->output_026)
		diag_warning(s->d, loc,
			     "this prints the result of a comparison, '!', '&&', '||' or "
			     "strcontains(): sonde prints true or false, as bpftrace 0.26 does "
			     "(--output-version 0.26); bpftrace 0.17 prints 1 or 0");
	else
		diag_warning(s->d, loc,
			     "this prints the result of a comparison, '!', '&&', '||' or "
			     "strcontains(): sonde prints 1 or 0, as bpftrace 0.17 does; "
			     "bpftrace 0.26 prints true or false, as sonde does with "
			     "--output-version 0.26");
}

void warn_bool_reading(struct sema *s, const struct type *t, struct loc loc)
{
	warn_cmp_bool_reading(s, t, loc);
	warn_literal_bool_reading(s, t, loc);
}

void warn_literal_bool_reading(struct sema *s, const struct type *t, struct loc loc)
{
	struct compilation *c = s->c;
	if (!c->bool_literal_seen || c->bool_reading_warned || !holds_bool(t, false))
		return;
	c->bool_reading_warned = true;
	diag_warning(s->d, loc,
		     "this prints a bool: sonde prints true or false, as bpftrace 0.26 does; "
		     "bpftrace 0.17 reads 'true' and 'false' as the kernel's enumerators of "
		     "those names and prints 1 and 0");
	struct loc lit = c->bool_literal_loc;
	if (lit.file != loc.file || lit.first_line != loc.first_line ||
	    lit.first_column != loc.first_column)
		diag_note(s->d, lit, "the first 'true' or 'false' is here");
}
