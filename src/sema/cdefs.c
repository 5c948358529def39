/*
 * cdefs.c - the script's C definitions as a source of types and constants.
 *
 * The cdefs stage (before macros and probes) hands each top-level C text
 * the lexer kept (struct/union/enum/typedef definitions, #define and
 * #include lines, in script order) to front/cdecl.c, with the kernel's BTF
 * as the resolver for names the script only refers to. Afterwards the type
 * lookup (named_type in btf_types.c) asks here first, so a script's
 * `struct foo` wins over the kernel's, as it does in bpftrace; fields of
 * script records are read at the offsets cdecl.c laid out, and an
 * identifier that names an enumerator or #define becomes its value.
 *
 * #include: a header found in the include path gives its #define
 * constants and enumerators (and those of the headers it includes); a
 * "quoted" header is
 * the script's own and its struct/union/enum/typedef definitions are read
 * too. System headers are not parsed for types (they are preprocessor
 * code), except their typedefs of scalar types (front/systypedefs.c):
 * other names come from the kernel's BTF, and without BTF a header that
 * is not installed is an error at the #include.
 */
#include <errno.h>
#include <limits.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "front/cdecl.h"
#include "front/systypedefs.h"
#include "kernel/btf.h"
#include "sema/sema.h"
#include "sema/sema_internal.h"

enum { INCLUDE_MAX_DEPTH = 8, INCLUDE_MAX_FILES = 256 };

struct cdefs_run {
	struct sema s;
	struct cdecl_resolver r;
	/* the script redefines a kernel record the program uses as the
	 * kernel's ("struct task_struct"), so its definitions take nothing
	 * from BTF; NULL otherwise */
	const char *redefined;
	const char *seen[INCLUDE_MAX_FILES];
	int nseen;
	bool names_taken; /* add_system_typedef's name check */
};

static struct type *from_btf(void *arg, const char *tag, const char *name)
{
	struct cdefs_run *cr = arg;
	struct sema *s = &cr->s;
	if (cr->redefined)
		return NULL; /* see find_redefinition */
	if (tag && strcmp(tag, "enum")) {
		int id = btf_find_record(s->c->host, name, !strcmp(tag, "union"));
		return id > 0 ? record_type(s, (uint32_t)id) : NULL;
	}
	int id = btf_find_named(s->c->host, name);
	return id > 0 ? btf_value_type(s, (uint32_t)id, 0) : NULL;
}

static const char *read_file(struct arena *a, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += got;
		if (n + 1 == cap) {
			char *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
	}
	fclose(f);
	if (!buf)
		return NULL;
	buf[n] = 0;
	char *out = arena_alloc(a, n + 1);
	memcpy(out, buf, n + 1);
	free(buf);
	*len = n;
	return out;
}

/* Where `name` of an #include is: for "name" next to the script first. */
static const char *find_header(struct cdefs_run *cr, const char *name, bool quoted,
                               const char *from)
{
	static const char *const dirs[] = {"/usr/local/include", "/usr/include/x86_64-linux-gnu",
	                                   "/usr/include"};
	struct arena *a = cr->s.a;
	if (name[0] == '/')
		return access(name, R_OK) == 0 ? name : NULL;
	if (quoted && from) {
		const char *slash = strrchr(from, '/');
		const char *p =
		    slash ? arena_printf(a, "%.*s/%s", (int)(slash - from), from, name) : name;
		if (access(p, R_OK) == 0)
			return p;
	}
	/* -I DIR, before the system's directories, as for a C compiler */
	const struct compile_options *o = cr->s.c->opts;
	for (int i = 0; i < o->ninclude_dirs; i++) {
		const char *p = arena_printf(a, "%s/%s", o->include_dirs[i], name);
		if (access(p, R_OK) == 0)
			return p;
	}
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		const char *p = arena_printf(a, "%s/%s", dirs[i], name);
		if (access(p, R_OK) == 0)
			return p;
	}
	return NULL;
}

static bool line_is(const char *line, size_t len, const char *word)
{
	size_t i = 1;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t w = strlen(word);
	return len - i >= w && !memcmp(line + i, word, w);
}

static void read_header(struct cdefs_run *cr, const char *path, bool defs, int depth);

static void name_is_new(void *arg, const char *name, size_t len)
{
	struct cdefs_run *cr = arg;
	const char *n = arena_strndup(cr->s.a, name, len);
	struct cdecl_const v;
	if (cdecl_find_typedef(cr->s.c->cdefs, n) || cdecl_find_const(cr->s.c->cdefs, n, &v))
		cr->names_taken = true;
}

static void mark_from_system(void *arg, const char *name, size_t len)
{
	struct cdefs_run *cr = arg;
	cdecl_typedef_from_system(cr->s.c->cdefs, arena_strndup(cr->s.a, name, len));
}

/* For a system header's `[typedef] struct|union NAME { ...`: where the
 * '{' is, with the tag and NAME copied out; 0 for anything else (no body,
 * or no NAME). */
static size_t system_record_tag(const char *text, size_t len, char *tag, char *name, size_t cap)
{
	size_t i = 0;
	if (len >= 7 && !strncmp(text, "typedef", 7))
		i = 7;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
		i++;
	size_t tl = len - i >= 6 && !strncmp(text + i, "struct", 6)  ? 6
	            : len - i >= 5 && !strncmp(text + i, "union", 5) ? 5
	                                                             : 0;
	if (!tl)
		return 0;
	memcpy(tag, text + i, tl);
	tag[tl] = 0;
	i += tl;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
		i++;
	size_t st = i;
	while (i < len && (isalnum((unsigned char)text[i]) || text[i] == '_'))
		i++;
	if (i == st || i - st >= cap)
		return 0;
	memcpy(name, text + st, i - st);
	name[i - st] = 0;
	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n'))
		i++;
	return i < len && text[i] == '{' ? i : 0;
}

/* A scalar typedef of a system header (systypedefs.c), unless its name
 * is already taken (an earlier one wins); a later typedef of the script
 * replaces it. A
 * typedef sonde cannot read is left out quietly, as the header's other C. */
static void add_system_typedef(void *arg, const char *text, size_t len)
{
	struct cdefs_run *cr = arg;
	cr->names_taken = false;
	cdecl_typedef_names(text, len, name_is_new, cr);
	if (cr->names_taken)
		return;
	/* A record with a body whose tag the script or the kernel's BTF
	 * already has: the header's body is left out, and a typedef of it
	 * names the one there is (the kernel's layout is the one its memory
	 * has; the script's own definition wins). */
	char tag[8], name[128];
	size_t body = system_record_tag(text, len, tag, name, sizeof(name));
	if (body && (cdecl_find_tag(cr->s.c->cdefs, tag, name) || from_btf(cr, tag, name))) {
		if (strncmp(text, "typedef", 7))
			return;
		int level = 0;
		size_t k = body;
		for (; k < len; k++) {
			if (text[k] == '{')
				level++;
			else if (text[k] == '}' && --level == 0)
				break;
		}
		if (k >= len)
			return;
		char *alias = arena_printf(cr->s.a, "typedef %s %s %.*s", tag, name,
		                           (int)(len - k - 1), text + k + 1);
		text = alias;
		len = strlen(alias);
	}
	FILE *null = fopen("/dev/null", "w");
	if (!null)
		return;
	struct diag quiet;
	diag_init(&quiet, null);
	if (cdecl_parse(cr->s.c->cdefs, &quiet, text, len, (struct loc){0}, &cr->r) == 0)
		cdecl_typedef_names(text, len, mark_from_system, cr);
	fclose(null);
}

/* Whether <name> is one of the kernel's headers (linux/..., net/...,
 * asm/...), for which the kernel's BTF can stand in when they are not
 * installed: the top-level directories of the kernel's include trees. */
static bool kernel_header(const char *name)
{
	static const char *const dirs[] = {
	    "linux", "net",   "asm",   "asm-generic", "uapi", "trace", "generated", "crypto",
	    "scsi",  "sound", "video", "xen",         "rdma", "media", "drm",       "acpi",
	    "kvm",   "soc",   "keys",  "target",      "vdso", "misc",  "ras",       "pcmcia",
	    "clocksource", "dt-bindings", "math-emu"};
	size_t len = strcspn(name, "/");
	if (!name[len])
		return false; /* a header at the top: a C library one */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strlen(dirs[i]) == len && !memcmp(dirs[i], name, len))
			return true;
	return false;
}

/* An #include line: `text` from '#'. Reports against `d` at `loc`, or
 * quietly (in a header) when `quiet`. */
static void do_include(struct cdefs_run *cr, const char *text, size_t len, struct loc loc,
                       bool quiet, bool own, const char *from, int depth)
{
	struct sema *s = &cr->s;
	const char *p = memchr(text, 'e', len); /* the last letter of "include" */
	size_t i = p ? (size_t)(p - text) + 1 : len;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	char close = i < len && text[i] == '<' ? '>' : i < len && text[i] == '"' ? '"' : 0;
	const char *end = close ? memchr(text + i + 1, close, len - i - 1) : NULL;
	if (!end) {
		if (!quiet) {
			struct loc at = loc;
			at.first_column = at.last_column = loc.first_column + (int)i;
			diag_c_error(s->d, at, "expected <header> or \"header\" after #include");
		}
		return;
	}
	const char *name = arena_strndup(s->a, text + i + 1, (size_t)(end - text - i - 1));
	const char *path = find_header(cr, name, close == '"', from);
	if (path) {
		read_header(cr, path, own && close == '"', depth + 1);
		if (close == '>' && depth == 0) /* <header>: its scalar typedefs */
			systypedefs_each(text, len, s->c->opts->include_dirs,
			                 s->c->opts->ninclude_dirs, add_system_typedef, cr);
		return;
	}
	if (quiet)
		return;
	struct loc at = loc;
	at.first_column = loc.first_column + (int)i;
	at.last_column = loc.first_column + (int)(end - text);
	at.last_line = at.first_line;
	if (close == '"') {
		diag_c_error(s->d, at,
		           "cannot find the header \"%s\" (looked next to the script "
		           "and in /usr/include)",
		           name);
	} else if (!kernel_header(name)) {
		/* "file not found": bpftrace's (clang's) words, which scripts'
		 * test suites look for */
		diag_c_error(s->d, at,
		           "<%s>: file not found (not installed, and not a kernel header the "
		           "kernel's BTF could stand in for)",
		           name);
	} else if (!btf_vmlinux(s->c->host)) {
		diag_c_error(s->d, at,
		           "the header <%s> is not installed, and without the kernel's BTF "
		           "nothing can stand in for its types",
		           name);
	}
	/* otherwise its struct, union, enum and typedef names come from BTF */
}

/* A header's #define constants (and with `defs` its definitions): read
 * once each, errors in system headers ignored (they are C for the
 * preprocessor, much of it not constants). */
static void read_header(struct cdefs_run *cr, const char *path, bool defs, int depth)
{
	struct sema *s = &cr->s;
	if (depth > INCLUDE_MAX_DEPTH || cr->nseen == INCLUDE_MAX_FILES)
		return;
	for (int i = 0; i < cr->nseen; i++)
		if (!strcmp(cr->seen[i], path))
			return;
	cr->seen[cr->nseen++] = path;
	size_t len;
	const char *text = read_file(s->a, path, &len);
	if (!text)
		return;
	int file = -1;
	FILE *null = fopen("/dev/null", "w");
	if (!null)
		return;
	struct diag quiet;
	diag_init(&quiet, null);
	if (defs)
		file = diag_add_source(s->d, path, text, len);
	if (file < 0)
		defs = false;
	int line = 1;
	for (size_t pos = 0; pos < len;) {
		size_t eol = pos;
		while (eol < len && text[eol] != '\n') {
			if (text[eol] == '\\' && eol + 1 < len && text[eol + 1] == '\n')
				eol++;
			eol++;
		}
		size_t b = pos;
		while (b < eol && (text[b] == ' ' || text[b] == '\t'))
			b++;
		struct loc loc = {file < 0 ? 0 : file, line, (int)(b - pos) + 1, line,
		                  (int)(b - pos) + 1};
		int lines = 1;
		for (size_t k = pos; k < eol; k++)
			lines += text[k] == '\n';
		if (b < eol && text[b] == '#') {
			if (line_is(text + b, eol - b, "define"))
				cdecl_define(s->c->cdefs, file < 0 ? &quiet : s->d, text + b,
				             eol - b, loc);
			else if (line_is(text + b, eol - b, "include"))
				do_include(cr, text + b, eol - b, loc, true, defs, path, depth);
			pos = eol + 1;
			line += lines;
			continue;
		}
		if (defs && file >= 0 && b < eol &&
		    (!strncmp(text + b, "struct", 6) || !strncmp(text + b, "union", 5) ||
		     !strncmp(text + b, "enum", 4) || !strncmp(text + b, "typedef", 7))) {
			size_t end = cdecl_extent(text, len, b);
			cdecl_parse(s->c->cdefs, s->d, text + b, end - b, loc, &cr->r);
			for (size_t k = b; k < end; k++)
				line += text[k] == '\n';
			pos = end;
			continue;
		}
		if (!defs && b < eol && !strncmp(text + b, "enum", 4) &&
		    memchr(text + b, '{', len - b)) {
			/* a system header's enumerators (SOCK_DGRAM is one, with
			 * a #define of itself); its other C is not read */
			size_t end = cdecl_extent(text, len, b);
			cdecl_parse(s->c->cdefs, &quiet, text + b, end - b, loc, NULL);
			for (size_t k = b; k < end; k++)
				line += text[k] == '\n';
			pos = end;
			continue;
		}
		pos = eol + 1;
		line += lines;
	}
	fclose(null);
}

static bool is_word_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_';
}

/* Whether node `n` or a node under it uses record `tag name` as a kernel
 * type: curtask, which is the kernel's struct task_struct. (A cast to the
 * script's record of that name is the script's, in bpftrace too.) */
static bool names_record(struct node *n, const char *tag, const char *name)
{
	if (n->kind == N_IDENT && !strcmp(tag, "struct") && !strcmp(name, "task_struct") &&
	    !strcmp(n->u.ident.name, "curtask"))
		return true;
	struct ast_child kids[AST_MAX_CHILDREN];
	int nk = ast_children(n, kids);
	for (int i = 0; i < nk; i++)
		for (struct node *k = *kids[i].slot; k; k = kids[i].is_list ? k->next : NULL)
			if (names_record(k, tag, name))
				return true;
	return false;
}

static bool list_names_record(struct node *list, const char *tag, const char *name)
{
	for (struct node *n = list; n; n = n->next)
		if (names_record(n, tag, name))
			return true;
	return false;
}

/* bpftrace's rule, kept: when the script defines a struct or union the
 * kernel's BTF also has, and the program uses it as the kernel's type
 * (curtask), the kernel's types are not taken for any of the
 * script's definitions, which must then define everything they embed.
 * The redefined record ("struct task_struct"), or NULL. */
static const char *find_redefinition(struct cdefs_run *cr)
{
	struct compilation *c = cr->s.c;
	/* the kernel's BTF (5 MB read and parsed) is loaded by btf_find_record
	 * at the first record the script defines, not for every script */
	for (struct cdef_src *d = c->prog.cdefs; d; d = d->next) {
		if (d->kind != CDEF_DECL)
			continue;
		const char *t = d->text, *end = d->text + d->len;
		for (const char *p = t; p < end; p++) {
			if ((p > t && is_word_char(p[-1])) || !is_word_char(*p))
				continue;
			const char *w = p;
			while (p < end && is_word_char(*p))
				p++;
			size_t wl = (size_t)(p - w);
			bool rec = (wl == 6 && !memcmp(w, "struct", 6)) || (wl == 5 && !memcmp(w, "union", 5));
			if (!rec)
				continue;
			const char *q = p;
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
				q++;
			const char *nm = q;
			while (q < end && is_word_char(*q))
				q++;
			if (q == nm)
				continue;
			const char *name = arena_strndup(&c->arena, nm, (size_t)(q - nm));
			while (q < end && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
				q++;
			if (q >= end || *q != '{')
				continue;
			const char *tag = wl == 6 ? "struct" : "union";
			if (btf_find_record(c->host, name, wl == 5) <= 0)
				continue;
			if (list_names_record(c->prog.probes, tag, name) ||
			    list_names_record(c->prog.macros, tag, name))
				return arena_printf(&c->arena, "%s %s", tag, name);
		}
	}
	return NULL;
}

int sema_cdefs(struct compilation *c)
{
	int before = c->diag->nerrors;
	struct cdefs_run *cr = arena_alloc(&c->arena, sizeof(*cr));
	cr->s.c = c;
	cr->s.a = &c->arena;
	cr->s.d = c->diag;
	cr->r = (struct cdecl_resolver){from_btf, cr};
	cr->redefined = find_redefinition(cr);
	c->cdefs = cdecl_table_new(&c->arena);
	/* --include FILE: as `#include "FILE"` before the script, found from
	 * the current directory, then -I's and the system's directories */
	for (int i = 0; i < c->opts->ninclude_files; i++) {
		const char *name = c->opts->include_files[i];
		const char *path = find_header(cr, name, true, "./");
		if (!path) {
			diag_error(c->diag, (struct loc){0},
			           "--include: cannot find the header \"%s\" (looked in the current "
			           "directory, the -I directories and /usr/include)",
			           name);
			continue;
		}
		bool system = !strncmp(path, "/usr/include/", 13) ||
		              !strncmp(path, "/usr/local/include/", 19);
		read_header(cr, path, !system, 1);
	}
	for (struct cdef_src *d = c->prog.cdefs; d; d = d->next) {
		const char *script = c->diag->sources[d->loc.file].name;
		switch (d->kind) {
		case CDEF_DECL:
			cdecl_parse(c->cdefs, c->diag, d->text, d->len, d->loc, &cr->r);
			break;
		case CDEF_DEFINE:
			cdecl_define(c->cdefs, c->diag, d->text, d->len, d->loc);
			break;
		case CDEF_INCLUDE:
			do_include(cr, d->text, d->len, d->loc, false, true, script, 0);
			break;
		}
	}
	cdecl_finish(c->cdefs, &cr->r);
	if (c->diag->nerrors > before && cr->redefined)
		diag_note(c->diag, (struct loc){0},
		          "the script redefines %s, which the program uses as a kernel type, so "
		          "its definitions take no type from the kernel's BTF (as in bpftrace): "
		          "define what they embed too",
		          cr->redefined);
	return c->diag->nerrors > before ? -1 : 0;
}

struct type *cdefs_named_type(struct sema *s, const struct typename_ref *to)
{
	if (!s->c->cdefs)
		return NULL;
	if (to->tag)
		return cdecl_find_tag(s->c->cdefs, to->tag, to->name);
	return cdecl_find_typedef(s->c->cdefs, to->name);
}

/* `bt` (a BTF or DWARF record, or a pointer to one) with the script's
 * record of the same name in its place, or NULL when the script has none:
 * as in bpftrace, the script's struct task_struct is what curtask points
 * to, and its struct Foo what a uprobe's DWARF-typed argument does. */
struct type *cdefs_shadow(struct sema *s, struct type *bt)
{
	struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
	if (!s->c->cdefs || !rec || rec->kind != TYPE_RECORD || !rec->name ||
	    (!rec->btf_id && rec->by_value))
		return NULL;
	const char *space = strchr(rec->name, ' ');
	if (!space)
		return NULL;
	const char *tag = arena_strndup(s->a, rec->name, (size_t)(space - rec->name));
	struct type *own = cdecl_find_tag(s->c->cdefs, tag, space + 1);
	if (!own || !cdecl_is_script_record(own) || own == rec || !own->size)
		return NULL;
	struct type *t = bt->kind == TYPE_PTR ? type_ptr(s->a, own) : own;
	return type_in_space(s->a, t, (enum addr_space)bt->space);
}

/* p->name / rec.name on a record the script defined: its member at the
 * offset cdecl.c laid out, read in the space the record lies in. */
struct type *check_script_field(struct sema *s, struct node *n, struct type *bt)
{
	struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
	if (rec->size == 0 && rec->nfields == 0) {
		diag_error(s->d, n->loc,
		           "%s is declared but not defined (neither by the script "
		           "nor in the kernel's BTF)",
		           type_name(s->a, rec));
		return NULL;
	}
	uint32_t off;
	struct type *ft;
	if (cdecl_find_member(rec, n->u.field.name, &off, &ft)) {
		diag_error(s->d, n->u.field.name_loc, "%s has no field '%s'", type_name(s->a, rec),
		           n->u.field.name);
		const char *names[256];
		int nn = 0;
		for (uint32_t i = 0; i < rec->nfields && nn < 256; i++)
			if (rec->fields[i].name)
				names[nn++] = rec->fields[i].name;
		const char *near = diag_closest(n->u.field.name, names, nn);
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
		return NULL;
	}
	if (ft->kind == TYPE_VOID) {
		diag_error(s->d, n->u.field.name_loc,
		           "field '%s' of %s has type %s, which sonde cannot read", n->u.field.name,
		           type_name(s->a, rec), ft->name ? ft->name : "void");
		return NULL;
	}
	if (rec->by_value && bt->kind == TYPE_RECORD)
		/* a member of a copy is a copy (its fields[] say where) */
		return read_in_space(s, ft, SPACE_KERNEL);
	return read_in_space(s, ft, (enum addr_space)bt->space);
}

/* An identifier naming an enumerator or #define: the node becomes its
 * value. NULL when it names neither. */
struct type *cdefs_ident(struct sema *s, struct node *n)
{
	struct cdecl_const v;
	if (!s->c->cdefs || !cdecl_find_const(s->c->cdefs, n->u.ident.name, &v))
		return NULL;
	struct loc loc = n->loc;
	struct node *next = n->next; /* the node stays in its list */
	if (v.is_str) {
		struct node *str = ast_str(s->a, loc, v.str, strlen(v.str));
		*n = *str;
		n->next = next;
		return type_str(s->a, (uint32_t)n->u.str.len + 1);
	}
	struct node *lit = ast_int(s->a, loc, v.value < 0 ? 0 - (uint64_t)v.value : (uint64_t)v.value,
				   false);
	if (v.value < 0) /* -N, as a literal is written: const_int takes it */
		lit = ast_unop(s->a, loc, OP_NEG, lit);
	*n = *lit;
	n->next = next;
	return check_expr(s, n);
}
