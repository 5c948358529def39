/*
 * share.c - one program for many attach points of a probe.
 *
 * The matches of a wildcard run the same block; when the block reads
 * nothing of the attach point but its names (`probe`, `func`), its code is
 * the same at each of them. Those whose provider attaches them with a BPF
 * cookie (provider.share_class) then run one program, compiled and
 * verified once: each attachment gives it its index in the program's
 * tables of specs and functions (bpf_get_attach_cookie), where `probe`
 * and `func` read their strings (backend/builtins/context.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "probes/provider.h"
#include "sema/sema.h"

/* Builtins whose code depends on the attach point beyond its names: its
 * arguments and context, the binary or the packet it is at */
static bool reads_attach_point(const char *name)
{
	static const char *const names[] = {"args", "retval", "uaddr", "ctx", "pkt", "path"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return true;
	return (!strncmp(name, "arg", 3) || !strncmp(name, "sarg", 4)) &&
	       name[strlen(name) - 1] >= '0' && name[strlen(name) - 1] <= '9';
}

/* Whether the code of `n` is the same at every attach point of its probe
 * but for `probe` and `func`. A for loop's body is a callback, which has
 * no context to read the cookie from. */
static bool same_everywhere(const struct node *n)
{
	if (!n)
		return true;
	if (n->kind == N_FOR)
		return false;
	if ((n->kind == N_IDENT && reads_attach_point(n->u.ident.name)) ||
	    (n->kind == N_CALL && reads_attach_point(n->u.call.name)))
		return false;
	struct ast_child kids[AST_MAX_CHILDREN];
	int nkids = ast_children((struct node *)n, kids);
	for (int i = 0; i < nkids; i++)
		for (struct node *k = *kids[i].slot; k; k = kids[i].is_list ? k->next : NULL)
			if (!same_everywhere(k))
				return false;
	return true;
}

/* The program one kind of attach point of a probe shares */
struct share_group {
	const struct provider *prov;
	const char *class;
	struct probe_inst *leader;
	uint32_t n;
};

static void share_probe(struct compilation *c, struct node *probe)
{
	if (!same_everywhere(probe->u.probe.predicate) || !same_everywhere(probe->u.probe.body))
		return;
	struct share_group *groups = NULL;
	size_t ngroups = 0;
	for (struct probe_inst *pi = c->insts; pi; pi = pi->next) {
		const struct attach_point *ap = pi->ap;
		if (pi->probe != probe || !ap->from_wildcard || !ap->prov->share_class ||
		    (ap->prov->syscall_regs && ap->prov->syscall_regs(ap)))
			continue;
		const char *class = ap->prov->share_class(c, ap);
		if (!class)
			continue;
		size_t g = 0;
		while (g < ngroups &&
		       (groups[g].prov != ap->prov || strcmp(groups[g].class, class)))
			g++;
		if (g == ngroups) {
			struct share_group *more = realloc(groups, (ngroups + 1) * sizeof(*groups));
			if (!more)
				break;
			groups = more;
			groups[ngroups++] = (struct share_group){ap->prov, class, pi, 0};
		} else {
			pi->runs = groups[g].leader;
		}
		pi->cookie = groups[g].n++;
	}
	for (size_t g = 0; g < ngroups; g++) {
		struct probe_inst *leader = groups[g].leader;
		if (groups[g].n < 2)
			continue;
		leader->ncookies = groups[g].n;
		leader->cookie_specs = arena_alloc(&c->arena, groups[g].n * sizeof(char *));
		leader->cookie_funcs = arena_alloc(&c->arena, groups[g].n * sizeof(char *));
		for (struct probe_inst *pi = leader; pi; pi = pi->next)
			if (pi == leader || pi->runs == leader) {
				pi->ap->shared = true;
				leader->cookie_specs[pi->cookie] = pi->ap->spec;
				leader->cookie_funcs[pi->cookie] = pi->ap->func ? pi->ap->func : "";
			}
	}
	free(groups);
}

void sema_share_programs(struct compilation *c)
{
	for (struct node *p = c->prog.probes; p; p = p->next)
		if (p->u.probe.naps > 1)
			share_probe(c, p);
	if (c->opts && c->opts->verbose)
		for (struct probe_inst *pi = c->insts; pi; pi = pi->next)
			if (pi->ncookies)
				fprintf(stderr,
				        "sonde: %u attach points of the probe at line %d run one "
				        "program\n",
				        pi->ncookies, pi->probe->loc.first_line);
}
