/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { @ = lhist(nsecs & 0xff, 0, 256, 16); }
 * Buckets as bpftrace's: 0 below min, 1..16 the steps, 17 at or above max. */
#include "common.h"

struct buckets {
	__u64 b[18];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct buckets);
} at SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int lhist(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	__u32 k = 0;
	struct buckets *h = bpf_map_lookup_elem(&at, &k);
	if (h) {
		__u64 v = bpf_ktime_get_ns() & 0xff;
		__u32 i = v >= 256 ? 17 : (__u32)(v / 16) + 1;
		if (i < 18)
			h->b[i] += 1;
	}
	return 0;
}
