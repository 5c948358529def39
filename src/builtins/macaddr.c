/*
 * macaddr.c - macaddr(MAC): the six bytes of a MAC address as the string
 * "AA:BB:CC:DD:EE:FF" (bpftrace's format: upper-case hex). The probe
 * formats it, so it is a string everywhere: printf's %s, print, map keys
 * and values.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

enum { MACADDR_LEN = 6, MACADDR_TEXT = 3 * MACADDR_LEN };

/* the argument: 6 bytes (an array, a char[6] field), or their address
 * (a pointer, an integer) */
struct type *check_macaddr(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args;
	if (arg->kind == N_STR) {
		diag_error(s->d, arg->loc,
			   "macaddr() needs the address's 6 bytes or a pointer to them, not a string "
			   "literal");
		return NULL;
	}
	struct type *t = check_expr(s, arg);
	if (!t)
		return NULL;
	if (t->kind == TYPE_ARRAY || t->kind == TYPE_STR || t->kind == TYPE_BUF) {
		if (t->kind == TYPE_BUF || t->size != MACADDR_LEN) {
			diag_error(s->d, arg->loc, "macaddr() needs 6 bytes, got %s",
				   type_name(s->a, t));
			return NULL;
		}
	} else if (!is_int(t) && t->kind != TYPE_PTR) {
		diag_error(s->d, arg->loc,
			   "macaddr() needs a 6-byte array or a pointer to one, got %s",
			   type_name(s->a, t));
		return NULL;
	}
	return type_str(s->a, MACADDR_TEXT);
}
