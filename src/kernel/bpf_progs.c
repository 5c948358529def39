/*
 * bpf_progs.c - the running BPF programs' functions (see bpf_progs.h).
 *
 * Each program is opened by id and asked for its func_info: one record per
 * function (the main program first, then its subprograms), each naming a
 * BTF FUNC type in the program's own BTF object, which gives the name and,
 * through its prototype, the number of arguments.
 */
#include "kernel/bpf_progs.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The functions of the program open at fd, to cb; 0 when it has no BTF. */
static int prog_funcs(int fd, uint32_t id, int (*cb)(const struct bpf_prog_func *f, void *arg),
		      void *arg)
{
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0; /* gone, or not ours to ask about: nothing to attach to */
	if (!info.btf_id || !info.nr_func_info)
		return 0;
	uint32_t n = info.nr_func_info;
	struct bpf_func_info *funcs = calloc(n, sizeof(*funcs));
	if (!funcs)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.nr_func_info = n;
	info.func_info_rec_size = sizeof(*funcs);
	info.func_info = (uint64_t)(uintptr_t)funcs;
	len = sizeof(info);
	int rc = 0;
	struct btf *btf = NULL;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) || !info.btf_id)
		goto out;
	btf = btf__load_from_kernel_by_id(info.btf_id);
	if (!btf)
		goto out;
	for (uint32_t i = 0; i < n && i < info.nr_func_info && !rc; i++) {
		const struct btf_type *t = btf__type_by_id(btf, funcs[i].type_id);
		if (!t || !btf_is_func(t))
			continue;
		const struct btf_type *proto = btf__type_by_id(btf, t->type);
		struct bpf_prog_func f = {
			.prog_id = id,
			.name = btf__name_by_offset(btf, t->name_off),
			.nparams = proto && btf_is_func_proto(proto) ? btf_vlen(proto) : 1,
		};
		const struct btf_type *ret = proto && proto->type ? btf__type_by_id(btf, proto->type) : NULL;
		while (ret && (btf_is_typedef(ret) || btf_is_const(ret) || btf_is_volatile(ret)))
			ret = btf__type_by_id(btf, ret->type);
		if (ret && btf_is_int(ret) && ret->size <= 8) {
			f.ret_size = ret->size;
			f.ret_signed = btf_int_encoding(ret) & BTF_INT_SIGNED;
		} else if (ret || !proto) {
			f.ret_size = 8; /* pointers, enums, what the BTF does not say */
		}
		if (f.name && *f.name)
			rc = cb(&f, arg);
	}
out:
	btf__free(btf);
	free(funcs);
	return rc;
}

int bpf_prog_funcs_each(uint32_t only_id, int (*cb)(const struct bpf_prog_func *f, void *arg),
			void *arg)
{
	uint32_t id = only_id ? only_id - 1 : 0;
	for (;;) {
		uint32_t next;
		if (bpf_prog_get_next_id(id, &next)) {
			if (errno == ENOENT)
				return 0;
			return -errno;
		}
		id = next;
		if (only_id && id != only_id)
			return 0;
		int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* unloaded since */
			return -errno;
		}
		int rc = prog_funcs(fd, id, cb, arg);
		close(fd);
		if (rc || only_id)
			return rc;
	}
}
