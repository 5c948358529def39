/*
 * lsm.c - lsm:HOOK: a BPF LSM program on a Linux security hook (file_open,
 * bprm_check_security, socket_connect, task_kill, ...), for auditing and
 * enforcement. The hooks are the kernel's bpf_lsm_HOOK functions in BTF;
 * args.NAME are their parameters, typed from BTF, read from the u64 array
 * the BPF trampoline passes (as fentry's). Wildcards expand over the hooks.
 *
 * Verdict: `deny;` ends the probe and makes the hook return -EPERM, so the
 * operation fails with "Operation not permitted"; a probe that ends without
 * it allows (returns 0, and the next program or LSM decides). A hook that
 * returns void, or whose int is not an error code, cannot be denied: sema
 * refuses `deny;` there (lsm_verdict_check).
 *
 * The kernel must have BPF LSM built in (CONFIG_BPF_LSM) and active ('bpf'
 * in its LSM list, lsm= at boot), and must let LSM programs load: the
 * features check (feat_get_lsm) says which of these is missing, and an lsm
 * probe is then a located compile error in those words.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "kernel/btf.h"
#include "kernel/features.h"
#include "probes/args.h"
#include "probes/expand.h"
#include "probes/provider.h"
#include "runtime/runtime.h"

extern const struct provider provider_lsm;

#define LSM_PREFIX "bpf_lsm_"

enum { LSM_MAX_PROBES = 512 };

/* bpf_lsm_* functions in BTF that are BPF LSM's own machinery, not hooks
 * (kernel/bpf/bpf_lsm.c) */
static bool lsm_internal(const char *hook)
{
	static const char *const internal[] = {
		"find_cgroup_shim", "func_proto",   "get_retval_range", "has_d_inode_locked",
		"hook_returns_errno", "is_sleepable_hook", "is_trusted", "verify_prog",
		"init",		    "is_enabled",
	};
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (!strcmp(hook, internal[i]))
			return true;
	return false;
}

/* Hooks the verifier will not attach BPF LSM programs to (the kernel's
 * bpf_lsm_disabled_hooks): what they return is not a verdict. */
static bool lsm_refused(const char *hook)
{
	static const char *const refused[] = {
		"vm_enough_memory",   "inode_need_killpriv", "inode_getsecurity",
		"inode_listsecurity", "inode_copy_up_xattr", "getselfattr",
		"getprocattr",	      "setprocattr",	     "key_getsecurity",
		"audit_rule_match",   "ismaclabel",
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (!strcmp(hook, refused[i]))
			return true;
	return false;
}

/* Hooks whose int is a yes/no (0 or 1), not 0 or an error code: -EPERM
 * would not mean "denied" there (newer kernels' verifier refuses it). */
static bool lsm_returns_bool(const char *hook)
{
	return !strcmp(hook, "xfrm_state_pol_flow_match") || !strcmp(hook, "audit_rule_known") ||
	       !strcmp(hook, "inode_xattr_skipcap");
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Calls cb with each hook (without the prefix) matching glob, sorted,
 * leaving out machinery and refused hooks. */
struct hook_filter {
	int (*cb)(const char *hook, void *arg);
	void *arg;
};

static int call_if_hook(const char *name, void *arg)
{
	const struct hook_filter *hf = arg;
	const char *hook = name + strlen(LSM_PREFIX);
	if (lsm_internal(hook) || lsm_refused(hook))
		return 0;
	return hf->cb(hook, hf->arg);
}

static int lsm_each(struct host *h, const char *glob, int (*cb)(const char *hook, void *arg),
		    void *arg)
{
	char pattern[256];
	snprintf(pattern, sizeof(pattern), LSM_PREFIX "%s", glob);
	struct hook_filter hf = {cb, arg};
	return btf_func_each(h, pattern, call_if_hook, &hf);
}

struct lsm_expand_ctx {
	struct compilation *c;
	struct node *spec;
	struct expand_cap cap;
};

static int add_hook(const char *hook, void *arg)
{
	struct lsm_expand_ctx *x = arg;
	struct compilation *c = x->c;
	if (!expand_cap_room(&x->cap))
		return 1;
	struct btf_func *fn = arena_alloc(&c->arena, sizeof(*fn));
	char name[256];
	snprintf(name, sizeof(name), LSM_PREFIX "%s", hook);
	if (btf_func_get(c->host, name, fn))
		return 0;
	struct attach_point ap = {
		.prov = &provider_lsm,
		.spec = arena_printf(&c->arena, "lsm:%s", hook),
		.target = arena_strdup(&c->arena, hook),
		.func = arena_strdup(&c->arena, hook),
		.data = fn,
		.loc = x->spec->loc,
	};
	expand_cap_add(c, &x->cap, &ap);
	return 0;
}

/* After the hooks are found (a misspelt hook is told first): whether BPF
 * LSM works here, in the words of what is missing. The attach points stay,
 * so the probe's body is checked too and its errors come in the same run. */
static int check_lsm_works(struct compilation *c, struct node *spec)
{
	const struct features *f = feat_get_lsm(c->host);
	if (!f->lsm && !f->lsm_unknown)
		diag_error(c->diag, spec->loc, "%s: %s", spec->u.spec.text, f->lsm_why);
	return 0;
}

static int lsm_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *text = spec->u.spec.text;
	if (!rest || !*rest || strchr(rest, ':')) {
		diag_error(c->diag, spec->loc,
			   "an lsm probe is written lsm:HOOK (a security hook such as file_open), "
			   "got '%s'",
			   text);
		return -1;
	}
	struct lsm_expand_ctx x = {.c = c, .spec = spec, .cap = {.max = LSM_MAX_PROBES}};
	if (has_glob(rest)) {
		int rc = lsm_each(c->host, rest, add_hook, &x);
		if (rc < 0) {
			diag_error(c->diag, spec->loc, "%s: cannot list LSM hooks: %s", text,
				   strerror(-rc));
			return -1;
		}
		if (expand_cap_check(c, &x.cap, spec, "LSM hooks"))
			return -1;
		if (!x.cap.added)
			return sema_missing_probe(c, spec->loc,
						  "no LSM hook matches '%s' (searched the kernel "
						  "BTF's " LSM_PREFIX "* functions)",
						  rest);
		return check_lsm_works(c, spec);
	}
	if (lsm_refused(rest)) {
		diag_error(c->diag, spec->loc,
			   "%s: the kernel does not attach BPF programs to the LSM hook %s (what it "
			   "returns is not a verdict)",
			   text, rest);
		return -1;
	}
	struct btf_func fn;
	if (lsm_internal(rest) ||
	    btf_func_get(c->host, arena_printf(&c->arena, LSM_PREFIX "%s", rest), &fn))
		return sema_missing_probe(c, spec->loc,
					  "%s: the kernel has no LSM hook '%s' (no " LSM_PREFIX
					  "%s in its BTF); sonde -l 'lsm:*' lists them",
					  text, rest, rest);
	add_hook(rest, &x);
	return check_lsm_works(c, spec);
}

static const char *lsm_section(struct arena *a, const struct attach_point *ap)
{
	/* libbpf finds the attach_btf_id of bpf_lsm_HOOK from the section */
	return arena_printf(a, "lsm/%s", ap->target);
}

static int lsm_arg_field(struct compilation *c, const struct attach_point *ap, const char *name,
			 struct loc loc, struct ctx_access *out)
{
	const struct btf_func *fn = ap->data;
	int i = probe_btf_param(c, fn, name, loc, ap->spec, "parameter", ap->spec);
	if (i < 0)
		return -1;
	const struct btf_value *v = &fn->params[i];
	/* a security hook's pointers are kernel objects unless tagged __user */
	enum addr_space space = v->user                      ? SPACE_USER
	                        : btf_has_user_tags(c->host) ? SPACE_KERNEL
	                                                     : SPACE_ANY;
	probe_btf_value_access(c, v, CTX_U64_ARRAY, (uint32_t)i * 8, space, out);
	return 0;
}

static int lsm_arg_index(struct compilation *c, const struct attach_point *ap, int index,
			 struct loc loc, struct ctx_access *out)
{
	const struct btf_func *fn = ap->data;
	if (index >= fn->nparams) {
		diag_error(c->diag, loc, "arg%d: the LSM hook %s takes %d argument%s", index,
			   ap->target, fn->nparams, fn->nparams == 1 ? "" : "s");
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->kind = CTX_U64_ARRAY;
	out->offset = (uint32_t)index * 8;
	out->size = 8;
	out->type = &type_u64;
	/* argN is an integer: it may hold an address of either space */
	out->space = fn->params[index].user ? SPACE_USER : SPACE_ANY;
	return 0;
}

/* lsm probes have one verdict, deny (the hook returns -EPERM) */
static const struct verdict lsm_verdicts[] = {
	{"deny", -EPERM, true},
	{NULL, 0, false},
};

static void lsm_verdict_error(struct compilation *c, const char *name, struct loc loc)
{
	diag_error(c->diag, loc,
		   "'%s' is not a verdict of lsm probes: use deny (the hook returns -EPERM); a "
		   "probe that ends without it allows",
		   name);
}

static int lsm_verdict_check(struct compilation *c, const struct attach_point *ap,
			     const char *name, struct loc loc)
{
	const struct btf_func *fn = ap->data;
	if (!fn->has_ret) {
		diag_error(c->diag, loc,
			   "'%s;' in %s: the hook returns void, so nothing can be denied there; "
			   "an lsm probe on it can only audit",
			   name, ap->spec);
		return -1;
	}
	if (lsm_returns_bool(ap->target)) {
		diag_error(c->diag, loc,
			   "'%s;' in %s: the hook returns 0 or 1, not an error code, so -EPERM "
			   "cannot deny there",
			   name, ap->spec);
		return -1;
	}
	return 0;
}

static int lsm_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		      struct rt_attachment *att, char *err, size_t errsz)
{
	struct bpf_link *link = bpf_program__attach_lsm(prog);
	if (!link) {
		int e = -errno;
		snprintf(err, errsz, "attaching to the LSM hook %s failed: %s", pd->target,
			 strerror(-e));
		return e;
	}
	return rt_attachment_add_link(att, link);
}

struct lsm_lister {
	struct probe_lister *l;
};

static int list_hook(const char *hook, void *arg)
{
	struct lsm_lister *ll = arg;
	char line[256];
	snprintf(line, sizeof(line), "lsm:%s", hook);
	if (!probe_list_line(ll->l, line) || !ll->l->verbose)
		return 0;
	struct btf_func f;
	char name[256];
	snprintf(name, sizeof(name), LSM_PREFIX "%s", hook);
	if (btf_func_get(ll->l->host, name, &f) == 0)
		btf_func_print(ll->l->out, &f);
	return 0;
}

/* -l lsm:GLOB: the hooks in kernel BTF, whether or not BPF LSM is active
 * (the listing says what could be probed; a probe says what is missing) */
static int lsm_list(struct probe_lister *l, const char *rest)
{
	struct lsm_lister ll = {l};
	int rc = lsm_each(l->host, rest && *rest ? rest : "*", list_hook, &ll);
	if (!rest)
		return EXIT_OK;
	if (rc == -ENODATA) {
		fprintf(stderr, "sonde: -l: LSM hooks are listed from kernel BTF, which this "
				"kernel lacks\n");
		return EXIT_SYSTEM;
	}
	if (rc < 0) {
		fprintf(stderr, "sonde: -l: cannot list LSM hooks: %s\n", strerror(-rc));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

const struct provider provider_lsm = {
	.name = "lsm",
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_ARGS | CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC,
	.expand = lsm_expand,
	.section = lsm_section,
	.arg_field = lsm_arg_field,
	.arg_index = lsm_arg_index,
	.verdicts = lsm_verdicts,
	.verdict_error = lsm_verdict_error,
	.verdict_check = lsm_verdict_check,
	.default_return = 0,
	.attach = lsm_attach,
	.list = lsm_list,
};
