/*
 * expand.c - the cap on the attach points a wildcard adds (see expand.h).
 */
#include "probes/expand.h"

#include "front/diag.h"

bool expand_cap_room(struct expand_cap *cap)
{
	if (cap->added < cap->max)
		return true;
	cap->too_many = true;
	return false;
}

void expand_cap_add(struct compilation *c, struct expand_cap *cap, const struct attach_point *ap)
{
	sema_add_attach_point(c, ap);
	cap->added++;
}

int expand_cap_check(struct compilation *c, const struct expand_cap *cap, const struct node *spec,
                     const char *what)
{
	if (!cap->too_many)
		return 0;
	diag_error(c->diag, spec->loc, "'%s' matches more than %zu %s; narrow the pattern",
	           spec->u.spec.text, cap->max, what);
	return -1;
}
