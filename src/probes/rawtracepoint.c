/*
 * rawtracepoint.c - rawtracepoint:NAME (alias rt:), the tracepoint's raw
 * arguments before the kernel formats them into a record: arg0..arg9 are
 * the u64 values the tracepoint was called with.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>

#include "compile.h"
#include "kernel/tracefs.h"
#include "probes/provider.h"

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
		struct attach_point ap = {
			.prov = &provider_rawtracepoint,
			.spec = arena_printf(&c->arena, "rawtracepoint:%s", name),
			.target = arena_strdup(&c->arena, name),
			.loc = spec->loc,
		};
		sema_add_attach_point(c, &ap);
		added++;
	}
	if (!added) {
		diag_error(c->diag, spec->loc, "no tracepoint is named '%s'", rest);
		return -1;
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

const struct provider provider_rawtracepoint = {
	.name = "rawtracepoint",
	.aliases = rawtracepoint_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK,
	.expand = rawtracepoint_expand,
	.section = rawtracepoint_section,
	.arg_index = rawtracepoint_arg_index,
	.attach = rawtracepoint_attach,
};
