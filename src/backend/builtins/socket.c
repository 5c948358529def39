/*
 * socket.c - socket_cookie(sk): bpf_get_socket_cookie of the BTF-typed
 * socket pointer; skboutput(): bpf_skb_output of the BTF-typed sk_buff
 * (both checked in src/builtins/socket.c).
 */
#include <stddef.h>

#include "backend/cg_internal.h"
#include "manifest.h"

LLVMValueRef emit_socket_cookie(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	LLVMValueRef sk = cg_expr(g, n->u.call.args);
	LLVMValueRef arg = LLVMBuildIntToPtr(g->b, sk, LLVMPointerType(g->i8, 0), "");
	return cg_helper(g, BPF_FUNC_get_socket_cookie, g->i64, &arg, 1);
}

/* The record is manifest.h's skb_output_hdr, then LEN bytes of the packet
 * the helper appends: the upper 32 bits of its flags say how many (more
 * than the skb holds, or than BPF_F_CTXLEN_MASK, and it fails). The
 * result is the helper's: 0, or a negative errno. */
LLVMValueRef emit_skboutput(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (!g->skb_output) {
		/* max_entries 0: libbpf makes it one slot per possible CPU */
		g->skb_output =
		    emit_map(g->em, "skb_output", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 0, 4, 4, 1);
		g->aux->maps[g->aux->n++] =
		    (struct aux_map_desc){AUX_MAP_SKB_OUTPUT, "skb_output", 0};
	}
	struct node *skb_arg = n->u.call.args->next, *len_arg = skb_arg->next;
	LLVMValueRef skb = cg_expr(g, skb_arg);
	LLVMValueRef len = cg_expr(g, len_arg);
	/* a LEN past 32 bits must make the helper fail (it takes at most
	 * 2^20 - 1 bytes), not wrap to a small length */
	LLVMValueRef too_big = LLVMBuildICmp(g->b, LLVMIntUGT, len, c64(g, 0xffffffffu), "");
	LLVMValueRef len32 = LLVMBuildSelect(g->b, too_big, c64(g, 0xffffffffu), len, "");
	LLVMValueRef len_hi = LLVMBuildShl(g->b, len32, c64(g, 32), "");
	LLVMValueRef hdr = new_buf(g, sizeof(struct skb_output_hdr), "skb_output_hdr");
	/* id, then caplen: one little-endian u64 */
	store64(g, hdr, LLVMBuildOr(g->b, c64(g, n->u.call.value), len_hi, ""));
	store64(g, gep(g, hdr, offsetof(struct skb_output_hdr, boot_ns)),
		cg_helper(g, BPF_FUNC_ktime_get_boot_ns, g->i64, NULL, 0));
	LLVMValueRef flags = LLVMBuildOr(g->b, len_hi, c64(g, BPF_F_CURRENT_CPU), "");
	LLVMValueRef args[] = {LLVMBuildIntToPtr(g->b, skb, g->ptr, ""), g->skb_output, flags, hdr,
			       c64(g, sizeof(struct skb_output_hdr))};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_skb_output, g->i64, args, 5);
	buf_done(g, hdr);
	return rc;
}
