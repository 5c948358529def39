/*
 * parent.c - ppid and pcomm: the parent of the current task (or of the
 * task given, ppid(task)), as bpftrace 0.26 defines them: the task's
 * real_parent's tgid and comm; leader_tid and leader_comm (bpftrace
 * 0.26): its thread group leader's pid and comm. Each stands for that BTF
 * field access, built here and checked like one; the backend emits the
 * access.
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

/* TASK->LINK->LEAF, TASK the argument or curtask */
static struct type *check_task_field(struct sema *s, struct node *n, const char *link,
				     const char *leaf)
{
	struct node *task = n->kind == N_CALL ? n->u.call.args : NULL;
	if (task)
		task->next = NULL; /* the argument list has one element */
	else
		task = ast_ident(s->a, n->loc, "curtask");
	struct node *e = field(s, field(s, task, link, n->loc), leaf, n->loc);
	if (n->kind == N_CALL)
		n->u.call.lowered = e;
	else
		n->u.ident.lowered = e;
	return check_expr(s, e);
}

struct type *check_ppid(struct sema *s, struct node *n)
{
	return check_task_field(s, n, "real_parent", "tgid");
}

struct type *check_pcomm(struct sema *s, struct node *n)
{
	return check_task_field(s, n, "real_parent", "comm");
}

struct type *check_leader_tid(struct sema *s, struct node *n)
{
	return check_task_field(s, n, "group_leader", "pid");
}

struct type *check_leader_comm(struct sema *s, struct node *n)
{
	return check_task_field(s, n, "group_leader", "comm");
}
