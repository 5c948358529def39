/*
 * mapfile.h - --map-file @NAME=FILE: an lpm() map filled from a file
 * before any probe is attached, one network a line:
 *
 *     10.0.0.0/8          # a comment
 *     192.168.1.1   7     # an address alone is its /32 (/128); value 7
 *     fd00::/8
 *
 * The value is an integer (decimal, or 0x hex, optionally negative) and
 * 1 without one; blank lines and what follows '#' are skipped. A network
 * given twice keeps its last value. A bad line is an error located in the
 * file (FILE:LINE:COL, the line and a caret), as a script's are; every
 * bad line is reported and nothing is attached.
 */
#ifndef SONDE_MAPFILE_H
#define SONDE_MAPFILE_H

#include <stddef.h>
#include <stdio.h>

#include "manifest.h"

struct bpf_map;

/* Fills maps[i] (by map index) from each "@NAME=FILE" of `args`. Returns
 * 0, or an exit code (runtime.h) after the errors went to `err`. */
int mapfile_fill(const struct manifest *m, struct bpf_map **maps, const char *const *args,
                 size_t nargs, FILE *err);

#endif
