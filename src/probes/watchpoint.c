/*
 * watchpoint.c - watchpoint:ADDR:LEN:MODE, a hardware breakpoint (a perf
 * event of type PERF_TYPE_BREAKPOINT) on LEN bytes at ADDR: the program runs
 * each time they are read (r), written (w) or executed (x). With -p or -c
 * the address is one of that process's (the event follows it on every
 * CPU); without, the event is opened on every online CPU for any task, so
 * ADDR is a kernel address (or whatever a task has mapped there).
 *
 * watchpoint:FUNC+argN:LEN:MODE (bpftrace 0.17's second form, -p or -c
 * only): the address is the one argument N holds each time FUNC (a
 * function of the process's executable, wildcards allowed) is entered. A
 * small program of sonde's own, assembled here (no script code in it), is
 * attached as a uprobe on FUNC: it writes argN into a ring buffer of its
 * own and stops the process (SIGSTOP); sonde, reading that ring buffer in
 * its run loop, opens the breakpoint there, attaches the probe's program to
 * it and continues the process (SIGCONT), so no access is missed.
 * asyncwatchpoint is the same without stopping the process. unwatch(ADDR)
 * in any probe removes the breakpoints on ADDR.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compile.h"
#include "kernel/cpus.h"
#include "kernel/host.h"
#include "kernel/symbols.h"
#include "probes/provider.h"
#include "probes/uprobe.h"

extern const struct provider provider_watchpoint;
extern const struct provider provider_asyncwatchpoint;

/* aux: the length, and for the FUNC+argN form the argument's index and
 * whether the process runs on while the breakpoint is opened */
enum { AUX_LEN_MASK = 0xff, AUX_ARG_SHIFT = 8, AUX_ASYNC = 1 << 16 };

/* x86-64 user registers of the first six integer arguments, as offsets
 * into struct pt_regs (arch/x86/include/asm/ptrace.h): di, si, dx, cx,
 * r8, r9 */
static const int arg_reg_offsets[] = {14 * 8, 13 * 8, 12 * 8, 11 * 8, 9 * 8, 8 * 8};
enum { MAX_ARG = sizeof(arg_reg_offsets) / sizeof(arg_reg_offsets[0]) - 1 };

/* The executable of -p's process or -c's command, where FUNC is looked
 * up; reports an error when there is none. */
static int func_form_binary(struct compilation *c, struct node *spec, char **path,
			    const char **shown)
{
	if (c->opts && c->opts->child_path) {
		*shown = c->opts->child_path;
		return uprobe_resolve(c, spec, c->opts->child_path, path);
	}
	if (c->host->target_pid > 0) {
		char link[64], buf[PATH_MAX];
		snprintf(link, sizeof(link), "/proc/%d/exe", c->host->target_pid);
		ssize_t n = readlink(link, buf, sizeof(buf) - 1);
		if (n <= 0) {
			diag_error(c->diag, spec->loc, "%s: cannot read %s: %s", spec->u.spec.text,
				   link, strerror(errno));
			return -1;
		}
		buf[n] = 0;
		*shown = arena_strdup(&c->arena, buf);
		return uprobe_resolve(c, spec, buf, path);
	}
	diag_error(c->diag, spec->loc,
		   "'%s' watches an argument of a function of a process: it needs -p PID or "
		   "-c CMD, whose executable has the function",
		   spec->u.spec.text);
	return -1;
}

/* FUNC+argN: one attach point per function of the executable matching
 * FUNC; target: the executable, value: the function's file offset. Its
 * name, as bpftrace's `probe` has it: the executable as -c gave it (or
 * -p's /proc/PID/exe), the function, N unless it is 0, length and mode
 * (watchpoint:./prog:increment:1:4:w for increment+arg1). */
static int expand_func_form(struct compilation *c, struct node *spec, const struct provider *prov,
			    const char *addr, unsigned long long length, const char *mode)
{
	const char *plus = strchr(addr, '+');
	char *func = arena_strndup(&c->arena, addr, (size_t)(plus - addr));
	const char *arg = plus + 1;
	char *end = NULL;
	long n = -1;
	if (!strncmp(arg, "arg", 3) && arg[3] >= '0' && arg[3] <= '9')
		n = strtol(arg + 3, &end, 10);
	if (!*func || n < 0 || !end || *end) {
		diag_error(c->diag, spec->loc,
			   "a watchpoint on an argument is written FUNCTION+argN, got '%s'", addr);
		return -1;
	}
	if (n > MAX_ARG) {
		diag_error(c->diag, spec->loc,
			   "a watchpoint can watch arg0 to arg%d (the arguments passed in registers), "
			   "got arg%ld",
			   MAX_ARG, n);
		return -1;
	}
	char *path;
	const char *shown;
	if (func_form_binary(c, spec, &path, &shown))
		return -1;
	const struct sym_elf_func *funcs;
	int nf = sym_elf_funcs(c->host, path, func, &funcs);
	if (nf < 0) {
		diag_error(c->diag, spec->loc, "%s: cannot read the functions of %s: %s",
			   spec->u.spec.text, path, strerror(-nf));
		return -1;
	}
	if (nf == 0) {
		diag_error(c->diag, spec->loc, "%s: %s has no function matching '%s'",
			   spec->u.spec.text, path, func);
		return -1;
	}
	for (int i = 0; i < nf; i++) {
		struct attach_point ap = {
			.prov = prov,
			.spec = n ? arena_printf(&c->arena, "%s:%s:%s:%ld:%llu:%s", prov->name, shown,
						 funcs[i].name, n, length, mode)
				  : arena_printf(&c->arena, "%s:%s:%s:%llu:%s", prov->name, shown,
						 funcs[i].name, length, mode),
			.target = path,
			.func = arena_strdup(&c->arena, mode),
			.value = funcs[i].offset,
			.aux = length | (uint64_t)n << AUX_ARG_SHIFT |
			       (prov == &provider_asyncwatchpoint ? AUX_ASYNC : 0),
			.loc = spec->loc,
		};
		sema_add_attach_point(c, &ap);
	}
	return 0;
}

/* x86-64 debug registers cannot watch reads alone, nor execution together
 * with data accesses (Intel SDM vol. 3, 17.2.4). */
static const char *const invalid_modes[] = {"r", "rx", "wx", "rwx", NULL};

/* value: the address; aux: the length; func: the mode, letters sorted. */
static int expand(struct compilation *c, struct node *spec, const char *rest,
		  const struct provider *prov)
{
	const char *text = spec->u.spec.text;
	char addr[128] = "", len[32] = "", mode[32] = "";
	const char *p = rest ? rest : "";
	const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ':') || (size_t)(c1 - p) >= sizeof(addr) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(len) || strlen(c2 + 1) >= sizeof(mode)) {
		diag_error(c->diag, spec->loc,
			   "a watchpoint is written %s:ADDRESS:LENGTH:MODE or %s:FUNCTION+argN:LENGTH:MODE, got '%s'",
			   prov->name, prov->name, text);
		return -1;
	}
	memcpy(addr, p, (size_t)(c1 - p));
	memcpy(len, c1 + 1, (size_t)(c2 - c1 - 1));
	strcpy(mode, c2 + 1);
	bool func_form = strchr(addr, '+') != NULL;
	char *end = NULL;
	errno = 0;
	unsigned long long address = 0;
	if (!func_form) {
		address = addr[0] >= '0' && addr[0] <= '9' ? strtoull(addr, &end, 0) : 0;
		if (!end || *end || errno) {
			diag_error(c->diag, spec->loc,
				   "watchpoint address '%s' is not a number (nor FUNCTION+argN)", addr);
			return -1;
		}
		if (!address) {
			diag_error(c->diag, spec->loc, "a watchpoint needs a non-zero address");
			return -1;
		}
	}
	end = NULL;
	unsigned long long length = len[0] >= '0' && len[0] <= '9' ? strtoull(len, &end, 10) : 0;
	if (!end || *end || (length != 1 && length != 2 && length != 4 && length != 8)) {
		diag_error(c->diag, spec->loc, "watchpoint length must be 1, 2, 4 or 8, got '%s'", len);
		return -1;
	}
	/* the letters sorted, each once: "wr" is "rw" */
	bool has[3] = {false, false, false};
	for (const char *m = mode; *m; m++) {
		const char *at = strchr("rwx", *m);
		if (!at) {
			diag_error(c->diag, spec->loc,
				   "watchpoint mode must be made of r, w and x, got '%s'", mode);
			return -1;
		}
		if (has[at - "rwx"]) {
			diag_error(c->diag, spec->loc, "watchpoint mode '%s' repeats '%c'", mode, *m);
			return -1;
		}
		has[at - "rwx"] = true;
	}
	char sorted[4];
	size_t n = 0;
	for (int i = 0; i < 3; i++)
		if (has[i])
			sorted[n++] = "rwx"[i];
	sorted[n] = 0;
	if (!n) {
		diag_error(c->diag, spec->loc,
			   "watchpoint mode must be made of r, w and x, got '%s'", mode);
		return -1;
	}
	for (int i = 0; invalid_modes[i]; i++)
		if (!strcmp(invalid_modes[i], sorted)) {
			diag_error(c->diag, spec->loc,
				   "this CPU cannot watch with mode '%s' (it has w, rw and x)", mode);
			return -1;
		}
	/* the kernel refuses an execute breakpoint of any other length */
	if (!strcmp(sorted, "x") && length != sizeof(long)) {
		diag_error(c->diag, spec->loc, "an execute watchpoint (mode x) needs length %zu, got %llu",
			   sizeof(long), length);
		return -1;
	}
	if (func_form)
		return expand_func_form(c, spec, prov, addr, length, sorted);
	struct attach_point ap = {
		.prov = prov,
		.spec = arena_printf(&c->arena, "%s:0x%llx:%llu:%s", prov->name, address, length,
				     sorted),
		.func = arena_strdup(&c->arena, sorted),
		.value = address,
		.aux = length,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static int watchpoint_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return expand(c, spec, rest, &provider_watchpoint);
}

static int asyncwatchpoint_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return expand(c, spec, rest, &provider_asyncwatchpoint);
}

static const char *watchpoint_section(struct arena *a, const struct attach_point *ap)
{
	return "perf_event";
}

static void breakpoint_attr(const struct probe_desc *pd, uint64_t addr, struct perf_event_attr *attr)
{
	*attr = (struct perf_event_attr){
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(*attr),
		.bp_type = HW_BREAKPOINT_EMPTY,
		.bp_addr = addr,
		.bp_len = pd->aux & AUX_LEN_MASK,
		.sample_period = 1, /* every access */
	};
	for (const char *m = pd->func; *m; m++)
		attr->bp_type |= *m == 'r' ? HW_BREAKPOINT_R : *m == 'w' ? HW_BREAKPOINT_W
									 : HW_BREAKPOINT_X;
}

/* ---- FUNC+argN: armed at run time ---------------------------------------- */

/* One FUNC+argN attach point while it runs: its arming uprobe, and the
 * breakpoints opened so far, each with its address. */
struct armed {
	const struct probe_desc *pd;
	struct bpf_program *prog; /* the probe's own program, run on each access */
	int pid;
	int rb_fd, prog_fd, uprobe_fd;
	struct ring_buffer *rb;
	uint64_t last_addr; /* the last address armed: the same again is skipped */
	struct bpf_link **links;
	uint64_t *addrs;
	size_t nlinks, cap;
};

static void armed_free(void *arg)
{
	struct armed *a = arg;
	for (size_t i = 0; i < a->nlinks; i++)
		bpf_link__destroy(a->links[i]);
	if (a->uprobe_fd >= 0) {
		close(a->uprobe_fd);
		/* the arming program may have stopped the process after the
		 * last record sonde read: nothing will continue it but this */
		if (!(a->pd->aux & AUX_ASYNC))
			kill(a->pid, SIGCONT);
	}
	ring_buffer__free(a->rb);
	if (a->prog_fd >= 0)
		close(a->prog_fd);
	if (a->rb_fd >= 0)
		close(a->rb_fd);
	free(a->links);
	free(a->addrs);
	free(a);
}

/* Keeps a breakpoint's link with its address; destroys it when out of
 * memory. */
static int armed_add(struct armed *a, struct bpf_link *link, uint64_t addr)
{
	if (a->nlinks == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 8;
		struct bpf_link **l = realloc(a->links, cap * sizeof(*l));
		if (l)
			a->links = l;
		uint64_t *ad = l ? realloc(a->addrs, cap * sizeof(*ad)) : NULL;
		if (ad)
			a->addrs = ad;
		if (!l || !ad) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		a->cap = cap;
	}
	a->links[a->nlinks] = link;
	a->addrs[a->nlinks++] = addr;
	return 0;
}

/* One record of the arming program: the address argN held. */
static int armed_record(void *ctx, void *data, size_t size)
{
	struct armed *a = ctx;
	uint64_t addr;
	if (size < sizeof(addr))
		return 0;
	memcpy(&addr, data, sizeof(addr));
	if (addr != a->last_addr) {
		a->last_addr = addr;
		struct perf_event_attr attr;
		breakpoint_attr(a->pd, addr, &attr);
		int fd = (int)syscall(SYS_perf_event_open, &attr, a->pid, -1, -1,
				      PERF_FLAG_FD_CLOEXEC);
		struct bpf_link *link = NULL;
		if (fd < 0 && errno == ENOSPC)
			fprintf(stderr,
				"sonde: %s: failed to attach watchpoint probe at 0x%llx. You are out of "
				"watchpoint registers.\n",
				a->pd->spec, (unsigned long long)addr);
		else if (fd < 0)
			fprintf(stderr, "sonde: %s: perf_event_open(breakpoint at 0x%llx) failed: %s\n",
				a->pd->spec, (unsigned long long)addr, strerror(errno));
		else if (!(link = bpf_program__attach_perf_event(a->prog, fd))) {
			fprintf(stderr, "sonde: %s: attaching to the breakpoint at 0x%llx failed: %s\n",
				a->pd->spec, (unsigned long long)addr, strerror(errno));
			close(fd);
		} else if (armed_add(a, link, addr)) {
			fprintf(stderr, "sonde: %s: out of memory\n", a->pd->spec);
		}
	}
	/* the arming program stopped the process: the breakpoint is in place */
	if (!(a->pd->aux & AUX_ASYNC) && kill(a->pid, SIGCONT))
		fprintf(stderr, "sonde: %s: cannot continue process %d: %s\n", a->pd->spec, a->pid,
			strerror(errno));
	return 0;
}

static bool armed_ready(void *arg)
{
	struct armed *a = arg;
	ring_buffer__consume(a->rb);
	return false;
}

/* unwatch(addr): every breakpoint of this attach point on addr */
static void armed_unwatch(void *arg, uint64_t addr)
{
	struct armed *a = arg;
	size_t kept = 0;
	for (size_t i = 0; i < a->nlinks; i++) {
		if (a->addrs[i] == addr) {
			bpf_link__destroy(a->links[i]);
			continue;
		}
		a->links[kept] = a->links[i];
		a->addrs[kept++] = a->addrs[i];
	}
	a->nlinks = kept;
}

#define INSN(CODE, DST, SRC, OFF, IMM)                                                          \
	((struct bpf_insn){.code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF),     \
			   .imm = (IMM)})

/* The arming program (a kprobe-type program on a uprobe): SIGSTOP to the
 * process unless async, then argN into the ring buffer, woken at once.
 * The stop is queued first because sonde answers the record with SIGCONT:
 * a SIGCONT that came before the SIGSTOP was queued would leave the
 * process stopped for good, while one that comes after it either discards
 * the pending stop or ends it, the breakpoint being in place either way. */
static int arming_program(const struct probe_desc *pd, int rb_fd, char *err, size_t errsz)
{
	int arg = (int)((pd->aux >> AUX_ARG_SHIFT) & 0xff);
	struct bpf_insn insns[16];
	size_t n = 0;
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_1, arg_reg_offsets[arg], 0);
	insns[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_10, BPF_REG_2, -8, 0);
	if (!(pd->aux & AUX_ASYNC)) {
		insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, SIGSTOP);
		insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_send_signal);
	}
	insns[n++] = INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, rb_fd);
	insns[n++] = INSN(0, 0, 0, 0, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -8);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, 8);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_4, 0, 0, BPF_RB_FORCE_WAKEUP);
	insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	insns[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log, .log_size = sizeof(log),
		    .log_level = 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_KPROBE, "sonde_wp_arm", "GPL", insns, n, &opts);
	if (fd < 0) {
		int e = -errno;
		snprintf(err, errsz, "loading the program that arms the watchpoint failed: %s",
			 strerror(-e));
		return e;
	}
	return fd;
}

/* The uprobe PMU's type (perf_event_open(2)). */
static int uprobe_pmu_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "re");
	int type = -1;
	if (f) {
		if (fscanf(f, "%d", &type) != 1)
			type = -1;
		fclose(f);
	}
	return type;
}

/* Opens the breakpoint for (pid, cpu) and attaches the program; the link
 * owns the event's fd, `att` the link. */
static int open_and_attach(struct bpf_program *prog, struct perf_event_attr *attr, int pid,
			   int cpu, struct armed *att, char *err, size_t errsz)
{
	int fd = (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		if (e == -ENOSPC)
			snprintf(err, errsz, "no hardware breakpoint register is left");
		else
			snprintf(err, errsz, "perf_event_open(breakpoint at 0x%llx) failed: %s",
				 (unsigned long long)attr->bp_addr, strerror(-e));
		return e;
	}
	struct bpf_link *link = bpf_program__attach_perf_event(prog, fd);
	if (!link) {
		int e = -errno;
		close(fd);
		snprintf(err, errsz, "attaching to the breakpoint failed: %s", strerror(-e));
		return e;
	}
	return armed_add(att, link, attr->bp_addr);
}

struct on_cpu_args {
	struct bpf_program *prog;
	struct perf_event_attr *attr;
	struct armed *att;
	char *err;
	size_t errsz;
};

static int open_on_cpu(int cpu, void *arg)
{
	struct on_cpu_args *a = arg;
	return open_and_attach(a->prog, a->attr, -1, cpu, a->att, a->err, a->errsz);
}

/* The bookkeeping of one attach point, freed by `att`'s cleanup. */
static struct armed *armed_new(struct rt_attachment *att, const struct probe_desc *pd,
			       struct bpf_program *prog, int pid)
{
	struct armed *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	*a = (struct armed){.pd = pd, .prog = prog, .pid = pid, .rb_fd = -1, .prog_fd = -1,
			    .uprobe_fd = -1};
	if (rt_attachment_add_cleanup(att, armed_free, a))
		return NULL;
	return a;
}

static int attach_func_form(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			    struct rt_attachment *att, char *err, size_t errsz)
{
	if (h->target_pid <= 0) {
		snprintf(err, errsz, "watching a function's argument needs -p or -c");
		return -EINVAL;
	}
	struct armed *a = armed_new(att, pd, prog, h->target_pid);
	if (!a)
		return -ENOMEM;
	int rc;
	a->rb_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "sonde_wp_arm", 0, 0, 4 * 4096, NULL);
	if (a->rb_fd < 0) {
		rc = -errno;
		snprintf(err, errsz, "creating the watchpoint's ring buffer failed: %s", strerror(-rc));
		return rc;
	}
	a->prog_fd = arming_program(pd, a->rb_fd, err, errsz);
	if (a->prog_fd < 0)
		return a->prog_fd;
	a->rb = ring_buffer__new(a->rb_fd, armed_record, a, NULL);
	if (!a->rb) {
		rc = -errno;
		snprintf(err, errsz, "reading the watchpoint's ring buffer failed: %s", strerror(-rc));
		return rc;
	}
	int type = uprobe_pmu_type();
	if (type < 0) {
		snprintf(err, errsz, "this kernel has no uprobe PMU "
				     "(/sys/bus/event_source/devices/uprobe/type)");
		return -ENOENT;
	}
	struct perf_event_attr attr = {
		.type = (uint32_t)type,
		.size = sizeof(attr),
		.config1 = (uint64_t)(uintptr_t)pd->target,
		.config2 = pd->value,
	};
	a->uprobe_fd = (int)syscall(SYS_perf_event_open, &attr, a->pid, -1, -1,
				    PERF_FLAG_FD_CLOEXEC);
	if (a->uprobe_fd < 0) {
		rc = -errno;
		snprintf(err, errsz, "opening a uprobe in %s at offset 0x%llx failed: %s", pd->target,
			 (unsigned long long)pd->value, strerror(-rc));
		return rc;
	}
	if (ioctl(a->uprobe_fd, PERF_EVENT_IOC_SET_BPF, a->prog_fd) ||
	    ioctl(a->uprobe_fd, PERF_EVENT_IOC_ENABLE, 0)) {
		rc = -errno;
		snprintf(err, errsz, "attaching the program that arms the watchpoint failed: %s",
			 strerror(-rc));
		return rc;
	}
	struct rt_watcher w = {.fd = ring_buffer__epoll_fd(a->rb), .ready = armed_ready,
			       .unwatch = armed_unwatch, .arg = a};
	return rt_attachment_add_watcher(att, &w);
}

static int watchpoint_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			     struct rt_attachment *att, char *err, size_t errsz)
{
	if (pd->target)
		return attach_func_form(h, pd, prog, att, err, errsz);
	struct armed *wp = armed_new(att, pd, prog, h->target_pid);
	if (!wp)
		return -ENOMEM;
	struct rt_watcher w = {.fd = -1, .unwatch = armed_unwatch, .arg = wp};
	int rc = rt_attachment_add_watcher(att, &w);
	if (rc)
		return rc;
	struct perf_event_attr attr;
	breakpoint_attr(pd, pd->value, &attr);
	if (h->target_pid > 0)
		return open_and_attach(prog, &attr, h->target_pid, -1, wp, err, errsz);

	struct on_cpu_args a = {prog, &attr, wp, err, errsz};
	return cpus_each_online(open_on_cpu, &a, err, errsz);
}

const struct provider provider_watchpoint = {
	.name = "watchpoint",
	.form = SPEC_FIELDS,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_STACK | CTX_HAS_USER,
	.expand = watchpoint_expand,
	.section = watchpoint_section,
	.attach = watchpoint_attach,
};

const struct provider provider_asyncwatchpoint = {
	.name = "asyncwatchpoint",
	.form = SPEC_FIELDS,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_STACK | CTX_HAS_USER,
	.expand = asyncwatchpoint_expand,
	.section = watchpoint_section,
	.attach = watchpoint_attach,
};
