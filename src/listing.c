/*
 * listing.c - `sonde -l [PATTERN]` (see listing.h).
 *
 * "TYPE:REST" is listed by TYPE's provider (its list hook, provider.h):
 * tracepoints from tracefs, kernel functions from the list their wildcards
 * expand over, user functions from the binary's symbols, and so on. A
 * pattern without a probe type ("*sleep*") is matched against every
 * "type:name" line of the providers that take part in that search, in
 * their untyped_list_order. 'struct GLOB' and friends list kernel types.
 */
#define _GNU_SOURCE
#include "listing.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

#include "kernel/btf.h"
#include "probes/provider.h"
#include "runtime/runtime.h"

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
			fprintf(stderr, "sonde: -l: this kernel has no BTF to list types from (%s)\n",
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
	/* 'A,B': each pattern in turn, as bpftrace lists them */
	const char *comma = strchr(pattern, ',');
	if (comma) {
		int rc = EXIT_OK;
		for (const char *p = pattern; p;) {
			comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			char one[4096];
			if (n && n < sizeof(one)) {
				snprintf(one, sizeof(one), "%.*s", (int)n, p);
				int r = list_probes(h, out, one, verbose);
				if (rc == EXIT_OK)
					rc = r;
			}
			p = comma ? comma + 1 : NULL;
		}
		return rc;
	}
	int trc = list_types(h, out, pattern, verbose);
	if (trc >= 0)
		return trc;
	return list_matching(h, out, pattern, verbose, false);
}

/* The provider a pattern "TYPE:..." names, when it can list its probes. */
static const struct provider *lister_of(const char *pattern, const char **rest)
{
	const char *colon = strchr(pattern, ':');
	char type[64];
	if (!colon || (size_t)(colon - pattern) >= sizeof(type))
		return NULL;
	snprintf(type, sizeof(type), "%.*s", (int)(colon - pattern), pattern);
	const struct provider *p = provider_find(type);
	*rest = colon + 1;
	return p && p->list ? p : NULL;
}

void list_script_probe(struct host *h, FILE *out, const char *spec, bool verbose)
{
	fprintf(out, "%s\n", spec);
	const char *rest;
	if (verbose && lister_of(spec, &rest))
		list_matching(h, out, spec, true, true);
}

/* A pattern without a probe type: every line that matches, from each
 * searched provider in turn. */
static int list_untyped(struct probe_lister *l, const char *glob)
{
	l->glob = glob;
	unsigned done = 0;
	for (;;) {
		const struct provider *next = NULL;
		for (int i = 0; provider_table[i]; i++) {
			const struct provider *p = provider_table[i];
			if (p->list && p->untyped_list_order > done &&
			    (!next || p->untyped_list_order < next->untyped_list_order))
				next = p;
		}
		if (!next)
			return EXIT_OK;
		next->list(l, NULL); /* what cannot be read is skipped */
		done = next->untyped_list_order;
	}
}

static int list_matching(struct host *h, FILE *out, const char *pattern, bool verbose,
			 bool args_only)
{
	struct probe_lister l = {.host = h, .out = out, .verbose = verbose, .args_only = args_only};
	const char *colon = strchr(pattern, ':');
	char glob[512];
	snprintf(glob, sizeof(glob), "%s", pattern);
	if (!colon)
		return list_untyped(&l, glob);
	const char *rest;
	const struct provider *p = lister_of(pattern, &rest);
	if (p)
		return p->list(&l, rest);
	int typelen = (size_t)(colon - pattern) < 64 ? (int)(colon - pattern) : 0;
	/* a wildcard in the type ('*ware:*'): each listable provider whose
	 * name it matches, in the table's order, as bpftrace takes it */
	char type[64];
	snprintf(type, sizeof(type), "%.*s", typelen, pattern);
	if (typelen && strpbrk(type, "*?[")) {
		int rc = -1;
		for (int i = 0; provider_table[i]; i++) {
			const struct provider *q = provider_table[i];
			if (!q->list || fnmatch(type, q->name, 0))
				continue;
			l.searching = true;
			int one = q->list(&l, colon + 1);
			if (rc != EXIT_OK)
				rc = one;
		}
		if (rc >= 0)
			return rc;
	}
	char listable[512] = "";
	size_t len = 0;
	for (int i = 0; provider_table[i]; i++)
		if (provider_table[i]->list && len < sizeof(listable))
			len += (size_t)snprintf(listable + len, sizeof(listable) - len, "%s%s",
						len ? ", " : "", provider_table[i]->name);
	fprintf(stderr, "sonde: -l: cannot list '%.*s' probes (listable: %s)\n", typelen, pattern,
		listable);
	return EXIT_USAGE;
}
