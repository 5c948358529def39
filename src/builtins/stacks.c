/*
 * stacks.c - stacks and symbols: kstack, ustack (a bare value or a call,
 * one row each; the context they need, CTX_HAS_STACK, is in the row),
 * ksym, usym, kaddr, percpu_kaddr.
 */
#include <errno.h>
#include <string.h>

#include "builtins/check.h"
#include "kernel/btf.h"
#include "kernel/host.h"
#include "kernel/symbols.h"
#include "sema/sema_internal.h"
#include "settings.h"

/* kstack([MODE][, LIMIT]): MODE is a bare word, LIMIT a literal */
static struct type *check_stack(struct sema *s, struct node *n, bool user)
{
	/* the config's stack_mode (BPFTRACE_STACK_MODE) unless the call names one */
	enum stack_mode mode = (enum stack_mode)s->c->opts->stack_mode;
	if (n->kind == N_IDENT) { /* the bare name: the defaults */
		s->c->uses_stacks = true;
		if (mode != STACK_MODE_BPFTRACE)
			return type_stack(s->a, user, mode, STACK_MAX_DEPTH);
		return user ? &type_ustack : &type_kstack;
	}
	uint32_t depth = STACK_MAX_DEPTH;
	struct node *a = n->u.call.args;
	if (a && a->kind == N_IDENT) {
		int m = -1;
		for (int i = 0; i < STACK_MODE__COUNT; i++)
			if (!strcmp(a->u.ident.name, stack_mode_names[i]))
				m = i;
		if (m < 0) {
			diag_error(s->d, a->loc,
			           "unknown stack mode '%s' (expected bpftrace, perf or raw)",
			           a->u.ident.name);
			const char *near =
			    diag_closest(a->u.ident.name, stack_mode_names, STACK_MODE__COUNT);
			if (near)
				diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
			return NULL;
		}
		mode = (enum stack_mode)m;
		a = a->next;
	}
	if (a) {
		bool ok = true;
		int64_t v = const_int(s, a, "the stack limit", &ok);
		if (!ok)
			return NULL;
		if (a->next) {
			diag_error(s->d, a->next->loc,
			           "%s() takes a mode and a limit, in that order", n->u.call.name);
			return NULL;
		}
		if (v < 1 || v > STACK_MAX_DEPTH) {
			diag_error(s->d, a->loc, "the stack limit must be 1 to %d frames",
			           STACK_MAX_DEPTH);
			return NULL;
		}
		depth = (uint32_t)v;
	}
	s->c->uses_stacks = true;
	return type_stack(s->a, user, mode, depth);
}

struct type *check_kstack(struct sema *s, struct node *n)
{
	return check_stack(s, n, false);
}

struct type *check_ustack(struct sema *s, struct node *n)
{
	return check_stack(s, n, true);
}

/* dw_ustack([MODE][, LIMIT]): ustack's arguments; unwinding needs the
 * unwind tables of the process, read when sonde starts: -p's or -c's */
struct type *check_dw_ustack(struct sema *s, struct node *n)
{
	enum unstable_mode mode = unstable_is(s->c->opts->unstable_dw_ustack);
	if (mode == UNSTABLE_ERROR) {
		diag_error(s->d, n->loc,
		           "dw_ustack (DWARF stack unwinding) feature is not enabled by default. To "
		           "enable this unstable feature, set the config flag to enable. "
		           "unstable_dw_ustack=enable");
		return NULL;
	}
#ifndef __x86_64__
	diag_error(s->d, n->loc, "dw_ustack is only available on x86_64");
	return NULL;
#endif
	if (!s->c->host->target_pid && !s->c->host->ndwarf_pids) {
		diag_error(s->d, n->loc,
		           "dw_ustack requires a target process: give it with -p PID, -c CMD or "
		           "--dwarf-pid PID (its unwind tables are read when sonde starts)");
		return NULL;
	}
	struct type *t = check_stack(s, n, true);
	if (!t)
		return NULL;
	struct type *d = arena_alloc(s->a, sizeof(*d));
	*d = *t;
	d->dwarf = true;
	if (mode == UNSTABLE_WARN && !s->c->dw_ustack_warned) {
		s->c->dw_ustack_warned = true;
		diag_warning(s->d, n->loc,
		             "Script is using an unstable feature: dw_ustack (DWARF stack unwinding). "
		             "To prevent this warning you must explicitly enable it in the config "
		             "e.g. unstable_dw_ustack=enable");
	}
	return d;
}

/* ksym(addr), usym(addr): the address, resolved to a name by the runtime */
static struct type *check_sym(struct sema *s, struct node *n, struct type *result)
{
	struct node *args = n->u.call.args;
	struct type *t = check_expr(s, args);
	if (!t)
		return NULL;
	if (!is_scalar(t)) {
		diag_error(s->d, args->loc, "%s() needs an address, got %s", n->u.call.name,
		           type_name(s->a, t));
		return NULL;
	}
	return result;
}

struct type *check_ksym(struct sema *s, struct node *n)
{
	return check_sym(s, n, &type_ksym);
}

struct type *check_usym(struct sema *s, struct node *n)
{
	return check_sym(s, n, &type_usym);
}

/* kaddr("name"): the kernel symbol's address, found now */
struct type *check_kaddr(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	if (args->kind != N_STR) {
		diag_error(s->d, args->loc, "kaddr() needs a symbol name in quotes");
		return NULL;
	}
	uint64_t addr = sym_kernel_addr(s->c->host, args->u.str.s);
	if (!addr) {
		diag_error(s->d, args->loc, "kaddr(): Failed to resolve kernel symbol '%s' (/proc/kallsyms has no such name)",
		           args->u.str.s);
		return NULL;
	}
	n->u.call.kaddr = addr;
	s->c->boot_bound = true; /* KASLR: the address of this boot */
	return &type_u64;
}

/* percpu_kaddr("NAME"[, CPU]): the address of per-CPU variable NAME on
 * this CPU or on CPU (0 when CPU is not one). The BPF program names the
 * variable, an extern the kernel's BTF types (libbpf resolves it), so it
 * must be a per-CPU VAR there; the value is an address in the kernel, a
 * uint64 as for bpftrace, read with * or through a cast. */
struct type *check_percpu_kaddr(struct sema *s, struct node *n)
{
	struct node *name = n->u.call.args;
	if (name->kind != N_STR) {
		diag_error(s->d, name->loc, "percpu_kaddr() needs a variable name in quotes");
		return NULL;
	}
	uint32_t var_id = 0;
	int err = btf_percpu_var(s->c->host, name->u.str.s, &var_id);
	if (err == -ENODATA) {
		diag_error(s->d, name->loc,
			   "percpu_kaddr() needs kernel BTF, which is not available");
		return NULL;
	}
	const char *var = name->u.str.s;
	bool listed = sym_kernel_listed(s->c->host, var);
	if (err == -EINVAL || (err == -ENOENT && listed)) {
		diag_error(s->d, name->loc,
			   "percpu_kaddr(): '%s' is not a per-CPU variable (kaddr(\"%s\") is its "
			   "address)",
			   var, var);
		return NULL;
	}
	if (err) {
		diag_error(s->d, name->loc,
			   "percpu_kaddr(): the kernel's BTF has no per-CPU variable named '%s'",
			   var);
		return NULL;
	}
	/* The verifier looks the variable up in kallsyms, which lists no
	 * variables in a kernel built without CONFIG_KALLSYMS_ALL: say so
	 * here rather than have the load fail. */
	if (!listed) {
		diag_error(s->d, name->loc,
			   "percpu_kaddr(): '%s' is not in /proc/kallsyms, where the kernel looks "
			   "it up to load the program (a kernel built with CONFIG_KALLSYMS_ALL "
			   "lists its variables)",
			   var);
		return NULL;
	}
	n->u.call.value = var_id;
	return type_in_space(s->a, &type_u64, SPACE_KERNEL);
}
