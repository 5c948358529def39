/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { @ = sum(args.__syscall_nr); } */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int sum(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	__u32 k = 0;
	__s64 *v = bpf_map_lookup_elem(&at, &k);
	if (v)
		*v += ctx->__syscall_nr;
	return 0;
}
