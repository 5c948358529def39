/*
 * printer.h - user-visible output, as bpftrace prints it.
 *
 * Two formats: text (bpftrace's exact layout) and json (NDJSON, one object
 * per line, bpftrace's {"type": ..., "data": ...} schema). The runtime hands
 * the printer raw bytes exactly as they come from the kernel (map keys and
 * per-CPU values, ring-buffer payloads) together with their manifest
 * descriptors; merging per-CPU values, sorting and formatting happen here.
 */
#ifndef SONDE_PRINTER_H
#define SONDE_PRINTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "manifest.h"

enum out_format { OUT_TEXT, OUT_JSON };

/* Whose conventions the reports about the run follow (--output-version):
 * bpftrace 0.17's, the default, or 0.26's ("Attached N probes" and "Lost N
 * events" on stderr, a "count" in their JSON records, the total of lost
 * events at exit). */
enum out_version { OUT_V0_17, OUT_V0_26 };

/* Turns stack ids and addresses into text (symbols.c implements it; the
 * runtime sets it). format() writes the text of a TYPE_KSTACK, USTACK,
 * KSYM or USYM value at `data` to f and returns 0, or returns -1 to let
 * the printer fall back to a number. Stacks in printf's %s are indented
 * by 8 spaces instead of 4, as bpftrace prints them (in_printf). */
struct out_resolver {
	int (*format)(const struct out_resolver *r, FILE *f, const struct type *t,
		      const uint8_t *data, bool in_printf);
};

struct printer {
	FILE *out;
	FILE *err; /* where 0.26's text reports go (stderr) */
	enum out_format format;
	enum out_version version;
	const struct out_resolver *resolver; /* optional */
	/* printed after a string that fills its bytes (it was cut), as
	 * bpftrace 0.26's str_trunc_trailer; NULL for none */
	const char *str_trailer;
	/* where errorf()/warnf() lines go: stderr, or the output of a test:
	 * probe that the runtime captures (runtime.c) */
	FILE *diag;
	/* errorf() lines and helper failures (-k) printed since the runtime
	 * last set it to 0: a test: probe that printed any fails */
	unsigned errors;
	/* --test's tags in colour, as bpftrace prints them (a terminal only) */
	bool color;
	/* called now and then while out_map() works through a large map (every
	 * few thousand entries, and between the passes of its sort), so that
	 * the runtime can go on reading its ring buffer; NULL for none. It must
	 * not print. */
	void (*busy)(void *arg);
	void *busy_arg;
};

void out_init(struct printer *p, FILE *out, enum out_format format);

/* A map read from the kernel. keys: n * desc->key_size bytes. values:
 * when desc->percpu, n * ncpus slots of round_up(desc->value_size, 8)
 * bytes (the layout bpf_map_lookup_elem gives for per-CPU maps), else
 * n * desc->value_size bytes. */
struct map_snapshot {
	size_t n;
	const uint8_t *keys;
	const uint8_t *values;
	uint32_t ncpus;
};

/* Prints one map: entries merged across CPUs, sorted as bpftrace sorts
 * them, `top` > 0 keeps only the last `top` entries, `div` > 1 divides
 * values. An empty map prints a blank line in text mode (as bpftrace does)
 * and nothing in json. */
void out_map(struct printer *p, const struct map_desc *desc, const struct map_snapshot *snap,
	     uint64_t top, uint64_t div);
/* What bpftrace prints once before the maps at exit ("\n\n", in both
 * formats); call it, then out_map for each map in name order. */
void out_maps_begin(struct printer *p);
/* ---- the maps for renderings other than the printer's (exposition.c) ---- */

/* One entry of a map, its CPUs merged as the printer merges them. */
struct out_merged {
	const uint8_t *key;    /* desc->key's bytes; NULL when the map has none */
	const uint8_t *raw;    /* AGG_NONE: the value as stored */
	int64_t value;         /* count, sum, min, max, avg, an integer value */
	uint64_t count;        /* avg, stats: how many values */
	int64_t total;         /* avg, stats: their sum */
	uint64_t *buckets;     /* hist, lhist: the counts of the nbuckets buckets */
	uint32_t nbuckets;
	uint64_t bucket_total; /* hist, lhist: the values counted */
	int64_t value_sum;     /* hist, lhist with desc->has_sum: their sum */
};

/* The entries of a snapshot in the order the printer prints them (*n_out
 * of them; none for a tseries), for out_merged_free. */
struct out_merged *out_merge_map(const struct printer *p, const struct map_desc *desc,
                                 const struct map_snapshot *snap, size_t *n_out);
void out_merged_free(struct out_merged *e, size_t n);
/* whether the map's aggregated numbers are signed */
bool out_value_signed(const struct map_desc *desc);
/* One key, or one element of a multi-key map's key, as the printer shows
 * it between the brackets; returns its length as snprintf does. */
int out_key_part_text(const struct printer *p, char *buf, size_t size, const struct type *t,
                      const void *data);
/* The largest integer bucket b of a hist or lhist holds (Prometheus' `le`);
 * false for the last bucket, which has no bound. */
bool out_bucket_le(const struct map_desc *desc, uint32_t b, int64_t *le);

/* Formats a printf record (payload after struct event_hdr). */
void out_printf(struct printer *p, const struct fmt_desc *fmt, const void *payload, size_t len);
/* print(value): the value as a map value prints (text), or
 * {"type": "value", "data": ...} (json). */
void out_value(struct printer *p, const struct fmt_desc *fmt, const void *payload, size_t len);
/* time(fmt): the local time now through strftime. */
void out_time(struct printer *p, const char *fmt);
/* Text that goes out as is (text) or as {"type": TYPE, "data": "..."}
 * (json): system()'s output ("syscall"), cat() ("cat"), time(), join(). */
void out_text_event(struct printer *p, const char *type, const char *text, size_t len);
/* A printf record rendered into a malloc'd string (system(), cat()). */
char *out_format(const struct fmt_desc *fmt, const void *payload, size_t len);
/* join(): the strings of an EV_JOIN record with the delimiter between. */
void out_join(struct printer *p, const struct fmt_desc *fmt, const void *payload, size_t len);
/* -k/-kk: a helper failed with `rc` at `site`: bpftrace's warning, on the
 * output as bpftrace writes it (text), or a "helper_error" record (json). */
void out_helper_error(struct printer *p, const struct helper_site *site, int64_t rc);
/* "Attaching N probes..." (text, 0.17: before the attach) or "Attached N
 * probes" (text on stderr, 0.26: after it) / {"type": "attached_probes",
 * ...} (json). */
void out_attached(struct printer *p, uint32_t nprobes);
/* --test (bpftrace 0.26, in googletest's layout): the line before the
 * first test, one result per test (a failed test's output, its empty
 * lines dropped, between its two lines), and the summary. JSON: one
 * "test_result" record per test, nothing else. */
void out_tests_begin(struct printer *p, uint32_t ntests);
void out_test_result(struct printer *p, const char *name, uint64_t ns, bool passed,
                     const char *output, size_t len);
void out_tests_end(struct printer *p, const char *const *names, const bool *passed,
                   uint32_t ntests);
/* --bench: one row of the table of `names` (the column is as wide as the
 * longest), with its header first when `header`. JSON: a
 * "benchmark_result" record. */
void out_bench_result(struct printer *p, const char *const *names, uint32_t nbenches,
                      const char *name, uint64_t avg_ns, uint64_t iters, bool header);
/* Lost ring-buffer events since the last report. */
void out_lost_events(struct printer *p, uint64_t lost);
/* capture's packets the kernel could not put in the full perf buffer */
void out_lost_captures(struct printer *p, uint64_t lost);
/* At exit, the lost events of the whole run when there were any: 0.26's
 * warning on stderr (either format); nothing for 0.17. */
void out_lost_total(struct printer *p, uint64_t lost);
/* Updates a full hash map could not take (JSON: a "dropped_updates"
 * record; nothing in text, where the runtime warns on stderr). */
void out_dropped_updates(struct printer *p, const char *map, uint64_t updates);
/* str() results cut to max_strlen (JSON: a "truncated_strings" record;
 * nothing in text, where the runtime warns on stderr). */
void out_truncated_strings(struct printer *p, uint64_t strings);
/* Text of one value of type `t` stored at `data`, as in map keys/values
 * (strings unquoted in text mode). Returns bytes written (snprintf-like). */
int out_value_text(char *buf, size_t size, const struct type *t, const void *data);

/* printf format checking, shared with sema: parses `fmt`, and for each
 * conversion reports whether an argument of type `t` fits. Returns the
 * number of conversions (%% excluded) or -1 with `*err` set to a message
 * and `*err_offset` to the byte offset in fmt. */
int fmt_count_conversions(const char *fmt, const char **err, size_t *err_offset);
/* time()/strftime() format checking: 0 when every conversion is one
 * strftime(3) formats or %f (microseconds), else -1 with `*err` and
 * `*err_offset` set as above. */
int fmt_check_time(const char *fmt, const char **err, size_t *err_offset);
/* Checks argument i's type against conversion i; NULL when fine, else a
 * message like "%d expects an integer, got string[64]". */
const char *fmt_check_arg(struct arena *a, const char *fmt, uint32_t i, const struct type *t);

#endif
