/*
 * task.c - values about the task and the moment the probe fires: pid,
 * tid, uid, gid, comm, cgroup, username, curtask, cpid, nsecs, elapsed,
 * cpu, rand, numaid, ncpus, jiffies. The context they need (CTX_HAS_USER for the task's own ids)
 * is in their rows; what is left is their type.
 */
#include "builtins/check.h"
#include "kernel/btf.h"
#include "sema/sema_internal.h"

#include <bpf/libbpf.h>
#include <string.h>

struct type *check_pid(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_tid(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_uid(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_gid(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

/* the kernel's TASK_COMM_LEN */
struct type *check_comm(struct sema *s, struct node *n)
{
	(void)n;
	return type_str(s->a, 16);
}

struct type *check_cgroup(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_username(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_username;
}

/* a pointer to the task_struct when the kernel's BTF has it, else an
 * address */
struct type *check_curtask(struct sema *s, struct node *n)
{
	(void)n;
	int id = btf_find_record(s->c->host, "task_struct", false);
	if (id <= 0)
		return type_in_space(s->a, &type_u64, SPACE_KERNEL);
	return type_in_space(s->a, type_ptr(s->a, record_type(s, (uint32_t)id)), SPACE_KERNEL);
}

struct type *check_cpid(struct sema *s, struct node *n)
{
	if (!s->c->opts->child_pid) {
		diag_error(s->d, n->loc,
		           "'cpid' is the pid of the command run with -c, "
		           "and there is no -c here");
		return NULL;
	}
	return &type_u32;
}

/* has_cpid (bpftrace 0.26): whether there is a -c command, known now */
struct type *check_has_cpid(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_nsecs(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_elapsed(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_cpu(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

struct type *check_rand(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

/* the NUMA node of the CPU the probe runs on */
struct type *check_numaid(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}

/* the number of possible CPUs, a constant of the machine sonde runs on */
struct type *check_ncpus(struct sema *s, struct node *n)
{
	int ncpus = libbpf_num_possible_cpus();
	if (ncpus <= 0) {
		diag_error(s->d, n->loc, "ncpus: cannot count the possible CPUs: %s",
			   strerror(-ncpus));
		return NULL;
	}
	return &type_u64;
}

/* the kernel's 64-bit jiffies counter */
struct type *check_jiffies(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u64;
}
