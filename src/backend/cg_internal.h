/*
 * cg_internal.h - what the files of codegen (typed AST to LLVM IR through
 * the LLVM-C API) share: the generator's state and the functions one file
 * calls in another. Internal to sonde-backend.so, which is built with
 * hidden visibility: none of these names leaves it.
 *
 * One BPF program (function) per probe instance, i.e. per probe block and
 * attach point, because context layouts differ between attach points.
 * Integers are computed in i64 and narrowed only when stored; strings and
 * tuples are pointers to 8-aligned, zero-filled stack buffers (the kernel
 * hashes whole keys, so padding must never hold garbage). Every BPF helper
 * call goes through cg_helper(), by its id in <linux/bpf.h>. Aggregating
 * maps are per-CPU and updated in place through the pointer the lookup
 * returns: one lookup per event, and an insert only the first time a key
 * is seen.
 */
#ifndef SONDE_CG_INTERNAL_H
#define SONDE_CG_INTERNAL_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdint.h>

#include "backend/codegen.h"
#include "backend/emit.h"
#include "backend/builtins/emit_table.h"
#include "builtins/builtins.h"

/* How a for loop's callback reaches the variables outside it. A loop in
 * the probe gets the slots of the probe's stack variables in its context
 * (vars[i] at 16 + 8 * i). A loop in another loop's callback gets that
 * callback's context (at 16) and the slot of its loop variable (at 24),
 * and reaches the rest through the chain: its context stays the same size
 * however deep loops nest, as the kernel counts the stack of every frame
 * of a call chain against one 512-byte limit. */
struct cb_scope {
	struct var_info **vars; /* in the probe: the variables whose slots it passes */
	uint32_t nvars;
	struct var_info *outer_kv;  /* in a callback: that callback's loop variable */
	const struct cb_scope *up; /* and how that callback reaches the rest */
};

struct cg {
	struct compilation *c;
	struct emit *em;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMBuilderRef ab; /* allocas, at the top of the entry block */
	LLVMTypeRef i8, i16, i32, i64, ptr;
	LLVMValueRef *maps; /* by map index */
	struct map_info **map_infos;
	LLVMValueRef events;
	LLVMValueRef zeros; /* read-only zero bytes (a placeholder until their size is known) */
	uint32_t zeros_size;
	/* the function being built */
	struct probe_inst *pi;
	LLVMValueRef fn, ctxarg;
	/* where args.NAME reads the tracepoint's record: ctxarg, or the record
	 * a raw_syscalls program rebuilt on its stack (probe.c) */
	LLVMValueRef argbase;
	LLVMBasicBlockRef loop_break, loop_continue; /* innermost while */
	LLVMValueRef pkt; /* the parsed packet (struct sonde_pkt) when the probe reads pkt */
	LLVMValueRef stacks[STACK_MAX_DEPTH + 1]; /* stack-trace maps by frame limit */
	/* dw_ustack's maps (bpf-runtime/dwunwind.h); lazy */
	LLVMValueRef dw_pids, dw_rows, dw_scratch, dw_stacks;
	LLVMValueRef counters; /* u64[COUNTER_DROPPED + nmaps] in .bss (manifest.h); lazy */
	LLVMBasicBlockRef entry;
	LLVMMetadataRef scope;
	const char *err;
	/* inside a for body: a bpf_for_each_map_elem or bpf_loop callback,
	 * perhaps called from another loop's */
	bool in_callback;
	LLVMValueRef cb_ctx;          /* ptr[]: probe ctx, pkt, then as cb_scope says */
	const struct cb_scope *cb_scope; /* how it reaches the variables outside */
	struct var_info *cb_kv;       /* the loop's $kv, a local of the callback */
	uint32_t cb_ret_off;          /* in cb_ctx: set when the body ends the probe,
	                               * with what it returns in the next word */
	LLVMValueRef elapsed;         /* map holding sonde's start time (ktime ns) */
	LLVMValueRef skb_output;      /* perf event array of skboutput()'s packets */
	LLVMValueRef capture;         /* perf event array of capture's packets */
	struct cg_aux_maps *aux; /* the maps above, as the manifest describes them */
	LLVMValueRef len_cb;          /* len(): the counting callback */
	int ncallbacks;
	/* buffers of the function being built (see "where values live") */
	LLVMBuilderRef sb;             /* in scratch_bb: the scratch lookup, buffer addresses */
	LLVMBasicBlockRef scratch_bb;  /* between entry and body; NULL until scratch is needed */
	LLVMValueRef scratch;          /* this CPU's scratch memory, looked up in scratch_bb */
	uint32_t stack_used;           /* bytes of stack buffers alive now (an upper bound) */
	uint32_t stack_budget;         /* the most this function keeps on its stack */
	/* the program's scratch memory: a placeholder map until its size is known */
	LLVMValueRef scratch_map;
	uint32_t scratch_top, scratch_size; /* bytes in use now, most in use at once */
	bool scratch_full;                  /* the error was reported for this program */
	struct temp_buf *temps;             /* buffers of the statements being generated */
	uint32_t ntemps, cap_temps;
	struct loc loc;                     /* of the code being generated, for errors */
	/* the innermost call's name to ')'; while loc is at that call's name,
	 * -k/-kk report a helper there (errors stay at the name) */
	struct loc call_span;
	/* while a map's first key is generated: that key's place and the
	 * map's; bpftrace 0.17 reports a helper of the key from the map's
	 * start ("@m[str(0)") */
	struct loc first_key, first_key_map;
	bool failed;                        /* an error was reported */
	/* an expression already evaluated: cg_expr gives its value instead of
	 * evaluating it again (comm(PID)'s warning prints the pid it used) */
	struct node *evaluated;
	LLVMValueRef evaluated_value;
	bool iter_to_file;                  /* a pinned iterator: printf writes into its file */
};

/* ---- where values live ------------------------------------------------ */

/* Strings, tuples and the other values that travel as pointers live in
 * 8-aligned buffers. A BPF program has 512 bytes of stack, which a for
 * loop's callback and LLVM's spills share, so small buffers go on the
 * stack and the rest into the program's scratch memory: a one-entry
 * per-CPU array of its own (a program does not run nested in itself on
 * one CPU), looked up once where a function starts. Buffers made while a
 * statement is generated are released when it ends, so the next
 * statement reuses their bytes: stack slots through lifetime markers
 * (LLVM colours them), scratch offsets handed out as a stack. Variables
 * keep theirs for the whole run. Two buffers alive at once never share
 * bytes. */
enum {
	STACK_BUFS = 256,          /* bytes of buffers a probe keeps on its stack */
	STACK_BUFS_WITH_FOR = 192, /* the same when a for loop's callback needs stack too */
	STACK_BUFS_CALLBACK = 128, /* that callback's own */
	STACK_BUF_MAX = 128,       /* a larger buffer goes to scratch memory */
	STACK_VAR_MAX = 64,        /* the same for a variable */
	SCRATCH_MAX = 32768,       /* the kernel's limit on a per-CPU value (PCPU_MIN_UNIT_SIZE) */
	/* LLVM's BPF backend expands memcpy and memset into at most 128
	 * stores: a copy of unknown alignment fits 128 bytes, a zero fill of
	 * aligned memory (8 bytes a store) 256 without many instructions */
	COPY_INLINE_MAX = 128,
	ZERO_INLINE_MAX = 256,
	/* scratch memory is zeroed with stores up to this size, in fills of
	 * at most ZERO_FILL_CHUNK (128 stores): 128 stores cost about a
	 * third of bpf_probe_read_kernel copying as many zeroes (measured
	 * on a 1 KiB map key, docs/PERFORMANCE.md) */
	ZERO_SCRATCH_INLINE_MAX = 2048,
	ZERO_FILL_CHUNK = 1024,
};

enum buf_life {
	BUF_TEMP,       /* released when the statement ends */
	BUF_TEMP_STACK, /* the same, and on the stack: a helper wants a stack pointer */
	BUF_FUNC,       /* on the stack for the whole function, counted in its budget
			   where the function starts */
};

struct temp_buf {
	LLVMValueRef ptr;
	uint32_t size;  /* rounded to 8 */
	bool on_stack;  /* an alloca: its lifetime is ended */
	bool done;      /* released early by buf_done() */
};

struct buf_mark {
	uint32_t ntemps, scratch_top, stack_used;
};

/* ---- ir.c: small builders, values in memory ----------------------------- */

void set_loc(struct cg *g, struct loc l);
LLVMValueRef c64(struct cg *g, uint64_t v);
LLVMTypeRef int_type(struct cg *g, uint32_t size);
LLVMValueRef call_named(struct cg *g, const char *name, LLVMTypeRef fty, LLVMValueRef *args,
			unsigned nargs);
void lifetime(struct cg *g, const char *which, LLVMValueRef buf, uint64_t size);
LLVMValueRef gep(struct cg *g, LLVMValueRef base, uint64_t off);
LLVMValueRef cg_helper(struct cg *g, enum bpf_func_id id, LLVMTypeRef ret, LLVMValueRef *args,
		       int n);
LLVMValueRef clamp(struct cg *g, LLVMValueRef v, uint64_t max);
LLVMBasicBlockRef new_block(struct cg *g, const char *name);
void ret_default(struct cg *g);
void ret_value(struct cg *g, LLVMValueRef v);
uint32_t round8(uint32_t size);
LLVMValueRef zeros_ptr(struct cg *g, uint32_t size);
void zero_fill(struct cg *g, LLVMValueRef p, uint32_t n, bool is_volatile);
void copy_aligned(struct cg *g, LLVMValueRef dst, unsigned dst_align, LLVMValueRef src,
		  unsigned src_align, uint32_t n);
void copy_bytes(struct cg *g, LLVMValueRef dst, LLVMValueRef src, uint32_t n);
bool is_mem_type(const struct type *t);
LLVMValueRef load_value(struct cg *g, LLVMValueRef p, const struct type *t);
void store_value(struct cg *g, LLVMValueRef dst, const struct type *to, LLVMValueRef v,
		 const struct type *from);
LLVMValueRef const_str(struct cg *g, const char *s, size_t len, uint32_t size);
LLVMValueRef load64(struct cg *g, LLVMValueRef p);
void store64(struct cg *g, LLVMValueRef p, LLVMValueRef v);
void add64(struct cg *g, LLVMValueRef p, LLVMValueRef delta);
LLVMValueRef bool64(struct cg *g, LLVMValueRef i1);

/* ---- scratch.c: buffers and variables' slots ---------------------------- */

void finish_entry(struct cg *g, LLVMBasicBlockRef body);
LLVMValueRef syscall_nr(struct cg *g, int dir);
void scratch_take(struct cg *g, uint32_t off, uint32_t size);
LLVMValueRef buf_new(struct cg *g, uint32_t size, bool zeroed, enum buf_life life,
		     const char *name);
LLVMValueRef new_buf(struct cg *g, uint32_t size, const char *name);
LLVMValueRef new_buf_filled_by_callee(struct cg *g, uint32_t size, const char *name);
void buf_done(struct cg *g, LLVMValueRef buf);
struct buf_mark buf_mark(struct cg *g);
void buf_release(struct cg *g, struct buf_mark m, bool end_lifetimes);
LLVMValueRef var_slot(struct cg *g, struct var_info *v);
void finish_scratch(struct cg *g, struct probe_inst *pi);

/* ---- maps.c: maps ------------------------------------------------------- */

bool map_is_array(const struct map_info *m);
bool map_is_wide_tseries(const struct map_info *m);
/* len() of the stack the probe has now (builtins/maps.c) */
LLVMValueRef stack_len(struct cg *g, const struct type *stack);
uint32_t map_bpf_type(const struct map_info *m);
uint32_t map_max_entries(const struct compilation *c, const struct map_info *m);
uint32_t map_key_size(const struct map_info *m);
LLVMValueRef map_lookup(struct cg *g, struct map_info *m, LLVMValueRef key);
LLVMValueRef map_key(struct cg *g, struct node *mapnode);
void map_update(struct cg *g, struct map_info *m, LLVMValueRef key, LLVMValueRef val,
		uint64_t flags);
LLVMValueRef map_read(struct cg *g, struct node *mapnode);
void map_write(struct cg *g, struct node *mapnode, LLVMValueRef v, const struct type *vt);
LLVMValueRef new_callback(struct cg *g, const char *name, int line, LLVMMetadataRef *scope,
			  bool loop);
LLVMValueRef for_each(struct cg *g, struct map_info *m, LLVMValueRef cb, LLVMValueRef ctx);
LLVMValueRef cg_len(struct cg *g, struct node *mapnode);

/* ---- events.c: ring-buffer records and counters ------------------------- */

void counter_add(struct cg *g, uint32_t slot, LLVMValueRef delta);
void count_dropped(struct cg *g, const struct map_info *m, LLVMValueRef n);
/* -k/-kk: after helper `id` returned `rc`, a failure (rc < 0) sends an
 * EV_HELPER_ERROR record naming the call's place (g->loc). */
void helper_check(struct cg *g, enum bpf_func_id id, LLVMValueRef rc);
/* -kk: where a map lookup found nothing, `times` map_lookup_elem reports
 * (bpftrace 0.17's; nothing without -kk). */
void lookup_miss_report(struct cg *g, int times);
/* -kk: the same for the first update of keyless aggregation `m` (a
 * one-slot array here, whose slot always exists; a flag per map). */
void first_update_report(struct cg *g, const struct map_info *m, int times);
void cg_record(struct cg *g, enum event_kind kind, struct fmt_info *f, struct node *args);
void cg_printf(struct cg *g, struct node *call, enum event_kind kind);
void cg_join(struct cg *g, struct node *call);
void cg_map_event(struct cg *g, struct node *call, enum event_kind kind);
void cg_exit(struct cg *g, LLVMValueRef code);
void cg_unwatch(struct cg *g, LLVMValueRef addr);
/* printf in a pinned iterator: formatted by the kernel into its file */
void cg_seq_printf(struct cg *g, struct node *call);
LLVMValueRef cg_iter_seq(struct cg *g);

/* ---- ctx.c: the probe's context, memory by address ---------------------- */

void pkt_parse_l4(struct cg *g);
LLVMValueRef ctx_read(struct cg *g, const struct ctx_access *acc);
enum addr_space value_space(struct cg *g, struct node *n);
enum bpf_func_id read_helper(struct cg *g, enum addr_space space, bool str);
bool is_kmem(struct node *n);
LLVMValueRef kaddr_of(struct cg *g, struct node *n);
/* A bitfield of a kernel struct read through CO-RE relocations (ctx.c);
 * NULL when it cannot be, and kaddr_of then binds the object. */
LLVMValueRef core_bitfield_read(struct cg *g, struct node *n, enum addr_space space);
enum addr_space kmem_space(struct cg *g, struct node *n);
LLVMValueRef kread(struct cg *g, LLVMValueRef addr, const struct type *t, enum addr_space space);
/* builtins/strings.c: str(p) written into a buffer of the caller's (a map
 * key), rather than into one of its own and then copied */
bool str_reads_memory(const struct node *n);
uint32_t str_read_size(const struct node *n);
void str_read_into(struct cg *g, struct node *n, LLVMValueRef buf);
/* values.c */
bool is_record_field(const struct node *n);
LLVMValueRef record_field_read(struct cg *g, struct node *n);
void copy_record(struct cg *g, LLVMValueRef dst, const struct type *to, LLVMValueRef addr,
		 const struct type *from);
LLVMValueRef bytes_equal(struct cg *g, LLVMValueRef a, const struct type *at, LLVMValueRef b,
			 const struct type *bt);
LLVMValueRef buf_equal(struct cg *g, LLVMValueRef a, const struct type *at, LLVMValueRef b,
		       const struct type *bt);

/* ---- builtins/: one emit hook per row of builtins.def -------------------- */

/* emit_HOOK for every row (rows may share a hook), in builtins/ files by
 * theme; the table of them is builtins/table.c */
#define BUILTIN(id, hook, ...) \
	LLVMValueRef emit_##hook(struct cg *g, struct node *n, struct node *target);
#include "builtins/builtins.def"
#undef BUILTIN

/* table.c: codegen's ways in. A bare name (pid, kstack), a call made for
 * its value, a call as a statement (false: it has a value, make it as an
 * expression), @map[...] = aggregation(...). */
LLVMValueRef cg_builtin(struct cg *g, struct node *n);
LLVMValueRef cg_call_value(struct cg *g, struct node *n);
bool cg_call_stmt(struct cg *g, struct node *e);
void cg_aggregate(struct cg *g, struct node *mapnode, struct node *call);

/* context.c: what a context builtin reads here (also for value_space) */
bool expr_access(struct cg *g, struct node *n, struct ctx_access *acc);

/* aggregations.c: what the aggregations keep, and reading one in a probe */
uint32_t agg_nbuckets(const struct map_info *m);
uint32_t agg_value_size(const struct map_info *m);
LLVMValueRef agg_read(struct cg *g, struct node *mapnode);
LLVMValueRef agg_read_key(struct cg *g, struct map_info *m, LLVMValueRef key);

/* ---- expr.c: expressions ------------------------------------------------ */

LLVMValueRef safe_divmod(struct cg *g, enum ast_op op, LLVMValueRef l, LLVMValueRef r,
			 bool is_signed);
LLVMValueRef cg_expr(struct cg *g, struct node *n);

/* ---- stmt.c: statements ------------------------------------------------- */

void cg_block(struct cg *g, struct node *blk);

#endif
