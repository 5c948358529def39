/* tracepoint:syscalls:sys_enter_getppid /pid == P/
 *     { @[curtask->pid, curtask->tgid, curtask->prio] = count(); }
 * One bpf_probe_read_kernel per field (BPF_CORE_READ), into the key. */
#include "common.h"
#include "task.h"

struct key {
	__s32 pid, tgid, prio;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct key);
	__type(value, __u64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int fields(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();
	struct key k = {
	    .pid = BPF_CORE_READ(t, pid),
	    .tgid = BPF_CORE_READ(t, tgid),
	    .prio = BPF_CORE_READ(t, prio),
	};
	__u64 *v = bpf_map_lookup_elem(&at, &k);
	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&at, &k, &one, BPF_NOEXIST);
	}
	return 0;
}
