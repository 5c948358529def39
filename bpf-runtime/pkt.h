/*
 * pkt.h - the parsed packet that xdp and tc probes see as `pkt`.
 *
 * Shared by the BPF-side parser (bpf-runtime/pkt.c, compiled to bitcode
 * and linked into every module that uses pkt) and the compiler, which
 * reads fields at these offsets. Every field is 8 bytes or an address
 * record so that loads stay aligned; absent fields read as 0. The
 * compiler passes want_len when the script reads pkt.len (for XDP a
 * helper call).
 */
#ifndef SONDE_BPF_PKT_H
#define SONDE_BPF_PKT_H

#ifdef __bpf__
typedef unsigned long long sonde_u64;
typedef unsigned int sonde_u32;
typedef unsigned char sonde_u8;
#else
#include <stdint.h>
typedef uint64_t sonde_u64;
typedef uint32_t sonde_u32;
typedef uint8_t sonde_u8;
#endif

/* How deep the parser goes: a script that only reads pkt.len needs no
 * header parsing at all. */
enum {
	SONDE_PKT_DEPTH_NONE = 0, /* len, ifindex */
	SONDE_PKT_DEPTH_ETH = 1,  /* + eth_type, vlan */
	SONDE_PKT_DEPTH_IP = 2,   /* + proto, saddr, daddr, ttl, has_ip, has_ip6 */
	SONDE_PKT_DEPTH_L4 = 3,   /* + sport, dport, tcp_flags, has_l4 (lazily) */
};

/* An address as the language's inet type stores it: family (2 = AF_INET,
 * 10 = AF_INET6, 0 = none) then 4 or 16 address bytes in network order. */
struct sonde_inet {
	sonde_u32 family;
	sonde_u8 addr[16];
};

struct sonde_pkt {
	sonde_u64 len;
	sonde_u64 ifindex;
	sonde_u64 eth_type;  /* host order, after VLAN tags */
	sonde_u64 vlan;      /* outermost VLAN id, 0 when untagged */
	sonde_u64 proto;     /* IP protocol number (IPv6: next header after extension-free header) */
	sonde_u64 ttl;       /* IPv4 TTL / IPv6 hop limit */
	sonde_u64 sport;     /* TCP/UDP, host order */
	sonde_u64 dport;
	sonde_u64 tcp_flags; /* TCP flags byte (FIN=1 SYN=2 RST=4 PSH=8 ACK=16 URG=32 ...) */
	sonde_u64 has_ip;
	sonde_u64 has_ip6;
	sonde_u64 has_l4;
	struct sonde_inet saddr; /* 20 bytes each, at 8-aligned offsets */
	sonde_u32 pad0;
	struct sonde_inet daddr;
	sonde_u32 pad1;
	/* Where the headers lie, as offsets from the frame's first byte, for
	 * assignments to pkt fields (sonde_pkt_set_*): l3_off the IP header
	 * (set with has_ip/has_ip6), l4_off the TCP/UDP header (with has_l4),
	 * csum_off the checksum a change of address or port must fix (TCP,
	 * UDP, UDP-Lite, ICMPv6; 0 when the packet has none we can reach).
	 * Offsets, not pointers: in tc a helper that writes the packet makes
	 * every packet pointer invalid. */
	sonde_u64 l3_off;
	sonde_u64 l4_off;
	sonde_u64 csum_off;
	/* 1 when an address can be rewritten without leaving a checksum
	 * behind wrong: the transport's is csum_off, or it has no
	 * pseudo-header, or this IPv4 fragment carries none. 0 for IPv6
	 * with extension headers, a truncated header, DCCP. */
	sonde_u64 addr_ok;
	/* The transport header is parsed at the first read of a field that
	 * needs it (sonde_pkt_l4), or up front where a for body or a tc
	 * rewrite needs it: until then l4_todo is 1, l4 points at it, ip4 at
	 * the IPv4 header whose fragment offset says whether it is really
	 * there (NULL for IPv6), and end at the packet's end. */
	const unsigned char *l4;
	const unsigned char *ip4; /* its IPv4 header: a later fragment has none */
	const unsigned char *end;
	sonde_u64 l4_todo;
	/* XDP's setter writes through the parser's own pointers, whose bounds
	 * the verifier has followed from the parser's checks (no helper there
	 * moves the packet): l3 is the IP header (with l3_off), csum the
	 * transport checksum (with csum_off, NULL when csum_off is 0). */
	unsigned char *l3;
	unsigned char *csum;
};

/* What `pkt.FIELD = value` changes (the field argument of
 * sonde_pkt_set_xdp / sonde_pkt_set_skb). */
enum {
	SONDE_PKT_SET_SADDR = 0,
	SONDE_PKT_SET_DADDR = 1,
	SONDE_PKT_SET_SPORT = 2,
	SONDE_PKT_SET_DPORT = 3,
	SONDE_PKT_SET_TTL = 4,
};

#endif
