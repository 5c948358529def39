/*
 * listing.c - `sonde -l [PATTERN]` (see listing.h).
 *
 * Tracepoints come from tracefs, kernel functions (kprobe:, fentry:) from
 * the list their wildcards expand over (kfunc_each), user functions
 * (uprobe:PATH:*) from the binary's ELF symbols, software:/hardware: from
 * the fixed perf lists. A pattern without a
 * probe type ("*sleep*") is matched against every "type:name" line of the
 * tracepoints and kernel functions.
 */
#define _GNU_SOURCE
#include "listing.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "front/arena.h"
#include "kernel/btf.h"
#include "probes/kfunc.h"
#include "runtime/runtime.h"
#include "kernel/stapsdt.h"
#include "kernel/symbols.h"
#include "kernel/tracefs.h"

struct lister {
	struct host *host;
	FILE *out;
	bool verbose;
	const char *type; /* "kprobe", "fentry", ... */
	const char *glob; /* whole-line glob, for patterns without a type */
	bool args_only;   /* the arguments without the probe's own line */
	size_t n;
};

static int list_kfunc(const char *name, void *arg)
{
	struct lister *l = arg;
	char line[512];
	snprintf(line, sizeof(line), "%s:%s", l->type, name);
	if (l->glob && fnmatch(l->glob, line, 0))
		return 0;
	if (!l->args_only)
		fprintf(l->out, "%s\n", line);
	l->n++;
	if (l->verbose) {
		struct btf_func f;
		if (btf_func_get(l->host, name, &f) == 0)
			btf_func_print(l->out, &f);
	}
	return 0;
}

static void list_tracepoints(struct lister *l, const char *cat, const char *name)
{
	char dir[4096], note[512];
	if (tracefs_dir(dir, sizeof(dir), note, sizeof(note)))
		return;
	struct arena a;
	arena_init(&a);
	char **names = NULL;
	size_t n = 0;
	if (tp_expand(&a, dir, cat, name, &names, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			char line[512];
			snprintf(line, sizeof(line), "tracepoint:%s", names[i]);
			if (l->glob && fnmatch(l->glob, line, 0))
				continue;
			if (!l->args_only)
				fprintf(l->out, "%s\n", line);
			l->n++;
			if (!l->verbose)
				continue;
			char *sep = strchr(names[i], ':');
			*sep = 0;
			struct tp_format fmt;
			if (tp_format_load(&a, dir, names[i], sep + 1, &fmt))
				continue;
			for (uint32_t j = 0; j < fmt.nfields; j++) {
				const struct tp_field *f = &fmt.fields[j];
				if (f->is_common)
					continue;
				if (f->is_array && f->array_len)
					fprintf(l->out, "    %s %s[%u]\n", f->c_type, f->name,
						f->array_len);
				else
					fprintf(l->out, "    %s %s\n", f->c_type, f->name);
			}
		}
	}
	arena_fini(&a);
}

static const char *const software_events[] = {
	"alignment-faults", "bpf-output", "context-switches", "cpu-clock", "cpu-migrations",
	"dummy", "emulation-faults", "major-faults", "minor-faults", "page-faults",
	"task-clock", NULL};
static const char *const hardware_events[] = {
	"backend-stalls", "branch-instructions", "branch-misses", "bus-cycles", "cache-misses",
	"cache-references", "cpu-cycles", "frontend-stalls", "instructions", "ref-cycles", NULL};

static void list_fixed(struct lister *l, const char *type, const char *const *names,
		       const char *glob)
{
	for (int i = 0; names[i]; i++) {
		char line[128];
		snprintf(line, sizeof(line), "%s:%s:", type, names[i]);
		if (glob && fnmatch(glob, names[i], 0))
			continue;
		if (l->glob && fnmatch(l->glob, line, 0))
			continue;
		fprintf(l->out, "%s\n", line);
		l->n++;
	}
}

static int list_uprobes(struct lister *l, const char *rest)
{
	const char *colon = strrchr(rest, ':');
	char path[4096];
	char bin[4096];
	snprintf(bin, sizeof(bin), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest), rest);
	const char *glob = colon ? colon + 1 : "*";
	if (sym_resolve_path(bin, path, sizeof(path))) {
		fprintf(stderr, "sonde: -l: cannot find '%s'\n", bin);
		return EXIT_USAGE;
	}
	const struct sym_elf_func *fs;
	int n = sym_elf_funcs(l->host, path, glob, &fs);
	if (n < 0) {
		fprintf(stderr, "sonde: -l: cannot read the symbols of %s: %s\n", path,
			strerror(-n));
		return EXIT_SYSTEM;
	}
	for (int i = 0; i < n; i++) {
		if (!l->args_only)
			fprintf(l->out, "%s:%s:%s\n", l->type, path, fs[i].name);
		if (l->verbose) {
			struct sym_dwarf_param ps[SYM_MAX_PARAMS];
			int np = sym_dwarf_params(l->host, path, fs[i].name, ps);
			for (int j = 0; j < np; j++)
				fprintf(l->out, "    %s %s\n", ps[j].c_type, ps[j].name);
		}
	}
	l->n += (size_t)n;
	return EXIT_OK;
}

/* usdt:PATH[:PROVIDER[:NAME]]: each provider:name once, in note order. */
static int list_usdt(struct lister *l, const char *rest)
{
	/* the path ends at the first ':' after its last '/' */
	const char *slash = strrchr(rest, '/');
	const char *colon = strchr(slash ? slash : rest, ':');
	char bin[4096], path[4096], glob[512];
	snprintf(bin, sizeof(bin), "%.*s", colon ? (int)(colon - rest) : (int)strlen(rest), rest);
	/* one component matches the provider or the name */
	snprintf(glob, sizeof(glob), "%s", colon && colon[1] ? colon + 1 : "*");
	bool one = !strchr(glob, ':');
	if (sym_resolve_path(bin, path, sizeof(path))) {
		fprintf(stderr, "sonde: -l: cannot find '%s'\n", bin);
		return EXIT_USAGE;
	}
	struct usdt_site *sites;
	int n = usdt_read_sites(path, &sites);
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
		if (seen || (one ? fnmatch(glob, sites[i].provider, 0) &&
					   fnmatch(glob, sites[i].name, 0)
				     : fnmatch(glob, pn, 0)))
			continue;
		if (!l->args_only)
			fprintf(l->out, "usdt:%s:%s\n", path, pn);
		if (l->verbose) {
			struct usdt_arg args[USDT_MAX_ARGS];
			char why[160];
			int na = usdt_parse_args(sites[i].args_text, args, USDT_MAX_ARGS, why,
						 sizeof(why));
			const char *text = sites[i].args_text;
			for (int a = 0; a < na; a++) {
				size_t len = strcspn(text += strspn(text, " \t"), " \t");
				fprintf(l->out, "    %s%u arg%d (%.*s)\n", args[a].is_signed ? "int" : "uint",
					args[a].size * 8, a, (int)len, text);
				text += len;
			}
			if (na < 0)
				fprintf(l->out, "    (%s)\n", why);
		}
		l->n++;
	}
	usdt_sites_free(sites, n);
	return EXIT_OK;
}

/* 'struct GLOB', 'union GLOB', 'enum GLOB': kernel types from BTF, their
 * definitions with -v. Returns -1 when the pattern is not one of these. */
static int list_types(struct host *h, FILE *out, const char *pattern, bool verbose)
{
	static const char *const kinds[] = {"struct", "union", "enum"};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		size_t len = strlen(kinds[k]);
		if (strncmp(pattern, kinds[k], len) || (pattern[len] && pattern[len] != ' ') ||
		    strchr(pattern, ':'))
			continue;
		const char *glob = pattern + len;
		while (*glob == ' ')
			glob++;
		if (!*glob)
			glob = "*";
		int n = btf_types_list(h, out, kinds[k], glob, verbose);
		if (n == -ENODATA) {
			fprintf(stderr,
				"sonde: -l: this kernel has no BTF to list types from (%s)\n",
				strerror(-btf_vmlinux_err(h)));
			return EXIT_SYSTEM;
		}
		if (n < 0) {
			fprintf(stderr, "sonde: -l: cannot list the kernel's types: %s\n",
				strerror(-n));
			return EXIT_SYSTEM;
		}
		/* a glob that matches nothing lists nothing, as for probes; a
		 * name asked for by itself must exist */
		if (n == 0 && !strpbrk(glob, "*?[")) {
			fprintf(stderr, "sonde: -l: the kernel's BTF has no %s %s\n", kinds[k], glob);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	return -1;
}

static int list_matching(struct host *h, FILE *out, const char *pattern, bool verbose,
			 bool args_only);

int list_probes(struct host *h, FILE *out, const char *pattern, bool verbose)
{
	if (!pattern || !*pattern)
		pattern = "*";
	int trc = list_types(h, out, pattern, verbose);
	if (trc >= 0)
		return trc;
	return list_matching(h, out, pattern, verbose, false);
}

void list_script_probe(struct host *h, FILE *out, const char *spec, bool verbose)
{
	fprintf(out, "%s\n", spec);
	static const char *const with_args[] = {"tracepoint:", "kprobe:", "kretprobe:", "fentry:",
						"fexit:", "uprobe:", "uretprobe:", "usdt:"};
	for (size_t i = 0; verbose && i < sizeof(with_args) / sizeof(with_args[0]); i++)
		if (!strncmp(spec, with_args[i], strlen(with_args[i])))
			list_matching(h, out, spec, true, true);
}

static int list_matching(struct host *h, FILE *out, const char *pattern, bool verbose,
			 bool args_only)
{
	struct lister l = {.host = h, .out = out, .verbose = verbose, .args_only = args_only};
	const char *colon = strchr(pattern, ':');
	char type[64] = "";
	if (colon && (size_t)(colon - pattern) < sizeof(type))
		snprintf(type, sizeof(type), "%.*s", (int)(colon - pattern), pattern);
	const char *rest = colon ? colon + 1 : NULL;
	static const struct {
		const char *alias, *name;
	} aliases[] = {{"t", "tracepoint"}, {"k", "kprobe"}, {"kr", "kretprobe"},
		       {"f", "fentry"},     {"fr", "fexit"},   {"kfunc", "fentry"},
		       {"kretfunc", "fexit"}, {"u", "uprobe"}, {"ur", "uretprobe"}, {"U", "usdt"},
		       {"s", "software"},   {"h", "hardware"}};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(type, aliases[i].alias))
			snprintf(type, sizeof(type), "%s", aliases[i].name);

	if (!colon) {
		/* no type: every line that matches, in bpftrace's order */
		char glob[512];
		snprintf(glob, sizeof(glob), "%s", pattern);
		l.glob = glob;
		l.type = "kprobe";
		const char *searched;
		kfunc_each(h, "*", kfunc_mode_is_fentry(h, false), list_kfunc, &l, &searched);
		list_tracepoints(&l, "*", "*");
		list_fixed(&l, "software", software_events, NULL);
		list_fixed(&l, "hardware", hardware_events, NULL);
		return EXIT_OK;
	}
	if (!strcmp(type, "tracepoint")) {
		const char *c2 = strchr(rest, ':');
		char cat[256];
		snprintf(cat, sizeof(cat), "%.*s", c2 ? (int)(c2 - rest) : (int)strlen(rest), rest);
		list_tracepoints(&l, cat, c2 ? c2 + 1 : "*");
		return EXIT_OK;
	}
	if (!strcmp(type, "kprobe") || !strcmp(type, "kretprobe") || !strcmp(type, "fentry") ||
	    !strcmp(type, "fexit")) {
		l.type = type;
		/* what the probe type attaches to, as its wildcards expand */
		bool fentry = kfunc_mode_is_fentry(h, type[0] == 'f');
		const char *glob = *rest ? rest : "*", *searched;
		int rc = kfunc_each(h, glob, fentry, list_kfunc, &l, &searched);
		if (rc == -ENODATA && fentry)
			rc = sym_kernel_each(h, glob, list_kfunc, &l);
		if (rc < 0) {
			fprintf(stderr, "sonde: -l: cannot list kernel functions: %s\n",
				strerror(-rc));
			return EXIT_SYSTEM;
		}
		return EXIT_OK;
	}
	if (!strcmp(type, "uprobe") || !strcmp(type, "uretprobe")) {
		l.type = type;
		return list_uprobes(&l, rest);
	}
	if (!strcmp(type, "usdt"))
		return list_usdt(&l, rest);
	if (!strcmp(type, "software") || !strcmp(type, "hardware")) {
		char glob[256];
		snprintf(glob, sizeof(glob), "%.*s", (int)strcspn(rest, ":"), rest);
		list_fixed(&l, type, !strcmp(type, "software") ? software_events : hardware_events,
			   *glob ? glob : "*");
		return EXIT_OK;
	}
	fprintf(stderr, "sonde: -l: cannot list '%s' probes (listable: tracepoint, kprobe, "
			"kretprobe, fentry, fexit, uprobe, uretprobe, usdt, software, hardware)\n",
		type);
	return EXIT_USAGE;
}
