/*
 * usdt.c - usdt:PATH:PROVIDER:NAME and usdt:PATH:NAME (alias U).
 *
 * The sites come from the binary's .note.stapsdt (stapsdt.c); PROVIDER and
 * NAME may be globs, and a probe that the compiler placed at several sites
 * (inlined, or in several functions) attaches at each. Every site is a
 * uprobe at the site's file offset, with the note's semaphore handed to
 * the kernel as the uprobe's reference counter, so programs that test it
 * (python's PyDTrace_*_ENABLED) start firing while sonde runs. arg0..argN
 * are read where the note says they live: a register, memory at an offset
 * from a register, or a constant.
 *
 * libbpf's own usdt attach needs BPF-side spec maps filled at attach time;
 * sonde knows every site when it compiles, so it reads each argument with
 * code generated for that site instead.
 */
#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "kernel/features.h"
#include "kernel/host.h"
#include "kernel/stapsdt.h"
#include "kernel/symbols.h"
#include "probes/uprobe.h"
#include "runtime/runtime.h"

extern const struct provider provider_usdt;

enum { USDT_MAX_SITES = 512 };

struct usdt_ap {
	const char *args_text;
	int nargs; /* -1: the note's argument string cannot be read */
	char why[160];
	struct usdt_arg args[USDT_MAX_ARGS];
};

static bool matches(const char *glob, const char *s)
{
	return !glob || !fnmatch(glob, s, 0);
}

/* Whether `count` matched sites are more than USDT_MAX_SITES; if so,
 * after saying so. */
static bool too_many_sites(struct compilation *c, struct node *spec, int count)
{
	if (count <= USDT_MAX_SITES)
		return false;
	diag_error(c->diag, spec->loc, "'%s' matches more than %d USDT sites; narrow it",
	           spec->u.spec.text, USDT_MAX_SITES);
	return true;
}

struct site_order {
	const char *name; /* PROVIDER:NAME */
	int index;        /* in the notes */
};

static int site_order_cmp(const void *a, const void *b)
{
	const struct site_order *x = a, *y = b;
	int by_name = strcmp(x->name, y->name);
	return by_name ? by_name : (x->index > y->index) - (x->index < y->index);
}

/* Adds the sites of `path` that match; returns how many (more than
 * USDT_MAX_SITES: too many), or -1 after an error. With `quiet` (one file
 * of a process's), a file without notes or matches is no error. */
static int usdt_expand_path(struct compilation *c, struct node *spec, const char *path,
			    const char *shown_path, const char *prov_glob, const char *name_glob,
			    bool quiet)
{
	struct usdt_site *sites;
	int n = usdt_read_sites(path, &sites);
	if (quiet && n <= 0) {
		if (n == 0)
			usdt_sites_free(sites, n);
		return 0;
	}
	if (n < 0) {
		diag_error(c->diag, spec->loc, "%s: cannot read the USDT notes of %s: %s",
		           spec->u.spec.text, path,
		           n == -ENOEXEC ? "not a 64-bit ELF file" : strerror(-n));
		return -1;
	}
	if (n == 0) {
		diag_error(c->diag, spec->loc, "%s has no USDT probes (no .note.stapsdt section)",
		           path);
		usdt_sites_free(sites, n);
		return -1;
	}
	/* the matches in the byte order of PROVIDER:NAME (a probe's sites in
	 * note order), as bpftrace 0.17 expands them: its runtime attaches
	 * uprobes in reverse, so this decides which probe of a running
	 * program fires first, which its runtime tests look at */
	struct site_order *order = arena_alloc(&c->arena, (size_t)n * sizeof(*order));
	int norder = 0;
	for (int i = 0; i < n; i++) {
		const struct usdt_site *s = &sites[i];
		if (matches(prov_glob, s->provider) && matches(name_glob, s->name))
			order[norder++] = (struct site_order){
			    arena_printf(&c->arena, "%s:%s", s->provider, s->name), i};
	}
	qsort(order, (size_t)norder, sizeof(*order), site_order_cmp);
	int matched = 0;
	for (int k = 0; k < norder; k++) {
		const struct usdt_site *s = &sites[order[k].index];
		if (++matched > USDT_MAX_SITES)
			break;
		struct usdt_ap *u = arena_alloc(&c->arena, sizeof(*u));
		memset(u, 0, sizeof(*u));
		u->args_text = arena_strdup(&c->arena, s->args_text);
		u->nargs =
		    usdt_parse_args(s->args_text, u->args, USDT_MAX_ARGS, u->why, sizeof(u->why));
		struct attach_point ap = {
		    .prov = &provider_usdt,
		    .spec = arena_printf(&c->arena, "usdt:%s:%s:%s", shown_path, s->provider,
					 s->name),
		    .target = path,
		    .func = arena_printf(&c->arena, "%s:%s", s->provider, s->name),
		    .value = s->offset,
		    .aux = s->sema_offset,
		    .data = u,
		    .loc = spec->loc,
		};
		sema_add_attach_point(c, &ap);
	}
	bool too_many = too_many_sites(c, spec, matched);
	if (!too_many && !matched && !quiet &&
	    !sema_missing_probe(c, spec->loc, "no USDT probe in %s matches '%s%s%s'", path,
	                        prov_glob ? prov_glob : "", prov_glob ? ":" : "", name_glob)) {
		usdt_sites_free(sites, n);
		return 0; /* skipped: missing_probes warn or ignore */
	}
	if (!too_many && !matched && !quiet) {
		const char **cands = arena_alloc(&c->arena, (size_t)n * sizeof(*cands));
		for (int i = 0; i < n; i++)
			cands[i] =
			    arena_printf(&c->arena, "%s:%s", sites[i].provider, sites[i].name);
		const char *want =
		    prov_glob ? arena_printf(&c->arena, "%s:%s", prov_glob, name_glob) : name_glob;
		const char *near = diag_closest(want, cands, n);
		if (near)
			diag_note(c->diag, (struct loc){0}, "did you mean 'usdt:%s:%s'?", path,
			          near);
		else
			diag_note(c->diag, (struct loc){0}, "'sonde -l usdt:%s' lists them", path);
	}
	usdt_sites_free(sites, n);
	if (too_many)
		return -1;
	return matched || quiet ? matched : -1;
}

/* usdt::PROVIDER:NAME and usdt:NAME with -p PID: every file the
 * process has mapped (its executable and libraries, from /proc/PID/maps,
 * each once) is searched, as bpftrace does; and like bpftrace, -c does not
 * count (the command has not started when the script is compiled). */
static int usdt_expand_pid(struct compilation *c, struct node *spec, int pid,
			   const char *prov_glob, const char *name_glob)
{
	char maps_path[64];
	snprintf(maps_path, sizeof(maps_path), "/proc/%d/maps", pid);
	FILE *f = fopen(maps_path, "re");
	if (!f) {
		diag_error(c->diag, spec->loc, "%s: cannot read %s: %s", spec->u.spec.text,
			   maps_path, strerror(errno));
		return -1;
	}
	const struct features *feat = feat_get(c->host);
	if (!feat->uprobes) {
		fclose(f);
		diag_error(c->diag, spec->loc, "%s: %s", spec->u.spec.text, feat->uprobes_why);
		return -1;
	}
	const char **seen = NULL;
	size_t nseen = 0, cap = 0;
	int total = 0, rc = 0;
	char line[4096 + 256];
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = 0;
		bool dup = false;
		for (size_t i = 0; i < nseen && !dup; i++)
			dup = !strcmp(seen[i], path);
		if (dup || strstr(path, " (deleted)"))
			continue;
		if (nseen == cap) {
			cap = cap ? cap * 2 : 16;
			const char **grown = arena_alloc(&c->arena, cap * sizeof(*grown));
			if (nseen)
				memcpy(grown, seen, nseen * sizeof(*grown));
			seen = grown;
		}
		seen[nseen++] = arena_strdup(&c->arena, path);
		int n = usdt_expand_path(c, spec, seen[nseen - 1], seen[nseen - 1], prov_glob,
					 name_glob, true);
		if (n < 0)
			rc = -1;
		else if (too_many_sites(c, spec, total += n))
			rc = -1;
	}
	fclose(f);
	if (rc == 0 && !total) {
		rc = sema_missing_probe(c, spec->loc,
		                        "no USDT probe in the files process %d has mapped matches '%s%s%s'",
		                        pid, prov_glob ? prov_glob : "", prov_glob ? ":" : "", name_glob);
	}
	return rc;
}

/* usdt:GLOB:PROVIDER:NAME: a wildcard in the path, as bpftrace allows:
 * every regular file it matches (glob(3)) that has a matching marker. */
static int usdt_expand_glob(struct compilation *c, struct node *spec, const char *pattern,
			    const char *prov_glob, const char *name_glob)
{
	glob_t g;
	int grc = glob(pattern, 0, NULL, &g);
	if (grc != 0 && grc != GLOB_NOMATCH) {
		diag_error(c->diag, spec->loc, "%s: cannot expand '%s'", spec->u.spec.text, pattern);
		return -1;
	}
	int total = 0, rc = 0;
	for (size_t i = 0; grc == 0 && i < g.gl_pathc && rc == 0; i++) {
		struct stat st;
		if (stat(g.gl_pathv[i], &st) || !S_ISREG(st.st_mode))
			continue;
		char *path;
		if (uprobe_resolve(c, spec, g.gl_pathv[i], &path)) {
			rc = -1;
			break;
		}
		int n = usdt_expand_path(c, spec, path, g.gl_pathv[i], prov_glob, name_glob, true);
		if (n < 0)
			rc = -1;
		else if (too_many_sites(c, spec, total += n))
			rc = -1;
	}
	if (grc == 0)
		globfree(&g);
	if (rc == 0 && !total) {
		rc = sema_missing_probe(c, spec->loc,
		                        "no USDT probe in the files matching '%s' matches '%s%s%s'",
		                        pattern, prov_glob ? prov_glob : "", prov_glob ? ":" : "",
		                        name_glob);
	}
	return rc;
}

static int usdt_expand(struct compilation *c, struct node *spec, const char *rest)
{
	/* -c's command is not running yet when the script is compiled (its
	 * pid is sonde's waiting fork): only -p names a process to search */
	int pid = c->opts && c->opts->child_pid ? 0 : c->host->target_pid;
	/* no path: ":PROVIDER:NAME", "::NAME" or "NAME" (a lone word with a
	 * slash is a path missing its NAME, as before) */
	if (rest && (rest[0] == ':' || (*rest && !strchr(rest, ':') && !strchr(rest, '/')))) {
		if (pid <= 0) {
			diag_error(c->diag, spec->loc,
				   "'%s' names no file: a usdt probe without a PATH needs -p PID, "
				   "whose files are searched",
				   spec->u.spec.text);
			return -1;
		}
		const char *prov_glob = NULL, *name_glob = rest;
		if (rest[0] == ':') {
			const char *sep = strrchr(rest + 1, ':');
			if (!sep || !sep[1]) {
				diag_error(c->diag, spec->loc,
					   "usdt probes are written usdt::PROVIDER:NAME with -p, got '%s'",
					   spec->u.spec.text);
				return -1;
			}
			if (sep > rest + 1)
				prov_glob = arena_strndup(&c->arena, rest + 1, (size_t)(sep - rest - 1));
			name_glob = sep + 1;
		}
		return usdt_expand_pid(c, spec, pid, prov_glob, name_glob);
	}
	char *parts[3];
	if (uprobe_split(c, spec, rest, 3, parts))
		return -1;
	if (strpbrk(parts[0], "*?["))
		return usdt_expand_glob(c, spec, parts[0], parts[1], parts[2]);
	char *path;
	if (uprobe_resolve(c, spec, parts[0], &path))
		return -1;
	return usdt_expand_path(c, spec, path, uprobe_shown_path(parts[0], path), parts[1],
				parts[2], false) < 0
		       ? -1
		       : 0;
}

static const char *usdt_section(struct arena *a, const struct attach_point *ap)
{
	return "uprobe";
}

static int usdt_arg_index(struct compilation *c, const struct attach_point *ap, int index,
                          struct loc loc, struct ctx_access *out)
{
	const struct usdt_ap *u = ap->data;
	if (u->nargs < 0) {
		diag_error(c->diag, loc, "arg%d of %s: %s", index, ap->spec, u->why);
		diag_note(c->diag, (struct loc){0}, "the note's arguments are \"%s\"",
		          u->args_text);
		return -1;
	}
	if (index >= u->nargs) {
		if (u->nargs == 0)
			diag_error(c->diag, loc, "%s has no arguments", ap->spec);
		else
			diag_error(c->diag, loc, "%s has %d argument%s (arg0..arg%d)", ap->spec,
			           u->nargs, u->nargs == 1 ? "" : "s", u->nargs - 1);
		return -1;
	}
	const struct usdt_arg *a = &u->args[index];
	memset(out, 0, sizeof(*out));
	static const enum ctx_access_kind kinds[] = {
	    [USDT_ARG_CONST] = CTX_CONST,
	    [USDT_ARG_REG] = CTX_LOAD,
	    [USDT_ARG_MEM] = CTX_USER_MEM,
	};
	out->kind = kinds[a->kind];
	out->offset = a->reg_offset;
	out->size = a->size;
	out->imm = a->value;
	out->index_offset = a->index_offset;
	out->scale = a->scale;
	out->is_signed = a->is_signed;
	out->space = SPACE_USER;
	out->type = a->is_signed ? &type_s64 : &type_u64;
	return 0;
}

/* -l usdt:PATH[:PROVIDER[:NAME]]: each provider:name once, in note order;
 * -v adds each argument's size, signedness and the note's text for it. */
static int usdt_list_file(struct probe_lister *l, const char *path, const char *shown,
                          const char *glob, bool quiet);

static int usdt_list(struct probe_lister *l, const char *rest)
{
	int pid = l->host->target_pid;
	if (!rest && pid <= 0)
		return EXIT_OK; /* not part of a search over every type */
	/* the path ends at the first ':' after its last '/' */
	if (!rest)
		rest = "*"; /* -l with -p: the process's usdt probes too */
	const char *slash = strrchr(rest, '/');
	const char *colon = strchr(slash ? slash : rest, ':');
	char bin[4096], path[4096], names[512];
	snprintf(bin, sizeof(bin), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest), rest);
	/* one component matches the provider or the name */
	snprintf(names, sizeof(names), "%s", colon && colon[1] ? colon + 1 : "*");
	/* usdt:* (or usdt:*:PROVIDER:NAME) with -p: each file the process
	 * has mapped, as bpftrace lists them */
	if (!strcmp(bin, "*") && pid > 0) {
		char **files = uprobe_pid_files(pid);
		if (!files) {
			fprintf(stderr, "sonde: -l: cannot read /proc/%d/maps: %s\n", pid,
			        strerror(errno));
			return EXIT_SYSTEM;
		}
		for (size_t i = 0; files[i]; i++) {
			/* read where the process sees it (its mount namespace
			 * may differ), shown as the process names it */
			char where[4096];
			if (sym_resolve_path_of(pid, files[i], where, sizeof(where)))
				continue;
			usdt_list_file(l, where, files[i], names, true);
		}
		uprobe_pid_files_free(files);
		return EXIT_OK;
	}
	/* a wildcard in the path ('usdt:./bin*:*'): each executable file it
	 * matches, as for uprobes; a file without notes lists nothing */
	if (strpbrk(bin, "*?[")) {
		glob_t g;
		int grc = glob(bin, 0, NULL, &g);
		if (grc && !(grc == GLOB_NOMATCH && l->searching)) {
			fprintf(stderr, "sonde: -l: no file matches '%s'\n", bin);
			return grc == GLOB_NOMATCH ? EXIT_USAGE : EXIT_SYSTEM;
		}
		for (size_t i = 0; !grc && i < g.gl_pathc; i++) {
			struct stat st;
			if (!stat(g.gl_pathv[i], &st) && S_ISREG(st.st_mode) &&
			    !access(g.gl_pathv[i], X_OK))
				usdt_list_file(l, g.gl_pathv[i], g.gl_pathv[i], names, true);
		}
		if (!grc)
			globfree(&g);
		return EXIT_OK;
	}
	if (sym_resolve_path_of(pid, bin, path, sizeof(path))) {
		if (l->searching)
			return EXIT_OK;
		fprintf(stderr, "sonde: -l: cannot find '%s'\n", bin);
		return EXIT_USAGE;
	}
	/* a path is shown as typed, a name found through PATH as found, as
	 * bpftrace 0.17 lists them (and as uprobe listings do) */
	return usdt_list_file(l, path, uprobe_shown_path(bin, path), names, false);
}

/* The usdt probes of one file matching `glob`, each line naming the file
 * `shown`; `quiet`: a file that cannot be read lists nothing, without a
 * message. */
static int usdt_list_file(struct probe_lister *l, const char *path, const char *shown,
                          const char *glob, bool quiet)
{
	bool one = !strchr(glob, ':');
	struct usdt_site *sites;
	int n = usdt_read_sites(path, &sites);
	if (n < 0 && quiet)
		return EXIT_OK;
	if (n < 0) {
		fprintf(stderr, "sonde: -l: cannot read the USDT notes of %s: %s\n", path,
		        n == -ENOEXEC ? "not a 64-bit ELF file" : strerror(-n));
		return EXIT_SYSTEM;
	}
	for (int i = 0; i < n; i++) {
		char pn[512];
		snprintf(pn, sizeof(pn), "%s:%s", sites[i].provider, sites[i].name);
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(sites[j].provider, sites[i].provider) &&
			       !strcmp(sites[j].name, sites[i].name);
		if (seen ||
		    (one ? fnmatch(glob, sites[i].provider, 0) && fnmatch(glob, sites[i].name, 0)
		         : fnmatch(glob, pn, 0)))
			continue;
		char line[8192];
		snprintf(line, sizeof(line), "usdt:%s:%s", shown, pn);
		if (!probe_list_line(l, line))
			continue;
		if (l->verbose) {
			struct usdt_arg args[USDT_MAX_ARGS];
			char why[160];
			int na = usdt_parse_args(sites[i].args_text, args, USDT_MAX_ARGS, why,
			                         sizeof(why));
			const char *text = sites[i].args_text;
			for (int a = 0; a < na; a++) {
				size_t len = strcspn(text += strspn(text, " \t"), " \t");
				fprintf(l->out, "    %s%u arg%d (%.*s)\n",
				        args[a].is_signed ? "int" : "uint", args[a].size * 8, a,
				        (int)len, text);
				text += len;
			}
			if (na < 0)
				fprintf(l->out, "    (%s)\n", why);
		}
	}
	usdt_sites_free(sites, n);
	return EXIT_OK;
}

static const char *const usdt_aliases[] = {"U", NULL};

const struct provider provider_usdt = {
    .name = "usdt",
    .form = SPEC_PATH,
    .aliases = usdt_aliases,
    .run = RUN_ATTACHED,
    .ctx = CTX_HAS_ARGN | CTX_HAS_USER | CTX_HAS_STACK | CTX_HAS_FUNC | CTX_HAS_BINARY | CTX_HAS_SITE_IP,
    .fires_newest_first = true,
    .expand = usdt_expand,
    .section = usdt_section,
    .arg_index = usdt_arg_index,
    .attach = uprobe_attach,
    .list = usdt_list,
    .untyped_list_order = 7, /* with -p only */
};
