/*
 * compile.h - one compilation: options, the arena, and what sema found.
 *
 * The driver (driver.c) owns a `struct compilation` for the time it takes
 * to turn source into a `struct program`; every pass reads and annotates
 * it. Nothing allocated here outlives the compilation: the manifest is
 * copied into the program's own arena at the end.
 */
#ifndef SONDE_COMPILE_H
#define SONDE_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "front/arena.h"
#include "front/ast.h"
#include "front/diag.h"
#include "manifest.h"
#include "probes/provider.h"

struct host;
struct cdecl_table;
struct sig_watch;

/* -d STAGE: what the driver (driver.c) prints on debug_out after a pass;
 * DEBUG_VERIFIER becomes the runtime's verifier_log (main.c). -d alone is
 * DEBUG_AST | DEBUG_IR | DEBUG_VERIFIER. */
enum {
	DEBUG_AST = 1 << 0,      /* the AST as parsed and after the semantic passes (-d ast) */
	DEBUG_IR_RAW = 1 << 1,   /* LLVM IR before optimisation (-d codegen) */
	DEBUG_IR_OPT = 1 << 2,   /* LLVM IR after optimisation (-d codegen-opt) */
	DEBUG_IR = DEBUG_IR_RAW | DEBUG_IR_OPT, /* -d ir */
	DEBUG_VERIFIER = 1 << 3, /* each program's verifier log (-d verifier) */
};

struct compile_options {
	uint32_t max_strlen;   /* bytes in a string value (a NUL, unless str() cut it) */
	uint32_t map_entries;  /* max_entries of hash maps */
	uint32_t ringbuf_size; /* bytes, power of two */
	uint32_t max_probes;   /* more probes after expansion is an error */
	uint32_t print_maps_on_exit; /* 0: the maps are not printed at exit */
	uint32_t max_cat_bytes;      /* cat() prints at most this much of a file */
	uint32_t stack_mode;         /* enum stack_mode of kstack/ustack naming none */
	uint32_t license;            /* index in bpf_licenses (settings.h) */
	uint32_t missing_probes;     /* enum missing_probes (settings.h) */
	/* bpftrace 0.26 settings sonde takes and checks, without an effect:
	 * what they tune has no counterpart here (settings.c says why) */
	uint32_t log_size, max_bpf_progs, on_stack_limit, lazy_symbolication, cpp_demangle,
	    show_debug_info, cache_user_symbols;
	/* bpftrace 0.26's unstable_tseries: an index in unstable_names
	 * (settings.h), whether tseries() is allowed, warned of or refused */
	uint32_t unstable_tseries;
	/* likewise unstable_dw_ustack, for dw_ustack */
	uint32_t unstable_dw_ustack;
	/* after a string str() cut to max_strlen; NULL: bpftrace's ".." */
	const char *str_trunc_trailer;
	bool unsafe;
	/* -k: report failing helpers whose failure leaves no zero result
	 * (map updates and deletes, ...); -kk (2): memory reads too */
	int helper_check;
	unsigned debug;        /* DEBUG_* */
	FILE *debug_out;
	const char *emit_llvm; /* write textual IR here, or NULL */
	bool force;            /* --force: xdp probes may replace an attached program */
	/* the words after the script: $1...$N, $# (sema/params.c) */
	char *const *params;
	int nparams;
	/* -I DIR, --include FILE: for a script's #include of C headers */
	const char **include_dirs;
	int ninclude_dirs;
	const char **include_files;
	int ninclude_files;
	bool no_warnings; /* --no-warnings: the diagnostic sink shows none */
	bool verbose;     /* -v: notes on how probes will be attached, on stderr */
	/* --metrics: hist() and lhist() also keep the sum of their values,
	 * which a Prometheus histogram's _sum needs */
	bool hist_sums;
	/* --output-version 0.26: the run prints comparisons' bools as true or
	 * false (the printer decides; sema's warning says which it takes) */
	bool output_026;
	unsigned env_set; /* settings (settings.h) fixed by the environment */
	int child_pid;         /* -c: the command's pid (the cpid builtin); 0 without -c */
	const char *child_path; /* -c: the file the command runs (absolute); NULL without -c */
	struct sig_watch *watch; /* told of temporary files a signal must remove; NULL: none */
	/* A number no other compilation of this process that generates code
	 * has, or 0 for the only one (the sonde command compiles once). LLVM
	 * 19's BPF backend keeps each CO-RE relocation's global in a map of
	 * the process keyed by struct name and access, which outlives the
	 * module: a second module with the same key gets the first one's
	 * freed global. With N, the struct names relocations carry get the
	 * libbpf flavor ___sN (emit.h), so no key repeats. The caller (a
	 * test, a fuzzer: whoever owns the process) counts. */
	uint32_t core_flavor;
};

struct early_read {
	struct node *node;
	struct early_read *next;
};

struct map_info {
	const char *name;
	struct loc loc;     /* first use */
	struct type *key;   /* NULL: no key */
	struct type *value; /* stored type (AGG_NONE) or aggregated input type */
	enum agg_kind agg;
	struct loc agg_loc; /* where the aggregation/assignment kind was fixed */
	bool has_kind;
	int64_t lhist_min, lhist_max, lhist_step;
	uint64_t tseries_interval_ns; /* AGG_TSERIES: its arguments */
	uint32_t tseries_nintervals;
	enum tseries_agg tseries_agg;
	int index;
	bool assign_failed;            /* an assignment had an error already reported */
	bool keys_seen, keyed;         /* whether the map is used with [keys] */
	struct loc keys_loc;
	struct loc len_loc;            /* first len(@map), checked once keys are known */
	bool len_used;
	/* first delete(@map[k]) or has_key(@map, k): a wide tseries
	 * (manifest.h) has no element per key; checked once its kind is known */
	struct loc key_op_loc;
	const char *key_op; /* "delete()" or "has_key()", NULL: none */
	struct early_read *early_reads; /* reads seen before the value type was known */
	/* `let @m = KIND(N);` (bpftrace 0.26): its BPF map type and
	 * max_entries, where it is declared */
	bool declared;
	uint32_t decl_bpf_type, decl_entries;
	struct loc decl_loc;
	/* declared `lpm(N)`: keyed by networks (type_inet_net), looked up by
	 * longest prefix; known from the first use on (find_map) */
	bool lpm;
	/* hist/lhist under --metrics: a u64 after the buckets holds the sum
	 * of the values (manifest.h: map_desc.has_sum) */
	bool keeps_sum;
	/* ratelimit(@m[k], ...) keeps its token buckets here (builtins/
	 * flows.c): the map holds nothing else, is not read as a value and
	 * is not printed at exit; limiter_loc is its first such use */
	bool limiter;
	struct loc limiter_loc;
	struct map_info *next;
};

struct var_info {
	const char *name;
	struct type *type;
	/* the first value's own type, integers and tuple elements not widened:
	 * what sizeof($var) gives, as in bpftrace */
	struct type *natural;
	struct loc loc;
	void *slot; /* codegen: its buffer in the function being built */
	int32_t scratch_offset; /* codegen: its place in the probe's scratch memory, -1 on the stack */
	/* sema: the block its scope is (bpftrace 0.26 scoping), where that
	 * was fixed; `let` declared it; typed: with `: T`, so its type is
	 * that; ended: its `let` block has ended (not found by name);
	 * warned: the 0.17/0.26 scope warning is given */
	const struct node *scope;
	struct loc scope_loc;
	bool let_decl, typed, ended, warned;
	struct var_info *next;
};

struct fmt_info {
	const char *fmt;
	struct node *call;
	uint32_t nargs;
	struct type **arg_types;
	uint32_t *arg_offsets;
	uint32_t size;
	int index;
	/* errorf/warnf: printed on stderr after this ("x.bt:3:5: ERROR: ") */
	const char *stderr_prefix;
	bool is_error; /* errorf: it fails a test: probe (probes/test.c) */
	struct fmt_info *next;
};

/* skboutput(PATH, SKB, LEN, OFFSET): one call, its index the id its
 * events carry (manifest.h's skb_output_desc). */
struct skb_output_info {
	const char *path;
	uint32_t offset;
	struct node *call;
	int index;
	struct skb_output_info *next;
};

/* One program to generate: a probe block at one attach point. */
/* A named parameter a getopt() call declares (bpftrace 0.26), in the order
 * first declared: its kind is its default's (sema/params.c). */
enum named_param_kind { NAMED_BOOL, NAMED_INT, NAMED_STR };

struct named_param {
	const char *name; /* without the "--" */
	enum named_param_kind kind;
	/* the default: NAMED_BOOL and NAMED_INT in int_default (negative
	 * when default_negative), NAMED_STR in str_default */
	uint64_t int_default;
	bool default_negative;
	const char *str_default;
	const char *help; /* the third argument, "" when none */
	struct loc loc;   /* the first getopt() call naming it */
	/* the value the command line gives it, the default when none */
	uint64_t value;
	bool value_negative;
	const char *str_value;
	struct named_param *next;
};

struct probe_inst {
	struct node *probe;
	struct attach_point *ap;
	struct var_info *vars; /* scratch variables of the probe block */
	int pkt_depth;         /* SONDE_PKT_DEPTH_* the block needs, -1 when it reads no pkt */
	bool pkt_len;          /* the block reads pkt.len */
	bool pkt_l4_eager;     /* parse TCP/UDP up front: a for body reads it, a tc block rewrites
	                          (backend/probe.c) */
	bool pkt_write;        /* the block assigns pkt fields (sonde_pkt_set_*) */
	const char *prog_name;
	int index;
	/* sema/share.c: the instance whose program this one runs, with the BPF
	 * cookie `cookie` (its index in that program's tables); NULL: its own */
	struct probe_inst *runs;
	uint32_t cookie;
	/* a program that several instances run: their specs and functions by
	 * cookie (`probe` and `func` read them); ncookies 0: it runs alone */
	const char **cookie_specs, **cookie_funcs;
	uint32_t ncookies;
	struct probe_inst *next;
};

struct compilation {
	struct arena arena;
	struct diag *diag;
	const struct compile_options *opts;
	/* what is known about the kernel compiled for (host.h): BTF,
	 * kallsyms, features; owned by the caller */
	struct host *host;
	struct ast_program prog;
	struct cdecl_table *cdefs; /* the script's C definitions (sema/cdefs.c) */
	const char *tracefs; /* mount point once sema needed it */

	struct map_info *maps;
	int nmaps;
	struct fmt_info *fmts;
	int nfmts;
	struct probe_inst *insts;
	int ninsts;
	struct skb_output_info *skb_outputs;
	int nskb_outputs;
	/* capture: the script line of the first (0: none), and the most
	 * bytes of a packet any takes (manifest.h's capture_snaplen) */
	int capture_line;
	uint32_t capture_snaplen;
	bool uses_events; /* needs the ring buffer */
	bool uses_stacks; /* needs the stack-trace map */
	bool uses_runtime; /* codegen: calls into bpf-runtime (linked in) */
	/* the programs hold what only this boot of the kernel has: kaddr()'s
	 * address, kprobe:ADDRESS, fentry:bpf:ID (manifest.h's boot_bound) */
	bool boot_bound;
	/* the first construct whose code holds this kernel's layouts as
	 * constants (a tracepoint's field offsets, an enum's value, a
	 * bitfield...), as "WHAT at line N"; NULL when every kernel layout
	 * the programs use is a CO-RE relocation libbpf applies at load
	 * (manifest.h's kernel_bound). Set with compilation_bind_kernel. */
	const char *kernel_bound;
	bool kernel_bound_has_line; /* a later one with a line replaces one without */
	/* -k/-kk: the checked helper calls, codegen's, in the manifest at emit */
	struct helper_site *helper_sites;
	uint32_t nhelper_sites, cap_helper_sites;

	/* the command line's words after the script, read by sema/params.c:
	 * in a program that calls getopt() (uses_getopt) those starting with
	 * "--" are named parameters (named_words, without the "--") and the
	 * rest positional ($1...); in any other program all are positional */
	bool uses_getopt;
	const char **pos_params;
	int npos_params;
	const char **named_words;
	int nnamed_words;
	/* "--help" is among the named words and no getopt() declares "help":
	 * the driver lists the named parameters instead of compiling on */
	bool named_help;
	struct named_param *named_params;

	bool missing_noted; /* the missing_probes note was given */
	bool tseries_warned; /* unstable_tseries = warn: the warning was given */
	/* len() of a stored stack: every stack keeps its frame count
	 * (STACK_FRAMES_SHIFT) */
	bool stack_len_stored;
	bool dw_ustack_warned; /* unstable_dw_ustack = warn: likewise */
	/* a probe was left out by missing_probes = warn or ignore: its body
	 * is unchecked, so maps it alone assigns have no type of their own */
	bool probes_left_out;
	/* the probe being expanded had a spec skipped as bpftrace 0.17 skips
	 * it (sema_missing_probe_017_drops) */
	bool spec_dropped_as_017;
	/* a `true`/`false` literal: bpftrace 0.26's bools, bpftrace 0.17's
	 * kernel enumerators of those names (1 and 0); where one is printed
	 * the two readings differ, and the first such place is warned about */
	bool bool_literal_seen, bool_reading_warned;
	struct loc bool_literal_loc;
	/* a comparison's bool (type_cmp_bool) printed: the two readings
	 * differ there too, 1 or 0 against true or false; warned once */
	bool cmp_bool_reading_warned;
	/* the probe being expanded has several specs: with missing_probes
	 * unset, one that names nothing is then only a warning */
	bool expanding_several;
	/* scratch for providers expanding specs */
	struct attach_point *pending;
	size_t npending, cap_pending;
};

/* Used by providers' expand hooks. */
void sema_add_attach_point(struct compilation *c, const struct attach_point *ap);
/* A spec that names nothing (no such function, tracepoint, USDT probe):
 * the message as an error, or under config missing_probes = warn as a
 * warning that it is skipped, or nothing under ignore; with missing_probes
 * unset, a warning when the probe has other specs (an error when none of
 * them attaches either), else the error. The return is what the expand
 * hook returns: -1 for the error, else 0. */
int sema_missing_probe(struct compilation *c, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for what bpftrace 0.17 leaves out without a word even when
 * it is a probe's only spec (a function a binary lacks, a uprobe
 * wildcard that matches nothing): with missing_probes unset, a warning
 * and the spec is skipped; a probe left with nothing is left out. */
int sema_missing_probe_017_drops(struct compilation *c, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, for what bpftrace 0.17 compiles with a warning and fails to
 * attach (a kprobe on a function the kernel lacks): with missing_probes
 * unset, a warning that attaching will fail and 1, so the expand hook
 * keeps the attach point and the run fails when it attaches it, after
 * BEGIN (which may exit() first); else as sema_missing_probe. */
int sema_missing_probe_at_attach(struct compilation *c, struct loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* After sema_missing_probe's error, where the binary rather than a typo
 * is the likely cause (a function one library version lacks): a note
 * naming missing_probes, once per compilation. */
void sema_missing_probe_hint(struct compilation *c);
/* Tracefs mount point, mounting it (with a note on stderr) when needed.
 * NULL with an error at `loc` when it cannot be had. */
const char *compilation_tracefs(struct compilation *c, struct loc loc);
/* Records that the code of the construct at `loc` (`what`: "tracepoint
 * field args.prev_pid") holds this kernel's layouts as constants, so an
 * object of the script runs only on this kernel; the first one is kept. */
void compilation_bind_kernel(struct compilation *c, struct loc loc, const char *what);

int sema_run(struct compilation *c);
/* pkt.NAME: fills `acc`, returns the parse depth it needs or -1. */
int sema_pkt_field(const char *name, struct ctx_access *acc);
/* pkt.NAME = value: its SONDE_PKT_SET_*, or -1 for a read-only field. */
int sema_pkt_setter(const char *name);
/* The language type of a kernel value of BTF type `id` (a typed pointer
 * for a pointer, so `->` follows it), for providers' context values; NULL
 * when sonde cannot represent it. */
struct type *btf_lang_type(struct compilation *c, uint32_t id);

#endif
