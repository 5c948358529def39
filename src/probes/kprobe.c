/*
 * kprobe.c - kprobe:FN[+OFF] and kretprobe:FN, and the kernel-function
 * machinery fentry.c shares (kfunc.h).
 *
 * Whether a probe on a kernel function becomes a kprobe or a BPF
 * trampoline program (fentry/fexit) is decided here, at compile time,
 * because the program type and section name depend on it: kprobe:
 * prefers kprobes and falls back to fentry where the kernel has no
 * kprobes; fentry: prefers the trampoline and falls back to kprobes. When
 * neither works the error says what was tried and why each failed.
 *
 * Arguments: in kprobe mode the context is struct pt_regs (x86-64
 * registers, loaded directly); in fentry mode it is an array of u64, one
 * per parameter, then the return value. args.NAME is typed from BTF in
 * both modes. Wildcards expand (kfunc_each) over the functions the mode
 * can attach to: for fentry, BTF's functions that ftrace can trace; for
 * kprobes, the kallsyms functions at an address ftrace can trace, less
 * the kprobe blacklist.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/bpf_progs.h"
#include "kernel/btf.h"
#include "compile.h"
#include "kernel/features.h"
#include "kernel/host.h"
#include "kernel/symbols.h"
#include "probes/args.h"
#include "probes/expand.h"
#include "probes/kfunc.h"
#include "runtime/runtime.h"

extern const struct provider provider_kprobe, provider_kretprobe;

const uint32_t kfunc_pt_regs_arg[6] = {112, 104, 96, 88, 72, 64}; /* di si dx cx r8 r9 */

enum { KFUNC_MAX_PROBES = 512 };

struct kfunc_ap {
	bool fentry;  /* attached through the trampoline, else a kprobe */
	bool ret;     /* kretprobe / fexit */
	bool has_btf; /* fn is valid */
	/* kfunc_share_class: a program it shares is a kprobe_multi one */
	bool multi_if_shared;
	struct btf_func fn;
};

/* Return probes bpftrace refuses, as they might lock up the system: the
 * spin lock functions (the return probe's own bookkeeping may take them). */
static bool banned_kretprobe(const char *fn)
{
	static const char *const banned[] = {"_raw_spin_lock", "_raw_spin_lock_irqsave",
					     "_raw_spin_unlock_irqrestore",
					     "queued_spin_lock_slowpath"};
	for (size_t i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
		if (!strcmp(fn, banned[i]))
			return true;
	return false;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether ftrace can trace the function; true when it cannot be told. */
static bool traceable(struct host *h, const char *name)
{
	const struct host_name_list *t = sym_kernel_traceable(h);
	return !t->names || sym_name_list_has(t, name);
}

/* A name from available_filter_functions that a kprobe can attach to:
 * not a placeholder for a function ftrace dropped
 * (__ftrace_invalid_address___N), not a ".part.N" piece of a function
 * split by the compiler, not on the kprobe blacklist. */
static bool kprobe_can_attach(struct host *h, const char *name)
{
	if (!strncmp(name, "__ftrace_invalid_address__", 26) || strstr(name, ".part."))
		return false;
	const struct host_name_list *bl = sym_kernel_kprobe_blacklist(h);
	return !bl->names || !sym_name_list_has(bl, name);
}

struct filter_ctx {
	struct host *host;
	int (*cb)(const char *name, void *arg);
	void *arg;
};

static int call_if_traceable(const char *name, void *arg)
{
	const struct filter_ctx *fc = arg;
	return traceable(fc->host, name) ? fc->cb(name, fc->arg) : 0;
}

/* The kprobe wildcard candidates: kallsyms' functions at an address
 * ftrace can trace. By address, not name, because ftrace lists one name
 * per function and kallsyms also has its aliases (__x64_sys_getppid is
 * __do_sys_getppid); what BTF or kallsyms name beyond that is gone
 * (__init code, freed after boot) or refused, and fails to attach. */
struct traceable_pass {
	struct host *host;
	const struct host_name_list *traceable;
	const char *glob;
	uint64_t *addrs; /* addresses of traceable functions, ascending */
	size_t naddrs, cap;
	const char **names; /* matches */
	size_t nnames, names_cap;
	bool nomem;
};

static int collect_traceable_addr(const char *name, uint64_t addr, void *arg)
{
	struct traceable_pass *tp = arg;
	if (!sym_name_list_has(tp->traceable, name) ||
	    (tp->naddrs && tp->addrs[tp->naddrs - 1] == addr))
		return 0;
	if (tp->naddrs == tp->cap) {
		size_t cap = tp->cap ? tp->cap * 2 : 65536;
		uint64_t *n = realloc(tp->addrs, cap * sizeof(*n));
		if (!n) {
			tp->nomem = true;
			return 1;
		}
		tp->addrs = n;
		tp->cap = cap;
	}
	tp->addrs[tp->naddrs++] = addr;
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int collect_match(const char *name, uint64_t addr, void *arg)
{
	struct traceable_pass *tp = arg;
	if (fnmatch(tp->glob, name, 0) || !strncmp(name, "__pfx_", 6) ||
	    !strncmp(name, "__cfi_", 6) || !kprobe_can_attach(tp->host, name) ||
	    !bsearch(&addr, tp->addrs, tp->naddrs, sizeof(*tp->addrs), cmp_u64))
		return 0;
	if (tp->nnames == tp->names_cap) {
		size_t cap = tp->names_cap ? tp->names_cap * 2 : 256;
		const char **n = realloc(tp->names, cap * sizeof(*n));
		if (!n) {
			tp->nomem = true;
			return 1;
		}
		tp->names = n;
		tp->names_cap = cap;
	}
	tp->names[tp->nnames++] = name;
	return 0;
}

/* -ENODATA when kallsyms cannot tell the addresses. */
static int kprobe_each_traceable(struct host *h, const struct host_name_list *traceable,
				 const char *glob, int (*cb)(const char *name, void *arg),
				 void *arg)
{
	struct traceable_pass tp = {.host = h, .traceable = traceable, .glob = glob};
	int rc = sym_kernel_each_addr(h, collect_traceable_addr, &tp);
	if (!rc && !tp.nomem)
		rc = sym_kernel_each_addr(h, collect_match, &tp);
	if (tp.nomem)
		rc = -ENOMEM;
	if (!rc && tp.nnames) {
		qsort(tp.names, tp.nnames, sizeof(*tp.names), cmp_str);
		for (size_t i = 0; i < tp.nnames && !rc; i++)
			if (i == 0 || strcmp(tp.names[i], tp.names[i - 1]))
				rc = cb(tp.names[i], arg);
	}
	free(tp.addrs);
	free(tp.names);
	return rc;
}

bool kfunc_mode_is_fentry(struct host *h, bool prefer_fentry)
{
	const struct features *f = feat_get(h);
	return prefer_fentry ? f->fentry || !f->kprobes : !f->kprobes && f->fentry;
}

int kfunc_each(struct host *h, const char *glob, bool fentry,
	       int (*cb)(const char *name, void *arg), void *arg, const char **searched)
{
	const struct features *f = feat_get(h);
	const struct host_name_list *t = sym_kernel_traceable(h);
	if (fentry) {
		/* the trampoline attaches to what BTF describes and ftrace traces */
		*searched = "kernel BTF";
		struct filter_ctx fc = {h, cb, arg};
		return btf_func_each(h, glob, call_if_traceable, &fc);
	}
	if (t->names) {
		*searched = "available_filter_functions";
		int rc = kprobe_each_traceable(h, t, glob, cb, arg);
		if (rc != -ENODATA)
			return rc;
		/* kallsyms hides its addresses: ftrace's names alone */
		rc = 0;
		for (size_t i = 0; i < t->n && !rc; i++) {
			const char *name = t->names[i];
			if ((i && !strcmp(name, t->names[i - 1])) || fnmatch(glob, name, 0) ||
			    !kprobe_can_attach(h, name))
				continue;
			rc = cb(name, arg);
		}
		return rc;
	}
	/* no ftrace list to read: kallsyms' text symbols (syscall wrappers
	 * are not in BTF), BTF when kallsyms cannot be read */
	bool use_btf = f->btf && sym_kernel_has(h, "vfs_read") != 1;
	*searched = use_btf ? "kernel BTF" : "/proc/kallsyms";
	return use_btf ? btf_func_each(h, glob, cb, arg) : sym_kernel_each(h, glob, cb, arg);
}

/* kfunc_each for the functions of one module (kprobes only): kallsyms'
 * functions of that module that ftrace can trace and kprobes accept. */
struct module_filter {
	struct host *host;
	const struct host_name_list *traceable;
	int (*cb)(const char *name, void *arg);
	void *arg;
};

static int call_if_attachable(const char *name, void *arg)
{
	const struct module_filter *mf = arg;
	if ((mf->traceable->names && !sym_name_list_has(mf->traceable, name)) ||
	    !kprobe_can_attach(mf->host, name))
		return 0;
	return mf->cb(name, mf->arg);
}

static int kfunc_module_each(struct host *h, const char *module, const char *glob,
			     int (*cb)(const char *name, void *arg), void *arg,
			     const char **searched)
{
	struct module_filter mf = {h, sym_kernel_traceable(h), cb, arg};
	*searched = mf.traceable->names ? "/proc/kallsyms and available_filter_functions"
					: "/proc/kallsyms";
	return sym_kernel_module_each(h, module, glob, call_if_attachable, &mf);
}

struct kfunc_lister {
	struct probe_lister *l;
	const char *type;   /* the provider's name */
	const char *module; /* -l 'kprobe:MODULE:GLOB': only that module's */
};

static int list_one(const char *name, void *arg)
{
	struct kfunc_lister *kl = arg;
	char line[512];
	snprintf(line, sizeof(line), "%s:%s%s%s", kl->type, kl->module ? kl->module : "",
		 kl->module ? ":" : "", name);
	if (!probe_list_line(kl->l, line) || !kl->l->verbose)
		return 0;
	struct btf_func f;
	if (!kl->module && btf_func_get(kl->l->host, name, &f) == 0)
		btf_func_print(kl->l->out, &f);
	return 0;
}

static int list_bpf_func(const struct bpf_prog_func *f, void *arg)
{
	struct kfunc_lister *kl = arg;
	char line[512];
	snprintf(line, sizeof(line), "%s:bpf:%u:%s", kl->type, f->prog_id, f->name);
	probe_list_line(kl->l, line);
	return 0;
}

int kfunc_list(struct probe_lister *l, const char *rest, const struct provider *prov,
	       bool prefer_fentry)
{
	struct kfunc_lister kl = {l, prov->name, NULL};
	/* -l 'fentry:bpf:*': the running programs' functions; the listing's
	 * pattern is matched against whole lines */
	if (prefer_fentry && rest && !strncmp(rest, "bpf:", 4)) {
		int rc = bpf_prog_funcs_each(0, list_bpf_func, &kl);
		if (rc < 0) {
			fprintf(stderr, "sonde: -l: cannot list the kernel's BPF programs: %s\n",
				strerror(-rc));
			return EXIT_SYSTEM;
		}
		return EXIT_OK;
	}
	bool fentry = kfunc_mode_is_fentry(l->host, prefer_fentry);
	const char *glob = rest && *rest ? rest : "*", *searched;
	char module[64];
	const char *colon = strchr(glob, ':');
	if (colon && (size_t)(colon - glob) < sizeof(module)) {
		snprintf(module, sizeof(module), "%.*s", (int)(colon - glob), glob);
		kl.module = module;
		glob = colon[1] ? colon + 1 : "*";
		fentry = false;
	}
	/* a module's functions are listed from kallsyms, as they attach */
	int rc = kl.module ? kfunc_module_each(l->host, kl.module, glob, list_one, &kl, &searched)
			   : kfunc_each(l->host, glob, fentry, list_one, &kl, &searched);
	if (!rest)
		return EXIT_OK; /* a search over every type lists what it can read */
	/* without BTF, the names kallsyms has */
	if (rc == -ENODATA && fentry)
		rc = sym_kernel_each(l->host, glob, list_one, &kl);
	if (rc < 0) {
		fprintf(stderr, "sonde: -l: cannot list kernel functions: %s\n", strerror(-rc));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

struct expand_ctx {
	struct compilation *c;
	struct node *spec;
	const struct provider *prov;
	bool fentry, ret;
	uint64_t offset;
	const char *module; /* kprobe:MODULE:FUNCTION, else NULL */
	struct expand_cap cap;
};

static int add_point(const char *fn, void *arg)
{
	struct expand_ctx *x = arg;
	struct compilation *c = x->c;
	if (!expand_cap_room(&x->cap))
		return 1;
	struct kfunc_ap *k = arena_alloc(&c->arena, sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->fentry = x->fentry;
	k->ret = x->ret;
	k->has_btf = !x->module && btf_func_get(c->host, fn, &k->fn) == 0;
	if (k->has_btf)
		k->fn.name = arena_strdup(&c->arena, k->fn.name);
	const char *mode = x->fentry ? (x->ret ? "fexit" : "fentry")
				     : (x->ret ? "kretprobe" : "kprobe");
	const char *qualified =
	    x->module ? arena_printf(&c->arena, "%s:%s", x->module, fn) : fn;
	struct attach_point ap = {
		.prov = x->prov,
		.spec = x->offset ? arena_printf(&c->arena, "%s:%s+%llu", x->prov->name, qualified,
						 (unsigned long long)x->offset)
				  : arena_printf(&c->arena, "%s:%s", x->prov->name, qualified),
		.target = x->module ? arena_printf(&c->arena, "%s:%s", mode, x->module) : mode,
		.func = arena_strdup(&c->arena, fn),
		.value = x->offset,
		.data = k,
		.loc = x->spec->loc,
	};
	expand_cap_add(c, &x->cap, &ap);
	return 0;
}

/* kprobe:ADDRESS and kretprobe:ADDRESS: a kprobe at a raw kernel address
 * (bpftrace's bare-address form, for a function whose name repeats). The
 * kernel refuses an address that is not an instruction boundary it can
 * probe; nothing here can tell a good address from a bad one, hence
 * --unsafe. */
static int expand_address(struct compilation *c, struct node *spec, const char *rest,
			  const struct provider *prov, bool is_return)
{
	const char *text = spec->u.spec.text;
	char *end = NULL;
	errno = 0;
	unsigned long long addr = strtoull(rest, &end, 0);
	if (*end || errno || !addr) {
		diag_error(c->diag, spec->loc,
			   "'%s': a kernel address must be a number (kprobe:0xffffffff81000000)",
			   text);
		return -1;
	}
	if (!c->opts->unsafe) {
		diag_error(c->diag, spec->loc,
			   "%s attaches at a raw kernel address and is unsafe; run sonde with "
			   "--unsafe to allow it",
			   text);
		return -1;
	}
	const struct features *f = feat_get(c->host);
	if (!f->kprobes) {
		diag_error(c->diag, spec->loc,
			   "%s: a kernel address needs kprobes (%s); fentry attaches only to "
			   "functions by name",
			   text, f->kprobes_why);
		return -1;
	}
	/* `func` names the function the address falls in, as a stack would */
	const char *name = NULL;
	uint64_t off = 0;
	const char *func = sym_kernel_lookup(c->host, addr, &name, &off) == 0
				   ? arena_strdup(&c->arena, name)
				   : arena_printf(&c->arena, "0x%llx", addr);
	struct kfunc_ap *k = arena_alloc(&c->arena, sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->ret = is_return;
	c->boot_bound = true; /* an address of this boot (KASLR) */
	struct attach_point ap = {
		.prov = prov,
		.spec = arena_printf(&c->arena, "%s:0x%llx", prov->name, addr),
		.target = is_return ? "kretprobe" : "kprobe",
		.func = func,
		.value = addr,
		.aux = KFUNC_AT_ADDRESS,
		.data = k,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

/* fentry:bpf:[ID:]NAME and fexit:bpf:[ID:]NAME: the trampoline on a
 * function of a running BPF program (its main program or a subprogram),
 * as in bpftrace 0.26. The target program is found again by id when
 * sonde's program is loaded (kfunc_prepare), which needs its fd. */
struct bpf_expand {
	struct compilation *c;
	struct node *spec;
	const struct provider *prov;
	const char *glob;
	bool ret;
	size_t added;
};

static int add_bpf_point(const struct bpf_prog_func *f, void *arg)
{
	struct bpf_expand *x = arg;
	struct compilation *c = x->c;
	if (fnmatch(x->glob, f->name, 0))
		return 0;
	if (x->added >= KFUNC_MAX_PROBES)
		return 1;
	struct kfunc_ap *k = arena_alloc(&c->arena, sizeof(*k));
	memset(k, 0, sizeof(*k));
	k->fentry = true;
	k->ret = x->ret;
	/* no types (bpftrace has no args here either), but fexit's retval
	 * comes after the arguments */
	k->fn.nparams = f->nparams;
	/* a BPF function returning int leaves the upper half of the register
	 * undefined: retval is read at the returned type's size */
	k->fn.has_ret = f->ret_size != 0;
	k->fn.ret.size = f->ret_size;
	k->fn.ret.is_signed = f->ret_signed;
	k->fn.ret.readable = f->ret_size != 0;
	c->boot_bound = true; /* a program id of this boot */
	struct attach_point ap = {
		.prov = x->prov,
		.spec = arena_printf(&c->arena, "%s:bpf:%u:%s", x->prov->name, f->prog_id, f->name),
		.target = x->ret ? "fexit" : "fentry",
		.func = arena_strdup(&c->arena, f->name),
		.value = f->prog_id,
		.aux = KFUNC_BPF_PROG,
		.data = k,
		.loc = x->spec->loc,
	};
	sema_add_attach_point(c, &ap);
	x->added++;
	return 0;
}

static int expand_bpf_prog(struct compilation *c, struct node *spec, const char *rest,
			   const struct provider *prov, bool is_return)
{
	const char *text = spec->u.spec.text;
	const struct features *f = feat_get(c->host);
	if (!f->fentry) {
		diag_error(c->diag, spec->loc,
			   "%s: attaching to a BPF program needs fentry, and %s; kprobes cannot "
			   "stand in",
			   text, f->fentry_why);
		return -1;
	}
	uint32_t id = 0;
	const char *glob = rest;
	const char *colon = strchr(rest, ':');
	if (colon) {
		char *end = NULL;
		errno = 0;
		unsigned long v = strtoul(rest, &end, 10);
		if (end != colon || errno || !v || v > UINT32_MAX) {
			diag_error(c->diag, spec->loc,
				   "'%s': written %s:bpf:NAME or %s:bpf:PROGRAM_ID:NAME, with a "
				   "numeric program id",
				   text, prov->name, prov->name);
			return -1;
		}
		id = (uint32_t)v;
		glob = colon + 1;
	}
	if (!*glob) {
		diag_error(c->diag, spec->loc, "'%s': the BPF function's name is missing", text);
		return -1;
	}
	struct bpf_expand x = {c, spec, prov, glob, is_return, 0};
	int rc = bpf_prog_funcs_each(id, add_bpf_point, &x);
	if (rc < 0) {
		diag_error(c->diag, spec->loc, "%s: cannot list the kernel's BPF programs: %s", text,
			   strerror(-rc));
		return -1;
	}
	if (!x.added) {
		if (id)
			diag_error(c->diag, spec->loc,
				   "%s: no running BPF program %u with BTF has a function matching "
				   "'%s' (sonde -l 'fentry:bpf:*' lists them)",
				   text, id, glob);
		else
			diag_error(c->diag, spec->loc,
				   "%s: no running BPF program with BTF has a function matching '%s' "
				   "(sonde -l 'fentry:bpf:*' lists them)",
				   text, glob);
		return -1;
	}
	return 0;
}

int kfunc_prepare(const struct probe_desc *pd, struct bpf_program *prog, int *keep_fd, char *err,
		  size_t errsz)
{
	*keep_fd = -1;
	if (pd->aux != KFUNC_BPF_PROG)
		return 0;
	int fd = bpf_prog_get_fd_by_id((uint32_t)pd->value);
	if (fd < 0) {
		int e = -errno;
		snprintf(err, errsz, "BPF program %llu is gone: %s", (unsigned long long)pd->value,
			 strerror(-e));
		return e;
	}
	int rc = bpf_program__set_attach_target(prog, fd, pd->func);
	if (rc) {
		close(fd);
		snprintf(err, errsz, "BPF program %llu has no function %s: %s",
			 (unsigned long long)pd->value, pd->func, strerror(-rc));
		return rc;
	}
	*keep_fd = fd; /* the kernel reads it when sonde's program loads */
	return 0;
}

int kfunc_expand(struct compilation *c, struct node *spec, const char *rest,
		 const struct provider *prov, bool is_return, bool prefer_fentry)
{
	const char *text = spec->u.spec.text;
	if (!rest || !*rest) {
		diag_error(c->diag, spec->loc, "%s probes are written %s[:MODULE]:FUNCTION%s, got '%s'",
			   prov->name, prov->name, !is_return && !prefer_fentry ? "[+OFFSET]" : "",
			   text);
		return -1;
	}
	if (!prefer_fentry && rest[0] >= '0' && rest[0] <= '9' && !strchr(rest, ':'))
		return expand_address(c, spec, rest, prov, is_return);
	if (prefer_fentry && !strncmp(rest, "bpf:", 4))
		return expand_bpf_prog(c, spec, rest + 4, prov, is_return);
	const char *module = NULL;
	const char *colon = strchr(rest, ':');
	if (colon) {
		module = arena_strndup(&c->arena, rest, (size_t)(colon - rest));
		rest = colon + 1;
		if (!*module || !*rest || strchr(rest, ':') || has_glob(module)) {
			diag_error(c->diag, spec->loc,
				   "'%s': %s probes are written %s[:MODULE]:FUNCTION, with a module "
				   "name without wildcards",
				   text, prov->name, prov->name);
			return -1;
		}
		int loaded = sym_kernel_in_module(c->host, NULL, module);
		if (loaded == 0) {
			diag_error(c->diag, spec->loc,
				   "%s: kernel module '%s' is not loaded (no function of it in "
				   "/proc/kallsyms); without a module, the %s probe type requires 1 "
				   "argument, the function",
				   text, module, prov->name);
			return -1;
		}
	}
	char *fn = arena_strdup(&c->arena, rest);
	uint64_t offset = 0;
	char *plus = strchr(fn, '+');
	if (plus) {
		char *end = NULL;
		errno = 0;
		offset = strtoull(plus + 1, &end, 0);
		if (is_return || prefer_fentry || !plus[1] || *end || errno || plus == fn) {
			diag_error(c->diag, spec->loc,
				   is_return || prefer_fentry
					   ? "'%s': only kprobe: takes an offset (FUNCTION+OFFSET)"
					   : "'%s': the offset in FUNCTION+OFFSET must be a number",
				   text);
			return -1;
		}
		*plus = 0;
	}
	/* before what the kernel offers: such a probe is refused everywhere */
	if (is_return && !prefer_fentry && banned_kretprobe(fn)) {
		diag_error(c->diag, spec->loc,
			   "refused by policy, not a kernel error: kretprobe:%s can't be used as "
			   "it might lock up your system (a return probe on a spin lock function); "
			   "kprobe:%s can",
			   fn, fn);
		return -1;
	}

	const struct features *f = feat_get(c->host);
	bool fentry;
	const char *kind = is_return ? "kretprobe" : "kprobe";
	const char *tkind = is_return ? "fexit" : "fentry";
	/* A module's functions are typed by the module's own BTF, which sonde
	 * does not read: they attach as kprobes, also for fentry:MODULE:FN. */
	if (prefer_fentry && f->fentry && !(module && f->kprobes)) {
		fentry = true;
	} else if (f->kprobes) {
		fentry = false;
	} else if (f->fentry) {
		fentry = true;
	} else if (prefer_fentry) {
		diag_error(c->diag, spec->loc, "%s: %s, and the %s fallback is not possible: %s",
			   text, f->fentry_why, kind, f->kprobes_why);
		return -1;
	} else {
		/* As in bpftrace, a kprobe compiles and loads (its program
		 * type needs no kprobes) and fails when it attaches: after
		 * BEGIN, which may exit() first, and under missing_probes. */
		diag_warning(c->diag, spec->loc, "%s: %s and %s: attaching it will fail", text,
			     f->kprobes_why, f->fentry_why);
		fentry = false;
	}
	if (fentry && module) {
		diag_error(c->diag, spec->loc,
			   "%s: a kernel module's functions need kprobes here (%s); %s reads "
			   "types only from vmlinux's BTF",
			   text, f->kprobes_why, tkind);
		return -1;
	}
	if (fentry && offset) {
		diag_error(c->diag, spec->loc,
			   "%s: an offset needs kprobes (%s); the %s fallback attaches only at "
			   "function entry",
			   text, f->kprobes_why, tkind);
		return -1;
	}
	if (fentry && !f->btf) {
		diag_error(c->diag, spec->loc, "%s: %s needs kernel BTF: %s", text, tkind, f->btf_why);
		return -1;
	}

	struct expand_ctx x = {.c = c, .spec = spec, .prov = prov, .fentry = fentry,
			       .ret = is_return, .offset = offset, .module = module,
			       .cap = {.max = KFUNC_MAX_PROBES}};
	if (has_glob(fn)) {
		const char *searched = "";
		int rc = module ? kfunc_module_each(c->host, module, fn, add_point, &x, &searched)
				: kfunc_each(c->host, fn, fentry, add_point, &x, &searched);
		if (rc < 0) {
			diag_error(c->diag, spec->loc, "%s: cannot list kernel functions: %s", text,
				   strerror(-rc));
			return -1;
		}
		if (expand_cap_check(c, &x.cap, spec, "kernel functions"))
			return -1;
		if (!x.cap.added) {
			if (module)
				return sema_missing_probe(c, spec->loc,
							  "no function of kernel module '%s' matches "
							  "'%s' (searched %s)",
							  module, fn, searched);
			return sema_missing_probe(c, spec->loc,
						  "no kernel function matches '%s' (searched %s)", fn,
						  searched);
		}
		return 0;
	}
	if (module) {
		if (sym_kernel_in_module(c->host, fn, module) == 0)
			return sema_missing_probe(c, spec->loc,
						  "%s: kernel module '%s' has no function '%s' in "
						  "/proc/kallsyms",
						  text, module, fn);
		add_point(fn, &x);
		return 0;
	}
	struct btf_func bf;
	bool in_btf = f->btf && btf_func_get(c->host, fn, &bf) == 0;
	if (fentry && !in_btf) {
		diag_error(c->diag, spec->loc,
			   "%s: kernel function '%s' is not in BTF, so %s cannot attach to it", text,
			   fn, tkind);
		return -1;
	}
	if (!fentry && !in_btf && sym_kernel_has(c->host, fn) == 0) {
		int keep = sema_missing_probe_at_attach(
		    c, spec->loc, "%s: no kernel function '%s' in /proc/kallsyms", text, fn);
		if (keep <= 0)
			return keep;
	}
	add_point(fn, &x);
	return 0;
}

/* Kprobes (not trampolines, whose programs each name their function) at
 * a function's entry or return, where the kernel gives the program a
 * cookie: a perf-event kprobe since 5.15, a kprobe_multi link since 5.18.
 * Where the kernel has kprobe_multi, a shared program is of that kind,
 * attached to all its functions in one link (kfunc_attach_shared); a
 * module's functions are named MODULE:FUNCTION, which that link does not
 * look up. */
static const char *kfunc_share_class(struct compilation *c, const struct attach_point *ap)
{
	struct kfunc_ap *k = ap->data;
	if (!k || k->fentry || ap->value || ap->aux)
		return NULL;
	if (feat_section_has_helper("kprobe", BPF_FUNC_get_attach_cookie) != 1)
		return NULL;
	k->multi_if_shared = !strchr(ap->target, ':') && feat_kprobe_multi(c->host);
	return ap->target;
}

const char *kfunc_section(struct arena *a, const struct attach_point *ap)
{
	if (ap->shared && ap->data && ((const struct kfunc_ap *)ap->data)->multi_if_shared)
		return arena_printf(a, "%s.multi/%s", ap->target, ap->func);
	/* libbpf finds an fentry program's attach_btf_id from its section;
	 * the target's ":MODULE" is not part of it */
	return arena_printf(a, "%.*s/%s", (int)strcspn(ap->target, ":"), ap->target, ap->func);
}

static void fill_value(struct compilation *c, struct ctx_access *out, const struct btf_value *v,
                       bool fentry, uint32_t slot)
{
	/* an untagged pointer or an integer may hold an address of either
	 * space: BTF without type tags does not say */
	probe_btf_value_access(c, v, fentry ? CTX_U64_ARRAY : CTX_LOAD, slot,
	                       v->user ? SPACE_USER : SPACE_ANY, out);
}

/* A kretprobe (the fallback of fexit) no longer has the argument
 * registers: reports that `what` cannot be read and returns true. */
static bool args_gone(struct compilation *c, const struct attach_point *ap, const char *what,
		      struct loc loc)
{
	const struct kfunc_ap *k = ap->data;
	if (k->fentry || !k->ret)
		return false;
	diag_error(c->diag, loc,
		   "%s: arguments are not available here: %s falls back to a kretprobe on "
		   "this kernel, where the argument registers are gone",
		   what, ap->spec);
	return true;
}

int kfunc_arg_field(struct compilation *c, const struct attach_point *ap, const char *name,
		    struct loc loc, struct ctx_access *out)
{
	const struct kfunc_ap *k = ap->data;
	const char *what = arena_printf(&c->arena, "args.%s", name);
	if (args_gone(c, ap, what, loc))
		return -1;
	if (!k->has_btf) {
		diag_error(c->diag, loc,
			   "args.%s: the arguments of %s are not known (no kernel BTF for it); use "
			   "arg0..arg5",
			   name, ap->func);
		return -1;
	}
	int i = probe_btf_param(c, &k->fn, name, loc, ap->func, "parameter",
	                        arena_printf(&c->arena, "%s:%s", ap->prov->name, ap->func));
	if (i < 0)
		return -1;
	if (!k->fentry && i >= 6) {
		diag_error(c->diag, loc,
		           "args.%s is argument %d of %s, passed on the stack; kprobes read "
		           "only the six register arguments",
		           name, i, ap->func);
		return -1;
	}
	fill_value(c, out, &k->fn.params[i], k->fentry,
	           k->fentry ? (uint32_t)i * 8 : kfunc_pt_regs_arg[i]);
	compilation_bind_kernel(c, loc,
	                        arena_printf(&c->arena,
	                                     "args.%s of %s (argument %d in this kernel's %s)",
	                                     name, ap->spec, i, ap->func));
	return 0;
}

int kfunc_arg_index(struct compilation *c, const struct attach_point *ap, int index,
		    struct loc loc, struct ctx_access *out)
{
	const struct kfunc_ap *k = ap->data;
	const char *what = arena_printf(&c->arena, "arg%d", index);
	if (args_gone(c, ap, what, loc))
		return -1;
	memset(out, 0, sizeof(*out));
	out->size = 8;
	out->type = &type_u64;
	if (k->fentry) {
		if (k->has_btf && index >= k->fn.nparams) {
			diag_error(c->diag, loc, "arg%d: %s takes %d argument%s", index, ap->func,
				   k->fn.nparams, k->fn.nparams == 1 ? "" : "s");
			return -1;
		}
		out->kind = CTX_U64_ARRAY;
		out->offset = (uint32_t)index * 8;
		/* argN is an integer: it may hold an address of either space */
		out->space = k->has_btf && k->fn.params[index].user ? SPACE_USER : SPACE_ANY;
		return 0;
	}
	if (index >= 6) {
		diag_error(c->diag, loc,
			   "arg%d is passed on the stack; kprobes read only arg0..arg5 (registers)",
			   index);
		return -1;
	}
	out->kind = CTX_LOAD;
	out->offset = kfunc_pt_regs_arg[index];
	out->space = k->has_btf && index < k->fn.nparams && k->fn.params[index].user
			     ? SPACE_USER
			     : SPACE_ANY;
	return 0;
}

int kfunc_retval(struct compilation *c, const struct attach_point *ap, struct loc loc,
		 struct ctx_access *out)
{
	const struct kfunc_ap *k = ap->data;
	bool typed_ret = k->has_btf || (k->fentry && k->fn.ret.readable);
	if ((k->has_btf || ap->aux == KFUNC_BPF_PROG) && !k->fn.has_ret) {
		diag_error(c->diag, loc, "retval: %s returns void", ap->func);
		return -1;
	}
	struct btf_value u64v = {.size = 8, .readable = true};
	const struct btf_value *v = typed_ret && k->fn.ret.readable ? &k->fn.ret : &u64v;
	fill_value(c, out, v, k->fentry,
	           k->fentry ? (uint32_t)k->fn.nparams * 8 : (uint32_t)PT_REGS_RC_OFFSET);
	/* A BPF function's context is laid out as the verifier judged its
	 * BTF: five u64 arguments where it found the prototype unreliable
	 * (a main program's usually), so the return value's slot is not
	 * known here; the helper knows it. */
	if (ap->aux == KFUNC_BPF_PROG)
		out->kind = CTX_FUNC_RET;
	return 0;
}

int kfunc_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		 struct rt_attachment *att, char *err, size_t errsz)
{
	struct bpf_link *link;
	bool fentry = !strncmp(pd->target, "f", 1);
	/* target is the mode, then ":MODULE" for kprobe:MODULE:FUNCTION */
	size_t mode_len = strcspn(pd->target, ":");
	const char *module = pd->target[mode_len] ? pd->target + mode_len + 1 : NULL;
	/* the kernel resolves "MODULE:FUNCTION" itself (kallsyms) */
	char symbol[256];
	snprintf(symbol, sizeof(symbol), "%s%s%s", module ? module : "", module ? ":" : "",
		 pd->func);
	bool at_address = pd->aux == KFUNC_AT_ADDRESS;
	const struct features *f = feat_get(h);
	if (!fentry && !f->kprobes) {
		/* compiled with a warning (kfunc_expand): the reason, not
		 * the errno of a kprobe_events write that cannot work */
		snprintf(err, errsz, "%s and %s", f->kprobes_why, f->fentry_why);
		return -ENODEV;
	}
	if (fentry) {
		link = bpf_program__attach_trace(prog);
	} else {
		LIBBPF_OPTS(bpf_kprobe_opts, opts, .offset = pd->value,
			    .retprobe = !strncmp(pd->target, "kretprobe", mode_len),
			    .bpf_cookie = pd->cookie);
		/* the message below says what failed; libbpf's own line on
		 * stderr would say it twice, in errno's words */
		libbpf_print_fn_t old = libbpf_set_print(NULL);
		link = bpf_program__attach_kprobe_opts(prog, at_address ? NULL : symbol, &opts);
		int e = errno;
		libbpf_set_print(old);
		errno = e;
	}
	if (!link) {
		int e = -errno;
		if (e == -EILSEQ && pd->value && !at_address)
			/* bpftrace's words for what the kernel's EILSEQ means here */
			snprintf(err, errsz,
				 "possible attachment attempt in the middle of an instruction, try "
				 "a different offset");
		else
			snprintf(err, errsz, "attaching as %.*s to %s failed: %s", (int)mode_len,
				 pd->target, at_address ? pd->spec : symbol, strerror(-e));
		return e;
	}
	return rt_attachment_add_link(att, link);
}

/* Attaches pds[0..n) in one kprobe_multi link; when the kernel refuses
 * the link (one function it cannot trace), each half in a link of its
 * own, down to the one function that fails, whose rcs gets the error. */
static void attach_multi_range(const struct probe_desc *const *pds, const char **syms,
                               const __u64 *cookies, size_t n, struct bpf_program *prog,
                               struct rt_attachment *att, int *rcs, char *err, size_t errsz)
{
	LIBBPF_OPTS(bpf_kprobe_multi_opts, opts, .syms = syms, .cookies = cookies, .cnt = n,
	            .retprobe = !strncmp(pds[0]->target, "kretprobe", 9));
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	struct bpf_link *link = bpf_program__attach_kprobe_multi_opts(prog, NULL, &opts);
	int e = link ? 0 : -errno;
	libbpf_set_print(old);
	if (link) {
		int rc = rt_attachment_add_link(att, link);
		if (rc)
			bpf_link__destroy(link);
		for (size_t i = 0; i < n; i++)
			rcs[i] = rc;
		return;
	}
	if (n == 1) {
		rcs[0] = e;
		if (!*err)
			snprintf(err, errsz, "attaching as %s to %s failed: %s", pds[0]->target,
			         pds[0]->func, strerror(-e));
		return;
	}
	size_t half = n / 2;
	attach_multi_range(pds, syms, cookies, half, prog, att, rcs, err, errsz);
	attach_multi_range(pds + half, syms + half, cookies + half, n - half, prog, att, rcs + half,
	                   err, errsz);
}

/* The functions of a kprobe_multi program (kfunc_share_class), in one
 * link; any other shared program is attached one kprobe at a time */
static int kfunc_attach_shared(struct host *h, const struct probe_desc *const *pds, size_t n,
                               struct bpf_program *prog, struct rt_attachment *att, int *rcs,
                               char *err, size_t errsz)
{
	if (bpf_program__expected_attach_type(prog) != BPF_TRACE_KPROBE_MULTI)
		return -EOPNOTSUPP;
	const struct features *f = feat_get(h);
	if (!f->kprobes) {
		for (size_t i = 0; i < n; i++)
			rcs[i] = -ENODEV;
		snprintf(err, errsz, "%s", f->kprobes_why);
		return 0;
	}
	const char **syms = calloc(n, sizeof(*syms));
	__u64 *cookies = calloc(n, sizeof(*cookies));
	if (!syms || !cookies) {
		free(syms);
		free(cookies);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		syms[i] = pds[i]->func;
		cookies[i] = pds[i]->cookie;
	}
	attach_multi_range(pds, syms, cookies, n, prog, att, rcs, err, errsz);
	free(syms);
	free(cookies);
	return 0;
}

static int kprobe_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return kfunc_expand(c, spec, rest, &provider_kprobe, false, false);
}

static int kretprobe_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return kfunc_expand(c, spec, rest, &provider_kretprobe, true, false);
}

static int kprobe_list(struct probe_lister *l, const char *rest)
{
	return kfunc_list(l, rest, &provider_kprobe, false);
}

static int kretprobe_list(struct probe_lister *l, const char *rest)
{
	return kfunc_list(l, rest, &provider_kretprobe, false);
}

static const char *const kprobe_aliases[] = {"k", NULL};
static const char *const kretprobe_aliases[] = {"kr", NULL};

const struct provider provider_kprobe = {
	.name = "kprobe",
	.aliases = kprobe_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_ARGS | CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC | CTX_HAS_SARG |
	       CTX_HAS_OVERRIDE,
	.fires_newest_first = true,
	.expand = kprobe_expand,
	.section = kfunc_section,
	.share_class = kfunc_share_class,
	.arg_field = kfunc_arg_field,
	.arg_index = kfunc_arg_index,
	.attach = kfunc_attach,
	.attach_shared = kfunc_attach_shared,
	.list = kprobe_list,
	.untyped_list_order = 1,
};

const struct provider provider_kretprobe = {
	.name = "kretprobe",
	.aliases = kretprobe_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_RETVAL | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC,
	.expand = kretprobe_expand,
	.section = kfunc_section,
	.share_class = kfunc_share_class,
	.retval = kfunc_retval,
	.attach = kfunc_attach,
	.attach_shared = kfunc_attach_shared,
	.list = kretprobe_list,
};
