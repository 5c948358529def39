/*
 * integers.c - functions of integers: bswap. The argument is checked to
 * be an integer by the row ("i"); what is left is the type of the result.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

/* bswap(n): the bytes of n in reverse order, an unsigned integer of n's
 * width, as in bpftrace. A variable's width is that of the values it was
 * given (natural_type), not of its 64-bit slot: `$x = (uint16)1;
 * bswap($x)` is 256, as bpftrace prints. The emit hook swaps the result
 * type's width. */
struct type *check_bswap(struct sema *s, struct node *n)
{
	struct type *t = natural_type(s, n->u.call.args);
	if (!is_int(t))
		t = n->u.call.args->type;
	return type_int(false, t->size);
}
