/*
 * bpf_progs.h - the BPF programs running in the kernel, and the functions
 * each one's BTF names (its main program and its subprograms), for
 * fentry:bpf:[ID:]NAME probes, which attach to them.
 */
#ifndef SONDE_BPF_PROGS_H
#define SONDE_BPF_PROGS_H

#include <stdbool.h>
#include <stdint.h>

/* One function of a running program: the program's id, the function's
 * name, and how many arguments its BTF prototype has (where fexit finds
 * the return value). */
struct bpf_prog_func {
	uint32_t prog_id;
	const char *name;
	int nparams;
	/* the return value: an integer of ret_size bytes (8 for pointers
	 * and anything else), ret_signed; ret_size 0 for void */
	uint32_t ret_size;
	bool ret_signed;
};

/* Calls cb for each function of each running program with BTF (programs
 * without BTF cannot be attached to), in program-id order, until cb
 * returns non-zero, which is returned. Only program `only_id` when it is
 * not 0. -errno when the kernel's programs cannot be listed (EPERM
 * without privilege). */
int bpf_prog_funcs_each(uint32_t only_id, int (*cb)(const struct bpf_prog_func *f, void *arg),
			void *arg);

#endif
