/*
 * self.c - self:signal:SIGUSR1 (bpftrace 0.26): a probe on sonde itself.
 *
 * It attaches to nothing. When sonde receives SIGUSR1 the runtime runs the
 * program once with BPF_PROG_TEST_RUN, as it runs BEGIN, so the probe sees
 * sonde's own task (pid, comm). bpftrace 0.26 offers SIGUSR1 only; so does
 * sonde, because the other signals already mean something to it (INT and
 * TERM stop the run).
 */
#include <fnmatch.h>
#include <string.h>

#include "compile.h"
#include "probes/provider.h"

static const char *const self_signals[] = {"SIGUSR1"};

static int self_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *sig = rest && !strncmp(rest, "signal:", 7) ? rest + 7 : NULL;
	if (!sig) {
		diag_error(c->diag, spec->loc,
			   "a self probe is written self:signal:SIGUSR1 (the event is a signal "
			   "sonde receives)");
		return -1;
	}
	if (strcmp(sig, "SIGUSR1")) {
		diag_error(c->diag, spec->loc,
			   "self:signal takes SIGUSR1 only, as in bpftrace (INT and TERM stop "
			   "the run), not '%s'",
			   sig);
		const char *near = diag_closest(sig, self_signals, 1);
		if (near)
			diag_note(c->diag, (struct loc){0}, "did you mean '%s'?", near);
		return -1;
	}
	struct attach_point ap = {.spec = "self:signal:SIGUSR1", .target = "SIGUSR1",
				  .loc = spec->loc};
	ap.prov = provider_find("self");
	sema_add_attach_point(c, &ap);
	return 0;
}

static const char *self_section(struct arena *a, const struct attach_point *ap)
{
	return arena_printf(a, "raw_tp/sonde_self_%s", ap->target);
}

static int self_list(struct probe_lister *l, const char *rest)
{
	if (!rest || !fnmatch(rest, "signal:SIGUSR1", 0))
		probe_list_line(l, "self:signal:SIGUSR1");
	return 0;
}

const struct provider provider_self = {
	.name = "self",
	.form = SPEC_FIELDS,
	.run = RUN_ON_SIGNAL,
	.ctx = CTX_HAS_USER,
	.expand = self_expand,
	.section = self_section,
	.list = self_list,
};
