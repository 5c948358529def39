/*
 * registers.c - builtins that read the probe's registers or its context
 * itself: reg("NAME"), sarg0..sarg9 (arguments passed on the stack),
 * usermode, ctx. Only a program whose context is struct pt_regs (x86-64)
 * has registers to read; its program type, which libbpf takes from the
 * section, says so.
 */
#include "builtins/registers.h"

#include <string.h>

#include "builtins/check.h"
#include "front/arena.h"
#include "kernel/btf.h"
#include "sema/sema_internal.h"

/* struct pt_regs of x86-64, in order, every field 8 bytes, by the names
 * bpftrace gives them */
const char *const pt_regs_names[] = {
    "r15", "r14", "r13", "r12", "bp",      "bx", "r11", "r10", "r9", "r8", "ax",
    "cx",  "dx",  "si",  "di",  "orig_ax", "ip", "cs",  "flags", "sp", "ss", NULL,
};

int pt_regs_offset(const char *name)
{
	for (int i = 0; pt_regs_names[i]; i++)
		if (!strcmp(pt_regs_names[i], name))
			return i * 8;
	return -1;
}

static bool section_is(const char *sec, const char *prefix)
{
	size_t n = strlen(prefix);
	return !strncmp(sec, prefix, n) && (sec[n] == '\0' || sec[n] == '/' || sec[n] == '.');
}

bool ap_has_pt_regs(const struct attach_point *ap)
{
	if (ap->prov->run != RUN_ATTACHED || !ap->prov->section)
		return false;
	struct arena a;
	arena_init(&a);
	const char *sec = ap->prov->section(&a, ap);
	bool regs = sec && (section_is(sec, "kprobe") || section_is(sec, "kretprobe") ||
			    section_is(sec, "uprobe") || section_is(sec, "uretprobe") ||
			    section_is(sec, "perf_event"));
	arena_fini(&a);
	return regs;
}

bool ap_regs_are_user(const struct attach_point *ap)
{
	struct arena a;
	arena_init(&a);
	const char *sec = ap->prov->section(&a, ap);
	bool user = sec && (section_is(sec, "uprobe") || section_is(sec, "uretprobe"));
	arena_fini(&a);
	return user;
}

/* Reports the first attach point without pt_regs; returns whether all
 * have them. */
static bool all_have_pt_regs(struct sema *s, struct loc loc, const char *what)
{
	for (size_t i = 0; i < s->naps; i++) {
		const struct attach_point *ap = &s->aps[i];
		if (ap_has_pt_regs(ap))
			continue;
		/* the program type: a kprobe may run as fentry on this kernel */
		const char *sec = ap->prov->section ? ap->prov->section(s->a, ap) : NULL;
		int len = sec ? (int)strcspn(sec, "/.") : 0;
		if (ap->prov->run == RUN_ATTACHED && len)
			diag_error(s->d, loc,
				   "'%s' is not available in %s probes: their %.*s programs have no "
				   "registers (struct pt_regs), which kprobe, uprobe, usdt and "
				   "perf-event programs have",
				   what, ap->prov->name, len, sec);
		else
			diag_error(s->d, loc, "'%s' is not available in %s probes: they have no registers",
				   what, ap->prov->name);
		return false;
	}
	return true;
}

/* The space of an address held in a register: user memory in uprobes,
 * either elsewhere (a kernel register may hold a user address). */
static struct type *register_type(struct sema *s)
{
	struct type *t = NULL;
	for (size_t i = 0; i < s->naps; i++) {
		struct ctx_access acc = {
		    .type = &type_u64,
		    .space = ap_regs_are_user(&s->aps[i]) ? SPACE_USER : SPACE_ANY,
		};
		t = ctx_value_type(s, t, &acc);
	}
	return t ? t : &type_u64;
}

/* reg("NAME"): the register's value when the probe fired */
struct type *check_reg(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args;
	if (arg->kind != N_STR) {
		check_expr(s, arg);
		diag_error(s->d, arg->loc, "reg() needs a register's name in quotes, as in reg(\"sp\")");
		return NULL;
	}
	int off = pt_regs_offset(arg->u.str.s);
	if (off < 0) {
		diag_error(s->d, arg->loc, "'%s' is not a register of x86-64", arg->u.str.s);
		const char *near = diag_closest(arg->u.str.s, (const char **)pt_regs_names,
						sizeof(pt_regs_names) / sizeof(pt_regs_names[0]) - 1);
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean \"%s\"?", near);
		else
			diag_note(s->d, (struct loc){0},
				  "the registers: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si "
				  "di orig_ax ip cs flags sp ss");
		return NULL;
	}
	if (!all_have_pt_regs(s, n->loc, "reg()"))
		return NULL;
	n->u.call.value = (uint64_t)off;
	return register_type(s);
}

/* sarg0..sarg9: the Nth argument passed on the stack, 8 bytes each above
 * the return address at sp (at a function's entry) */
struct type *check_sargn(struct sema *s, struct node *n)
{
	const char *name = builtin_rows[n->u.ident.builtin_id].name;
	for (size_t i = 0; i < s->naps; i++)
		if (!(s->aps[i].prov->ctx & CTX_HAS_SARG)) {
			diag_error(s->d, n->loc,
				   "'%s' is not available in %s probes: only kprobe and uprobe probes, "
				   "at a function's entry, have it",
				   name, s->aps[i].prov->name);
			return NULL;
		}
	if (!all_have_pt_regs(s, n->loc, name))
		return NULL;
	for (size_t i = 0; i < s->naps; i++)
		if (strchr(s->aps[i].spec, '+'))
			diag_warning(s->d, n->loc,
				     "%s at an offset into the function: the stack may no longer be "
				     "as the function's entry left it",
				     name);
	return register_type(s);
}

/* 1 when the probe interrupted user code; BEGIN and END run in sonde's
 * own process (1), probes without registers in the kernel (0) */
struct type *check_usermode(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_u8;
}

/* the context pointer the program gets, as an address into the kernel:
 * struct pt_regs in kprobes and uprobes, the kernel's own context struct
 * elsewhere (in perf events not bpf_perf_event_data but the kernel's
 * bpf_perf_event_data_kern, as in bpftrace) */
struct type *check_ctx(struct sema *s, struct node *n)
{
	for (size_t i = 0; i < s->naps; i++)
		if (s->aps[i].prov->run != RUN_ATTACHED) {
			diag_error(s->d, n->loc, "'ctx' is not available in %s probes: they have no context",
				   s->aps[i].prov->name);
			return NULL;
		}
	/* iterators: the kernel's struct of their context (bpf_iter__task),
	 * when every attach point of the probe has the same */
	const char *record = NULL;
	for (size_t i = 0; i < s->naps; i++) {
		const struct provider *p = s->aps[i].prov;
		const char *r = p->ctx_record ? p->ctx_record(&s->aps[i]) : NULL;
		if (!r || (record && strcmp(record, r))) {
			record = NULL;
			break;
		}
		record = r;
	}
	if (record) {
		int id = btf_find_record(s->c->host, record, false);
		if (id <= 0) {
			diag_error(s->d, n->loc, "the kernel's BTF has no struct %s, the context of %s",
				   record, s->aps[0].spec);
			return NULL;
		}
		return type_in_space(s->a, type_ptr(s->a, record_type(s, (uint32_t)id)),
				     SPACE_KERNEL);
	}
	return type_in_space(s->a, type_ptr(s->a, &type_void), SPACE_KERNEL);
}
