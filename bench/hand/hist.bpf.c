/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { @ = hist(nsecs & 0xffff); }
 * Buckets as bpftrace's: 0 for 0, k+1 for [2^k, 2^(k+1)). */
#include "common.h"

struct buckets {
	__u64 b[66];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct buckets);
} at SEC(".maps");

static __always_inline __u32 log2_bucket(__u64 v)
{
	if (v == 0)
		return 0;
	__u32 r = 0, s;
	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffff) << 4; v >>= s; r |= s;
	s = (v > 0xff) << 3; v >>= s; r |= s;
	s = (v > 0xf) << 2; v >>= s; r |= s;
	s = (v > 0x3) << 1; v >>= s; r |= s;
	r |= (v >> 1);
	return r + 1;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int hist(struct sys_enter_getppid *ctx)
{
	if (!FROM_TARGET())
		return 0;
	__u32 k = 0;
	struct buckets *h = bpf_map_lookup_elem(&at, &k);
	if (h) {
		__u32 i = log2_bucket(bpf_ktime_get_ns() & 0xffff);
		if (i < 66)
			h->b[i] += 1;
	}
	return 0;
}
