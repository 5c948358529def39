/*
 * test.c - test:NAME and bench:NAME (bpftrace 0.26): probes that sonde
 * runs itself, with BPF_PROG_TEST_RUN, under --test and --bench.
 *
 * They attach to nothing. Under --test, after BEGIN, each test: probe
 * runs once, in script order, and passes when it returns 0 (`return N;`
 * sets what it returns), called no errorf() and no exit() with a non-zero
 * code, and no helper failed (-k). Under --bench, each bench: probe runs
 * repeatedly and its average time is printed. Without the option they do
 * not run at all, and no other probe attaches when it is given.
 *
 * The programs are XDP programs fed a zeroed Ethernet header: the kernel
 * test-runs XDP with a repeat count and reports its time, which raw_tp
 * (BEGIN's type) does not, and XDP programs may call the helpers a probe
 * body needs (maps, the ring buffer, bpf_loop, time, memory reads). They
 * have no packet (pkt.*) and no task (pid, comm): they run in sonde's own
 * system call, not in an event.
 */
#include <string.h>

#include "compile.h"
#include "probes/provider.h"

/* The attach point of an earlier test (or bench) probe named `name`, or
 * NULL: the names are what the runner prints, so each is used once. */
static const struct attach_point *same_name(struct compilation *c, const struct provider *prov,
                                            const char *name)
{
	for (struct node *p = c->prog.probes; p; p = p->next)
		for (size_t i = 0; i < p->u.probe.naps; i++)
			if (p->u.probe.aps[i].prov == prov &&
			    !strcmp(p->u.probe.aps[i].target, name))
				return &p->u.probe.aps[i];
	for (size_t i = 0; i < c->npending; i++)
		if (c->pending[i].prov == prov && !strcmp(c->pending[i].target, name))
			return &c->pending[i];
	return NULL;
}

static int named_expand(struct compilation *c, struct node *spec, const char *rest,
                        const char *kind)
{
	if (!rest || !rest[0] || strchr(rest, ':')) {
		diag_error(c->diag, spec->loc, "a %s probe takes one name, as in '%s:NAME { ... }'",
		           kind, kind);
		return -1;
	}
	const struct provider *prov = provider_find(kind);
	const struct attach_point *other = same_name(c, prov, rest);
	if (other) {
		diag_error(c->diag, spec->loc, "'%s' names more than one %s probe", rest, kind);
		diag_note(c->diag, other->loc, "the other %s:%s is here", kind, rest);
		return -1;
	}
	struct attach_point ap = {
	    .prov = prov,
	    .spec = arena_printf(&c->arena, "%s:%s", kind, rest),
	    .target = arena_strdup(&c->arena, rest),
	    .loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static int test_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return named_expand(c, spec, rest, "test");
}

static int bench_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return named_expand(c, spec, rest, "bench");
}

/* libbpf takes the program type from the section: "xdp" exactly */
static const char *test_section(struct arena *a, const struct attach_point *ap)
{
	(void)a;
	(void)ap;
	return "xdp";
}

const struct provider provider_test = {
    .name = "test",
    .probetype = "test",
    .form = SPEC_FIELDS,
    .run = RUN_TEST,
    .returns_value = true,
    .expand = test_expand,
    .section = test_section,
};

const struct provider provider_bench = {
    .name = "bench",
    .probetype = "benchmark", /* bpftrace's word */
    .form = SPEC_FIELDS,
    .run = RUN_BENCH,
    .returns_value = true,
    .expand = bench_expand,
    .section = test_section,
};
