/*
 * strcompare.c - functions that measure, search and compare strings:
 * strncmp, strcontains, and bpftrace 0.26's strlen, strcap, strstr and
 * memcmp. They take strings (char[N] values: literals, str(), comm,
 * string variables and maps); strlen, strcap and strstr also a char
 * pointer, read as str() reads it. The work is unrolled over the values'
 * sizes, so those sizes are bounded here.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

/* strcontains() unrolls a comparison per (haystack, needle) byte pair;
 * past this the program would be too large for the verifier */
enum { STRCONTAINS_MAX_PAIRS = 64 * 64 };

static bool check_string_arg(struct sema *s, struct node *call, struct node *arg)
{
	struct type *t = check_expr(s, arg);
	if (!t)
		return false;
	if (t->kind != TYPE_STR) {
		diag_error(s->d, arg->loc, "%s() compares strings, got %s", call->u.call.name,
			   type_name(s->a, t));
		return false;
	}
	return true;
}

/* strncmp(a, b, n): 0 when the first n bytes are equal (up to a NUL),
 * else 1, as bpftrace gives; n a non-negative literal */
struct type *check_strncmp(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args, *b = a->next, *len = b->next;
	bool ok = check_string_arg(s, n, a);
	ok = check_string_arg(s, n, b) && ok;
	bool lit = true;
	int64_t v = const_int(s, len, "strncmp()'s length", &lit);
	if (lit && v < 0) {
		diag_error(s->d, len->loc, "strncmp()'s length must not be negative, got %lld",
			   (long long)v);
		lit = false;
	}
	if (!ok || !lit)
		return NULL;
	n->u.call.value = (uint64_t)v;
	return &type_u64;
}

/* strcontains(haystack, needle): true (1) when needle occurs in haystack
 * (an empty needle always does), else false (0) */
struct type *check_strcontains(struct sema *s, struct node *n)
{
	struct node *hay = n->u.call.args, *needle = hay->next;
	bool ok = check_string_arg(s, n, hay);
	ok = check_string_arg(s, n, needle) && ok;
	if (!ok)
		return NULL;
	uint64_t pairs = (uint64_t)hay->type->size * needle->type->size;
	if (pairs > STRCONTAINS_MAX_PAIRS) {
		diag_error(s->d, n->loc,
			   "strcontains() of a %u-byte and a %u-byte string is too large to "
			   "unroll (at most %u byte pairs); shorten them with str(s, n)",
			   hay->type->size, needle->type->size, (unsigned)STRCONTAINS_MAX_PAIRS);
		return NULL;
	}
	return &type_cmp_bool; /* bpftrace 0.26's bool, 0.17's integer */
}

/* A string-like argument of strlen, strcap, strstr: a string, or a
 * pointer to 1-byte integers (a char *), which becomes str(p) (read up to
 * max_strlen bytes, as bpftrace 0.26 bounds it). NULL after an error. */
static struct node *string_like_arg(struct sema *s, struct node *call, struct node *arg)
{
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (t->kind == TYPE_STR)
		return arg;
	if (t->kind == TYPE_PTR && t->elem && t->elem->kind == TYPE_INT && t->elem->size == 1) {
		struct node *rd = ast_call(s->a, arg->loc, "str", arg);
		arg->next = NULL;
		rd->u.call.builtin_id = BI_STR;
		rd->type = type_str(s->a, s->c->opts->max_strlen);
		return rd;
	}
	diag_error(s->d, arg->loc, "%s() needs a string or a char pointer, got %s", call->u.call.name,
		   type_name(s->a, t));
	return NULL;
}

/* strlen(s): the bytes before the first NUL (the whole size when there is
 * none), a u64 */
struct type *check_strlen(struct sema *s, struct node *n)
{
	struct node *a = string_like_arg(s, n, n->u.call.args);
	if (!a)
		return NULL;
	n->u.call.lowered = a;
	return &type_u64;
}

/* strcap(s): a string's capacity, its size in bytes with the NUL (4 for
 * "abc", 16 for comm), a constant; of a char pointer, its strlen */
struct type *check_strcap(struct sema *s, struct node *n)
{
	struct node *a = string_like_arg(s, n, n->u.call.args);
	if (!a)
		return NULL;
	if (a->kind == N_CALL && a->u.call.builtin_id == BI_STR && a != n->u.call.args) {
		struct node *len = ast_call(s->a, n->loc, "strlen", a);
		len->u.call.builtin_id = BI_STRLEN;
		len->u.call.lowered = a;
		len->type = &type_u64;
		n->u.call.lowered = len;
		return &type_s64;
	}
	n->u.call.lowered = ast_int(s->a, n->loc, a->type->size, false);
	n->u.call.lowered->type = &type_s64;
	return &type_s64;
}

/* strstr(haystack, needle): the index of needle's first occurrence in
 * haystack, 0 for an empty needle, -1 when it does not occur; an s64 */
struct type *check_strstr(struct sema *s, struct node *n)
{
	struct node *hay = n->u.call.args, *needle = hay->next;
	hay->next = NULL;
	struct node *h = string_like_arg(s, n, hay);
	struct node *nd = string_like_arg(s, n, needle);
	if (!h || !nd)
		return NULL;
	uint64_t pairs = (uint64_t)h->type->size * nd->type->size;
	if (pairs > STRCONTAINS_MAX_PAIRS) {
		diag_error(s->d, n->loc,
			   "strstr() of a %u-byte and a %u-byte string is too large to "
			   "unroll (at most %u byte pairs); shorten them with str(s, n)",
			   h->type->size, nd->type->size, (unsigned)STRCONTAINS_MAX_PAIRS);
		return NULL;
	}
	h->next = nd;
	nd->next = NULL;
	n->u.call.lowered = h;
	return &type_s64;
}

/* memcmp(a, b, n): the first n bytes of two values (strings, integers,
 * tuples), 0 when they agree, else the difference of the first two bytes
 * that differ, as signed chars (bpftrace 0.26's stdlib); n a literal no
 * larger than either value */
struct type *check_memcmp(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args, *b = a->next, *len = b->next;
	struct type *ta = check_expr(s, a), *tb = check_expr(s, b);
	bool lit = true;
	int64_t v = const_int(s, len, "memcmp()'s length", &lit);
	if (!ta || !tb || !lit)
		return NULL;
	struct node *ops[2] = {a, b};
	for (int i = 0; i < 2; i++) {
		struct type *t = ops[i]->type;
		if (t->kind != TYPE_STR && t->kind != TYPE_TUPLE && !is_scalar(t) &&
		    t->kind != TYPE_INET && !(t->kind == TYPE_RECORD && t->by_value)) {
			diag_error(s->d, ops[i]->loc,
				   "memcmp() compares the bytes of a value (a string, integer, "
				   "pointer or tuple), got %s",
				   type_name(s->a, t));
			return NULL;
		}
	}
	if (v < 0) {
		diag_error(s->d, len->loc, "memcmp()'s length must not be negative, got %lld",
			   (long long)v);
		return NULL;
	}
	for (int i = 0; i < 2; i++) {
		uint32_t size = ops[i]->type->size;
		if ((uint64_t)v > size) {
			diag_error(s->d, len->loc,
				   "memcmp()'s length %lld is more than the %u bytes of its %s "
				   "argument (%s)",
				   (long long)v, size, i ? "second" : "first",
				   type_name(s->a, ops[i]->type));
			return NULL;
		}
	}
	n->u.call.value = (uint64_t)v;
	return &type_s64;
}
