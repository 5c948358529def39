/*
 * flows.c - per-flow policing and flow hashing: ratelimit(@m[key], RATE,
 * BURST), a token bucket per key of a map, and hash(a, b, ...), a stable
 * hash of integers and addresses to pick one of N backends. Both work in
 * every probe; their code is src/backend/builtins/flows.c.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

/* The largest RATE and BURST: a token is then at least 1 ns, and a bucket
 * (BURST tokens of 1e9 / RATE ns) at most 1e18 ns, so its arithmetic on
 * ktime nanoseconds never overflows 64 bits. */
enum { RATELIMIT_MAX = 1000000000 };

/* RATE or BURST: a constant from 1 to RATELIMIT_MAX. Constant because the
 * bucket's depth in ns is worked out here, once, and the probe only adds
 * and compares. */
static bool ratelimit_count(struct sema *s, struct node *a, const char *what, int64_t *out)
{
	if (!fold_const(a, out)) {
		bool ok = true;
		char name[48];
		snprintf(name, sizeof(name), "ratelimit()'s %s", what);
		if (a->kind != N_INT && a->kind != N_IDENT) {
			check_expr(s, a);
			diag_error(s->d, a->loc,
			           "ratelimit()'s %s must be a constant, as in "
			           "ratelimit(@rl[pkt.saddr], 100, 10)",
			           what);
			return false;
		}
		*out = const_int(s, a, name, &ok);
		if (!ok)
			return false;
	}
	if (*out < 1 || *out > RATELIMIT_MAX) {
		diag_error(s->d, a->loc, "ratelimit()'s %s must be from 1 to %d, got %lld", what,
		           (int)RATELIMIT_MAX, (long long)*out);
		return false;
	}
	return true;
}

/* ratelimit(@m[key], RATE, BURST): true when the key's bucket has a token
 * left, which it takes; a bucket holds up to BURST tokens and gains RATE a
 * second. The map keeps one u64 per key (see the backend for what it
 * means); it holds nothing else and is not printed. */
struct type *check_ratelimit(struct sema *s, struct node *n)
{
	struct node *map = n->u.call.args, *ra = map->next, *ba = ra->next;
	int64_t rate, burst;
	bool ok = ratelimit_count(s, ra, "rate (tokens per second)", &rate);
	ok = ratelimit_count(s, ba, "burst (tokens)", &burst) && ok;
	use_map_keys(s, map);
	struct map_info *m = map->u.map.info;
	if (m && !ok)
		m->assign_failed = true; /* reported: no "never assigned" too */
	if (!ok || !m)
		return NULL;
	if (m->has_kind && !m->limiter) {
		diag_error(s->d, map->loc,
		           "ratelimit() keeps its state in map '%s', which holds %s elsewhere; "
		           "use a map of its own",
		           m->name,
		           m->agg == AGG_NONE && m->value ? type_name(s->a, m->value)
		                                          : agg_infos[m->agg].name);
		diag_note(s->d, m->agg_loc, "first used here");
		return NULL;
	}
	if (!m->limiter) {
		m->limiter = true;
		m->limiter_loc = map->loc;
		m->has_kind = true;
		m->agg = AGG_NONE;
		m->agg_loc = map->loc;
		m->value = &type_u64;
	}
	n->u.call.token_ns = 1000000000ull / (uint64_t)rate;
	n->u.call.bucket_ns = n->u.call.token_ns * (uint64_t)burst;
	return &type_bool;
}

/* hash(a, b, ...): integers and addresses, hashed as 64-bit words (the
 * backend says which); anything else has no stable words to hash */
struct type *check_hash(struct sema *s, struct node *n)
{
	bool ok = true;
	for (struct node *a = n->u.call.args; a; a = a->next) {
		struct type *t = check_expr(s, a);
		if (!t) {
			ok = false;
			continue;
		}
		if (!is_scalar(t) && t->kind != TYPE_INET) {
			diag_error(s->d, a->loc,
			           "hash() takes integers and addresses (inet), got %s",
			           type_name(s->a, t));
			ok = false;
		}
	}
	return ok ? &type_u64 : NULL;
}
