/*
 * maps.c - maps: their BPF layout (type, key and value sizes, also for the
 * manifest), keys, lookups and updates, aggregations updated in place and
 * read back summed over the CPUs, len(@map) and the for_each helper call.
 */
#include "backend/cg_internal.h"

#include <bpf/libbpf.h>

/* A keyless aggregation lives in a one-slot per-CPU array: the kernel
 * inlines array lookups, so an event costs a few instructions and no
 * insert is ever needed. Keyed aggregations are per-CPU hashes, plain
 * values shared hashes. (The runtime prints an all-zero slot of a keyless
 * hist, lhist, avg, stats, min or max as an empty map: no event reached
 * it.) */
bool map_is_array(const struct map_info *m)
{
	return !m->key && m->agg != AGG_NONE;
}

uint32_t map_bpf_type(const struct map_info *m)
{
	if (map_is_array(m))
		return BPF_MAP_TYPE_PERCPU_ARRAY;
	return m->agg == AGG_NONE ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_PERCPU_HASH;
}

uint32_t map_key_size(const struct map_info *m)
{
	if (map_is_array(m))
		return 4;
	return m->key ? m->key->size : 8;
}

LLVMValueRef map_lookup(struct cg *g, struct map_info *m, LLVMValueRef key)
{
	LLVMValueRef args[] = {g->maps[m->index], key};
	return cg_helper(g, BPF_FUNC_map_lookup_elem, g->ptr, args, 2);
}

/* Updates a hash map. With BPF_ANY the update fails only when the map is
 * full (or memory is short): the failure is counted in the map's dropped
 * slot, which the runtime reports at exit. The helper returns 0 or a
 * negative errno, so its sign bit is the count, added without a branch
 * (this path runs once per new key). With BPF_NOEXIST the caller looks the
 * key up again and counts a miss there, since EEXIST (another CPU or an
 * interrupted run inserting the key first) is no loss. */
static void map_update(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef val,
		       uint64_t flags)
{
	LLVMValueRef args[] = {g->maps[m->index], key, val, c64(g, flags)};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_map_update_elem, g->i64, args, 4);
	if (map_is_array(m) || (flags & BPF_NOEXIST))
		return;
	count_dropped(g, m, LLVMBuildLShr(g->b, rc, c64(g, 63), "failed"));
}

LLVMValueRef map_key(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	struct node *keys = m->key ? mapnode->u.map.keys : NULL;
	bool comm_key = keys && !keys->next && keys->kind == N_IDENT &&
			keys->u.ident.builtin_id == BI_COMM && m->key->size >= 16;
	/* the comm helper pads the name with zeroes to 16 bytes: a key of
	 * exactly that size needs no clearing first */
	LLVMValueRef key = comm_key && map_key_size(m) == 16
				   ? new_buf_filled_by_callee(g, 16, "key")
				   : new_buf(g, map_key_size(m), "key");
	if (!m->key)
		return key;
	if (comm_key) {
		/* the helper writes the name straight into the key */
		set_loc(g, keys->loc);
		LLVMValueRef args[] = {key, LLVMConstInt(g->i32, 16, 0)};
		cg_helper(g, BPF_FUNC_get_current_comm, g->i64, args, 2);
		return key;
	}
	if (!keys->next) {
		store_value(g, key, m->key, cg_expr(g, keys), keys->type);
		return key;
	}
	uint32_t i = 0;
	for (struct node *k = keys; k && i < m->key->nfields; k = k->next, i++) {
		LLVMValueRef v = cg_expr(g, k);
		store_value(g, gep(g, key, m->key->fields[i].offset), m->key->fields[i].type, v,
			    k->type);
	}
	return key;
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
		return HIST_NBUCKETS * 8;
	case AGG_LHIST:
		return lhist_nbuckets(m->lhist_min, m->lhist_max, m->lhist_step) * 8;
	}
	return 8;
}

/* Returns a pointer to this CPU's value for `key`; the current block on
 * return is the one where the pointer is non-NULL, and *done is where
 * control continues afterwards. A key seen for the first time is inserted:
 * count() and sum() insert their first value directly (one update, no
 * second lookup) and *inserted_done is set; others insert zeroes from
 * .rodata (a histogram's buckets would not fit on the stack) and look the
 * key up again. `x` is sum()'s operand. */
static LLVMValueRef agg_slot(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef x,
			     LLVMBasicBlockRef *done)
{
	LLVMValueRef v1 = map_lookup(g, m, key);
	LLVMBasicBlockRef from_lookup = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef insert = new_block(g, "agg_insert");
	LLVMBasicBlockRef have = new_block(g, "agg_have");
	*done = new_block(g, "agg_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, v1, ""), insert, have);

	LLVMPositionBuilderAtEnd(g->b, insert);
	if (map_is_array(m)) {
		/* a one-slot array always has its slot */
		LLVMBuildBr(g->b, *done);
		LLVMPositionBuilderAtEnd(g->b, have);
		return v1;
	}
	if (m->agg == AGG_COUNT || m->agg == AGG_SUM) {
		LLVMValueRef first = new_buf(g, 8, "first");
		store64(g, first, m->agg == AGG_COUNT ? c64(g, 1) : x);
		/* BPF_ANY: a per-CPU update writes only this CPU's value, so
		 * another CPU inserting the key first loses nothing */
		map_update(g, m, key, first, BPF_ANY);
		buf_done(g, first);
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
	uint32_t nb = lhist_nbuckets(m->lhist_min, m->lhist_max, m->lhist_step);
	LLVMValueRef below = LLVMBuildICmp(g->b, LLVMIntSLT, v, c64(g, (uint64_t)m->lhist_min), "");
	LLVMValueRef above = LLVMBuildICmp(g->b, LLVMIntSGE, v, c64(g, (uint64_t)m->lhist_max), "");
	LLVMValueRef rel = LLVMBuildSub(g->b, v, c64(g, (uint64_t)m->lhist_min), "");
	LLVMValueRef mid = LLVMBuildAdd(
		g->b, LLVMBuildUDiv(g->b, rel, c64(g, (uint64_t)m->lhist_step), ""), c64(g, 1), "");
	LLVMValueRef idx = LLVMBuildSelect(g->b, above, c64(g, nb - 1), mid, "");
	idx = LLVMBuildSelect(g->b, below, c64(g, 0), idx, "");
	return clamp(g, idx, nb - 1);
}

void cg_aggregate(struct cg *g, struct node *mapnode, struct node *call)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef x = NULL;
	if (m->agg != AGG_COUNT)
		x = cg_expr(g, call->u.call.args);
	LLVMValueRef key = map_key(g, mapnode);
	LLVMBasicBlockRef done;
	LLVMValueRef slot = agg_slot(g, m, key, x, &done);
	/* the key is dead once the slot is found */
	switch (m->agg) {
	case AGG_COUNT:
		add64(g, slot, c64(g, 1));
		break;
	case AGG_SUM:
		add64(g, slot, x);
		break;
	case AGG_AVG:
	case AGG_STATS:
		add64(g, slot, x);
		add64(g, gep(g, slot, 8), c64(g, 1));
		break;
	case AGG_MIN:
	case AGG_MAX: {
		LLVMValueRef cur = load64(g, slot);
		LLVMValueRef set = load64(g, gep(g, slot, 8));
		LLVMValueRef better = LLVMBuildICmp(g->b, m->agg == AGG_MIN ? LLVMIntSLT : LLVMIntSGT,
						    x, cur, "");
		LLVMValueRef unset = LLVMBuildICmp(g->b, LLVMIntEQ, set, c64(g, 0), "");
		LLVMValueRef take = LLVMBuildOr(g->b, better, unset, "");
		store64(g, slot, LLVMBuildSelect(g->b, take, x, cur, ""));
		store64(g, gep(g, slot, 8), c64(g, 1));
		break;
	}
	case AGG_HIST:
	case AGG_LHIST: {
		LLVMValueRef idx = m->agg == AGG_HIST ? hist_index(g, x) : lhist_index(g, m, x);
		LLVMValueRef off = LLVMBuildMul(g->b, idx, c64(g, 8), "");
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->i8, slot, &off, 1, "");
		add64(g, p, c64(g, 1));
		break;
	}
	case AGG_NONE:
		break;
	}
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	buf_done(g, key);
}

/* Reads a plain map value; absent keys read as zero. */
LLVMValueRef map_read(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef out = new_buf(g, m->value->size, "mapval");
	LLVMValueRef p = map_lookup(g, m, key);
	LLVMBasicBlockRef found = new_block(g, "found"), cont = new_block(g, "cont");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), cont, found);
	LLVMPositionBuilderAtEnd(g->b, found);
	copy_bytes(g, out, p, m->value->size);
	LLVMBuildBr(g->b, cont);
	LLVMPositionBuilderAtEnd(g->b, cont);
	buf_done(g, key);
	return load_value(g, out, m->value);
}

void map_write(struct cg *g, struct node *mapnode, LLVMValueRef v, const struct type *vt)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef buf = new_buf(g, m->value->size, "val");
	store_value(g, buf, m->value, v, vt);
	map_update(g, m, key, buf, BPF_ANY);
	buf_done(g, buf);
	buf_done(g, key);
}

/* ---- aggregations read in a probe --------------------------------------- */

/* count/sum/avg/min/max summed over the CPUs: one
 * bpf_map_lookup_percpu_elem per possible CPU, unrolled. */
LLVMValueRef agg_read(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
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
		case AGG_MAX: {
			LLVMValueRef v = load64(g, p), set = load64(g, gep(g, p, 8));
			LLVMValueRef cur = load64(g, acc), cur_set = load64(g, gep(g, acc, 8));
			LLVMValueRef better = LLVMBuildICmp(
				g->b, m->agg == AGG_MIN ? LLVMIntSLT : LLVMIntSGT, v, cur, "");
			LLVMValueRef take = LLVMBuildOr(
				g->b, better, LLVMBuildICmp(g->b, LLVMIntEQ, cur_set, c64(g, 0), ""), "");
			take = LLVMBuildAnd(g->b, take,
					    LLVMBuildICmp(g->b, LLVMIntNE, set, c64(g, 0), ""), "");
			store64(g, acc, LLVMBuildSelect(g->b, take, v, cur, ""));
			store64(g, gep(g, acc, 8),
				LLVMBuildSelect(g->b, take, c64(g, 1), cur_set, ""));
			break;
		}
		case AGG_NONE:
		case AGG_STATS:
		case AGG_HIST:
		case AGG_LHIST:
			break;
		}
		LLVMBuildBr(g->b, next);
		LLVMPositionBuilderAtEnd(g->b, next);
	}
	buf_done(g, key);
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

/* ---- len(@map), and the callbacks of for_each --------------------------- */

/* A bpf_for_each_map_elem callback: i64 (map, key, value, ctx). */
LLVMValueRef new_callback(struct cg *g, const char *name, int line, LLVMMetadataRef *scope)
{
	LLVMTypeRef params[] = {g->ptr, g->ptr, g->ptr, g->ptr};
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, 4, 0);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, fty);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->ctx, nounwind, 0));
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->ctx, noinline, 0));
	*scope = emit_static_function(g->em, fn, name, line);
	return fn;
}

LLVMValueRef for_each(struct cg *g, struct map_info *m, LLVMValueRef cb, LLVMValueRef ctx)
{
	LLVMValueRef args[] = {g->maps[m->index], cb, ctx, c64(g, 0)};
	return cg_helper(g, BPF_FUNC_for_each_map_elem, g->i64, args, 4);
}

LLVMValueRef cg_len(struct cg *g, struct node *mapnode)
{
	if (!g->len_cb) {
		LLVMMetadataRef scope;
		LLVMBuilderRef b = LLVMCreateBuilderInContext(g->ctx);
		g->len_cb = new_callback(g, "len_cb", 1, &scope);
		LLVMPositionBuilderAtEnd(b, LLVMAppendBasicBlockInContext(g->ctx, g->len_cb, "entry"));
		emit_loc(g->em, b, scope, 1, 1);
		/* an atomic add leaves the verifier an unknown count: with a
		 * plain add it tracks the exact value, and a test of len()'s
		 * result then makes every iteration a new state to explore
		 * (past the 1M instruction limit) */
		LLVMValueRef ctr = LLVMGetParam(g->len_cb, 3);
		LLVMBuildAtomicRMW(b, LLVMAtomicRMWBinOpAdd, ctr, c64(g, 1),
				   LLVMAtomicOrderingMonotonic, 0);
		LLVMBuildRet(b, c64(g, 0));
		LLVMDisposeBuilder(b);
	}
	/* the callback's context must be on the stack */
	LLVMValueRef ctr = buf_new(g, 8, true, BUF_TEMP_STACK, "len");
	for_each(g, mapnode->u.map.info, g->len_cb, ctr);
	return load64(g, ctr);
}

/* Map descriptors for the manifest: sizes and BPF types as codegen chose. */
void cg_map_desc(const struct compilation *c, const struct map_info *m, struct map_desc *d)
{
	d->agg = m->agg;
	d->percpu = m->agg != AGG_NONE;
	d->bpf_type = map_bpf_type(m);
	d->key_size = map_key_size(m);
	d->value_size = agg_value_size(m);
	d->max_entries = map_is_array(m) ? 1 : c->opts->map_entries;
	d->lhist_min = m->lhist_min;
	d->lhist_max = m->lhist_max;
	d->lhist_step = m->lhist_step;
	d->nbuckets = m->agg == AGG_HIST    ? HIST_NBUCKETS
		      : m->agg == AGG_LHIST ? lhist_nbuckets(m->lhist_min, m->lhist_max,
							     m->lhist_step)
					    : 0;
}
