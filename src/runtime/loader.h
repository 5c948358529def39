/*
 * loader.h - libbpf side of a compiled program: open the ELF from memory,
 * load (verify) every program, and find the maps the manifest names.
 */
#ifndef SONDE_LOADER_H
#define SONDE_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "front/diag.h"
#include "manifest.h"

struct bpf_object;
struct bpf_program;
struct bpf_map;

struct loaded {
	struct bpf_object *obj;
	struct bpf_program **progs; /* by probe index */
	struct bpf_map **maps;      /* by map index */
	struct bpf_map **aux_maps;  /* by index in the manifest's aux_maps */
	struct bpf_map *events;     /* ring buffer, or NULL */
	struct bpf_map *counters;   /* .bss: the counters of manifest.h, or NULL */
	char **log_bufs;            /* -d: each program's verifier log, by probe index */
	int *keep_fds;              /* what the providers' prepare hooks keep open */
	size_t nkeep_fds;
	/* The counters' memory, mapped from the kernel (NULL with no counters):
	 * reading them takes no syscall, so probes on bpf() or on capability
	 * checks never see the run loop reading them. ncounters u64 slots. */
	const uint64_t *counter_vals;
	size_t ncounters;
	size_t counter_map_len; /* the length of the mapping, for munmap */
};

enum {
	LD_VERBOSE = 1 << 0,     /* libbpf's messages to stderr */
	LD_VERIFIER_LOG = 1 << 1, /* print the verifier log of every program */
};

/* Returns 0, or -errno after printing a message; a verifier rejection is
 * reported through `d` at the script line the log points to. */
/* dw_rows: the entries dw_ustack's rows map is given (dwtables.h), 0 for
 * one. */
int ld_load(const struct program *p, struct diag *d, unsigned flags, uint32_t dw_rows,
	    struct loaded *out);
void ld_unload(struct loaded *l);

#endif
