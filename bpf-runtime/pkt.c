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

/* In 32-bit words: copied byte by byte, an IPv6 address would be 16
 * values for the rest of the program to carry in registers and spill.
 * The words are aligned as the kernel sees packets (the IP header on a
 * 4-byte boundary: NET_IP_ALIGN, which the verifier assumes too), and
 * sonde_inet's addr is. */
static inline __attribute__((always_inline)) void copy_addr(struct sonde_inet *dst, unsigned family,
							     const unsigned char *src, int n)
{
	dst->family = family;
#pragma clang loop unroll(full)
	for (int i = 0; i < n; i += 4)
		*(sonde_u32 *)(dst->addr + i) = *(const sonde_u32 *)(src + i);
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
	unsigned off = ETH_HLEN; /* p's offset from data, counted alongside */
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
		off += 4;
	}
	pkt->eth_type = eth_type;
	if (depth < SONDE_PKT_DEPTH_IP)
		return;

	unsigned proto, l4_off;
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
		l4_off = off + ihl;
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
		l4_off = off + 40;
	} else {
		return;
	}
	pkt->l3_off = off;
	pkt->l3 = (unsigned char *)p;
	if (depth < SONDE_PKT_DEPTH_L4)
		return;
	pkt->l4_off = l4_off;
	pkt->l4 = l4;
	pkt->ip4 = ip4;
	pkt->end = end;
	pkt->l4_todo = 1;
}

/* TCP or UDP ports and flags, parsed where the script first reads one of
 * them (codegen.c), so that a script testing pkt.proto first does no work
 * on the transport header of packets it skips. Once inlined, a second call
 * on the same path sees l4_todo cleared and folds away. The results are
 * gathered in locals and stored once, on every path alike: stores of
 * different fields on different branches would be merged into a store
 * through a select of addresses, which keeps the whole record on the
 * stack instead of in registers. */
void sonde_pkt_l4(struct sonde_pkt *pkt)
{
	if (!pkt->l4_todo)
		return;
	pkt->l4_todo = 0;
	const unsigned char *l4 = pkt->l4, *end = pkt->end;
	unsigned proto = pkt->proto;
	sonde_u64 sport = 0, dport = 0, tcp_flags = 0, has_l4 = 0, addr_ok;
	unsigned csum_at = 0; /* the checksum's offset in the transport header, 0: none */
	if (pkt->ip4 && (be16(pkt->ip4 + 6) & 0x1fff)) {
		/* a fragment after the first carries no transport header */
		addr_ok = 1;
	} else {
		/* IPv4 protocols without a pseudo-header checksum (ICMP, GRE,
		 * ESP, SCTP ...) take an address rewrite as they are */
		addr_ok = pkt->ip4 && proto != 6 && proto != 17 && proto != 136 && proto != 33;
		/* a switch, not `proto == 17 || proto == 136`: the BPF backend
		 * keeps such a pair of tests apart from the bounds test (against
		 * the verifier's loss of precision), even where the path
		 * already knows the protocol */
		switch (proto) {
		case 6: /* TCP */
			if (l4 + 20 <= end) {
				sport = be16(l4);
				dport = be16(l4 + 2);
				tcp_flags = l4[13];
				has_l4 = 1;
				csum_at = 16;
				addr_ok = 1;
			}
			break;
		case 17:  /* UDP */
		case 136: /* UDP-Lite */
			if (l4 + 8 <= end) {
				sport = be16(l4);
				dport = be16(l4 + 2);
				has_l4 = 1;
				csum_at = 6;
				addr_ok = 1;
			}
			break;
		case 58: /* ICMPv6: no ports, but its checksum covers the addresses */
			if (pkt->has_ip6 && l4 + 4 <= end) {
				csum_at = 2;
				addr_ok = 1;
			}
			break;
		}
	}
	pkt->sport = sport;
	pkt->dport = dport;
	pkt->tcp_flags = tcp_flags;
	pkt->has_l4 = has_l4;
	pkt->addr_ok = addr_ok;
	pkt->csum_off = csum_at ? pkt->l4_off + csum_at : 0;
	pkt->csum = csum_at ? (unsigned char *)l4 + csum_at : 0;
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

/*
 * Assignments: pkt.saddr, daddr, sport, dport, ttl = value. Each changes
 * the packet and fixes its checksums incrementally (RFC 1624: HC' =
 * ~(~HC + ~m + m')): the IPv4 header's for an address or the TTL, the
 * transport's for a port or an address (which its pseudo-header holds;
 * ICMPv6's too). A UDP checksum of 0 (none, IPv4) stays 0, and one that
 * comes out 0 is written 0xffff. A field the packet lacks (a port of an
 * ICMP packet, an IPv4 address given to an IPv6 packet, anything of a
 * non-IP frame) is left alone: the assignment does nothing. So is an
 * address whose change would leave a checksum we cannot reach wrong
 * (addr_ok: IPv6 extension headers before the transport, a truncated
 * TCP/UDP header, DCCP). The parsed fields follow, so a later read of
 * pkt.dport gives the new port.
 *
 * Offsets are masked to what the parser can produce (Ethernet, two tags,
 * a 60-byte IPv4 header) so that the verifier sees them bounded whatever
 * the compiler kept in registers.
 */
#define OFF_MASK 0xff

struct change {
	int at;                 /* offset of the bytes in the frame */
	int n;                  /* how many: 1, 2, 4 or 16 */
	const unsigned char *to;
	int ip_csum;            /* offset of the IPv4 header checksum to fix, 0: none */
	int l4_csum;            /* offset of the transport checksum to fix, 0: none */
	int pseudo;             /* the bytes are in the transport's pseudo-header */
	int udp;                /* UDP's rule for a zero checksum */
};

/* What the assignment changes, or 0 when the packet lacks the field. */
static inline __attribute__((always_inline)) int plan(const struct sonde_pkt *pkt, int field,
						      const unsigned char *value,
						      const struct sonde_inet *addr,
						      struct change *c)
{
	int l3 = pkt->l3_off & OFF_MASK, l4 = pkt->l4_off & OFF_MASK;
	c->ip_csum = 0;
	c->l4_csum = pkt->csum_off & OFF_MASK;
	c->pseudo = 0;
	c->udp = pkt->proto == 17;
	if (field == SONDE_PKT_SET_TTL) {
		if (!pkt->has_ip && !pkt->has_ip6)
			return 0;
		c->at = l3 + (pkt->has_ip ? 8 : 7);
		c->n = 1;
		c->to = value;
		c->ip_csum = pkt->has_ip ? l3 + 10 : 0;
		c->l4_csum = 0;
		return 1;
	}
	if (field == SONDE_PKT_SET_SPORT || field == SONDE_PKT_SET_DPORT) {
		if (!pkt->has_l4)
			return 0;
		c->at = l4 + (field == SONDE_PKT_SET_DPORT ? 2 : 0);
		c->n = 2;
		c->to = value;
		return 1;
	}
	int dst = field == SONDE_PKT_SET_DADDR;
	if (!pkt->addr_ok)
		return 0;
	if (pkt->has_ip && addr->family == 2) {
		c->at = l3 + (dst ? 16 : 12);
		c->n = 4;
		c->ip_csum = l3 + 10;
	} else if (pkt->has_ip6 && addr->family == 10) {
		c->at = l3 + (dst ? 24 : 8);
		c->n = 16;
	} else {
		return 0;
	}
	c->to = addr->addr;
	c->pseudo = 1;
	return 1;
}

/* The parsed fields after the change. */
static inline __attribute__((always_inline)) void note(struct sonde_pkt *pkt, int field,
						       sonde_u64 value,
						       const struct sonde_inet *addr)
{
	if (field == SONDE_PKT_SET_TTL)
		pkt->ttl = value & 0xff;
	else if (field == SONDE_PKT_SET_SPORT)
		pkt->sport = value & 0xffff;
	else if (field == SONDE_PKT_SET_DPORT)
		pkt->dport = value & 0xffff;
	else if (addr->family == 2) /* constant lengths: a variable one would be a memcpy call */
		copy_addr(field == SONDE_PKT_SET_DADDR ? &pkt->daddr : &pkt->saddr, 2, addr->addr, 4);
	else
		copy_addr(field == SONDE_PKT_SET_DADDR ? &pkt->daddr : &pkt->saddr, 10, addr->addr,
			  16);
}

/* The new value's bytes in network order, as the packet holds them. */
static inline __attribute__((always_inline)) void value_bytes(int field, sonde_u64 value,
							      unsigned char *out)
{
	if (field == SONDE_PKT_SET_TTL) {
		out[0] = value & 0xff;
	} else {
		out[0] = (value >> 8) & 0xff;
		out[1] = value & 0xff;
	}
}

static inline __attribute__((always_inline)) unsigned ld16(const unsigned char *p)
{
	return *(const unsigned short *)p;
}

/* A sum of 16-bit words folded to 16 bits, one's complement style (the
 * sums here stay below 2^21: two folds are enough). */
static inline __attribute__((always_inline)) unsigned fold(unsigned s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* HC' = ~(~HC + delta), delta being the sum of ~old + new over the
 * changed words; words are loaded as the machine does, which the
 * one's complement sum does not mind as long as all are. */
static inline __attribute__((always_inline)) void fix_csum(unsigned char *field, unsigned delta,
							   int udp)
{
	unsigned c = ld16(field);
	if (udp && !c)
		return;
	unsigned r = ~fold(delta + (~c & 0xffff)) & 0xffff;
	if (udp && !r)
		r = 0xffff;
	*(unsigned short *)field = r;
}

/* Writes n bytes (a constant once inlined) as 16-bit words and adds
 * their ~old + new to *delta. */
static inline __attribute__((always_inline)) void put(unsigned char *p, const unsigned char *to,
						      int n, unsigned *delta)
{
#pragma clang loop unroll(full)
	for (int i = 0; i < n; i += 2) {
		unsigned word = ld16(to + i);
		*delta += (~ld16(p + i) & 0xffff) + word;
		*(unsigned short *)(p + i) = word;
	}
}

/* XDP: written in place through the parser's pointers. No bounds check
 * is repeated: each field lies in a header the parser checked whole
 * before setting the flag tested here (has_ip: 20 bytes of IPv4 header,
 * has_ip6: 40 of IPv6, has_l4: 8 of UDP or 20 of TCP, csum: 4 of ICMPv6
 * or more), and the verifier follows that range on the pointer; nothing
 * in an XDP program moves the packet in between. */
void sonde_pkt_set_xdp(void *ctx, struct sonde_pkt *pkt, int field, sonde_u64 value,
		       const struct sonde_inet *addr)
{
	(void)ctx;
	unsigned char *l3 = pkt->l3;
	unsigned delta = 0;
	if (field == SONDE_PKT_SET_TTL) {
		if (pkt->has_ip) {
			/* the TTL, summed in its word with the protocol byte */
			unsigned old = ld16(l3 + 8);
			l3[8] = value & 0xff;
			fix_csum(l3 + 10, (~old & 0xffff) + ld16(l3 + 8), 0);
		} else if (pkt->has_ip6) {
			/* the IPv6 hop limit: no checksum covers it */
			l3[7] = value & 0xff;
		} else {
			return;
		}
		note(pkt, field, value, addr);
		return;
	}
	if (field == SONDE_PKT_SET_SPORT || field == SONDE_PKT_SET_DPORT) {
		if (!pkt->has_l4)
			return;
		unsigned char *p =
		    (unsigned char *)pkt->l4 + (field == SONDE_PKT_SET_DPORT ? 2 : 0);
		unsigned word = __builtin_bswap16((unsigned short)value);
		delta = (~ld16(p) & 0xffff) + word;
		*(unsigned short *)p = word;
	} else {
		int dst = field == SONDE_PKT_SET_DADDR;
		if (!pkt->addr_ok)
			return;
		if (pkt->has_ip && addr->family == 2) {
			put(l3 + (dst ? 16 : 12), addr->addr, 4, &delta);
			fix_csum(l3 + 10, delta, 0);
		} else if (pkt->has_ip6 && addr->family == 10) {
			put(l3 + (dst ? 24 : 8), addr->addr, 16, &delta);
		} else {
			return;
		}
	}
	if (pkt->csum)
		fix_csum(pkt->csum, delta, pkt->proto == 17);
	note(pkt, field, value, addr);
}

/* tc: the kernel's helpers write the bytes and fix the checksums, which
 * also keeps the skb's checksum state right (a CHECKSUM_PARTIAL packet's
 * transport checksum holds only the pseudo-header's sum; a
 * CHECKSUM_COMPLETE one's skb->csum must follow the change). */
static long (*const bpf_skb_store_bytes)(void *skb, unsigned off, const void *from, unsigned len,
					 unsigned long long flags) = (void *)BPF_FUNC_skb_store_bytes;
static long (*const bpf_l3_csum_replace)(void *skb, unsigned off, unsigned long long from,
					 unsigned long long to, unsigned long long size) =
	(void *)BPF_FUNC_l3_csum_replace;
static long (*const bpf_l4_csum_replace)(void *skb, unsigned off, unsigned long long from,
					 unsigned long long to, unsigned long long flags) =
	(void *)BPF_FUNC_l4_csum_replace;
static long (*const bpf_csum_diff)(const void *from, unsigned from_size, const void *to,
				   unsigned to_size, unsigned seed) = (void *)BPF_FUNC_csum_diff;

static inline __attribute__((always_inline)) unsigned ld32(const unsigned char *p)
{
	return *(const unsigned *)p;
}

void sonde_pkt_set_skb(void *ctx, struct sonde_pkt *pkt, int field, sonde_u64 value,
		       const struct sonde_inet *addr)
{
	struct __sk_buff *skb = ctx;
	unsigned char v[4] __attribute__((aligned(4))) = {0, 0, 0, 0};
	struct change c;
	value_bytes(field, value, v);
	if (!plan(pkt, field, v, addr, &c))
		return;
	/* the old bytes, read directly: every earlier write went through a
	 * helper, after which skb->data is read again */
	const unsigned char *data = (const unsigned char *)(long)skb->data;
	const unsigned char *end = (const unsigned char *)(long)skb->data_end;
	const unsigned char *p = data + (c.at & 0x1ff);
	unsigned long long l4flags = (c.pseudo ? BPF_F_PSEUDO_HDR : 0) |
				     (c.udp ? BPF_F_MARK_MANGLED_0 : 0);
	if (c.n == 16) {
		unsigned old[4];
		if (p + 16 > end)
			return;
		/* bpf_csum_diff reads the stack, not the packet */
#pragma clang loop unroll(full)
		for (int i = 0; i < 4; i++)
			old[i] = ld32(p + 4 * i);
		if (c.l4_csum) {
			long diff = bpf_csum_diff(old, 16, c.to, 16, 0);
			bpf_l4_csum_replace(skb, c.l4_csum, 0, (unsigned)diff, l4flags);
		}
		bpf_skb_store_bytes(skb, c.at, c.to, 16, 0);
	} else if (c.n == 4) {
		if (p + 4 > end)
			return;
		unsigned old = ld32(p), to = ld32(c.to);
		if (c.l4_csum)
			bpf_l4_csum_replace(skb, c.l4_csum, old, to, l4flags | 4);
		bpf_l3_csum_replace(skb, c.ip_csum, old, to, 4);
		bpf_skb_store_bytes(skb, c.at, c.to, 4, 0);
	} else if (c.n == 2) {
		if (p + 2 > end)
			return;
		unsigned old = ld16(p), to = ld16(c.to);
		if (c.l4_csum)
			bpf_l4_csum_replace(skb, c.l4_csum, old, to, l4flags | 2);
		bpf_skb_store_bytes(skb, c.at, c.to, 2, 0);
	} else {
		if (p + 2 > end)
			return;
		if (c.ip_csum) {
			/* the TTL's word: it and the protocol byte after it,
			 * as a little-endian load sees them */
			unsigned old = ld16(p);
			bpf_l3_csum_replace(skb, c.ip_csum, old, (old & 0xff00) | c.to[0], 2);
		}
		bpf_skb_store_bytes(skb, c.at, c.to, 1, 0);
	}
	note(pkt, field, value, addr);
}
