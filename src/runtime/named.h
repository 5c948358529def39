/*
 * named.h - numbers the printer shows as names it looks up when it prints
 * them (TYPE_NAMED): a uid as the user's name, an errno as its message, a
 * system call number as the call's name, a cgroup id as its paths in the
 * mounted cgroup hierarchies, as bpftrace resolves them in user space.
 */
#ifndef SONDE_NAMED_H
#define SONDE_NAMED_H

#include <stdint.h>
#include <stdio.h>

#include "front/types.h"

/* Writes the name of the number v of TYPE_NAMED type t to f. */
void named_put(FILE *f, const struct type *t, uint64_t v);

#endif
