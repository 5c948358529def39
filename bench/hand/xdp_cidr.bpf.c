/* let @block = lpm(1024);
 * BEGIN { @block[192.0.2.0/24] = 1; ... @block[2001:db8::/32] = 1; }
 * xdp:IFACE { if (pkt.saddr in @block) { @drops = count(); drop; } }
 *
 * As a BPF programmer writes a CIDR blocklist: one LPM trie per family,
 * keyed by the prefix length and the address alone, filled by a BEGIN
 * program that the loader runs once before the others, as sonde runs
 * BEGIN (in sonde's section: a syscall program is sleepable, and a
 * sleepable program cannot update an LPM trie). */
#include "xdp_common.h"

struct v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};

struct v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct v4_key);
	__type(value, __u64);
} block4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct v6_key);
	__type(value, __u64);
} block6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

SEC("raw_tp/sonde_BEGIN")
int fill(void *ctx)
{
	__u64 one = 1;
	struct v4_key k4 = {24, {192, 0, 2, 0}};
	bpf_map_update_elem(&block4, &k4, &one, BPF_ANY);
	k4 = (struct v4_key){24, {198, 51, 100, 0}};
	bpf_map_update_elem(&block4, &k4, &one, BPF_ANY);
	k4 = (struct v4_key){24, {203, 0, 113, 0}};
	bpf_map_update_elem(&block4, &k4, &one, BPF_ANY);
	k4 = (struct v4_key){8, {10, 0, 0, 0}};
	bpf_map_update_elem(&block4, &k4, &one, BPF_ANY);
	struct v6_key k6 = {32, {0x20, 0x01, 0x0d, 0xb8}};
	bpf_map_update_elem(&block6, &k6, &one, BPF_ANY);
	return 0;
}

SEC("xdp")
int xdp_cidr(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	__be16 proto = eth->h_proto;
	void *p = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct vlan_hdr *v = p;
		if ((void *)(v + 1) > end)
			return XDP_PASS;
		proto = v->proto;
		p = v + 1;
	}
	void *hit = NULL;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = p;
		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		struct v4_key k = {32};
		__builtin_memcpy(k.addr, &ip->saddr, 4);
		hit = bpf_map_lookup_elem(&block4, &k);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = p;
		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		struct v6_key k = {128};
		__builtin_memcpy(k.addr, &ip6->saddr, 16);
		hit = bpf_map_lookup_elem(&block6, &k);
	}
	if (!hit)
		return XDP_PASS;
	__u32 z = 0;
	__u64 *n = bpf_map_lookup_elem(&drops, &z);
	if (n)
		*n += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
