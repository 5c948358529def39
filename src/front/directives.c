/*
 * directives.c - the preprocessor lines of scripts that the lexer acts on
 * itself (see directives.h): #if and its kin, which decide what text is
 * parsed at all, and the #defines that become macros.
 */
#include "front/directives.h"

#include "front/ppexpr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void report(struct directives *dv, struct loc at, int *errors, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void report(struct directives *dv, struct loc at, int *errors, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_c_error(dv->diag, at, "%s", msg);
	(*errors)++;
}

static bool ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* The name a #define line defines, for #ifdef. */
void directives_note_define(struct directives *dv, const char *text, size_t len)
{
	size_t i = strcspn(text, "d") + 6;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	size_t st = i;
	while (i < len && ident_char(text[i]))
		i++;
	if (i == st)
		return;
	struct directive_name *n = arena_alloc(dv->arena, sizeof(*n));
	n->name = arena_strndup(dv->arena, text + st, i - st);
	n->nparams = -1;
	n->params = NULL;
	if (i < len && text[i] == '(') {
		/* function-like: the parameter names up to ')' (copied: the
		 * lexer's text does not stay) */
		const char *close = memchr(text + i, ')', len - i);
		if (!close) {
			n->value = NULL; /* malformed: the macro's parse reports it */
			n->next = dv->defined;
			dv->defined = n;
			return;
		}
		n->nparams = 0;
		for (const char *p = text + i + 1; p < close; p++)
			if (ident_char(*p) && !ident_char(p[-1]))
				n->nparams++;
		n->params = arena_strndup(dv->arena, text + i + 1, (size_t)(close - text) - i - 1);
		i = (size_t)(close - text) + 1;
	}
	n->value = arena_strndup(dv->arena, text + i, len - i);
	n->value_len = len - i;
	n->next = dv->defined;
	dv->defined = n;
}

/* Whether NAME counts as defined for #ifdef and defined(NAME): a #define
 * before it, or BPFTRACE_HAVE_BTF when the kernel has BTF (as bpftrace
 * defines it, so scripts skip the struct copies they carry for kernels
 * without). */
bool directives_is_defined(const struct directives *dv, const char *name, size_t len)
{
	if (len == 17 && !memcmp(name, "BPFTRACE_HAVE_BTF", 17))
		return access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	for (const struct directive_name *n = dv->defined; n; n = n->next)
		if (strlen(n->name) == len && !memcmp(n->name, name, len))
			return true;
	return false;
}

/* Whether the value of an object-like #define names something other than
 * earlier #defines (`#define ME comm`, `#define T curtask->pid`): it is
 * then not a constant but text to expand, as in bpftrace. */
static bool names_script_values(const struct directives *dv, const char *v, size_t len)
{
	for (size_t i = 0; i < len;) {
		char c = v[i];
		if (c == '/' && i + 1 < len && v[i + 1] == '/')
			return false;
		if (c == '/' && i + 1 < len && v[i + 1] == '*') {
			const char *e = strstr(v + i + 2, "*/");
			i = e && (size_t)(e - v) < len ? (size_t)(e - v) + 2 : len;
		} else if (c == '"' || c == '\'') {
			i++;
			while (i < len && v[i] != c)
				i += v[i] == '\\' ? 2 : 1;
			i++;
		} else if (c >= '0' && c <= '9') {
			while (i < len && ident_char(v[i]))
				i++;
		} else if (ident_char(c)) {
			size_t st = i;
			while (i < len && ident_char(v[i]))
				i++;
			if (!directives_is_defined(dv, v + st, i - st))
				return true;
			for (const struct directive_name *n = dv->text_defines; n; n = n->next)
				if (strlen(n->name) == i - st && !memcmp(n->name, v + st, i - st))
					return true; /* an earlier #define that is text */
		} else {
			i++;
		}
	}
	return false;
}

/* `#define NAME(a, b) body`: the text `macro NAME($a, $b) { body }`, with
 * the parameters in the body written as $a and $b; for an object-like
 * #define whose value is not a constant, `macro NAME() { value }`. NULL
 * for the others, which sema/cdefs.c evaluates. */
char *directives_macro_text(struct directives *dv, const char *text, size_t len, size_t *out_len,
                            const char **name_out)
{
	size_t i = strcspn(text, "d") + 6;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	size_t name = i;
	while (i < len && ident_char(text[i]))
		i++;
	if (i == name)
		return NULL;
	bool object_like = i >= len || text[i] != '(';
	if (object_like && !names_script_values(dv, text + i, len - i))
		return NULL; /* a constant: sema/cdefs.c evaluates it */
	const char *close = object_like ? text + i - 1 : memchr(text + i, ')', len - i);
	if (!close)
		return NULL;
	char *params[16];
	size_t plen[16];
	int np = 0;
	char *out = NULL;
	size_t outlen = 0;
	FILE *m = open_memstream(&out, &outlen);
	if (!m)
		return NULL;
	fprintf(m, "macro %.*s(", (int)(i - name), text + name);
	for (size_t k = i + 1; k < (size_t)(close - text);) {
		while (k < (size_t)(close - text) && !ident_char(text[k]))
			k++;
		size_t st = k;
		while (k < (size_t)(close - text) && ident_char(text[k]))
			k++;
		if (k > st && np < 16) {
			params[np] = (char *)text + st;
			plen[np] = k - st;
			fprintf(m, "%s$%.*s", np ? ", " : "", (int)(k - st), text + st);
			np++;
		}
	}
	fprintf(m, ") { ");
	bool in_str = false;
	for (size_t k = (size_t)(close - text) + 1; k < len;) {
		char c = text[k];
		if (c == '\\' && k + 1 < len && (text[k + 1] == '\n' || text[k + 1] == '\r')) {
			fputc(' ', m);
			k += 2;
			continue;
		}
		if (c == '"')
			in_str = !in_str;
		if (!in_str && ident_char(c) && (k == 0 || !ident_char(text[k - 1]))) {
			size_t st = k;
			while (k < len && ident_char(text[k]))
				k++;
			for (int p = 0; p < np; p++)
				if (plen[p] == k - st && !memcmp(params[p], text + st, k - st))
					fputc('$', m);
			fwrite(text + st, 1, k - st, m);
			continue;
		}
		fputc(c, m);
		k++;
	}
	fprintf(m, " }\n");
	fclose(m);
	char *copy = arena_alloc(dv->arena, outlen + 1);
	memcpy(copy, out, outlen + 1);
	free(out);
	struct directive_name *td = arena_alloc(dv->arena, sizeof(*td));
	td->name = arena_strndup(dv->arena, text + name, i - name);
	td->next = dv->text_defines;
	dv->text_defines = td;
	*out_len = outlen;
	*name_out = td->name;
	return copy;
}

/* One #if/#ifdef/#ifndef/#elif/#else/#endif line: updates the stack of
 * open conditionals; true when the text after it is not taken. */
bool directives_conditional(struct directives *dv, const char *text, size_t len, struct loc at,
                            int *errors)
{
	size_t i = strcspn(text, "#") + 1;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	size_t kw = i;
	while (i < len && ident_char(text[i]))
		i++;
	size_t kwlen = i - kw;
	const char *word = text + kw;
	while (i < len && (text[i] == ' ' || text[i] == '\t'))
		i++;
	bool is_if = kwlen == 2 && !memcmp(word, "if", 2);
	bool is_elif = kwlen == 4 && !memcmp(word, "elif", 4);
	bool value = false;
	bool elif_skipped = is_elif && dv->ncond > 0 && dv->cond_taken[dv->ncond - 1];
	if ((is_if || is_elif) && !elif_skipped) {
		/* a C constant expression; an #elif after a branch taken is not
		 * evaluated, as the C preprocessor has it */
		struct loc expr_at = at;
		expr_at.first_column += (int)i;
		ppexpr_eval(dv, text + i, len - i, expr_at, errors, &value);
	} else if ((kwlen == 5 && !memcmp(word, "ifdef", 5)) || kwlen == 6) {
		/* ifdef NAME, ifndef NAME */
		bool neg = kwlen == 6;
		size_t st = i;
		while (i < len && ident_char(text[i]))
			i++;
		if (i == st) {
			report(dv, at, errors, "expected a name after '#%.*s'", (int)kwlen, word);
		} else {
			value = directives_is_defined(dv, text + st, i - st) ^ neg;
			while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
				i++;
			if (i < len && !(text[i] == '/' && i + 1 < len &&
			                 (text[i + 1] == '/' || text[i + 1] == '*'))) {
				struct loc extra = at;
				extra.first_column += (int)i;
				extra.last_column = at.first_column + (int)len - 1;
				extra.last_line = extra.first_line;
				report(dv, extra, errors, "extra text after '#%.*s NAME'", (int)kwlen,
				       word);
			}
		}
	}
	if (is_if || (kwlen == 5 && !memcmp(word, "ifdef", 5)) || kwlen == 6) {
		if (dv->ncond == DIRECTIVES_MAX_COND) {
			report(dv, at, errors, "#if nested too deep");
			return false;
		}
		dv->cond_loc[dv->ncond] = at;
		dv->cond_taken[dv->ncond++] = value;
		return !value;
	}
	if (dv->ncond == 0) {
		report(dv, at, errors, "#%.*s without #if", (int)kwlen, word);
		return false;
	}
	if (kwlen == 5) { /* endif */
		dv->ncond--;
		return false;
	}
	bool *taken = &dv->cond_taken[dv->ncond - 1];
	if (*taken)
		return true; /* an earlier branch was taken */
	if (is_elif) {
		*taken = value;
		return !value;
	}
	*taken = true; /* else */
	return false;
}

/* Where the text of a branch not taken ends: the start of the line of the
 * #elif, #else or #endif at its own level (or the end of the source). */
size_t directives_inactive_end(const char *text, size_t len, size_t pos)
{
	int depth = 0;
	while (pos < len) {
		size_t line = pos;
		size_t i = pos;
		while (i < len && (text[i] == ' ' || text[i] == '\t'))
			i++;
		if (i < len && text[i] == '#') {
			i++;
			while (i < len && (text[i] == ' ' || text[i] == '\t'))
				i++;
			const char *w = text + i;
			size_t left = len - i;
			if (left >= 2 && !memcmp(w, "if", 2)) {
				depth++;
			} else if (left >= 5 && !memcmp(w, "endif", 5)) {
				if (depth-- == 0)
					return line;
			} else if (depth == 0 && left >= 2 && !memcmp(w, "el", 2)) {
				return line;
			}
		}
		while (pos < len && text[pos] != '\n')
			pos++;
		if (pos < len)
			pos++;
	}
	return len;
}

void directives_finish(struct directives *dv)
{
	if (dv->ncond > 0)
		diag_c_error(dv->diag, dv->cond_loc[dv->ncond - 1], "this #if has no #endif");
}
