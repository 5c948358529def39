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
 * --force and other sondes, and SIGKILL. Every swap is atomic with
 * XDP_FLAGS_REPLACE and the program expected there: at exit sonde puts the
 * original back only while the interface still runs sonde's own program
 * (otherwise someone replaced it meanwhile, and theirs stays). The
 * replaced program is pinned, as sonde-PID-xdp-IFINDEX-N in the BPF
 * filesystem, and the swap recorded in the run directory (leftover.h), so
 * that a killed sonde's swap is undone by the next run. A sonde that
 * forces over another running sonde's forced program keeps that sonde's
 * chain of originals too: at exit it puts back the newest program whose
 * sonde still runs, or else the original, so the last one out restores
 * what was there before any sonde.
 *
 * Verdicts: drop (XDP_DROP), pass (XDP_PASS, the default), tx (XDP_TX,
 * back out of the same interface), redirect("if") (bpf_redirect).
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compile.h"
#include "runtime/leftover.h"
#include "kernel/tracefs.h"
#include "probes/netif.h"
#include "probes/provider.h"

extern const struct provider provider_xdp;

/* enum xdp_action (linux/bpf.h) */
static const struct verdict xdp_verdicts[] = {
	{"pass", XDP_PASS, true},	  {"drop", XDP_DROP, true},	    {"tx", XDP_TX, true},
	{"redirect", XDP_REDIRECT, false}, {"aborted", XDP_ABORTED, false}, {NULL, 0, false},
};

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

static void xdp_verdict_error(struct compilation *c, const char *name, struct loc loc)
{
	diag_error(c->diag, loc,
		   "'%s' is not a verdict of xdp probes: use drop, pass, tx or "
		   "redirect(\"ifname\")",
		   name);
}

static const char *mode_name(uint32_t flags)
{
	return flags & XDP_FLAGS_SKB_MODE ? "generic" : flags & XDP_FLAGS_HW_MODE ? "offload"
										  : "native";
}

/* --force: the programs that can be put back at exit, newest first. The
 * first is the one replaced; when that was another sonde's forced program
 * (`owner`, its record), the rest are what that sonde would put back. */
enum { XDP_CHAIN_MAX = 8 };
struct xdp_saved {
	uint32_t id;
	int fd;               /* keeps the program alive while sonde runs */
	char pin[PATH_MAX];   /* ... and this after a SIGKILL; "" when not pinned */
	char owner[128];      /* the record of the sonde running it; "" for none */
};

struct xdp_restore {
	int ifindex;
	uint32_t mode; /* XDP_FLAGS_*_MODE it ran in */
	int our_fd;    /* sonde's program: expected on the interface at exit */
	struct leftover rec;
	size_t n;
	struct xdp_saved saved[XDP_CHAIN_MAX];
	char ifname[IF_NAMESIZE];
};

static uint32_t installed_id(int ifindex, uint32_t mode)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	return mode == XDP_FLAGS_SKB_MODE ? q.skb_prog_id
	       : mode == XDP_FLAGS_HW_MODE ? q.hw_prog_id
					   : q.drv_prog_id;
}

/* XDP_FLAGS_REPLACE: prog_fd goes in only while expected_fd is there. */
static int xdp_swap(int ifindex, int prog_fd, int expected_fd, uint32_t mode)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = expected_fd);
	return bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_REPLACE, &o);
}

/* The newest saved program whose sonde still runs, or the original. */
static size_t restore_target(const struct xdp_saved *saved, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (!saved[k].owner[0] || leftover_owner_alive(saved[k].owner))
			return k;
	return n ? n - 1 : 0;
}

static void xdp_restore_run(void *arg)
{
	struct xdp_restore *r = arg;
	size_t k = restore_target(r->saved, r->n);
	int err = xdp_swap(r->ifindex, r->saved[k].fd, r->our_fd, r->mode);
	if (err == -EEXIST)
		fprintf(stderr,
			"sonde: note: %s: the XDP program there is no longer sonde's (replaced "
			"while it ran, now program %u); left as it is\n",
			r->ifname, installed_id(r->ifindex, r->mode));
	else if (err && err != -ENODEV)
		fprintf(stderr, "sonde: could not put the original XDP program back on %s: %s\n",
			r->ifname, strerror(-err));
	for (size_t i = 0; i < r->n; i++) {
		if (r->saved[i].pin[0])
			unlink(r->saved[i].pin);
		close(r->saved[i].fd);
	}
	close(r->our_fd);
	leftover_end(&r->rec);
	free(r);
}

/* Parses one saved-program line of an xdp record: "ID PIN OWNER". */
static bool parse_saved(const char *line, struct xdp_saved *s)
{
	char pin[PATH_MAX], owner[128];
	if (sscanf(line, "%u %4095s %127s", &s->id, pin, owner) != 3)
		return false;
	snprintf(s->pin, sizeof(s->pin), "%s", strcmp(pin, "-") ? pin : "");
	snprintf(s->owner, sizeof(s->owner), "%s", strcmp(owner, "-") ? owner : "");
	return true;
}

/* When program `id` on `ifindex` is a running sonde's forced one: the name
 * of its record, and what that sonde would put back (appended to r). */
static void find_forcing_sonde(struct xdp_restore *r, uint32_t id, char *owner, size_t size)
{
	owner[0] = 0;
	const char *dir = leftover_dir(false);
	DIR *d = dir ? opendir(dir) : NULL;
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && !owner[0]) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".rec") ||
		    !leftover_owner_alive(e->d_name))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		char line[PATH_MAX + 256];
		long pid;
		unsigned long long netns;
		int ifindex;
		unsigned mode, ours;
		if (fgets(line, sizeof(line), f) && sscanf(line, LEFTOVER_KIND_XDP_FORCED " %ld %llu", &pid, &netns) == 2 &&
		    netns == leftover_netns() && fgets(line, sizeof(line), f) &&
		    sscanf(line, "%d %u %u", &ifindex, &mode, &ours) == 3 &&
		    ifindex == r->ifindex && ours == id) {
			snprintf(owner, size, "%s", e->d_name);
			while (r->n < XDP_CHAIN_MAX && fgets(line, sizeof(line), f))
				if (parse_saved(line, &r->saved[r->n]))
					r->n++;
		}
		fclose(f);
	}
	closedir(d);
}

static int attach_forced(const struct probe_desc *pd, int prog_fd, int ifindex, uint32_t old_id,
			 uint32_t mode, struct rt_attachment *att, char *err, size_t errsz)
{
	struct xdp_restore *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->ifindex = ifindex;
	r->mode = mode;
	r->rec.fd = -1;
	snprintf(r->ifname, sizeof(r->ifname), "%s", pd->target);
	/* saved[0] is the program replaced; find_forcing_sonde appends */
	r->n = 1;
	r->saved[0].id = old_id;
	find_forcing_sonde(r, old_id, r->saved[0].owner, sizeof(r->saved[0].owner));
	char root[PATH_MAX / 2] = "";
	if (bpffs_dir(root, sizeof(root), NULL, 0))
		root[0] = 0;
	size_t kept = 0;
	for (size_t i = 0; i < r->n; i++) {
		struct xdp_saved s = r->saved[i];
		s.fd = bpf_prog_get_fd_by_id(s.id);
		if (s.fd < 0) {
			if (i == 0) {
				int e = -errno;
				for (size_t j = 0; j < kept; j++)
					close(r->saved[j].fd);
				free(r);
				snprintf(err, errsz,
					 "cannot take hold of XDP program %u to put it back later: %s",
					 old_id, strerror(-e));
				return e;
			}
			continue; /* that sonde's original is gone already */
		}
		s.pin[0] = 0;
		if (root[0]) {
			snprintf(s.pin, sizeof(s.pin), "%s/sonde-%ld-xdp-%d-%zu", root, (long)getpid(),
				 ifindex, kept);
			if (bpf_obj_pin(s.fd, s.pin))
				s.pin[0] = 0;
		}
		r->saved[kept++] = s;
	}
	r->n = kept;
	r->our_fd = dup(prog_fd);
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	if (r->our_fd < 0 || bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		info.id = 0;
	char body[XDP_CHAIN_MAX * (PATH_MAX / 2 + 160) + 128];
	size_t off = (size_t)snprintf(body, sizeof(body), "%d %u %u %s\n", ifindex, mode, info.id,
				      r->ifname);
	for (size_t i = 0; i < r->n && off < sizeof(body); i++)
		off += (size_t)snprintf(body + off, sizeof(body) - off, "%u %s %s\n",
					r->saved[i].id, r->saved[i].pin[0] ? r->saved[i].pin : "-",
					r->saved[i].owner[0] ? r->saved[i].owner : "-");
	leftover_begin(&r->rec, LEFTOVER_KIND_XDP_FORCED, body);

	int rc = r->our_fd < 0 ? -errno : xdp_swap(ifindex, prog_fd, r->saved[0].fd, mode);
	if (rc) {
		for (size_t i = 0; i < r->n; i++) {
			if (r->saved[i].pin[0])
				unlink(r->saved[i].pin);
			close(r->saved[i].fd);
		}
		if (r->our_fd >= 0)
			close(r->our_fd);
		leftover_end(&r->rec);
		free(r);
		if (rc == -EBUSY)
			snprintf(err, errsz,
				 "XDP program %u on %s is held by a BPF link, which even --force "
				 "cannot replace (see 'bpftool link show')",
				 old_id, pd->target);
		else if (rc == -EEXIST)
			snprintf(err, errsz,
				 "XDP program %u on %s was replaced while sonde attached; run again",
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

int xdp_undo_leftover(long pid, uint64_t netns, const char *body)
{
	if (netns != leftover_netns())
		return 1; /* for a run in that namespace */
	int ifindex;
	unsigned mode, ours;
	char ifname[IF_NAMESIZE + 1] = "";
	if (sscanf(body, "%d %u %u %16s", &ifindex, &mode, &ours, ifname) < 3)
		return 0;
	struct xdp_saved saved[XDP_CHAIN_MAX];
	size_t n = 0;
	for (const char *line = strchr(body, '\n'); line && *++line && n < XDP_CHAIN_MAX;
	     line = strchr(line, '\n'))
		if (parse_saved(line, &saved[n]))
			n++;
	char now[IF_NAMESIZE];
	if (ours && if_indextoname((unsigned)ifindex, now) && installed_id(ifindex, mode) == ours) {
		int our_fd = bpf_prog_get_fd_by_id(ours);
		size_t k = restore_target(saved, n);
		int fd = k < n && saved[k].pin[0] ? bpf_obj_get(saved[k].pin) : -1;
		int err;
		if (fd >= 0) {
			err = xdp_swap(ifindex, fd, our_fd, mode);
			if (!err)
				fprintf(stderr,
					"sonde: note: %s: put back XDP program %u, which sonde %ld had "
					"replaced (--force) before it was killed\n",
					now, saved[k].id, pid);
		} else {
			/* the original is gone: at least take the killed run's out */
			err = xdp_swap(ifindex, -1, our_fd, mode);
			if (!err)
				fprintf(stderr,
					"sonde: note: %s: removed XDP program %u, left by sonde %ld "
					"(--force) when it was killed; the program it had replaced is "
					"gone\n",
					now, ours, pid);
		}
		if (err)
			fprintf(stderr,
				"sonde: cannot undo the --force of sonde %ld (killed) on %s: %s\n", pid,
				now, strerror(-err));
		if (fd >= 0)
			close(fd);
		if (our_fd >= 0)
			close(our_fd);
	}
	for (size_t i = 0; i < n; i++)
		if (saved[i].pin[0])
			unlink(saved[i].pin);
	return 0;
}

static int link_xdp(int prog_fd, int ifindex, uint32_t mode)
{
	LIBBPF_OPTS(bpf_link_create_opts, o, .flags = mode);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &o);
	return fd < 0 ? -errno : fd;
}

static int xdp_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
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

static size_t xdp_test_run_ctx(void *ctx, size_t size, uint32_t len, int ifindex)
{
	struct xdp_md md = {.data_end = len, .ingress_ifindex = (uint32_t)ifindex};
	if (size < sizeof(md))
		return 0;
	memcpy(ctx, &md, sizeof(md));
	return sizeof(md);
}

const struct provider provider_xdp = {
	.name = "xdp",
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_PKT | CTX_HAS_REDIRECT,
	.expand = xdp_expand,
	.section = xdp_section,
	.pkt_parser = "sonde_pkt_xdp",
	.pkt_setter = "sonde_pkt_set_xdp",
	.pkt_len_by_helper = true,
	.verdict_error = xdp_verdict_error,
	.default_return = XDP_PASS,
	.verdicts = xdp_verdicts,
	.test_run_ctx = xdp_test_run_ctx,
	.attach = xdp_attach,
};
