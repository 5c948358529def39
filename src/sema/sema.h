/*
 * sema.h - the semantic pass (src/sema/); see compile.h for what it fills
 * in. It runs as stages, each returning -1 when it reported an error:
 *
 *   sema_cdefs   the script's C definitions, #define and #include (cdefs.c)
 *   sema_macros  the macro definitions (names, duplicates)
 *   sema_probes  probe by probe, in script order: its specs expanded into
 *                attach points by its provider (kept on the probe node,
 *                u.probe.aps), then its body typed once for all of them,
 *                names resolved; makes the probe instances, and
 *                lets the matches of a wildcard share one program (share.c)
 *   sema_maps    map checks that need every use seen
 *
 * A probe's body is typed right after its specs are expanded, so the
 * diagnostics come probe by probe, as written. sema_run is the whole pass;
 * later stages run after an earlier one failed, so one run reports every
 * error. The driver runs the three as passes of its own (driver.c), for
 * -d ast after them.
 */
#ifndef SONDE_SEMA_H
#define SONDE_SEMA_H

#include "compile.h"

int sema_cdefs(struct compilation *c);
/* $1...$N and $# replaced by the command line's words (params.c) */
int sema_params(struct compilation *c);
/* After sema_params with c->named_help: the named parameters getopt()
 * declares, their help texts and defaults (-- --help) */
void getopt_print_help(const struct compilation *c, FILE *out);
int sema_macros(struct compilation *c);
int sema_probes(struct compilation *c);
int sema_maps(struct compilation *c);
/* After the providers' plans: the matches of a wildcard that may run one
 * program share it (share.c) */
void sema_share_programs(struct compilation *c);

int sema_run(struct compilation *c);

#endif
