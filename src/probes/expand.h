/*
 * expand.h - what the providers whose wildcards expand over the kernel's
 * functions or hooks share: a cap on the attach points one probe spec
 * adds, so that a pattern matching thousands is one located error ("narrow
 * the pattern") rather than thousands of programs to load.
 */
#ifndef SONDE_PROBES_EXPAND_H
#define SONDE_PROBES_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include "compile.h"

/* One spec's expansion: the attach points it added and whether it met
 * more than `max`. */
struct expand_cap {
	size_t max;
	size_t added;
	bool too_many;
};

/* Whether another attach point fits under the cap. When it does not, this
 * notes too_many, and the walk's callback returns 1 to stop the walk. */
bool expand_cap_room(struct expand_cap *cap);
/* Adds `ap` to the probe (sema_add_attach_point) and counts it. */
void expand_cap_add(struct compilation *c, struct expand_cap *cap, const struct attach_point *ap);
/* After the walk: when it met too many, the error "'SPEC' matches more
 * than MAX WHAT; narrow the pattern" at `spec` and -1; 0 otherwise. */
int expand_cap_check(struct compilation *c, const struct expand_cap *cap, const struct node *spec,
                     const char *what);

#endif
