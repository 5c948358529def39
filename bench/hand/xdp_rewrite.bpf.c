/* xdp:IFACE { if (pkt.proto == IPPROTO_UDP) { pkt.dport = pkt.dport ^ 1; } }
 * The port changes on every run (the test-run buffer keeps the last
 * run's packet), with the UDP checksum fixed incrementally (RFC 1624) and
 * a checksum of 0 (none) left alone. */
#include "xdp_common.h"

SEC("xdp")
int xdp_rewrite(struct xdp_md *ctx)
{
	void *end = (void *)(long)ctx->data_end, *l4;
	__u8 proto = parse_ip((void *)(long)ctx->data, end, &l4);
	if (proto != IPPROTO_UDP)
		return XDP_PASS;
	struct udphdr *udp = l4;
	if ((void *)(udp + 1) > end)
		return XDP_PASS;
	__u16 old = udp->dest, new = old ^ bpf_htons(1);
	udp->dest = new;
	if (udp->check) {
		__u32 s = (__u16)~udp->check + (__u16)~old + new;
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		__u16 c = ~s;
		udp->check = c ? c : 0xffff;
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
