/*
 * calls.c - calls of builtin functions and bare builtin values: what the
 * row in builtins.def says is checked here, the same way for every
 * builtin (check_call, check_builtin_value), then the row's own hook
 * (check_HOOK in src/builtins/) checks the rest. Whether the kernel has
 * a helper, which some checks ask, is the host's (feat_has_helper,
 * kernel/features.c).
 */
#include <stdio.h>
#include <string.h>

#include "builtins/check.h"
#include "sema/sema_internal.h"

static const char *const unsafe_msg =
    "%s() acts on the system and is unsafe; run sonde with --unsafe to allow it";

/* Functions bpftrace has that sonde knows by name but does not do yet:
 * not rows (they have no hooks), so not suggested by "did you mean". */
static const char *const unsupported_funcs[] = {"override"};

static void check_args_anyway(struct sema *s, struct node *n)
{
	for (struct node *a = n->u.call.args; a; a = a->next)
		check_expr(s, a);
}

/* An unknown function, or one of unsupported_funcs: reported, and its
 * arguments checked for their own errors. */
static void err_unknown_func(struct sema *s, struct node *n)
{
	const char *name = n->u.call.name;
	bool known = false;
	for (size_t i = 0; i < sizeof(unsupported_funcs) / sizeof(*unsupported_funcs); i++)
		known |= !strcmp(name, unsupported_funcs[i]);
	if (known && !s->c->opts->unsafe) {
		diag_error(s->d, n->loc, unsafe_msg, name);
	} else if (known) {
		diag_error(s->d, n->loc, "%s() is not supported yet", name);
	} else {
		diag_error(s->d, n->loc, "unknown function '%s'", name);
		const char *names[BI__COUNT];
		const char *near = diag_closest(name, names, builtin_names_of(BF_CALL, names));
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
	}
	check_args_anyway(s, n);
}

static bool check_arity(struct sema *s, struct node *n, const struct builtin_row *row)
{
	int nargs = ast_list_len(n->u.call.args);
	if (nargs >= row->min_args && nargs <= row->max_args)
		return true;
	if (row->min_args == row->max_args)
		diag_error(s->d, n->loc, "%s() takes %d argument%s, %d given", n->u.call.name,
		           row->min_args, row->min_args == 1 ? "" : "s", nargs);
	else
		diag_error(s->d, n->loc, "%s() takes %d %s %d arguments, %d given", n->u.call.name,
		           row->min_args, row->max_args == row->min_args + 1 ? "or" : "to",
		           row->max_args, nargs);
	return false;
}

/* Where the call stands: a statement-only builtin (BF_STMT) alone as a
 * statement, an aggregation (BF_AGG) only as @m = f(...). */
static bool check_placement(struct sema *s, struct node *n, const struct builtin_row *row,
                            enum call_mode mode)
{
	const char *name = n->u.call.name;
	if ((row->flags & BF_STMT) && mode != CALL_STMT) {
		diag_error(s->d, n->loc, "%s() %s; use it as a statement", name,
		           row->why_stmt ? row->why_stmt : "has no value");
		return false;
	}
	if ((row->flags & BF_AGG) && mode != CALL_AGG) {
		diag_error(s->d, n->loc, "%s() must be assigned to a map, as in @x = %s(%s)", name,
		           name, row->max_args ? "..." : "");
		return false;
	}
	return true;
}

/* The probe context the row needs. A builtin that is also a bare value
 * (kstack) is named as the value, a function as name(). */
static bool check_call_ctx(struct sema *s, struct node *n, const struct builtin_row *row)
{
	if (row->flags & BF_VALUE)
		return ctx_allows(s, row->ctx, n->loc, n->u.call.name);
	char what[64];
	snprintf(what, sizeof(what), "%s()", n->u.call.name);
	return ctx_allows(s, row->ctx, n->loc, what);
}

/* The ARGS column: one letter per argument (builtins.def). */
static bool check_arg_kinds(struct sema *s, struct node *n, const struct builtin_row *row)
{
	const char *name = n->u.call.name;
	struct node *a = n->u.call.args;
	for (const char *k = row->args; *k && a; k++, a = a->next) {
		switch (*k) {
		case 'i': {
			struct type *t = check_expr(s, a);
			if (!t)
				return false;
			if (!is_int(t)) {
				diag_error(s->d, a->loc, "%s() needs an integer, got %s", name,
				           type_name(s->a, t));
				return false;
			}
			break;
		}
		case 'm':
			if (a->kind != N_MAP || a->u.map.keys) {
				diag_error(s->d, a->loc,
				           "%s() needs a whole map, as in %s(@name%s)", name, name,
				           row->max_args > 1 ? ", key" : "");
				return false;
			}
			break;
		case 'e':
			if (a->kind != N_MAP) {
				diag_error(s->d, a->loc,
				           "%s() needs a map element, as in %s(@m[key])", name,
				           name);
				return false;
			}
			break;
		default: /* '.': the hook's */
			break;
		}
	}
	return true;
}

struct type *check_call(struct sema *s, struct node *n, enum call_mode mode)
{
	struct node *macro = find_macro(s, n->u.call.name);
	int fid = find_func(n->u.call.name);
	if (macro && fid < 0) {
		struct loc call_loc = n->loc;
		if (!expand_macro(s, n, macro, mode == CALL_STMT))
			return NULL;
		return check_expanded(s, n, call_loc, macro->u.macro.name, mode == CALL_STMT);
	}
	if (fid < 0) {
		err_unknown_func(s, n);
		return NULL;
	}
	n->u.call.builtin_id = fid;
	const struct builtin_row *row = &builtin_rows[fid];
	if (!check_arity(s, n, row))
		return NULL;
	if ((row->flags & BF_UNSAFE) && !s->c->opts->unsafe) {
		diag_error(s->d, n->loc, unsafe_msg, n->u.call.name);
		check_args_anyway(s, n);
		return NULL;
	}
	if (!check_placement(s, n, row, mode) || !check_call_ctx(s, n, row) ||
	    !check_arg_kinds(s, n, row))
		return NULL;
	return builtin_checks[fid](s, n);
}

struct type *check_builtin_value(struct sema *s, struct node *n)
{
	int id = n->u.ident.builtin_id;
	if (!ctx_allows(s, builtin_rows[id].ctx, n->loc, n->u.ident.name))
		return NULL;
	return builtin_checks[id](s, n);
}
