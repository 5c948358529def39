/*
 * tc.c - tc:IFACE:ingress and tc:IFACE:egress: a probe run on every packet
 * an interface receives or sends, with the socket buffer already built.
 *
 * Where the kernel has tcx (6.6+) the program is attached through a tcx
 * BPF link: the kernel removes it when sonde exits, however it exits, and
 * any number of programs share a hook. Elsewhere it becomes a
 * direct-action filter on a clsact qdisc, removed by a cleanup record on
 * every exit path. SONDE_NO_TCX=1 in the environment forces the clsact
 * path (tests use it to cover both).
 *
 * The clsact qdisc is shared: other sondes, and tc(8), may have filters on
 * it. A sonde that creates it says so in the run directory's
 * clsact-NETNS-IFINDEX lock file (leftover.h), and whichever sonde removes
 * the last filter deletes it; one that was there before any sonde is never
 * deleted. Sondes take that file's lock around creating a qdisc and
 * adding a filter, and around removing one, so no filter is added to a
 * qdisc that is being deleted. A filter's handle is its sonde's pid, so
 * sondes sharing a priority never collide.
 *
 * SIGKILL: a filter outlives a killed sonde, so each one is recorded
 * (leftover.h) before it is added; the next sonde run removes it, if the
 * filter with that priority and handle still runs the recorded program,
 * and then the qdisc by the rule above.
 *
 * Verdicts: drop (TC_ACT_SHOT), pass (TC_ACT_OK: accept, skip later
 * filters), redirect("if") (bpf_redirect, TC_ACT_REDIRECT). When the block
 * ends without a verdict the program returns TC_ACT_UNSPEC (tcx: TCX_NEXT):
 * the packet goes on, through the next program on the hook if there is
 * one, so several tc probes on one interface all see every packet.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compile.h"
#include "runtime/leftover.h"
#include "probes/netif.h"
#include "probes/provider.h"

extern const struct provider provider_tc;

/* TC_ACT_* (linux/pkt_cls.h). TC_ACT_UNSPEC, which a block that ends
 * without a verdict returns (go on), lets the packet through as TC_ACT_OK
 * does: both count as "pass". */
static const struct verdict tc_verdicts[] = {
	{"pass", TC_ACT_OK, true},
	{"pass", TC_ACT_UNSPEC, false},
	{"drop", TC_ACT_SHOT, true},
	{"redirect", TC_ACT_REDIRECT, false},
	{"reclassify", TC_ACT_RECLASSIFY, false},
	{"pipe", TC_ACT_PIPE, false},
	{"stolen", TC_ACT_STOLEN, false},
	{"queued", TC_ACT_QUEUED, false},
	{"repeat", TC_ACT_REPEAT, false},
	{"trap", TC_ACT_TRAP, false},
	{NULL, 0, false},
};
/* enum bpf_attach_type values from Linux 6.6; the installed uapi headers
 * may predate them */
enum { ATTACH_TCX_INGRESS = 46, ATTACH_TCX_EGRESS = 47 };
/* Our clsact filters' priorities: before the ones tc numbers itself
 * (from 0xc000 down) */
enum { TC_FIRST_PRIORITY = 0x8000 };

static int tc_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *colon = rest ? strchr(rest, ':') : NULL;
	const char *dir = colon ? colon + 1 : "";
	if (!colon || (strcmp(dir, "ingress") && strcmp(dir, "egress"))) {
		diag_error(c->diag, spec->loc,
			   "a tc probe is written tc:IFACE:ingress or tc:IFACE:egress, got '%s'",
			   spec->u.spec.text);
		return -1;
	}
	char *iface = arena_strndup(&c->arena, rest, (size_t)(colon - rest));
	if (netif_check(c, spec->loc, "tc", iface))
		return -1;
	struct attach_point ap = {
		.prov = &provider_tc,
		.spec = arena_printf(&c->arena, "tc:%s:%s", iface, dir),
		.target = iface,
		.func = dir,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static const char *tc_section(struct arena *a, const struct attach_point *ap)
{
	return "tc";
}

static void tc_verdict_error(struct compilation *c, const char *name, struct loc loc)
{
	if (!strcmp(name, "tx"))
		diag_error(c->diag, loc,
			   "'tx;' is an XDP verdict; tc probes have drop, pass and "
			   "redirect(\"ifname\")");
	else
		diag_error(c->diag, loc,
			   "'%s' is not a verdict of tc probes: use drop, pass or "
			   "redirect(\"ifname\")",
			   name);
}

/* A clsact filter, taken down at exit. */
struct tc_filter {
	struct bpf_tc_hook hook;
	uint32_t handle, priority;
	bool created_qdisc;
	struct leftover rec;
	char ifname[IF_NAMESIZE];
};

/* Whether any filter is on the clsact qdisc of `ifindex` (either hook),
 * from a netlink dump; libbpf has no call for it. Errors count as "yes":
 * a qdisc is rather left than deleted with someone's filter on it. */
static bool clsact_has_filters(int ifindex)
{
	int sk = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (sk < 0)
		return true;
	bool any = false;
	const uint32_t parents[] = {TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
				    TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)};
	for (int i = 0; i < 2 && !any; i++) {
		struct {
			struct nlmsghdr nh;
			struct tcmsg tc;
		} req = {
			.nh = {.nlmsg_len = sizeof(req),
			       .nlmsg_type = RTM_GETTFILTER,
			       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
			       .nlmsg_seq = (uint32_t)i + 1},
			.tc = {.tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			       .tcm_parent = parents[i]},
		};
		if (send(sk, &req, sizeof(req), 0) != (ssize_t)sizeof(req)) {
			any = true;
			break;
		}
		bool done = false;
		while (!done) {
			char buf[16384];
			ssize_t n = recv(sk, buf, sizeof(buf), 0);
			if (n <= 0) {
				any = true;
				break;
			}
			for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
			     h = NLMSG_NEXT(h, n)) {
				if (h->nlmsg_type == NLMSG_DONE) {
					done = true;
				} else if (h->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr *e = NLMSG_DATA(h);
					/* no qdisc (any more): nothing on it */
					if (e->error != -EINVAL && e->error != -ENOENT &&
					    e->error != -ENODEV)
						any = true;
					done = true;
				} else if (h->nlmsg_type == RTM_NEWTFILTER) {
					any = true;
				}
			}
		}
	}
	close(sk);
	return any;
}

/* The run directory's lock for the clsact qdisc of `ifindex`: its content
 * is "sonde" while the qdisc is one a sonde created; without that it is
 * removed on unlocking. */
static void clsact_lock_name(int ifindex, char *name, size_t size)
{
	snprintf(name, size, "clsact-%llu-%d.lock", (unsigned long long)leftover_netns(), ifindex);
}

static int clsact_lock(int ifindex)
{
	char name[96];
	clsact_lock_name(ifindex, name, sizeof(name));
	return leftover_lock(name);
}

static bool clsact_sonde_made(int lock)
{
	char buf[8] = "";
	return lock >= 0 && pread(lock, buf, sizeof(buf) - 1, 0) == 5 && !memcmp(buf, "sonde", 5);
}

static void clsact_set_sonde_made(int lock, bool made)
{
	if (lock < 0)
		return;
	if (ftruncate(lock, 0) == 0 && made && pwrite(lock, "sonde", 5, 0) != 5)
		(void)ftruncate(lock, 0);
}

static void clsact_unlock(int lock, int ifindex)
{
	char name[96];
	clsact_lock_name(ifindex, name, sizeof(name));
	leftover_unlock(lock, name, !clsact_sonde_made(lock));
}

/* With the lock held, after removing a filter: the qdisc goes when a sonde
 * made it and no filter is left on it. */
static void clsact_remove_if_unused(int lock, int ifindex, const char *ifname, bool we_made)
{
	/* without a run directory, only what this sonde knows itself */
	if (lock >= 0 ? !clsact_sonde_made(lock) : !we_made)
		return;
	if (clsact_has_filters(ifindex))
		return;
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int err = bpf_tc_hook_destroy(&hook);
	if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
		fprintf(stderr, "sonde: removing the clsact qdisc from %s failed: %s\n", ifname,
			strerror(-err));
	clsact_set_sonde_made(lock, false);
}

static void tc_filter_remove(void *arg)
{
	struct tc_filter *f = arg;
	int lock = clsact_lock(f->hook.ifindex);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = f->handle, .priority = f->priority);
	int err = bpf_tc_detach(&f->hook, &o);
	if (err && err != -ENOENT && err != -ENODEV)
		fprintf(stderr, "sonde: removing the tc filter from %s failed: %s\n", f->ifname,
			strerror(-err));
	if (err != -ENODEV)
		clsact_remove_if_unused(lock, f->hook.ifindex, f->ifname, f->created_qdisc);
	else
		clsact_set_sonde_made(lock, false); /* gone with the interface */
	clsact_unlock(lock, f->hook.ifindex);
	leftover_end(&f->rec);
	free(f);
}

static int attach_clsact(const struct probe_desc *pd, int prog_fd, int ifindex, bool ingress,
			 struct rt_attachment *att, char *err, size_t errsz)
{
	struct tc_filter *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->hook.sz = sizeof(f->hook);
	f->hook.ifindex = ifindex;
	f->hook.attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
	f->rec.fd = -1;
	snprintf(f->ifname, sizeof(f->ifname), "%s", pd->target);
	/* explicit, increasing priorities: the filters run in script order
	 * (the kernel would put each auto-numbered one before the last) */
	static uint32_t next_priority = TC_FIRST_PRIORITY;
	f->priority = next_priority++;
	f->handle = (uint32_t)getpid();
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		info.id = 0;
	char body[128];
	snprintf(body, sizeof(body), "%d %s %u %u %u %s\n", ifindex, ingress ? "ingress" : "egress",
		 f->priority, f->handle, info.id, f->ifname);
	leftover_begin(&f->rec, LEFTOVER_KIND_TC_FILTER, body);

	int lock = clsact_lock(ifindex);
	/* EEXIST is the usual answer when the qdisc exists; keep libbpf from
	 * printing the kernel's message about it */
	libbpf_print_fn_t old_print = libbpf_set_print(NULL);
	int rc = bpf_tc_hook_create(&f->hook);
	libbpf_set_print(old_print);
	if (rc && rc != -EEXIST) {
		clsact_unlock(lock, ifindex);
		leftover_end(&f->rec);
		free(f);
		snprintf(err, errsz, "cannot create a clsact qdisc on %s: %s", pd->target,
			 strerror(-rc));
		return rc;
	}
	f->created_qdisc = rc == 0;
	if (rc == 0)
		clsact_set_sonde_made(lock, true);
	LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = prog_fd, .priority = f->priority,
		    .handle = f->handle);
	rc = bpf_tc_attach(&f->hook, &o);
	if (rc) {
		clsact_remove_if_unused(lock, ifindex, f->ifname, f->created_qdisc);
		clsact_unlock(lock, ifindex);
		leftover_end(&f->rec);
		free(f);
		snprintf(err, errsz, "adding a tc filter on %s %s failed: %s", pd->target, pd->func,
			 strerror(-rc));
		return rc;
	}
	clsact_unlock(lock, ifindex);
	return rt_attachment_add_cleanup(att, tc_filter_remove, f);
}

int tc_undo_leftover(long pid, uint64_t netns, const char *body)
{
	if (netns != leftover_netns())
		return 1; /* for a run in that namespace */
	int ifindex;
	char dir[16], ifname[IF_NAMESIZE + 1];
	unsigned priority, handle, prog_id;
	if (sscanf(body, "%d %15s %u %u %u %16s", &ifindex, dir, &priority, &handle, &prog_id,
		   ifname) != 6)
		return 0;
	char now[IF_NAMESIZE];
	int lock = clsact_lock(ifindex);
	if (!if_indextoname((unsigned)ifindex, now)) {
		/* the interface went, and its qdisc and filters with it */
		clsact_set_sonde_made(lock, false);
		clsact_unlock(lock, ifindex);
		return 0;
	}
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = strcmp(dir, "egress") ? BPF_TC_INGRESS : BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = handle, .priority = priority);
	libbpf_print_fn_t old_print = libbpf_set_print(NULL);
	int rc = bpf_tc_query(&hook, &q);
	if (rc == 0 && q.prog_id == prog_id) {
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = handle, .priority = priority);
		rc = bpf_tc_detach(&hook, &d);
		if (rc == 0)
			fprintf(stderr,
				"sonde: note: removed the tc filter (%s of %s, program %u) that sonde "
				"%ld left when it was killed\n",
				dir, now, prog_id, pid);
		else
			fprintf(stderr,
				"sonde: cannot remove the tc filter (%s of %s) that sonde %ld left "
				"when it was killed: %s\n",
				dir, now, pid, strerror(-rc));
	}
	libbpf_set_print(old_print);
	clsact_remove_if_unused(lock, ifindex, now, false);
	clsact_unlock(lock, ifindex);
	return 0;
}

static int tc_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		     struct rt_attachment *att, char *err, size_t errsz)
{
	int ifindex = (int)if_nametoindex(pd->target);
	if (!ifindex) {
		snprintf(err, errsz, "interface '%s' no longer exists", pd->target);
		return -ENODEV;
	}
	bool ingress = !strcmp(pd->func, "ingress");
	int prog_fd = bpf_program__fd(prog);
	const char *no_tcx = getenv("SONDE_NO_TCX");
	if (!no_tcx || !*no_tcx || !strcmp(no_tcx, "0")) {
		int fd = bpf_link_create(prog_fd, ifindex,
					 (enum bpf_attach_type)(ingress ? ATTACH_TCX_INGRESS
									: ATTACH_TCX_EGRESS),
					 NULL);
		if (fd >= 0) {
			int rc = rt_attachment_add_fd(att, fd);
			if (rc)
				close(fd);
			return rc;
		}
		/* EINVAL: a kernel without tcx; fall back to clsact */
		if (errno != EINVAL) {
			int e = -errno;
			snprintf(err, errsz, "attaching to tcx %s of %s failed: %s", pd->func,
				 pd->target, strerror(-e));
			return e;
		}
	}
	return attach_clsact(pd, prog_fd, ifindex, ingress, att, err, errsz);
}

static size_t tc_test_run_ctx(void *ctx, size_t size, uint32_t len, int ifindex)
{
	struct __sk_buff skb = {.ifindex = (uint32_t)ifindex};
	(void)len;
	if (size < sizeof(skb))
		return 0;
	memcpy(ctx, &skb, sizeof(skb));
	return sizeof(skb);
}

const struct provider provider_tc = {
	.name = "tc",
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_PKT | CTX_HAS_REDIRECT,
	.expand = tc_expand,
	.section = tc_section,
	.pkt_parser = "sonde_pkt_skb",
	.pkt_setter = "sonde_pkt_set_skb",
	.pkt_set_by_helper = true,
	.verdict_error = tc_verdict_error,
	.default_return = TC_ACT_UNSPEC,
	.verdicts = tc_verdicts,
	.test_run_ctx = tc_test_run_ctx,
	.attach = tc_attach,
};
