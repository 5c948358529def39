/*
 * pkt.c - the fields of `pkt` in xdp and tc probes: where each lies in
 * struct sonde_pkt (which the BPF-side parser fills), its type and how far
 * the parser must go to fill it. Codegen reads the same table through
 * sema_pkt_field, so both agree on the layout.
 */
#include <stddef.h>
#include <string.h>

#include "bpf-runtime/pkt.h"
#include "sema/sema_internal.h"

/* pkt.NAME: where the field sits in struct sonde_pkt, its type, and how
 * far the parser must go to fill it. */
static const struct {
	const char *name;
	uint32_t offset;
	int depth;
	bool is_inet;
} pkt_fields[] = {
	{"len", offsetof(struct sonde_pkt, len), SONDE_PKT_DEPTH_NONE, false},
	{"ifindex", offsetof(struct sonde_pkt, ifindex), SONDE_PKT_DEPTH_NONE, false},
	{"eth_type", offsetof(struct sonde_pkt, eth_type), SONDE_PKT_DEPTH_ETH, false},
	{"vlan", offsetof(struct sonde_pkt, vlan), SONDE_PKT_DEPTH_ETH, false},
	{"proto", offsetof(struct sonde_pkt, proto), SONDE_PKT_DEPTH_IP, false},
	{"ttl", offsetof(struct sonde_pkt, ttl), SONDE_PKT_DEPTH_IP, false},
	{"has_ip", offsetof(struct sonde_pkt, has_ip), SONDE_PKT_DEPTH_IP, false},
	{"has_ip6", offsetof(struct sonde_pkt, has_ip6), SONDE_PKT_DEPTH_IP, false},
	{"saddr", offsetof(struct sonde_pkt, saddr), SONDE_PKT_DEPTH_IP, true},
	{"daddr", offsetof(struct sonde_pkt, daddr), SONDE_PKT_DEPTH_IP, true},
	{"sport", offsetof(struct sonde_pkt, sport), SONDE_PKT_DEPTH_L4, false},
	{"dport", offsetof(struct sonde_pkt, dport), SONDE_PKT_DEPTH_L4, false},
	{"tcp_flags", offsetof(struct sonde_pkt, tcp_flags), SONDE_PKT_DEPTH_L4, false},
	{"has_l4", offsetof(struct sonde_pkt, has_l4), SONDE_PKT_DEPTH_L4, false},
};

/* Fills `acc` for pkt.NAME; -1 when there is no such field. */
int sema_pkt_field(const char *name, struct ctx_access *acc)
{
	for (size_t i = 0; i < sizeof(pkt_fields) / sizeof(pkt_fields[0]); i++) {
		if (strcmp(pkt_fields[i].name, name))
			continue;
		memset(acc, 0, sizeof(*acc));
		acc->kind = CTX_PKT;
		acc->offset = pkt_fields[i].offset;
		acc->size = pkt_fields[i].is_inet ? sizeof(struct sonde_inet) : 8;
		acc->type = pkt_fields[i].is_inet ? &type_inet : &type_u64;
		return pkt_fields[i].depth;
	}
	return -1;
}

/* pkt.NAME in an xdp or tc probe; records how deep the parser must go. */
struct type *check_pkt_field(struct sema *s, struct node *n)
{
	struct node *base = n->u.field.base;
	base->u.ident.builtin_id = BI_PKT;
	if (!ctx_allows(s, CTX_HAS_PKT, base->loc, "pkt"))
		return NULL;
	struct ctx_access acc;
	int depth = sema_pkt_field(n->u.field.name, &acc);
	if (depth < 0) {
		diag_error(s->d, n->u.field.name_loc, "pkt has no field '%s'", n->u.field.name);
		const char *cands[sizeof(pkt_fields) / sizeof(pkt_fields[0])];
		for (size_t i = 0; i < sizeof(pkt_fields) / sizeof(pkt_fields[0]); i++)
			cands[i] = pkt_fields[i].name;
		const char *near = diag_closest(n->u.field.name, cands,
						(int)(sizeof(cands) / sizeof(cands[0])));
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean 'pkt.%s'?", near);
		return NULL;
	}
	if (depth > s->pkt_depth)
		s->pkt_depth = depth;
	s->pkt_len |= !strcmp(n->u.field.name, "len");
	s->pkt_l4_in_for |= depth == SONDE_PKT_DEPTH_L4 && s->for_depth;
	return acc.type;
}
