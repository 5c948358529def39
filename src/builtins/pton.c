/*
 * pton.c - pton("ADDR"): an IPv4 or IPv6 address written as text, turned
 * into its bytes at compile time (uint8[4] or uint8[16], network order),
 * the form ntop() takes back.
 */
#include "builtins/check.h"
#include "sema/sema_internal.h"

#include <arpa/inet.h>

struct type *check_pton(struct sema *s, struct node *n)
{
	struct node *arg = n->u.call.args;
	if (arg->kind != N_STR) {
		check_expr(s, arg);
		diag_error(s->d, arg->loc, "pton() needs an IP address in quotes");
		return NULL;
	}
	unsigned char bytes[16];
	uint32_t size = 0;
	if (inet_pton(AF_INET, arg->u.str.s, bytes) == 1)
		size = 4;
	else if (inet_pton(AF_INET6, arg->u.str.s, bytes) == 1)
		size = 16;
	if (!size) {
		diag_error(s->d, arg->loc, "pton(): '%s' is not an IPv4 or IPv6 address",
			   arg->u.str.s);
		return NULL;
	}
	return type_array(s->a, &type_u8, size);
}
