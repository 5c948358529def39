/*
 * rawtracepoint.c - rawtracepoint:NAME (alias rt:), the tracepoint's raw
 * arguments before the kernel formats them into a record: arg0..arg9 are
 * the u64 values the tracepoint was called with, and args.NAME the same
 * values named and typed from BTF (the kernel's stub for the tracepoint),
 * pointers typed so `->` follows them.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "kernel/btf.h"
#include "kernel/tracefs.h"
#include "probes/args.h"
#include "probes/provider.h"
#include "runtime/runtime.h"

extern const struct provider provider_rawtracepoint;

static const char *const rawtracepoint_aliases[] = {"rt", "raw_tracepoint", NULL};

static int rawtracepoint_expand(struct compilation *c, struct node *spec, const char *rest)
{
	if (!rest || !*rest || strchr(rest, ':')) {
		diag_error(c->diag, spec->loc, "a raw tracepoint is written rawtracepoint:NAME, got '%s'",
			   spec->u.spec.text);
		return -1;
	}
	const char *tracefs = compilation_tracefs(c, spec->loc);
	if (!tracefs)
		return -1;
	char **matches = NULL;
	size_t n = 0;
	int err = tp_expand(&c->arena, tracefs, "*", rest, &matches, &n);
	if (err) {
		diag_error(c->diag, spec->loc, "cannot list tracepoints: %s", strerror(-err));
		return -1;
	}
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		const char *name = strchr(matches[i], ':') + 1;
		if (!strncmp(matches[i], "ftrace:", 7))
			continue;
		bool dup = false;
		for (size_t j = 0; j < c->npending; j++)
			if (c->pending[j].prov == &provider_rawtracepoint &&
			    !strcmp(c->pending[j].target, name))
				dup = true;
		if (dup)
			continue;
		/* the arguments' names and types, when BTF has them */
		struct btf_func *fn = arena_alloc(&c->arena, sizeof(*fn));
		if (btf_rawtp_get(c->host, name, fn))
			fn = NULL;
		struct attach_point ap = {
		    .prov = &provider_rawtracepoint,
		    .spec = arena_printf(&c->arena, "rawtracepoint:%s", name),
		    .target = arena_strdup(&c->arena, name),
		    .data = fn,
		    .loc = spec->loc,
		};
		sema_add_attach_point(c, &ap);
		added++;
	}
	if (!added) {
		return sema_missing_probe(c, spec->loc, "no tracepoint is named '%s'", rest);
	}
	return 0;
}

static const char *rawtracepoint_section(struct arena *a, const struct attach_point *ap)
{
	return arena_printf(a, "raw_tp/%s", ap->target);
}

static int rawtracepoint_arg_index(struct compilation *c, const struct attach_point *ap,
				   int index, struct loc loc, struct ctx_access *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = CTX_U64_ARRAY;
	out->offset = (uint32_t)index * 8;
	out->size = 8;
	out->type = &type_u64;
	out->space = SPACE_KERNEL; /* the tracepoint's own arguments */
	return 0;
}

static int rawtracepoint_arg_field(struct compilation *c, const struct attach_point *ap,
                                   const char *name, struct loc loc, struct ctx_access *out)
{
	const struct btf_func *fn = ap->data;
	if (!fn) {
		diag_error(c->diag, loc,
		           "args.%s: the arguments of %s are not known (kernel BTF has no "
		           "__probestub_%s or __traceiter_%s); use arg0..arg9",
		           name, ap->spec, ap->target, ap->target);
		return -1;
	}
	int i = probe_btf_param(c, fn, name, loc, ap->spec, "argument", ap->spec);
	if (i < 0)
		return -1;
	const struct btf_value *v = &fn->params[i];
	/* the tracepoint's own arguments, but BTF without __user tags does not
	 * say where a pointer points */
	enum addr_space space = !v->is_pointer               ? SPACE_KERNEL
	                        : v->user                    ? SPACE_USER
	                        : btf_has_user_tags(c->host) ? SPACE_KERNEL
	                                                     : SPACE_ANY;
	probe_btf_value_access(c, v, CTX_U64_ARRAY, (uint32_t)i * 8, space, out);
	compilation_bind_kernel(
	    c, loc,
	    arena_printf(&c->arena, "args.%s of %s (argument %d in this kernel's signature)", name,
	                 ap->spec, i));
	return 0;
}

static int rawtracepoint_attach(struct host *h, const struct probe_desc *pd,
				struct bpf_program *prog, struct rt_attachment *att, char *err,
				size_t errsz)
{
	struct bpf_link *link = bpf_program__attach_raw_tracepoint(prog, pd->target);
	if (!link) {
		int e = -errno;
		snprintf(err, errsz, "attaching to the raw tracepoint failed: %s", strerror(-e));
		return e;
	}
	return rt_attachment_add_link(att, link);
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The tracepoints BTF has a stub for, sorted: one pass over BTF for each
 * stub prefix instead of two name lookups per tracepoint. */
struct stub_names {
	struct arena *a;
	char **v;
	size_t n, cap;
};

static int add_stub(const char *name, void *arg)
{
	struct stub_names *sn = arg;
	if (sn->n == sn->cap) {
		size_t cap = sn->cap ? sn->cap * 2 : 1024;
		char **nv = arena_alloc(sn->a, cap * sizeof(*nv));
		if (sn->n)
			memcpy(nv, sn->v, sn->n * sizeof(*nv));
		sn->v = nv;
		sn->cap = cap;
	}
	sn->v[sn->n++] = arena_strdup(sn->a, strchr(name + 2, '_') + 1);
	return 0;
}

/* -l rawtracepoint:NAME: the tracepoints by name alone, each once; -v adds
 * their arguments as args.NAME reads them (from BTF). */
static int rawtracepoint_list(struct probe_lister *l, const char *rest)
{
	char dir[4096], note[512];
	if (tracefs_dir(dir, sizeof(dir), note, sizeof(note)))
		return EXIT_OK;
	struct arena a;
	arena_init(&a);
	char **matches = NULL;
	size_t n = 0;
	if (tp_expand(&a, dir, "*", rest && *rest ? rest : "*", &matches, &n) == 0) {
		size_t kept = 0;
		for (size_t i = 0; i < n; i++)
			if (strncmp(matches[i], "ftrace:", 7))
				matches[kept++] = strchr(matches[i], ':') + 1;
		qsort(matches, kept, sizeof(*matches), cmp_name);
		struct stub_names stubs = {.a = &a};
		bool have_btf = btf_func_each(l->host, "__probestub_*", add_stub, &stubs) == 0 &&
		                btf_func_each(l->host, "__traceiter_*", add_stub, &stubs) == 0;
		if (have_btf && stubs.n)
			qsort(stubs.v, stubs.n, sizeof(*stubs.v), cmp_name);
		for (size_t i = 0; i < kept; i++) {
			if (i && !strcmp(matches[i], matches[i - 1]))
				continue;
			/* with BTF, only the real raw tracepoints: syscalls' per-call
			 * events (sys_enter_read) have no stub and cannot attach */
			if (have_btf &&
			    !bsearch(&matches[i], stubs.v, stubs.n, sizeof(*stubs.v), cmp_name))
				continue;
			char line[512];
			snprintf(line, sizeof(line), "rawtracepoint:%s", matches[i]);
			struct btf_func fn;
			if (probe_list_line(l, line) && l->verbose &&
			    !btf_rawtp_get(l->host, matches[i], &fn))
				btf_func_print(l->out, &fn);
		}
	}
	arena_fini(&a);
	return EXIT_OK;
}

const struct provider provider_rawtracepoint = {
    .name = "rawtracepoint",
    .aliases = rawtracepoint_aliases,
    .run = RUN_ATTACHED,
    .ctx = CTX_HAS_ARGS | CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK,
    .expand = rawtracepoint_expand,
    .section = rawtracepoint_section,
    .arg_field = rawtracepoint_arg_field,
    .arg_index = rawtracepoint_arg_index,
    .attach = rawtracepoint_attach,
    .list = rawtracepoint_list,
};
