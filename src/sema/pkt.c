/*
 * pkt.c - the fields of `pkt` in xdp and tc probes: where each lies in
 * struct sonde_pkt (which the BPF-side parser fills), its type and how far
 * the parser must go to fill it. Codegen reads the same table through
 * sema_pkt_field, so both agree on the layout.
 */
#include <inttypes.h>
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
	int set; /* SONDE_PKT_SET_* when `pkt.NAME = value` rewrites it, -1 */
} pkt_fields[] = {
	{"len", offsetof(struct sonde_pkt, len), SONDE_PKT_DEPTH_NONE, false, -1},
	{"ifindex", offsetof(struct sonde_pkt, ifindex), SONDE_PKT_DEPTH_NONE, false, -1},
	{"eth_type", offsetof(struct sonde_pkt, eth_type), SONDE_PKT_DEPTH_ETH, false, -1},
	{"vlan", offsetof(struct sonde_pkt, vlan), SONDE_PKT_DEPTH_ETH, false, -1},
	{"proto", offsetof(struct sonde_pkt, proto), SONDE_PKT_DEPTH_IP, false, -1},
	{"ttl", offsetof(struct sonde_pkt, ttl), SONDE_PKT_DEPTH_IP, false, SONDE_PKT_SET_TTL},
	{"has_ip", offsetof(struct sonde_pkt, has_ip), SONDE_PKT_DEPTH_IP, false, -1},
	{"has_ip6", offsetof(struct sonde_pkt, has_ip6), SONDE_PKT_DEPTH_IP, false, -1},
	{"saddr", offsetof(struct sonde_pkt, saddr), SONDE_PKT_DEPTH_IP, true, SONDE_PKT_SET_SADDR},
	{"daddr", offsetof(struct sonde_pkt, daddr), SONDE_PKT_DEPTH_IP, true, SONDE_PKT_SET_DADDR},
	{"sport", offsetof(struct sonde_pkt, sport), SONDE_PKT_DEPTH_L4, false, SONDE_PKT_SET_SPORT},
	{"dport", offsetof(struct sonde_pkt, dport), SONDE_PKT_DEPTH_L4, false, SONDE_PKT_SET_DPORT},
	{"tcp_flags", offsetof(struct sonde_pkt, tcp_flags), SONDE_PKT_DEPTH_L4, false, -1},
	{"has_l4", offsetof(struct sonde_pkt, has_l4), SONDE_PKT_DEPTH_L4, false, -1},
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

/* SONDE_PKT_SET_* for `pkt.NAME = value`, -1 when NAME is read-only or
 * not a field (codegen calls the provider's setter with it). */
int sema_pkt_setter(const char *name)
{
	for (size_t i = 0; i < sizeof(pkt_fields) / sizeof(pkt_fields[0]); i++)
		if (!strcmp(pkt_fields[i].name, name))
			return pkt_fields[i].set;
	return -1;
}

/* pkt.NAME = value, pkt.NAME op= value: a rewrite of the packet (xdp, tc).
 * Addresses take an inet value, the TTL and ports an integer in their
 * range; `op=` is the integer fields' `pkt.NAME = pkt.NAME op value`.
 * Whether the packet has the field is known only at run time: one that
 * lacks it is left as it is (bpf-runtime/pkt.c). */
struct type *check_pkt_assign(struct sema *s, struct node *n)
{
	struct node *lhs = n->u.assign.lhs, *rhs = n->u.assign.rhs;
	const char *name = lhs->u.field.name;
	struct type *lt = check_pkt_field(s, lhs);
	if (!lt) {
		check_expr(s, rhs);
		return NULL;
	}
	lhs->type = lt;
	int set = sema_pkt_setter(name);
	if (set < 0) {
		diag_error(s->d, lhs->loc,
		           "pkt.%s is read-only; the fields a probe can rewrite are pkt.saddr, "
		           "pkt.daddr, pkt.sport, pkt.dport and pkt.ttl",
		           name);
		check_expr(s, rhs);
		return NULL;
	}
	if (s->for_depth) {
		diag_error(s->d, lhs->loc,
		           "pkt.%s cannot be assigned inside a 'for' loop: its body runs where "
		           "the packet cannot be written",
		           name);
		check_expr(s, rhs);
		return NULL;
	}
	bool is_addr = set == SONDE_PKT_SET_SADDR || set == SONDE_PKT_SET_DADDR;
	if (n->u.assign.op != OP_NONE) {
		if (is_addr) {
			diag_error(s->d, n->loc, "pkt.%s takes an address: use '=', not '%s='", name,
			           ast_op_name(n->u.assign.op));
			check_expr(s, rhs);
			return NULL;
		}
		/* pkt.ttl -= 1 is pkt.ttl = pkt.ttl - 1 */
		struct node *cur = ast_new(s->a, N_FIELD, lhs->loc);
		cur->u.field = lhs->u.field;
		rhs = n->u.assign.rhs = ast_binop(s->a, n->loc, n->u.assign.op, cur, rhs);
		n->u.assign.op = OP_NONE;
	}
	struct type *t = check_expr(s, rhs);
	if (!t)
		return NULL;
	if (is_addr) {
		if (t->kind != TYPE_INET) {
			diag_error(s->d, rhs->loc,
			           "pkt.%s takes an address (a literal such as 10.0.0.1 or fd00::1, "
			           "pkt.saddr, a map of addresses), got %s",
			           name, type_name(s->a, t));
			return NULL;
		}
	} else {
		if (!is_int(t)) {
			diag_error(s->d, rhs->loc, "pkt.%s takes an integer, got %s", name,
			           type_name(s->a, t));
			return NULL;
		}
		int64_t v;
		int64_t max = set == SONDE_PKT_SET_TTL ? 255 : 65535;
		if (fold_const(rhs, &v) && (v < 0 || v > max)) {
			diag_error(s->d, rhs->loc, "pkt.%s is %s: %" PRId64 " is out of its range 0..%" PRId64,
			           name, set == SONDE_PKT_SET_TTL ? "one byte" : "a 16-bit port",
			           v, max);
			return NULL;
		}
	}
	s->pkt_write = true;
	if (s->pkt_depth < SONDE_PKT_DEPTH_L4)
		s->pkt_depth = SONDE_PKT_DEPTH_L4;
	return &type_void;
}
