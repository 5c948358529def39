/*
 * cache.h - the compile cache (--cache): a script run again on the same
 * kernel runs the object (objfile.h) its first run compiled instead of
 * compiling again.
 *
 * An entry is an --emit-elf object named by a hash of everything that
 * may change what the compiler makes: the script's text and absolute
 * path, every word of the command line, the working directory, the
 * environment's BPFTRACE_* and SONDE_* variables and PATH, this sonde's
 * build (SONDE_BACKEND_BUILD) and the kernel's uname -r and -v. The BTF,
 * the boot and the files uprobes are in are checked again by objfile_read
 * whenever an entry is read, as for any object; an entry it refuses is
 * compiled again and replaced. Which runs are cached at all (no -p, -c,
 * includes...) main.c decides.
 *
 * The directory is $SONDE_CACHE_DIR, else $XDG_CACHE_HOME/sonde, else
 * $HOME/.cache/sonde, made with mode 0700. It and its entries are used
 * only when they belong to this process's effective user and nobody else
 * may write them: an entry is BPF code sonde loads, often as root.
 * Entries are written to a temporary file and renamed into place.
 */
#ifndef SONDE_CACHE_H
#define SONDE_CACHE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "front/diag.h"
#include "manifest.h"
#include "manifest_io.h"

struct cache_entry {
	char dir[PATH_MAX];
	char path[PATH_MAX + 40];
	bool verbose; /* -v: say whether the entry was used */
};

/* The entry for this run: false (with why on stderr) when there is no
 * usable directory. `argv` are the words of the command line that count
 * (without --cache, --no-cache and -v), `text` the script. */
bool cache_entry_init(struct cache_entry *e, char *const *argv, int argc, const char *text,
                      size_t len, const char *abs_path, bool verbose);

/* The program of the entry, NULL when there is none or it cannot be used
 * (said under -v). *data holds the entry's bytes, freed by the caller
 * after the program. */
struct program *cache_lookup(const struct cache_entry *e, struct run_extras *x, char **data);

/* Writes `p` as the entry; a failure is reported and otherwise ignored. */
void cache_store(const struct cache_entry *e, const struct program *p, const struct diag *d,
                 char *const *params, int nparams);

#endif
