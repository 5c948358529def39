/*
 * xdp.c - xdp:IFACE[:MODE]: a probe run on every packet an interface
 * receives, before the kernel allocates anything for it.
 *
 * MODE is empty (native driver mode, falling back to generic with a note
 * on stderr), `native` (no fallback) or `generic`. The program is attached
 * through a BPF link, so the kernel removes it when sonde exits, however
 * it exits. An interface runs one XDP program: two xdp probes on the same
 * interface are a compile error, and an interface already running a
 * program is refused unless --force, which replaces that program for the
 * run (through netlink, since a link cannot replace it) and puts it back
 * at exit.
 *
 * Verdicts: drop (XDP_DROP), pass (XDP_PASS, the default), tx (XDP_TX,
 * back out of the same interface), redirect("if") (bpf_redirect).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../compile.h"
#include "netif.h"
#include "provider.h"

extern const struct provider provider_xdp;

enum { XDP_ABORTED_ = 0, XDP_DROP_ = 1, XDP_PASS_ = 2, XDP_TX_ = 3 };

/* attach_point.value bits */
enum { XDP_OPT_FORCE = 1 };

static int xdp_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *colon = rest ? strchr(rest, ':') : NULL;
	char *iface = rest ? arena_strndup(&c->arena, rest,
					   colon ? (size_t)(colon - rest) : strlen(rest))
			   : NULL;
	const char *mode = colon ? colon + 1 : "";
	if (!iface || (*mode && strcmp(mode, "generic") && strcmp(mode, "native"))) {
		diag_error(c->diag, spec->loc,
			   "an xdp probe is written xdp:IFACE, xdp:IFACE:generic or "
			   "xdp:IFACE:native, got '%s'",
			   spec->u.spec.text);
		return -1;
	}
	if (netif_check(c, spec->loc, "xdp", iface))
		return -1;
	/* one XDP program per interface: earlier probes, then earlier specs
	 * of this probe */
	int line = 0;
	for (struct probe_inst *pi = c->insts; pi && !line; pi = pi->next)
		if (pi->ap->prov == &provider_xdp && !strcmp(pi->ap->target, iface))
			line = pi->ap->loc.first_line;
	for (size_t i = 0; i < c->npending && !line; i++)
		if (c->pending[i].prov == &provider_xdp && !strcmp(c->pending[i].target, iface))
			line = c->pending[i].loc.first_line;
	if (line) {
		diag_error(c->diag, spec->loc,
			   "interface '%s' already has an xdp probe (line %d); an interface runs "
			   "one XDP program",
			   iface, line);
		diag_note(c->diag, (struct loc){0},
			  "put both blocks' statements in one xdp probe, or use a tc probe "
			  "(tc:%s:ingress), of which an interface can have several",
			  iface);
		return -1;
	}
	struct attach_point ap = {
		.prov = &provider_xdp,
		.spec = *mode ? arena_printf(&c->arena, "xdp:%s:%s", iface, mode)
			      : arena_printf(&c->arena, "xdp:%s", iface),
		.target = iface,
		.func = *mode ? mode : "auto",
		.value = c->opts->force ? XDP_OPT_FORCE : 0,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static const char *xdp_section(struct arena *a, const struct attach_point *ap)
{
	return "xdp";
}

static int xdp_verdict(struct compilation *c, const struct attach_point *ap, const char *name,
		       struct loc loc, int64_t *ret)
{
	if (!strcmp(name, "drop"))
		*ret = XDP_DROP_;
	else if (!strcmp(name, "pass"))
		*ret = XDP_PASS_;
	else if (!strcmp(name, "tx"))
		*ret = XDP_TX_;
	else {
		diag_error(c->diag, loc,
			   "'%s' is not a verdict of xdp probes: use drop, pass, tx or "
			   "redirect(\"ifname\")",
			   name);
		return -1;
	}
	return 0;
}

static const char *mode_name(uint32_t flags)
{
	return flags & XDP_FLAGS_SKB_MODE ? "generic" : flags & XDP_FLAGS_HW_MODE ? "offload"
										  : "native";
}

/* --force: the program that was there, put back at exit. */
struct xdp_restore {
	int ifindex;
	int old_fd;    /* keeps the replaced program alive meanwhile */
	uint32_t mode; /* XDP_FLAGS_*_MODE it ran in */
	char ifname[IF_NAMESIZE];
};

static void xdp_restore_run(void *arg)
{
	struct xdp_restore *r = arg;
	int err = bpf_xdp_attach(r->ifindex, r->old_fd, r->mode, NULL);
	if (err)
		fprintf(stderr, "sonde: could not put the original XDP program back on %s: %s\n",
			r->ifname, strerror(-err));
	close(r->old_fd);
	free(r);
}

static int attach_forced(const struct probe_desc *pd, int prog_fd, int ifindex, uint32_t old_id,
			 uint32_t mode, struct rt_attachment *att, char *err, size_t errsz)
{
	struct xdp_restore *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ifindex = ifindex;
	r->mode = mode;
	snprintf(r->ifname, sizeof(r->ifname), "%s", pd->target);
	r->old_fd = bpf_prog_get_fd_by_id(old_id);
	if (r->old_fd < 0) {
		int e = -errno;
		free(r);
		snprintf(err, errsz, "cannot take hold of XDP program %u to put it back later: %s",
			 old_id, strerror(-e));
		return e;
	}
	int rc = bpf_xdp_attach(ifindex, prog_fd, mode, NULL);
	if (rc) {
		close(r->old_fd);
		free(r);
		if (rc == -EBUSY)
			snprintf(err, errsz,
				 "XDP program %u on %s is held by a BPF link, which even --force "
				 "cannot replace (see 'bpftool link show')",
				 old_id, pd->target);
		else
			snprintf(err, errsz, "replacing XDP program %u failed: %s", old_id,
				 strerror(-rc));
		return rc;
	}
	fprintf(stderr, "sonde: note: %s: XDP program %u replaced for this run (--force); it is "
			"put back at exit\n",
		pd->target, old_id);
	return rt_attachment_add_cleanup(att, xdp_restore_run, r);
}

static int link_xdp(int prog_fd, int ifindex, uint32_t mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = mode);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &o);
	return fd < 0 ? -errno : fd;
}

static int xdp_attach(const struct probe_desc *pd, struct bpf_program *prog,
		      struct rt_attachment *att, char *err, size_t errsz)
{
	int ifindex = (int)if_nametoindex(pd->target);
	if (!ifindex) {
		snprintf(err, errsz, "interface '%s' no longer exists", pd->target);
		return -ENODEV;
	}
	int prog_fd = bpf_program__fd(prog);
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int rc = bpf_xdp_query(ifindex, 0, &q);
	if (rc) {
		snprintf(err, errsz, "cannot query the XDP state of %s: %s", pd->target,
			 strerror(-rc));
		return rc;
	}
	uint32_t old_id = q.drv_prog_id ? q.drv_prog_id : q.skb_prog_id ? q.skb_prog_id
									: q.hw_prog_id;
	uint32_t old_mode = q.drv_prog_id ? XDP_FLAGS_DRV_MODE
			    : q.skb_prog_id ? XDP_FLAGS_SKB_MODE
					    : XDP_FLAGS_HW_MODE;
	if (old_id) {
		if (!(pd->value & XDP_OPT_FORCE)) {
			struct bpf_prog_info info = {0};
			uint32_t len = sizeof(info);
			char name[BPF_OBJ_NAME_LEN + 8] = "";
			int fd = bpf_prog_get_fd_by_id(old_id);
			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.name[0])
				snprintf(name, sizeof(name), " '%s'", info.name);
			if (fd >= 0)
				close(fd);
			snprintf(err, errsz,
				 "interface %s already runs XDP program %u%s (%s mode); sonde does not "
				 "replace it: detach it first, or pass --force to replace it for "
				 "this run (it is put back at exit)",
				 pd->target, old_id, name, mode_name(old_mode));
			return -EBUSY;
		}
		return attach_forced(pd, prog_fd, ifindex, old_id, old_mode, att, err, errsz);
	}

	int fd;
	if (!strcmp(pd->func, "generic")) {
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
	} else {
		fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd < 0 && fd != -EBUSY && fd != -EPERM && strcmp(pd->func, "native")) {
			int native_err = fd;
			fd = link_xdp(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
			if (fd >= 0)
				fprintf(stderr,
					"sonde: note: %s: native XDP is not available (%s); attached "
					"in generic mode, which is slower (xdp:%s:generic says so "
					"explicitly)\n",
					pd->target, strerror(-native_err), pd->target);
		}
	}
	if (fd < 0) {
		if (fd == -EBUSY || fd == -EEXIST)
			snprintf(err, errsz,
				 "interface %s already has an XDP program (in another mode, or "
				 "attached while sonde started)",
				 pd->target);
		else
			snprintf(err, errsz, "attaching XDP (%s mode) to %s failed: %s",
				 !strcmp(pd->func, "auto") ? "native or generic" : pd->func,
				 pd->target, strerror(-fd));
		return fd;
	}
	rc = rt_attachment_add_fd(att, fd);
	if (rc)
		close(fd);
	return rc;
}

const struct provider provider_xdp = {
	.name = "xdp",
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_PKT | CTX_HAS_REDIRECT,
	.expand = xdp_expand,
	.section = xdp_section,
	.pkt_parser = "sonde_pkt_xdp",
	.verdict = xdp_verdict,
	.default_return = XDP_PASS_,
	.attach = xdp_attach,
};
