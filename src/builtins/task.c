/*
 * task.c - values about the task and the moment the probe fires: pid,
 * tid, uid, gid, comm (and comm(PID), another process's), cgroup, username, curtask, cpid, nsecs, elapsed,
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

/* comm(PID) looks the task up with these kfuncs, which every attach point
 * of the probe must be allowed to call */
static const char *const comm_of_pid_kfuncs[] = {"bpf_task_from_pid", "bpf_task_release"};

/* comm(PID) (bpftrace 0.26): the name of process PID, read from the task
 * bpf_task_from_pid finds; "N/A" and a warning at the call when there is
 * no such process. Where the kfunc may not be called (BEGIN, kprobes and
 * uprobes on Linux 6.18), an error, as bpftrace's. The call's value is
 * the comm's offset in task_struct; its lowered node the warning. */
static struct type *check_comm_of_pid(struct sema *s, struct node *n)
{
	struct node *pid = n->u.call.args;
	struct type *t = check_expr(s, pid);
	if (!t)
		return NULL;
	if (!is_int(t)) {
		diag_error(s->d, pid->loc, "comm(PID) needs an integer pid, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	for (size_t i = 0; i < sizeof comm_of_pid_kfuncs / sizeof comm_of_pid_kfuncs[0]; i++) {
		const char *spec = NULL;
		char why[256] = "";
		int r = kfunc_allowed_everywhere(s, comm_of_pid_kfuncs[i], &spec, why, sizeof why);
		if (r < 0) {
			diag_error(s->d, n->loc,
			           "comm(PID): cannot tell whether %s may call %s: %s", spec,
			           comm_of_pid_kfuncs[i], why);
			return NULL;
		}
		if (!r && !spec) {
			diag_error(s->d, n->loc,
			           "comm(PID) needs the kfunc %s, which this kernel does not have",
			           comm_of_pid_kfuncs[i]);
			return NULL;
		}
		if (!r) {
			diag_error(
			    s->d, n->loc,
			    "comm(PID) is not supported in %s probes: the kernel does not let "
			    "them call the kfunc %s (%s)",
			    s->aps[0].prov->name, comm_of_pid_kfuncs[i], spec);
			return NULL;
		}
	}
	int task = btf_find_record(s->c->host, "task_struct", false);
	uint32_t off = 0, type_id = 0, bitfield = 0, bit_off = 0;
	if (task <= 0 || btf_find_member(s->c->host, (uint32_t)task, "comm", &off, &type_id,
	                                 &bitfield, &bit_off) < 0) {
		diag_error(s->d, n->loc,
		           "comm(PID) needs struct task_struct's comm in the kernel's BTF");
		return NULL;
	}
	n->u.call.value = off;
	compilation_bind_kernel(s->c, n->loc, "comm(PID) (task_struct's comm at this kernel's offset)");
	/* the warning prints the pid the lookup was given: the backend hands
	 * the call's evaluated argument to it rather than evaluating it again */
	struct node *fmt = ast_str(s->a, n->loc, "No such process (pid=%d)", 24);
	fmt->next = pid;
	struct node *warn = ast_call(s->a, n->loc, "warnf", fmt);
	warn->u.call.builtin_id = BI_WARNF;
	warn->u.call.span = n->u.call.span;
	if (!builtin_checks[BI_WARNF](s, warn))
		return NULL;
	pid->next = NULL;
	n->u.call.lowered = warn;
	return type_str(s->a, COMM_OF_PID_SIZE);
}

/* comm: the kernel's TASK_COMM_LEN; comm(PID): bpftrace 0.26's string[64] */
struct type *check_comm(struct sema *s, struct node *n)
{
	if (n->kind == N_CALL && n->u.call.args)
		return check_comm_of_pid(s, n);
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
