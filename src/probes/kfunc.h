/*
 * kfunc.h - what kprobe.c and fentry.c share: one implementation of
 * "trace a kernel function", attached as a kprobe or through the BPF
 * trampoline (fentry) depending on what the kernel can do.
 */
#ifndef SONDE_KFUNC_H
#define SONDE_KFUNC_H

#include "probes/provider.h"

struct host;

/* attach_point.aux of kprobe:ADDRESS: value is an absolute kernel
 * address, not an offset into func */
enum { KFUNC_AT_ADDRESS = 1,
       /* fentry:bpf: value is the id of the BPF program attached to */
       KFUNC_BPF_PROG = 2 };

/* Expands [MODULE:]FN[+OFF] (globs allowed in FN) or, for kprobes, a bare
 * ADDRESS (--unsafe) for `prov`. `is_return`: kretprobe or
 * fexit. `prefer_fentry`: fentry/fexit (kprobes are the fallback) rather
 * than kprobe/kretprobe (fentry is the fallback). */
int kfunc_expand(struct compilation *c, struct node *spec, const char *rest,
		 const struct provider *prov, bool is_return, bool prefer_fentry);
/* Calls cb (until it returns non-zero, which is returned) with each
 * kernel function matching glob that a probe can attach to, once each,
 * sorted: for `fentry`, BTF's functions that ftrace can trace; for kprobes,
 * the kallsyms functions (aliases included) at an address that ftrace's
 * available_filter_functions names, without the kprobe blacklist (all of
 * kallsyms, or BTF, when that list cannot be read). *searched names the
 * source, for messages. -ENODATA for fentry without BTF. */
int kfunc_each(struct host *h, const char *glob, bool fentry,
	       int (*cb)(const char *name, void *arg), void *arg, const char **searched);
/* Whether kernel-function probes attach through the trampoline on this
 * kernel: fentry:/fexit: (`prefer_fentry`) unless only kprobes work,
 * kprobe:/kretprobe: only when kprobes are missing and fentry works. */
bool kfunc_mode_is_fentry(struct host *h, bool prefer_fentry);
/* The list hook of `prov`: the functions its wildcards expand over. */
int kfunc_list(struct probe_lister *l, const char *rest, const struct provider *prov,
	       bool prefer_fentry);
const char *kfunc_section(struct arena *a, const struct attach_point *ap);
int kfunc_arg_field(struct compilation *c, const struct attach_point *ap, const char *name,
		    struct loc loc, struct ctx_access *out);
int kfunc_arg_index(struct compilation *c, const struct attach_point *ap, int index,
		    struct loc loc, struct ctx_access *out);
int kfunc_retval(struct compilation *c, const struct attach_point *ap, struct loc loc,
		 struct ctx_access *out);
/* The provider's prepare hook: fentry:bpf: probes name their target. */
int kfunc_prepare(const struct probe_desc *pd, struct bpf_program *prog, int *keep_fd, char *err,
		  size_t errsz);
int kfunc_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		 struct rt_attachment *att, char *err, size_t errsz);

/* x86-64 struct pt_regs offsets of the first six integer arguments and of
 * the return value (also used by uprobes). */
extern const uint32_t kfunc_pt_regs_arg[6];
enum { PT_REGS_RC_OFFSET = 80, PT_REGS_SP_OFFSET = 152, PT_REGS_IP_OFFSET = 128 };

#endif
