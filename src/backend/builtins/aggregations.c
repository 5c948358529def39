/*
 * aggregations.c - count sum avg min max stats hist lhist tseries: what
 * each keeps in its per-CPU slot (agg_value_size), how an event updates it
 * (the hooks, through agg_begin/agg_end), and how a probe reads it back summed
 * over the CPUs (agg_read). The map machinery is src/backend/maps.c.
 */
#include "backend/cg_internal.h"

#include <bpf/libbpf.h>
#include <time.h>

/* Buckets of a hist or lhist, 0 for the others. */
uint32_t agg_nbuckets(const struct map_info *m)
{
	if (m->agg == AGG_HIST)
		return HIST_NBUCKETS;
	if (m->agg == AGG_LHIST)
		return lhist_nbuckets(m->lhist_min, m->lhist_max, m->lhist_step);
	return 0;
}

/* Value bytes of an aggregation, per CPU. */
uint32_t agg_value_size(const struct map_info *m)
{
	switch (m->agg) {
	case AGG_NONE:
		return m->value->size;
	case AGG_COUNT:
	case AGG_SUM:
		return 8;
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
	case AGG_STATS:
		return sizeof(struct agg_pair);
	case AGG_HIST:
	case AGG_LHIST:
		return agg_nbuckets(m) * 8 + (m->keeps_sum ? 8 : 0);
	case AGG_TSERIES:
		if (map_is_wide_tseries(m))
			return (uint32_t)sizeof(struct tseries_slot);
		return m->tseries_nintervals * (uint32_t)sizeof(struct tseries_slot);
	}
	return 8;
}

/* Returns a pointer to this CPU's value for `key`; the current block on
 * return is the one where the pointer is non-NULL, and *done is where
 * control continues afterwards. A key seen for the first time is inserted:
 * with `first` (count() and sum() insert their first value directly: one
 * update, no second lookup), else with zeroes from .rodata (a histogram's
 * buckets would not fit on the stack), and looked up again. */
static LLVMValueRef agg_slot(struct cg *g, struct map_info *m, LLVMValueRef key,
			     LLVMValueRef first, LLVMBasicBlockRef *done)
{
	LLVMValueRef v1 = map_lookup(g, m, key);
	LLVMBasicBlockRef from_lookup = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef insert = new_block(g, "agg_insert");
	LLVMBasicBlockRef have = new_block(g, "agg_have");
	*done = new_block(g, "agg_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, v1, ""), insert, have);

	LLVMPositionBuilderAtEnd(g->b, insert);
	/* -kk: the lookups bpftrace 0.17 makes that find nothing: avg and
	 * stats two, a hist's or lhist's per bucket (bucket_add), a keyless
	 * count none */
	int misses = m->agg == AGG_AVG || m->agg == AGG_STATS ? 2 : 1;
	if (m->agg == AGG_HIST || m->agg == AGG_LHIST || m->agg == AGG_TSERIES)
		misses = 0;
	else if (m->agg == AGG_COUNT && map_is_array(m))
		misses = 0;
	if (map_is_array(m)) {
		/* a one-slot array always has its slot */
		LLVMBuildBr(g->b, *done);
		LLVMPositionBuilderAtEnd(g->b, have);
		/* -kk: bpftrace's keyless map had no value before its first update */
		first_update_report(g, m, misses);
		return v1;
	}
	lookup_miss_report(g, misses);
	if (first) {
		LLVMValueRef buf = new_buf(g, 8, "first");
		store64(g, buf, first);
		/* BPF_ANY: a per-CPU update writes only this CPU's value, so
		 * another CPU inserting the key first loses nothing */
		map_update(g, m, key, buf, BPF_ANY);
		buf_done(g, buf);
		LLVMBuildBr(g->b, *done);
		LLVMPositionBuilderAtEnd(g->b, have);
		return v1;
	}
	map_update(g, m, key, zeros_ptr(g, agg_value_size(m)), BPF_NOEXIST);
	LLVMValueRef v2 = map_lookup(g, m, key);
	LLVMBasicBlockRef from_insert = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef refused = new_block(g, "agg_refused");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, v2, ""), refused, have);
	/* still no value: the map was full */
	LLVMPositionBuilderAtEnd(g->b, refused);
	count_dropped(g, m, c64(g, 1));
	LLVMBuildBr(g->b, *done);

	LLVMPositionBuilderAtEnd(g->b, have);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->ptr, "slot");
	LLVMValueRef vals[] = {v1, v2};
	LLVMBasicBlockRef blocks[] = {from_lookup, from_insert};
	LLVMAddIncoming(phi, vals, blocks, 2);
	return phi;
}

/* The update of @target[keys] = agg(x): the caller has evaluated x; this
 * makes the key and finds the slot, agg_end joins the paths and frees the
 * key (dead once the slot is found). */
struct agg_update {
	LLVMValueRef key, slot;
	LLVMBasicBlockRef done;
};

static struct agg_update agg_begin(struct cg *g, struct node *call, struct node *target,
				    LLVMValueRef first)
{
	struct agg_update u;
	u.key = map_key(g, target);
	/* -kk reports a first update at the call, as bpftrace does */
	struct loc outer = g->loc, outer_span = g->call_span;
	g->loc = call->loc;
	if (call->kind == N_CALL)
		g->call_span = call->u.call.span;
	u.slot = agg_slot(g, target->u.map.info, u.key, first, &u.done);
	g->loc = outer;
	g->call_span = outer_span;
	return u;
}

static void agg_end(struct cg *g, struct agg_update *u)
{
	LLVMBuildBr(g->b, u->done);
	LLVMPositionBuilderAtEnd(g->b, u->done);
	buf_done(g, u->key);
}

static LLVMValueRef operand(struct cg *g, struct node *n)
{
	return cg_expr(g, n->u.call.args);
}

LLVMValueRef emit_count(struct cg *g, struct node *n, struct node *target)
{
	(void)n;
	struct agg_update u = agg_begin(g, n, target, c64(g, 1));
	add64(g, u.slot, c64(g, 1));
	agg_end(g, &u);
	return NULL;
}

LLVMValueRef emit_sum(struct cg *g, struct node *n, struct node *target)
{
	LLVMValueRef x = operand(g, n);
	struct agg_update u = agg_begin(g, n, target, x);
	add64(g, u.slot, x);
	agg_end(g, &u);
	return NULL;
}

/* avg and stats keep {sum, count}; the printer derives the rest */
static void sum_and_count(struct cg *g, struct node *n, struct node *target)
{
	LLVMValueRef x = operand(g, n);
	struct agg_update u = agg_begin(g, n, target, NULL);
	add64(g, u.slot, x);
	add64(g, gep(g, u.slot, 8), c64(g, 1));
	agg_end(g, &u);
}

LLVMValueRef emit_avg(struct cg *g, struct node *n, struct node *target)
{
	sum_and_count(g, n, target);
	return NULL;
}

LLVMValueRef emit_stats(struct cg *g, struct node *n, struct node *target)
{
	sum_and_count(g, n, target);
	return NULL;
}

/* min and max keep {value, set}: a slot not yet set takes any value */
static void extreme(struct cg *g, struct node *n, struct node *target, LLVMIntPredicate better_if)
{
	LLVMValueRef x = operand(g, n);
	struct agg_update u = agg_begin(g, n, target, NULL);
	LLVMValueRef cur = load64(g, u.slot);
	LLVMValueRef set = load64(g, gep(g, u.slot, 8));
	LLVMValueRef better = LLVMBuildICmp(g->b, better_if, x, cur, "");
	LLVMValueRef unset = LLVMBuildICmp(g->b, LLVMIntEQ, set, c64(g, 0), "");
	LLVMValueRef take = LLVMBuildOr(g->b, better, unset, "");
	store64(g, u.slot, LLVMBuildSelect(g->b, take, x, cur, ""));
	store64(g, gep(g, u.slot, 8), c64(g, 1));
	agg_end(g, &u);
}

LLVMValueRef emit_min(struct cg *g, struct node *n, struct node *target)
{
	extreme(g, n, target, LLVMIntSLT);
	return NULL;
}

LLVMValueRef emit_max(struct cg *g, struct node *n, struct node *target)
{
	extreme(g, n, target, LLVMIntSGT);
	return NULL;
}

/* log2 bucket of hist(): 0 for v < 0, 1 for 0, 2 + floor(log2 v) else,
 * found by halving the search range (5 steps) rather than counting
 * leading zeroes, which BPF has no instruction for. */
static LLVMValueRef hist_index(struct cg *g, LLVMValueRef v)
{
	LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, v, c64(g, 0), "");
	LLVMValueRef isz = LLVMBuildICmp(g->b, LLVMIntEQ, v, c64(g, 0), "");
	LLVMValueRef x = v, r = c64(g, 0);
	static const unsigned shifts[] = {32, 16, 8, 4, 2, 1};
	for (int i = 0; i < 6; i++) {
		LLVMValueRef big =
			LLVMBuildICmp(g->b, LLVMIntUGE, x, c64(g, 1ull << shifts[i]), "");
		x = LLVMBuildSelect(g->b, big, LLVMBuildLShr(g->b, x, c64(g, shifts[i]), ""), x, "");
		r = LLVMBuildSelect(g->b, big, LLVMBuildAdd(g->b, r, c64(g, shifts[i]), ""), r, "");
	}
	LLVMValueRef idx = LLVMBuildAdd(g->b, r, c64(g, 2), "");
	idx = LLVMBuildSelect(g->b, isz, c64(g, 1), idx, "");
	idx = LLVMBuildSelect(g->b, neg, c64(g, 0), idx, "");
	return clamp(g, idx, HIST_NBUCKETS - 1);
}

static LLVMValueRef lhist_index(struct cg *g, struct map_info *m, LLVMValueRef v)
{
	uint32_t nb = agg_nbuckets(m);
	LLVMValueRef below = LLVMBuildICmp(g->b, LLVMIntSLT, v, c64(g, (uint64_t)m->lhist_min), "");
	LLVMValueRef above = LLVMBuildICmp(g->b, LLVMIntSGE, v, c64(g, (uint64_t)m->lhist_max), "");
	LLVMValueRef rel = LLVMBuildSub(g->b, v, c64(g, (uint64_t)m->lhist_min), "");
	LLVMValueRef mid = LLVMBuildAdd(
		g->b, LLVMBuildUDiv(g->b, rel, c64(g, (uint64_t)m->lhist_step), ""), c64(g, 1), "");
	LLVMValueRef idx = LLVMBuildSelect(g->b, above, c64(g, nb - 1), mid, "");
	idx = LLVMBuildSelect(g->b, below, c64(g, 0), idx, "");
	return clamp(g, idx, nb - 1);
}

/* one more event in bucket idx of the update of `call` */
static void bucket_add(struct cg *g, struct node *call, LLVMValueRef slot, LLVMValueRef idx)
{
	LLVMValueRef off = LLVMBuildMul(g->b, idx, c64(g, 8), "");
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, slot, &off, 1, "");
	if (g->c->opts->helper_check >= 2) {
		/* -kk: bpftrace 0.17 keeps each bucket under its own key, and
		 * reports the lookup of one not yet there (this CPU's count
		 * here) */
		struct loc outer = g->loc, outer_span = g->call_span;
		g->loc = call->loc;
		if (call->kind == N_CALL)
			g->call_span = call->u.call.span;
		LLVMBasicBlockRef empty = new_block(g, "bucket_empty"), add = new_block(g, "bucket_add");
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, load64(g, p), c64(g, 0), ""), empty,
				add);
		LLVMPositionBuilderAtEnd(g->b, empty);
		lookup_miss_report(g, 1);
		LLVMBuildBr(g->b, add);
		LLVMPositionBuilderAtEnd(g->b, add);
		g->loc = outer;
		g->call_span = outer_span;
	}
	add64(g, p, c64(g, 1));
}

/* --metrics: the value joins the sum kept after the buckets */
static void bucket_sum_add(struct cg *g, struct map_info *m, LLVMValueRef slot, LLVMValueRef x)
{
	if (m->keeps_sum)
		add64(g, gep(g, slot, agg_nbuckets(m) * 8), x);
}

LLVMValueRef emit_hist(struct cg *g, struct node *n, struct node *target)
{
	LLVMValueRef x = operand(g, n);
	struct agg_update u = agg_begin(g, n, target, NULL);
	bucket_add(g, n, u.slot, hist_index(g, x));
	bucket_sum_add(g, target->u.map.info, u.slot, x);
	agg_end(g, &u);
	return NULL;
}

/* lhist(x, min, max, step): sema keeps min, max and step on the map */
LLVMValueRef emit_lhist(struct cg *g, struct node *n, struct node *target)
{
	LLVMValueRef x = operand(g, n);
	struct agg_update u = agg_begin(g, n, target, NULL);
	bucket_add(g, n, u.slot, lhist_index(g, target->u.map.info, x));
	bucket_sum_add(g, target->u.map.info, u.slot, x);
	agg_end(g, &u);
	return NULL;
}

/* CLOCK_TAI - CLOCK_BOOTTIME now, in ns: what makes bpf_ktime_get_boot_ns
 * (Linux 5.8) a TAI time, as bpftrace 0.26 computes tseries() intervals.
 * Taken when the program is built, as bpftrace does: both clocks run at
 * the same rate until the next reboot. */
static uint64_t tai_minus_boot_ns(void)
{
	struct timespec tai, boot;
	clock_gettime(CLOCK_TAI, &tai);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	return (uint64_t)(tai.tv_sec - boot.tv_sec) * 1000000000ull + (uint64_t)tai.tv_nsec -
	       (uint64_t)boot.tv_nsec;
}

/* tseries(x, interval, n[, agg]): the slot of the current interval (its
 * number, `epoch`, is the TAI time / interval; in the key's value, or for
 * a wide tseries the element of the key and epoch % n), emptied first when it
 * holds an older interval and an aggregation combines values, then
 * updated. The printer merges the CPUs' slots of the same interval. */
LLVMValueRef emit_tseries(struct cg *g, struct node *n, struct node *target)
{
	struct map_info *m = target->u.map.info;
	LLVMValueRef x = operand(g, n);
	bool wide = map_is_wide_tseries(m);
	struct agg_update u;
	if (!wide)
		u = agg_begin(g, n, target, NULL);
	LLVMValueRef boot = cg_helper(g, BPF_FUNC_ktime_get_boot_ns, g->i64, NULL, 0);
	LLVMValueRef now = LLVMBuildAdd(g->b, boot, c64(g, tai_minus_boot_ns()), "tai_ns");
	LLVMValueRef epoch = LLVMBuildUDiv(g->b, now, c64(g, m->tseries_interval_ns), "epoch");
	LLVMValueRef idx = LLVMBuildURem(g->b, epoch, c64(g, m->tseries_nintervals), "");
	LLVMValueRef slot;
	if (wide) {
		/* the interval's own element: the key, then its number */
		u.key = map_key(g, target);
		uint32_t at = tseries_slot_offset(m->key ? m->key->size : 0);
		store64(g, gep(g, u.key, at), idx);
		struct loc outer = g->loc, outer_span = g->call_span;
		g->loc = n->loc;
		g->call_span = n->u.call.span;
		u.slot = agg_slot(g, m, u.key, NULL, &u.done);
		g->loc = outer;
		g->call_span = outer_span;
		slot = u.slot;
	} else {
		idx = clamp(g, idx, m->tseries_nintervals - 1);
		LLVMValueRef off = LLVMBuildMul(g->b, idx, c64(g, sizeof(struct tseries_slot)), "");
		slot = LLVMBuildInBoundsGEP2(g->b, g->i8, u.slot, &off, 1, "interval");
	}
	LLVMValueRef meta_p = gep(g, slot, offsetof(struct tseries_slot, meta));
	LLVMValueRef epoch_p = gep(g, slot, offsetof(struct tseries_slot, epoch));
	if (m->tseries_agg == TSERIES_LAST) {
		store64(g, slot, x);
		store64(g, meta_p, now);
	} else {
		LLVMValueRef stale = LLVMBuildICmp(g->b, LLVMIntNE, load64(g, epoch_p), epoch, "");
		LLVMValueRef val = LLVMBuildSelect(g->b, stale, c64(g, 0), load64(g, slot), "");
		LLVMValueRef meta = LLVMBuildSelect(g->b, stale, c64(g, 0), load64(g, meta_p), "");
		switch (m->tseries_agg) {
		case TSERIES_AVG:
			store64(g, meta_p, LLVMBuildAdd(g->b, meta, c64(g, 1), ""));
			store64(g, slot, LLVMBuildAdd(g->b, val, x, ""));
			break;
		case TSERIES_SUM:
			store64(g, meta_p, meta);
			store64(g, slot, LLVMBuildAdd(g->b, val, x, ""));
			break;
		case TSERIES_MIN:
		case TSERIES_MAX: {
			bool is_signed = !m->value || m->value->is_signed;
			LLVMIntPredicate better_if = m->tseries_agg == TSERIES_MIN
			                                 ? (is_signed ? LLVMIntSLT : LLVMIntULT)
			                                 : (is_signed ? LLVMIntSGT : LLVMIntUGT);
			LLVMValueRef take =
			    LLVMBuildOr(g->b, LLVMBuildICmp(g->b, better_if, x, val, ""),
			                LLVMBuildICmp(g->b, LLVMIntEQ, meta, c64(g, 0), ""), "");
			store64(g, slot, LLVMBuildSelect(g->b, take, x, val, ""));
			store64(g, meta_p, c64(g, 1));
			break;
		}
		case TSERIES_LAST:
			break;
		}
	}
	store64(g, epoch_p, epoch);
	agg_end(g, &u);
	return NULL;
}

/* ---- aggregations read in a probe --------------------------------------- */

/* min/max of the CPUs' {value, set} pairs into acc: an unset pair is
 * skipped, an unset acc takes the first set one */
static void extreme_merge(struct cg *g, struct map_info *m, LLVMValueRef acc, LLVMValueRef p)
{
	LLVMValueRef v = load64(g, p), set = load64(g, gep(g, p, 8));
	LLVMValueRef cur = load64(g, acc), cur_set = load64(g, gep(g, acc, 8));
	LLVMValueRef better =
		LLVMBuildICmp(g->b, m->agg == AGG_MIN ? LLVMIntSLT : LLVMIntSGT, v, cur, "");
	LLVMValueRef take = LLVMBuildOr(
		g->b, better, LLVMBuildICmp(g->b, LLVMIntEQ, cur_set, c64(g, 0), ""), "");
	take = LLVMBuildAnd(g->b, take, LLVMBuildICmp(g->b, LLVMIntNE, set, c64(g, 0), ""), "");
	store64(g, acc, LLVMBuildSelect(g->b, take, v, cur, ""));
	store64(g, gep(g, acc, 8), LLVMBuildSelect(g->b, take, c64(g, 1), cur_set, ""));
}

/* count/sum/avg/min/max summed over the CPUs: one
 * bpf_map_lookup_percpu_elem per possible CPU, unrolled. */
LLVMValueRef agg_read(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef v = agg_read_key(g, m, key);
	buf_done(g, key);
	return v;
}

/* The same for the key at `key` (for over an aggregation map) */
LLVMValueRef agg_read_key(struct cg *g, struct map_info *m, LLVMValueRef key)
{
	LLVMValueRef acc = new_buf(g, 16, "aggacc"); /* a: sum/value, b: count/set */
	int ncpus = libbpf_num_possible_cpus();
	for (int cpu = 0; cpu < ncpus; cpu++) {
		LLVMValueRef args[] = {g->maps[m->index], key, LLVMConstInt(g->i32, (uint64_t)cpu, 0)};
		LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_percpu_elem, g->ptr, args, 3);
		LLVMBasicBlockRef have = new_block(g, "cpu_have"), next = new_block(g, "cpu_next");
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), next, have);
		LLVMPositionBuilderAtEnd(g->b, have);
		switch (m->agg) {
		case AGG_COUNT:
		case AGG_SUM:
			add64(g, acc, load64(g, p));
			break;
		case AGG_AVG:
			add64(g, acc, load64(g, p));
			add64(g, gep(g, acc, 8), load64(g, gep(g, p, 8)));
			break;
		case AGG_MIN:
		case AGG_MAX:
			extreme_merge(g, m, acc, p);
			break;
		case AGG_NONE:
		case AGG_STATS:
		case AGG_HIST:
		case AGG_LHIST:
		case AGG_TSERIES:
			break;
		}
		LLVMBuildBr(g->b, next);
		LLVMPositionBuilderAtEnd(g->b, next);
	}
	LLVMValueRef a = load64(g, acc);
	if (m->agg == AGG_AVG) {
		/* BPF (before cpu v4) divides unsigned only: divide |sum| */
		LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, a, c64(g, 0), "");
		LLVMValueRef ua = LLVMBuildSelect(g->b, neg, LLVMBuildNeg(g->b, a, ""), a, "");
		LLVMValueRef q = safe_divmod(g, OP_DIV, ua, load64(g, gep(g, acc, 8)), false);
		return LLVMBuildSelect(g->b, neg, LLVMBuildNeg(g->b, q, ""), q, "");
	}
	return a;
}
