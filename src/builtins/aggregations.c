/*
 * aggregations.c - the aggregations, count, sum, avg, min, max, stats,
 * hist, lhist, tseries: their check hooks, and agg_infos, what is data
 * about each kind of aggregated map (its name in messages, whether a probe
 * can read it, the sign of its number, its per-CPU value layout), used by
 * sema and the printer. Their rows make them BF_AGG (only as
 * @m[...] = f(...)) and require an integer argument (ARGS "i");
 * sema/expr.c's check_agg_assign gives the map its kind.
 */
#include "builtins/check.h"
#include "kernel/features.h"
#include "sema/sema_internal.h"
#include "settings.h"

#include <stdio.h>
#include <string.h>

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
    [AGG_TSERIES] = {"tseries()", false, false, AGG_LAYOUT_TSERIES},
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

/* bpftrace 0.26's most intervals. sonde keeps up to TSERIES_COMPACT_MAX
 * in one per-CPU value, more an element each (manifest.h). */
enum { TSERIES_BPFTRACE_MAX = 1000000 };

/* An integer literal (or constant) argument of tseries(), >= 1: bpftrace
 * 0.26's messages */
static bool tseries_count(struct sema *s, struct node *a, const char *what, int64_t *out)
{
	/* a name may be a constant of the script or an enumerator, not a
	 * builtin */
	bool literal =
	    a->kind == N_INT || (a->kind == N_IDENT && find_builtin(a->u.ident.name) < 0) ||
	    (a->kind == N_UNOP && a->u.unop.op == OP_NEG && a->u.unop.operand->kind == N_INT);
	if (!literal) {
		diag_error(s->d, a->loc, "tseries: invalid %s value (must be non-negative literal)",
		           what);
		return false;
	}
	char name[32];
	snprintf(name, sizeof(name), "tseries() %s", what);
	bool ok = true;
	*out = const_int(s, a, name, &ok);
	if (!ok)
		return false;
	if (*out <= 0) {
		diag_error(s->d, a->loc, "tseries() %s must be >= 1 (%lld provided)", what,
		           (long long)*out);
		return false;
	}
	return true;
}

/* tseries(x, interval, n[, agg]) (bpftrace 0.26): x in intervals of
 * `interval` ns, the last n of them; literal arguments, the same
 * wherever the map (s->agg_map) is assigned */
struct type *check_tseries(struct sema *s, struct node *n)
{
	struct node *value = n->u.call.args, *ia = value->next, *na = ia->next, *aa = na->next;
	int64_t interval, count;
	if (!tseries_count(s, ia, "interval_ns", &interval) ||
	    !tseries_count(s, na, "num_intervals", &count))
		return NULL;
	if (count > TSERIES_BPFTRACE_MAX) {
		diag_error(s->d, na->loc, "tseries() num_intervals must be < %d (%lld provided)",
		           TSERIES_BPFTRACE_MAX, (long long)count);
		return NULL;
	}
	enum tseries_agg agg = TSERIES_LAST;
	if (aa) {
		static const struct {
			const char *name;
			enum tseries_agg agg;
		} aggs[] = {{"avg", TSERIES_AVG},
		            {"max", TSERIES_MAX},
		            {"min", TSERIES_MIN},
		            {"sum", TSERIES_SUM}};
		if (aa->kind != N_STR) {
			diag_error(
			    s->d, aa->loc,
			    "tseries() needs a string literal aggregation function: avg, max, "
			    "min or sum");
			return NULL;
		}
		int found = -1;
		for (size_t i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++)
			if (!strcmp(aggs[i].name, aa->u.str.s))
				found = (int)i;
		if (found < 0) {
			diag_error(s->d, aa->loc,
			           "tseries() expects one of the following aggregation functions: "
			           "avg, max, min, sum (\"%s\" provided)",
			           aa->u.str.s);
			return NULL;
		}
		agg = aggs[found].agg;
	}
	/* bpftrace 0.26 calls tseries unstable: its words */
	enum unstable_mode mode = unstable_is(s->c->opts->unstable_tseries);
	if (mode == UNSTABLE_ERROR) {
		diag_error(s->d, n->loc,
		           "tseries feature is not enabled by default. To enable this unstable "
		           "feature, set the config flag to enable. unstable_tseries=enable");
		return NULL;
	}
	if (mode == UNSTABLE_WARN && !s->c->tseries_warned) {
		s->c->tseries_warned = true;
		diag_warning(
		    s->d, n->loc,
		    "Script is using an unstable feature: tseries. To prevent this warning "
		    "you must explicitly enable it in the config e.g. unstable_tseries=enable");
	}
	if (!feat_has_helper(s->c->host, BPF_FUNC_ktime_get_boot_ns)) {
		diag_error(
		    s->d, n->loc,
		    "tseries() needs bpf_ktime_get_boot_ns, which this kernel lacks (Linux 5.8 "
		    "or later)");
		return NULL;
	}
	struct map_info *m = s->agg_map;
	if (m) {
		if (m->has_kind && m->agg == AGG_TSERIES &&
		    (m->tseries_interval_ns != (uint64_t)interval ||
		     m->tseries_nintervals != (uint32_t)count || m->tseries_agg != agg)) {
			diag_error(s->d, n->loc,
			           "map '%s' is a tseries with other arguments elsewhere", m->name);
			diag_note(s->d, m->agg_loc, "first used here");
		}
		m->tseries_interval_ns = (uint64_t)interval;
		m->tseries_nintervals = (uint32_t)count;
		m->tseries_agg = agg;
	}
	return aggregated(n);
}
