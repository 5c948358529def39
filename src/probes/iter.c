/*
 * iter.c - iter:task, iter:task_file, iter:task_vma (alias it:), the
 * kernel's BPF iterators: the program runs once for each task, each open
 * file of each task, or each memory mapping of each task, when sonde reads
 * the iterator, and the run ends after the last one. `ctx` points to the
 * kernel's struct bpf_iter__task (task), bpf_iter__task_file (task, fd,
 * file) or bpf_iter__task_vma (task, vma), as in bpftrace.
 *
 * What the program prints goes through sonde's ring buffer like any
 * probe's. The iterator's own file only paces the run: each call writes
 * one byte there (backend/probe.c) and sonde reads one byte at a time, a
 * few objects between two reads of the ring buffer, so a long iteration
 * cannot overflow it.
 *
 * iter:KIND:PIN (bpftrace's pinned form; PIN absolute or under
 * /sys/fs/bpf): the iterator's link is pinned there and the run ends at
 * once, printing "Program pinned to PIN"; each read of the pin (`cat`)
 * runs the program, whose printf the kernel formats into what is read
 * (bpf_seq_printf: integers and strings). The pin is the product, as in
 * bpftrace: sonde leaves it, and `rm PIN` removes it.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "compile.h"
#include "probes/provider.h"

extern const struct provider provider_iter;

static const char *const iter_aliases[] = {"it", NULL};

/* The kinds: the kernel's iterator, its context struct, where the object
 * of each call is in it, and the fields -lv shows (as bpftrace spells
 * them). */
struct iter_kind {
	const char *name;
	const char *record;
	uint32_t object_offset;
	const char *fields;
};
static const struct iter_kind kinds[] = {
	{"task", "bpf_iter__task", 8, "    struct task_struct *task;\n"},
	{"task_file", "bpf_iter__task_file", 24,
	 "    struct task_struct *task;\n    int fd;\n    struct file *file;\n"},
	{"task_vma", "bpf_iter__task_vma", 16,
	 "    struct task_struct *task;\n    struct vm_area_struct *vma;\n"},
};
enum { NKINDS = sizeof(kinds) / sizeof(kinds[0]) };

static const struct iter_kind *kind_of(const struct attach_point *ap)
{
	return &kinds[ap->value < NKINDS ? ap->value : 0];
}

/* target: the kind's name; value: its index in kinds[] */
static int iter_expand(struct compilation *c, struct node *spec, const char *rest)
{
	const char *text = spec->u.spec.text;
	if (!rest || !*rest) {
		diag_error(c->diag, spec->loc,
			   "an iterator is written iter:task, iter:task_file or iter:task_vma, got '%s'",
			   text);
		return -1;
	}
	size_t len = strcspn(rest, ":");
	size_t k = 0;
	while (k < NKINDS && (strlen(kinds[k].name) != len || strncmp(kinds[k].name, rest, len)))
		k++;
	if (k == NKINDS) {
		diag_error(c->diag, spec->loc,
			   "unknown iterator '%.*s': sonde has iter:task, iter:task_file and "
			   "iter:task_vma",
			   (int)len, rest);
		return -1;
	}
	const char *pin = NULL;
	if (rest[len]) {
		const char *p = rest + len + 1;
		if (!*p) {
			diag_error(c->diag, spec->loc, "'%s' names no pin file after the colon", text);
			return -1;
		}
		pin = *p == '/' ? arena_strdup(&c->arena, p)
				: arena_printf(&c->arena, "/sys/fs/bpf/%s", p);
	}
	struct attach_point ap = {
		.prov = &provider_iter,
		.spec = pin ? arena_printf(&c->arena, "iter:%s:%s", kinds[k].name, rest + len + 1)
			    : arena_printf(&c->arena, "iter:%s", kinds[k].name),
		.target = kinds[k].name,
		.func = pin,
		.value = k,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
	return 0;
}

static const char *iter_section(struct arena *a, const struct attach_point *ap)
{
	return arena_printf(a, "iter/%s", kind_of(ap)->name);
}

static const char *iter_ctx_record(const struct attach_point *ap)
{
	return kind_of(ap)->record;
}

/* pinned (func: the pin's path): printf writes into the iterator's file */
static uint32_t iter_object_offset(const struct attach_point *ap, bool *to_file)
{
	*to_file = ap->func != NULL;
	return kind_of(ap)->object_offset;
}

/* One iterator being read. */
struct iter_read {
	const char *spec;
	int iter_fd;
	int ready_fd; /* an eventfd left readable: the run loop calls again */
};

static void iter_read_free(void *arg)
{
	free(arg);
}

/* Objects read per call: between two calls the run loop reads the ring
 * buffer. */
enum { OBJECTS_PER_READY = 32 };

static bool iter_ready(void *arg)
{
	struct iter_read *it = arg;
	if (it->iter_fd < 0)
		return true; /* pinned: nothing to read */
	for (int i = 0; i < OBJECTS_PER_READY; i++) {
		char byte;
		ssize_t n = read(it->iter_fd, &byte, 1);
		if (n == 1)
			continue;
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			fprintf(stderr, "sonde: %s: reading the iterator failed: %s\n", it->spec,
				strerror(errno));
		return true;
	}
	return false;
}

static int iter_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		       struct rt_attachment *att, char *err, size_t errsz)
{
	(void)h;
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	if (!link) {
		int rc = -errno;
		snprintf(err, errsz, "attaching the %s iterator failed: %s", pd->target, strerror(-rc));
		return rc;
	}
	int rc = rt_attachment_add_link(att, link);
	if (rc)
		return rc;
	struct iter_read *it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->spec = pd->spec;
	it->iter_fd = -1;
	if ((rc = rt_attachment_add_cleanup(att, iter_read_free, it)))
		return rc;
	if (pd->func) {
		/* the pin is what the user asked for: it stays after the run */
		rc = bpf_link__pin(link, pd->func);
		if (rc) {
			snprintf(err, errsz, "pinning the iterator at %s failed: %s", pd->func,
				 strerror(-rc));
			return rc;
		}
		printf("Program pinned to %s\n", pd->func);
		fflush(stdout);
		goto watch;
	}
	it->iter_fd = bpf_iter_create(bpf_link__fd(link));
	if (it->iter_fd < 0) {
		rc = -errno;
		snprintf(err, errsz, "creating the %s iterator failed: %s", pd->target, strerror(-rc));
		return rc;
	}
	if ((rc = rt_attachment_add_fd(att, it->iter_fd))) {
		close(it->iter_fd);
		return rc;
	}
watch:
	it->ready_fd = eventfd(1, EFD_CLOEXEC);
	if (it->ready_fd < 0) {
		rc = -errno;
		snprintf(err, errsz, "eventfd: %s", strerror(-rc));
		return rc;
	}
	if ((rc = rt_attachment_add_fd(att, it->ready_fd))) {
		close(it->ready_fd);
		return rc;
	}
	struct rt_watcher w = {.fd = it->ready_fd, .ready = iter_ready, .finishes = true, .arg = it};
	return rt_attachment_add_watcher(att, &w);
}

static int iter_list(struct probe_lister *l, const char *rest)
{
	for (size_t k = 0; k < NKINDS; k++) {
		char line[64];
		snprintf(line, sizeof(line), "iter:%s", kinds[k].name);
		if (fnmatch(rest && *rest ? rest : "*", kinds[k].name, 0))
			continue;
		if (probe_list_line(l, line) && l->verbose)
			fputs(kinds[k].fields, l->out);
	}
	return 0;
}

const struct provider provider_iter = {
	.name = "iter",
	.aliases = iter_aliases,
	.form = SPEC_PATH,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_USER,
	.expand = iter_expand,
	.section = iter_section,
	.ctx_record = iter_ctx_record,
	.iter_object_offset = iter_object_offset,
	.attach = iter_attach,
	.list = iter_list,
};
