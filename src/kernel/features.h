/*
 * features.h - what the running kernel supports, probed once per host.
 *
 * Providers ask before they choose a program type (kprobe or fentry must
 * be known when the section name is emitted), and `--info` prints the
 * whole list with what each missing piece disables. Every "no" carries a
 * reason in words, so an error can say why a probe cannot work here.
 */
#ifndef SONDE_FEATURES_H
#define SONDE_FEATURES_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>

struct host;

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
	/* BPF LSM (lsm: probes), probed on demand by feat_get_lsm: built in
	 * (bpf_lsm_* hooks in BTF), active (bpf in the kernel's LSM list) and
	 * a test LSM program loads and attaches */
	bool lsm_probed;
	bool lsm;
	bool lsm_unknown;     /* the test program needed privilege this process lacks */
	char lsm_why[768];
	char lsm_active[512]; /* the active LSMs, "a,b,c", and where that was read */
};

/* Probes on the first call and keeps the answers in the host (host.h).
 * Never NULL. */
const struct features *feat_get(struct host *h);
/* feat_get, with the BPF LSM answers filled in too (loading a test LSM
 * program costs a trampoline on a security hook: only lsm: probes and
 * --info ask). Never NULL. */
const struct features *feat_get_lsm(struct host *h);
/* CAP_SYS_ADMIN, or CAP_BPF with CAP_PERFMON, in the effective set. */
bool feat_bpf_privileged(void);
/* --info: the list in words. */
void feat_print(struct host *h, FILE *out);

/* Whether the kernel attaches one kprobe program to many functions in one
 * link (BPF_TRACE_KPROBE_MULTI, Linux 5.18, over fprobe): its link struct
 * is in BTF only when the kernel was built with CONFIG_FPROBE, without
 * which the link's attach fails. */
bool feat_kprobe_multi(struct host *h);

/* Whether the kernel has BPF helper `id` (asked once per helper and host);
 * yes when it cannot be told (no privilege to ask), so compiling without
 * loading still works. */
bool feat_has_helper(struct host *h, enum bpf_func_id id);

/* Whether programs of the type ELF section `section` names may call
 * helper `id` here (libbpf's probe): 1 yes, 0 no, -1 it cannot be told
 * (no privilege, a program type the probe cannot load). */
int feat_section_has_helper(const char *section, enum bpf_func_id id);

/* The BTF id of kfunc `name` in the kernel's BTF, or -1: a FUNC of that
 * name that the kernel marks as a kfunc (a "bpf_kfunc" decl tag) when its
 * BTF has such tags at all; older BTF (pahole before 1.26) has none, and
 * then any FUNC of that name counts, as bpftrace 0.26 counts them. */
int feat_kfunc_id(struct host *h, const char *name);

/* Whether a program of the type ELF section `section` names may call
 * kfunc `name` (the verifier's kfunc sets): loads a two-instruction
 * program that calls it and reads the verifier's answer. 1 yes, 0 no, -1
 * it cannot be told, with the reason in why. */
int feat_kfunc_allowed(struct host *h, const char *name, const char *section, char *why,
		       size_t size);

#endif
