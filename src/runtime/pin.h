/*
 * pin.h - --pin DIR: the script's maps pinned in the BPF filesystem so
 * that other tools (bpftool map dump pinned DIR/NAME, a libbpf program)
 * can read them while sonde runs, and after it with --keep-pins.
 *
 * DIR is a path inside bpffs (/sys/fs/bpf/x) or a plain name, taken under
 * the bpffs mount point (mounted at /sys/fs/bpf, with a note, when
 * missing). The directory is created (mode 0700) if needed; each map is
 * pinned as its script name without the '@' ("@" itself as "_"), mode
 * 0600. An existing pin is never replaced. At exit the pins, and the
 * directory if sonde created it, are removed unless --keep-pins.
 *
 * Pins outlive a killed sonde: without --keep-pins they are recorded in
 * the run directory (leftover.h) before they are made, and the next sonde
 * run removes the ones that still hold the recorded maps (and the
 * directory, if the killed run created it and it is empty).
 */
#ifndef SONDE_PIN_H
#define SONDE_PIN_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/leftover.h"
#include "manifest.h"

struct bpf_map;

struct pin_state {
	char *dir;          /* absolute, malloc'd; NULL when nothing was pinned */
	bool created_dir;
	char **paths;       /* the pins made, malloc'd */
	size_t npaths;
	struct leftover rec; /* for a SIGKILL, without --keep-pins */
};

/* Pins maps[i] (by map index, NULL entries skipped). Returns 0, or -errno
 * after writing a sentence into err; what was pinned before the failure
 * stays recorded in `ps` for pin_release. */
int pin_maps(struct pin_state *ps, const char *dir, const struct manifest *m,
	     struct bpf_map **maps, bool keep, char *err, size_t errsz);
/* Removes the pins (unless keep, which only frees) and empties ps. */
void pin_release(struct pin_state *ps, bool keep);

/* The file name a map is pinned under, written into buf. */
const char *pin_name(const char *map_name, char *buf, size_t size);

#endif
