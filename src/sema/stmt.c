/*
 * stmt.c - statements: blocks, conditions, loops (while, unroll, for
 * over a map), packet verdicts, and expression statements (a call, a
 * macro, an assignment).
 */
#include <string.h>

#include "kernel/features.h"
#include "sema/sema_internal.h"

static void check_stmts(struct sema *s, struct node *list);

/*
 * Scopes. bpftrace 0.26 scopes every variable to the block that first
 * assigns it, and `let` declares one there; bpftrace 0.17 has one scope
 * per probe. sonde keeps both readings apart:
 * - a `let` variable ends with its block: a later use by that name is an
 *   error (find_ended_var says where it was declared);
 * - a variable assigned without `let` stays the probe's (0.17), but sonde
 *   remembers the block whose assignment gives it its 0.26 scope. A plain
 *   assignment outside that block moves it there (0.26 would declare a
 *   new variable, which the 0.17 reading overwrites: the same values). A
 *   read, `op=` or `++` outside it is what 0.26 rejects: there, once per
 *   variable, a warning names the use and the assignment, and the 0.17
 *   reading is taken.
 */
const struct node *cur_scope(const struct sema *s)
{
	return s->nscopes ? s->scopes[s->nscopes - 1] : NULL;
}

static bool in_scope(const struct sema *s, const struct node *scope)
{
	if (!scope)
		return true;
	for (int i = 0; i < s->nscopes; i++)
		if (s->scopes[i] == scope)
			return true;
	return false;
}

void var_scope_use(struct sema *s, struct var_info *v, struct loc loc, bool assign)
{
	if (!v || in_scope(s, v->scope))
		return;
	if (assign) {
		v->scope = cur_scope(s);
		v->scope_loc = loc;
		return;
	}
	if (v->warned)
		return;
	v->warned = true;
	diag_warning(s->d, loc,
		     "'$%s' is used outside the block that assigned it: bpftrace 0.26 rejects "
		     "this (its variables are scoped to their block); sonde reads it as bpftrace "
		     "0.17 does, one '$%s' for the whole probe",
		     v->name, v->name);
	diag_note(s->d, v->scope_loc, "'$%s' is assigned here, in a block that has ended", v->name);
}

static void push_scope(struct sema *s, const struct node *blk)
{
	if (s->nscopes < SEMA_MAX_SCOPES)
		s->scopes[s->nscopes++] = blk;
	else
		s->scope_overflow++;
}

/* The `let` variables of `blk` end; one declared without a type or a
 * value and never assigned is an integer 0. */
static void pop_scope(struct sema *s, const struct node *blk)
{
	if (s->scope_overflow) {
		s->scope_overflow--;
		return;
	}
	s->nscopes--;
	for (struct var_info *v = s->vars; v; v = v->next)
		if (v->let_decl && v->scope == blk) {
			v->ended = true;
			if (!v->type)
				v->type = &type_s64;
		}
}

void check_block(struct sema *s, struct node *blk)
{
	if (!blk)
		return;
	push_scope(s, blk);
	if (blk->kind == N_BLOCK)
		check_stmts(s, blk->u.block.stmts);
	else
		check_stmts(s, blk);
	/* a block expression's value is inside the block: its `let`
	 * variables are still visible there */
	if (blk->kind == N_BLOCK && blk->u.block.value)
		blk->type = check_expr(s, blk->u.block.value);
	pop_scope(s, blk);
}

void check_cond(struct sema *s, struct node *cond, const char *what)
{
	struct type *t = check_expr(s, cond);
	if (t && !is_scalar(t))
		diag_error(s->d, cond->loc, "%s must be an integer, got %s", what,
			   type_name(s->a, t));
}

/* `name;` is a verdict of other providers than `p`: which ones. */
static void err_verdict_elsewhere(struct sema *s, struct node *e, const struct provider *p)
{
	const struct provider *with[16];
	int n = 0;
	for (int i = 0; provider_table[i] && n < 16; i++)
		if (provider_table[i]->verdicts)
			with[n++] = provider_table[i];
	char names[256] = "";
	size_t len = 0;
	for (int i = 0; i < n && len < sizeof(names); i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
					i == 0 ? "" : i == n - 1 ? " and " : ", ", with[i]->name);
	diag_error(s->d, e->loc,
		   "'%s;' is a packet verdict; it is only allowed in %s probes, not in %s probes",
		   e->u.ident.name, names, p->name);
}

/* `drop;`, `pass;`, `tx;`: a verdict statement every attach point's
 * provider must have (its `verdicts`, provider.h). */
static void check_verdict(struct sema *s, struct node *e)
{
	const char *name = e->u.ident.name;
	bool is_verdict = provider_any_verdict(name);
	if (s->for_depth && is_verdict) {
		diag_error(s->d, e->loc, "'%s;' cannot be used inside a 'for' loop over a map",
			   name);
		return;
	}
	for (size_t i = 0; i < s->naps; i++) {
		const struct provider *p = s->aps[i].prov;
		if (!p->verdicts) {
			if (is_verdict)
				err_verdict_elsewhere(s, e, p);
			else
				err_closest_ident(s, e);
			return;
		}
		const struct verdict *v = provider_verdict(p, name);
		if (!v) {
			p->verdict_error(s->c, name, e->loc);
			return;
		}
		e->u.ident.const_value = v->value;
	}
	e->u.ident.is_const = true;
	e->u.ident.builtin_id = -1;
}

/* for ($kv : @map) { ... }: the body becomes a bpf_for_each_map_elem
 * callback; $kv is the tuple (key, value) of one element. The body sees
 * the probe's variables and the variables of the loops around it
 * (codegen passes their slots to the callback); loops nest, each
 * callback calling the next helper, break and continue acting on the
 * innermost, as in bpftrace 0.26. */
/* for ($i : start..end): $i from start up to end, excluded, both
 * evaluated once before the loop (bpftrace 0.26); the body becomes a
 * bpf_loop callback. The type of $i: uint64 when both bounds are, else
 * int64. */
static struct type *check_range(struct sema *s, struct node *n)
{
	struct node *b[2] = {n->u.for_.start, n->u.for_.end};
	struct type *t[2];
	bool ok = true;
	for (int i = 0; i < 2; i++) {
		t[i] = check_expr(s, b[i]);
		if (t[i] && !is_int(t[i])) {
			diag_error(s->d, b[i]->loc, "the %s of a 'for' range must be an integer, got %s",
				   i ? "end" : "start", type_name(s->a, t[i]));
			t[i] = NULL;
		}
		ok &= t[i] != NULL;
	}
	if (!ok)
		return NULL;
	if (!feat_has_helper(s->c->host, BPF_FUNC_loop)) {
		diag_error(s->d, n->loc,
			   "'for' over a range needs bpf_loop, which this kernel lacks (Linux 5.17 "
			   "or later)");
		return NULL;
	}
	bool uns = t[0]->kind == TYPE_INT && !t[0]->is_signed && t[0]->size == 8 &&
		   t[1]->kind == TYPE_INT && !t[1]->is_signed && t[1]->size == 8;
	return uns ? &type_u64 : &type_s64;
}

static void check_for(struct sema *s, struct node *n)
{
	struct node *mv = n->u.for_.map, *var = n->u.for_.var;
	struct type *kvtype = NULL;
	if (s->for_depth >= SEMA_MAX_CALLBACK_DEPTH) {
		diag_error(s->d, n->loc,
		           "'for' loops nest at most %d deep: each body runs as a callback of the "
		           "loop around it, and the kernel allows a program %d frames of calls",
		           SEMA_MAX_CALLBACK_DEPTH, SEMA_MAX_CALLBACK_DEPTH + 1);
		return;
	}
	if (!mv) {
		kvtype = check_range(s, n);
		if (!kvtype)
			return;
		goto declare;
	}
	if (mv->u.map.keys) {
		diag_error(s->d, mv->loc, "'for' needs a whole map, as in for ($kv : @name)");
		return;
	}
	struct map_info *m = find_map(s, mv->u.map.name, mv->loc);
	mv->u.map.info = m;
	if (m->lpm) {
		diag_error(s->d, mv->loc,
			   "'for' cannot walk map '%s': it is declared lpm(), and the kernel "
			   "gives a probe no way through an LPM trie (bpf_for_each_map_elem "
			   "refuses it); print(%s) shows it",
			   m->name, m->name);
		return;
	}
	/* an aggregation whose value can be read in a probe (count, sum,
	 * min, max, avg) gives its value over all CPUs, as bpftrace 0.26 */
	bool agg = m->has_kind && m->agg != AGG_NONE;
	if (agg && !agg_readable(s->c->host, m->agg)) {
		diag_error(s->d, mv->loc,
			   "map '%s' holds %s, which is per-CPU; 'for' iterates maps of plain "
			   "values and of count, sum, min, max and avg (with "
			   "bpf_map_lookup_percpu_elem, Linux 5.19)",
			   m->name, agg_infos[m->agg].name);
		return;
	}
	if (!m->has_kind || !m->keys_seen || (!m->value && !agg)) {
		diag_error(s->d, mv->loc, "map '%s' must be assigned before the 'for' loop over it",
			   m->name);
		return;
	}
	if (!m->keyed) {
		diag_error(s->d, mv->loc, "map '%s' has no keys to iterate over", m->name);
		return;
	}
	if (!feat_has_helper(s->c->host, BPF_FUNC_for_each_map_elem)) {
		diag_error(s->d, n->loc,
			   "'for' over a map needs bpf_for_each_map_elem, which this kernel lacks "
			   "(Linux 5.13 or later)");
		return;
	}
	struct type *elems[2] = {
	    m->key, !agg ? m->value : agg_infos[m->agg].is_unsigned ? &type_u64 : &type_s64};
	kvtype = type_tuple(s->a, elems, 2);
declare:
	if (find_var(s, var->u.var.name)) {
		diag_error(s->d, var->loc, "variable '$%s' is already used in this probe",
			   var->u.var.name);
		return;
	}
	struct var_info *kv = arena_alloc(s->a, sizeof(*kv));
	kv->name = var->u.var.name;
	kv->loc = var->loc;
	kv->type = kvtype;
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

/* A ternary with a call in a branch, as a statement (`c ? printf("a") :
 * printf("b");`): bpftrace runs it as an if/else, whose branches need
 * no value. */
static bool ternary_stmt(const struct node *e)
{
	if (!e || e->kind != N_TERNARY || !e->u.ternary.then)
		return false;
	const struct node *b[] = {e->u.ternary.then, e->u.ternary.els};
	for (int i = 0; i < 2; i++)
		if (b[i] && (b[i]->kind == N_CALL || ternary_stmt(b[i])))
			return true;
	return false;
}

static struct node *stmt_block(struct sema *s, struct node *e)
{
	struct node *st = ast_new(s->a, N_EXPR_STMT, e->loc);
	st->u.expr_stmt.expr = e;
	struct node *blk = ast_new(s->a, N_BLOCK, e->loc);
	blk->u.block.stmts = st;
	return blk;
}

void check_stmt(struct sema *s, struct node *n)
{
	switch (n->kind) {
	case N_EXPR_STMT: {
		struct node *e = n->u.expr_stmt.expr;
		if (n->u.expr_stmt.discard) {
			/* `_ = e;`: e is a value, which is dropped */
			struct type *t = check_expr(s, e);
			if (t && t->kind == TYPE_VOID)
				diag_error(s->d, e->loc, "this expression has no value to discard");
			break;
		}
		if (ternary_stmt(e)) {
			n->kind = N_IF;
			n->u.if_.cond = e->u.ternary.cond;
			n->u.if_.then = stmt_block(s, e->u.ternary.then);
			n->u.if_.els = stmt_block(s, e->u.ternary.els);
			check_stmt(s, n);
			break;
		}
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
		else if (e->kind == N_IDENT && builtin_find(e->u.ident.name, BF_BARE_STMT) >= 0) {
			/* `capture;`: the call with no arguments */
			const char *name = e->u.ident.name;
			e->kind = N_CALL;
			memset(&e->u.call, 0, sizeof(e->u.call));
			e->u.call.name = name;
			e->u.call.builtin_id = -1;
			e->u.call.span = e->loc;
			e->type = check_call(s, e, CALL_STMT);
		} else if (e->kind == N_IDENT && find_builtin(e->u.ident.name) < 0)
			check_verdict(s, e);
		else {
			check_expr(s, e);
			diag_warning(s->d, e->loc, "this expression's value is not used");
		}
		break;
	}
	case N_BLOCK:
		if (n->u.block.expansion)
			check_stmts(s, n->u.block.stmts);
		else
			check_block(s, n);
		break;
	case N_IF: {
		check_cond(s, n->u.if_.cond, "an if condition");
		/* a constant condition leaves one branch out: fail() and
		 * static_assert() there say nothing */
		int64_t v;
		bool known = n->u.if_.cond->type && fold_const(n->u.if_.cond, &v);
		s->comptime_dead += known && !v;
		check_block(s, n->u.if_.then);
		s->comptime_dead -= known && !v;
		if (n->u.if_.els) {
			s->comptime_dead += known && v;
			check_stmt(s, n->u.if_.els);
			s->comptime_dead -= known && v;
		}
		break;
	}
	case N_ASSIGN:
	case N_INCDEC:
		check_expr(s, n);
		break;
	case N_RETURN: {
		struct type *t = n->u.ret.value ? check_expr(s, n->u.ret.value) : NULL;
		/* a test's verdict (provider.h): what the program returns */
		for (size_t i = 0; t && i < s->naps; i++)
			if (s->aps[i].prov->returns_value && !is_int(t)) {
				diag_error(s->d, n->u.ret.value->loc,
				           "a %s probe returns an integer (0: it passed), got %s",
				           s->aps[i].prov->name, type_name(s->a, t));
				break;
			}
		break;
	}
	case N_WHILE:
		check_cond(s, n->u.while_.cond, "a while condition");
		s->loop_depth++;
		check_block(s, n->u.while_.body);
		s->loop_depth--;
		break;
	case N_UNROLL: {
		bool ok = true;
		int64_t count = const_int(s, n->u.unroll.count, "unroll's count", &ok);
		/* bpftrace's words, which its users may look for */
		if (ok && count < 1)
			diag_error(s->d, n->u.unroll.count->loc,
				   "unroll minimum value is 1, got %lld", (long long)count);
		else if (ok && count > 100)
			diag_error(s->d, n->u.unroll.count->loc,
				   "unroll maximum value is 100, got %lld", (long long)count);
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
	case N_INT:
	case N_STR:
	case N_INET:
	case N_IDENT:
	case N_VAR:
	case N_MAP:
	case N_CALL:
	case N_BINOP:
	case N_UNOP:
	case N_TERNARY:
	case N_FIELD:
	case N_INDEX:
	case N_TUPLE:
	case N_CAST:
	case N_SIZEOF:
	case N_PROBE:
	case N_SPEC:
	case N_MACRO:
	case N_CONFIG:
		diag_error(s->d, n->loc, "expected a statement");
		break;
	}
}

static void check_stmts(struct sema *s, struct node *list)
{
	for (struct node *n = list; n; n = n->next)
		check_stmt(s, n);
}
