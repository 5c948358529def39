/*
 * special.c - BEGIN and END.
 *
 * They attach to nothing: the runtime runs BEGIN once with
 * BPF_PROG_TEST_RUN before attaching the other probes, and END once after
 * detaching them. raw_tp programs are used because the kernel can test-run
 * them with no input and they may call every tracing helper.
 */
#include <string.h>

#include "compile.h"
#include "probes/provider.h"

static int special_expand(struct compilation *c, struct node *spec, const char *rest,
			  const char *name)
{
	if (rest) {
		diag_error(c->diag, spec->loc, "%s takes no arguments, as in '%s { ... }'", name,
			   name);
		return -1;
	}
	struct attach_point ap = {.spec = name, .target = name, .loc = spec->loc};
	ap.prov = provider_find(name);
	sema_add_attach_point(c, &ap);
	return 0;
}

static int begin_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return special_expand(c, spec, rest, "BEGIN");
}

static int end_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return special_expand(c, spec, rest, "END");
}

static const char *special_section(struct arena *a, const struct attach_point *ap)
{
	return arena_printf(a, "raw_tp/sonde_%s", ap->target);
}

/* bpftrace 0.26 spells them in lower case too */
static const char *const begin_aliases[] = {"begin", NULL};
static const char *const end_aliases[] = {"end", NULL};

const struct provider provider_begin = {
	.name = "BEGIN",
	.aliases = begin_aliases,
	.form = SPEC_BARE,
	.run = RUN_AT_START,
	.ctx = CTX_HAS_USER,
	.expand = begin_expand,
	.section = special_section,
};

const struct provider provider_end = {
	.name = "END",
	.aliases = end_aliases,
	.form = SPEC_BARE,
	.run = RUN_AT_EXIT,
	.ctx = CTX_HAS_USER,
	.expand = end_expand,
	.section = special_section,
};
