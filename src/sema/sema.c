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

/* The stages in order, each after an earlier one failed too. */
int sema_run(struct compilation *c)
{
	int before = c->diag->nerrors;
	sema_cdefs(c);
	sema_params(c);
	sema_macros(c);
	sema_probes(c);
	sema_maps(c);
	return c->diag->nerrors > before ? -1 : 0;
}
