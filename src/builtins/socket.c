/*
 * socket.c - the builtins that take BTF-typed networking pointers, whose
 * helpers exist only in BPF tracing programs: fentry and fexit probes (and
 * kprobes sonde runs as fentry), as in bpftrace.
 *
 * socket_cookie(sk) (bpftrace 0.26): the kernel's cookie of a
 * `struct sock *`, from bpf_get_socket_cookie.
 *
 * skboutput(PATH, SKB, LEN, OFFSET) (bpftrace 0.17): the first LEN bytes
 * of a `struct sk_buff *`'s data, through bpf_skb_output, as one packet of
 * the raw-IP pcap file PATH with OFFSET bytes cut from its front.
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

static bool is_record_pointer(const struct type *t, const char *name)
{
	if (t->kind != TYPE_PTR || !t->elem || t->elem->kind != TYPE_RECORD || !t->elem->name)
		return false;
	const char *rec = t->elem->name;
	if (!strncmp(rec, "struct ", 7))
		rec += 7;
	return !strcmp(rec, name);
}

struct type *check_socket_cookie(struct sema *s, struct node *n)
{
	struct node *sk = n->u.call.args;
	struct type *t = check_expr(s, sk);
	if (!t)
		return NULL;
	if (!is_record_pointer(t, "sock")) {
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

/* bpf_skb_output takes at most BPF_F_CTXLEN_MASK (20 bits) of packet */
enum { SKB_OUTPUT_MAX_OFFSET = 0xfffff };

/* The call's id: one per call (two calls may share a file), found again
 * when the same call is checked for another attach point. */
static int add_skb_output(struct sema *s, struct node *call, const char *path, uint32_t offset)
{
	struct skb_output_info **tail = &s->c->skb_outputs;
	for (; *tail; tail = &(*tail)->next)
		if ((*tail)->call == call)
			return (*tail)->index;
	struct skb_output_info *o = arena_alloc(s->a, sizeof(*o));
	o->path = path;
	o->offset = offset;
	o->call = call;
	o->index = s->c->nskb_outputs++;
	*tail = o;
	return o->index;
}

struct type *check_skboutput(struct sema *s, struct node *n)
{
	struct node *path = n->u.call.args, *skb = path->next, *len = skb->next,
	            *offset = len->next;
	bool ok = true;
	if (path->kind != N_STR) {
		check_expr(s, path);
		diag_error(s->d, path->loc,
		           "skboutput() needs the pcap file to write as a string literal, as in "
		           "\"out.pcap\"");
		ok = false;
	} else if (!path->u.str.len || memchr(path->u.str.s, 0, path->u.str.len)) {
		diag_error(s->d, path->loc, "skboutput()'s pcap file name must not %s",
		           path->u.str.len ? "contain a NUL byte" : "be empty");
		ok = false;
	}
	struct type *t = check_expr(s, skb);
	if (t && !is_record_pointer(t, "sk_buff")) {
		diag_error(s->d, skb->loc, "skboutput() only takes a 'struct sk_buff *', got %s",
		           type_name(s->a, t));
		ok = false;
	} else if (!t) {
		ok = false;
	}
	bool lit = true;
	int64_t off = const_int(s, offset, "skboutput()'s offset", &lit);
	if (lit && (off < 0 || off > SKB_OUTPUT_MAX_OFFSET)) {
		diag_error(s->d, offset->loc,
		           "skboutput()'s offset is the bytes cut from the front of each packet: "
		           "0 to %d, got %lld",
		           SKB_OUTPUT_MAX_OFFSET, (long long)off);
		lit = false;
	}
	if (!ok || !lit)
		return NULL;
	for (size_t i = 0; i < s->naps; i++) {
		if (is_tracing_program(s, &s->aps[i]))
			continue;
		const char *prov = s->aps[i].prov->name;
		/* fentry:F made a kprobe because fentry is refused here */
		bool fell_back = s->aps[i].prov->wants_trampoline;
		diag_error(s->d, n->loc,
		           "'skboutput()' is not available in %s probes%s: the kernel copies the "
		           "packets of a 'struct sk_buff *' only in fentry and fexit programs",
		           prov, fell_back ? " that this kernel runs as kprobes" : "");
		return NULL;
	}
	n->u.call.value = (uint64_t)add_skb_output(s, n, path->u.str.s, (uint32_t)off);
	return &type_s64;
}
