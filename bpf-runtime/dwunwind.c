/*
 * dwunwind.c - dw_ustack's unwinder: walks the current task's user stack
 * with the call frame information the runtime loaded into maps
 * (dwunwind.h), so that programs built without frame pointers still give
 * their whole call chain.
 *
 * Compiled to bitcode and inlined where dw_ustack is evaluated; the maps
 * are passed in by the generated code, which declares them. The user
 * registers come from bpf_task_pt_regs, so the walk starts from the
 * user-mode state whatever the probe (in a uprobe they are the probe's
 * own registers). The frames found are hashed into an id, and stored in
 * the stacks map under it, which makes a dw_ustack a 16-byte {id, pid}
 * like a ustack: usable as a map key, compared by its frames.
 */
#include <linux/bpf.h>

#include "dwunwind.h"

static void *(*const bpf_map_lookup_elem)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;
static long (*const bpf_map_update_elem)(void *map, const void *key, const void *value,
					 sonde_dw_u64 flags) = (void *)BPF_FUNC_map_update_elem;
static long (*const bpf_probe_read_user)(void *dst, sonde_dw_u32 size,
					 const void *src) = (void *)BPF_FUNC_probe_read_user;
static void *(*const bpf_get_current_task_btf)(void) = (void *)BPF_FUNC_get_current_task_btf;
static void *(*const bpf_task_pt_regs)(void *task) = (void *)BPF_FUNC_task_pt_regs;

/* struct pt_regs of x86_64 (arch/x86/include/asm/ptrace.h), the members
 * the walk starts from; a fixed ABI layout */
#define PT_REGS_BP 32
#define PT_REGS_IP 128
#define PT_REGS_SP 152

/* The row of the process's tables that covers pc, or NULL. The search
 * takes the same SONDE_DW_SEARCH_STEPS steps whatever the rows, and
 * moves without a branch (user addresses are below 2^63, so the sign of
 * pc - start says which side pc is on): the verifier walks every frame
 * of the unwinding loop, and a branch per step would leave it more paths
 * than it follows. */
static struct sonde_dw_row *find_row(void *rows, const struct sonde_dw_span *span,
				     sonde_dw_u64 pc)
{
	sonde_dw_u32 base = span->first, n = span->count;
	if (!n)
		return 0;
	/* the row sought is in [base, base + n) */
	for (int step = 0; step < SONDE_DW_SEARCH_STEPS; step++) {
		sonde_dw_u32 half = n / 2, mid = base + half;
		struct sonde_dw_row *row = bpf_map_lookup_elem(rows, &mid);
		if (!row)
			return 0;
		sonde_dw_u32 at_or_below = 1 - (sonde_dw_u32)((pc - row->start) >> 63);
		base += half * at_or_below;
		n -= half;
	}
	struct sonde_dw_row *row = bpf_map_lookup_elem(rows, &base);
	if (!row || pc < row->start || pc - row->start >= row->len)
		return 0;
	return row;
}

/* The stack of the current task's user mode, at most `depth` frames:
 * its id in `stacks` (0 when it could not be stored), or
 * SONDE_DW_NO_TABLES when the process has no tables. */
sonde_dw_u64 sonde_dw_ustack(void *pids, void *rows, void *scratch, void *stacks,
			     sonde_dw_u32 depth, sonde_dw_u32 tgid)
{
	struct sonde_dw_span *span = bpf_map_lookup_elem(pids, &tgid);
	if (!span)
		return SONDE_DW_NO_TABLES;
	sonde_dw_u32 zero = 0;
	struct sonde_dw_scratch *s = bpf_map_lookup_elem(scratch, &zero);
	if (!s)
		return 0;
	unsigned char *regs = bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return 0;
	sonde_dw_u64 pc = *(sonde_dw_u64 *)(regs + PT_REGS_IP);
	sonde_dw_u64 sp = *(sonde_dw_u64 *)(regs + PT_REGS_SP);
	sonde_dw_u64 bp = *(sonde_dw_u64 *)(regs + PT_REGS_BP);
	for (int i = 0; i < SONDE_DW_MAX_FRAMES; i++)
		s->frames[i] = 0;
	/* FNV-1a over the frames kept: equal stacks, equal ids */
	sonde_dw_u64 hash = 0xcbf29ce484222325ull;
	for (int i = 0; i < SONDE_DW_MAX_FRAMES && i < (int)depth; i++) {
		if (!pc)
			break;
		s->frames[i] = pc;
		hash = (hash ^ pc) * 0x100000001b3ull;
		/* a return address is after its call, which may end the
		 * function (a call that does not return): look up the call */
		struct sonde_dw_row *row = find_row(rows, span, i ? pc - 1 : pc);
		if (!row)
			break;
		sonde_dw_u64 cfa;
		if (row->kind == DW_ROW_CFA_RSP)
			cfa = sp + (long long)row->cfa_offset;
		else if (row->kind == DW_ROW_CFA_RBP)
			cfa = bp + (long long)row->cfa_offset;
		else
			break;
		sonde_dw_u64 ra = 0;
		if (bpf_probe_read_user(&ra, sizeof(ra), (const void *)(cfa - 8)))
			break;
		if (row->rbp_offset &&
		    bpf_probe_read_user(&bp, sizeof(bp), (const void *)(cfa + (long long)row->rbp_offset)))
			break;
		/* the stack grows down: a caller's frame is above its callee's */
		if (cfa <= sp && i)
			break;
		sp = cfa;
		pc = ra;
	}
	if (hash <= SONDE_DW_NO_TABLES)
		hash += 2;
	if (bpf_map_update_elem(stacks, &hash, s, BPF_ANY))
		return 0;
	return hash;
}
