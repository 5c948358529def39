/*
 * strings.c - functions that make a string or bytes to print: str, buf,
 * ntop, strftime, signal_name (bpftrace 0.26). The value is read in the
 * probe; the runtime formats it by its type (TYPE_STR, TYPE_BUF,
 * TYPE_INET, TYPE_TIMESTAMP).
 */
#include <sys/socket.h>

#include "builtins/check.h"
#include "sema/sema_internal.h"

/* str(p[, len]): the string p points to, or the first len bytes of a
 * string */
struct type *check_str(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	struct type *t = check_expr(s, args);
	if (!t)
		return NULL;
	uint32_t size = s->c->opts->max_strlen;
	if (args->next) {
		bool ok = true;
		int64_t len = const_int(s, args->next, "the length of str()", &ok);
		if (!ok)
			return NULL;
		if (len < 1 || len > 4096) {
			diag_error(s->d, args->next->loc,
			           "str() length must be between 1 and 4096, got %lld",
			           (long long)len);
			return NULL;
		}
		/* room for the terminating NUL, as bpftrace does */
		size = (uint32_t)len + 1 < size ? (uint32_t)len + 1 : size;
	}
	/* str(s, n) of a string keeps its first n bytes, as it does of a
	 * pointer */
	if (t->kind == TYPE_STR)
		return args->next && size < t->size ? type_str(s->a, size) : t;
	if (!is_int(t) && t->kind != TYPE_PTR) {
		diag_error(s->d, args->loc, "str() needs a pointer or string, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	return type_str(s->a, size);
}

/* buf()'s length argument: a literal is checked here (a negated one is
 * never valid); one known only at run time is clamped to max_strlen.
 * Returns false after an error. */
static bool buf_length(struct sema *s, struct node *ln, uint32_t *len)
{
	struct type *lt = check_expr(s, ln);
	if (!lt)
		return false;
	if (!is_int(lt)) {
		diag_error(s->d, ln->loc, "buf()'s length must be an integer, got %s",
		           type_name(s->a, lt));
		return false;
	}
	if (ln->kind == N_UNOP && ln->u.unop.op == OP_NEG && ln->u.unop.operand->kind == N_INT) {
		diag_error(s->d, ln->loc, "buf() length must be between 1 and 4096, got -%llu",
		           (unsigned long long)ln->u.unop.operand->u.int_lit.value);
		return false;
	}
	if (ln->kind == N_INT) {
		uint64_t v = ln->u.int_lit.value;
		if (v < 1 || v > 4096) {
			diag_error(s->d, ln->loc,
			           "buf() length must be between 1 and 4096, got %llu",
			           (unsigned long long)v);
			return false;
		}
		*len = (uint32_t)v;
	}
	return true;
}

/* buf(p[, len]): bytes, printed as hex escapes */
struct type *check_buf(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	struct type *t = check_expr(s, args);
	if (!t)
		return NULL;
	uint32_t len = s->c->opts->max_strlen;
	if (args->next) {
		if (!buf_length(s, args->next, &len))
			return NULL;
	} else if (t->kind == TYPE_STR || t->kind == TYPE_ARRAY) {
		len = t->size;
	} else {
		diag_error(s->d, n->loc, "buf() of a pointer needs a length, as in buf(p, 16)");
		return NULL;
	}
	if (!is_scalar(t) && t->kind != TYPE_STR && t->kind != TYPE_ARRAY) {
		diag_error(s->d, args->loc, "buf() needs a pointer, string or array, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	struct type *bt = arena_alloc(s->a, sizeof(*bt));
	bt->kind = TYPE_BUF;
	bt->size = 4 + len;
	bt->align = 4;
	return bt;
}

/* ntop(AF, addr) with a literal family: the family must be one the
 * printer knows (it would show an unknown one as an empty string) and fit
 * the address. AF_INET is a macro, expanded by now. */
static bool ntop_family_fits(struct sema *s, struct node *afn, struct node *addr, struct type *t)
{
	bool negated_literal =
	    afn->kind == N_UNOP && afn->u.unop.op == OP_NEG && afn->u.unop.operand->kind == N_INT;
	if (negated_literal) {
		diag_error(s->d, afn->loc,
		           "ntop(): -%llu is not an address family; use AF_INET (%d) or "
		           "AF_INET6 (%d)",
		           (unsigned long long)afn->u.unop.operand->u.int_lit.value, AF_INET,
		           AF_INET6);
		return false;
	}
	if (afn->kind != N_INT)
		return true;
	uint64_t af = afn->u.int_lit.value;
	if (af != AF_INET && af != AF_INET6) {
		diag_error(s->d, afn->loc,
		           "ntop(): %llu is not an address family; use AF_INET (%d) or "
		           "AF_INET6 (%d)",
		           (unsigned long long)af, AF_INET, AF_INET6);
		return false;
	}
	bool bytes = t->kind == TYPE_ARRAY || t->kind == TYPE_STR;
	bool fits = t->kind == TYPE_INET ||
	            (af == AF_INET ? is_int(t) || (bytes && t->size == 4) : bytes && t->size == 16);
	if (!fits) {
		diag_error(s->d, addr->loc, "ntop(%s, ...) needs %s, got %s",
		           af == AF_INET ? "AF_INET" : "AF_INET6",
		           af == AF_INET ? "a 4-byte address (an integer or a 4-byte array)"
		                         : "a 16-byte array",
		           type_name(s->a, t));
		return false;
	}
	return true;
}

/* ntop([AF, ]addr): an IPv4 or IPv6 address, printed as text */
struct type *check_ntop(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	struct node *addr = args->next ? args->next : args;
	if (args->next) {
		struct type *af = check_expr(s, args);
		if (!af)
			return NULL;
		if (!is_int(af)) {
			diag_error(s->d, args->loc,
			           "ntop()'s address family must be an integer, got %s",
			           type_name(s->a, af));
			return NULL;
		}
	}
	struct type *t = check_expr(s, addr);
	if (!t)
		return NULL;
	if (args->next && !ntop_family_fits(s, args, addr, t))
		return NULL;
	bool ok =
	    is_int(t) || t->kind == TYPE_INET ||
	    ((t->kind == TYPE_ARRAY || t->kind == TYPE_STR) && (t->size == 4 || t->size == 16));
	if (!ok) {
		diag_error(s->d, addr->loc,
		           "ntop() needs an IPv4 address as an integer or a 4- or 16-byte "
		           "array, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	return &type_inet;
}

/* strftime(fmt, ns): a timestamp the runtime formats with strftime(3);
 * the format is the type's name */
struct type *check_strftime(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	struct type *t = check_expr(s, args->next);
	if (args->kind != N_STR) {
		diag_error(s->d, args->loc, "strftime() needs a string literal format");
		return NULL;
	}
	if (!check_time_format(s, args))
		return NULL;
	if (!t)
		return NULL;
	if (!is_int(t)) {
		diag_error(s->d, args->next->loc,
		           "strftime() needs a timestamp in ns since boot, got %s",
		           type_name(s->a, t));
		return NULL;
	}
	struct type *ts = arena_alloc(s->a, sizeof(*ts));
	ts->kind = TYPE_TIMESTAMP;
	ts->size = 8;
	ts->align = 8;
	ts->name = args->u.str.s;
	return ts;
}

/* signal_name(sig): strsignal(3)'s description of the signal as a
 * 64-byte string, "N/A" out of 0..64 (bpftrace 0.26); the integer is
 * checked by the row */
struct type *check_signal_name(struct sema *s, struct node *n)
{
	(void)n;
	return type_str(s->a, 64);
}
