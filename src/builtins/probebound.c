/*
 * probebound.c - functions bpftrace allows in one kind of probe only,
 * because the kernel gives their helper to that kind of program only (the
 * rows' CTX_HAS_BINARY, CTX_HAS_D_PATH and CTX_HAS_OVERRIDE say which):
 * uaddr("SYM") (uprobe, uretprobe, usdt: a symbol of the probed binary,
 * found now), path(p[, size]) (fentry, fexit: bpf_d_path) and override(rc)
 * (kprobe: bpf_override_return, needs --unsafe).
 */
#include <errno.h>
#include <string.h>

#include "builtins/check.h"
#include "kernel/symbols.h"
#include "options.h"
#include "sema/sema_internal.h"

/* uaddr("SYM"): a pointer to the symbol in the probed binary: its ELF
 * st_value in a binary loaded where it was linked, and in a PIE or shared
 * library (ET_DYN) that value moved by the base the traced process loaded
 * the file at, as bpftrace 0.26 gives it (u.call.value = 1: the backend
 * adds the probe's instruction pointer minus the site's own ELF address),
 * to an unsigned integer of the
 * symbol's size when that is 1, 2, 4 or 8 bytes, else to a u64 */
struct type *check_uaddr(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args;
	if (arg->kind != N_STR) {
		check_expr(s, arg);
		diag_error(s->d, arg->loc, "uaddr() needs a symbol name in quotes");
		return NULL;
	}
	uint64_t addr = 0, size = 0;
	for (size_t i = 0; i < s->naps; i++) {
		const char *bin = s->aps[i].target;
		uint64_t a = 0, sz = 0;
		int rc = bin ? sym_elf_symbol(bin, arg->u.str.s, &a, &sz) : -ENOENT;
		if (rc) {
			diag_error(s->d, arg->loc, "uaddr(): %s has no symbol '%s'%s%s",
			           bin ? bin : s->aps[i].spec, arg->u.str.s,
			           rc == -ENOENT ? "" : ": ", rc == -ENOENT ? "" : strerror(-rc));
			return NULL;
		}
		if (i && a != addr) {
			diag_error(s->d, arg->loc,
			           "uaddr(): '%s' is at different addresses in the probe's binaries "
			           "(%s and %s)",
			           arg->u.str.s, s->aps[0].target, bin);
			return NULL;
		}
		uint64_t site = 0;
		bool dyn = false;
		rc = sym_elf_offset_vaddr(s->c->host, bin, s->aps[i].value, &site, &dyn);
		if (rc) {
			diag_error(s->d, arg->loc, "uaddr(): cannot find where %s is loaded: %s", bin,
			           strerror(-rc));
			return NULL;
		}
		if (dyn && !(s->aps[i].prov->ctx & CTX_HAS_SITE_IP)) {
			diag_error(s->d, arg->loc,
			           "uaddr(): %s is position-independent (PIE or a shared library), and "
			           "in a %s probe sonde cannot tell where it is loaded; use uaddr() in a "
			           "uprobe or usdt probe",
			           bin, s->aps[i].prov->name);
			return NULL;
		}
		if (i && dyn != (n->u.call.value != 0)) {
			diag_error(s->d, arg->loc,
			           "uaddr(): '%s' is in both position-dependent and position-independent "
			           "binaries (%s and %s)",
			           arg->u.str.s, s->aps[0].target, bin);
			return NULL;
		}
		n->u.call.value = dyn;
		addr = a, size = sz;
	}
	n->u.call.kaddr = addr;
	struct type *elem = size == 1 || size == 2 || size == 4 || size == 8
	                        ? type_int(false, (uint32_t)size)
	                        : &type_u64;
	return type_in_space(s->a, type_ptr(s->a, elem), SPACE_USER);
}

/* a struct path in kernel memory (args.filp->f_path) or a pointer to one */
/* The BPF program type of a section name ("fentry/vfs_read"): its first
 * word is `kind` */
static bool section_kind(const char *sec, size_t len, const char *kind)
{
	return strlen(kind) == len && !strncmp(sec, kind, len);
}

/* Every attach point's program is a tracing one (fentry, fexit: `tracing`)
 * or a kprobe, by its section: a kprobe may run as fentry on this kernel
 * and the reverse. Else the error names the program type. */
static bool programs_are(struct sema *s, struct node *n, bool tracing, const char *helper)
{
	for (size_t i = 0; i < s->naps; i++) {
		const struct attach_point *ap = &s->aps[i];
		const char *sec = ap->prov->section ? ap->prov->section(s->a, ap) : NULL;
		size_t len = sec ? strcspn(sec, "/.") : 0;
		bool ok = len && (tracing ? section_kind(sec, len, "fentry") ||
		                                section_kind(sec, len, "fexit")
		                          : section_kind(sec, len, "kprobe"));
		if (!ok) {
			diag_error(s->d, n->loc,
			           "'%s()' is not available in %s probes here: this kernel runs them "
			           "as %.*s programs, which have no %s",
			           n->u.call.name, ap->prov->name, (int)len, sec ? sec : "", helper);
			return false;
		}
	}
	return true;
}

static bool is_struct_path(const struct type *t)
{
	if (t && t->kind == TYPE_PTR)
		t = t->elem;
	if (!t || t->kind != TYPE_RECORD || t->by_value || !t->name)
		return false;
	const char *nm = t->name;
	if (!strncmp(nm, "struct ", 7))
		nm += 7;
	return !strcmp(nm, "path");
}

/* path(p[, size]): the kernel's d_path of a struct path (a member such as
 * args.filp->f_path) or a pointer to one (a BTF argument of the traced
 * function), at most size bytes (max_strlen by default) */
struct type *check_path(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args, *size = arg->next;
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (!is_struct_path(t)) {
		diag_error(s->d, arg->loc, "path() needs a 'struct path' or a pointer to one, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	uint32_t len = s->c->opts->max_strlen;
	if (size) {
		if (size->kind != N_INT || size->u.int_lit.value < 1 ||
		    size->u.int_lit.value > MAX_STRLEN_MAX) {
			check_expr(s, size);
			diag_error(s->d, size->loc,
			           "path() needs its size as an integer literal from 1 to %u",
			           (unsigned)MAX_STRLEN_MAX);
			return NULL;
		}
		len = (uint32_t)size->u.int_lit.value;
	}
	if (!programs_are(s, n, true, "bpf_d_path"))
		return NULL;
	return type_str(s->a, len);
}

/* override(rc): the probed function returns rc without running */
struct type *check_override(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args;
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (!is_int(t)) {
		diag_error(s->d, arg->loc, "override() needs an integer return value, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	if (!programs_are(s, n, false, "bpf_override_return"))
		return NULL;
	return &type_void;
}
