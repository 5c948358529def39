/*
 * uprobe.h - what usdt.c borrows from uprobe.c.
 */
#ifndef SONDE_UPROBE_H
#define SONDE_UPROBE_H

#include "probes/provider.h"

/* Splits "PATH:A[:B]" into nparts (2 or 3) parts in the arena; for 3
 * parts "PATH:NAME" gives parts[1] = NULL. Reports errors itself. */
int uprobe_split(struct compilation *c, struct node *spec, const char *rest, int nparts,
		 char **parts);
/* The path a probe's name shows (the `probe` builtin), as bpftrace shows
 * it: as written when it is a path (./bin/x), else the file it was
 * resolved to (a program in $PATH, a library name). */
const char *uprobe_shown_path(const char *written, const char *resolved);
/* Resolves PATH (symbols.c) and checks uprobes exist; reports errors. */
int uprobe_resolve(struct compilation *c, struct node *spec, const char *name, char **out);
/* Attaches a uprobe or uretprobe at pd->value in pd->target, with pd->aux
 * as the usdt semaphore's offset (0: none); limited to -p/-c's process. */
int uprobe_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		  struct rt_attachment *att, char *err, size_t errsz);
/* The files process `pid` has mapped (its executable and libraries, from
 * /proc/PID/maps), each once, in map order: a NULL-terminated array to
 * give to uprobe_pid_files_free, or NULL with errno set. */
char **uprobe_pid_files(int pid);
void uprobe_pid_files_free(char **files);
int uprobe_arg_index(struct compilation *c, const struct attach_point *ap, int index,
		     struct loc loc, struct ctx_access *out);

#endif
