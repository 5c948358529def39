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
	/* what sema resolved belongs to where it checked the node */
	c->type = NULL;
	if (c->kind == N_MAP)
		c->u.map.info = NULL;
	else if (c->kind == N_VAR)
		c->u.var.info = NULL;
	/* the copy's child slots still point into the original: copy them */
	struct ast_child kids[AST_MAX_CHILDREN];
	int nkids = ast_children(c, kids);
	for (int i = 0; i < nkids; i++)
		*kids[i].slot = kids[i].is_list ? clone_list(s, *kids[i].slot, sub)
						: clone_node(s, *kids[i].slot, sub);
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
bool expand_macro(struct sema *s, struct node *n, struct node *m, bool as_stmt)
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
	return true;
}

/* Checks an expansion, adding a note at the call to each error in it. */
struct type *check_expanded(struct sema *s, struct node *n, struct loc call_loc,
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

/* A macro may not take a builtin's name, nor be defined twice. */
int sema_macros(struct compilation *c)
{
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
	return c->diag->nerrors > before ? -1 : 0;
}
