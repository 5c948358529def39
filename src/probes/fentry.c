/*
 * fentry.c - fentry:FN and fexit:FN (aliases kfunc, kretfunc, f, fr):
 * kernel functions through the BPF trampoline, with args.NAME and retval
 * typed from BTF; fentry:bpf:[ID:]NAME, a running BPF program's function. Where fentry cannot load but kprobes exist, the same
 * probes become kprobes (registers instead of the u64 array); kprobe.c
 * holds the shared machinery.
 */
#include "probes/kfunc.h"

extern const struct provider provider_fentry, provider_fexit;

static int fentry_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return kfunc_expand(c, spec, rest, &provider_fentry, false, true);
}

static int fexit_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return kfunc_expand(c, spec, rest, &provider_fexit, true, true);
}

static int fentry_list(struct probe_lister *l, const char *rest)
{
	return kfunc_list(l, rest, &provider_fentry, true);
}

static int fexit_list(struct probe_lister *l, const char *rest)
{
	return kfunc_list(l, rest, &provider_fexit, true);
}

static const char *const fentry_aliases[] = {"kfunc", "f", NULL};
static const char *const fexit_aliases[] = {"kretfunc", "fr", NULL};

const struct provider provider_fentry = {
	.name = "fentry",
	.aliases = fentry_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_ARGS | CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC |
	       CTX_HAS_D_PATH,
	.fires_newest_first = true,
	.wants_trampoline = true,
	.expand = fentry_expand,
	.section = kfunc_section,
	.arg_field = kfunc_arg_field,
	.arg_index = kfunc_arg_index,
	.prepare = kfunc_prepare,
	.attach = kfunc_attach,
	.list = fentry_list,
};

const struct provider provider_fexit = {
	.name = "fexit",
	.aliases = fexit_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_ARGS | CTX_HAS_ARGN | CTX_HAS_RETVAL | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC |
	       CTX_HAS_D_PATH,
	.wants_trampoline = true,
	.expand = fexit_expand,
	.section = kfunc_section,
	.arg_field = kfunc_arg_field,
	.arg_index = kfunc_arg_index,
	.retval = kfunc_retval,
	.prepare = kfunc_prepare,
	.attach = kfunc_attach,
	.list = fexit_list,
};
