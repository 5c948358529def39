/*
 * systypedefs.c - the scalar typedefs of an installed system header.
 *
 * System headers are C for the preprocessor and are not parsed whole
 * (sema/cdefs.c reads only their constants); what a script needs of them
 * as type names are mostly typedefs of integers (sa_family_t, socklen_t,
 * uint16_t). This reads, through the header's #include lines, the
 * statements `typedef WORDS NAME;` at the start of a line, and glibc's
 * `__STD_TYPE WORDS NAME;` (a typedef whose type is a #define of type
 * words, such as __U32_TYPE), and hands them on with those #defines
 * expanded. #if is not followed: the first typedef of a name wins where
 * the table keeps names once.
 */
#include "front/systypedefs.h"

#include "front/cdecl.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SYS_MAX_DEPTH = 8, SYS_MAX_FILES = 256, SYS_MAX_WORDS = 512, SYS_TEXT_MAX = 512 };

struct word_define {
	char name[64];
	char value[128];
};

struct sys_scan {
	char *seen[SYS_MAX_FILES];
	int nseen;
	struct word_define words[SYS_MAX_WORDS];
	int nwords;
	void (*cb)(void *arg, const char *text, size_t len);
	void *arg;
	const char *const *dirs; /* -I DIR, looked in first */
	int ndirs;
};

static bool ident_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static bool find_path(const struct sys_scan *sc, const char *name, char *out, size_t cap)
{
	for (int i = 0; i < sc->ndirs; i++) {
		snprintf(out, cap, "%s/%s", sc->dirs[i], name);
		if (access(out, R_OK) == 0)
			return true;
	}
	static const char *const dirs[] = {"/usr/local/include", "/usr/include/x86_64-linux-gnu",
	                                   "/usr/include"};
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(out, cap, "%s/%s", dirs[i], name);
		if (access(out, R_OK) == 0)
			return true;
	}
	return false;
}

/* `#define NAME WORDS` where WORDS are only identifiers (type words). */
static void note_word_define(struct sys_scan *sc, const char *p, const char *end)
{
	p += strlen("define");
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *name = p;
	while (p < end && ident_char(*p))
		p++;
	size_t nlen = (size_t)(p - name);
	if (!nlen || nlen >= sizeof(sc->words[0].name) || p == end || (*p != ' ' && *p != '\t'))
		return;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	const char *val = p;
	while (end > val && isspace((unsigned char)end[-1]))
		end--;
	size_t vlen = (size_t)(end - val);
	if (!vlen || vlen >= sizeof(sc->words[0].value) || isdigit((unsigned char)*val))
		return;
	for (const char *q = val; q < end; q++)
		if (!ident_char(*q) && *q != ' ' && *q != '\t')
			return;
	if (sc->nwords == SYS_MAX_WORDS)
		return;
	struct word_define *w = &sc->words[sc->nwords++];
	memcpy(w->name, name, nlen);
	w->name[nlen] = 0;
	memcpy(w->value, val, vlen);
	w->value[vlen] = 0;
}

static const char *word_value(const struct sys_scan *sc, const char *w, size_t len)
{
	for (int i = sc->nwords - 1; i >= 0; i--)
		if (strlen(sc->words[i].name) == len && !memcmp(sc->words[i].name, w, len))
			return sc->words[i].value;
	return NULL;
}

/* Appends `text` to out (of SYS_TEXT_MAX) with word #defines expanded,
 * `depth` levels deep. False when it does not fit. */
static bool expand(const struct sys_scan *sc, const char *text, size_t len, char *out, size_t *n,
                   int depth)
{
	for (size_t i = 0; i < len;) {
		if (ident_char(text[i])) {
			size_t j = i;
			while (j < len && ident_char(text[j]))
				j++;
			const char *v = depth < 4 ? word_value(sc, text + i, j - i) : NULL;
			if (v) {
				if (!expand(sc, v, strlen(v), out, n, depth + 1))
					return false;
			} else {
				if (*n + (j - i) >= SYS_TEXT_MAX)
					return false;
				memcpy(out + *n, text + i, j - i);
				*n += j - i;
			}
			i = j;
			continue;
		}
		if (*n + 1 >= SYS_TEXT_MAX)
			return false;
		out[(*n)++] = isspace((unsigned char)text[i]) ? ' ' : text[i];
		i++;
	}
	return true;
}

/* A statement `KEYWORD WORDS NAME;` from `p` (ending before `end`): the
 * typedef it makes, when it is one of a scalar type. */
/* A definition with a body, `struct NAME { ... };` or `typedef struct
 * [NAME] { ... } NAME_t;`, from `p`: handed on whole, when no directive
 * stands inside it (an #if in a body is not followed, so such a record is
 * left out rather than laid out from both branches). */
static const char *record_stmt(struct sys_scan *sc, const char *p, const char *end)
{
	size_t stop = cdecl_extent(p, (size_t)(end - p), 0);
	const char *e = p + stop;
	for (const char *q = p; q < e; q++)
		if (*q == '#' || (*q == '\\' && q + 1 < e && q[1] == '\n'))
			return e;
	if (stop >= 65536)
		return e;
	char *text = malloc(2 * SYS_TEXT_MAX + stop * 2);
	if (!text)
		return e;
	size_t n = 0;
	bool ok = true;
	/* word #defines expanded piece by piece, SYS_TEXT_MAX at most each */
	for (const char *q = p; ok && q < e;) {
		const char *brk = q;
		while (brk < e && brk - q < SYS_TEXT_MAX / 4 && *brk != ';' && *brk != '{' &&
		       *brk != '}' && *brk != '\n')
			brk++;
		if (brk < e)
			brk++;
		char piece[SYS_TEXT_MAX];
		size_t pn = 0;
		ok = expand(sc, q, (size_t)(brk - q), piece, &pn, 0) && n + pn < 2 * SYS_TEXT_MAX + stop * 2;
		if (ok) {
			memcpy(text + n, piece, pn);
			n += pn;
		}
		q = brk;
	}
	if (ok)
		sc->cb(sc->arg, text, n);
	free(text);
	return e;
}

static void typedef_stmt(struct sys_scan *sc, const char *p, const char *end, size_t keyword)
{
	const char *semi = memchr(p, ';', (size_t)(end - p));
	if (!semi)
		return;
	for (const char *q = p; q < semi; q++)
		if (*q == '{' || *q == '(' || *q == '#' || *q == '[')
			return;
	char text[SYS_TEXT_MAX];
	size_t n = 0;
	memcpy(text, "typedef ", 8);
	n = 8;
	if (!expand(sc, p + keyword, (size_t)(semi - p - keyword), text, &n, 0) ||
	    n + 2 >= SYS_TEXT_MAX)
		return;
	text[n++] = ';';
	text[n] = 0;
	static const char *const tagged[] = {"__attribute__"};
	for (size_t i = 0; i < sizeof(tagged) / sizeof(tagged[0]); i++) {
		const char *at = strstr(text, tagged[i]);
		size_t l = strlen(tagged[i]);
		if (at && (at == text || !ident_char(at[-1])) && !ident_char(at[l]))
			return;
	}
	sc->cb(sc->arg, text, n);
}

static bool starts_word(const char *p, const char *end, const char *word)
{
	size_t l = strlen(word);
	return (size_t)(end - p) > l && !memcmp(p, word, l) && !ident_char(p[l]);
}

/* Whether the statement at `p` is a struct or union with a body: `{`
 * after `[typedef] struct|union [NAME]`. */
static bool has_body(const char *p, const char *end)
{
	if (starts_word(p, end, "typedef"))
		p += 7;
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (starts_word(p, end, "struct"))
		p += 6;
	else if (starts_word(p, end, "union"))
		p += 5;
	else
		return false;
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (p < end && ident_char(*p))
		p++;
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p < end && *p == '{';
}

static void scan_file(struct sys_scan *sc, const char *path, int depth)
{
	if (depth > SYS_MAX_DEPTH || sc->nseen == SYS_MAX_FILES)
		return;
	for (int i = 0; i < sc->nseen; i++)
		if (!strcmp(sc->seen[i], path))
			return;
	char *copy = strdup(path);
	if (!copy)
		return;
	sc->seen[sc->nseen++] = copy;
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	enum { CAP = 1 << 20 };
	char *text = malloc(CAP);
	size_t len = text ? fread(text, 1, CAP - 1, f) : 0;
	fclose(f);
	if (!text)
		return;
	text[len] = 0;
	const char *end = text + len;
	for (const char *p = text; p < end;) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *b = p;
		while (b < eol && (*b == ' ' || *b == '\t'))
			b++;
		if (*b == '#') {
			const char *d = b + 1;
			while (d < eol && (*d == ' ' || *d == '\t'))
				d++;
			if (starts_word(d, eol, "define")) {
				note_word_define(sc, d, eol);
			} else if (starts_word(d, eol, "include")) {
				const char *lt = memchr(d, '<', (size_t)(eol - d));
				const char *gt = lt ? memchr(lt, '>', (size_t)(eol - lt)) : NULL;
				char name[512], found[1024];
				if (gt && (size_t)(gt - lt) < sizeof(name)) {
					memcpy(name, lt + 1, (size_t)(gt - lt - 1));
					name[gt - lt - 1] = 0;
					if (find_path(sc, name, found, sizeof(found)))
						scan_file(sc, found, depth + 1);
				}
			}
		} else if (b == p && (starts_word(b, end, "typedef") || starts_word(b, end, "struct") ||
		                      starts_word(b, end, "union")) &&
		           has_body(b, end)) {
			eol = record_stmt(sc, b, end) - 1;
		} else if (b == p && starts_word(b, end, "typedef")) {
			typedef_stmt(sc, b, end, 7);
		} else if (b == p && starts_word(b, end, "__STD_TYPE")) {
			typedef_stmt(sc, b, end, 10);
		}
		p = eol + 1;
	}
	free(text);
}

void systypedefs_each(const char *line, size_t len, const char *const *dirs, int ndirs,
                      void (*cb)(void *arg, const char *text, size_t len), void *arg)
{
	struct sys_scan probe = {.dirs = dirs, .ndirs = ndirs};
	const char *lt = memchr(line, '<', len);
	const char *gt = lt ? memchr(lt, '>', len - (size_t)(lt - line)) : NULL;
	const char *quote = memchr(line, '"', len);
	if (!gt || (quote && quote < lt) || gt - lt - 1 >= 512)
		return;
	char name[512], path[1024];
	memcpy(name, lt + 1, (size_t)(gt - lt - 1));
	name[gt - lt - 1] = 0;
	if (name[0] != '/' && !find_path(&probe, name, path, sizeof(path)))
		return;
	struct sys_scan *sc = calloc(1, sizeof(*sc));
	if (!sc)
		return;
	sc->dirs = dirs;
	sc->ndirs = ndirs;
	sc->cb = cb;
	sc->arg = arg;
	scan_file(sc, name[0] == '/' ? name : path, 0);
	for (int i = 0; i < sc->nseen; i++)
		free(sc->seen[i]);
	free(sc);
}
