/*
 * comptime.c - bpftrace 0.26's compile-time functions: the type tests
 * is_str, is_integer, is_unsigned_integer, is_ptr, is_array, is_literal
 * (each becomes the constant 0 or 1, its argument is typed but never
 * run), static_assert and fail (an error at the call unless the call is
 * in the branch of an `if` whose constant condition leaves it out), and
 * assert, a run-time check that reports and exits with status 1.
 * assert_str is a static_assert on the argument's type (a string, or an
 * array or pointer of chars), default_str_length() the constant
 * max_strlen, kfunc_exist() and kfunc_allowed() constants the kernel's
 * BTF and verifier decide (src/kernel/features.c).
 * getopt() is one too, replaced by its value before typing
 * (src/sema/getopt.c).
 *
 * fold_const is the small constant evaluator they share with the `if`
 * of src/sema/stmt.c: literals, constants of the script and the kernel,
 * and the arithmetic, comparisons and logic of those.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "builtins/check.h"
#include "kernel/features.h"
#include "probes/provider.h"
#include "sema/sema_internal.h"

bool fold_const(const struct node *n, int64_t *v)
{
	int64_t l, r;
	switch (n->kind) {
	case N_INT:
		*v = (int64_t)n->u.int_lit.value;
		return true;
	case N_IDENT:
		if (!n->u.ident.is_const)
			return false;
		*v = n->u.ident.const_value;
		return true;
	case N_UNOP:
		if (!fold_const(n->u.unop.operand, &l))
			return false;
		switch (n->u.unop.op) {
		case OP_NEG:
			*v = (int64_t)(0 - (uint64_t)l);
			return true;
		case OP_PLUS:
			*v = l;
			return true;
		case OP_NOT:
			*v = !l;
			return true;
		case OP_BNOT:
			*v = ~l;
			return true;
		default:
			return false;
		}
	case N_BINOP:
		if (!fold_const(n->u.binop.lhs, &l) || !fold_const(n->u.binop.rhs, &r))
			return false;
		switch (n->u.binop.op) {
		case OP_ADD: *v = (int64_t)((uint64_t)l + (uint64_t)r); return true;
		case OP_SUB: *v = (int64_t)((uint64_t)l - (uint64_t)r); return true;
		case OP_MUL: *v = (int64_t)((uint64_t)l * (uint64_t)r); return true;
		case OP_DIV: if (r == 0 || (l == INT64_MIN && r == -1)) return false; *v = l / r; return true;
		case OP_MOD: if (r == 0 || (l == INT64_MIN && r == -1)) return false; *v = l % r; return true;
		case OP_BAND: *v = l & r; return true;
		case OP_BOR: *v = l | r; return true;
		case OP_BXOR: *v = l ^ r; return true;
		case OP_LAND: *v = l && r; return true;
		case OP_LOR: *v = l || r; return true;
		case OP_EQ: *v = l == r; return true;
		case OP_NE: *v = l != r; return true;
		case OP_LT: *v = l < r; return true;
		case OP_LE: *v = l <= r; return true;
		case OP_GT: *v = l > r; return true;
		case OP_GE: *v = l >= r; return true;
		default:
			return false;
		}
	default:
		return false;
	}
}

/* the call becomes the constant v, of type bool */
static struct type *become_const(struct node *n, bool v)
{
	n->kind = N_INT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.int_lit.value = v;
	return &type_bool;
}

/* the call becomes the unsigned integer constant v */
static struct type *become_uint(struct node *n, uint64_t v)
{
	n->kind = N_INT;
	memset(&n->u, 0, sizeof(n->u));
	n->u.int_lit.value = v;
	return &type_u64;
}

static bool is_literal_node(const struct node *a)
{
	if (a->kind == N_INT || a->kind == N_STR)
		return true;
	if (a->kind == N_UNOP && (a->u.unop.op == OP_NEG || a->u.unop.op == OP_PLUS))
		return a->u.unop.operand->kind == N_INT;
	/* true and false */
	return a->kind == N_IDENT && a->u.ident.is_const &&
	       (!strcmp(a->u.ident.name, "true") || !strcmp(a->u.ident.name, "false"));
}

/* is_str(e) ... is_literal(e): what the type (or the form) of e is */
struct type *check_is_type(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args;
	struct type *t = check_expr(s, a);
	if (!t)
		return NULL;
	bool v = false;
	switch (n->u.call.builtin_id) {
	case BI_IS_STR:
		v = t->kind == TYPE_STR;
		break;
	case BI_IS_INTEGER:
		v = t->kind == TYPE_INT;
		break;
	case BI_IS_UNSIGNED_INTEGER:
		v = t->kind == TYPE_INT && !t->is_signed;
		break;
	case BI_IS_PTR:
		v = t->kind == TYPE_PTR;
		break;
	case BI_IS_ARRAY:
		v = t->kind == TYPE_ARRAY;
		break;
	case BI_IS_LITERAL:
		v = is_literal_node(a);
		break;
	default:
		break;
	}
	return become_const(n, v);
}

/* The message of fail(fmt, args...), its arguments literals formatted at
 * compile time as printf would. False after an error. */
static bool format_literals(struct sema *s, struct node *fmt, struct node *args, char *out,
			    size_t size)
{
	const char *f = fmt->u.str.s;
	size_t len = 0;
	struct node *arg = args;
	int argno = 1;
	out[0] = 0;
	for (size_t i = 0; i < fmt->u.str.len && len < size - 1;) {
		if (f[i] != '%') {
			out[len++] = f[i++];
			out[len] = 0;
			continue;
		}
		if (f[i + 1] == '%') {
			out[len++] = '%';
			out[len] = 0;
			i += 2;
			continue;
		}
		/* %[flags][width][.prec][length]conv */
		char spec[32] = "%";
		size_t sl = 1, j = i + 1;
		while (j < fmt->u.str.len && strchr("-+ #0123456789.", f[j]) && sl < 20)
			spec[sl++] = f[j++];
		while (j < fmt->u.str.len && strchr("hlzjt", f[j]))
			j++;
		char conv = j < fmt->u.str.len ? f[j] : 0;
		if (!conv || !strchr("diouxXcs", conv)) {
			diag_error(s->d, fmt->loc, "fail()'s format has an unknown conversion at '%s'",
				   f + i);
			return false;
		}
		if (!arg) {
			diag_error(s->d, fmt->loc, "fail()'s format needs more arguments than the %d given",
				   argno - 1);
			return false;
		}
		int64_t v = 0;
		bool is_num = fold_const(arg, &v);
		int w;
		if (conv == 's') {
			if (arg->kind != N_STR) {
				diag_error(s->d, arg->loc, "fail()'s %%s needs a string literal");
				return false;
			}
			spec[sl++] = 's';
			spec[sl] = 0;
			w = snprintf(out + len, size - len, spec, arg->u.str.s);
		} else {
			if (!is_num) {
				diag_error(s->d, arg->loc, "fail()'s %%%c needs an integer literal", conv);
				return false;
			}
			if (conv != 'c') {
				spec[sl++] = 'l';
				spec[sl++] = 'l';
			}
			spec[sl++] = conv;
			spec[sl] = 0;
			if (conv == 'c')
				w = snprintf(out + len, size - len, spec, (int)v);
			else if (conv == 'd' || conv == 'i')
				w = snprintf(out + len, size - len, spec, (long long)v);
			else
				w = snprintf(out + len, size - len, spec, (unsigned long long)v);
		}
		if (w > 0)
			len += (size_t)w < size - len ? (size_t)w : size - len - 1;
		arg = arg->next;
		argno++;
		i = j + 1;
	}
	if (arg) {
		diag_error(s->d, arg->loc, "fail()'s format has no conversion for this argument");
		return false;
	}
	return true;
}

/* fail(fmt, args...): an error at the call, with the message formatted
 * from literals */
struct type *check_fail(struct sema *s, struct node *n)
{
	struct node *fmt = n->u.call.args;
	bool ok = true;
	for (struct node *a = fmt; a; a = a->next) {
		if (!check_expr(s, a))
			return NULL;
		int64_t v;
		if (a->kind != N_STR && !fold_const(a, &v)) {
			diag_error(s->d, a->loc, "fail()'s arguments must be literals");
			ok = false;
		}
	}
	if (!ok)
		return NULL;
	if (fmt->kind != N_STR) {
		diag_error(s->d, fmt->loc, "fail() needs a string literal format");
		return NULL;
	}
	char msg[1024];
	if (!format_literals(s, fmt, fmt->next, msg, sizeof msg))
		return NULL;
	if (s->comptime_dead)
		return &type_void;
	diag_error(s->d, n->loc, "%s", msg);
	return NULL;
}

/* static_assert(cond, "msg"): cond known at compile time; msg the error
 * when it is false */
struct type *check_static_assert(struct sema *s, struct node *n)
{
	struct node *cond = n->u.call.args, *msg = cond->next;
	if (!check_expr(s, cond) || !check_expr(s, msg))
		return NULL;
	if (msg->kind != N_STR) {
		diag_error(s->d, msg->loc, "static_assert() needs a string literal message");
		return NULL;
	}
	int64_t v;
	if (!fold_const(cond, &v)) {
		diag_error(s->d, cond->loc,
			   "static_assert()'s condition must be known at compile time (a literal, "
			   "a constant, sizeof, is_str()...)");
		return NULL;
	}
	if (v || s->comptime_dead)
		return &type_void;
	diag_error(s->d, n->loc, "%s", msg->u.str.s);
	return NULL;
}

/* assert(cond, msg): when cond is false at run time,
 * errorf("assert failed: %s", msg) and exit(1), as bpftrace 0.26's
 * macro; the two calls are built and checked here */
struct type *check_assert(struct sema *s, struct node *n)
{
	struct node *cond = n->u.call.args, *msg = cond->next;
	check_cond(s, cond, "assert()'s condition");
	struct type *mt = check_expr(s, msg);
	if (!cond->type || !mt)
		return NULL;
	if (mt->kind != TYPE_STR) {
		diag_error(s->d, msg->loc, "assert() needs a string message, got %s",
			   type_name(s->a, mt));
		return NULL;
	}
	static const char prefix[] = "assert failed: %s";
	struct node *fmt = ast_str(s->a, n->loc, prefix, sizeof prefix - 1);
	fmt->next = msg;
	struct node *report = ast_call(s->a, n->loc, "errorf", fmt);
	struct node *code = ast_int(s->a, n->loc, 1, false);
	struct node *stop = ast_call(s->a, n->loc, "exit", code);
	if (!check_call(s, report, CALL_STMT) || !check_call(s, stop, CALL_STMT))
		return NULL;
	report->next = stop;
	n->u.call.lowered = report;
	return &type_void;
}

/* never reached: the params pass has replaced every getopt() call by its
 * value (src/sema/getopt.c) */
struct type *check_getopt(struct sema *s, struct node *n)
{
	diag_error(s->d, n->loc, "getopt() is left in the program after its value was read");
	return NULL;
}

/* a char is any 1-byte integer: BTF's `char`, int8 and uint8 alike */
static bool is_char(const struct type *t)
{
	return t && t->kind == TYPE_INT && t->size == 1;
}

/* assert_str(e): e is string-like, a string or an array or pointer of
 * chars; an error at the call otherwise. e is typed, never run. */
struct type *check_assert_str(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args;
	struct type *t = check_expr(s, a);
	if (!t)
		return NULL;
	bool ok = t->kind == TYPE_STR ||
		  ((t->kind == TYPE_ARRAY || t->kind == TYPE_PTR) && is_char(t->elem));
	if (ok || s->comptime_dead)
		return &type_void;
	if (t->kind == TYPE_ARRAY || t->kind == TYPE_PTR)
		diag_error(s->d, a->loc,
			   "assert_str(): a string-like %s must be of chars (1-byte integers), got %s",
			   t->kind == TYPE_ARRAY ? "array" : "pointer", type_name(s->a, t));
	else
		diag_error(s->d, a->loc,
			   "assert_str(): a string-like value is a string or an array or pointer of "
			   "chars, got %s",
			   type_name(s->a, t));
	return NULL;
}

/* default_str_length(): the size of a string str() makes, max_strlen */
struct type *check_default_str_length(struct sema *s, struct node *n)
{
	return become_uint(n, s->c->opts->max_strlen);
}

/* the kfunc name of kfunc_exist("name") and kfunc_allowed("name"): a
 * string literal, as bpftrace 0.26 requires; NULL after an error */
static const char *kfunc_name(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args;
	if (!check_expr(s, a))
		return NULL;
	if (a->kind != N_STR) {
		diag_error(s->d, a->loc, "%s() needs the kfunc's name as a string literal",
			   n->u.call.name);
		return NULL;
	}
	return a->u.str.s;
}

/* kfunc_exist("name"): the kernel's BTF has kfunc `name` */
struct type *check_kfunc_exist(struct sema *s, struct node *n)
{
	const char *name = kfunc_name(s, n);
	if (!name)
		return NULL;
	return become_const(n, feat_kfunc_id(s->c->host, name) >= 0);
}

/* kfunc_allowed("name"): this probe's programs may call kfunc `name`;
 * with several attach points, every one's program type must allow it */
struct type *check_kfunc_allowed(struct sema *s, struct node *n)
{
	const char *name = kfunc_name(s, n);
	if (!name)
		return NULL;
	const char *refusing = NULL;
	char why[256] = "";
	int r = kfunc_allowed_everywhere(s, name, &refusing, why, sizeof why);
	if (r < 0) {
		diag_error(s->d, n->loc, "kfunc_allowed(\"%s\") cannot be told for %s: %s", name,
			   refusing, why);
		return NULL;
	}
	bool allowed = s->naps > 0 && r == 1;
	return become_const(n, allowed);
}
