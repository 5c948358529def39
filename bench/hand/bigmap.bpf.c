/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { $b = @n; @n = @n + 1; $i = 0;
 *     while ($i < 1000) { @big[$b * 1000 + $i] = $b * 1000 + $i; $i++; } }
 * (bench section bigmaps; loader --print-map big prints @big at exit) */
#include "common.h"

#define PER_EVENT 1000

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1 << 20);
	__type(key, __u64);
	__type(value, __u64);
} big SEC(".maps");

__u64 events_seen;

SEC("tracepoint/syscalls/sys_enter_getppid")
int bigmap(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	__u64 base = events_seen++ * PER_EVENT;
	for (__u64 i = 0; i < PER_EVENT; i++) {
		__u64 k = base + i;
		bpf_map_update_elem(&big, &k, &k, BPF_ANY);
	}
	return 0;
}
