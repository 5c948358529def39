/*
 * tracepoint.c - tracepoint:CATEGORY:NAME (alias t:), with wildcards.
 *
 * Specs are expanded against tracefs (events/CAT/NAME), each match becoming
 * one attach point whose format file types `args.FIELD`. Fields are read
 * straight from the tracepoint record the program receives as its context,
 * at offsets the running kernel's BTF relocates where it can (an
 * --emit-elf object then runs on another kernel).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compile.h"
#include "kernel/btf.h"
#include "kernel/features.h"
#include "kernel/host.h"
#include "kernel/syscalls.h"
#include "kernel/tracefs.h"
#include "probes/args.h"
#include "probes/provider.h"
#include "runtime/runtime.h"

extern const struct provider provider_tracepoint;

static const char *const tracepoint_aliases[] = {"t", NULL};

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void suggest(struct compilation *c, const char *tracefs, const char *cat, const char *name)
{
	char **names = NULL;
	size_t n = 0;
	const char *near = NULL;
	if (tp_names_in_category(&c->arena, tracefs, cat, &names, &n) == 0 && n) {
		near = diag_closest(name, (const char *const *)names, (int)n);
		if (near)
			diag_note(c->diag, (struct loc){0}, "did you mean 'tracepoint:%s:%s'?", cat,
				  near);
		return;
	}
	if (tp_categories(&c->arena, tracefs, &names, &n) == 0 && n) {
		near = diag_closest(cat, (const char *const *)names, (int)n);
		if (near)
			diag_note(c->diag, (struct loc){0}, "did you mean category '%s'?", near);
	}
}

static int tracepoint_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *colon = rest ? strchr(rest, ':') : NULL;
	if (!rest || !colon || colon == rest || !colon[1] || strchr(colon + 1, ':')) {
		diag_error(c->diag, spec->loc,
			   "a tracepoint is written tracepoint:CATEGORY:NAME, got '%s'",
			   spec->u.spec.text);
		return -1;
	}
	const char *tracefs = compilation_tracefs(c, spec->loc);
	if (!tracefs)
		return -1;
	char *cat = arena_strndup(&c->arena, rest, (size_t)(colon - rest));
	const char *name = colon + 1;
	char **matches = NULL;
	size_t n = 0;
	int err = tp_expand(&c->arena, tracefs, cat, name, &matches, &n);
	if (err) {
		diag_error(c->diag, spec->loc, "cannot list tracepoints in %s/events: %s", tracefs,
			   strerror(-err));
		return -1;
	}
	size_t added = 0;
	for (size_t i = 0; i < n; i++) {
		const char *sep = strchr(matches[i], ':');
		char *mcat = arena_strndup(&c->arena, matches[i], (size_t)(sep - matches[i]));
		/* ftrace's own events have format files but no BPF attach */
		if (!strcmp(mcat, "ftrace") && (has_glob(cat) || has_glob(name)))
			continue;
		struct tp_format *fmt = arena_alloc(&c->arena, sizeof(*fmt));
		err = tp_format_load(&c->arena, tracefs, mcat, sep + 1, fmt);
		if (err) {
			diag_error(c->diag, spec->loc, "cannot read the format of tracepoint %s: %s",
				   matches[i], strerror(-err));
			return -1;
		}
		struct attach_point ap = {
			.prov = &provider_tracepoint,
			.spec = arena_printf(&c->arena, "tracepoint:%s", matches[i]),
			.target = arena_printf(&c->arena, "%s/%s", mcat, sep + 1),
			.func = arena_strdup(&c->arena, sep + 1),
			.data = fmt,
			.loc = spec->loc,
		};
		sema_add_attach_point(c, &ap);
		added++;
	}
	if (!added) {
		bool glob = has_glob(cat) || has_glob(name);
		/* a wildcard that matches no tracepoint is an error even beside
		 * other specs, as in bpftrace 0.17, unless missing_probes says
		 * otherwise */
		if (glob && c->opts && c->opts->missing_probes == MISSING_PROBES_UNSET) {
			diag_error(c->diag, spec->loc, "no tracepoint matches '%s:%s'", cat, name);
			return -1;
		}
		/* bpftrace's words for a tracepoint that does not exist */
		int rc = glob ? sema_missing_probe(c, spec->loc, "no tracepoint matches '%s:%s'", cat,
		                                   name)
		              : sema_missing_probe(c, spec->loc, "tracepoint not found: %s:%s", cat,
		                                   name);
		if (rc && !glob)
			suggest(c, tracefs, cat, name);
		return rc;
	}
	return 0;
}

/* An attach point served by a raw_syscalls dispatcher (tracepoint_plan):
 * `value` is its syscall number + 1, `aux` SYSCALL_REGS_ENTER or _EXIT,
 * with AUX_NO_RECORD when its block never reads `args`, so that no
 * record is rebuilt */
enum { AUX_DIR_MASK = 3, AUX_NO_RECORD = 4 };
/* `aux` of an attach point of another category run as a raw tracepoint
 * program on the tracepoint of the same name (plan_raw) */
enum { AUX_RAW_TP = 8 };

static int tracepoint_syscall_regs(const struct attach_point *ap)
{
	if (!ap->value || (ap->aux & AUX_NO_RECORD))
		return SYSCALL_REGS_NONE;
	return (int)(ap->aux & AUX_DIR_MASK);
}

static int tracepoint_cookie_is_syscall_nr(const struct attach_point *ap)
{
	return ap->value ? (int)(ap->aux & AUX_DIR_MASK) : SYSCALL_REGS_NONE;
}

static const char *tracepoint_section(struct arena *a, const struct attach_point *ap)
{
	if (ap->value || (ap->aux & AUX_RAW_TP))
		return "raw_tp";
	return arena_printf(a, "tracepoint/%s", ap->target);
}

/* Fewer syscall tracepoints than this keep their perf events: they are
 * torn down quickly enough, and a dispatcher runs on every syscall of
 * the system, traced or not */
enum { SYSCALL_DISPATCH_MIN = 16 };

/* Whether `n` uses the builtin `name`, bare or called (after sema: macro
 * calls are expanded in place) */
static bool uses_name(struct node *n, const char *name)
{
	if (!n)
		return false;
	if ((n->kind == N_IDENT && !strcmp(n->u.ident.name, name)) ||
	    (n->kind == N_CALL && !strcmp(n->u.call.name, name)))
		return true;
	struct ast_child kids[AST_MAX_CHILDREN];
	int nkids = ast_children(n, kids);
	for (int i = 0; i < nkids; i++)
		for (struct node *k = *kids[i].slot; k; k = kids[i].is_list ? k->next : NULL)
			if (uses_name(k, name))
				return true;
	return false;
}

static bool block_uses(struct node *probe, const char *name)
{
	return uses_name(probe->u.probe.body, name) || uses_name(probe->u.probe.predicate, name);
}

/* What differs on a raw tracepoint: `kstack` starts in other kernel
 * frames, and `ctx` is the raw arguments, not the record */
static bool block_sees_ctx(struct node *probe)
{
	return block_uses(probe, "kstack") || block_uses(probe, "ctx");
}

/* The syscall event an attach point is, SYSCALL_REGS_NONE when another */
static int syscall_event(const struct attach_point *ap, const char **name)
{
	if (ap->prov != &provider_tracepoint || strncmp(ap->target, "syscalls/sys_", 13))
		return SYSCALL_REGS_NONE;
	if (!strncmp(ap->target + 13, "enter_", 6)) {
		*name = ap->target + 19;
		return SYSCALL_REGS_ENTER;
	}
	if (!strncmp(ap->target + 13, "exit_", 5)) {
		*name = ap->target + 18;
		return SYSCALL_REGS_EXIT;
	}
	return SYSCALL_REGS_NONE;
}

/* Decides which syscall tracepoints a dispatcher serves: those of
 * wildcards, when there are at least SYSCALL_DISPATCH_MIN, each alone on
 * its syscall number and direction (several probes on one event keep
 * their perf events, which run in script order), in a block without a
 * for loop. */
static void plan_syscalls(struct compilation *c)
{
	size_t candidates = 0;
	for (struct node *p = c->prog.probes; p; p = p->next)
		for (size_t i = 0; i < p->u.probe.naps; i++) {
			const char *name;
			if (syscall_event(&p->u.probe.aps[i], &name) && p->u.probe.aps[i].from_wildcard)
				candidates++;
		}
	if (candidates < SYSCALL_DISPATCH_MIN)
		return;
	const struct syscall_table *t = syscalls_table(c->host);
	if (!t || t->err) {
		if ((c->opts && c->opts->verbose))
			fprintf(stderr, "sonde: syscall tracepoints attached one by one: the kernel's "
			                "syscall numbers cannot be read (%s)\n",
			        strerror(t ? -t->err : ENOMEM));
		return;
	}
	/* probes per syscall number, enter and exit */
	size_t nslots = (size_t)t->max_nr + 1;
	uint16_t *count = calloc(2 * nslots, sizeof(*count));
	if (!count)
		return;
	for (struct node *p = c->prog.probes; p; p = p->next)
		for (size_t i = 0; i < p->u.probe.naps; i++) {
			const char *name;
			int dir = syscall_event(&p->u.probe.aps[i], &name);
			int nr = dir ? syscalls_nr(c->host, name) : -1;
			if (nr >= 0)
				count[(dir - 1) * nslots + (size_t)nr]++;
		}
	size_t served = 0, shared = 0, unknown = 0, looped = 0, ctx_kept = 0;
	for (struct node *p = c->prog.probes; p; p = p->next) {
		/* a for loop's body (a bpf_loop callback) cannot reach the record
		 * the prologue builds on the program's stack */
		bool loops = ast_contains_kind(p->u.probe.body, N_FOR) ||
		             ast_contains_kind(p->u.probe.predicate, N_FOR);
		bool record = block_uses(p, "args");
		bool sees_ctx = block_sees_ctx(p);
		for (size_t i = 0; i < p->u.probe.naps; i++) {
			struct attach_point *ap = &p->u.probe.aps[i];
			const char *name;
			int dir = syscall_event(ap, &name);
			if (!dir || !ap->from_wildcard)
				continue;
			int nr = syscalls_nr(c->host, name);
			if (nr < 0) {
				unknown++;
				continue;
			}
			if (count[(dir - 1) * nslots + (size_t)nr] > 1) {
				shared++;
				continue;
			}
			if (loops) {
				looped++;
				continue;
			}
			if (sees_ctx) {
				ctx_kept++;
				continue;
			}
			ap->value = (uint64_t)nr + 1;
			ap->aux = (uint64_t)dir | (record ? 0 : AUX_NO_RECORD);
			served++;
		}
	}
	free(count);
	if ((c->opts && c->opts->verbose)) {
		fprintf(stderr, "sonde: %zu syscall tracepoints served by raw_syscalls dispatchers\n",
		        served);
		if (shared)
			fprintf(stderr, "sonde: %zu kept as tracepoints: another probe is on the same "
			                "syscall event\n", shared);
		if (unknown)
			fprintf(stderr, "sonde: %zu kept as tracepoints: the kernel has no syscall "
			                "number for them\n", unknown);
		if (looped)
			fprintf(stderr, "sonde: %zu kept as tracepoints: their block has a for loop\n",
			        looped);
		if (ctx_kept)
			fprintf(stderr, "sonde: %zu kept as tracepoints: their block reads kstack or "
			                "ctx\n", ctx_kept);
	}
}

/* A kernel struct or union as a pointee; NULL when BTF has none. */
static struct type *tp_record(struct compilation *c, int id)
{
	struct btf_type_desc d;
	if (id <= 0 || btf_type_describe(c->host, (uint32_t)id, &d) || d.cls != BTC_RECORD)
		return NULL;
	struct type *t = arena_alloc(&c->arena, sizeof(*t));
	t->kind = TYPE_RECORD;
	t->size = d.size;
	t->align = 8;
	t->btf_id = (int32_t)d.id;
	t->name = arena_printf(&c->arena, "%s %s", d.is_union ? "union" : "struct",
	                       *d.name ? d.name : "<anonymous>");
	return t;
}

/* The type a pointer field points to, from its C spelling without
 * qualifiers and stars ("char", "unsigned long", "struct sockaddr",
 * "u32"): an integer, a kernel record, or void for what sonde cannot
 * name (a function, an unknown typedef). */
static struct type *tp_pointee(struct compilation *c, const char *base)
{
	static const struct {
		const char *name;
		bool is_signed;
		uint32_t size;
	} ints[] = {
	    {"char", 1, 1},
	    {"signed char", 1, 1},
	    {"unsigned char", 0, 1},
	    {"short", 1, 2},
	    {"short int", 1, 2},
	    {"unsigned short", 0, 2},
	    {"short unsigned int", 0, 2},
	    {"int", 1, 4},
	    {"signed int", 1, 4},
	    {"unsigned int", 0, 4},
	    {"unsigned", 0, 4},
	    {"long", 1, 8},
	    {"long int", 1, 8},
	    {"long long", 1, 8},
	    {"long long int", 1, 8},
	    {"unsigned long", 0, 8},
	    {"long unsigned int", 0, 8},
	    {"unsigned long long", 0, 8},
	    {"long long unsigned int", 0, 8},
	};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (!strcmp(base, ints[i].name))
			return type_int(ints[i].is_signed, ints[i].size);
	if (!strcmp(base, "void"))
		return &type_void;
	struct type *rec = NULL;
	if (!strncmp(base, "struct ", 7))
		rec = tp_record(c, btf_find_record(c->host, base + 7, false));
	else if (!strncmp(base, "union ", 6))
		rec = tp_record(c, btf_find_record(c->host, base + 6, true));
	else {
		int id = btf_find_named(c->host, base);
		struct btf_type_desc d;
		if (id > 0 && !btf_type_describe(c->host, (uint32_t)id, &d)) {
			if (d.cls == BTC_INT &&
			    (d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8))
				return type_int(d.is_signed, d.size);
			rec = tp_record(c, (int)d.id);
		}
	}
	return rec ? rec : &type_void;
}

/* A field declared as a pointer ("const char *", "const char *const *",
 * "struct sockaddr __user *") as a typed pointer, as bpftrace types it
 * from the format: *args.argv is a char *, str(args.argv[1]) a string. */
static struct type *tp_pointer_type(struct compilation *c, const char *c_type)
{
	char base[128] = "";
	size_t len = 0;
	int depth = 0;
	const char *p = c_type;
	while (*p) {
		while (*p == ' ')
			p++;
		if (*p == '*') {
			depth++;
			p++;
			continue;
		}
		size_t n = strcspn(p, " *");
		if (!n)
			break;
		bool qualifier =
		    (n == 5 && !strncmp(p, "const", 5)) || (n == 8 && !strncmp(p, "volatile", 8)) ||
		    (n == 6 && !strncmp(p, "__user", 6)) || (n == 8 && !strncmp(p, "restrict", 8));
		if (!qualifier && !depth && len + n + 2 < sizeof(base))
			len += (size_t)snprintf(base + len, sizeof(base) - len, "%s%.*s",
			                        len ? " " : "", (int)n, p);
		p += n;
	}
	struct type *t = tp_pointee(c, base);
	for (int i = 0; i < depth; i++)
		t = type_ptr(&c->arena, t);
	return t;
}

/* The name a format's field has as a member of its record struct:
 * TRACE_EVENT declares a __data_loc field as `u32 __data_loc_NAME`. */
static const char *tp_member_name(struct arena *a, const struct tp_field *f)
{
	return f->is_data_loc ? arena_printf(a, "__data_loc_%s", f->name) : f->name;
}

/* struct trace_event_raw_NAME, the record TRACE_EVENT(NAME, ...) lays out,
 * when vmlinux BTF has it and its members are the format's own fields at
 * the format's offsets and sizes; 0 otherwise. An event defined from a
 * class of events (DEFINE_EVENT) has its class's struct, whose name the
 * format does not give, and a struct of that name may belong to another
 * event: then the fields do not match and the offsets stay constants. */
static uint32_t tp_record_struct(struct compilation *c, const struct attach_point *ap)
{
	const struct tp_format *fmt = ap->data;
	int id = btf_find_record(c->host, arena_printf(&c->arena, "trace_event_raw_%s", ap->func),
	                         false);
	if (id <= 0)
		return 0;
	uint32_t own = 0;
	for (uint32_t i = 0; i < fmt->nfields; i++) {
		const struct tp_field *f = &fmt->fields[i];
		if (f->is_common)
			continue;
		uint32_t off, tid, bits, bit_off;
		if (btf_find_member(c->host, (uint32_t)id, tp_member_name(&c->arena, f), &off, &tid,
		                    &bits, &bit_off) ||
		    bits || off != f->offset ||
		    (f->size && btf_type_size(c->host, tid) != (long)f->size))
			return 0;
		own++;
	}
	/* the struct has no members the format lacks: the header, the
	 * fields, and the flexible __data[] where dynamic data starts */
	int members = btf_record_members(c->host, (uint32_t)id, NULL, 0);
	return members == (int)own + 2 ? (uint32_t)id : 0;
}

/* Whether field `f` of a syscall tracepoint lies where the kernel's
 * syscall tracing (kernel/trace/trace_syscalls.c, struct
 * syscall_trace_enter and syscall_trace_exit) puts it on every kernel
 * sonde runs on: after the 8-byte header, the int __syscall_nr at 8, then
 * each argument in an unsigned long of its own from 16 (sys_enter_*), or
 * the long ret at 16 (sys_exit_*). The format is checked to be that layout
 * here too; tests/vm/core.test checks every syscall format of 6.1 and of
 * the host's newer kernel. */
static bool tp_syscall_layout(const struct attach_point *ap, const struct tp_field *f)
{
	const struct tp_format *fmt = ap->data;
	bool enter = !strncmp(ap->target, "syscalls/sys_enter_", 19);
	if (!enter && strncmp(ap->target, "syscalls/sys_exit_", 18))
		return false;
	uint32_t nargs = 0;
	bool nr = false;
	for (uint32_t i = 0; i < fmt->nfields; i++) {
		const struct tp_field *g = &fmt->fields[i];
		if (g->is_common)
			continue;
		if (!strcmp(g->name, "__syscall_nr") && !nr) {
			if (g->offset != 8 || g->size != 4)
				return false;
			nr = true;
		} else if (!nr || g->offset != 16 + 8 * nargs || g->size != 8 || g->is_array ||
		           g->is_data_loc || (!enter && (nargs || strcmp(g->name, "ret")))) {
			return false;
		} else {
			nargs++;
		}
	}
	return nr && !f->is_common;
}

static int tracepoint_arg_field(struct compilation *c, const struct attach_point *ap,
				const char *name, struct loc loc, struct ctx_access *out)
{
	const struct tp_format *fmt = ap->data;
	const struct tp_field *f = tp_format_field(fmt, name);
	if (!f) {
		const char *cands[256];
		int n = 0;
		for (uint32_t i = 0; i < fmt->nfields && n < 256; i++)
			if (!fmt->fields[i].is_common)
				cands[n++] = fmt->fields[i].name;
		return probe_no_arg(c, loc, arena_printf(&c->arena, "tracepoint %s", ap->spec + 11),
		                    "field", name, cands, n, NULL);
	}
	if (f->is_common) {
		/* the kernel keeps a tracepoint program from the record's
		 * header (tp_prog_is_valid_access), as bpftrace says too */
		diag_error(c->diag, loc,
		           "args.%s: BPF programs cannot read a tracepoint record's common fields%s",
		           name, !strcmp(name, "common_pid") ? "; tid is the same thread id" : "");
		return -1;
	}
	struct type *t = tp_field_type(&c->arena, f, c->opts->max_strlen);
	if (t && f->is_pointer && !f->is_array && f->size == 8)
		t = tp_pointer_type(c, f->c_type);
	/* fixed arrays of integers are read whole, as char arrays are */
	bool int_array = f->is_array && !f->is_char_array && !f->is_data_loc && f->array_len &&
			 t && t->kind == TYPE_ARRAY;
	if (!t || f->is_rel_loc ||
	    (f->is_array && !f->is_char_array && !f->is_data_loc && !int_array)) {
		diag_error(c->diag, loc, "field '%s' of %s has type '%s', which sonde cannot read yet",
			   name, ap->spec, f->c_type);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	/* where the field lies on the kernel the program runs on: a CO-RE
	 * relocation on the record's struct, the syscall layout, or this
	 * kernel's offset, which binds an --emit-elf object to it */
	uint32_t rec = f->is_common ? 0 : tp_record_struct(c, ap);
	uint32_t off, tid, bits, bit_off;
	if (rec && !btf_find_member(c->host, rec, tp_member_name(&c->arena, f), &off, &tid, &bits,
	                            &bit_off)) {
		out->core_rec_id = rec;
		out->core_member = tp_member_name(&c->arena, f);
		out->core_member_type = tid;
	} else if (!tp_syscall_layout(ap, f)) {
		compilation_bind_kernel(
		    c, loc,
		    arena_printf(&c->arena, "args.%s of %s (its offset in this kernel's format file)",
		                 name, ap->spec));
	}
	out->offset = f->offset;
	out->size = f->size;
	out->type = t;
	out->is_signed = f->is_signed;
	out->space = SPACE_KERNEL;
	if (f->is_data_loc) {
		out->kind = CTX_DATA_LOC;
	} else if (f->is_char_array || int_array) {
		out->kind = CTX_READ;
	} else if (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8) {
		out->kind = CTX_LOAD;
		/* syscall arguments that are pointers point into the caller,
		 * other pointers into the kernel; an integer may hold an
		 * address of either space (mmap's addr, page_fault_user's) */
		if (!f->is_pointer)
			out->space = SPACE_ANY;
		else if (!strncmp(ap->target, "syscalls/", 9))
			out->space = SPACE_USER;
	} else {
		diag_error(c->diag, loc, "field '%s' of %s is %u bytes, which sonde cannot read yet",
			   name, ap->spec, f->size);
		return -1;
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Tracepoints of other categories matched by wildcards, in blocks that
 * read neither `args` nor what differs on a raw tracepoint, run as raw
 * tracepoint programs on the tracepoint of the event's name, whose
 * release does not wait for a grace period as a perf event's does. The
 * program runs where the perf event's would (the tracepoint's condition
 * gates both); it needs the tracepoint in BTF (its __probestub_ or
 * __traceiter_), and its name in no other category (raw tracepoints are
 * found by name alone). */
static void plan_raw(struct compilation *c)
{
	char **all = NULL;
	size_t nall = 0;
	const char *tracefs = NULL;
	size_t served = 0;
	for (struct node *p = c->prog.probes; p; p = p->next) {
		if (!p->u.probe.naps || block_uses(p, "args") || block_sees_ctx(p))
			continue;
		for (size_t i = 0; i < p->u.probe.naps; i++) {
			struct attach_point *ap = &p->u.probe.aps[i];
			if (ap->prov != &provider_tracepoint || !ap->from_wildcard || ap->value ||
			    !strncmp(ap->target, "syscalls/", 9))
				continue;
			if (!all) {
				tracefs = compilation_tracefs(c, ap->loc);
				if (!tracefs || tp_expand(&c->arena, tracefs, "*", "*", &all, &nall))
					return;
				for (size_t j = 0; j < nall; j++)
					all[j] = strchr(all[j], ':') + 1;
				qsort(all, nall, sizeof(*all), cmp_str);
			}
			const char *name = ap->func;
			char **at = bsearch(&name, all, nall, sizeof(*all), cmp_str);
			if (!at || (at > all && !strcmp(at[-1], name)) ||
			    (at + 1 < all + nall && !strcmp(at[1], name)))
				continue;
			struct btf_func fn;
			if (btf_rawtp_get(c->host, name, &fn))
				continue;
			ap->aux |= AUX_RAW_TP;
			served++;
		}
	}
	if (served && (c->opts && c->opts->verbose))
		fprintf(stderr, "sonde: %zu tracepoints attached as raw tracepoints\n", served);
}

static void tracepoint_plan(struct compilation *c)
{
	plan_syscalls(c);
	plan_raw(c);
}

/* The matches of a wildcard share one program (sema/share.c) where the
 * kernel gives the program type a BPF cookie: perf-event tracepoints
 * since 5.15, raw tracepoints since 6.10 (their bpf_get_attach_cookie
 * came with it). Those a syscall dispatcher serves are tail-called from a
 * program array, which has no cookie: one program sits at each of their
 * numbers and tells them apart by the number (tracepoint_cookie_is_syscall_nr). */
static const char *tracepoint_share_class(struct compilation *c, const struct attach_point *ap)
{
	(void)c;
	if (ap->value)
		return (ap->aux & AUX_DIR_MASK) == SYSCALL_REGS_ENTER ? "syscalls_enter"
		                                                      : "syscalls_exit";
	const char *section = ap->aux & AUX_RAW_TP ? "raw_tp" : "tracepoint";
	return feat_section_has_helper(section, BPF_FUNC_get_attach_cookie) == 1 ? section : NULL;
}

/* BPF_RAW_TRACEPOINT_OPEN with a cookie (Linux 6.10), which libbpf 1.1
 * cannot ask for: the attr's layout of that kernel */
static int raw_tp_open_cookie(const char *name, int prog_fd, uint64_t cookie)
{
	struct {
		uint64_t name;
		uint32_t prog_fd;
		uint32_t pad;
		uint64_t cookie;
	} attr = {
	    .name = (uint64_t)(uintptr_t)name, .prog_fd = (uint32_t)prog_fd, .cookie = cookie};
	union bpf_attr whole;
	_Static_assert(sizeof(attr) <= sizeof(whole), "bpf_attr is larger");
	memset(&whole, 0, sizeof(whole));
	memcpy(&whole, &attr, sizeof(attr));
	int fd = (int)syscall(__NR_bpf, BPF_RAW_TRACEPOINT_OPEN, &whole, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

#define INSN(CODE, DST, SRC, OFF, IMM)                                                          \
	((struct bpf_insn){.code = (CODE), .dst_reg = (DST), .src_reg = (SRC), .off = (OFF),     \
			   .imm = (IMM)})

/* One raw_syscalls dispatcher of a run: its program array, program and
 * link, made by the first program it serves and released with the run's
 * attachment. */
struct syscall_dispatch {
	struct host *h;
	int dir;
	int map_fd;
};

static void dispatch_forget(void *arg)
{
	struct syscall_dispatch *d = arg;
	d->h->syscall_dispatch[d->dir - 1] = NULL;
	free(d);
}

/* struct pt_regs (x86-64) offset of orig_ax: the syscall number */
enum { PT_REGS_ORIG_AX = 120 };

/* The dispatcher: the syscall number (the raw tracepoint's id argument
 * at sys_enter; orig_ax of its saved registers at sys_exit, as the
 * kernel's event reads it), nothing for a compat task, then a tail call
 * into the program array at that number; a number without a program
 * falls through to return 0. */
static int dispatch_prog(int dir, int map_fd, const struct syscall_table *t)
{
	struct bpf_insn in[32];
	size_t n = 0;
	in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	if (dir == SYSCALL_REGS_ENTER) {
		in[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_7, BPF_REG_6, 8, 0);
	} else {
		in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_10, 0, 0);
		in[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, -8);
		in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 8);
		in[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_3, BPF_REG_6, 0, 0);
		in[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, PT_REGS_ORIG_AX);
		in[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel);
		in[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_7, BPF_REG_10, -8, 0);
	}
	size_t skip_at = 0;
	if (t->status_off >= 0) {
		in[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task);
		in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_0, 0, 0);
		in[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_3, 0, 0, t->status_off);
		in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_10, 0, 0);
		in[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, -16);
		in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, 4);
		in[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel);
		in[n++] = INSN(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_10, -16, 0);
		in[n++] = INSN(BPF_ALU64 | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int)t->compat_bit);
		skip_at = n;
		in[n++] = INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_1, 0, 0, 0);
	}
	in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
	in[n++] = INSN(BPF_LD | BPF_IMM | BPF_DW, BPF_REG_2, BPF_PSEUDO_MAP_FD, 0, map_fd);
	in[n++] = INSN(0, 0, 0, 0, 0);
	in[n++] = INSN(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_3, BPF_REG_7, 0, 0);
	in[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call);
	if (skip_at)
		in[skip_at].off = (short)(n - skip_at - 1);
	in[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	in[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT,
	                     dir == SYSCALL_REGS_ENTER ? "sonde_sys_enter" : "sonde_sys_exit", "GPL",
	                     in, n, NULL);
}

/* The run's dispatcher for `dir`, made (program array, program, link on
 * raw_syscalls) the first time; its fds and its forgetting go into the
 * attachment, released with the run. */
static struct syscall_dispatch *dispatch_get(struct host *h, int dir, struct rt_attachment *att,
                                             char *err, size_t errsz)
{
	if (h->syscall_dispatch[dir - 1])
		return h->syscall_dispatch[dir - 1];
	const struct syscall_table *t = syscalls_table(h);
	if (!t || t->err) {
		snprintf(err, errsz, "the kernel's syscall numbers cannot be read");
		return NULL;
	}
	struct syscall_dispatch *d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	d->h = h;
	d->dir = dir;
	int map_fd = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY,
	                            dir == SYSCALL_REGS_ENTER ? "sonde_sys_enter" : "sonde_sys_exit",
	                            4, 4, (uint32_t)t->max_nr + 1, NULL);
	if (map_fd < 0 || rt_attachment_add_fd(att, map_fd)) {
		snprintf(err, errsz, "creating the syscall program array failed: %s", strerror(errno));
		if (map_fd >= 0)
			close(map_fd);
		free(d);
		return NULL;
	}
	d->map_fd = map_fd;
	int prog_fd = dispatch_prog(dir, map_fd, t);
	if (prog_fd < 0 || rt_attachment_add_fd(att, prog_fd)) {
		snprintf(err, errsz, "loading the raw_syscalls dispatcher failed: %s", strerror(errno));
		if (prog_fd >= 0)
			close(prog_fd);
		free(d);
		return NULL;
	}
	int link_fd = bpf_raw_tracepoint_open(dir == SYSCALL_REGS_ENTER ? "sys_enter" : "sys_exit",
	                                      prog_fd);
	if (link_fd < 0 || rt_attachment_add_fd(att, link_fd)) {
		snprintf(err, errsz, "attaching to raw_syscalls:%s failed: %s",
		         dir == SYSCALL_REGS_ENTER ? "sys_enter" : "sys_exit", strerror(errno));
		if (link_fd >= 0)
			close(link_fd);
		free(d);
		return NULL;
	}
	h->syscall_dispatch[dir - 1] = d;
	/* on failure dispatch_forget has already run */
	if (rt_attachment_add_cleanup(att, dispatch_forget, d)) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	return d;
}

static int tracepoint_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
			     struct rt_attachment *att, char *err, size_t errsz)
{
	if (pd->value) {
		/* served by the dispatcher: its program array at the number */
		struct syscall_dispatch *d = dispatch_get(h, (int)(pd->aux & AUX_DIR_MASK), att, err, errsz);
		if (!d)
			return -EIO;
		uint32_t key = (uint32_t)(pd->value - 1);
		int fd = bpf_program__fd(prog);
		if (bpf_map_update_elem(d->map_fd, &key, &fd, BPF_ANY)) {
			int e = -errno;
			snprintf(err, errsz, "adding the program to the syscall dispatcher failed: %s",
			         strerror(-e));
			return e;
		}
		return 0;
	}
	if ((pd->aux & AUX_RAW_TP) && pd->shares_program) {
		int fd = raw_tp_open_cookie(pd->func, bpf_program__fd(prog), pd->cookie);
		if (fd < 0) {
			snprintf(err, errsz, "attaching to the raw tracepoint %s failed: %s",
			         pd->func, strerror(-fd));
			return fd;
		}
		if (rt_attachment_add_fd(att, fd)) {
			close(fd);
			return -ENOMEM;
		}
		return 0;
	}
	if (pd->aux & AUX_RAW_TP) {
		struct bpf_link *link = bpf_program__attach_raw_tracepoint(prog, pd->func);
		if (!link) {
			int e = -errno;
			snprintf(err, errsz, "attaching to the raw tracepoint %s failed: %s", pd->func,
			         strerror(-e));
			return e;
		}
		return rt_attachment_add_link(att, link);
	}
	const char *slash = strchr(pd->target, '/');
	char cat[256];
	size_t len = (size_t)(slash - pd->target);
	if (!slash || len >= sizeof(cat)) {
		snprintf(err, errsz, "bad tracepoint target '%s'", pd->target);
		return -EINVAL;
	}
	memcpy(cat, pd->target, len);
	cat[len] = 0;
	LIBBPF_OPTS(bpf_tracepoint_opts, opts, .bpf_cookie = pd->cookie);
	struct bpf_link *link = bpf_program__attach_tracepoint_opts(prog, cat, slash + 1, &opts);
	if (!link) {
		int e = -errno;
		snprintf(err, errsz, "attaching to the tracepoint failed: %s", strerror(-e));
		return e;
	}
	return rt_attachment_add_link(att, link);
}

/* -l tracepoint:CAT:NAME; -v adds the fields of the format, as args.NAME
 * reads them. */
static int tracepoint_list(struct probe_lister *l, const char *rest)
{
	char cat[256] = "*";
	const char *name = "*";
	if (rest) {
		const char *colon = strchr(rest, ':');
		snprintf(cat, sizeof(cat), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest),
			 rest);
		if (colon)
			name = colon + 1;
	}
	char dir[4096], note[512];
	if (tracefs_dir(dir, sizeof(dir), note, sizeof(note)))
		return EXIT_OK;
	struct arena a;
	arena_init(&a);
	char **names = NULL;
	size_t n = 0;
	if (tp_expand(&a, dir, cat, name, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char line[512];
			snprintf(line, sizeof(line), "tracepoint:%s", names[i]);
			if (!probe_list_line(l, line) || !l->verbose)
				continue;
			char *sep = strchr(names[i], ':');
			*sep = 0;
			struct tp_format fmt;
			if (tp_format_load(&a, dir, names[i], sep + 1, &fmt))
				continue;
			for (uint32_t j = 0; j < fmt.nfields; j++) {
				const struct tp_field *f = &fmt.fields[j];
				if (f->is_common)
					continue;
				if (f->is_array && f->array_len)
					fprintf(l->out, "    %s %s[%u]\n", f->c_type, f->name,
						f->array_len);
				else
					fprintf(l->out, "    %s %s\n", f->c_type, f->name);
			}
		}
	}
	arena_fini(&a);
	return EXIT_OK;
}

const struct provider provider_tracepoint = {
    .name = "tracepoint",
    .aliases = tracepoint_aliases,
    .run = RUN_ATTACHED,
    .ctx = CTX_HAS_ARGS | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC,
    .expand = tracepoint_expand,
    .plan = tracepoint_plan,
    .share_class = tracepoint_share_class,
    .syscall_regs = tracepoint_syscall_regs,
    .cookie_is_syscall_nr = tracepoint_cookie_is_syscall_nr,
    .section = tracepoint_section,
    .arg_field = tracepoint_arg_field,
    .attach = tracepoint_attach,
    .list = tracepoint_list,
    .untyped_list_order = 2,
};
