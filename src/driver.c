/*
 * driver.c - the pass list (see driver.h): the table `passes` below, run
 * in order by run_passes(). Each pass has the same signature and reports
 * through the diagnostic sink (script errors) or on stderr (anything
 * else); the driver stops after the first pass that reported an error, so
 * later passes only ever see a consistent tree, and prints the AST or the
 * IR after a pass when -d asks for it.
 */
#define _GNU_SOURCE
#include "driver.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend/backend.h"
#include "front/parse.h"
#include "sema/sema.h"
#include "runtime/signals.h"

#include "embedded.h"
#include "options.h"
#include "settings.h"

void program_free(struct program *p)
{
	if (!p)
		return;
	free(p->elf);
	arena_fini(&p->arena);
	free(p);
}

/* LLVM reads the script back from the file named in the debug info to put
 * source lines into BTF line info; a -e script is written to a private
 * temporary file named "-e" (the name the kernel's verifier log and
 * bpftool then show), in a directory $TMPDIR/sonde-PID.XXXXXX, removed
 * right after compiling.
 *
 * A sonde killed while it compiles cannot remove it, so the file is
 * locked (flock) while it exists, and every compile first removes the
 * copies no process holds: a killed sonde's. The file appears already
 * written and locked (O_TMPFILE, then linked in), so an unlocked "-e" is
 * never one still being written; an empty directory is removed only when
 * the pid in its name is gone. */
static void remove_killed_copies(const char *base)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	int dfd = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		long pid;
		char rest[16];
		if (sscanf(e->d_name, "sonde-%ld.%15s", &pid, rest) != 2 || strlen(rest) != 6)
			continue;
		int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;
		if (sub < 0)
			continue;
		if (fstat(sub, &st) || st.st_uid != geteuid()) {
			close(sub);
			continue;
		}
		int f = openat(sub, "-e", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (f >= 0) {
			if (flock(f, LOCK_EX | LOCK_NB) == 0) {
				unlinkat(sub, "-e", 0);
				unlinkat(dfd, e->d_name, AT_REMOVEDIR);
			}
			close(f);
		} else if (errno == ENOENT && kill((pid_t)pid, 0) && errno == ESRCH) {
			unlinkat(dfd, e->d_name, AT_REMOVEDIR);
		}
		close(sub);
	}
	closedir(d);
}

static int write_all(int fd, const char *text, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);
		if (n <= 0)
			return -EIO;
		off += (size_t)n;
	}
	return 0;
}

/* The copy, written and locked before it has its name; *lock is its fd. */
static int write_locked_copy(const char *tmpdir, const char *path, const struct source *src,
			     int *lock)
{
	int fd = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	bool linked = false;
	if (fd < 0) {
		/* a file system without O_TMPFILE: named at once */
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0)
			return -errno;
		linked = true;
	}
	*lock = fd;
	if (flock(fd, LOCK_EX))
		return -errno;
	int rc = write_all(fd, src->text, src->len);
	if (rc)
		return rc;
	if (!linked) {
		char proc[64];
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW))
			return -errno;
	}
	return 0;
}

static int source_path(const struct source *src, char *buf, size_t size, char *tmpdir,
		       size_t tmpsize, int *lock)
{
	tmpdir[0] = 0;
	*lock = -1;
	const char *base = getenv("TMPDIR");
	if (!base || !*base)
		base = "/tmp";
	remove_killed_copies(base);
	if (src->path) {
		snprintf(buf, size, "%s", src->path);
		return 0;
	}
	snprintf(tmpdir, tmpsize, "%s/sonde-%ld.XXXXXX", base, (long)getpid());
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = 0;
		return -errno;
	}
	if (snprintf(buf, size, "%s/-e", tmpdir) >= (int)size) {
		buf[0] = 0;
		rmdir(tmpdir);
		tmpdir[0] = 0;
		return -ENAMETOOLONG;
	}
	int rc = write_locked_copy(tmpdir, buf, src, lock);
	if (rc)
		return rc;
	/* SONDE_FAULT=stop-compiling (tests): stop with the copy in place, for
	 * a test to kill sonde there */
	const char *f = getenv("SONDE_FAULT");
	if (f && !strcmp(f, "stop-compiling"))
		raise(SIGSTOP);
	return 0;
}

static void remove_source_copy(const char *path, const char *tmpdir, int lock)
{
	if (tmpdir[0]) {
		unlink(path);
		rmdir(tmpdir);
	}
	if (lock >= 0)
		close(lock);
}

static struct program *build_manifest(const struct backend *be, struct compilation *c)
{
	struct program *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	arena_init(&p->arena);
	struct arena *a = &p->arena;
	struct manifest *m = &p->m;
	m->nmaps = (uint32_t)c->nmaps;
	m->maps = arena_alloc(a, (c->nmaps + 1) * sizeof(*m->maps));
	for (struct map_info *mi = c->maps; mi; mi = mi->next) {
		struct map_desc *d = &m->maps[mi->index];
		d->name = arena_strdup(a, mi->name);
		d->elf_name = arena_printf(a, "map%d", mi->index);
		d->key = mi->key ? type_clone(a, mi->key) : NULL;
		d->value = mi->value ? type_clone(a, mi->value) : NULL;
		be->map_desc(c, mi, d);
	}
	m->nfmts = (uint32_t)c->nfmts;
	m->fmts = arena_alloc(a, (c->nfmts + 1) * sizeof(*m->fmts));
	for (struct fmt_info *f = c->fmts; f; f = f->next) {
		struct fmt_desc *d = &m->fmts[f->index];
		d->fmt = arena_strdup(a, f->fmt);
		d->nargs = f->nargs;
		d->size = f->size;
		d->stderr_prefix = f->stderr_prefix ? arena_strdup(a, f->stderr_prefix) : NULL;
		d->is_error = f->is_error;
		d->arg_types = arena_alloc(a, (f->nargs + 1) * sizeof(*d->arg_types));
		d->arg_offsets = arena_alloc(a, (f->nargs + 1) * sizeof(*d->arg_offsets));
		for (uint32_t i = 0; i < f->nargs; i++) {
			d->arg_types[i] = type_clone(a, f->arg_types[i]);
			d->arg_offsets[i] = f->arg_offsets[i];
		}
	}
	m->nskb_outputs = (uint32_t)c->nskb_outputs;
	m->skb_output_bytes = c->opts->ringbuf_size;
	m->skb_outputs = arena_alloc(a, (c->nskb_outputs + 1) * sizeof(*m->skb_outputs));
	for (struct skb_output_info *o = c->skb_outputs; o; o = o->next) {
		m->skb_outputs[o->index].path = arena_strdup(a, o->path);
		m->skb_outputs[o->index].offset = o->offset;
	}
	m->capture_line = (uint32_t)c->capture_line;
	m->capture_snaplen = c->capture_snaplen;
	m->nprobes = (uint32_t)c->ninsts;
	m->print_maps_on_exit = c->opts->print_maps_on_exit != 0;
	m->max_cat_bytes = c->opts->max_cat_bytes;
	m->missing_probes = c->opts->missing_probes;
	/* not set: no trailer, bpftrace 0.17's output (strings.c) */
	m->str_trunc_trailer =
	    c->opts->str_trunc_trailer ? arena_strdup(a, c->opts->str_trunc_trailer) : NULL;
	m->no_warnings = c->opts->no_warnings;
	m->boot_bound = c->boot_bound;
	m->kernel_bound = c->kernel_bound ? arena_strdup(a, c->kernel_bound) : NULL;
	m->probes = arena_alloc(a, (c->ninsts + 1) * sizeof(*m->probes));
	for (struct probe_inst *pi = c->insts; pi; pi = pi->next) {
		struct probe_desc *d = &m->probes[pi->index];
		d->prog_name = arena_strdup(a, (pi->runs ? pi->runs : pi)->prog_name);
		d->shares_program = pi->runs || pi->ncookies;
		d->cookie = pi->cookie;
		d->provider = arena_strdup(a, pi->ap->prov->name);
		d->spec = arena_strdup(a, pi->ap->spec);
		d->target = pi->ap->target ? arena_strdup(a, pi->ap->target) : NULL;
		d->func = pi->ap->func ? arena_strdup(a, pi->ap->func) : NULL;
		d->value = pi->ap->value;
		d->aux = pi->ap->aux;
		d->script_line = pi->probe->loc.first_line;
		d->file = pi->probe->loc.file;
		d->from_wildcard = pi->ap->from_wildcard;
	}
	if (c->uses_events) {
		m->events_map = "events";
		m->ringbuf_size = c->opts->ringbuf_size;
	}
	return p;
}

/* config = { max_strlen = 128; map_entries = 8192; ringbuf_size = 4194304 },
 * with bpftrace's names too (settings.h). A setting an environment
 * variable fixed keeps that value, as in bpftrace. */
static int apply_config(struct compilation *c, struct compile_options *o)
{
	int before = c->diag->nerrors;
	if (!c->prog.config)
		return 0;
	const struct node *seen[32] = {0};
	for (struct node *it = c->prog.config->u.config.items; it; it = it->next) {
		struct node *lhs = it->u.assign.lhs, *rhs = it->u.assign.rhs;
		const char *name = lhs->kind == N_IDENT ? lhs->u.ident.name : "";
		const struct setting *st = setting_by_name(name);
		if (!st) {
			const char *cands[64];
			int n = 0;
			for (int i = 0; i < nsettings && n + 2 <= 64; i++) {
				cands[n++] = settings[i].name;
				if (settings[i].alias)
					cands[n++] = settings[i].alias;
			}
			diag_error(c->diag, lhs->loc, "unknown config setting '%s'", name);
			const char *near = diag_closest(name, cands, n);
			if (near)
				diag_note(c->diag, (struct loc){0}, "did you mean '%s'?", near);
			else
				diag_note(c->diag, (struct loc){0},
					  "settings are max_strlen, map_entries (max_map_keys), "
					  "ringbuf_size, perf_rb_pages, max_probes, "
					  "print_maps_on_exit, max_cat_bytes, stack_mode, "
					  "license, missing_probes, log_size, max_bpf_progs, "
					  "on_stack_limit, lazy_symbolication, cpp_demangle, "
					  "show_debug_info, cache_user_symbols, unstable_tseries, "
					  "unstable_dw_ustack and str_trunc_trailer");
			continue;
		}
		int k = (int)(st - settings);
		/* the last one winning silently would hide a typo'd copy */
		if (seen[k]) {
			diag_error(c->diag, lhs->loc, "config setting '%s' is set twice", name);
			diag_note(c->diag, seen[k]->loc, "first set here");
			continue;
		}
		seen[k] = lhs;
		uint64_t v = rhs->kind == N_INT ? rhs->u.int_lit.value : 0;
		struct compile_options probe = *o;
		const char *word = rhs->kind == N_IDENT ? rhs->u.ident.name
		                   : rhs->kind == N_STR ? rhs->u.str.s
		                                        : NULL;
		if (st->text ? rhs->kind != N_STR
		             : !setting_store_given(st, word, rhs->kind == N_INT, v, &probe)) {
			char range[96];
			setting_range(st, range, sizeof(range));
			diag_error(c->diag, rhs->loc, "%s must be %s", name, range);
			continue;
		}
		/* perf_rb_pages and ringbuf_size are one buffer's size */
		bool env_fixed = false;
		for (int i = 0; i < nsettings; i++)
			if ((o->env_set & (1u << i)) && settings[i].offset == st->offset)
				env_fixed = true;
		if (!env_fixed) {
			if (st->text)
				setting_store_text(st, rhs->u.str.s, o);
			else
				setting_store_given(st, word, rhs->kind == N_INT, v, o);
		}
	}
	return c->diag->nerrors > before ? -1 : 0;
}

/* ---- the passes ------------------------------------------------------------ */

/* What the passes share: one compilation and what it becomes. */
struct pass_state {
	struct compilation c;
	struct compile_options opts; /* the command line's, with the script's config applied */
	const struct source *src;
	const struct backend *be;
	struct backend_module *mod; /* codegen's LLVM module, until emit is done with it */
	struct program *p;          /* the manifest, then the object in p->elf */
	/* the script on disk for the debug info, from codegen until emit is done */
	char path[4096], tmpdir[4096];
	int lock;
};

/* stdlib first, so the script can use what it defines */
static int pass_parse(struct pass_state *s)
{
	struct diag *d = s->c.diag;
	int file = diag_add_source(d, s->src->name, s->src->text, s->src->len);
	s->c.prog.include_dirs = s->opts.include_dirs;
	s->c.prog.ninclude_dirs = s->opts.ninclude_dirs;
	for (const struct embedded_file *f = stdlib_files; f->name; f++) {
		int sf = diag_add_source(d, f->name, f->text, f->len);
		if (parse_program(&s->c.arena, d, sf, &s->c.prog))
			return -1;
	}
	return parse_program(&s->c.arena, d, file, &s->c.prog);
}

/* config = { ... } in the script overrides the command line's defaults */
static int pass_config(struct pass_state *s)
{
	return apply_config(&s->c, &s->opts);
}

/* $1...$N and $# are the command line's words from here on */
static int pass_params(struct pass_state *s)
{
	return sema_params(&s->c);
}

/* The semantic passes (sema.h); each goes on after an error so that one
 * run reports all of the script's errors, in the order written. */
static int pass_cdefs(struct pass_state *s)
{
	return sema_cdefs(&s->c);
}

static int pass_macros(struct pass_state *s)
{
	return sema_macros(&s->c);
}

/* each probe's specs expanded by its provider, then its body typed */
static int pass_probes(struct pass_state *s)
{
	if (sema_probes(&s->c))
		return -1;
	/* bpftrace refuses before attaching; the count is after wildcards. The
	 * error points at the block whose probes cross the limit. */
	if ((uint32_t)s->c.ninsts > s->opts.max_probes) {
		struct loc at = {0};
		for (struct probe_inst *pi = s->c.insts; pi; pi = pi->next)
			if (pi->index == (int)s->opts.max_probes)
				at = pi->probe->loc;
		diag_error(s->c.diag, at,
		           "can't attach to %d probes because it exceeds the current limit of %u "
		           "probes",
		           s->c.ninsts, s->opts.max_probes);
		diag_note(s->c.diag, (struct loc){0},
		          "the limit is BPFTRACE_MAX_PROBES or config max_probes; many probes "
		          "attached can stall or crash the system");
		return -1;
	}
	return 0;
}

static int pass_maps(struct pass_state *s)
{
	return sema_maps(&s->c);
}

/* What the runtime needs, copied out of the compilation; the map layouts
 * are the backend's, so this is where it is loaded. */
static int pass_manifest(struct pass_state *s)
{
	s->be = backend_get();
	if (!s->be)
		return -1;
	/* -k/-kk: failing helpers are reported through the ring buffer */
	if (s->c.opts->helper_check)
		s->c.uses_events = true;
	s->p = build_manifest(s->be, &s->c);
	if (!s->p) {
		fprintf(stderr, "sonde: out of memory\n");
		return -1;
	}
	return 0;
}

/* LLVM IR, with the script on disk for its debug info until emit */
static int pass_codegen(struct pass_state *s)
{
	/* a signal that ends the compile removes the copy (signals.h) */
	struct sig_watch *w = s->opts.watch;
	sig_watch_hold(w);
	int rc = source_path(s->src, s->path, sizeof(s->path), s->tmpdir, sizeof(s->tmpdir),
			     &s->lock);
	if (s->tmpdir[0])
		sig_watch_set_tmp(w, s->path, s->tmpdir);
	sig_watch_release(w);
	if (rc) {
		fprintf(stderr, "sonde: cannot prepare the script for debug info: %s\n",
			strerror(-rc));
		return -1;
	}
	s->mod = s->be->codegen(&s->c, s->path);
	return s->mod ? 0 : -1;
}

/* optimisation and the BPF object, into the program */
static int pass_emit(struct pass_state *s)
{
	return s->be->emit(&s->c, s->mod, s->p);
}

static void dump_ast(struct pass_state *s, const char *label)
{
	fprintf(s->opts.debug_out, "%s\n", label);
	ast_dump(s->opts.debug_out, &s->c.prog);
}

static void dump_ir(struct pass_state *s, const char *label)
{
	fprintf(s->opts.debug_out, "%s\n", label);
	s->be->print_ir(s->mod, s->opts.debug_out);
	fputc('\n', s->opts.debug_out);
}

/* The front passes check the script and need no LLVM (-l FILE runs only
 * them); the back passes turn it into a BPF object. */
enum pass_phase { PHASE_FRONT, PHASE_BACK };

struct pass {
	const char *name;
	int (*run)(struct pass_state *s); /* 0, or -1 after reporting */
	enum pass_phase phase;
	/* an error here does not stop the run before the next pass: the
	 * semantic passes report every error of a script in one run; the run
	 * stops after the first pass without it once any pass failed */
	bool continues;
	/* after the pass succeeded, with any of these -d stages (DEBUG_*) */
	unsigned dump_stages;
	void (*dump)(struct pass_state *s, const char *label);
	const char *dump_label;
};

/* In order. -d ast prints the AST as parse made it, once config (which
 * leaves the tree as it is) has checked the settings, and as probes made
 * it (names resolved, macros expanded, every expression typed), once maps
 * (which leaves it too) has checked every map. */
static const struct pass passes[] = {
	{"parse", pass_parse, PHASE_FRONT, false, 0, NULL, NULL},
	{"config", pass_config, PHASE_FRONT, false, DEBUG_AST, dump_ast, "AST"},
	{"cdefs", pass_cdefs, PHASE_FRONT, true, 0, NULL, NULL},
	{"params", pass_params, PHASE_FRONT, true, 0, NULL, NULL},
	{"macros", pass_macros, PHASE_FRONT, true, 0, NULL, NULL},
	{"probes", pass_probes, PHASE_FRONT, true, 0, NULL, NULL},
	{"maps", pass_maps, PHASE_FRONT, false, DEBUG_AST, dump_ast, "AST after semantic analysis"},
	{"manifest", pass_manifest, PHASE_BACK, false, 0, NULL, NULL},
	{"codegen", pass_codegen, PHASE_BACK, false, DEBUG_IR_RAW, dump_ir,
	 "; LLVM IR before optimisation"},
	{"emit", pass_emit, PHASE_BACK, false, DEBUG_IR_OPT, dump_ir, "; LLVM IR after optimisation"},
};

static void pass_state_init(struct pass_state *s, const struct source *src,
			    const struct compile_options *opts, struct host *host, struct diag *d)
{
	memset(s, 0, sizeof(*s));
	s->opts = *opts;
	s->src = src;
	s->lock = -1;
	s->c.diag = d;
	s->c.opts = &s->opts;
	s->c.host = host;
	arena_init(&s->c.arena);
}

static void pass_state_fini(struct pass_state *s)
{
	if (s->mod)
		s->be->module_free(s->mod);
	if (s->path[0]) {
		struct sig_watch *w = s->opts.watch;
		sig_watch_hold(w);
		remove_source_copy(s->path, s->tmpdir, s->lock);
		sig_watch_set_tmp(w, NULL, NULL);
		sig_watch_release(w);
	}
	program_free(s->p);
	arena_fini(&s->c.arena);
}

/* Runs the passes of `last_phase` and those before it, in order, until one
 * fails (or, after passes that continue, the first that does not). 0, or
 * -1 with *script_error telling whether the failing passes reported an
 * error in the script (through the diagnostic sink) rather than on
 * stderr. */
static int run_passes(struct pass_state *s, enum pass_phase last_phase, const char *last_pass,
                      bool *script_error)
{
	bool failed = false;
	int errors_before_failure = 0;
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		const struct pass *ps = &passes[i];
		if (ps->phase > last_phase)
			break;
		int errors = s->c.diag->nerrors;
		if (ps->run(s)) {
			if (!failed)
				errors_before_failure = errors;
			failed = true;
		} else if (!failed && (s->opts.debug & ps->dump_stages)) {
			ps->dump(s, ps->dump_label);
		}
		if (failed && !ps->continues)
			break;
		if (last_pass && !strcmp(ps->name, last_pass))
			break;
	}
	if (failed)
		*script_error = s->c.diag->nerrors > errors_before_failure;
	return failed ? -1 : 0;
}

int driver_probes(const struct source *src, const struct compile_options *opts, struct host *host,
		  struct diag *d, void (*each)(const char *spec, void *arg), void *arg)
{
	struct pass_state s;
	pass_state_init(&s, src, opts, host, d);
	s.opts.debug = 0; /* a listing prints nothing else */
	bool script_error;
	int rc = run_passes(&s, PHASE_FRONT, NULL, &script_error);
	/* a probe named twice (or matched by two wildcards) is one line */
	for (struct probe_inst *pi = s.c.insts; !rc && pi; pi = pi->next) {
		bool seen = false;
		for (struct probe_inst *q = s.c.insts; q != pi && !seen; q = q->next)
			seen = !strcmp(q->ap->spec, pi->ap->spec);
		if (!seen)
			each(pi->ap->spec, arg);
	}
	pass_state_fini(&s);
	return rc;
}

int driver_named_help(const struct source *src, const struct compile_options *opts,
                      struct host *host, struct diag *d, FILE *out, bool *listed)
{
	struct pass_state s;
	pass_state_init(&s, src, opts, host, d);
	s.opts.debug = 0; /* the list is all it prints */
	bool script_error;
	/* the parameters are known once the params pass has run: what comes
	 * after would need the kernel's types and probes */
	int rc = run_passes(&s, PHASE_FRONT, "params", &script_error);
	*listed = !rc && s.c.named_help;
	if (*listed)
		getopt_print_help(&s.c, out);
	pass_state_fini(&s);
	return rc;
}

int driver_compile(const struct source *src, const struct compile_options *opts, struct host *host,
		   struct diag *d, struct program **out, bool *script_error)
{
	struct pass_state s;
	pass_state_init(&s, src, opts, host, d);
	*out = NULL;
	*script_error = false;
	int rc = run_passes(&s, PHASE_BACK, NULL, script_error);
	if (!rc) {
		*out = s.p;
		s.p = NULL;
	}
	pass_state_fini(&s);
	return rc;
}
