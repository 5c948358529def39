/*
 * pkt.c - the packet parser behind `pkt.*` in xdp and tc probes.
 *
 * Compiled to bitcode and inlined into every program that reads pkt (see
 * pkt.h). One entry point per context type: sonde_pkt_xdp for struct
 * xdp_md, sonde_pkt_skb for struct __sk_buff. Both fill a struct sonde_pkt
 * from Ethernet (up to two 802.1Q/802.1ad tags), IPv4 or IPv6, stopping at
 * `depth` (a constant once inlined, so the unused layers vanish) or at the
 * first header the packet does not hold; TCP or UDP is left to
 * sonde_pkt_l4, called where the script first reads a port. Every read is
 * preceded by a comparison with data_end that the verifier can follow:
 * pointers only ever move forward by a bounded amount (14 + 2 * 4 bytes of
 * link header, 20..60 bytes of IPv4 header).
 */
#include <linux/bpf.h>

#include "pkt.h"

#define ETH_HLEN 14
#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8

static long (*const bpf_xdp_get_buff_len)(struct xdp_md *ctx) = (void *)BPF_FUNC_xdp_get_buff_len;

/* A big-endian 16-bit field: one load and a byte swap, which LLVM folds
 * into the constant a field is compared with. Header fields sit at even
 * offsets from the frame's start (Ethernet 14, tags 4, IPv4 a multiple of
 * 4), so the load is aligned like the frame. */
static inline __attribute__((always_inline)) unsigned be16(const unsigned char *p)
{
	return __builtin_bswap16(*(const unsigned short *)p);
}

static inline __attribute__((always_inline)) void copy_addr(struct sonde_inet *dst, unsigned family,
							     const unsigned char *src, int n)
{
	dst->family = family;
	for (int i = 0; i < n; i++)
		dst->addr[i] = src[i];
}

/* Everything after the link layer's first byte; `vlan` was set by the
 * caller when the tag was taken off the packet (skb hardware offload). */
static inline __attribute__((always_inline)) void parse(const unsigned char *data,
							 const unsigned char *end,
							 struct sonde_pkt *pkt, int depth)
{
	if (depth < SONDE_PKT_DEPTH_ETH)
		return;
	if (data + ETH_HLEN > end)
		return;
	unsigned eth_type = be16(data + 12);
	const unsigned char *p = data + ETH_HLEN;
#pragma clang loop unroll(full)
	for (int i = 0; i < 2; i++) {
		if (eth_type != ETH_P_8021Q && eth_type != ETH_P_8021AD)
			break;
		if (p + 4 > end)
			return;
		if (!pkt->vlan)
			pkt->vlan = be16(p) & 0xfff;
		eth_type = be16(p + 2);
		p += 4;
	}
	pkt->eth_type = eth_type;
	if (depth < SONDE_PKT_DEPTH_IP)
		return;

	unsigned proto;
	const unsigned char *l4, *ip4 = 0;
	if (eth_type == ETH_P_IP) {
		if (p + 20 > end)
			return;
		/* version 4 and a header of 5 words or more, in one range test */
		if (p[0] < 0x45 || p[0] > 0x4f)
			return;
		unsigned ihl = (p[0] & 0xf) * 4;
		proto = p[9];
		pkt->has_ip = 1;
		pkt->proto = proto;
		pkt->ttl = p[8];
		copy_addr(&pkt->saddr, 2, p + 12, 4);
		copy_addr(&pkt->daddr, 2, p + 16, 4);
		ip4 = p;
		l4 = p + ihl;
	} else if (eth_type == ETH_P_IPV6) {
		if (p + 40 > end)
			return;
		proto = p[6];
		pkt->has_ip6 = 1;
		pkt->proto = proto;
		pkt->ttl = p[7];
		copy_addr(&pkt->saddr, 10, p + 8, 16);
		copy_addr(&pkt->daddr, 10, p + 24, 16);
		l4 = p + 40;
	} else {
		return;
	}
	if (depth < SONDE_PKT_DEPTH_L4)
		return;
	pkt->l4 = l4;
	pkt->ip4 = ip4;
	pkt->end = end;
}

/* TCP or UDP ports and flags, parsed where the script first reads one of
 * them (codegen.c), so that a script testing pkt.proto first does no work
 * on the transport header of packets it skips. Once inlined, a second call
 * on the same path sees l4 cleared and folds away. */
void sonde_pkt_l4(struct sonde_pkt *pkt)
{
	const unsigned char *l4 = pkt->l4, *end = pkt->end;
	if (!l4)
		return;
	pkt->l4 = 0;
	/* a fragment after the first carries no transport header */
	if (pkt->ip4 && (be16(pkt->ip4 + 6) & 0x1fff))
		return;
	if (pkt->proto == 6) { /* TCP */
		if (l4 + 20 > end)
			return;
		pkt->sport = be16(l4);
		pkt->dport = be16(l4 + 2);
		pkt->tcp_flags = l4[13];
		pkt->has_l4 = 1;
	} else if (pkt->proto == 17 || pkt->proto == 136) { /* UDP, UDP-Lite */
		if (l4 + 8 > end)
			return;
		pkt->sport = be16(l4);
		pkt->dport = be16(l4 + 2);
		pkt->has_l4 = 1;
	}
}

void sonde_pkt_xdp(void *ctx, struct sonde_pkt *pkt, int depth, int want_len)
{
	struct xdp_md *x = ctx;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	const unsigned char *data = (const unsigned char *)(long)x->data;
	const unsigned char *end = (const unsigned char *)(long)x->data_end;
	/* data_end - data would be arithmetic on pkt_end, which the verifier
	 * refuses; the helper also counts the fragments of multi-buffer XDP */
	if (want_len)
		pkt->len = (sonde_u64)bpf_xdp_get_buff_len(x);
	pkt->ifindex = x->ingress_ifindex;
	parse(data, end, pkt, depth);
}

void sonde_pkt_skb(void *ctx, struct sonde_pkt *pkt, int depth, int want_len)
{
	(void)want_len; /* a field of the context: free to read */
	struct __sk_buff *skb = ctx;
	__builtin_memset(pkt, 0, sizeof(*pkt));
	pkt->len = skb->len;
	pkt->ifindex = skb->ifindex;
	if (depth >= SONDE_PKT_DEPTH_ETH && skb->vlan_present)
		pkt->vlan = skb->vlan_tci & 0xfff;
	const unsigned char *data = (const unsigned char *)(long)skb->data;
	const unsigned char *end = (const unsigned char *)(long)skb->data_end;
	parse(data, end, pkt, depth);
}
