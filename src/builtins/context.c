/*
 * context.c - values the probe's context gives, asked of each attach
 * point's provider: args (only with a field, args.NAME: see check_field
 * in src/sema/expr.c), pkt (likewise, src/sema/pkt.c), retval, arg0..arg9,
 * func, probe, probetype. The rows say which CTX_HAS_* each needs.
 */
#include <string.h>

#include "builtins/check.h"
#include "sema/sema_internal.h"

/* a bare `args`: args.NAME goes through check_field instead */
struct type *check_args(struct sema *s, struct node *n)
{
	diag_error(s->d, n->loc, "'args' is used with a field, as in args.NAME");
	return NULL;
}

/* a bare `pkt`: pkt.FIELD goes through check_pkt_field instead */
struct type *check_pkt(struct sema *s, struct node *n)
{
	diag_error(s->d, n->loc, "'pkt' is used with a field, as in pkt.proto");
	return NULL;
}

struct type *check_retval(struct sema *s, struct node *n)
{
	struct type *t = NULL;
	for (size_t i = 0; i < s->naps; i++) {
		struct ctx_access acc;
		if (!s->aps[i].prov->retval ||
		    s->aps[i].prov->retval(s->c, &s->aps[i], n->loc, &acc))
			return NULL;
		/* functions of a wildcard returning pointers to different
		 * types (or a pointer and an integer): the address, since no
		 * one type reads fields right at all of them */
		if (t && !type_equal(t, acc.type) &&
		    (t->kind == TYPE_PTR || acc.type->kind == TYPE_PTR)) {
			acc.type = &type_u64;
			t = type_in_space(s->a, &type_u64, (enum addr_space)t->space);
		}
		/* integers of different sizes or signs (a uint16 and a char):
		 * each attach point loads its own, and 64 bits hold them all */
		if (t && !type_equal(t, acc.type) && t->kind == TYPE_INT &&
		    acc.type->kind == TYPE_INT) {
			acc.type = t->is_signed || acc.type->is_signed ? &type_s64 : &type_u64;
			t = type_in_space(s->a, acc.type, (enum addr_space)t->space);
		}
		t = ctx_value_type(s, t, &acc);
	}
	return t ? t : &type_s64;
}

/* arg0..arg9: one hook for ten rows, told apart by their id */
struct type *check_argn(struct sema *s, struct node *n)
{
	int index = n->u.ident.builtin_id - BI_ARG0;
	struct type *t = NULL;
	for (size_t i = 0; i < s->naps; i++) {
		struct ctx_access acc;
		if (!s->aps[i].prov->arg_index ||
		    s->aps[i].prov->arg_index(s->c, &s->aps[i], index, n->loc, &acc))
			return NULL;
		t = ctx_value_type(s, t, &acc);
	}
	return t;
}

/* the traced function's name: a string as long as the longest one */
struct type *check_func(struct sema *s, struct node *n)
{
	size_t len = 0;
	for (size_t i = 0; i < s->naps; i++) {
		if (!(s->aps[i].prov->ctx & CTX_HAS_FUNC) || !s->aps[i].func) {
			diag_error(s->d, n->loc, "'func' is not available in %s probes",
			           s->aps[i].prov->name);
			return NULL;
		}
		if (strlen(s->aps[i].func) > len)
			len = strlen(s->aps[i].func);
	}
	return type_str(s->a, (uint32_t)len + 1);
}

/* the attach point's spec: a string as long as the longest one */
struct type *check_probe(struct sema *s, struct node *n)
{
	(void)n;
	size_t len = 0;
	for (size_t i = 0; i < s->naps; i++)
		if (strlen(s->aps[i].spec) > len)
			len = strlen(s->aps[i].spec);
	return type_str(s->a, (uint32_t)len + 1);
}

/* the probe type's name: its provider's, "special" for BEGIN and END as
 * in bpftrace; a string as long as the longest one */
static const char *probetype_name(const struct attach_point *ap)
{
	return ap->prov->probetype             ? ap->prov->probetype
	       : ap->prov->run == RUN_ATTACHED ? ap->prov->name
	                                       : "special";
}

struct type *check_probetype(struct sema *s, struct node *n)
{
	(void)n;
	size_t len = 0;
	for (size_t i = 0; i < s->naps; i++)
		if (strlen(probetype_name(&s->aps[i])) > len)
			len = strlen(probetype_name(&s->aps[i]));
	return type_str(s->a, (uint32_t)len + 1);
}
