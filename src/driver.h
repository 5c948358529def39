/*
 * driver.h - runs the compiler's passes in order for one script (the
 * table `passes` in driver.c):
 *
 *   parse (stdlib, then the script) -> config -> macros -> probes -> maps
 *                                        (front: checks the script, no LLVM)
 *   -> manifest -> codegen (LLVM IR) -> emit (BPF ELF)    (back: the backend)
 *
 * stopping after the first pass that reports an error (the semantic passes
 * macros and probes go on to maps first, so one run reports every error in
 * the script), printing what -d asks for after each, and copying what the runtime needs into a
 * self-contained program. Loading and verifying are the runtime's
 * (runtime/loader.c).
 */
#ifndef SONDE_DRIVER_H
#define SONDE_DRIVER_H

#include "compile.h"
#include "manifest.h"

struct source {
	const char *name; /* "-e" or the file name as given */
	const char *path; /* file to name in debug info (absolute), NULL for -e */
	const char *text;
	size_t len;
};

/* Returns 0 and a program, or -1 after reporting (script errors through
 * `d`, internal errors on stderr). *script_error tells the two apart.
 * `host` is what is known about the kernel compiled for (host.h). */
int driver_compile(const struct source *src, const struct compile_options *opts, struct host *host,
		   struct diag *d, struct program **out, bool *script_error);
/* -l FILE: parses and checks the script as driver_compile does, without
 * generating code, and calls `each` with every probe it would attach,
 * wildcards expanded, in script order, each once. 0, or -1 after
 * reporting the script's errors through `d`. */
int driver_probes(const struct source *src, const struct compile_options *opts, struct host *host,
		  struct diag *d, void (*each)(const char *spec, void *arg), void *arg);
/* "--help" among the parameters: parses the script and reads its getopt()
 * calls (bpftrace 0.26's named parameters), and unless one declares
 * "help" lists them on `out`, setting *listed. 0, or -1 after reporting
 * the script's errors through `d`. */
int driver_named_help(const struct source *src, const struct compile_options *opts,
                      struct host *host, struct diag *d, FILE *out, bool *listed);

#endif
