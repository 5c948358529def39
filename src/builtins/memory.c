/*
 * memory.c - which memory a pointer points into: uptr(p) and kptr(p) say
 * it where sonde cannot tell from where the pointer came from (a kernel
 * function's untagged `char __user *`, an integer read from a map).
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

/* The argument's value in `space`: every read through it (p->f, *p, p[i],
 * str(p)) uses that space's helper. */
static struct type *mark_space(struct sema *s, struct node *n, enum addr_space space)
{
	struct node *arg = n->u.call.args;
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (!is_scalar(t)) {
		diag_error(s->d, arg->loc, "%s() needs a pointer or an integer address, got %s",
		           n->u.call.name, type_name(s->a, t));
		return NULL;
	}
	return type_in_space(s->a, t, space);
}

/* uptr(p): p points into the process's memory */
struct type *check_uptr(struct sema *s, struct node *n)
{
	return mark_space(s, n, SPACE_USER);
}

/* kptr(p): p points into kernel memory */
struct type *check_kptr(struct sema *s, struct node *n)
{
	return mark_space(s, n, SPACE_KERNEL);
}
