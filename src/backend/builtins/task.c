/*
 * task.c - builtins about the current task, CPU and time: pid tid uid gid
 * comm cgroup username curtask cpid nsecs elapsed cpu rand numaid ncpus
 * jiffies.
 */
#include "backend/cg_internal.h"
#include "backend/emit.h"
#include "kernel/btf.h"
#include <bpf/libbpf.h>

/* v >> 32, kept a shift through optimisation: LLVM would otherwise turn
 * `pid == N` into a 64-bit mask and compare, two 64-bit immediates (four
 * instructions) where a shift and a 32-bit compare take two. The BPF
 * backend drops the passthrough marker after the IR passes. */
static LLVMValueRef upper_half(struct cg *g, LLVMValueRef v)
{
	LLVMValueRef shifted = LLVMBuildLShr(g->b, v, c64(g, 32), "");
	LLVMTypeRef params[] = {g->i32, g->i64};
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, 2, 0);
	LLVMValueRef args[] = {LLVMConstInt(g->i32, 0, 0), shifted};
	return call_named(g, "llvm.bpf.passthrough.i64.i64", fty, args, 2);
}

static LLVMValueRef lower_half(struct cg *g, LLVMValueRef v)
{
	return LLVMBuildAnd(g->b, v, c64(g, 0xffffffff), "");
}

LLVMValueRef emit_pid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return upper_half(g, cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0));
}

LLVMValueRef emit_tid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return lower_half(g, cg_helper(g, BPF_FUNC_get_current_pid_tgid, g->i64, NULL, 0));
}

LLVMValueRef emit_uid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return lower_half(g, cg_helper(g, BPF_FUNC_get_current_uid_gid, g->i64, NULL, 0));
}

LLVMValueRef emit_gid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return upper_half(g, cg_helper(g, BPF_FUNC_get_current_uid_gid, g->i64, NULL, 0));
}

/* the uid; the runtime prints its name */
LLVMValueRef emit_username(struct cg *g, struct node *n, struct node *target)
{
	return emit_uid(g, n, target);
}

/* comm(PID): bpf_task_from_pid's task (a reference, NULL when there is no
 * such process) gives its comm, then goes back with bpf_task_release */
static LLVMValueRef comm_of_pid(struct cg *g, struct node *n)
{
	const struct btf *kernel_btf = btf_vmlinux(g->c->host);
	LLVMTypeRef from_pid_params[] = {g->i32};
	LLVMValueRef from_pid = emit_kernel_func(g->em, kernel_btf, "bpf_task_from_pid",
	                                         LLVMFunctionType(g->ptr, from_pid_params, 1, 0));
	LLVMTypeRef release_params[] = {g->ptr};
	LLVMValueRef release =
	    emit_kernel_func(g->em, kernel_btf, "bpf_task_release",
	                     LLVMFunctionType(LLVMVoidTypeInContext(g->ctx), release_params, 1, 0));
	/* a string[64], as bpftrace 0.26's; the comm fills the first 16 bytes
	 * of the zeroed buffer */
	LLVMValueRef buf = new_buf(g, COMM_OF_PID_SIZE, "comm_of_pid");
	if (!from_pid || !release) {
		g->failed = true;
		diag_error(g->c->diag, n->loc,
		           "comm(PID): cannot declare the kfuncs bpf_task_from_pid and "
		           "bpf_task_release (a name of the program's own, or no BTF for them)");
		return buf;
	}
	struct node *pid_node = n->u.call.args;
	LLVMValueRef pid = cg_expr(g, pid_node);
	LLVMValueRef pid32 = LLVMBuildIntCast2(g->b, pid, g->i32, 0, "pid");
	LLVMValueRef task =
	    LLVMBuildCall2(g->b, LLVMGlobalGetValueType(from_pid), from_pid, &pid32, 1, "task");
	LLVMBasicBlockRef found = new_block(g, "comm_task"), none = new_block(g, "comm_no_task"),
	                  done = new_block(g, "comm_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, task, ""), none, found);

	LLVMPositionBuilderAtEnd(g->b, found);
	LLVMValueRef comm = LLVMBuildGEP2(
	    g->b, g->i8, task, (LLVMValueRef[]){c64(g, n->u.call.value)}, 1, "task_comm");
	LLVMValueRef read_args[] = {buf, LLVMConstInt(g->i32, 16, 0), comm};
	cg_helper(g, BPF_FUNC_probe_read_kernel, g->i64, read_args, 3);
	LLVMBuildCall2(g->b, LLVMGlobalGetValueType(release), release, &task, 1, "");
	LLVMBuildBr(g->b, done);

	/* bpftrace's value and warning for a pid with no process */
	LLVMPositionBuilderAtEnd(g->b, none);
	copy_bytes(g, buf, const_str(g, "N/A", 3, COMM_OF_PID_SIZE), COMM_OF_PID_SIZE);
	g->evaluated = pid_node;
	g->evaluated_value = pid;
	cg_call_stmt(g, n->u.call.lowered);
	g->evaluated = NULL;
	LLVMBuildBr(g->b, done);

	LLVMPositionBuilderAtEnd(g->b, done);
	return buf;
}

LLVMValueRef emit_comm(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (n->kind == N_CALL && n->u.call.args)
		return comm_of_pid(g, n);
	LLVMValueRef buf = new_buf(g, 16, "comm");
	LLVMValueRef args[] = {buf, LLVMConstInt(g->i32, 16, 0)};
	cg_helper(g, BPF_FUNC_get_current_comm, g->i64, args, 2);
	return buf;
}

LLVMValueRef emit_cgroup(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return cg_helper(g, BPF_FUNC_get_current_cgroup_id, g->i64, NULL, 0);
}

LLVMValueRef emit_curtask(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return cg_helper(g, BPF_FUNC_get_current_task, g->i64, NULL, 0);
}

/* the pid of the -c command, known when the program is compiled */
LLVMValueRef emit_cpid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, (uint64_t)g->c->opts->child_pid);
}

LLVMValueRef emit_has_cpid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return c64(g, g->c->opts->child_pid ? 1 : 0);
}

LLVMValueRef emit_nsecs(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return cg_helper(g, BPF_FUNC_ktime_get_ns, g->i64, NULL, 0);
}

LLVMValueRef emit_elapsed(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	/* the runtime writes sonde's start time into the map before BEGIN */
	if (!g->elapsed) {
		g->elapsed = emit_map(g->em, "elapsed_start", BPF_MAP_TYPE_ARRAY, 1, 4, 8, 1);
		g->aux->maps[g->aux->n++] =
		    (struct aux_map_desc){AUX_MAP_ELAPSED_START, "elapsed_start", 0};
	}
	LLVMValueRef now = cg_helper(g, BPF_FUNC_ktime_get_ns, g->i64, NULL, 0);
	LLVMValueRef key = new_buf(g, 4, "elapsed_key");
	LLVMValueRef args[] = {g->elapsed, key};
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, g->ptr, args, 2);
	LLVMValueRef out = new_buf(g, 8, "elapsed");
	LLVMBasicBlockRef have = new_block(g, "elapsed_have"), done = new_block(g, "elapsed_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), done, have);
	LLVMPositionBuilderAtEnd(g->b, have);
	store64(g, out, load64(g, p));
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	buf_done(g, key);
	return LLVMBuildSub(g->b, now, load64(g, out), "");
}

LLVMValueRef emit_cpu(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return LLVMBuildZExt(g->b, cg_helper(g, BPF_FUNC_get_smp_processor_id, g->i32, NULL, 0),
	                     g->i64, "");
}

LLVMValueRef emit_rand(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return LLVMBuildZExt(g->b, cg_helper(g, BPF_FUNC_get_prandom_u32, g->i32, NULL, 0), g->i64,
	                     "");
}

LLVMValueRef emit_numaid(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return LLVMBuildZExt(g->b, cg_helper(g, BPF_FUNC_get_numa_node_id, g->i32, NULL, 0), g->i64,
	                     "");
}

/* Possible CPUs, as bpftrace counts them: a constant of this machine,
 * the same number the per-CPU maps are sized by. */
LLVMValueRef emit_ncpus(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	int ncpus = libbpf_num_possible_cpus();
	return c64(g, (uint64_t)ncpus); /* check_ncpus made sure it is known */
}

LLVMValueRef emit_jiffies(struct cg *g, struct node *n, struct node *target)
{
	(void)n, (void)target;
	return cg_helper(g, BPF_FUNC_jiffies64, g->i64, NULL, 0);
}
