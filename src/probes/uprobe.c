/*
 * uprobe.c - uprobe:PATH:FN[+OFF] and uretprobe:PATH:FN (aliases u, ur).
 *
 * PATH is resolved as a shell and ld.so would (symbols.c): an absolute or
 * relative path, a program in $PATH, or a library name. FN is an ELF
 * function symbol (globs allowed), or a hex address; the probe attaches
 * at its file offset. arg0..arg5 and retval are x86-64 registers in the
 * pt_regs context; args.NAME comes from the binary's DWARF through libdw.
 * -p PID / -c CMD limit the attachment to that process.
 */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "kernel/dwarf_types.h"
#include "kernel/features.h"
#include "kernel/host.h"
#include "kernel/symbols.h"
#include "probes/args.h"
#include "probes/kfunc.h"
#include "probes/uprobe.h"
#include "runtime/runtime.h"

extern const struct provider provider_uprobe, provider_uretprobe;

enum { UPROBE_MAX_PROBES = 512 };

struct uprobe_ap {
	bool dwarf_loaded;
	int nparams; /* < 0: -errno from libdw */
	struct sym_dwarf_param params[SYM_MAX_PARAMS];
};

/* A part written in double quotes, as bpftrace allows for names that are
 * not identifiers (usdt:./x:test:"\"probe1\"", uprobe:/bin/x:"f"+0): the
 * text between them with \" and \\ unescaped, then what follows the
 * closing quote (an offset). Any other part is returned as it is. */
static char *unquote(struct compilation *c, char *part)
{
	if (!part || part[0] != '"')
		return part;
	char *out = arena_alloc(&c->arena, strlen(part) + 1);
	size_t n = 0;
	const char *p = part + 1;
	for (; *p && *p != '"'; p++) {
		if (p[0] == '\\' && (p[1] == '"' || p[1] == '\\'))
			p++;
		out[n++] = *p;
	}
	if (*p != '"')
		return part; /* no closing quote: taken as written */
	strcpy(out + n, p + 1);
	return out;
}

int uprobe_split(struct compilation *c, struct node *spec, const char *rest, int nparts,
		 char **parts)
{
	const char *text = spec->u.spec.text;
	const char *usage = nparts == 2 ? "PATH:FUNCTION" : "PATH:PROVIDER:NAME";
	if (!rest || !*rest)
		goto bad;
	/* the last nparts-1 colons separate the parts; PATH may hold colons */
	const char *seps[3];
	int found = 0;
	for (const char *p = rest + strlen(rest); p > rest && found < nparts - 1; p--)
		if (p[-1] == ':')
			seps[found++] = p - 1;
	if (found < nparts - 1) {
		/* usdt:PATH:NAME without a provider */
		if (nparts == 3 && found == 1) {
			parts[0] = unquote(c, arena_strndup(&c->arena, rest, (size_t)(seps[0] - rest)));
			parts[1] = NULL;
			parts[2] = unquote(c, arena_strdup(&c->arena, seps[0] + 1));
			return *parts[0] && *parts[2] ? 0 : -1;
		}
		goto bad;
	}
	const char *start = rest;
	for (int i = 0; i < nparts; i++) {
		const char *end = i < nparts - 1 ? seps[nparts - 2 - i] : rest + strlen(rest);
		parts[i] = arena_strndup(&c->arena, start, (size_t)(end - start));
		/* usdt:PATH::NAME: an empty provider is any provider */
		if (!*parts[i] && nparts == 3 && i == 1)
			parts[i] = NULL;
		else if (!*parts[i])
			goto bad;
		start = end + 1;
	}
	for (int i = 0; i < nparts; i++)
		parts[i] = unquote(c, parts[i]);
	return 0;
bad:
	diag_error(c->diag, spec->loc, "%.*s probes are written %.*s:%s, got '%s'",
		   (int)strcspn(text, ":"), text, (int)strcspn(text, ":"), text, usage, text);
	return -1;
}

int uprobe_resolve(struct compilation *c, struct node *spec, const char *name, char **out)
{
	char buf[4096];
	/* with -p, also a file only in the process's mount namespace */
	int rc = sym_resolve_path_of(c->host->target_pid, name, buf, sizeof(buf));
	if (rc) {
		diag_error(c->diag, spec->loc,
			   "%s: cannot find '%s' (%s)", spec->u.spec.text, name,
			   strchr(name, '/') ? "no such file"
					     : "not in $PATH and not a library ld.so knows");
		return -1;
	}
	*out = arena_strdup(&c->arena, buf);
	const struct features *f = feat_get(c->host);
	if (!f->uprobes) {
		diag_error(c->diag, spec->loc, "%s: %s", spec->u.spec.text, f->uprobes_why);
		return -1;
	}
	return 0;
}

char **uprobe_pid_files(int pid)
{
	char maps[64];
	snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
	FILE *f = fopen(maps, "re");
	if (!f)
		return NULL;
	size_t n = 0, cap = 16;
	char **files = calloc(cap, sizeof(*files));
	char line[4096 + 256];
	while (files && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = 0;
		bool dup = strstr(path, " (deleted)") != NULL;
		for (size_t i = 0; i < n && !dup; i++)
			dup = !strcmp(files[i], path);
		if (dup)
			continue;
		if (n + 1 == cap) {
			char **grown = realloc(files, 2 * cap * sizeof(*files));
			if (!grown) {
				uprobe_pid_files_free(files);
				files = NULL;
				errno = ENOMEM;
				break;
			}
			files = grown;
			cap *= 2;
		}
		files[n] = strdup(path);
		files[++n] = NULL;
	}
	fclose(f);
	return files;
}

void uprobe_pid_files_free(char **files)
{
	for (size_t i = 0; files && files[i]; i++)
		free(files[i]);
	free(files);
}

const char *uprobe_shown_path(const char *written, const char *resolved)
{
	return strchr(written, '/') ? written : resolved;
}

static void add_point(struct compilation *c, struct node *spec, const struct provider *prov,
		      const char *path, const char *shown_path, const char *fn, uint64_t offset,
		      const char *shown)
{
	struct uprobe_ap *u = arena_alloc(&c->arena, sizeof(*u));
	memset(u, 0, sizeof(*u));
	struct attach_point ap = {
		.prov = prov,
		.spec = arena_printf(&c->arena, "%s:%s:%s", prov->name, shown_path, shown),
		.target = path,
		.func = arena_strdup(&c->arena, fn),
		.value = offset,
		.data = u,
		.loc = spec->loc,
	};
	sema_add_attach_point(c, &ap);
}

static int uprobe_expand_pid(struct compilation *c, struct node *spec, int pid, const char *fn,
			     const struct provider *prov)
{
	const struct features *f = feat_get(c->host);
	if (!f->uprobes) {
		diag_error(c->diag, spec->loc, "%s: %s", spec->u.spec.text, f->uprobes_why);
		return -1;
	}
	if (strchr(fn, '+') || !strncmp(fn, "0x", 2)) {
		diag_error(c->diag, spec->loc,
			   "%s: with the path '*', give a function name or pattern, not an offset "
			   "or an address",
			   spec->u.spec.text);
		return -1;
	}
	char **files = uprobe_pid_files(pid);
	if (!files) {
		diag_error(c->diag, spec->loc, "%s: cannot read /proc/%d/maps: %s",
			   spec->u.spec.text, pid, strerror(errno));
		return -1;
	}
	int total = 0;
	for (size_t i = 0; files[i]; i++) {
		const struct sym_elf_func *fs = NULL;
		int n = sym_elf_funcs(c->host, files[i], fn, &fs);
		if (n <= 0)
			continue; /* not an ELF file, or nothing matches in it */
		if ((total += n) > UPROBE_MAX_PROBES) {
			diag_error(c->diag, spec->loc,
				   "'%s' matches more than %d functions in process %d; narrow the "
				   "pattern",
				   spec->u.spec.text, UPROBE_MAX_PROBES, pid);
			uprobe_pid_files_free(files);
			return -1;
		}
		const char *path = arena_strdup(&c->arena, files[i]);
		for (int k = 0; k < n; k++)
			add_point(c, spec, prov, path, path, fs[k].name, fs[k].offset, fs[k].name);
	}
	uprobe_pid_files_free(files);
	if (!total &&
	    sema_missing_probe(c, spec->loc,
			       "no function in the files process %d has mapped matches '%s'", pid, fn)) {
		sema_missing_probe_hint(c);
		return -1;
	}
	return 0;
}

static int uprobe_expand_common(struct compilation *c, struct node *spec, const char *rest,
				const struct provider *prov, bool is_return)
{
	char *parts[2];
	if (uprobe_split(c, spec, rest, 2, parts))
		return -1;
	/* uprobe:*:FN with -p: every file the process has mapped, as
	 * bpftrace 0.26 searches them (-c does not count, as for usdt) */
	int pid = c->opts && c->opts->child_pid ? 0 : c->host->target_pid;
	if (!strcmp(parts[0], "*") && pid > 0)
		return uprobe_expand_pid(c, spec, pid, parts[1], prov);
	char *path;
	if (uprobe_resolve(c, spec, parts[0], &path))
		return -1;
	char *fn = parts[1];
	uint64_t extra = 0;
	char *plus = strchr(fn, '+');
	if (plus) {
		char *end;
		extra = strtoull(plus + 1, &end, 0);
		if (is_return || *end || !plus[1]) {
			diag_error(c->diag, spec->loc,
				   is_return ? "%s: only uprobe: takes an offset (FUNCTION+OFFSET)"
					     : "%s: the offset in FUNCTION+OFFSET must be a number",
				   spec->u.spec.text);
			return -1;
		}
		*plus = 0;
	}
	/* a raw address: uprobe:/bin/x:0x1234, or in decimal (no function
	 * name starts with a digit), as bpftrace takes both */
	if (!strncmp(fn, "0x", 2) || isdigit((unsigned char)fn[0])) {
		char *end;
		errno = 0;
		uint64_t addr = strtoull(fn, &end, fn[0] == '0' && fn[1] == 'x' ? 16 : 10);
		if (errno)
			end = fn;
		if (*end) {
			diag_error(c->diag, spec->loc,
				   "%s: bad address '%s' (expected a decimal or 0x hexadecimal address)",
				   spec->u.spec.text, fn);
			return -1;
		}
		/* a virtual address, as in bpftrace and as nm and objdump show
		 * it; libbpf attaches at a file offset */
		uint64_t offset;
		int rc = sym_elf_vaddr_offset(c->host, path, addr + extra, &offset);
		if (rc) {
			/* the file as typed when it is a path (bpftrace 0.17's
			 * words, which its runtime tests expect), else the
			 * one found for the name */
			const char *shown = strchr(parts[0], '/') ? parts[0] : path;
			diag_error(c->diag, spec->loc, "%s: Could not resolve address: %s:0x%llx (%s)",
				   spec->u.spec.text, shown, (unsigned long long)(addr + extra),
				   rc == -ERANGE    ? "no loadable segment of the file holds it"
				   : rc == -ENOEXEC ? "not an ELF file"
						    : strerror(-rc));
			return -1;
		}
		/* shown in decimal, as bpftrace names it in `probe`; at a
		 * function's first byte `func` is that function (and its
		 * arguments are known), as bpftrace resolves it */
		const char *name = fn;
		const struct sym_elf_func *all = NULL;
		int nall = extra ? 0 : sym_elf_funcs(c->host, path, "*", &all);
		for (int i = 0; i < nall; i++)
			if (all[i].addr == addr && all[i].offset == offset)
				name = all[i].name;
		char shown[32];
		snprintf(shown, sizeof(shown), "%llu", (unsigned long long)(addr + extra));
		add_point(c, spec, prov, path, uprobe_shown_path(parts[0], path), name, offset, shown);
		return 0;
	}
	const struct sym_elf_func *fs = NULL;
	int n = sym_elf_funcs(c->host, path, fn, &fs);
	if (n < 0) {
		diag_error(c->diag, spec->loc, "%s: cannot read the symbols of %s: %s",
			   spec->u.spec.text, path, n == -ENOEXEC ? "not an ELF file" : strerror(-n));
		return -1;
	}
	if (n == 0) {
		int rc = strpbrk(fn, "*?[")
		             ? sema_missing_probe_017_drops(c, spec->loc,
		                                            "no function in %s matches '%s'", path, fn)
		             : sema_missing_probe_017_drops(c, spec->loc, "%s has no function '%s'",
		                                            path, fn);
		if (rc)
			sema_missing_probe_hint(c);
		return rc;
	}
	if (n > UPROBE_MAX_PROBES) {
		diag_error(c->diag, spec->loc, "'%s' matches %d functions; narrow the pattern",
			   spec->u.spec.text, n);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		/* an offset past the function's end (its ELF size) is refused
		 * here, as bpftrace does, rather than by the kernel at attach */
		if (extra && fs[i].size && extra >= fs[i].size) {
			diag_error(c->diag, spec->loc,
				   "%s: Offset outside the function bounds ('%s' size is %llu)",
				   spec->u.spec.text, fs[i].name, (unsigned long long)fs[i].size);
			return -1;
		}
		const char *shown = extra ? arena_printf(&c->arena, "%s+%llu", fs[i].name,
							 (unsigned long long)extra)
					  : fs[i].name;
		add_point(c, spec, prov, path, uprobe_shown_path(parts[0], path), fs[i].name,
			  fs[i].offset + extra, shown);
	}
	return 0;
}

static const char *uprobe_section(struct arena *a, const struct attach_point *ap)
{
	return ap->prov == &provider_uretprobe ? "uretprobe" : "uprobe";
}

int uprobe_arg_index(struct compilation *c, const struct attach_point *ap, int index,
		     struct loc loc, struct ctx_access *out)
{
	if (index >= 6) {
		diag_error(c->diag, loc,
			   "arg%d is passed on the stack; only arg0..arg5 (registers) can be read",
			   index);
		return -1;
	}
	memset(out, 0, sizeof(*out));
	out->kind = CTX_LOAD;
	out->offset = kfunc_pt_regs_arg[index];
	out->size = 8;
	out->type = &type_u64;
	out->space = SPACE_USER;
	return 0;
}

/* A pointer parameter as typed as sonde can: to an integer, so args.p[i]
 * and *args.p read it; to a pointer, so str(*args.argv) reads a string;
 * to void otherwise (a struct: cast it to a kernel type of the same
 * layout). */
static struct type *dwarf_pointer_type(struct arena *a, const struct sym_dwarf_param *p)
{
	struct type *to = &type_void;
	if (p->pointee == SYM_POINTEE_INT)
		to = type_int(p->pointee_signed, p->pointee_size);
	else if (p->pointee == SYM_POINTEE_POINTER)
		to = type_ptr(a, &type_void);
	return type_ptr(a, to);
}

static int uprobe_arg_field(struct compilation *c, const struct attach_point *ap,
			    const char *name, struct loc loc, struct ctx_access *out)
{
	struct uprobe_ap *u = ap->data;
	if (!u->dwarf_loaded) {
		u->dwarf_loaded = true;
		u->nparams = sym_dwarf_params(c->host, ap->target, ap->func, u->params);
	}
	if (u->nparams < 0) {
		diag_error(c->diag, loc, "args.%s: %s in %s", name,
			   u->nparams == -ENOENT ? "no DWARF entry for the function"
						 : "no DWARF debug information",
			   ap->target);
		diag_note(c->diag, (struct loc){0}, "arg0..arg5 work without debug information");
		return -1;
	}
	/* the integer register the parameter is in: floating-point parameters
	 * before it are in xmm registers and take none (System V x86-64) */
	int reg = 0;
	const struct sym_dwarf_param *unplaced = NULL;
	for (int i = 0; i < u->nparams; i++) {
		const struct sym_dwarf_param *p = &u->params[i];
		if (strcmp(p->name, name)) {
			if (p->int_regs < 0 && !unplaced)
				unplaced = p;
			reg += p->int_regs > 0 ? p->int_regs : 0;
			continue;
		}
		if (p->readable && unplaced) {
			diag_error(c->diag, loc,
				   "args.%s of %s cannot be read: it comes after '%s' (%s), passed by "
				   "value in registers sonde does not work out",
				   name, ap->func, unplaced->name, unplaced->c_type);
			diag_note(c->diag, (struct loc){0},
				  "argN reads the Nth integer register as it is");
			return -1;
		}
		if (!p->readable || reg >= 6) {
			diag_error(c->diag, loc, "args.%s of %s (%s) cannot be read yet%s", name,
				   ap->func, p->c_type, reg >= 6 ? ": it is passed on the stack" : "");
			return -1;
		}
		memset(out, 0, sizeof(*out));
		out->kind = CTX_LOAD;
		out->offset = kfunc_pt_regs_arg[reg];
		out->size = p->size;
		out->is_signed = p->is_signed;
		out->space = SPACE_USER;
		out->type = type_int(p->is_signed, p->size);
		if (p->is_pointer) {
			/* the whole pointee from DWARF: structs, arrays inside */
			struct type *t = dwarf_param_type(&c->arena, ap->target, ap->func, name);
			out->type = t && t->kind == TYPE_PTR ? t : dwarf_pointer_type(&c->arena, p);
		}
		return 0;
	}
	const char *cands[SYM_MAX_PARAMS];
	for (int i = 0; i < u->nparams; i++)
		cands[i] = u->params[i].name;
	return probe_no_arg(c, loc, ap->func, "parameter", name, cands, u->nparams, NULL);
}

/* retval: rax, typed from the function's DWARF where the binary has it
 * (an integer of the declared size and sign, a pointer to what it points
 * to), a uint64 otherwise, as bpftrace 0.17 has it. */
static int uprobe_retval(struct compilation *c, const struct attach_point *ap, struct loc loc,
			 struct ctx_access *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = CTX_LOAD;
	out->offset = PT_REGS_RC_OFFSET;
	out->size = 8;
	out->type = &type_u64;
	out->space = SPACE_USER;
	if (!ap->func || !strncmp(ap->func, "0x", 2))
		return 0; /* a raw address: no function entry to ask */
	bool is_void;
	struct type *t = dwarf_return_type(&c->arena, ap->target, ap->func, &is_void);
	if (t && t->kind == TYPE_INT) {
		/* the callee leaves only the low bytes defined */
		out->size = t->size;
		out->is_signed = t->is_signed;
		out->type = t;
	} else if (t && t->kind == TYPE_PTR) {
		out->type = t;
	}
	return 0;
}

/* Casts and sizeof name the binary's own types: structs, unions, enums
 * and typedefs of its DWARF. */
static int uprobe_named_type(struct compilation *c, const struct attach_point *ap,
			     const char *tag, const char *name, struct loc loc, struct type **out)
{
	int rc = dwarf_named_type(&c->arena, ap->target, tag, name, out);
	if (rc == -2) {
		diag_error(c->diag, loc, "'%s%s%s' of %s has a type sonde cannot represent",
			   tag ? tag : "", tag ? " " : "", name, ap->target);
		return -1;
	}
	return rc == 1 ? 1 : 0;
}

int uprobe_attach(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		  struct rt_attachment *att, char *err, size_t errsz)
{
	/* pd->aux: a usdt site's semaphore, raised by the kernel while attached */
	LIBBPF_OPTS(bpf_uprobe_opts, opts, .retprobe = !strcmp(pd->provider, "uretprobe"),
		    .ref_ctr_offset = (size_t)pd->aux);
	int pid = h->target_pid;
	struct bpf_link *link = bpf_program__attach_uprobe_opts(prog, pid > 0 ? pid : -1,
								 pd->target, pd->value, &opts);
	if (!link) {
		int e = -errno;
		snprintf(err, errsz, "attaching a %s to %s at offset 0x%llx%s failed: %s",
			 pd->provider, pd->target, (unsigned long long)pd->value,
			 pd->aux ? " (with its semaphore)" : "", strerror(-e));
		return e;
	}
	return rt_attachment_add_link(att, link);
}

static int uprobe_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return uprobe_expand_common(c, spec, rest, &provider_uprobe, false);
}

static int uretprobe_expand(struct compilation *c, struct node *spec, const char *rest)
{
	return uprobe_expand_common(c, spec, rest, &provider_uretprobe, true);
}

/* -l uprobe:PATH[:GLOB]: the binary's function symbols, with -v their
 * parameters from DWARF. */
static int uprobe_list_common(struct probe_lister *l, const char *rest, const struct provider *prov)
{
	int pid = l->host->target_pid;
	if (!rest && pid <= 0)
		return EXIT_OK; /* not part of a search over every type */
	if (!rest)
		rest = "*:*"; /* -l with -p: the process's functions too */
	const char *colon = strrchr(rest, ':');
	char path[4096];
	char bin[4096];
	snprintf(bin, sizeof(bin), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest), rest);
	const char *funcs = colon ? colon + 1 : "*";
	/* uprobe:*:GLOB with -p: each file the process has mapped */
	if (!strcmp(bin, "*") && pid > 0 && !l->in_path_glob) {
		char **files = uprobe_pid_files(pid);
		if (!files) {
			fprintf(stderr, "sonde: -l: cannot read /proc/%d/maps: %s\n", pid,
				strerror(errno));
			return EXIT_SYSTEM;
		}
		l->in_path_glob = true;
		for (size_t i = 0; files[i]; i++) {
			char one[8192];
			snprintf(one, sizeof(one), "%s:%s", files[i], funcs);
			uprobe_list_common(l, one, prov);
		}
		l->in_path_glob = false;
		uprobe_pid_files_free(files);
		return EXIT_OK;
	}
	/* a wildcard in the path ('uprobe:./bin*:*'): each executable file
	 * it matches, as bpftrace lists them; a file that is no ELF object
	 * has nothing to list */
	if (strpbrk(bin, "*?[") && !l->in_path_glob) {
		glob_t g;
		int grc = glob(bin, 0, NULL, &g);
		if (grc && !(grc == GLOB_NOMATCH && l->searching)) {
			fprintf(stderr, "sonde: -l: no file matches '%s'\n", bin);
			return grc == GLOB_NOMATCH ? EXIT_USAGE : EXIT_SYSTEM;
		}
		l->in_path_glob = true;
		for (size_t i = 0; !grc && i < g.gl_pathc; i++) {
			struct stat st;
			if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode) ||
			    access(g.gl_pathv[i], X_OK))
				continue;
			char one[8192];
			snprintf(one, sizeof(one), "%s:%s", g.gl_pathv[i], funcs);
			uprobe_list_common(l, one, prov);
		}
		l->in_path_glob = false;
		if (!grc)
			globfree(&g);
		return EXIT_OK;
	}
	/* a bare name of a file in the current directory is that file, as
	 * bpftrace 0.17 lists it (its probes still look the name up) */
	struct stat here;
	bool in_cwd = !strchr(bin, '/') && stat(bin, &here) == 0 && S_ISREG(here.st_mode) &&
		      realpath(bin, path);
	if (!in_cwd && sym_resolve_path_of(pid, bin, path, sizeof(path))) {
		if (l->searching)
			return EXIT_OK;
		fprintf(stderr, "sonde: -l: cannot find '%s'\n", bin);
		return EXIT_USAGE;
	}
	const struct sym_elf_func *fs;
	int n = sym_elf_funcs(l->host, path, funcs, &fs);
	if (n < 0 && l->in_path_glob)
		return EXIT_OK;
	if (n < 0) {
		fprintf(stderr, "sonde: -l: cannot read the symbols of %s: %s\n", path,
			strerror(-n));
		return EXIT_SYSTEM;
	}
	/* a file named by its path is shown as typed ('uprobe:./bin:main'),
	 * as bpftrace shows it; a library or a command looked up is shown
	 * where it was found */
	struct stat st;
	const char *shown = strchr(bin, '/') || stat(bin, &st) == 0 ? bin : path;
	for (int i = 0; i < n; i++) {
		char line[8192];
		snprintf(line, sizeof(line), "%s:%s:%s", prov->name, shown, fs[i].name);
		if (!probe_list_line(l, line))
			continue;
		if (l->verbose) {
			struct sym_dwarf_param ps[SYM_MAX_PARAMS];
			int np = sym_dwarf_params(l->host, path, fs[i].name, ps);
			for (int j = 0; j < np; j++)
				fprintf(l->out, "    %s %s\n", ps[j].c_type, ps[j].name);
		}
	}
	return EXIT_OK;
}

static int uprobe_list(struct probe_lister *l, const char *rest)
{
	return uprobe_list_common(l, rest, &provider_uprobe);
}

static int uretprobe_list(struct probe_lister *l, const char *rest)
{
	return uprobe_list_common(l, rest, &provider_uretprobe);
}

static const char *const uprobe_aliases[] = {"u", NULL};
static const char *const uretprobe_aliases[] = {"ur", NULL};

const struct provider provider_uprobe = {
	.name = "uprobe",
	.form = SPEC_PATH,
	.aliases = uprobe_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_ARGS | CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC | CTX_HAS_SARG |
	       CTX_HAS_BINARY | CTX_HAS_SITE_IP,
	.fires_newest_first = true,
	.expand = uprobe_expand,
	.section = uprobe_section,
	.arg_field = uprobe_arg_field,
	.named_type = uprobe_named_type,
	.arg_index = uprobe_arg_index,
	.attach = uprobe_attach,
	.list = uprobe_list,
	.untyped_list_order = 5, /* with -p only */
};

const struct provider provider_uretprobe = {
	.name = "uretprobe",
	.form = SPEC_PATH,
	.aliases = uretprobe_aliases,
	.run = RUN_ATTACHED,
	.ctx = CTX_HAS_RETVAL | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC | CTX_HAS_BINARY,
	.fires_newest_first = true,
	.expand = uretprobe_expand,
	.section = uprobe_section,
	.retval = uprobe_retval,
	.named_type = uprobe_named_type,
	.attach = uprobe_attach,
	.list = uretprobe_list,
	.untyped_list_order = 6, /* with -p only */
};
