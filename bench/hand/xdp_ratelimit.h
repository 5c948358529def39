/* xdp_ratelimit.h - ratelimit(@rl[pkt.saddr], RL_RATE, RL_BURST) as a BPF
 * programmer writes it: a hash of source addresses (family and 16 bytes,
 * IPv4 in the first 4, as sonde keys inet) to one u64, the time the
 * bucket is full again (GCRA), advanced with a compare-and-swap; a packet
 * over the limit is dropped. The including file defines RL_RATE, RL_BURST. */
#ifndef BENCH_HAND_XDP_RATELIMIT_H
#define BENCH_HAND_XDP_RATELIMIT_H
#include "xdp_common.h"

struct rl_key {
	__u32 family;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct rl_key);
	__type(value, __u64);
} rl SEC(".maps");

#define RL_TOKEN_NS (1000000000ull / RL_RATE)
#define RL_BUCKET_NS (RL_TOKEN_NS * RL_BURST)

static __always_inline int rl_source(void *data, void *end, struct rl_key *k)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return 0;
	void *p = eth + 1;
	__be16 proto = eth->h_proto;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *v = p;
		if ((void *)(v + 1) > end)
			return 0;
		proto = v->proto;
		p = v + 1;
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = p;
		if ((void *)(ip + 1) > end)
			return 0;
		k->family = 2;
		__builtin_memcpy(k->addr, &ip->saddr, 4);
		return 1;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = p;
		if ((void *)(ip6 + 1) > end)
			return 0;
		k->family = 10;
		__builtin_memcpy(k->addr, &ip6->saddr, 16);
		return 1;
	}
	return 0;
}

SEC("xdp")
int xdp_ratelimit(struct xdp_md *ctx)
{
	struct rl_key k = {};
	if (!rl_source((void *)(long)ctx->data, (void *)(long)ctx->data_end, &k))
		return XDP_PASS;
	__u64 now = bpf_ktime_get_ns();
	__u64 *tat = bpf_map_lookup_elem(&rl, &k);
	if (!tat) {
		__u64 zero = 0;
		bpf_map_update_elem(&rl, &k, &zero, BPF_NOEXIST);
		tat = bpf_map_lookup_elem(&rl, &k);
		if (!tat)
			return XDP_DROP;
	}
	__u64 old = *(volatile __u64 *)tat;
	for (int i = 0; i < 4; i++) {
		__u64 next = (old > now ? old : now) + RL_TOKEN_NS;
		if (next - now > RL_BUCKET_NS)
			return XDP_DROP;
		__u64 seen = __sync_val_compare_and_swap(tat, old, next);
		if (seen == old)
			return XDP_PASS;
		old = seen;
	}
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
#endif
