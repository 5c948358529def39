/*
 * flows.c - ratelimit() and hash() (their checks: src/builtins/flows.c).
 */
#include "backend/cg_internal.h"

/* ---- ratelimit(@m[key], RATE, BURST) -------------------------------------
 *
 * A token bucket kept as one u64 per key, the "theoretical arrival time"
 * of GCRA (the generic cell rate algorithm, ATM's policer): `tat` is when
 * the bucket would be full again, in ktime ns. A bucket of BURST tokens
 * gaining RATE a second is, in time, a window of bucket_ns = BURST *
 * token_ns (token_ns = 1e9 / RATE). An event at `now` takes a token when
 *
 *     next = max(tat, now) + token_ns   and   next - now <= bucket_ns
 *
 * and then stores next; otherwise it leaves tat alone and is refused. A
 * new key starts at tat 0: a full bucket. So the first BURST events in a
 * row pass, and then one every token_ns, with no refill step and no
 * division in the probe.
 *
 * One word of state is what makes the update safe across CPUs without a
 * lock: a compare-and-swap of tat (BPF_CMPXCHG, Linux 5.12) either stores
 * next computed from the tat it read, or fails because another CPU stored
 * its own first, and the loser retries from the value the swap returned.
 * bpf_spin_lock would also do, but tracing programs may not take one and
 * it needs the value's BTF; the swap works in every probe. The retries
 * are bounded (RATELIMIT_TRIES, unrolled: the verifier sees no loop):
 * each lost race is another CPU taking a token from the same bucket at
 * that instant, and an event that loses every time is refused, the safe
 * side for a policer. A key the map has no room for (a full `hash`; an
 * lruhash makes room) is refused too. */
enum { RATELIMIT_TRIES = 4 };

LLVMValueRef emit_ratelimit(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *mapnode = n->u.call.args;
	struct map_info *m = mapnode->u.map.info;
	LLVMValueRef token = c64(g, n->u.call.token_ns), bucket = c64(g, n->u.call.bucket_ns);
	LLVMValueRef key = map_key(g, mapnode);
	LLVMValueRef now = cg_helper(g, BPF_FUNC_ktime_get_ns, g->i64, NULL, 0);
	LLVMValueRef found = map_lookup(g, m, key);
	LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef insert = new_block(g, "rl_insert"), have = new_block(g, "rl_have");
	LLVMBasicBlockRef take = new_block(g, "rl_take"), done = new_block(g, "rl_done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, found, ""), insert, have);

	/* a new key: a full bucket, unless another CPU made it first */
	LLVMPositionBuilderAtEnd(g->b, insert);
	LLVMValueRef zero = new_buf(g, 8, "rl_new");
	LLVMBuildStore(g->b, c64(g, 0), zero);
	map_update(g, m, key, zero, BPF_NOEXIST);
	buf_done(g, zero);
	LLVMValueRef made = map_lookup(g, m, key);
	count_dropped(g, m, bool64(g, LLVMBuildIsNull(g->b, made, "")));
	LLVMBasicBlockRef from_insert = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, have);

	LLVMPositionBuilderAtEnd(g->b, have);
	LLVMValueRef p = LLVMBuildPhi(g->b, g->ptr, "rl_bucket");
	LLVMValueRef ps[] = {found, made};
	LLVMBasicBlockRef pb[] = {from, from_insert};
	LLVMAddIncoming(p, ps, pb, 2);
	LLVMBasicBlockRef refuse = new_block(g, "rl_refuse");
	LLVMBasicBlockRef attempt = new_block(g, "rl_try");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), refuse, attempt);

	LLVMPositionBuilderAtEnd(g->b, attempt);
	LLVMValueRef tat = LLVMBuildLoad2(g->b, g->i64, p, "rl_tat");
	LLVMSetVolatile(tat, 1);
	for (int i = 0; i < RATELIMIT_TRIES; i++) {
		LLVMValueRef later = LLVMBuildICmp(g->b, LLVMIntUGT, tat, now, "");
		LLVMValueRef base = LLVMBuildSelect(g->b, later, tat, now, "");
		LLVMValueRef next = LLVMBuildAdd(g->b, base, token, "rl_next");
		LLVMValueRef over = LLVMBuildICmp(g->b, LLVMIntUGT,
		                                  LLVMBuildSub(g->b, next, now, ""), bucket, "");
		LLVMBasicBlockRef swap = new_block(g, "rl_swap");
		LLVMBuildCondBr(g->b, over, refuse, swap);
		LLVMPositionBuilderAtEnd(g->b, swap);
		LLVMValueRef r = LLVMBuildAtomicCmpXchg(g->b, p, tat, next,
		                                        LLVMAtomicOrderingSequentiallyConsistent,
		                                        LLVMAtomicOrderingSequentiallyConsistent, 0);
		LLVMValueRef won = LLVMBuildExtractValue(g->b, r, 1, "rl_won");
		LLVMBasicBlockRef again =
		    i + 1 < RATELIMIT_TRIES ? new_block(g, "rl_again") : refuse;
		LLVMBuildCondBr(g->b, won, take, again);
		if (i + 1 < RATELIMIT_TRIES) {
			LLVMPositionBuilderAtEnd(g->b, again);
			tat = LLVMBuildExtractValue(g->b, r, 0, "rl_tat");
		}
	}

	LLVMPositionBuilderAtEnd(g->b, take);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, refuse);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef res = LLVMBuildPhi(g->b, g->i64, "rl_ok");
	LLVMValueRef rv[] = {c64(g, 1), c64(g, 0)};
	LLVMBasicBlockRef rb[] = {take, refuse};
	LLVMAddIncoming(res, rv, rb, 2);
	buf_done(g, key);
	return res;
}

/* ---- hash(a, b, ...) -----------------------------------------------------
 *
 * Each argument is one or more 64-bit words: an integer its value (signed
 * ones sign-extended, so -1 is 0xffffffffffffffff); an address (inet)
 * three, its family (AF_INET 2, AF_INET6 10), then its 16 bytes read as two
 * big-endian numbers, an IPv4 address being the first 4 bytes alone
 * (10.0.0.1 is 0x0a000001, 0). The words go through FNV-1a taken a word
 * at a time (h = 0xcbf29ce484222325; h = (h ^ w) * 0x100000001b3), and
 * the result through MurmurHash3's 64-bit finalizer, which makes each of
 * its bits depend on every bit of h, so that `hash(...) % N` spreads flows
 * that differ only in high bits. No seed: the same words give the same
 * hash in every run, on every machine. tests/runtime/flows.test has the
 * same function in Python. */
static LLVMValueRef fnv_word(struct cg *g, LLVMValueRef h, LLVMValueRef w)
{
	return LLVMBuildMul(g->b, LLVMBuildXor(g->b, h, w, ""), c64(g, 0x100000001b3ull), "");
}

static LLVMValueRef xorshift(struct cg *g, LLVMValueRef h, unsigned by)
{
	return LLVMBuildXor(g->b, h, LLVMBuildLShr(g->b, h, c64(g, by), ""), "");
}

/* the 32 bits at byte `off` of an inet, read in network order */
static LLVMValueRef inet_be32(struct cg *g, LLVMValueRef addr, uint32_t off)
{
	LLVMValueRef ld = LLVMBuildLoad2(g->b, g->i32, gep(g, addr, off), "");
	LLVMSetAlignment(ld, 4);
	LLVMTypeRef fn = LLVMFunctionType(g->i32, &g->i32, 1, 0);
	LLVMValueRef v = call_named(g, "llvm.bswap.i32", fn, &ld, 1);
	return LLVMBuildZExt(g->b, v, g->i64, "");
}

static LLVMValueRef inet_be64(struct cg *g, LLVMValueRef addr, uint32_t off)
{
	LLVMValueRef hi = LLVMBuildShl(g->b, inet_be32(g, addr, off), c64(g, 32), "");
	return LLVMBuildOr(g->b, hi, inet_be32(g, addr, off + 4), "");
}

LLVMValueRef emit_hash(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef h = c64(g, 0xcbf29ce484222325ull);
	for (struct node *a = n->u.call.args; a; a = a->next) {
		LLVMValueRef v = cg_expr(g, a);
		if (a->type->kind == TYPE_INET) {
			LLVMValueRef fl = LLVMBuildLoad2(g->b, g->i32, v, "");
			LLVMSetAlignment(fl, 4);
			LLVMValueRef fam = LLVMBuildZExt(g->b, fl, g->i64, "family");
			LLVMValueRef is4 = LLVMBuildICmp(g->b, LLVMIntEQ, fam, c64(g, 2), "");
			LLVMValueRef is6 = LLVMBuildICmp(g->b, LLVMIntEQ, fam, c64(g, 10), "");
			LLVMValueRef w1 = LLVMBuildSelect(
			    g->b, is6, inet_be64(g, v, 4),
			    LLVMBuildSelect(g->b, is4, inet_be32(g, v, 4), c64(g, 0), ""), "");
			LLVMValueRef w2 = LLVMBuildSelect(g->b, is6, inet_be64(g, v, 12), c64(g, 0), "");
			h = fnv_word(g, fnv_word(g, fnv_word(g, h, fam), w1), w2);
			continue;
		}
		if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
			v = LLVMBuildPtrToInt(g->b, v, g->i64, "");
		else if (LLVMGetIntTypeWidth(LLVMTypeOf(v)) < 64)
			v = a->type->is_signed ? LLVMBuildSExt(g->b, v, g->i64, "")
			                       : LLVMBuildZExt(g->b, v, g->i64, "");
		h = fnv_word(g, h, v);
	}
	/* MurmurHash3's fmix64 */
	h = xorshift(g, h, 33);
	h = LLVMBuildMul(g->b, h, c64(g, 0xff51afd7ed558ccdull), "");
	h = xorshift(g, h, 33);
	h = LLVMBuildMul(g->b, h, c64(g, 0xc4ceb9fe1a85ec53ull), "");
	return xorshift(g, h, 33);
}
