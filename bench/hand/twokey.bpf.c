/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { @[tid, cpu] = count(); } */
#include "common.h"

struct key {
	__u32 tid;
	__u32 cpu;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct key);
	__type(value, __u64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int twokey(struct sys_enter_getppid *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)(pid_tgid >> 32) != TARGET_PID)
		return 0;
	struct key k = {.tid = (__u32)pid_tgid, .cpu = bpf_get_smp_processor_id()};
	__u64 *v = bpf_map_lookup_elem(&at, &k);
	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&at, &k, &one, BPF_NOEXIST);
	}
	return 0;
}
