/*
 * names.c - the names a program can use: builtin values and functions
 * (from builtins/builtins.h), maps, scratch variables, and "did you
 * mean" for an unknown one; and whether the probe's context offers a
 * builtin at all.
 */
#include <string.h>

#include "kernel/btf_enums.h"
#include "sema/sema_internal.h"

int find_builtin(const char *name)
{
	return builtin_find(name, BF_VALUE);
}

int find_func(const char *name)
{
	return builtin_find(name, BF_CALL);
}

int builtin_names_of(unsigned form, const char **out)
{
	int n = 0;
	for (int i = 0; i < BI__COUNT; i++)
		if (builtin_rows[i].flags & form)
			out[n++] = builtin_rows[i].name;
	return n;
}

bool map_declared_lpm(struct sema *s, const char *name)
{
	for (struct node *d = s->c->prog.map_decls; d; d = d->next)
		if (!strcmp(d->u.assign.lhs->u.map.name, name) &&
		    !strcmp(d->u.assign.rhs->u.call.name, "lpm"))
			return true;
	return false;
}

struct map_info *find_map(struct sema *s, const char *name, struct loc loc)
{
	for (struct map_info *m = s->c->maps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	struct map_info *m = arena_alloc(s->a, sizeof(*m));
	m->name = name;
	m->loc = loc;
	m->index = s->c->nmaps++;
	/* an lpm() map's keys are networks from its first use on, wherever
	 * its declaration stands */
	m->lpm = map_declared_lpm(s, name);
	struct map_info **tail = &s->c->maps;
	while (*tail)
		tail = &(*tail)->next;
	*tail = m;
	return m;
}

struct var_info *find_var(struct sema *s, const char *name)
{
	for (struct var_info *v = s->vars; v; v = v->next)
		if (!v->ended && !strcmp(v->name, name))
			return v;
	return NULL;
}

struct var_info *find_ended_var(struct sema *s, const char *name)
{
	for (struct var_info *v = s->vars; v; v = v->next)
		if (v->ended && !strcmp(v->name, name))
			return v;
	return NULL;
}

/* "unknown identifier", suggesting a builtin or a constant-like macro. */
void err_closest_ident(struct sema *s, struct node *n)
{
	const char *cands[BI__COUNT + 256];
	int nc = 0;
	nc += builtin_names_of(BF_VALUE, cands);
	for (struct node *m = s->c->prog.macros; m && nc < BI__COUNT + 256; m = m->next)
		if (!m->u.macro.params)
			cands[nc++] = m->u.macro.name;
	const char *near = diag_closest(n->u.ident.name, cands, nc);
	if (!near)
		near = btf_closest_enumerator(s->c->host, n->u.ident.name);
	diag_error(s->d, n->loc, "unknown identifier '%s'", n->u.ident.name);
	if (near)
		diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
}

bool ctx_allows(struct sema *s, unsigned need, struct loc loc, const char *what)
{
	if (!need || (s->ctx & need) == need)
		return true;
	const char *prov = s->naps ? s->aps[0].prov->name : "this";
	diag_error(s->d, loc, "'%s' is not available in %s probes", what, prov);
	return false;
}
