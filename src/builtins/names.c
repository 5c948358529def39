/*
 * names.c - numbers the runtime shows by name when it prints them
 * (TYPE_NAMED): strerror(errno), syscall_name(nr), cgroup_path(id[,
 * "filter"]). The value is the number; its text is looked up in user
 * space at print time (src/runtime/named.c), as bpftrace does for
 * strerror and cgroup_path, so it can be printed (printf's %s, print, map
 * keys and values) but not compared with a string.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

struct type *check_strerror(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_errno_name;
}

struct type *check_syscall_name(struct sema *s, struct node *n)
{
	(void)s, (void)n;
	return &type_syscall_name;
}

/* the optional filter is a string literal: the hierarchies it names
 * ('*' a wildcard) travel in the type's name */
struct type *check_cgroup_path(struct sema *s, struct node *n)
{
	struct node *filter = n->u.call.args->next;
	if (filter && filter->kind != N_STR) {
		check_expr(s, filter);
		diag_error(s->d, filter->loc,
		           "cgroup_path() needs the hierarchies to look in as a string literal, "
		           "as in \"unified\" or \"cpu*\"");
		return NULL;
	}
	struct type *t = arena_alloc(s->a, sizeof(*t));
	*t = type_errno_name;
	t->named = NAMED_CGROUP;
	t->name = filter ? filter->u.str.s : NULL;
	return t;
}
