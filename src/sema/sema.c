/*
 * sema.c - the semantic pass as a whole (sema_run).
 *
 * Runs after parsing. It asks each probe's provider to expand its specs
 * into attach points, resolves every name (builtins, functions, scratch
 * variables, maps), gives every expression a type, fixes each map's key and
 * value types and aggregation kind from all of its uses, and collects the
 * printf formats. Errors go to the diagnostic sink and checking goes on,
 * so one run reports all of them. Codegen reads only what this pass left
 * in the tree and in `struct compilation`.
 *
 * The work is in the other files of src/sema/ (sema_internal.h lists
 * them); sema.h names the stages.
 */
#include "sema/sema.h"
#include "sema/sema_internal.h"

/* sema_probes and sema_types, but each probe typed right after its
 * expansion (sema_probes then sema_types would report every bad spec
 * before any type error in an earlier probe). */
int sema_probes_typed(struct compilation *c)
{
	struct sema s = {.c = c, .a = &c->arena, .d = c->diag};
	int before = c->diag->nerrors;
	int index = 0;
	for (struct node *p = c->prog.probes; p; p = p->next) {
		p->u.probe.index = index++;
		expand_probe(&s, p);
		type_probe(&s, p);
	}
	check_has_probes(c);
	return c->diag->nerrors > before ? -1 : 0;
}

/* The stages in order, each after an earlier one failed too. */
int sema_run(struct compilation *c)
{
	int before = c->diag->nerrors;
	sema_macros(c);
	sema_probes_typed(c);
	sema_maps(c);
	return c->diag->nerrors > before ? -1 : 0;
}
