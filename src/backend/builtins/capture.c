/*
 * capture.c - capture; and capture(N) (checked in src/builtins/capture.c):
 * the packet, or its first N bytes, through a perf event array to sonde
 * (src/runtime/capture.c), which writes it to the -w pcap file.
 *
 * Why a perf event array and not the ring buffer: bpf_perf_event_output
 * called with an xdp or tc context appends the packet itself (the upper
 * 32 bits of its flags say how many bytes), copied by the kernel from
 * the linear data and the fragments alike. A copy into a ring-buffer
 * record would be done by the program: a loop of bounded reads the
 * verifier walks byte range by byte range, with a fixed most-bytes
 * bound, and paged skbs out of reach without bpf_skb_load_bytes. The
 * helper's one call costs the same whatever N is.
 */
#include <stddef.h>

#include "backend/cg_internal.h"
#include "manifest.h"

LLVMValueRef emit_capture(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (!g->capture) {
		/* max_entries 0: libbpf makes it one slot per possible CPU */
		g->capture = emit_map(g->em, "capture", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 0, 4, 4, 1);
		g->aux->maps[g->aux->n++] = (struct aux_map_desc){AUX_MAP_CAPTURE, "capture", 0};
	}
	LLVMValueRef len;
	if (g->pi->ap->prov->pkt_len_by_helper) {
		/* XDP: data_end - data would be arithmetic on pkt_end, which
		 * the verifier refuses; the helper counts fragments too */
		len = cg_helper(g, BPF_FUNC_xdp_get_buff_len, g->i64, &g->ctxarg, 1);
	} else {
		/* __sk_buff's len, the first u32 of the context */
		len = LLVMBuildZExt(g->b, LLVMBuildLoad2(g->b, g->i32, g->ctxarg, "skb_len"), g->i64,
		                    "");
	}
	/* the helper fails when asked for more bytes than the packet has */
	LLVMValueRef want = c64(g, n->u.call.value);
	LLVMValueRef shorter = LLVMBuildICmp(g->b, LLVMIntULT, len, want, "");
	LLVMValueRef caplen = LLVMBuildSelect(g->b, shorter, len, want, "caplen");
	LLVMValueRef hdr = new_buf(g, sizeof(struct capture_hdr), "capture_hdr");
	/* caplen, then origlen: one little-endian u64 */
	store64(g, hdr, LLVMBuildOr(g->b, caplen, LLVMBuildShl(g->b, len, c64(g, 32), ""), ""));
	store64(g, gep(g, hdr, offsetof(struct capture_hdr, boot_ns)),
	        cg_helper(g, BPF_FUNC_ktime_get_boot_ns, g->i64, NULL, 0));
	LLVMValueRef flags = LLVMBuildOr(g->b, LLVMBuildShl(g->b, caplen, c64(g, 32), ""),
	                                 c64(g, BPF_F_CURRENT_CPU), "");
	LLVMValueRef args[] = {g->ctxarg, g->capture, flags, hdr,
	                       c64(g, sizeof(struct capture_hdr))};
	LLVMValueRef rc = cg_helper(g, BPF_FUNC_perf_event_output, g->i64, args, 5);
	buf_done(g, hdr);
	/* counted here rather than from the perf buffer's lost records: the
	 * kernel writes one only once there is room again, so the last
	 * losses of a run would go unreported */
	LLVMBasicBlockRef lost = new_block(g, "capture_lost"), done = new_block(g, "captured");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, rc, c64(g, 0), ""), lost, done);
	LLVMPositionBuilderAtEnd(g->b, lost);
	counter_add(g, COUNTER_LOST_CAPTURES, c64(g, 1));
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return NULL;
}
