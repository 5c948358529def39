/*
 * exposition.h - a script's maps as Prometheus metrics, in the text
 * exposition format (version 0.0.4) that --metrics serves (metrics.c).
 *
 * Each map is one metric family named sonde_ and the map's name (`@`
 * alone is sonde_map), characters other than letters, digits and '_'
 * turned into '_'. Its keys are labels: a record key's fields by name
 * (`@[(pid = pid, comm = comm)]`), the elements of a multi-key map key0,
 * key1, ..., a single key key0; values are the text the map prints.
 *   count(), sum()      counter, the name ending in _total
 *   min(), max(), avg(), an integer value     gauge
 *   stats()             summary: _sum and _count
 *   hist(), lhist()     histogram: cumulative _bucket{le} (each bucket's
 *                       largest integer), _sum, _count
 * Maps of other values (strings, stacks, tseries()) are left out, with a
 * comment. sonde_lost_events_total, sonde_dropped_updates_total{map} and
 * sonde_truncated_strings_total report what the run could not record.
 */
#ifndef SONDE_EXPOSITION_H
#define SONDE_EXPOSITION_H

#include <stdint.h>
#include <stdio.h>

#include "manifest.h"
#include "runtime/printer.h"

/* Where the numbers come from (runtime.c). */
struct expo_source {
	/* map `index` now, into *snap; its keys and values are free()d by
	 * the caller. Non-zero when it cannot be read (the map is left out). */
	int (*read_map)(void *arg, uint32_t index, struct map_snapshot *snap);
	/* a slot of the programs' counters (manifest.h: enum counter_slot) */
	uint64_t (*counter)(void *arg, uint32_t slot);
	void *arg;
};

/* Writes the exposition of every map of `m` and the run's counters. */
void expo_render(FILE *f, const struct printer *p, const struct manifest *m,
                 const struct expo_source *src);

#endif
