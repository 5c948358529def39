/*
 * features.h - what the running kernel supports, probed once.
 *
 * Providers ask before they choose a program type (kprobe or fentry must
 * be known when the section name is emitted), and `--info` prints the
 * whole list with what each missing piece disables. Every "no" carries a
 * reason in words, so an error can say why a probe cannot work here.
 */
#ifndef SONDE_FEATURES_H
#define SONDE_FEATURES_H

#include <stdbool.h>
#include <stdio.h>

struct features {
	bool privileged;      /* may load BPF: the checks below that load a program or
			       * map say "needs privilege" instead of "no" without it */
	bool btf;             /* kernel BTF (/sys/kernel/btf/vmlinux) loads */
	char btf_why[160];
	bool kprobes;         /* kprobe PMU or tracefs kprobe_events */
	char kprobes_why[160];
	bool fentry;          /* a test fentry program loads and attaches */
	char fentry_why[256];
	bool fentry_unknown;  /* the test program needed privilege this process lacks */
	bool uprobes;
	char uprobes_why[160];
	bool ringbuf;
	char ringbuf_why[160];
	bool xdp;             /* XDP programs load (generic mode works anywhere then) */
	char xdp_why[160];
	bool perf_hw;         /* the CPU's PMU: hardware events */
	char perf_hw_why[160];
	char lockdown[32];    /* "none", "integrity", "confidentiality" or "unknown" */
};

/* Probes on first call and caches the answers. Never NULL. */
const struct features *feat_get(void);
/* CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON, in the effective set. */
bool feat_bpf_privileged(void);
/* --info: the list in words. */
void feat_print(FILE *out);

/* The process that uprobes/usdt are limited to and whose mappings user
 * symbols are resolved in (-p PID, -c CMD); 0 = any. */
void feat_set_target_pid(int pid);
int feat_target_pid(void);

#endif
