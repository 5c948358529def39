/*
 * output.c - statements that send an event to the runtime, which prints
 * it or acts on it: printf, print, time, join, system, cat, exit. Their
 * rows make them statements (BF_STMT) and system needs --unsafe (cat only
 * reads, so it does not, as in bpftrace);
 * the records they send are laid out in src/sema/formats.c.
 */
#include <string.h>

#include "builtins/check.h"
#include "runtime/printer.h"
#include "sema/sema_internal.h"

struct type *check_printf(struct sema *s, struct node *n)
{
	return check_format_call(s, n, n->u.call.args);
}

/* system(fmt, ...) runs the formatted command in the runtime */
struct type *check_system(struct sema *s, struct node *n)
{
	return check_format_call(s, n, n->u.call.args);
}

/* cat(fmt, ...) prints the file the formatted name names */
struct type *check_cat(struct sema *s, struct node *n)
{
	return check_format_call(s, n, n->u.call.args);
}

/* errorf(fmt, ...), warnf(fmt, ...) (bpftrace 0.26): a printf whose line
 * goes to stderr as a diagnostic at the call's place. --no-warnings
 * silences warnf: the call then sends nothing. */
static struct type *check_message(struct sema *s, struct node *n, const char *severity)
{
	struct type *t = check_format_call(s, n, n->u.call.args);
	struct fmt_info *f = n->u.call.fmt;
	if (!t || !f)
		return t;
	const char *file = n->loc.file >= 0 && n->loc.file < s->d->nsources
				   ? s->d->sources[n->loc.file].name
				   : "-e";
	f->stderr_prefix = arena_printf(s->a, "%s:%d:%d: %s: ", file, n->loc.first_line,
					n->loc.first_column, severity);
	f->is_error = !strcmp(severity, "ERROR");
	return t;
}

struct type *check_errorf(struct sema *s, struct node *n)
{
	return check_message(s, n, "ERROR");
}

struct type *check_warnf(struct sema *s, struct node *n)
{
	return check_message(s, n, "WARNING");
}

struct type *check_exit(struct sema *s, struct node *n)
{
	(void)n;
	s->c->uses_events = true;
	return &type_void;
}

/* unwatch(addr): the watchpoints on addr are removed (by sonde, when the
 * record arrives) */
struct type *check_unwatch(struct sema *s, struct node *n)
{
	(void)n;
	s->c->uses_events = true;
	return &type_void;
}

/* print(value): printed as a map value would be */
static struct type *check_print_value(struct sema *s, struct node *n, struct node *arg)
{
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (t->kind == TYPE_VOID) {
		diag_error(s->d, arg->loc, "this argument has no value");
		return NULL;
	}
	if (reject_record(s, arg, t))
		return NULL;
	warn_bool_reading(s, t, arg->loc);
	t = storage_type(s, t);
	struct fmt_info *f = add_fmt(s, n, "", 1);
	f->arg_types[0] = t;
	f->arg_offsets[0] = 0;
	f->size = (t->size + 7) / 8 * 8;
	return &type_void;
}

/* print(@map[, top[, div]]) or print(value) */
struct type *check_print(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	if (args->kind != N_MAP || args->u.map.keys) {
		if (!args->next)
			return check_print_value(s, n, args);
		diag_error(s->d, args->loc, "print() of a value takes no top or div arguments");
		return NULL;
	}
	args->u.map.info = find_map(s, args->u.map.name, args->loc);
	for (struct node *a = args->next; a; a = a->next) {
		bool ok = true;
		int64_t v = const_int(s, a, "print()'s top and div arguments", &ok);
		if (ok && v < 0) {
			diag_error(s->d, a->loc, "print()'s %s argument must not be negative",
			           a == args->next ? "top" : "div");
		}
	}
	s->c->uses_events = true;
	return &type_void;
}

/* time([fmt]): the wall-clock time, formatted by the runtime */
struct type *check_time(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	const char *fmt = "%H:%M:%S\n";
	if (args) {
		if (args->kind != N_STR) {
			diag_error(s->d, args->loc, "time() needs a string literal format");
			return NULL;
		}
		if (!check_time_format(s, args))
			return NULL;
		fmt = args->u.str.s;
	}
	add_fmt(s, n, fmt, 0);
	return &type_void;
}

/* join(char **argv[, delim]): the strings, read in the probe, joined by
 * the runtime */
struct type *check_join(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	struct type *t = check_expr(s, args);
	if (!t)
		return NULL;
	if (!is_scalar(t)) {
		diag_error(s->d, args->loc,
		           "join() needs a pointer to an array of strings (char **), got %s",
		           type_name(s->a, t));
		return NULL;
	}
	const char *delim = " ";
	if (args->next) {
		if (args->next->kind != N_STR) {
			diag_error(s->d, args->next->loc,
			           "join()'s delimiter must be a string literal");
			return NULL;
		}
		delim = args->next->u.str.s;
	}
	struct fmt_info *f = add_fmt(s, n, delim, 1);
	f->arg_types[0] = type_str(s->a, JOIN_ARG_SIZE);
	f->arg_offsets[0] = 8;
	f->size = 8 + JOIN_MAX_ARGS * JOIN_ARG_SIZE;
	return &type_void;
}
