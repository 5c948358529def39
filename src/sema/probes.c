/*
 * probes.c - probes: each spec is expanded into attach points by its
 * provider (src/probes/), then the probe's predicate and body are checked
 * once for all of its attach points and one probe instance is made per
 * attach point. Also the services providers call back into
 * (sema_add_attach_point, compilation_tracefs).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kernel/features.h"
#include "kernel/tracefs.h"
#include "sema/sema_internal.h"
#include "manifest.h"

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

int kfunc_allowed_everywhere(struct sema *s, const char *name, const char **refusing,
                             char *why, size_t why_size)
{
	*refusing = NULL;
	if (feat_kfunc_id(s->c->host, name) < 0)
		return 0;
	for (size_t i = 0; i < s->naps; i++) {
		const struct attach_point *ap = &s->aps[i];
		int r = feat_kfunc_allowed(s->c->host, name, ap->prov->section(s->a, ap), why,
		                           why_size);
		if (r <= 0) {
			*refusing = ap->spec;
			return r < 0 ? -1 : 0;
		}
	}
	return 1;
}

static int missing_probe(struct compilation *c, struct loc loc, bool dropped_by_017,
			 const char *fmt, va_list ap)
{
	enum missing_probes how = c->opts ? (enum missing_probes)c->opts->missing_probes
	                                  : MISSING_PROBES_ERROR;
	if (how == MISSING_PROBES_IGNORE)
		return 0;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (how == MISSING_PROBES_UNSET && dropped_by_017)
		c->spec_dropped_as_017 = true;
	if (how == MISSING_PROBES_UNSET && dropped_by_017 && !c->expanding_several) {
		diag_warning(c->diag, loc,
		             "%s; skipped, as bpftrace 0.17 skips it (config missing_probes = "
		             "\"error\" refuses it)",
		             msg);
		return 0;
	}
	if (how == MISSING_PROBES_WARN) {
		diag_warning(c->diag, loc, "%s; skipped (config missing_probes = warn)", msg);
		return 0;
	}
	if (how == MISSING_PROBES_UNSET && c->expanding_several) {
		diag_warning(c->diag, loc,
		             "%s; skipped, as the probe has other attach points (config "
		             "missing_probes = \"error\" refuses it)",
		             msg);
		return 0;
	}
	diag_error(c->diag, loc, "%s", msg);
	return -1;
}

int sema_missing_probe(struct compilation *c, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = missing_probe(c, loc, false, fmt, ap);
	va_end(ap);
	return rc;
}

int sema_missing_probe_017_drops(struct compilation *c, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = missing_probe(c, loc, true, fmt, ap);
	va_end(ap);
	return rc;
}

int sema_missing_probe_at_attach(struct compilation *c, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc;
	if (c->opts && c->opts->missing_probes == MISSING_PROBES_UNSET) {
		char msg[512];
		vsnprintf(msg, sizeof(msg), fmt, ap);
		diag_warning(c->diag, loc, "%s: attaching it will fail", msg);
		rc = 1;
	} else {
		rc = missing_probe(c, loc, false, fmt, ap);
	}
	va_end(ap);
	return rc;
}

void sema_missing_probe_hint(struct compilation *c)
{
	if (c->missing_noted)
		return;
	c->missing_noted = true;
	diag_note(c->diag, (struct loc){0},
	          "to run without it, set config missing_probes = warn (or ignore)");
}

void compilation_bind_kernel(struct compilation *c, struct loc loc, const char *what)
{
	if (c->kernel_bound && (c->kernel_bound_has_line || loc.first_line <= 0))
		return;
	c->kernel_bound_has_line = loc.first_line > 0;
	c->kernel_bound = loc.first_line > 0
	                      ? arena_printf(&c->arena, "%s at line %d", what, loc.first_line)
	                      : arena_strdup(&c->arena, what);
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

/* Expands the probe's specs into its attach points (u.probe.aps); none
 * when a spec failed, and then its body is not checked. */
static void expand_probe(struct sema *s, struct node *probe)
{
	struct compilation *c = s->c;
	c->npending = 0;
	bool ok = true;
	c->expanding_several = probe->u.probe.specs && probe->u.probe.specs->next;
	for (struct node *spec = probe->u.probe.specs; spec; spec = spec->next) {
		const char *rest;
		const struct provider *p = spec_provider(s, spec, &rest);
		if (!p) {
			ok = false;
			continue;
		}
		size_t first = c->npending;
		if (p->expand(c, spec, rest))
			ok = false;
		bool wild = strpbrk(spec->u.spec.text, "*?[") != NULL;
		for (size_t i = first; i < c->npending; i++)
			c->pending[i].from_wildcard = wild;
	}
	probe->u.probe.aps = NULL;
	probe->u.probe.naps = 0;
	bool dropped_as_017 = c->spec_dropped_as_017;
	c->spec_dropped_as_017 = false;
	if (!ok)
		return;
	if (c->npending == 0 && c->opts && c->opts->missing_probes == MISSING_PROBES_UNSET &&
	    !dropped_as_017) {
		/* bpftrace 0.17: a probe none of whose specs names anything */
		diag_error(c->diag, probe->loc, "no attach point of this probe exists");
		sema_missing_probe_hint(c);
		return;
	}
	if (c->npending == 0) {
		/* every spec was skipped (missing_probes warn or ignore): the
		 * probe is left out, its body unchecked */
		c->probes_left_out = true;
		if (c->opts && (c->opts->missing_probes == MISSING_PROBES_WARN || dropped_as_017))
			diag_warning(c->diag, probe->loc,
			             "no attach point of this probe is left; the probe is left out");
		return;
	}
	probe->u.probe.aps = c->pending;
	probe->u.probe.naps = c->npending;
	c->pending = NULL;
	c->npending = c->cap_pending = 0;
}

/* Checks the predicate and body of an expanded probe against all of its
 * attach points, and makes one probe instance per attach point. */
static void type_probe(struct sema *s, struct node *probe)
{
	struct compilation *c = s->c;
	if (!probe->u.probe.naps)
		return;
	s->probe = probe;
	s->naps = probe->u.probe.naps;
	s->aps = probe->u.probe.aps;
	s->ctx = ~0u;
	for (size_t i = 0; i < s->naps; i++)
		s->ctx &= s->aps[i].prov->ctx;
	s->vars = NULL;
	s->pkt_depth = -1;
	s->pkt_len = s->pkt_l4_in_for = s->pkt_write = false;

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
		/* a tc rewrite must not leave the parse to after a helper has
		 * made the packet pointers invalid */
		pi->pkt_l4_eager =
		    s->pkt_l4_in_for || (s->pkt_write && s->aps[i].prov->pkt_set_by_helper);
		pi->pkt_write = s->pkt_write;
		pi->index = c->ninsts++;
		pi->prog_name = arena_printf(s->a, "p%d", pi->index);
		struct probe_inst **tail = &c->insts;
		while (*tail)
			tail = &(*tail)->next;
		*tail = pi;
	}
}

void check_has_probes(struct compilation *c)
{
	if (!c->prog.probes) {
		diag_error(c->diag, (struct loc){0, 1, 1, 1, 1}, "the program has no probes");
		return;
	}
	/* all of them left out by missing_probes: nothing would run */
	for (struct node *p = c->prog.probes; p; p = p->next)
		if (p->u.probe.naps)
			return;
	if (c->diag->nerrors == 0)
		diag_error(c->diag, c->prog.probes->loc,
		           "no probes to attach: every probe was left out for attach points that do not exist");
}

int sema_probes(struct compilation *c)
{
	struct sema s = {.c = c, .a = &c->arena, .d = c->diag};
	int before = c->diag->nerrors;
	int index = 0;
	/* each probe typed right after its specs are expanded: expanding all
	 * first would report every bad spec before a type error in an
	 * earlier probe */
	for (struct node *p = c->prog.probes; p; p = p->next) {
		p->u.probe.index = index++;
		expand_probe(&s, p);
		type_probe(&s, p);
	}
	if (c->diag->nerrors == before)
		for (const struct provider *const *pp = provider_table; *pp; pp++)
			if ((*pp)->plan)
				(*pp)->plan(c);
	if (c->diag->nerrors == before)
		sema_share_programs(c);
	check_has_probes(c);
	return c->diag->nerrors > before ? -1 : 0;
}
