/*
 * listing.h - `sonde -l [PATTERN]` and `-lv`: the probes this machine
 * offers, as bpftrace lists them (one "type:target" per line; with -v the
 * arguments and their types indented under each).
 */
#ifndef SONDE_LISTING_H
#define SONDE_LISTING_H

#include <stdbool.h>
#include <stdio.h>

struct host;

/* Both read the kernel through `h` (host.h). */
/* Returns an exit code (0, or 2 for a pattern that names an unknown
 * probe type, 5 when nothing could be read). */
int list_probes(struct host *h, FILE *out, const char *pattern, bool verbose);
/* One probe of `sonde -l FILE`, as the script expanded it; with -v its
 * arguments under it, as -lv PATTERN shows them. */
void list_script_probe(struct host *h, FILE *out, const char *spec, bool verbose);

#endif
