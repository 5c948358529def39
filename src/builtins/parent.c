/*
 * parent.c - ppid and pcomm: the parent of the current task (or of the
 * task given, ppid(task)), as bpftrace 0.26 defines them: the task's
 * real_parent's tgid and comm. Each stands for that BTF field access,
 * built here and checked like one; the backend emits the access.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

static struct node *field(struct sema *s, struct node *base, const char *name, struct loc loc)
{
	struct node *f = ast_new(s->a, N_FIELD, loc);
	f->u.field.base = base;
	f->u.field.name = name;
	f->u.field.arrow = true;
	f->u.field.name_loc = loc;
	return f;
}

/* TASK->real_parent->LEAF, TASK the argument or curtask */
static struct type *check_parent_field(struct sema *s, struct node *n, const char *leaf)
{
	struct node *task = n->kind == N_CALL ? n->u.call.args : NULL;
	if (task)
		task->next = NULL; /* the argument list has one element */
	else
		task = ast_ident(s->a, n->loc, "curtask");
	struct node *e = field(s, field(s, task, "real_parent", n->loc), leaf, n->loc);
	if (n->kind == N_CALL)
		n->u.call.lowered = e;
	else
		n->u.ident.lowered = e;
	return check_expr(s, e);
}

struct type *check_ppid(struct sema *s, struct node *n)
{
	return check_parent_field(s, n, "tgid");
}

struct type *check_pcomm(struct sema *s, struct node *n)
{
	return check_parent_field(s, n, "comm");
}
