/*
 * aggregations.c - the aggregations, count, sum, avg, min, max, stats,
 * hist, lhist: their check hooks, and agg_infos, what is data about each
 * kind of aggregated map (its name in messages, whether a probe can read
 * it, the sign of its number, its per-CPU value layout), used by sema and
 * the printer. Their rows make them BF_AGG (only as @m[...] = f(...)) and
 * require an integer argument (ARGS "i"); sema/expr.c's check_agg_assign
 * gives the map its kind.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

const struct agg_info agg_infos[AGG_KINDS] = {
    [AGG_NONE] = {"plain values", false, false, AGG_LAYOUT_VALUE},
    [AGG_COUNT] = {"count()", true, true, AGG_LAYOUT_U64},
    [AGG_SUM] = {"sum()", true, false, AGG_LAYOUT_U64},
    [AGG_AVG] = {"avg()", true, false, AGG_LAYOUT_PAIR},
    [AGG_MIN] = {"min()", true, false, AGG_LAYOUT_PAIR},
    [AGG_MAX] = {"max()", true, false, AGG_LAYOUT_PAIR},
    [AGG_STATS] = {"stats()", false, false, AGG_LAYOUT_PAIR},
    [AGG_HIST] = {"hist()", false, false, AGG_LAYOUT_BUCKETS},
    [AGG_LHIST] = {"lhist()", false, false, AGG_LAYOUT_BUCKETS},
};

struct type *check_count(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_void;
}

/* The aggregations of one integer: the generic check has typed it. The
 * type is the aggregated input type of the map. */
static struct type *aggregated(struct node *n)
{
	struct type *t = n->u.call.args->type;
	n->type = t;
	return t;
}

struct type *check_sum(struct sema *s, struct node *n)
{
	(void)s;
	return aggregated(n);
}

struct type *check_avg(struct sema *s, struct node *n)
{
	(void)s;
	return aggregated(n);
}

struct type *check_min(struct sema *s, struct node *n)
{
	(void)s;
	return aggregated(n);
}

struct type *check_max(struct sema *s, struct node *n)
{
	(void)s;
	return aggregated(n);
}

struct type *check_stats(struct sema *s, struct node *n)
{
	(void)s;
	return aggregated(n);
}

struct type *check_hist(struct sema *s, struct node *n)
{
	(void)s;
	return aggregated(n);
}

/* lhist(x, min, max, step): literal bounds, at most 1000 buckets, and the
 * same bounds wherever the map (s->agg_map) is assigned */
struct type *check_lhist(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args->next;
	bool ok = true;
	int64_t mn = const_int(s, a, "lhist() min", &ok);
	int64_t mx = const_int(s, a->next, "lhist() max", &ok);
	int64_t st = const_int(s, a->next->next, "lhist() step", &ok);
	if (!ok)
		return NULL;
	if (st <= 0 || mx <= mn) {
		diag_error(s->d, n->loc,
		           "lhist() needs min < max and step > 0 (got %lld, %lld, %lld)",
		           (long long)mn, (long long)mx, (long long)st);
		return NULL;
	}
	/* max - min as unsigned: it exceeds INT64_MAX when min is negative
	 * and max large, but never 2^64 - 1 */
	uint64_t range = (uint64_t)mx - (uint64_t)mn;
	if (range / (uint64_t)st > 1000) {
		diag_error(s->d, n->loc,
		           "lhist() would have %llu buckets; at most 1000 are allowed",
		           (unsigned long long)(range / (uint64_t)st));
		return NULL;
	}
	struct map_info *m = s->agg_map;
	if (m) {
		if (m->has_kind && m->agg == AGG_LHIST &&
		    (m->lhist_min != mn || m->lhist_max != mx || m->lhist_step != st)) {
			diag_error(s->d, n->loc, "map '%s' is an lhist with other bounds elsewhere",
			           m->name);
			diag_note(s->d, m->agg_loc, "first used here");
		}
		m->lhist_min = mn;
		m->lhist_max = mx;
		m->lhist_step = st;
	}
	return aggregated(n);
}
