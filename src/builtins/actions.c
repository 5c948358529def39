/*
 * actions.c - statements that act on the packet or the task rather than
 * print: redirect (ends an xdp/tc probe; its row says why it is only a
 * statement and that it needs CTX_HAS_REDIRECT), signal and signal_thread
 * (need --unsafe), override (kprobes, --unsafe), write_user (--unsafe,
 * bpftrace 0.26).
 */
#include <net/if.h>
#include <string.h>

#include "builtins/check.h"
#include "kernel/features.h"
#include "probes/provider.h"
#include "sema/sema_internal.h"

/* redirect("ifname"): the interface is looked up now; redirect(expr): an
 * ifindex chosen at run time (a variable, a map value, pkt.ifindex), left
 * to the kernel, which drops the packet when no interface has it
 * (u.call.ifindex 0) */
struct type *check_redirect(struct sema *s, struct node *n)
{
	struct node *args = n->u.call.args;
	if (s->for_depth) {
		diag_error(s->d, n->loc,
		           "redirect() cannot be used inside a 'for' loop over a map");
		return NULL;
	}
	if (args->kind != N_STR) {
		struct type *t = check_expr(s, args);
		if (!t)
			return NULL;
		if (!is_int(t)) {
			diag_error(s->d, args->loc,
			           "redirect() needs an interface name in quotes or an interface "
			           "index (an integer), got %s",
			           type_name(s->a, t));
			return NULL;
		}
		n->u.call.ifindex = 0;
		return &type_void;
	}
	unsigned idx = if_nametoindex(args->u.str.s);
	if (!idx) {
		diag_error(s->d, args->loc, "no network interface is named '%s'", args->u.str.s);
		return NULL;
	}
	n->u.call.ifindex = idx;
	return &type_void;
}

/* signal("SIGKILL"), signal("KILL"), signal(9) */
static int signal_number(const char *name)
{
	static const struct {
		const char *name;
		int num;
	} sigs[] = {
	    {"HUP", 1},     {"INT", 2},   {"QUIT", 3},   {"ILL", 4},   {"TRAP", 5},  {"ABRT", 6},
	    {"BUS", 7},     {"FPE", 8},   {"KILL", 9},   {"USR1", 10}, {"SEGV", 11}, {"USR2", 12},
	    {"PIPE", 13},   {"ALRM", 14}, {"TERM", 15},  {"CHLD", 17}, {"CONT", 18}, {"STOP", 19},
	    {"TSTP", 20},   {"TTIN", 21}, {"TTOU", 22},  {"URG", 23},  {"XCPU", 24}, {"XFSZ", 25},
	    {"VTALRM", 26}, {"PROF", 27}, {"WINCH", 28}, {"IO", 29},   {"PWR", 30},  {"SYS", 31},
	};
	if (!strncmp(name, "SIG", 3))
		name += 3;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!strcmp(sigs[i].name, name))
			return sigs[i].num;
	return -1;
}

/* signal(name or number), signal_thread(name or number): a name is
 * resolved now (u.call.signal), a number at run time (u.call.signal 0);
 * `fn` names the function in messages */
static struct type *check_send(struct sema *s, struct node *n, const char *fn)
{
	struct node *args = n->u.call.args;
	if (args->kind == N_STR) {
		int sig = signal_number(args->u.str.s);
		if (sig < 0) {
			diag_error(s->d, args->loc, "%s(): unknown signal '%s'", fn, args->u.str.s);
			return NULL;
		}
		n->u.call.signal = sig;
		return &type_void;
	}
	struct type *t = check_expr(s, args);
	if (!t)
		return NULL;
	if (!is_int(t)) {
		diag_error(s->d, args->loc, "%s() needs a signal name or number, got %s", fn,
		           type_name(s->a, t));
		return NULL;
	}
	if (args->kind == N_INT && (args->u.int_lit.value < 1 || args->u.int_lit.value > 64)) {
		diag_error(s->d, args->loc, "%s(): %llu is not a signal number", fn,
		           (unsigned long long)args->u.int_lit.value);
		return NULL;
	}
	n->u.call.signal = 0;
	return &type_void;
}

/* to the traced process (bpf_send_signal) */
struct type *check_signal(struct sema *s, struct node *n)
{
	return check_send(s, n, "signal");
}

/* to the traced thread only (bpf_send_signal_thread), as bpftrace 0.26 */
struct type *check_signal_thread(struct sema *s, struct node *n)
{
	return check_send(s, n, "signal_thread");
}

/* write_user(dst, src, len): the first len bytes of the value src (a
 * string, integer, tuple... in the program's memory) written to the user
 * address dst (bpf_probe_write_user); true when the kernel wrote them.
 * len is a literal within src, so the verifier sees a known size. */
struct type *check_write_user(struct sema *s, struct node *n)
{
	struct node *dst = n->u.call.args, *src = dst->next, *len = src->next;
	struct type *td = check_expr(s, dst), *ts = check_expr(s, src);
	bool lit = true;
	int64_t v = const_int(s, len, "write_user()'s length", &lit);
	if (!td || !ts || !lit)
		return NULL;
	if (!is_scalar(td)) {
		diag_error(s->d, dst->loc,
			   "write_user() writes to a user address (a pointer or an integer), got %s",
			   type_name(s->a, td));
		return NULL;
	}
	if (ts->kind != TYPE_STR && ts->kind != TYPE_TUPLE && !is_scalar(ts) &&
	    !(ts->kind == TYPE_RECORD && ts->by_value)) {
		diag_error(s->d, src->loc,
			   "write_user() writes the bytes of a value (a string, integer, pointer "
			   "or tuple), got %s",
			   type_name(s->a, ts));
		return NULL;
	}
	if (v < 1 || (uint64_t)v > ts->size) {
		diag_error(s->d, len->loc,
			   "write_user()'s length must be 1 to the %u bytes of its source (%s), "
			   "got %lld",
			   ts->size, type_name(s->a, ts), (long long)v);
		return NULL;
	}
	/* a kernel under lockdown, or built to refuse it, has no such helper
	 * for tracing programs: say so here rather than in a verifier log */
	for (size_t i = 0; i < s->naps; i++) {
		const struct attach_point *ap = &s->aps[i];
		if (feat_section_has_helper(ap->prov->section(s->a, ap), BPF_FUNC_probe_write_user))
			continue;
		diag_error(s->d, n->loc,
			   "write_user(): this kernel does not let the program of %s write user "
			   "memory (bpf_probe_write_user is refused: lockdown, or a kernel built "
			   "without it)",
			   ap->spec);
		return NULL;
	}
	n->u.call.value = (uint64_t)v;
	return &type_bool;
}
