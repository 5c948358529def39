/*
 * manifest.h - what the compiler tells the runtime and printer.
 *
 * A compiled program is an ELF object plus this manifest: the maps with
 * their key/value types and aggregation kinds, the printf formats that
 * ring-buffer records refer to by id, and the probes to attach. Nothing
 * here points into the compiler's arena, so a program can be run (or
 * written out) without the compiler.
 */
#ifndef SONDE_MANIFEST_H
#define SONDE_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "front/arena.h"
#include "front/types.h"

enum agg_kind {
	AGG_NONE,    /* plain assignment: value has `value` type */
	AGG_COUNT,   /* u64 */
	AGG_SUM,     /* s64 (u64 when the summed type is unsigned) */
	AGG_AVG,     /* struct agg_pair: sum, count */
	AGG_MIN,     /* struct agg_pair: value, set flag */
	AGG_MAX,     /* struct agg_pair: value, set flag */
	AGG_STATS,   /* struct agg_pair: sum, count */
	AGG_HIST,    /* u64[HIST_NBUCKETS], see hist_bucket() */
	AGG_LHIST,   /* u64[nbuckets], see lhist_bucket() */
	AGG_TSERIES, /* struct tseries_slot[tseries_nintervals], or one if wide (bpftrace 0.26) */
};

/* Layout of AVG/STATS (a = sum, b = count) and MIN/MAX (a = value, b = 1
 * once a value was stored) per CPU. */
struct agg_pair {
	int64_t a;
	uint64_t b;
};

/* tseries(): how the values of one interval combine (bpftrace 0.26's
 * optional fourth argument; TSERIES_LAST without one). */
enum tseries_agg { TSERIES_LAST, TSERIES_AVG, TSERIES_MAX, TSERIES_MIN, TSERIES_SUM };

/* One interval of a tseries() per CPU. The slot of interval number `epoch`
 * (TAI time / interval length) is epoch % tseries_nintervals; a slot whose
 * epoch is not the current one holds an older interval, 0 a slot never
 * written. meta: TSERIES_LAST the TAI time of the value (the latest over
 * the CPUs wins), TSERIES_AVG the count of values, TSERIES_MIN/_MAX 1 once
 * a value is stored. */
struct tseries_slot {
	int64_t value;
	uint64_t meta;
	uint64_t epoch;
};

/* A tseries keeps all of a key's intervals in one per-CPU map value (one
 * lookup an event, and a keyless one is an array) while they fit in the
 * 32 KiB the kernel allows a per-CPU value (PCPU_MIN_UNIT_SIZE). Beyond
 * that, "wide", each interval is an element of its own, a struct
 * tseries_slot under the key followed by the slot's number (a u64 at
 * tseries_slot_offset), as bpftrace 0.26 keeps every tseries. */
enum { TSERIES_COMPACT_MAX = 32768 / sizeof(struct tseries_slot) };
static inline bool tseries_is_wide(uint32_t nintervals)
{
	return nintervals > TSERIES_COMPACT_MAX;
}
/* where the slot's number is in a wide tseries' key: after the script's
 * key (8 zero bytes without one), 8-byte aligned */
static inline uint32_t tseries_slot_offset(uint32_t script_key_size)
{
	return script_key_size ? (script_key_size + 7) / 8 * 8 : 8;
}

/* Power-of-2 histogram: bucket 0 holds negative values, bucket 1 holds 0,
 * bucket 2 + floor(log2(v)) holds v >= 1. */
enum { HIST_NBUCKETS = 66 };
static inline int hist_bucket(int64_t v)
{
	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	return 2 + (63 - __builtin_clzll((uint64_t)v));
}

/* Linear histogram over [min, max) in steps: bucket 0 holds v < min, the
 * last bucket v >= max, bucket 1 + (v - min) / step the rest (the one
 * before the last may be partial). sema guarantees min < max, step > 0 and
 * at most 1000 whole steps. Differences are taken as unsigned: max - min
 * exceeds INT64_MAX when min is negative, but never UINT64_MAX. */
static inline uint32_t lhist_nbuckets(int64_t min, int64_t max, int64_t step)
{
	uint64_t range = (uint64_t)max - (uint64_t)min;
	return (uint32_t)(range / (uint64_t)step + (range % (uint64_t)step != 0)) + 2;
}
static inline uint32_t lhist_bucket(int64_t v, int64_t min, int64_t max, int64_t step)
{
	if (v < min)
		return 0;
	if (v >= max)
		return lhist_nbuckets(min, max, step) - 1;
	return 1 + (uint32_t)(((uint64_t)v - (uint64_t)min) / (uint64_t)step);
}

struct map_desc {
	const char *name;     /* as in the script: "@", "@bytes" */
	const char *elf_name; /* name of the BPF map in the object */
	struct type *key;     /* NULL when the map has no key (stored under u64 0) */
	struct type *value;   /* AGG_NONE: the stored type; else the aggregated input type */
	enum agg_kind agg;
	uint32_t bpf_type;    /* BPF_MAP_TYPE_* */
	bool percpu;          /* values come per CPU and are merged when read */
	uint32_t key_size, value_size, max_entries;
	bool declared;        /* its size is its `let @m = KIND(N)` declaration's */
	int64_t lhist_min, lhist_max, lhist_step; /* AGG_LHIST */
	uint32_t nbuckets;                         /* AGG_HIST / AGG_LHIST */
	bool has_sum; /* AGG_HIST / AGG_LHIST: a u64 after the buckets sums the values */
	uint64_t tseries_interval_ns;              /* AGG_TSERIES */
	uint32_t tseries_nintervals;
	enum tseries_agg tseries_agg;
	bool limiter; /* ratelimit()'s buckets: not printed at exit */
};

/* The maps the generated code keeps for itself, beside the script's: the
 * runtime finds each by what it holds, whatever codegen named it. */
enum aux_map_kind {
	AUX_MAP_STACKS,        /* stack traces of kstack/ustack, `depth` frames deep */
	AUX_MAP_ELAPSED_START, /* one u64 (key 0): the start time in ktime ns for
				  `elapsed`, written by the runtime before BEGIN */
	AUX_MAP_SKB_OUTPUT,    /* the perf event array skboutput() sends packets
				  through (bpf_skb_output takes no ring buffer) */
	AUX_MAP_DW_PIDS,       /* dw_ustack: pid -> its rows (bpf-runtime/dwunwind.h),
				  filled by the runtime before anything is attached */
	AUX_MAP_DW_ROWS,       /* dw_ustack: the unwind rows; the runtime sizes it */
	AUX_MAP_DW_STACKS,     /* dw_ustack: frames by stack id */
	AUX_MAP_CAPTURE,       /* the perf event array capture sends packets through */
};

struct aux_map_desc {
	enum aux_map_kind kind;
	const char *elf_name; /* name of the BPF map in the object */
	uint32_t depth;       /* AUX_MAP_STACKS: the frames each trace keeps */
};

/* A printf-like format whose arguments travel in a ring-buffer record. */
struct fmt_desc {
	const char *fmt;       /* the format string as written (escapes decoded) */
	uint32_t nargs;
	struct type **arg_types;
	uint32_t *arg_offsets; /* into the record payload (after struct event_hdr) */
	uint32_t size;         /* payload size */
	/* errorf()/warnf(): a line on stderr after this prefix, the call's
	 * place ("x.bt:3:5: ERROR: "), not output; NULL for printf */
	const char *stderr_prefix;
	bool is_error; /* errorf (not warnf): a test: probe that calls it fails */
};

/* Ring-buffer records start with this header. */
enum event_kind {
	EV_PRINTF = 1, /* id: fmt index; payload: args */
	EV_EXIT = 2,   /* id: unused */
	EV_PRINT = 3,  /* id: map index; payload: struct ev_print */
	EV_CLEAR = 4,  /* id: map index */
	EV_ZERO = 5,   /* id: map index */
	EV_TIME = 6,   /* id: fmt index (strftime format) */
	EV_PRINT_VALUE = 7, /* id: fmt index whose single arg is the value */
	EV_SYSTEM = 8, /* id: fmt index of the command; payload: args (--unsafe) */
	EV_CAT = 9,    /* id: fmt index of the path; payload: args (--unsafe) */
	EV_JOIN = 10,  /* id: fmt index (fmt: the delimiter, arg 0: one string's type);
			  payload: u64 count, then `count` strings of arg 0's size */
	EV_UNWATCH = 11, /* id: unused; payload: the u64 address unwatch() names */
	EV_HELPER_ERROR = 12, /* -k/-kk: id: helper_site index; payload: i64 return code */
};

/* skboutput(PATH, SKB, LEN, OFFSET): what the runtime needs of one call,
 * by the id its records carry. Calls naming the same PATH share a file. */
struct skb_output_desc {
	const char *path;
	uint32_t offset; /* bytes cut from the front of each packet */
};

/* A record of the AUX_MAP_SKB_OUTPUT perf buffer: this header, then the
 * caplen bytes bpf_skb_output appended (the perf sample is padded to 8
 * bytes, so its size does not say where the packet ends). */
struct skb_output_hdr {
	uint32_t id;          /* index in the manifest's skb_outputs */
	uint32_t caplen;      /* LEN: the bytes of the packet that follow */
	uint64_t boot_ns;     /* bpf_ktime_get_boot_ns() when it was taken */
};

/* capture; takes the packet whole up to this many bytes, capture(N) at
 * most N. A perf record's size is a u16 with its headers (and this one)
 * inside: a longer packet keeps its length in the pcap file and loses
 * its tail. */
enum { CAPTURE_MAX_BYTES = 65280 };

/* A record of the AUX_MAP_CAPTURE perf buffer: this header, then the
 * caplen bytes of the packet the helper appended (the perf sample is
 * padded to 8 bytes, so its size does not say where the packet ends). */
struct capture_hdr {
	uint32_t caplen;  /* the bytes of the packet that follow */
	uint32_t origlen; /* the packet's whole length */
	uint64_t boot_ns; /* bpf_ktime_get_boot_ns() when it was taken */
};

/* -k / -kk: a BPF helper call whose failure is reported, with the script
 * place bpftrace's warning shows. */
struct helper_site {
	const char *helper; /* bpftrace's name for it: "probe_read", "map_update_elem" */
	const char *where;  /* "stdin:1:14-15" (bpftrace names -e "stdin") */
	const char *text;   /* the script line */
	const char *marker; /* "             ~~~" under the expression */
	int line, col;
};

/* join(): at most this many strings of an argv-style array, each read
 * into this many bytes (NUL included) whatever max_strlen is, as bpftrace
 * does: execsnoop.bt's command lines must not stop at 63 bytes an argument. */
enum { JOIN_MAX_ARGS = 16, JOIN_ARG_SIZE = 1024 };

struct event_hdr {
	uint32_t kind;
	uint32_t id;
};

/* The programs' counters: one u64 array, a global in the object's .bss
 * section (libbpf makes it a one-element array map), updated with a single
 * atomic add so that counting costs a few instructions and no map lookup.
 * Slots COUNTER_DROPPED + i count the failed updates of map i; with -kk,
 * COUNTER_DROPPED + nmaps + i is 1 once keyless map i was updated. */
enum counter_slot {
	COUNTER_LOST = 0,      /* records the full ring buffer had no room for */
	COUNTER_EXIT = 1,      /* 1 + exit status (0..255) once a probe called exit() */
	COUNTER_TRUNCATED = 2, /* str() results cut to max_strlen */
	COUNTER_LOST_CAPTURES = 3, /* packets capture could not put in the full perf buffer */
	COUNTER_DROPPED = 4,   /* + map index: updates a full hash map refused */
};

struct ev_print {
	uint64_t top, div;
};

/* One attach point after the provider expanded wildcards. */
/* config missing_probes, bpftrace 0.26's: what a probe that names nothing
 * or cannot be attached does to the run */
enum missing_probes {
	MISSING_PROBES_ERROR, /* the run fails (0.26's default) */
	MISSING_PROBES_WARN,  /* a warning, and the run goes on without it */
	MISSING_PROBES_IGNORE, /* the run goes on without it, silently */
	/* not set: bpftrace 0.17's behaviour, which the scripts and tools
	 * of Debian's bpftrace expect: a spec that names nothing is skipped
	 * with a warning when another spec of the same probe attaches, and
	 * is an error when none does; an attach failure is an error */
	MISSING_PROBES_UNSET
};

struct probe_desc {
	const char *prog_name; /* function name in the ELF */
	const char *provider;  /* provider name, e.g. "tracepoint" */
	const char *spec;      /* expanded spec as shown to the user: "tracepoint:syscalls:sys_enter_read" */
	const char *target;    /* provider-specific: "syscalls/sys_enter_read", "eth0", "/bin/bash" */
	const char *func;      /* provider-specific: function/symbol name or NULL */
	uint64_t value;        /* provider-specific: period in ns, frequency, offset */
	uint64_t aux;          /* provider-specific: usdt semaphore file offset */
	int script_line;       /* where the probe block starts (for messages) */
	int file;
	bool from_wildcard;    /* one of the matches of a wildcard spec */
	/* its program serves other attach points too (prog_name is shared):
	 * the attach gives it `cookie`, read with bpf_get_attach_cookie */
	bool shares_program;
	uint64_t cookie;
};

struct manifest {
	struct map_desc *maps;
	uint32_t nmaps;
	struct fmt_desc *fmts;
	uint32_t nfmts;
	struct probe_desc *probes;
	uint32_t nprobes;
	struct aux_map_desc *aux_maps; /* filled by the backend */
	uint32_t naux_maps;
	const char *events_map; /* ring buffer name in the ELF, NULL if none */
	uint32_t ringbuf_size;
	bool print_maps_on_exit; /* config print_maps_on_exit */
	uint32_t max_cat_bytes;  /* config max_cat_bytes */
	uint32_t missing_probes; /* config missing_probes (enum missing_probes, settings.h) */
	const char *str_trunc_trailer; /* after a cut string (config str_trunc_trailer) */
	struct skb_output_desc *skb_outputs; /* by id (skb_output_hdr.id) */
	uint32_t nskb_outputs;
	/* bytes of skboutput()'s perf buffer a CPU: ringbuf_size's setting,
	 * which bpftrace's perf_rb_pages sets too (its per-CPU perf buffers) */
	uint32_t skb_output_bytes;
	/* capture: the script line of the first one (0: the script has
	 * none), and the pcap file's snaplen, the most bytes one takes */
	uint32_t capture_line;
	uint32_t capture_snaplen;
	struct helper_site *helper_sites; /* filled by the backend (-k, -kk) */
	uint32_t nhelper_sites;
	/* --no-warnings: text output drops the helper warnings (JSON keeps
	 * its helper_error records), as bpftrace 0.17 does */
	bool no_warnings;
	/* kaddr(), kprobe:ADDRESS or fentry:bpf:ID: kernel addresses or
	 * program ids of the boot it was compiled in (KASLR moves the
	 * addresses at every boot), so an object of it runs only in that
	 * boot (objfile.h) */
	bool boot_bound;
	/* NULL, or the construct whose code holds the compiling kernel's
	 * layouts as constants ("tracepoint field args.prev_pid at line 3"):
	 * an object of it runs only on that kernel (objfile.h); without one,
	 * its kernel layouts are CO-RE relocations and it runs on others */
	const char *kernel_bound;
};

struct program {
	struct arena arena; /* owns the manifest's strings and types */
	void *elf;          /* malloc'd */
	size_t elf_size;
	struct manifest m;
};

void program_free(struct program *p);

#endif
