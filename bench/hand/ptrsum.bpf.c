/* tracepoint:syscalls:sys_enter_getppid /pid == P/
 *     { $t = curtask; @ = sum($t->mm->total_vm); }
 * Two bpf_probe_read_kernel calls (BPF_CORE_READ) into a per-CPU slot. */
#include "common.h"
#include "task.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int ptrsum(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u64 vm = BPF_CORE_READ(t, mm, total_vm);
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&at, &k);
	if (v)
		*v += vm;
	return 0;
}
