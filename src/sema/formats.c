/*
 * formats.c - formats: printf-style formats checked against their
 * arguments and laid out as event records, time formats, and the record
 * formats of print(), time() and join().
 */
#include <string.h>

#include "runtime/printer.h"
#include "sema/sema_internal.h"

/* A record format other than printf's: print(value), time(), join().
 * Codegen finds it on the call (u.call.fmt). */
struct fmt_info *add_fmt(struct sema *s, struct node *call, const char *fmt,
			 uint32_t nargs)
{
	struct fmt_info *f = arena_alloc(s->a, sizeof(*f));
	f->fmt = fmt;
	f->call = call;
	f->nargs = nargs;
	f->arg_types = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_types));
	f->arg_offsets = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_offsets));
	f->index = s->c->nfmts++;
	struct fmt_info **tail = &s->c->fmts;
	while (*tail)
		tail = &(*tail)->next;
	*tail = f;
	s->c->uses_events = true;
	call->u.call.fmt = f;
	return f;
}

/* An error at byte `off` of the format literal `fmtn`. */
static void format_error(struct sema *s, const struct node *fmtn, size_t off, const char *err)
{
	struct loc l = fmtn->loc;
	/* +1 for the opening quote; exact when the literal has no escapes */
	l.first_column += (int)off + 1;
	l.last_line = l.first_line;
	l.last_column = l.first_column;
	diag_error(s->d, l, "invalid format: %s", err);
}

/* time() and strftime() formats: a conversion strftime(3) does not know
 * would print as text, so it is an error here. */
bool check_time_format(struct sema *s, const struct node *fmtn)
{
	const char *err = NULL;
	size_t off = 0;
	if (fmt_check_time(fmtn->u.str.s, &err, &off) == 0)
		return true;
	format_error(s, fmtn, off, err);
	return false;
}

struct type *check_format_call(struct sema *s, struct node *n, struct node *args)
{
	struct node *fmtn = args;
	if (fmtn->kind != N_STR) {
		diag_error(s->d, fmtn->loc, "%s() needs a string literal as its first argument",
			   n->u.call.name);
		for (struct node *a = args->next; a; a = a->next)
			check_expr(s, a);
		return NULL;
	}
	const char *err = NULL;
	size_t off = 0;
	int nconv = fmt_count_conversions(fmtn->u.str.s, &err, &off);
	if (nconv < 0) {
		format_error(s, fmtn, off, err);
		return NULL;
	}
	int nargs = ast_list_len(args->next);
	bool ok = true;
	struct fmt_info *f = arena_alloc(s->a, sizeof(*f));
	f->fmt = fmtn->u.str.s;
	f->call = n;
	f->nargs = (uint32_t)nargs;
	f->arg_types = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_types));
	f->arg_offsets = arena_alloc(s->a, (size_t)(nargs + 1) * sizeof(*f->arg_offsets));
	uint32_t off_payload = 0;
	int i = 0;
	for (struct node *a = args->next; a; a = a->next, i++) {
		struct type *t = check_expr(s, a);
		if (!t) {
			ok = false;
			continue;
		}
		if (t->kind == TYPE_VOID) {
			diag_error(s->d, a->loc, "this argument has no value");
			ok = false;
			continue;
		}
		if (reject_record(s, a, t)) {
			ok = false;
			continue;
		}
		if (i < nconv) {
			const char *msg =
				fmt_check_arg(s->a, fmtn->u.str.s, (uint32_t)i, storage_type(s, t));
			if (msg) {
				diag_error(s->d, a->loc, "%s", msg);
				ok = false;
			}
		}
		/* integers travel at their own width (pid and friends in 32
		 * bits), so a record carries no padding to clear */
		t = is_32bit_builtin(a) ? &type_u32
		    : t->kind == TYPE_INT ? t
					  : storage_type(s, t);
		f->arg_types[i] = t;
		uint32_t al = t->align ? t->align : 1;
		off_payload = (off_payload + al - 1) / al * al;
		f->arg_offsets[i] = off_payload;
		off_payload += t->size;
	}
	if (nargs != nconv) {
		diag_error(s->d, n->loc,
			   "%s() format has %d conversion%s but %d argument%s given",
			   n->u.call.name, nconv, nconv == 1 ? "" : "s", nargs,
			   nargs == 1 ? " is" : "s are");
		ok = false;
	}
	if (!ok)
		return NULL;
	/* not rounded up: the ring buffer aligns records itself */
	f->size = off_payload;
	f->index = s->c->nfmts++;
	struct fmt_info **tail = &s->c->fmts;
	while (*tail)
		tail = &(*tail)->next;
	*tail = f;
	s->c->uses_events = true;
	/* remember the format on the call for codegen */
	n->u.call.fmt = f;
	return &type_void;
}
