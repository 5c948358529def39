/*
 * socket.c - socket_cookie(sk) (bpftrace 0.26): the kernel's cookie of a
 * `struct sock *`, from bpf_get_socket_cookie, which takes a BTF-typed
 * socket and so exists only in BPF tracing programs: fentry and fexit
 * probes (and kprobes sonde runs as fentry), as in bpftrace.
 */
#include <string.h>

#include "builtins/check.h"
#include "probes/provider.h"
#include "sema/sema_internal.h"

static bool is_tracing_program(struct sema *s, const struct attach_point *ap)
{
	if (!ap->prov->section)
		return false;
	const char *sec = ap->prov->section(s->a, ap);
	return sec && (!strncmp(sec, "fentry/", 7) || !strncmp(sec, "fexit/", 6));
}

struct type *check_socket_cookie(struct sema *s, struct node *n)
{
	struct node *sk = n->u.call.args;
	struct type *t = check_expr(s, sk);
	if (!t)
		return NULL;
	if (t->kind != TYPE_PTR || !t->elem || t->elem->kind != TYPE_RECORD || !t->elem->name ||
	    (strcmp(t->elem->name, "sock") && strcmp(t->elem->name, "struct sock"))) {
		diag_error(s->d, sk->loc,
			   "socket_cookie() only takes a 'struct sock *', got %s", type_name(s->a, t));
		return NULL;
	}
	for (size_t i = 0; i < s->naps; i++) {
		if (!is_tracing_program(s, &s->aps[i])) {
			diag_error(s->d, n->loc,
				   "'socket_cookie()' is not available in %s probes: the kernel gives "
				   "socket cookies of a 'struct sock *' only to fentry and fexit "
				   "programs",
				   s->aps[i].prov->name);
			return NULL;
		}
	}
	return &type_u64;
}
