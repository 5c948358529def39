/*
 * cgroups.c - cgroupid("PATH"): the id of a cgroup v2 directory, found at
 * compile time, the number `cgroup` gives for a task in that cgroup.
 */
#define _GNU_SOURCE
#include "builtins/check.h"
#include "sema/sema_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

/* The kernel's file handle of a cgroup (kernfs) directory is its 64-bit
 * id: the number bpf_get_current_cgroup_id returns. */
struct type *check_cgroupid(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args;
	if (arg->kind != N_STR) {
		check_expr(s, arg);
		diag_error(s->d, arg->loc, "cgroupid() needs a cgroup's path in quotes");
		return NULL;
	}
	union {
		struct file_handle fh;
		char room[sizeof(struct file_handle) + sizeof(uint64_t)];
	} h = {.fh.handle_bytes = sizeof(uint64_t)};
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, arg->u.str.s, &h.fh, &mount_id, 0) < 0) {
		/* EOVERFLOW: a longer handle than a cgroup's, not a cgroup */
		diag_error(s->d, arg->loc, "cgroupid(): cannot get the cgroup id of '%s': %s",
			   arg->u.str.s,
			   errno == EOVERFLOW ? "not a cgroup directory" : strerror(errno));
		return NULL;
	}
	uint64_t id;
	memcpy(&id, h.fh.f_handle, sizeof(id));
	n->u.call.value = id;
	compilation_bind_kernel(s->c, n->loc, "cgroupid() (an id of this machine's cgroup)");
	return &type_u64;
}
