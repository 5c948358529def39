/*
 * sema.h - the semantic pass (src/sema/); see compile.h for what it fills
 * in. It runs as stages, each returning -1 when it reported an error:
 *
 *   sema_macros  the macro definitions (names, duplicates)
 *   sema_probes  every probe's specs expanded into attach points by its
 *                provider (kept on the probe node, u.probe.aps)
 *   sema_types   names resolved and every probe body typed, once for all
 *                of its attach points; makes the probe instances
 *   sema_maps    map checks that need every use seen
 *
 * sema_probes_typed is sema_probes and sema_types probe by probe: a
 * probe's body is typed right after its specs are expanded, so that the
 * diagnostics come probe by probe, as written. sema_run is the whole pass:
 * sema_macros, sema_probes_typed, sema_maps; later stages run after an
 * earlier one failed, so one run reports every error. The driver runs the
 * same three as passes of its own (driver.c), for -d ast after each.
 */
#ifndef SONDE_SEMA_H
#define SONDE_SEMA_H

#include "compile.h"

int sema_macros(struct compilation *c);
int sema_probes(struct compilation *c);
int sema_types(struct compilation *c);
int sema_maps(struct compilation *c);
int sema_probes_typed(struct compilation *c);

int sema_run(struct compilation *c);

#endif
