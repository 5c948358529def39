/* xdp_common.h - the packet parsing an expert writes for the XDP cases:
 * Ethernet, one optional VLAN tag, IPv4 (any IHL) or IPv6 (no extension
 * headers), then the TCP/UDP ports. Every access is bounds-checked. */
#ifndef BENCH_HAND_XDP_COMMON_H
#define BENCH_HAND_XDP_COMMON_H
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* Returns the IP protocol (0 if not IP); *l4 points past the IP header. */
static __always_inline __u8 parse_ip(void *data, void *end, void **l4)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > end)
		return 0;
	__be16 proto = eth->h_proto;
	void *p = eth + 1;
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
		*l4 = p + ip->ihl * 4;
		return ip->protocol;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = p;
		if ((void *)(ip6 + 1) > end)
			return 0;
		*l4 = ip6 + 1;
		return ip6->nexthdr;
	}
	return 0;
}
#endif
