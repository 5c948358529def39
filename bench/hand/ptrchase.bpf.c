/* tracepoint:syscalls:sys_enter_getppid /pid == P/
 *     { @[curtask->real_parent->real_parent->pid] = count(); }
 * BPF_CORE_READ follows the two pointers and reads the pid: three
 * bpf_probe_read_kernel calls at relocated offsets. */
#include "common.h"
#include "task.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int ptrchase(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	__u32 k = BPF_CORE_READ(t, real_parent, real_parent, pid);
	__u64 *v = bpf_map_lookup_elem(&at, &k);
	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&at, &k, &one, BPF_NOEXIST);
	}
	return 0;
}
