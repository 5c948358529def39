/*
 * perf.c - timer probes on perf software events: interval:UNIT:N fires
 * on one CPU every N units; profile:UNIT:N fires on every CPU (UNIT hz
 * means N times a second); interval:1s, interval:100ms, profile:10ms
 * (bpftrace 0.26) give the period as a duration. Both use the cpu-clock software event, which
 * exists even where the CPU has no PMU.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compile.h"
#include "front/intlit.h"
#include "kernel/cpus.h"
#include "kernel/features.h"
#include "probes/provider.h"
#include "runtime/runtime.h"

extern const struct provider provider_interval, provider_profile, provider_software,
	provider_hardware;

static const char *const interval_aliases[] = {"i", NULL};
static const char *const profile_aliases[] = {"p", NULL};

/* kernel.perf_event_max_sample_rate, or 0 when it cannot be read. */
static unsigned long long max_sample_rate(void)
{
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_sample_rate", "r");
	unsigned long long rate = 0;
	if (f) {
		if (fscanf(f, "%llu", &rate) != 1)
			rate = 0;
		fclose(f);
	}
	return rate;
}

/* interval:COUNT and profile:COUNT (bpftrace 0.26): COUNT nanoseconds,
 * or a duration, written as the language's integer literals (front/intlit.c:
 * ns us ms s m h d; u l ul ll ull are plain numbers), at least
 * 1us, as bpftrace takes it: the period in whole microseconds. */
static int timer_expand_count(struct compilation *c, struct node *spec, const char *rest,
			      const struct provider *prov)
{
	uint64_t ns = 0;
	switch (intlit_parse(rest, strlen(rest), INTLIT_TYPE_SUFFIX, &ns, NULL)) {
	case INTLIT_INVALID:
		diag_error(c->diag, spec->loc,
			   "%s probes are written %s:UNIT:N with UNIT one of s, ms, us, hz, or "
			   "%s:DURATION (1s, 100ms, or nanoseconds), got '%s'",
			   prov->name, prov->name, prov->name, spec->u.spec.text);
		return -1;
	case INTLIT_OVERFLOW:
		diag_error(c->diag, spec->loc, "the period of '%s' is too long", spec->u.spec.text);
		return -1;
	case INTLIT_OK:
		break;
	}
	if (ns > INT64_MAX) {
		diag_error(c->diag, spec->loc, "the period of '%s' is too long", spec->u.spec.text);
		return -1;
	}
	if (ns < 1000) {
		diag_error(c->diag, spec->loc,
			   "the period of '%s' is %llu ns; the shortest is 1us (1000 ns)",
			   spec->u.spec.text, (unsigned long long)ns);
		return -1;
	}
	uint64_t us = ns / 1000;
	struct attach_point ap = {
		.prov = prov,
		.spec = arena_printf(&c->arena, "%s:us:%llu", prov->name, (unsigned long long)us),
		.target = "us",
		.func = "period",
		.value = us * 1000,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

/* value: period in ns, or frequency in hz with func "hz" */
static int timer_expand(struct compilation *c, struct node *spec, const char *rest,
			const struct provider *prov)
{
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (rest && !colon && *rest >= '0' && *rest <= '9')
		return timer_expand_count(c, spec, rest, prov);
	const char *unit = NULL;
	char unitbuf[8];
	const char *num = rest;
	if (colon) {
		size_t len = (size_t)(colon - rest);
		if (len >= sizeof(unitbuf))
			len = sizeof(unitbuf) - 1;
		memcpy(unitbuf, rest, len);
		unitbuf[len] = 0;
		unit = unitbuf;
		num = colon + 1;
	}
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {{"s", 1000000000ull}, {"ms", 1000000ull}, {"us", 1000ull}, {"hz", 0}};
	int u = -1;
	for (int i = 0; unit && i < 4; i++)
		if (!strcmp(units[i].unit, unit))
			u = i;
	char *end = NULL;
	/* strtoull would take "-5" as a huge number */
	unsigned long long n = num && *num >= '0' && *num <= '9' ? strtoull(num, &end, 10) : 0;
	if (u < 0 || !end || *end || n == 0) {
		diag_error(c->diag, spec->loc,
			   "%s probes are written %s:UNIT:N with UNIT one of s, ms, us, hz and "
			   "N > 0, got '%s'",
			   prov->name, prov->name, spec->u.spec.text);
		return -1;
	}
	/* perf_event_open refuses a sample period with bit 63 set, and a
	 * frequency over the kernel.perf_event_max_sample_rate sysctl: both
	 * would pass here and fail only at attach time */
	if (units[u].ns && n > INT64_MAX / units[u].ns) {
		diag_error(c->diag, spec->loc, "the period of '%s' is too long", spec->u.spec.text);
		return -1;
	}
	unsigned long long max_hz = max_sample_rate();
	if (!units[u].ns && max_hz && n > max_hz) {
		diag_error(c->diag, spec->loc,
			   "'%s' is more often than this kernel samples: at most %llu hz "
			   "(kernel.perf_event_max_sample_rate)",
			   spec->u.spec.text, max_hz);
		return -1;
	}
	struct attach_point ap = {
		.prov = prov,
		.spec = arena_printf(&c->arena, "%s:%s:%llu", prov->name, unit, n),
		.target = arena_strdup(&c->arena, unit),
		.func = units[u].ns ? "period" : "hz",
		.value = units[u].ns ? n * units[u].ns : n,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static int interval_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return timer_expand(c, spec, rest, &provider_interval);
}

static int profile_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return timer_expand(c, spec, rest, &provider_profile);
}

static const char *perf_section(struct arena *a, const struct attach_point *ap)
{
	return "perf_event";
}

/* The cpu-clock event of a timer probe: a period in ns, or a frequency. */
static struct perf_event_attr clock_attr(const struct probe_desc *pd)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_CPU_CLOCK,
	};
	if (!strcmp(pd->func, "hz")) {
		attr.freq = 1;
		attr.sample_freq = pd->value;
	} else {
		attr.sample_period = pd->value;
	}
	return attr;
}

/* Opens the event `attr` (named `what` in errors) on `cpu` and attaches the
 * program to it; the link owns the event's fd and closes it on destroy. */
static int attach_on(struct bpf_program *prog, struct perf_event_attr *attr, const char *what,
		     int cpu, struct rt_attachment *att, char *err, size_t errsz)
{
	int fd = (int)syscall(SYS_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int e = -errno;
		snprintf(err, errsz, "perf_event_open(%s) on CPU %d failed: %s", what, cpu,
			 strerror(-e));
		return e;
	}
	struct bpf_link *link = bpf_program__attach_perf_event(prog, fd);
	if (!link) {
		int e = -errno;
		close(fd);
		snprintf(err, errsz, "attaching to the perf event failed: %s", strerror(-e));
		return e;
	}
	return rt_attachment_add_link(att, link);
}

struct attach_on_args {
	struct bpf_program *prog;
	struct perf_event_attr *attr;
	const char *what;
	struct rt_attachment *att;
	char *err;
	size_t errsz;
};

static int attach_on_cpu(int cpu, void *arg)
{
	struct attach_on_args *a = arg;
	return attach_on(a->prog, a->attr, a->what, cpu, a->att, a->err, a->errsz);
}

/* attach_on() for every online CPU. */
static int attach_online(struct bpf_program *prog, struct perf_event_attr *attr,
			 const char *what, struct rt_attachment *att, char *err, size_t errsz)
{
	struct attach_on_args a = {prog, attr, what, att, err, errsz};
	return cpus_each_online(attach_on_cpu, &a, err, errsz);
}

static int interval_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			   struct rt_attachment *att, char *err, size_t errsz)
{
	struct perf_event_attr attr = clock_attr(pd);
	return attach_on(prog, &attr, "cpu-clock", 0, att, err, errsz);
}

static int profile_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			  struct rt_attachment *att, char *err, size_t errsz)
{
	struct perf_event_attr attr = clock_attr(pd);
	return attach_online(prog, &attr, "cpu-clock", att, err, errsz);
}

const struct provider provider_interval = {
	.name = "interval",
	.aliases = interval_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_STACK | CTX_HAS_USER, /* the interrupted task, as in bpftrace */
	.expand = interval_expand,
	.section = perf_section,
	.attach = interval_attach,
};

const struct provider provider_profile = {
	.name = "profile",
	.aliases = profile_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_STACK | CTX_HAS_USER,
	.expand = profile_expand,
	.section = perf_section,
	.attach = profile_attach,
};

/* ---- software:EVENT[:COUNT] and hardware:EVENT[:COUNT] ------------------- */

/* The event names perf and bpftrace use, with their aliases. */
struct perf_event_name {
	const char *name, *alias;
	uint64_t config;
	uint64_t default_period;
};

static const struct perf_event_name software_events[] = {
	{"cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000},
	{"task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000},
	{"page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100},
	{"context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000},
	{"cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1},
	{"minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100},
	{"major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1},
	{"alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1},
	{"emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1},
	{"dummy", NULL, PERF_COUNT_SW_DUMMY, 1},
	{"bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1},
	{NULL, NULL, 0, 0},
};

static const struct perf_event_name hardware_events[] = {
	{"cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000},
	{"instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000},
	{"cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000},
	{"cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000},
	{"branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000},
	{"branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000},
	{"bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000},
	{"frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000},
	{"backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000},
	{"ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000},
	{NULL, NULL, 0, 0},
};

/* target: the event name; value: the sample period; func: the config as
 * a decimal string (the runtime has no compiler tables). */
static int perf_event_expand(struct compilation *c, struct node *spec, const char *rest,
			     const struct provider *prov, const struct perf_event_name *table)
{
	bool hw = prov == &provider_hardware;
	char name[64] = "";
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (rest)
		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest),
			 rest);
	const struct perf_event_name *ev = NULL;
	for (int i = 0; table[i].name && !ev; i++)
		if (!strcmp(table[i].name, name) || (table[i].alias && !strcmp(table[i].alias, name)))
			ev = &table[i];
	if (!ev) {
		diag_error(c->diag, spec->loc, "unknown %s event '%s'", prov->name, name);
		const char *cands[32];
		int n = 0;
		for (int i = 0; table[i].name && n < 32; i++)
			cands[n++] = table[i].name;
		const char *near = diag_closest(name, cands, n);
		if (near)
			diag_note(c->diag, (struct loc){0}, "did you mean '%s:%s'?", prov->name, near);
		return -1;
	}
	uint64_t period = ev->default_period;
	if (colon && colon[1]) {
		char *end;
		period = strtoull(colon + 1, &end, 10);
		/* perf_event_open refuses a period with bit 63 set */
		if (*end || !period || period > INT64_MAX) {
			diag_error(c->diag, spec->loc,
				   "%s:EVENT:COUNT needs a COUNT from 1 to %lld, got '%s'", prov->name,
				   (long long)INT64_MAX, colon + 1);
			return -1;
		}
	}
	if (hw) {
		const struct features *f = feat_get(c->host);
		if (!f->perf_hw) {
			diag_error(c->diag, spec->loc, "%s: %s", spec->u.spec.text, f->perf_hw_why);
			diag_note(c->diag, (struct loc){0},
				  "software events (software:cpu-clock:N, profile:hz:N) work "
				  "without a PMU");
			return -1;
		}
	}
	struct attach_point ap = {
		.prov = prov,
		.spec = arena_printf(&c->arena, "%s:%s:%llu", prov->name, ev->name,
				     (unsigned long long)period),
		.target = ev->name,
		.func = arena_printf(&c->arena, "%llu", (unsigned long long)ev->config),
		.value = period,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static int software_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return perf_event_expand(c, spec, rest, &provider_software, software_events);
}

static int hardware_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return perf_event_expand(c, spec, rest, &provider_hardware, hardware_events);
}

static int perf_event_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			     struct rt_attachment *att, char *err, size_t errsz)
{
	bool hw = !strcmp(pd->provider, "hardware");
	struct perf_event_attr attr = {
		.type = hw ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = strtoull(pd->func, NULL, 10),
		.sample_period = pd->value,
	};
	return attach_online(prog, &attr, pd->target, att, err, errsz);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* -l software:GLOB, hardware:GLOB: the event names (not their aliases),
 * sorted, written as specs with an empty count ("software:cpu-clock:"). */
static int perf_event_list(struct probe_lister *l, const char *rest, const struct provider *prov,
			   const struct perf_event_name *table)
{
	/* the event is the first component; the count after it is ignored */
	char glob[256] = "*";
	if (rest && strcspn(rest, ":"))
		snprintf(glob, sizeof(glob), "%.*s", (int)strcspn(rest, ":"), rest);
	const char *names[32];
	size_t n = 0;
	for (; table[n].name && n < sizeof(names) / sizeof(names[0]); n++)
		names[n] = table[n].name;
	qsort(names, n, sizeof(names[0]), cmp_name);
	for (size_t i = 0; i < n; i++) {
		char line[128];
		snprintf(line, sizeof(line), "%s:%s:", prov->name, names[i]);
		if (!fnmatch(glob, names[i], 0))
			probe_list_line(l, line);
	}
	return EXIT_OK;
}

static int software_list(struct probe_lister *l, const char *rest)
{
	return perf_event_list(l, rest, &provider_software, software_events);
}

static int hardware_list(struct probe_lister *l, const char *rest)
{
	return perf_event_list(l, rest, &provider_hardware, hardware_events);
}

static const char *const software_aliases[] = {"s", NULL};
static const char *const hardware_aliases[] = {"h", NULL};

const struct provider provider_software = {
	.name = "software",
	.aliases = software_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_STACK | CTX_HAS_USER,
	.fires_newest_first = true,
	.expand = software_expand,
	.section = perf_section,
	.attach = perf_event_attach,
	.list = software_list,
	.untyped_list_order = 3,
};

const struct provider provider_hardware = {
	.name = "hardware",
	.aliases = hardware_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_STACK | CTX_HAS_USER,
	.expand = hardware_expand,
	.section = perf_section,
	.attach = perf_event_attach,
	.list = hardware_list,
	.untyped_list_order = 4,
};
