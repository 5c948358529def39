/*
 * strcompare.c - functions that compare strings: strncmp, strcontains.
 * Both take strings (char[N] values: literals, str(), comm, string
 * variables and maps) and give 0 or 1; the comparison is unrolled over
 * the strings' sizes, so those sizes are bounded here.
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

/* strcontains(haystack, needle): 1 when needle occurs in haystack (an
 * empty needle always does), else 0 */
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
	return &type_u64;
}
