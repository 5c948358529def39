/*
 * btf.h - kernel types and function signatures from BTF.
 *
 * The kernel's BTF (loaded once with libbpf's btf__load_vmlinux_btf) gives
 * the prototype of every kernel function: the parameter names and types
 * behind fentry's args.NAME, the return type behind retval, the list that
 * kprobe:/fentry: wildcards expand against, and the -lv listing.
 */
#ifndef SONDE_BTF_H
#define SONDE_BTF_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct btf;

/* The kernel's BTF, loaded on first use; NULL when there is none
 * (btf_vmlinux_err() then says why, as -errno). */
struct btf *btf_vmlinux(void);
int btf_vmlinux_err(void);

enum { BTF_MAX_PARAMS = 12 };

/* How a parameter or return value is read: an integer of `size` bytes
 * (pointers and enums are integers here). `readable` is false for
 * structs passed by value and other things sonde cannot read yet. */
struct btf_value {
	const char *name;  /* parameter name; "" when BTF has none */
	char c_type[96];   /* as C spells it: "const char *", "size_t" */
	uint32_t size;
	bool is_signed;
	bool is_pointer;
	bool user;         /* pointer tagged __user (btf_type_tag("user")) */
	bool readable;
};

struct btf_func {
	const char *name;
	int nparams;
	struct btf_value params[BTF_MAX_PARAMS];
	bool has_ret;      /* false for void functions */
	struct btf_value ret;
};

/* Looks a function up in kernel BTF: 0, -ENOENT when it is not there,
 * -ENODATA when there is no BTF. The strings point into the BTF. */
int btf_func_get(const char *name, struct btf_func *out);
/* Calls cb for every function whose name matches the glob, in BTF order,
 * each name once; stops when cb returns nonzero and returns that. */
int btf_func_each(const char *glob, int (*cb)(const char *name, void *arg), void *arg);
/* "int vfs_read(struct file * file, char * buf, size_t count, loff_t * pos)" */
void btf_func_print(FILE *out, const struct btf_func *f);

#endif
