/*
 * output.c - builtins that send a record to user space through the ring
 * buffer (events.c builds the records): printf print time join system cat
 * exit. All are statements.
 */
#include "backend/cg_internal.h"

LLVMValueRef emit_printf(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (g->iter_to_file)
		cg_seq_printf(g, n);
	else
		cg_printf(g, n, EV_PRINTF);
	return NULL;
}

/* system() and cat() are printf()s the runtime runs or reads */
LLVMValueRef emit_system(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_printf(g, n, EV_SYSTEM);
	return NULL;
}

/* errorf() and warnf() are printf()s the runtime writes to stderr (their
 * format says so); warnf under --no-warnings sends nothing */
LLVMValueRef emit_errorf(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_printf(g, n, EV_PRINTF);
	return NULL;
}

LLVMValueRef emit_warnf(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	if (!g->c->opts->no_warnings)
		cg_printf(g, n, EV_PRINTF);
	return NULL;
}

LLVMValueRef emit_cat(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_printf(g, n, EV_CAT);
	return NULL;
}

LLVMValueRef emit_time(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_record(g, EV_TIME, n->u.call.fmt, NULL);
	return NULL;
}

LLVMValueRef emit_join(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_join(g, n);
	return NULL;
}

/* print(@map) asks the runtime to print the whole map; print(value) and
 * print(@map[key]) send the value */
LLVMValueRef emit_print(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	struct node *arg = n->u.call.args;
	if (arg->kind != N_MAP || arg->u.map.keys)
		cg_record(g, EV_PRINT_VALUE, n->u.call.fmt, arg);
	else
		cg_map_event(g, n, EV_PRINT);
	return NULL;
}

LLVMValueRef emit_unwatch(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_unwatch(g, cg_expr(g, n->u.call.args));
	return NULL;
}

LLVMValueRef emit_exit(struct cg *g, struct node *n, struct node *target)
{
	(void)target;
	cg_exit(g, n->u.call.args ? cg_expr(g, n->u.call.args) : NULL);
	return NULL;
}
