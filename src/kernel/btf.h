/*
 * btf.h - kernel types and function signatures from BTF.
 *
 * The kernel's BTF (loaded once per host with libbpf's btf__load_vmlinux_btf) gives
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
struct host;

/* The kernel's BTF, loaded on first use and kept in the host (host.h);
 * NULL when there is none (btf_vmlinux_err() then says why, as -errno).
 * Every function below reads the BTF of host `h`. */
struct btf *btf_vmlinux(struct host *h);
int btf_vmlinux_err(struct host *h);

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
	uint32_t type_id; /* its BTF type, for the language type (btf_lang_type) */
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
int btf_func_get(struct host *h, const char *name, struct btf_func *out);
/* The arguments of raw tracepoint `tp` (sched_switch), named and typed by
 * the kernel's stub for it (__probestub_TP, or __traceiter_TP before 6.5),
 * without the stub's leading `void *__data`: the values a raw_tp program
 * receives as its u64 array. 0, -ENOENT when BTF has no stub, -ENODATA
 * without BTF. */
int btf_rawtp_get(struct host *h, const char *tp, struct btf_func *out);
/* Calls cb for every function whose name matches the glob, in BTF order,
 * each name once; stops when cb returns nonzero and returns that. */
int btf_func_each(struct host *h, const char *glob, int (*cb)(const char *name, void *arg),
		  void *arg);
/* "int vfs_read(struct file * file, char * buf, size_t count, loff_t * pos)" */
void btf_func_print(FILE *out, const struct btf_func *f);

/* One kernel type as sonde sees it, typedefs and modifiers skipped. */
enum btf_type_class { BTC_VOID, BTC_INT, BTC_PTR, BTC_ARRAY, BTC_RECORD, BTC_OTHER };
struct btf_type_desc {
	enum btf_type_class cls;
	uint32_t id;       /* after skipping typedefs and modifiers */
	uint32_t size;     /* bytes (pointers 8) */
	bool is_signed;    /* BTC_INT (enums too) */
	bool is_char;      /* BTC_INT declared as char (for char arrays and pointers) */
	bool is_union;     /* BTC_RECORD */
	bool is_enum;      /* BTC_INT declared as an enum (name is its tag) */
	bool user;         /* BTC_PTR tagged __user */
	uint32_t elem_id;  /* BTC_PTR: pointee; BTC_ARRAY: element */
	uint32_t count;    /* BTC_ARRAY */
	const char *name;  /* BTC_RECORD, enums: the tag name, "" when anonymous */
};
/* Describes type `id`; -ENOENT when there is no such type, -ENODATA
 * without BTF. */
int btf_type_describe(struct host *h, uint32_t id, struct btf_type_desc *out);
/* The id of `struct NAME` (or union when is_union), -ENOENT when the
 * kernel has none, -ENODATA without BTF. btf_find_named looks a plain
 * name up: a typedef, an int, a struct, union or enum. */
int btf_find_record(struct host *h, const char *name, bool is_union);
int btf_find_named(struct host *h, const char *name);
/* The size in bytes of type `id` (an array's whole), -ENOENT when it has
 * none, -ENODATA without BTF. */
long btf_type_size(struct host *h, uint32_t id);
/* Member NAME of record `id`, found in anonymous nested structs and unions
 * too: its byte offset from the start of the record and its type id.
 * *bitfield is nonzero (the width in bits) for bitfields, with *bit_off the
 * bit offset within the record. -ENOENT when there is no such member. */
int btf_find_member(struct host *h, uint32_t id, const char *name, uint32_t *byte_off,
		    uint32_t *type_id, uint32_t *bitfield, uint32_t *bit_off);
/* The direct members of record `id` in declaration order (an anonymous
 * struct or union is one member with name ""), at most max of them;
 * returns how many it has (max 0 counts them), -ENOENT when `id` is not
 * a record, -ENODATA without BTF. */
struct btf_member_desc {
	const char *name;
	uint32_t type_id;
	uint32_t bit_off;  /* from the start of the record */
	uint32_t bit_size; /* nonzero for bitfields */
};
int btf_record_members(struct host *h, uint32_t id, struct btf_member_desc *out, int max);
/* Member names of record `id`, for "did you mean" (at most max). */
int btf_member_names(struct host *h, uint32_t id, const char **names, int max);
/* Whether the kernel's BTF tags user pointers (btf_type_tag("user"), a
 * kernel built with clang and pahole's tag support). Without the tags an
 * untagged pointer may point to either space. */
bool btf_has_user_tags(struct host *h);

/* The BTF id of the VAR of per-CPU variable NAME (runqueues), for
 * percpu_kaddr(): 0, -ENOENT when the BTF has no variable of that name,
 * -EINVAL when it has one that is not per-CPU, -ENODATA without BTF. */
int btf_percpu_var(struct host *h, const char *name, uint32_t *var_id);

/* -l 'struct GLOB' (or union, enum): the names of the kernel's types of
 * that kind that match, sorted, each once ("struct task_struct"); with
 * `definitions`, each one's C definition as libbpf's btf_dump writes it.
 * Returns how many matched, -ENODATA without BTF, -ENOMEM. */
int btf_types_list(struct host *h, FILE *out, const char *kind, const char *glob, bool definitions);

#endif
