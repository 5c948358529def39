/*
 * features.c - probes the running kernel once (see features.h).
 *
 * Each check does the cheapest thing that gives a reliable answer: a file
 * that exists only when the feature is built in (kprobe PMU, tracefs
 * kprobe_events), or loading the smallest program or map that uses it
 * (fentry, ring buffer, XDP). SONDE_DISABLE=kprobes,fentry,... in the
 * environment pretends a feature is missing, so the fallbacks can be
 * tested on a kernel that has everything.
 */
#define _GNU_SOURCE
#include "kernel/features.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/btf.h"
#include "kernel/host.h"

/* read with capget(2) so no libcap is needed */
bool feat_bpf_privileged(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
	uint64_t eff = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
	bool sys_admin = eff & (1ull << 21), perfmon = eff & (1ull << 38), bpf = eff & (1ull << 39);
	return sys_admin || (bpf && perfmon);
}

/* A check that loads something and was refused for want of privilege
 * tells nothing about the kernel: say so rather than "no". */
static bool needs_privilege(const struct features *f, int err, const char *what, char *why,
			    size_t size)
{
	if (f->privileged || (err != EPERM && err != EACCES))
		return false;
	snprintf(why, size, "unknown: the check loads a BPF %s and needs root, or CAP_BPF and "
			    "CAP_PERFMON, which this process lacks",
		 what);
	return true;
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* SONDE_DISABLE is a comma-separated list of feature names. */
static bool disabled(const char *name)
{
	const char *env = getenv("SONDE_DISABLE");
	size_t len = strlen(name);
	for (const char *p = env; p && *p;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == len && !strncmp(p, name, n))
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

static void probe_kprobes(struct features *f)
{
	if (disabled("kprobes")) {
		snprintf(f->kprobes_why, sizeof(f->kprobes_why),
			 "kprobes are disabled by SONDE_DISABLE");
		return;
	}
	f->kprobes = exists("/sys/bus/event_source/devices/kprobe/type") ||
		     exists("/sys/kernel/tracing/kprobe_events") ||
		     exists("/sys/kernel/debug/tracing/kprobe_events");
	if (!f->kprobes)
		snprintf(f->kprobes_why, sizeof(f->kprobes_why),
			 "this kernel has no kprobes (CONFIG_KPROBES is off)");
}

static void probe_uprobes(struct features *f)
{
	f->uprobes = exists("/sys/bus/event_source/devices/uprobe/type") ||
		     exists("/sys/kernel/tracing/uprobe_events") ||
		     exists("/sys/kernel/debug/tracing/uprobe_events");
	if (!f->uprobes)
		snprintf(f->uprobes_why, sizeof(f->uprobes_why),
			 "this kernel has no uprobes (CONFIG_UPROBE_EVENTS is off)");
}

/* Loads `r0 = 0; exit` as an fentry program on a function that exists in
 * every BTF kernel, attaches it and lets it go at once. */
static void probe_fentry(struct host *h, struct features *f)
{
	if (disabled("fentry")) {
		snprintf(f->fentry_why, sizeof(f->fentry_why), "fentry is disabled by SONDE_DISABLE");
		return;
	}
	struct btf *btf = btf_vmlinux(h);
	if (!btf) {
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "fentry needs kernel BTF, which is missing (%s)", f->btf_why);
		return;
	}
	static const char *const targets[] = {"bpf_fentry_test1", "vfs_read", "do_sys_openat2",
					      NULL};
	int id = -1;
	const char *target = NULL;
	for (int i = 0; targets[i] && id < 0; i++) {
		id = btf__find_by_name_kind(btf, targets[i], BTF_KIND_FUNC);
		target = targets[i];
	}
	if (id < 0) {
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "no test function for fentry found in kernel BTF");
		return;
	}
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "sonde_feat", "GPL", insns, 2, &opts);
	if (fd < 0) {
		int e = errno;
		f->fentry_unknown = needs_privilege(f, e, "program", f->fentry_why,
						    sizeof(f->fentry_why));
		if (f->fentry_unknown)
			return;
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "fentry is not permitted (loading a test fentry program failed: %s)",
			 strerror(e));
		if (e != EPERM && e != EACCES)
			snprintf(f->fentry_why, sizeof(f->fentry_why),
				 "fentry does not work (loading a test fentry program failed: %s)",
				 strerror(e));
		return;
	}
	int lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		int e = errno;
		snprintf(f->fentry_why, sizeof(f->fentry_why),
			 "fentry does not work (attaching a test fentry program to %s failed: %s)",
			 target, strerror(e));
		close(fd);
		return;
	}
	close(lfd);
	close(fd);
	f->fentry = true;
}

/* the smallest ring buffer (one page) */
static void probe_ringbuf(struct features *f)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sonde_feat", 0, 0,
				(__u32)sysconf(_SC_PAGESIZE), NULL);
	if (fd >= 0) {
		close(fd);
		f->ringbuf = true;
		return;
	}
	int e = errno;
	if (needs_privilege(f, e, "map", f->ringbuf_why, sizeof(f->ringbuf_why)))
		return;
	snprintf(f->ringbuf_why, sizeof(f->ringbuf_why),
		 "no (creating a ring buffer failed: %s; it needs Linux 5.8): printf and other "
		 "events cannot work",
		 strerror(e));
}

/* `r0 = XDP_PASS; exit` as an XDP program */
static void probe_xdp(struct features *f)
{
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
		{.code = BPF_JMP | BPF_EXIT},
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "sonde_feat", "GPL", insns, 2, NULL);
	if (fd >= 0) {
		close(fd);
		f->xdp = true;
		return;
	}
	int e = errno;
	if (needs_privilege(f, e, "program", f->xdp_why, sizeof(f->xdp_why)))
		return;
	snprintf(f->xdp_why, sizeof(f->xdp_why), "no (loading a test XDP program failed: %s)",
		 strerror(e));
}

static void probe_perf_hw(struct features *f)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_HW_CPU_CYCLES,
		.disabled = 1,
	};
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd >= 0) {
		close(fd);
		f->perf_hw = true;
		return;
	}
	int e = errno;
	if (e == ENOENT || e == EOPNOTSUPP || !exists("/sys/bus/event_source/devices/cpu"))
		snprintf(f->perf_hw_why, sizeof(f->perf_hw_why),
			 "this CPU has no performance monitoring unit the kernel can use (no "
			 "/sys/bus/event_source/devices/cpu; perf_event_open: %s)",
			 strerror(e));
	else
		snprintf(f->perf_hw_why, sizeof(f->perf_hw_why),
			 "hardware perf events cannot be opened: %s", strerror(e));
}

static void probe_lockdown(struct features *f)
{
	snprintf(f->lockdown, sizeof(f->lockdown), "unknown");
	FILE *fp = fopen("/sys/kernel/security/lockdown", "re");
	if (!fp) {
		if (!exists("/sys/kernel/security/lockdown"))
			snprintf(f->lockdown, sizeof(f->lockdown), "none");
		return;
	}
	char line[128];
	if (fgets(line, sizeof(line), fp)) {
		char *b = strchr(line, '['), *e = b ? strchr(b, ']') : NULL;
		if (b && e) {
			*e = 0;
			snprintf(f->lockdown, sizeof(f->lockdown), "%s", b + 1);
		}
	}
	fclose(fp);
}

/* The kernel's names of the LSM ids lsm_list_modules(2) returns
 * (LSM_ID_* of linux/lsm.h, 6.8), which older headers lack. */
static const char *lsm_id_name(uint64_t id)
{
	static const char *const names[] = {"capability", "selinux", "smack",	  "tomoyo",
					    "apparmor",	  "yama",    "loadpin",	  "safesetid",
					    "lockdown",	  "bpf",     "landlock", "ima",
					    "evm",	  "ipe"};
	return id >= 100 && id - 100 < sizeof(names) / sizeof(names[0]) ? names[id - 100] : "?";
}

/* Reads the first line of `path` into buf without its newline. */
static bool read_line(const char *path, char *buf, size_t size)
{
	FILE *fp = fopen(path, "re");
	if (!fp)
		return false;
	bool ok = fgets(buf, (int)size, fp) != NULL;
	fclose(fp);
	if (ok)
		buf[strcspn(buf, "\n")] = 0;
	return ok;
}

/* The active LSMs, "a,b,c", into `list`, and where they were read into
 * `src`: securityfs's list, else lsm_list_modules(2) (6.8), else the
 * kernel's lsm= parameter, else CONFIG_LSM of the running kernel's
 * config in /boot (the list it boots with when lsm= is not given). False
 * when none of these can be read; `src` then says what was tried. */
static bool lsm_active_list(char *list, size_t size, char *src, size_t srcsize)
{
	if (read_line("/sys/kernel/security/lsm", list, size)) {
		snprintf(src, srcsize, "/sys/kernel/security/lsm");
		return true;
	}
#if defined(__x86_64__)
	uint64_t ids[32];
	uint32_t idsize = sizeof(ids);
	long n = syscall(461 /* lsm_list_modules */, ids, &idsize, 0);
	if (n > 0) {
		size_t len = 0;
		list[0] = 0;
		for (long i = 0; i < n && i < 32 && len < size; i++)
			len += (size_t)snprintf(list + len, size - len, "%s%s", i ? "," : "",
						lsm_id_name(ids[i]));
		snprintf(src, srcsize, "lsm_list_modules(2)");
		return true;
	}
#endif
	char cmdline[4096];
	if (read_line("/proc/cmdline", cmdline, sizeof(cmdline))) {
		const char *found = NULL;
		for (const char *p = cmdline; (p = strstr(p, "lsm=")); p += 4)
			if (p == cmdline || p[-1] == ' ')
				found = p + 4; /* the last one counts */
		if (found) {
			snprintf(list, size, "%.*s", (int)strcspn(found, " "), found);
			snprintf(src, srcsize, "lsm= in /proc/cmdline");
			return true;
		}
	}
	char release[128], path[200], cfg[1024];
	if (read_line("/proc/sys/kernel/osrelease", release, sizeof(release))) {
		snprintf(path, sizeof(path), "/boot/config-%s", release);
		FILE *fp = fopen(path, "re");
		while (fp && fgets(cfg, sizeof(cfg), fp)) {
			if (strncmp(cfg, "CONFIG_LSM=\"", 12))
				continue;
			snprintf(list, size, "%.*s", (int)strcspn(cfg + 12, "\"\n"), cfg + 12);
			snprintf(src, srcsize, "CONFIG_LSM in %s", path);
			fclose(fp);
			return true;
		}
		if (fp)
			fclose(fp);
	}
	snprintf(src, srcsize,
		 "no /sys/kernel/security/lsm (securityfs is not mounted), no lsm_list_modules(2), "
		 "no lsm= on the kernel command line, no /boot/config of this kernel");
	return false;
}

static bool list_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		if (n == len && !strncmp(p, name, n))
			return true;
		p += n;
		p += *p == ',';
	}
	return false;
}

/* BPF LSM works when the kernel has its hooks (CONFIG_BPF_LSM: bpf_lsm_*
 * functions in BTF), runs them ('bpf' among the active LSMs: otherwise a
 * program loads and attaches but is never called), and a test program
 * (`r0 = 0; exit` on file_open: allows everything) loads and attaches. */
static void probe_lsm(struct host *h, struct features *f)
{
	char src[256];
	char list[160];
	bool known = lsm_active_list(list, sizeof(list), src, sizeof(src));
	if (known)
		snprintf(f->lsm_active, sizeof(f->lsm_active), "%s (%s)", list, src);
	else
		snprintf(f->lsm_active, sizeof(f->lsm_active), "unknown: %s", src);
	if (disabled("lsm")) {
		snprintf(f->lsm_why, sizeof(f->lsm_why), "BPF LSM is disabled by SONDE_DISABLE");
		return;
	}
	struct btf *btf = btf_vmlinux(h);
	if (!btf) {
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "lsm probes need kernel BTF, which is missing (%s)", f->btf_why);
		return;
	}
	int id = btf__find_by_name_kind(btf, "bpf_lsm_file_open", BTF_KIND_FUNC);
	if (id < 0) {
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "this kernel has no BPF LSM (no bpf_lsm_* hooks in its BTF: "
			 "CONFIG_BPF_LSM is off)");
		return;
	}
	if (known && !list_has(list, "bpf")) {
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "BPF LSM is built in but not active: 'bpf' is not among the active LSMs "
			 "(%s: %s); boot with lsm=%s,bpf",
			 src, list, list);
		return;
	}
	struct bpf_insn insns[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_LSM_MAC,
		    .attach_btf_id = (__u32)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_LSM, "sonde_feat", "GPL", insns, 2, &opts);
	if (fd < 0) {
		int e = errno;
		f->lsm_unknown = needs_privilege(f, e, "LSM program", f->lsm_why,
						 sizeof(f->lsm_why));
		if (f->lsm_unknown)
			return;
		if (e == EPERM || e == EACCES)
			snprintf(f->lsm_why, sizeof(f->lsm_why),
				 "BPF LSM programs are not permitted here (loading a test LSM program "
				 "failed: %s, although this process has the privilege to load BPF; the "
				 "kernel or a sandbox around it refuses LSM programs)",
				 strerror(e));
		else
			snprintf(f->lsm_why, sizeof(f->lsm_why),
				 "BPF LSM does not work (loading a test LSM program failed: %s)",
				 strerror(e));
		return;
	}
	int lfd = bpf_raw_tracepoint_open(NULL, fd);
	if (lfd < 0) {
		int e = errno;
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "BPF LSM does not work (attaching a test LSM program to file_open failed: %s)",
			 strerror(e));
		close(fd);
		return;
	}
	close(lfd);
	close(fd);
	f->lsm = true;
	if (!known)
		snprintf(f->lsm_why, sizeof(f->lsm_why),
			 "yes, a test LSM program loads, but whether 'bpf' is an active LSM (so that "
			 "its programs run) is unknown: %s",
			 src);
}

const struct features *feat_get_lsm(struct host *h)
{
	struct features *f = (struct features *)feat_get(h);
	if (f->lsm_probed)
		return f;
	f->lsm_probed = true;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	probe_lsm(h, f);
	libbpf_set_print(old);
	return f;
}

const struct features *feat_get(struct host *h)
{
	if (h->features_probed)
		return &h->features;
	h->features_probed = true;
	struct features *f = &h->features;
	f->privileged = feat_bpf_privileged();
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	f->btf = btf_vmlinux(h) != NULL;
	if (!f->btf)
		snprintf(f->btf_why, sizeof(f->btf_why),
			 "no kernel BTF (loading /sys/kernel/btf/vmlinux failed: %s)",
			 strerror(-btf_vmlinux_err(h)));
	probe_kprobes(f);
	probe_uprobes(f);
	probe_fentry(h, f);
	probe_ringbuf(f);
	probe_xdp(f);
	probe_perf_hw(f);
	probe_lockdown(f);
	libbpf_set_print(old);
	return f;
}

bool feat_kprobe_multi(struct host *h)
{
	return btf_find_record(h, "bpf_kprobe_multi_link", false) > 0;
}

bool feat_has_helper(struct host *h, enum bpf_func_id id)
{
	if ((unsigned)id < HOST_HELPERS && h->helpers[id])
		return h->helpers[id] > 0;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int r = libbpf_probe_bpf_helper(BPF_PROG_TYPE_SOCKET_FILTER, id, NULL);
	libbpf_set_print(old);
	bool yes = r != 0;
	if ((unsigned)id < HOST_HELPERS)
		h->helpers[id] = yes ? 1 : -1;
	return yes;
}

static void line(FILE *out, const char *what, bool ok, const char *yes, const char *no)
{
	fprintf(out, "  %-22s %s\n", what, ok ? yes : no);
}

/* The same answers under the names bpftrace --info gives them, one
 * "name: yes" line each, for scripts (and bpftrace's own tests) that read
 * them: what sonde can use here, "no" for what it has no probe or builtin
 * for (iter, dpath), "unknown" for a check that needs
 * privilege this process lacks. skboutput is fentry's answer: its helper
 * (5.5) is older than any kernel whose fentry programs load. */
static void print_bpftrace_words(struct host *h, const struct features *f, FILE *out)
{
	const char *unknown = "unknown (needs privilege)";
	const char *helper_rk = !f->privileged ? unknown
			       : feat_has_helper(h, BPF_FUNC_probe_read_kernel) ? "yes" : "no";
	const char *helper_sig = !f->privileged ? unknown
				: feat_has_helper(h, BPF_FUNC_send_signal) ? "yes" : "no";
	const char *perf_array = unknown;
	if (f->privileged) {
		libbpf_print_fn_t old = libbpf_set_print(NULL);
		perf_array = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_PERF_EVENT_ARRAY, NULL) > 0
				     ? "yes"
				     : "no";
		libbpf_set_print(old);
	}
	fprintf(out, "\nIn bpftrace --info's words\n");
	/* bounded loops (5.3) come before the ring buffer (5.8) sonde needs */
	fprintf(out, "  Loop support: %s\n", !f->privileged ? unknown : f->ringbuf ? "yes" : "no");
	fprintf(out, "  btf: %s\n", f->btf ? "yes" : "no");
	fprintf(out, "  probe_read_kernel: %s\n", helper_rk);
	fprintf(out, "  send_signal: %s\n", helper_sig);
	fprintf(out, "  dpath: no\n");
	fprintf(out, "  skboutput: %s\n", f->fentry_unknown ? unknown : f->fentry ? "yes" : "no");
	fprintf(out, "  perf_event_array: %s\n", perf_array);
	fprintf(out, "  kprobe: %s\n", f->kprobes ? "yes" : "no");
	fprintf(out, "  kfunc: %s\n", f->fentry_unknown ? unknown : f->fentry ? "yes" : "no");
	fprintf(out, "  kprobe_multi: %s\n", f->kprobes && feat_kprobe_multi(h) ? "yes" : "no");
	fprintf(out, "  iter:task: no\n");
	fprintf(out, "  iter:task_file: no\n");
	/* usdt semaphores are counted by the kernel (ref_ctr_offset) */
	fprintf(out, "  uprobe refcount (depends on Build:bcc bpf_attach_uprobe refcount): %s\n",
		f->uprobes ? "yes" : "no");
	fprintf(out, "  bcc library path resolution: yes\n");
	fprintf(out, "  libdw (DWARF support): yes\n");
}

void feat_print(struct host *h, FILE *out)
{
	const struct features *f = feat_get(h);
	char kv[256] = "unknown";
	FILE *fp = fopen("/proc/sys/kernel/osrelease", "re");
	if (fp) {
		if (fgets(kv, sizeof(kv), fp))
			kv[strcspn(kv, "\n")] = 0;
		fclose(fp);
	}
	fprintf(out, "Kernel: %s\n\nKernel features\n", kv);
	line(out, "BTF:", f->btf, "yes", f->btf_why);
	line(out, "kprobes:", f->kprobes, "yes", f->kprobes_why);
	line(out, "fentry/fexit:", f->fentry, "yes", f->fentry_why);
	line(out, "uprobes:", f->uprobes, "yes", f->uprobes_why);
	line(out, "ring buffer:", f->ringbuf, "yes", f->ringbuf_why);
	line(out, "XDP:", f->xdp, "yes (native mode where the driver has it, generic otherwise)",
	     f->xdp_why);
	line(out, "hardware perf events:", f->perf_hw, "yes", f->perf_hw_why);
	fprintf(out, "  %-22s %s\n", "lockdown:", f->lockdown);
	feat_get_lsm(h);
	line(out, "BPF LSM:", f->lsm, f->lsm_why[0] ? f->lsm_why : "yes", f->lsm_why);
	fprintf(out, "  %-22s %s\n", "active LSMs:", f->lsm_active);

	fprintf(out, "\nWhat this means for probes\n");
	/* straight to the stream: the reasons are long and a line has no limit */
	if (f->kprobes && f->fentry)
		fprintf(out, "  kprobe/kretprobe use kprobes; fentry/fexit use the BPF trampoline\n");
	else if (f->fentry_unknown)
		fprintf(out, "  %s; whether fentry/fexit work is unknown without privilege\n",
			f->kprobes ? "kprobe/kretprobe use kprobes" : f->kprobes_why);
	else if (f->kprobes)
		fprintf(out, "  kprobe/kretprobe use kprobes; fentry/fexit fall back to kprobes (%s)\n",
			f->fentry_why);
	else if (f->fentry)
		fprintf(out, "  kprobe/kretprobe fall back to fentry/fexit (no offsets '+N'); "
			     "fentry/fexit work\n");
	else
		fprintf(out, "  kprobe, kretprobe, fentry and fexit cannot work: %s, and %s\n",
			f->kprobes_why, f->fentry_why);
	fprintf(out, "  %s\n", f->uprobes ? "uprobe, uretprobe and usdt work"
					  : "uprobe, uretprobe and usdt cannot work");
	fprintf(out, "  %s\n", f->btf ? "args.NAME of kernel functions and -lv types come from BTF"
				      : "no args.NAME for kernel functions (no BTF)");
	fprintf(out, "  %s\n", f->perf_hw ? "hardware:EVENT:N works"
					  : "hardware:EVENT:N cannot work; software:, profile: and "
					    "interval: use software clocks and work");
	fprintf(out, "  %s\n", f->lsm ? "lsm:HOOK works, and deny; makes a hook return -EPERM"
				       : "lsm:HOOK cannot work (see BPF LSM above)");
	if (!f->privileged)
		fprintf(out, "  without privilege nothing can be loaded; run --info as root (or with "
			     "CAP_BPF and CAP_PERFMON) for the checks that load BPF\n");
	if (strcmp(f->lockdown, "none") && strcmp(f->lockdown, "unknown"))
		fprintf(out, "  lockdown '%s' may forbid reading kernel memory "
			     "(bpf_probe_read_kernel)\n",
			f->lockdown);
	print_bpftrace_words(h, f, out);
}

static int prog_has_helper(enum bpf_prog_type type, enum bpf_attach_type attach,
			   enum bpf_func_id id);

int feat_section_has_helper(const char *section, enum bpf_func_id id)
{
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
	if (libbpf_prog_type_by_name(section, &type, &attach) || type == BPF_PROG_TYPE_TRACING ||
	    !feat_bpf_privileged())
		return -1;
	/* a wildcard probe asks once per attach point, nearly all of one type */
	static struct {
		enum bpf_prog_type type;
		enum bpf_func_id id;
		int has;
	} seen[8];
	static unsigned nseen;
	for (unsigned i = 0; i < nseen && i < 8; i++)
		if (seen[i].type == type && seen[i].id == id)
			return seen[i].has;
	int has = prog_has_helper(type, attach, id);
	if (has >= 0) {
		unsigned slot = nseen++ % 8;
		seen[slot].type = type;
		seen[slot].id = id;
		seen[slot].has = has;
	}
	return has;
}

static int prog_has_helper(enum bpf_prog_type type, enum bpf_attach_type attach,
			   enum bpf_func_id id)
{
	/* `call id; exit`: the verifier looks the helper up for the program
	 * type before it checks the arguments this program leaves unset.
	 * (libbpf_probe_bpf_helper said yes here for a helper the kernel
	 * refuses to tracepoints with "cannot use helper".) */
	struct bpf_insn insns[] = {
		{.code = BPF_JMP | BPF_CALL, .imm = id},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static char log[4096];
	log[0] = 0;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof log,
		    .log_level = 1, .expected_attach_type = attach);
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int fd = bpf_prog_load(type, "sonde_feat", "GPL", insns, 2, &opts);
	libbpf_set_print(old);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	if (!log[0])
		return -1;
	return !strstr(log, "cannot use helper") && !strstr(log, "invalid func ") &&
	       !strstr(log, "unknown func ");
}

static int kfunc_id_scan(struct host *h, const char *name);

/* the last name asked, as kfunc_allowed asks for each attach point */
int feat_kfunc_id(struct host *h, const char *name)
{
	static char last[128];
	static int last_id;
	if (last[0] && !strcmp(last, name))
		return last_id;
	int id = kfunc_id_scan(h, name);
	if (strlen(name) < sizeof last) {
		snprintf(last, sizeof last, "%s", name);
		last_id = id;
	}
	return id;
}

static int kfunc_id_scan(struct host *h, const char *name)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -1;
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id < 0)
		return -1;
	/* the kernel tags the functions it exports to BPF programs
	 * (__bpf_kfunc) in its BTF when pahole can write decl tags; only then
	 * can a kfunc be told from any other function */
	bool any_tag = false;
	__u32 n = btf__type_cnt(btf);
	for (__u32 i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		if (btf_kind(t) != BTF_KIND_DECL_TAG ||
		    strcmp(btf__name_by_offset(btf, t->name_off), "bpf_kfunc"))
			continue;
		if (t->type == (__u32)id)
			return id;
		any_tag = true;
	}
	return any_tag ? -1 : id;
}

static int kfunc_allowed_for(struct host *h, const char *name, int id, enum bpf_prog_type type,
			     enum bpf_attach_type attach, char *why, size_t size);

int feat_kfunc_allowed(struct host *h, const char *name, const char *section, char *why,
		       size_t size)
{
	int id = feat_kfunc_id(h, name);
	if (id < 0)
		return 0;
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
	if (libbpf_prog_type_by_name(section, &type, &attach)) {
		snprintf(why, size, "the program type of section '%s' is unknown to libbpf", section);
		return -1;
	}
	/* a wildcard probe asks once per attach point, nearly all of one type */
	static struct {
		char name[128];
		enum bpf_prog_type type;
		int allowed;
	} seen[16];
	static unsigned nseen;
	for (unsigned i = 0; i < nseen && i < 16; i++)
		if (seen[i].type == type && !strcmp(seen[i].name, name))
			return seen[i].allowed;
	int allowed = kfunc_allowed_for(h, name, id, type, attach, why, size);
	if (allowed >= 0 && strlen(name) < sizeof seen[0].name) {
		unsigned slot = nseen++ % 16;
		snprintf(seen[slot].name, sizeof seen[slot].name, "%s", name);
		seen[slot].type = type;
		seen[slot].allowed = allowed;
	}
	return allowed;
}

static int kfunc_allowed_for(struct host *h, const char *name, int id, enum bpf_prog_type type,
			     enum bpf_attach_type attach, char *why, size_t size)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	if (type == BPF_PROG_TYPE_TRACING) {
		/* the kfunc sets are per program type, so any fentry target
		 * stands for every tracing program; this one is in every BTF
		 * kernel */
		struct btf *btf = btf_vmlinux(h);
		int target =
		    btf ? btf__find_by_name_kind(btf, "bpf_fentry_test1", BTF_KIND_FUNC) : -1;
		if (target < 0) {
			snprintf(why, size, "there is no fentry target to load a tracing program on");
			return -1;
		}
		opts.expected_attach_type = BPF_TRACE_FENTRY;
		opts.attach_btf_id = (__u32)target;
	} else {
		opts.expected_attach_type = attach;
	}
	/* call the kfunc (src_reg BPF_PSEUDO_KFUNC_CALL, imm its BTF id); exit */
	struct bpf_insn insns[] = {
		{.code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = id},
		{.code = BPF_JMP | BPF_EXIT},
	};
	static char log[65536];
	log[0] = 0;
	opts.log_buf = log;
	opts.log_size = sizeof log;
	opts.log_level = 1;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	int fd = bpf_prog_load(type, "sonde_feat", "GPL", insns, 2, &opts);
	int e = errno;
	libbpf_set_print(old);
	if (fd >= 0) {
		close(fd);
		return 1;
	}
	/* the verifier checks the kfunc's set before the call's arguments,
	 * which this program leaves unset: any other complaint means allowed */
	char refusal[256];
	snprintf(refusal, sizeof refusal, "calling kernel function %s is not allowed", name);
	if (strstr(log, refusal))
		return 0;
	if (!log[0] && (e == EPERM || e == EACCES) && !feat_bpf_privileged()) {
		snprintf(why, size, "asking the verifier loads a BPF program, which needs root, or "
				    "CAP_BPF and CAP_PERFMON");
		return -1;
	}
	if (!log[0]) {
		snprintf(why, size, "the kernel refused the test program before the verifier ran: %s",
			 strerror(e));
		return -1;
	}
	return 1;
}
