/*
 * integers.c - functions of integers: bswap (the argument is checked to
 * be an integer by the row, "i"; what is left is the type of the
 * result) and is_err (an integer or a pointer, bpftrace 0.26).
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

/* is_err(p): p is an error code the kernel returned as a pointer
 * (ERR_PTR: -4095 to -1), as the kernel's IS_ERR() */
struct type *check_is_err(struct sema *s, struct node *n)
{
	struct node *a = n->u.call.args;
	struct type *t = check_expr(s, a);
	if (!t)
		return NULL;
	if (!is_scalar(t)) {
		diag_error(s->d, a->loc, "is_err() needs a pointer or an integer, got %s",
			   type_name(s->a, t));
		return NULL;
	}
	return &type_bool;
}
