/*
 * watchpoint.c - watchpoint:ADDR:LEN:MODE, a hardware breakpoint (a perf
 * event of type PERF_TYPE_BREAKPOINT) on LEN bytes at ADDR: the program runs
 * each time they are read (r), written (w) or executed (x). With -p or -c
 * the address is one of that process's (the event follows it on every
 * CPU); without, the event is opened on every online CPU for any task, so
 * ADDR is a kernel address (or whatever a task has mapped there).
 *
 * The FUNC+argN form bpftrace also has (the address an argument holds when
 * FUNC is entered, which needs a uprobe to arm the breakpoint at run time)
 * is refused with a located error.
 */
#include <bpf/libbpf.h>
#include <errno.h>
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
#include "probes/provider.h"

extern const struct provider provider_watchpoint;

/* x86-64 debug registers cannot watch reads alone, nor execution together
 * with data accesses (Intel SDM vol. 3, 17.2.4). */
static const char *const invalid_modes[] = {"r", "rx", "wx", "rwx", NULL};

/* value: the address; aux: the length; func: the mode, letters sorted. */
static int watchpoint_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *text = spec->u.spec.text;
	char addr[128] = "", len[32] = "", mode[32] = "";
	const char *p = rest ? rest : "";
	const char *c1 = strchr(p, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || !c2 || strchr(c2 + 1, ':') || (size_t)(c1 - p) >= sizeof(addr) ||
	    (size_t)(c2 - c1 - 1) >= sizeof(len) || strlen(c2 + 1) >= sizeof(mode)) {
		diag_error(c->diag, spec->loc,
			   "a watchpoint is written watchpoint:ADDRESS:LENGTH:MODE, got '%s'", text);
		return -1;
	}
	memcpy(addr, p, (size_t)(c1 - p));
	memcpy(len, c1 + 1, (size_t)(c2 - c1 - 1));
	strcpy(mode, c2 + 1);
	if (strchr(addr, '+')) {
		diag_error(c->diag, spec->loc,
			   "watchpoints on a function's argument (FUNC+argN) are not supported; "
			   "write the address itself: watchpoint:ADDRESS:LENGTH:MODE");
		return -1;
	}
	char *end = NULL;
	errno = 0;
	unsigned long long address = addr[0] >= '0' && addr[0] <= '9' ? strtoull(addr, &end, 0) : 0;
	if (!end || *end || errno) {
		diag_error(c->diag, spec->loc, "watchpoint address '%s' is not a number", addr);
		return -1;
	}
	if (!address) {
		diag_error(c->diag, spec->loc, "a watchpoint needs a non-zero address");
		return -1;
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
	struct attach_point ap = {
		.prov = &provider_watchpoint,
		.spec = arena_printf(&c->arena, "watchpoint:0x%llx:%llu:%s", address, length, sorted),
		.func = arena_strdup(&c->arena, sorted),
		.value = address,
		.aux = length,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static const char *watchpoint_section(struct arena *a, const struct attach_point *ap)
{
	return "perf_event";
}

/* Opens the breakpoint for (pid, cpu) and attaches the program; the link
 * owns the event's fd. */
static int open_and_attach(struct bpf_program *prog, struct perf_event_attr *attr, int pid,
			   int cpu, struct rt_attachment *att, char *err, size_t errsz)
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
	return rt_attachment_add_link(att, link);
}

struct on_cpu_args {
	struct bpf_program *prog;
	struct perf_event_attr *attr;
	struct rt_attachment *att;
	char *err;
	size_t errsz;
};

static int open_on_cpu(int cpu, void *arg)
{
	struct on_cpu_args *a = arg;
	return open_and_attach(a->prog, a->attr, -1, cpu, a->att, a->err, a->errsz);
}

static int watchpoint_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			     struct rt_attachment *att, char *err, size_t errsz)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_BREAKPOINT,
		.size = sizeof(attr),
		.bp_type = HW_BREAKPOINT_EMPTY,
		.bp_addr = pd->value,
		.bp_len = pd->aux,
		.sample_period = 1, /* every access */
	};
	for (const char *m = pd->func; *m; m++)
		attr.bp_type |= *m == 'r' ? HW_BREAKPOINT_R : *m == 'w' ? HW_BREAKPOINT_W
									: HW_BREAKPOINT_X;
	if (h->target_pid > 0)
		return open_and_attach(prog, &attr, h->target_pid, -1, att, err, errsz);

	struct on_cpu_args a = {prog, &attr, att, err, errsz};
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
