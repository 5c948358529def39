/* xdp:IFACE { if (pkt.proto == IPPROTO_UDP && pkt.dport == 53) { @drops = count(); drop; } } */
#include "xdp_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

SEC("xdp")
int xdp_dropdns(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end, *l4;
	__u8 proto = parse_ip((void *)(long)ctx->data, end, &l4);
	if (proto != IPPROTO_UDP)
		return XDP_PASS;
	struct udphdr *udp = l4;
	if ((void *)(udp + 1) > end || udp->dest != bpf_htons(53))
		return XDP_PASS;
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&drops, &k);
	if (v)
		*v += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
