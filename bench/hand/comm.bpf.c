/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { @[comm] = count(); } */
#include "common.h"

struct key {
	char comm[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct key);
	__type(value, __u64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int comm(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	struct key k;
	bpf_get_current_comm(k.comm, sizeof(k.comm));
	__u64 *v = bpf_map_lookup_elem(&at, &k);
	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&at, &k, &one, BPF_NOEXIST);
	}
	return 0;
}
