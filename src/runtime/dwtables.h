/*
 * dwtables.h - dw_ustack's unwind tables: the .eh_frame rules of every
 * executable mapping of a process, turned into the rows the BPF-side
 * unwinder searches (bpf-runtime/dwunwind.h).
 *
 * Read once, when sonde starts, from /proc/PID/maps and the mapped files:
 * libraries the process maps later (dlopen) have no rows, and a walk
 * that reaches one of their frames ends there.
 */
#ifndef SONDE_RUNTIME_DWTABLES_H
#define SONDE_RUNTIME_DWTABLES_H

#include <stdint.h>
#include <stdio.h>

#include "bpf-runtime/dwunwind.h"

struct dw_tables {
	struct sonde_dw_row *rows; /* each process's rows sorted by start, one process after another */
	uint32_t nrows, cap;
	uint32_t *pids;             /* the processes read, and where their rows are */
	struct sonde_dw_span *spans;
	uint32_t npids;
};

/* Adds the tables of process pid (once: a pid already read is skipped);
 * a process or file that cannot be read is a warning on err, and leaves
 * fewer rows. 0, or -1 out of memory. Start from a zeroed dw_tables. */
int dw_tables_read(struct dw_tables *t, int pid, FILE *err);
/* Writes them into the loaded maps (pids: pid -> span, rows: index -> row). */
int dw_tables_store(const struct dw_tables *t, int pids_fd, int rows_fd);
void dw_tables_free(struct dw_tables *t);

#endif
