/*
 * args.c - the diagnostic for an argument a probe lacks (see args.h).
 */
#include "probes/args.h"

#include "front/diag.h"

int probe_no_arg(struct compilation *c, struct loc loc, const char *owner, const char *noun,
                 const char *name, const char *const *names, int n, const char *listed)
{
	diag_error(c->diag, loc, "%s has no %s '%s'", owner, noun, name);
	const char *near = diag_closest(name, names, n);
	if (near)
		diag_note(c->diag, (struct loc){0}, "did you mean 'args.%s'?", near);
	else if (n && listed)
		diag_note(c->diag, (struct loc){0}, "its %ss: 'sonde -lv %s' lists them", noun,
		          listed);
	return -1;
}
