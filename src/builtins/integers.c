/*
 * integers.c - functions of integers: bswap. The argument is checked to
 * be an integer by the row ("i"); what is left is the type of the result.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

/* bswap(n): the bytes of n in reverse order, an unsigned integer of n's
 * width, as in bpftrace (a variable's width is its storage's, 64 bits) */
struct type *check_bswap(struct sema *s, struct node *n)
{
	(void)s;
	struct type *t = n->u.call.args->type;
	return type_int(false, t->size);
}
