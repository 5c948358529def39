/*
 * dwunwind.h - the unwind tables behind dw_ustack, shared by the BPF-side
 * unwinder (bpf-runtime/dwunwind.c) and the runtime that fills them from
 * the target processes' .eh_frame (src/runtime/dwtables.c).
 *
 * One row per address range of a function's call frame information, in
 * the process's address space (the runtime adds each file's load bias),
 * the rows of one process sorted by start and kept contiguous in the rows
 * map; the pids map gives, per process, where its rows are. x86_64 only:
 * the canonical frame address (CFA) is rsp or rbp plus an offset, the
 * return address is at CFA - 8, and rbp is either left as it is or saved
 * at CFA + an offset; ranges whose rules say anything else (expressions,
 * as in PLT entries) are rows of kind DW_ROW_STOP: the walk ends there.
 */
#ifndef SONDE_BPF_DWUNWIND_H
#define SONDE_BPF_DWUNWIND_H

#ifdef __bpf__
typedef unsigned long long sonde_dw_u64;
typedef unsigned int sonde_dw_u32;
typedef int sonde_dw_s32;
#else
#include <stdint.h>
typedef uint64_t sonde_dw_u64;
typedef uint32_t sonde_dw_u32;
typedef int32_t sonde_dw_s32;
#endif

/* frames a dw_ustack keeps at most: STACK_MAX_DEPTH of ustack */
#define SONDE_DW_MAX_FRAMES 127
/* halvings of a process's rows: 2^22 rows are far more than any process has */
#define SONDE_DW_SEARCH_STEPS 22

enum {
	DW_ROW_STOP = 0,    /* no rule the unwinder follows: the stack ends here */
	DW_ROW_CFA_RSP = 1, /* CFA = rsp + cfa_offset */
	DW_ROW_CFA_RBP = 2, /* CFA = rbp + cfa_offset */
};

struct sonde_dw_row {
	sonde_dw_u64 start;     /* first address of the range */
	sonde_dw_u32 len;       /* bytes in the range */
	sonde_dw_u32 kind;      /* DW_ROW_* */
	sonde_dw_s32 cfa_offset;
	sonde_dw_s32 rbp_offset; /* rbp saved at CFA + rbp_offset; 0: rbp unchanged */
};

/* the pids map's value: rows[first .. first + count) are the process's */
struct sonde_dw_span {
	sonde_dw_u32 first;
	sonde_dw_u32 count;
};

/* the per-CPU scratch value the frames are gathered in (the stacks map's
 * value is its frames) */
struct sonde_dw_scratch {
	sonde_dw_u64 frames[SONDE_DW_MAX_FRAMES];
};

/* The id of a dw_ustack whose process has no tables (not given with -p
 * or --dwarf-pid, or gone when sonde started): the runtime prints an
 * empty stack and warns. Hashes of real stacks never take it. */
#define SONDE_DW_NO_TABLES 1ull

#endif
