/*
 * leftover.h - what a run leaves in the kernel when it is killed, and how a
 * later run finds it.
 *
 * Links (tcx, XDP links, perf events) die with sonde's last fd. A clsact
 * filter, a map pin and an XDP program installed by --force do not: before
 * making one, a run writes a record of it into the run directory
 * (/run/sonde, or $SONDE_RUN_DIR) and holds an exclusive flock(2) on the
 * record for as long as it lives; it removes the record once it has undone
 * the object itself. The kernel drops the lock when the process dies,
 * however it dies, so a record whose lock can be taken belongs to a run
 * that was killed: leftover_sweep(), at the start of every run, undoes
 * what such records describe (each object checked first to still be the
 * one recorded) and deletes them.
 *
 * A record is one file, "PID-N.rec", written whole before it appears
 * (O_TMPFILE, then linked into place), so a sweep never sees half of one.
 * Its first line is "KIND PID NETNS", NETNS the inode of the run's network
 * namespace (interface indexes mean something only there); the rest is the
 * kind's own.
 */
#ifndef SONDE_LEFTOVER_H
#define SONDE_LEFTOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The kinds of record: the first word of a record's first line, written
 * where the object is made and read by the sweep. They name kernel
 * objects, not probe types, although two are spelled like one: a clsact
 * filter (probes/tc.c), an XDP program swapped in by --force
 * (probes/xdp.c), and map pins (runtime/pin.c). Later sondes read the
 * records earlier ones left, so a kind's word never changes. */
#define LEFTOVER_KIND_TC_FILTER "tc"
#define LEFTOVER_KIND_XDP_FORCED "xdp"
#define LEFTOVER_KIND_PIN "pin"

struct leftover {
	int fd;         /* locked; -1 when no record could be written */
	char path[512]; /* the record's file */
};

/* The run directory; created (0700) when `create`. NULL when it is not
 * usable (then nothing is recorded, and a kill leaves what it leaves). */
const char *leftover_dir(bool create);
/* Writes a record: `kind` (LEFTOVER_KIND_*), then `body` (the lines after the first).
 * Never fails the run: when no record can be written, l->fd is -1. */
void leftover_begin(struct leftover *l, const char *kind, const char *body);
/* The object is undone (or handed on): the record goes. */
void leftover_end(struct leftover *l);

/* This process's network namespace, as the records name it. */
uint64_t leftover_netns(void);
/* Whether the run that wrote record `name` (a file name in the run
 * directory) still runs. */
bool leftover_owner_alive(const char *name);
/* The record's file name (no directory). */
const char *leftover_name(const struct leftover *l);

/* Undoes what killed runs left (see above), with a note on stderr for
 * each thing removed or put back. */
void leftover_sweep(void);

/* Per kind: undo one killed run's record (`first` is its first line, `body`
 * the rest). Return 0 when the record may be deleted. */
int tc_undo_leftover(long pid, uint64_t netns, const char *body);
int xdp_undo_leftover(long pid, uint64_t netns, const char *body);
int pin_undo_leftover(long pid, uint64_t netns, const char *body);

/* A per-name lock in the run directory (flock, blocking), for changes
 * that several sondes must not interleave; the file may hold a little
 * state. Returns an fd, or -1. leftover_unlock with `remove` deletes the
 * file too (when its state is no longer needed). */
int leftover_lock(const char *name);
void leftover_unlock(int fd, const char *name, bool remove);

#endif
