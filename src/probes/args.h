/*
 * args.h - what the providers with named arguments (args.NAME) share:
 * the diagnostic for a name the probe does not have.
 */
#ifndef SONDE_PROBES_ARGS_H
#define SONDE_PROBES_ARGS_H

#include "compile.h"

/*
 * Reports args.NAME that the probe lacks: the error "OWNER has no NOUN
 * 'NAME'" at loc, then a note with the closest of the probe's `n` names
 * (`names`) or, when none is close, the probe has some and `listed` is not
 * NULL, one saying that 'sonde -lv LISTED' lists them. Returns -1.
 */
int probe_no_arg(struct compilation *c, struct loc loc, const char *owner, const char *noun,
                 const char *name, const char *const *names, int n, const char *listed);

#endif
