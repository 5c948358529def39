/*
 * objfile.h - self-describing BPF objects: `sonde --emit-elf FILE` writes
 * the object with a section .sonde.manifest, and `sonde FILE` runs such an
 * object without compiling anything (without opening sonde-backend.so).
 *
 * The section is non-allocated (SHT_PROGBITS, no flags), which libbpf,
 * bpftool and ip skip as data they do not know. It holds, in this order:
 *
 *   "SONDEOBJ"                     magic
 *   u32 OBJFILE_FORMAT             raised whenever the layout changes
 *   str build                      SONDE_BACKEND_BUILD of the writer
 *   str release, version           the kernel's uname -r and uname -v
 *   u64 btf_size, btf_hash         /sys/kernel/btf/vmlinux's size and
 *                                  hash (FNV-1a over 64-bit words, the
 *                                  tail by bytes; 0, 0 without BTF;
 *                                  remembered per boot in the run
 *                                  directory's btf-id)
 *   str boot_id                    this boot's: a program that holds
 *                                  addresses of it (manifest.h's
 *                                  boot_bound) runs in it only
 *   u32 n, then n times            the files the probes are in (a
 *     str path, u64 size,          uprobe's binary): one changed since
 *     u64 mtime_ns                 is refused
 *   u64 body_hash                  FNV-1a of what follows
 *   body                           manifest_io.h's encoding
 *
 * (integers and strings as manifest_io.h writes them). The build and the
 * kernel come before the hash so that an object of another sonde or for
 * another kernel is named as such rather than as corrupted. An object
 * runs only with the sonde build that wrote it. It runs on another kernel
 * when the only kernel layouts its programs use are members of named
 * kernel structs read through CO-RE relocations (libbpf moves them to
 * the running kernel's offsets at load); one whose programs hold layouts
 * as constants (manifest.h's kernel_bound says which construct) runs only
 * on the kernel it was compiled for.
 */
#ifndef SONDE_OBJFILE_H
#define SONDE_OBJFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "front/diag.h"
#include "manifest.h"
#include "manifest_io.h"

enum { OBJFILE_FORMAT = 4 };
#define OBJFILE_SECTION ".sonde.manifest"

/* Whether `data` starts as an ELF file does. */
bool objfile_is_elf(const void *data, size_t len);

/* The object of `p` with the section added, written to `path`: 0, or -1
 * after a message on stderr. `d` holds the script's sources, `params`
 * the words compiled in as $1... */
int objfile_write(const struct program *p, const struct diag *d, char *const *params,
                  int nparams, const char *path);

/* The program in the object `data` (read from the file `name`): a
 * program with its manifest, and the sources and parameters compiled
 * in. NULL with the reason (a sentence naming the file) in err. With
 * `check_identity` false the build and the kernel recorded are not
 * compared with this sonde's and this kernel's (the fuzz target). */
struct program *objfile_read(const char *name, const void *data, size_t len,
                             bool check_identity, struct run_extras *x, char *err, size_t errsz);

/* The section's bytes in an ELF64 little-endian file, bounds-checked:
 * 0 with *sec and *seclen, 1 when there is no such section, -1 when the
 * ELF is malformed (why in err). */
int objfile_find_section(const void *data, size_t len, const char *section,
                         const void **sec, size_t *seclen, char *err, size_t errsz);

#endif
