/*
 * tc.c - tc:IFACE:ingress and tc:IFACE:egress: a probe run on every packet
 * an interface receives or sends, with the socket buffer already built.
 *
 * Where the kernel has tcx (6.6+) the program is attached through a tcx
 * BPF link: the kernel removes it when sonde exits, however it exits, and
 * any number of programs share a hook. Elsewhere it becomes a
 * direct-action filter on a clsact qdisc (created if the interface had
 * none, and then deleted at exit), removed by a cleanup record on every
 * exit path except SIGKILL. SONDE_NO_TCX=1 in the environment forces the
 * clsact path (tests use it to cover both).
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
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../compile.h"
#include "netif.h"
#include "provider.h"

extern const struct provider provider_tc;

enum { TC_UNSPEC_ = -1, TC_OK_ = 0, TC_SHOT_ = 2 };
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

static int tc_verdict(struct compilation *c, const struct attach_point *ap, const char *name,
		      struct loc loc, int64_t *ret)
{
	if (!strcmp(name, "drop")) {
		*ret = TC_SHOT_;
	} else if (!strcmp(name, "pass")) {
		*ret = TC_OK_;
	} else if (!strcmp(name, "tx")) {
		diag_error(c->diag, loc,
			   "'tx;' is an XDP verdict; tc probes have drop, pass and "
			   "redirect(\"ifname\")");
		return -1;
	} else {
		diag_error(c->diag, loc,
			   "'%s' is not a verdict of tc probes: use drop, pass or "
			   "redirect(\"ifname\")",
			   name);
		return -1;
	}
	return 0;
}

/* A clsact filter, taken down at exit. */
struct tc_filter {
	struct bpf_tc_hook hook;
	uint32_t handle, priority;
	bool created_qdisc;
	char ifname[IF_NAMESIZE];
};

static void tc_filter_remove(void *arg)
{
	struct tc_filter *f = arg;
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = f->handle, .priority = f->priority);
	int err = bpf_tc_detach(&f->hook, &o);
	if (err && err != -ENOENT && err != -ENODEV)
		fprintf(stderr, "sonde: removing the tc filter from %s failed: %s\n", f->ifname,
			strerror(-err));
	if (f->created_qdisc) {
		f->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
		err = bpf_tc_hook_destroy(&f->hook);
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			fprintf(stderr, "sonde: removing the clsact qdisc from %s failed: %s\n",
				f->ifname, strerror(-err));
	}
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
	snprintf(f->ifname, sizeof(f->ifname), "%s", pd->target);
	/* EEXIST is the usual answer when the qdisc exists; keep libbpf from
	 * printing the kernel's message about it */
	libbpf_print_fn_t old_print = libbpf_set_print(NULL);
	int rc = bpf_tc_hook_create(&f->hook);
	libbpf_set_print(old_print);
	if (rc && rc != -EEXIST) {
		free(f);
		snprintf(err, errsz, "cannot create a clsact qdisc on %s: %s", pd->target,
			 strerror(-rc));
		return rc;
	}
	f->created_qdisc = rc == 0;
	/* explicit, increasing priorities: the filters run in script order
	 * (the kernel would put each auto-numbered one before the last) */
	static uint32_t next_priority = TC_FIRST_PRIORITY;
	LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = prog_fd, .priority = next_priority++);
	rc = bpf_tc_attach(&f->hook, &o);
	if (rc) {
		if (f->created_qdisc) {
			f->hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
			bpf_tc_hook_destroy(&f->hook);
		}
		free(f);
		snprintf(err, errsz, "adding a tc filter on %s %s failed: %s", pd->target, pd->func,
			 strerror(-rc));
		return rc;
	}
	f->handle = o.handle;
	f->priority = o.priority;
	return rt_attachment_add_cleanup(att, tc_filter_remove, f);
}

static int tc_attach(const struct probe_desc *pd, struct bpf_program *prog,
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

const struct provider provider_tc = {
	.name = "tc",
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_PKT | CTX_HAS_REDIRECT,
	.expand = tc_expand,
	.section = tc_section,
	.pkt_parser = "sonde_pkt_skb",
	.verdict = tc_verdict,
	.default_return = TC_UNSPEC_,
	.attach = tc_attach,
};
