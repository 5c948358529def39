/*
 * macros.c - macros: the checks on their definitions, and expansion at
 * each call (a copy of the body with the arguments substituted, checked
 * in place of the call, with a note at the call for each error in it).
 */
#include <string.h>

#include "sema/sema_internal.h"

struct node *find_macro(struct sema *s, const char *name)
{
	for (struct node *m = s->c->prog.macros; m; m = m->next)
		if (!strcmp(m->u.macro.name, name))
			return m;
	return NULL;
}

/* The first macro of that name with `nargs` parameters (or of any arity
 * for nargs < 0). */
struct node *find_macro_nargs(struct sema *s, const char *name, int nargs)
{
	for (struct node *m = s->c->prog.macros; m; m = m->next)
		if (!strcmp(m->u.macro.name, name) &&
		    (nargs < 0 || ast_list_len(m->u.macro.params) == nargs))
			return m;
	return NULL;
}

struct subst {
	struct node *params; /* VAR/MAP/IDENT parameter nodes */
	struct node *args;   /* the call's arguments, same order */
	struct node *macro;
	int id;              /* this expansion's number, for its own variables */
	bool bad;            /* an unhygienic map was reported */
};

static struct node *clone_list(struct sema *s, struct node *list, struct subst *sub);

/* A chain of macros each calling the next twice doubles the program at
 * every level while staying under the depth limit, so the copies made by
 * all expansions together are capped: this many nodes is about 23 MB of
 * arena, checked in well under a second, and far more than any real script
 * expands to. */
enum { MACRO_MAX_DEPTH = 32, MACRO_NODE_BUDGET = 1 << 18 };

static const char *param_name(const struct node *p)
{
	return p->kind == N_VAR ? p->u.var.name : p->kind == N_MAP ? p->u.map.name
								   : p->u.ident.name;
}

/* The argument standing for parameter `name` of kind `kind`, or NULL. */
static struct node *arg_for(const struct subst *sub, enum node_kind kind, const char *name)
{
	struct node *a = sub->args;
	for (struct node *p = sub->params; p && a; p = p->next, a = a->next)
		if (p->kind == kind && !strcmp(param_name(p), name))
			return a;
	return NULL;
}

/* A positional parameter ($1, $#) is the command line's, not a variable. */
static bool positional(const char *name)
{
	return (name[0] >= '0' && name[0] <= '9') || name[0] == '#';
}

/* Deep copy of a macro body, with each parameter replaced by a copy of the
 * call's argument. Copies keep the definition's locations, so an error in
 * an expansion points into the macro, and a note points at the call.
 * Hygiene (bpftrace 0.26): the body's own variables are renamed for this
 * expansion, so they are not the caller's; a map that is not a parameter
 * is refused. A #define's macro is plain text replacement. */
static struct node *clone_node(struct sema *s, struct node *n, struct subst *sub)
{
	if (!n || s->macro_nodes > MACRO_NODE_BUDGET)
		return NULL;
	s->macro_nodes++;
	bool hygienic = sub && !sub->macro->u.macro.from_define;
	if (sub && (n->kind == N_VAR || n->kind == N_IDENT ||
		    (n->kind == N_MAP && !n->u.map.keys))) {
		struct node *a = arg_for(sub, n->kind, param_name(n));
		if (a) {
			struct node *c = clone_node(s, a, NULL);
			if (c)
				c->next = NULL;
			return c;
		}
	}
	struct node *c = arena_alloc(s->a, sizeof(*c));
	*c = *n;
	c->next = NULL;
	/* what sema resolved belongs to where it checked the node */
	c->type = NULL;
	if (c->kind == N_MAP)
		c->u.map.info = NULL;
	else if (c->kind == N_VAR)
		c->u.var.info = NULL;
	if (hygienic && c->kind == N_VAR && !positional(c->u.var.name))
		c->u.var.name = arena_printf(s->a, "%s (of macro %s, expansion %d)", c->u.var.name,
					     sub->macro->u.macro.name, sub->id);
	if (sub && c->kind == N_MAP) {
		struct node *a = arg_for(sub, N_MAP, c->u.map.name);
		if (a)
			c->u.map.name = a->u.map.name; /* @m[k] of a parameter @m */
		else if (hygienic) {
			/* bpftrace 0.26 refuses it; sonde's earlier macros took
			 * it, so both kinds of script run */
			diag_warning(s->d, n->loc,
				   "macro '%s' uses the map %s, which is not one of its "
				   "parameters (bpftrace 0.26 refuses this); pass it in as a parameter (macro %s(..., %s))",
				   sub->macro->u.macro.name, *c->u.map.name ? c->u.map.name : "@",
				   sub->macro->u.macro.name, *c->u.map.name ? c->u.map.name : "@m");
		}
	}
	/* the copy's child slots still point into the original: copy them */
	struct ast_child kids[AST_MAX_CHILDREN];
	int nkids = ast_children(c, kids);
	for (int i = 0; i < nkids; i++)
		*kids[i].slot = kids[i].is_list ? clone_list(s, *kids[i].slot, sub)
						: clone_node(s, *kids[i].slot, sub);
	return c;
}

static struct node *clone_list(struct sema *s, struct node *list, struct subst *sub)
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

/* Whether argument `a` fits parameter `p`: $x takes a variable, @m a map
 * without keys, x any expression. 2 when the kinds are the same. */
static int arg_fits(const struct node *m, const struct node *p, const struct node *a)
{
	if (m->u.macro.from_define)
		return 1; /* text replacement: any expression */
	if (p->kind == N_VAR)
		/* sonde's macros before 0.26 took any expression for $x:
		 * still accepted, after a macro the call fits better */
		return a->kind == N_VAR && !positional(a->u.var.name) ? 2
		       : a->kind == N_MAP ? 0 : 1;
	if (p->kind == N_MAP)
		return a->kind == N_MAP && !a->u.map.keys ? 2 : 0;
	return 1;
}

static const char *param_kind(const struct node *p)
{
	return p->kind == N_VAR ? "a variable ($name)" : "a map without keys (@name)";
}

/* The macro named like `first` that the call's arguments fit best (bpftrace
 * 0.26 overloads macros by their parameters), or NULL after an error. */
static struct node *select_macro(struct sema *s, struct node *n, struct node *first,
				 struct node *args)
{
	int nargs = ast_list_len(args), best_score = -1, ndefs = 0;
	struct node *best = NULL, *same_arity = NULL;
	for (struct node *m = first; m; m = m->next) {
		if (strcmp(m->u.macro.name, first->u.macro.name))
			continue;
		ndefs++;
		if (ast_list_len(m->u.macro.params) != nargs)
			continue;
		if (!same_arity)
			same_arity = m;
		int score = 0;
		struct node *a = args;
		for (struct node *p = m->u.macro.params; p; p = p->next, a = a->next) {
			int f = arg_fits(m, p, a);
			if (!f) {
				score = -1;
				break;
			}
			score += f;
		}
		if (score > best_score) {
			best_score = score;
			best = m;
		}
	}
	if (best)
		return best;
	if (!same_arity && ndefs == 1) {
		int nparams = ast_list_len(first->u.macro.params);
		diag_error(s->d, n->loc, "macro '%s' takes %d argument%s, %d given",
			   first->u.macro.name, nparams, nparams == 1 ? "" : "s", nargs);
		diag_note(s->d, first->loc, "'%s' is defined here", first->u.macro.name);
	} else if (same_arity && ndefs == 1) {
		struct node *a = args;
		for (struct node *p = same_arity->u.macro.params; p; p = p->next, a = a->next)
			if (!arg_fits(same_arity, p, a)) {
				diag_error(s->d, a->loc,
					   "macro '%s' takes %s here, for its parameter %s%s",
					   first->u.macro.name, param_kind(p),
					   p->kind == N_VAR ? "$" : "", param_name(p));
				diag_note(s->d, p->loc, "the parameter is declared here");
				break;
			}
	} else {
		diag_error(s->d, n->loc, "no macro '%s' takes these %d argument%s",
			   first->u.macro.name, nargs, nargs == 1 ? "" : "s");
		for (struct node *m = first; m; m = m->next)
			if (!strcmp(m->u.macro.name, first->u.macro.name))
				diag_note(s->d, m->loc, "'%s' is defined here", m->u.macro.name);
	}
	return NULL;
}

/* Replaces the call (or bare name) `n` in place by the expansion of macro
 * `m` (or of the macro of that name its arguments fit). As a value the
 * body must end in an expression; as a statement any body works. Returns
 * false after reporting an error. */
bool expand_macro(struct sema *s, struct node *n, struct node *m, bool as_stmt)
{
	/* after one failed expansion, each further copy of the same body
	 * would fail the same way, exponentially often in a chain */
	if (s->macro_stopped)
		return false;
	struct node *args = n->kind == N_CALL ? n->u.call.args : NULL;
	m = select_macro(s, n, m, args);
	if (!m) {
		s->macro_stopped = true;
		return false;
	}
	for (int i = 0; i < s->macro_depth && i < MACRO_MAX_DEPTH; i++)
		if (s->macro_stack[i] == m) {
			char chain[512];
			size_t used = 0;
			chain[0] = '\0';
			for (int j = i; j < s->macro_depth && j < MACRO_MAX_DEPTH; j++)
				used += (size_t)snprintf(chain + used, used < sizeof(chain) ? sizeof(chain) - used : 0,
							 "%s > ", s->macro_stack[j]->u.macro.name);
			diag_error(s->d, n->loc,
				   "macro '%s' calls itself (%s%s); macros cannot be recursive",
				   m->u.macro.name, chain, m->u.macro.name);
			diag_note(s->d, m->loc, "'%s' is defined here", m->u.macro.name);
			s->macro_stopped = true;
			return false;
		}
	if (s->macro_depth >= MACRO_MAX_DEPTH) {
		diag_error(s->d, n->loc, "macro expansion nested more than %d deep at '%s'",
			   MACRO_MAX_DEPTH, m->u.macro.name);
		s->macro_stopped = true;
		return false;
	}
	struct subst sub = {m->u.macro.params, args, m, ++s->macro_expansions, false};
	struct node *body = clone_node(s, m->u.macro.body, &sub);
	if (sub.bad) {
		diag_note(s->d, n->loc, "in the expansion of macro '%s' called here", m->u.macro.name);
		s->macro_stopped = true;
		return false;
	}
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
		n->u.block.expansion = true;
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
	s->macro_expanding = m;
	return true;
}

/* Checks an expansion, adding a note at the call to each error in it. */
struct type *check_expanded(struct sema *s, struct node *n, struct loc call_loc,
			    const char *name, bool as_stmt)
{
	int before = s->d->nerrors;
	if (s->macro_depth < MACRO_MAX_DEPTH)
		s->macro_stack[s->macro_depth] = s->macro_expanding;
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

static bool same_signature(const struct node *a, const struct node *b)
{
	const struct node *p = a->u.macro.params, *q = b->u.macro.params;
	for (; p && q; p = p->next, q = q->next)
		if (p->kind != q->kind)
			return false;
	return !p && !q;
}

/* A macro may not take a builtin's name, nor be defined twice with the
 * same parameters, nor have two parameters of one name. */
int sema_macros(struct compilation *c)
{
	int before = c->diag->nerrors;
	for (struct node *m = c->prog.macros; m; m = m->next) {
		if (find_func(m->u.macro.name) >= 0 || find_builtin(m->u.macro.name) >= 0)
			diag_error(c->diag, m->loc, "macro '%s' has the name of a builtin",
				   m->u.macro.name);
		for (struct node *o = c->prog.macros; o != m; o = o->next)
			if (!strcmp(o->u.macro.name, m->u.macro.name) && same_signature(o, m)) {
				diag_error(c->diag, m->loc, "macro '%s' is defined twice",
					   m->u.macro.name);
				diag_note(c->diag, o->loc, "first defined here");
			}
	}
	for (struct node *m = c->prog.macros; m; m = m->next)
		for (struct node *p = m->u.macro.params; p; p = p->next)
			for (struct node *q = m->u.macro.params; q != p; q = q->next)
				if (!strcmp(param_name(p), param_name(q)))
					diag_error(c->diag, p->loc,
						   "macro '%s' has two parameters named %s%s",
						   m->u.macro.name, p->kind == N_VAR ? "$" : "",
						   param_name(p));
	return c->diag->nerrors > before ? -1 : 0;
}
