/*
 * maps.c - maps: their BPF layout (type, key and value sizes, also for the
 * manifest), keys, lookups and updates, len(@map) and the for_each helper
 * call. What each aggregation keeps and how it is updated and read is in
 * builtins/aggregations.c.
 */
#include "backend/cg_internal.h"

#include <sys/socket.h>

/* A keyless aggregation lives in a one-slot per-CPU array: the kernel
 * inlines array lookups, so an event costs a few instructions and no
 * insert is ever needed. Keyed aggregations are per-CPU hashes, plain
 * values shared hashes. (The runtime prints an all-zero slot of a keyless
 * hist, lhist, avg, stats, min or max as an empty map: no event reached
 * it.) */
bool map_is_array(const struct map_info *m)
{
	return !m->key && m->agg != AGG_NONE && !m->declared && !map_is_wide_tseries(m);
}

/* A tseries with an element per interval (manifest.h) */
bool map_is_wide_tseries(const struct map_info *m)
{
	return m->agg == AGG_TSERIES && tseries_is_wide(m->tseries_nintervals);
}

/* A declared map (`let @m = lruhash(N)`) has its kind and size. A wide
 * tseries holds every interval of a keyless series, and with keys
 * max_map_keys (key, interval) elements, as bpftrace's tseries maps, but
 * at least one whole series. */
uint32_t map_max_entries(const struct compilation *c, const struct map_info *m)
{
	if (m->declared)
		return m->decl_entries;
	if (map_is_wide_tseries(m)) {
		uint32_t n = m->tseries_nintervals;
		return !m->key || c->opts->map_entries < n ? n : c->opts->map_entries;
	}
	return map_is_array(m) ? 1 : c->opts->map_entries;
}

uint32_t map_bpf_type(const struct map_info *m)
{
	if (m->declared)
		return m->decl_bpf_type;
	if (map_is_array(m))
		return BPF_MAP_TYPE_PERCPU_ARRAY;
	return m->agg == AGG_NONE ? BPF_MAP_TYPE_HASH : BPF_MAP_TYPE_PERCPU_HASH;
}

uint32_t map_key_size(const struct map_info *m)
{
	if (map_is_array(m))
		return 4;
	if (map_is_wide_tseries(m))
		return tseries_slot_offset(m->key ? m->key->size : 0) + 8;
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
void map_update(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef val,
		uint64_t flags)
{
	LLVMValueRef args[] = {g->maps[m->index], key, val, c64(g, flags)};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_map_update_elem, g->i64, args, 4);
	if (map_is_array(m) || (flags & BPF_NOEXIST))
		return;
	count_dropped(g, m, LLVMBuildLShr(g->b, rc, c64(g, 63), "failed"));
}

/* The key of an lpm() map (type_inet_net): the prefix length, then the
 * inet value (family word, address), so an address value is copied in
 * whole words. A network literal's are constants; an address value's
 * prefix covers all of its bits. A value of neither family (a packet
 * that is not IP) has family 0, which no network in the map has. */
static void lpm_key(struct cg *g, LLVMValueRef key, struct node *k)
{
	LLVMValueRef net = gep(g, key, INET_NET_INET);
	if (k->kind == N_INET) {
		int bits = k->u.inet.family == AF_INET ? 32 : 128;
		int prefix = k->u.inet.prefix < 0 ? bits : k->u.inet.prefix;
		LLVMBuildStore(g->b, LLVMConstInt(g->i32, INET_NET_FAMILY_BITS + (unsigned)prefix, 0),
		               key);
		LLVMBuildStore(g->b, LLVMConstInt(g->i32, k->u.inet.family, 0), net);
		for (uint32_t off = 0; off < 16; off += 4) {
			const uint8_t *b = k->u.inet.addr + off;
			uint32_t word = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
			                (uint32_t)b[3] << 24;
			if (word)
				LLVMBuildStore(g->b, LLVMConstInt(g->i32, word, 0),
				               gep(g, net, 4 + off));
		}
		return;
	}
	LLVMValueRef v = cg_expr(g, k);
	LLVMValueRef family = LLVMBuildLoad2(g->b, g->i32, v, "family");
	LLVMValueRef is4 =
	    LLVMBuildICmp(g->b, LLVMIntEQ, family, LLVMConstInt(g->i32, AF_INET, 0), "");
	LLVMValueRef prefix =
	    LLVMBuildSelect(g->b, is4, LLVMConstInt(g->i32, INET_NET_FAMILY_BITS + 32, 0),
	                    LLVMConstInt(g->i32, INET_NET_FAMILY_BITS + 128, 0), "prefix");
	LLVMBuildStore(g->b, prefix, key);
	copy_aligned(g, net, 4, v, 4, type_inet.size);
}

LLVMValueRef map_key(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	if (m->lpm) {
		LLVMValueRef key = new_buf(g, INET_NET_SIZE, "lpmkey");
		lpm_key(g, key, mapnode->u.map.keys);
		return key;
	}
	struct node *keys = m->key ? mapnode->u.map.keys : NULL;
	bool comm_key = keys && !keys->next && keys->kind == N_IDENT &&
			keys->u.ident.builtin_id == BI_COMM && m->key->size >= 16;
	/* a key that is one str(p) is read straight into the key (a key of 1
	 * KiB strings would otherwise be cleared and copied twice more), in a
	 * buffer with room for the byte str() reads past what it keeps */
	bool str_key = keys && !keys->next && m->key->kind == TYPE_STR && str_reads_memory(keys) &&
	               keys->type->size <= m->key->size && keys != g->evaluated;
	uint32_t key_size = map_key_size(m);
	if (str_key && str_read_size(keys) > key_size)
		key_size = str_read_size(keys);
	/* cleared even though the comm helper writes all 16 bytes: some
	 * kernels (Debian's 6.1 among them) copy the name with strscpy and
	 * leave what follows its NUL as it was, so one name would make many
	 * keys (seen in the 6.1 guest with bpftrace 0.26.1's syscount.bt) */
	LLVMValueRef key = new_buf(g, key_size, "key");
	if (!m->key)
		return key;
	if (str_key) {
		/* where cg_expr would put its helper's -k/-kk report: the call */
		struct loc outer_key = g->first_key, outer_map = g->first_key_map;
		struct loc outer = g->loc, outer_span = g->call_span;
		g->first_key = keys->loc;
		g->first_key_map = mapnode->loc;
		set_loc(g, keys->loc);
		g->call_span = keys->u.call.span;
		str_read_into(g, keys, key);
		g->loc = outer;
		g->call_span = outer_span;
		g->first_key = outer_key;
		g->first_key_map = outer_map;
		return key;
	}
	if (comm_key) {
		/* the helper writes the name straight into the key */
		struct loc outer = g->loc;
		set_loc(g, keys->loc);
		LLVMValueRef args[] = {key, LLVMConstInt(g->i32, 16, 0)};
		cg_helper(g, BPF_FUNC_get_current_comm, g->i64, args, 2);
		g->loc = outer;
		return key;
	}
	struct loc outer_key = g->first_key, outer_map = g->first_key_map;
	g->first_key = keys->loc;
	g->first_key_map = mapnode->loc;
	if (!keys->next) {
		LLVMValueRef v = cg_expr(g, keys);
		g->first_key = outer_key;
		g->first_key_map = outer_map;
		store_value(g, key, m->key, v, keys->type);
		return key;
	}
	uint32_t i = 0;
	for (struct node *k = keys; k && i < m->key->nfields; k = k->next, i++) {
		LLVMValueRef v = cg_expr(g, k);
		g->first_key = outer_key;
		g->first_key_map = outer_map;
		store_value(g, gep(g, key, m->key->fields[i].offset), m->key->fields[i].type, v,
			    k->type);
	}
	return key;
}

/* Reads a plain map value; absent keys read as zero. */
LLVMValueRef map_read(struct cg *g, struct node *mapnode)
{
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef out = new_buf(g, m->value->size, "mapval");
	LLVMValueRef p = map_lookup(g, m, key);
	LLVMBasicBlockRef found = new_block(g, "found"), cont = new_block(g, "cont");
	LLVMBasicBlockRef miss = new_block(g, "miss");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), miss, found);
	LLVMPositionBuilderAtEnd(g->b, miss);
	lookup_miss_report(g, 1);
	LLVMBuildBr(g->b, cont);
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

/* ---- len(@map), and the callbacks of for_each --------------------------- */

/* A bpf_for_each_map_elem callback: i64 (map, key, value, ctx); with
 * `loop`, a bpf_loop one: i64 (index, ctx). */
LLVMValueRef new_callback(struct cg *g, const char *name, int line, LLVMMetadataRef *scope,
			  bool loop)
{
	LLVMTypeRef params[] = {g->ptr, g->ptr, g->ptr, g->ptr};
	if (loop)
		params[0] = g->i64;
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, loop ? 2 : 4, 0);
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
		g->len_cb = new_callback(g, "len_cb", 1, &scope, false);
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
	d->max_entries = map_max_entries(c, m);
	d->declared = m->declared;
	d->lhist_min = m->lhist_min;
	d->lhist_max = m->lhist_max;
	d->lhist_step = m->lhist_step;
	d->nbuckets = agg_nbuckets(m);
	d->has_sum = m->keeps_sum;
	d->tseries_interval_ns = m->tseries_interval_ns;
	d->tseries_nintervals = m->tseries_nintervals;
	d->tseries_agg = m->tseries_agg;
	d->limiter = m->limiter;
}
