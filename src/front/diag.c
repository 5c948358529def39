/*
 * diag.c - the diagnostic sink: renders errors, warnings and notes about the
 * user's program with their source line and a caret underline (see diag.h
 * for the format), counts them, and stops printing (but not counting) once
 * too many errors were shown so a badly broken script does not flood the
 * terminal. Also holds the "did you mean" helper every pass uses.
 */
#include "front/diag.h"

#include <stdlib.h>

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

enum { DIAG_DEFAULT_MAX_ERRORS = 20, DIAG_CLOSEST_MAX_LEN = 128 };

void diag_init(struct diag *d, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->out = out ? out : stderr;
}

int diag_add_source(struct diag *d, const char *name, const char *text, size_t len)
{
	if (d->nsources >= DIAG_MAX_SOURCES)
		return -1;
	struct diag_source *s = &d->sources[d->nsources];
	s->name = name ? name : "<input>";
	s->text = text ? text : "";
	s->len = text ? len : 0;
	return d->nsources++;
}

static int max_errors(const struct diag *d)
{
	return d->max_errors > 0 ? d->max_errors : DIAG_DEFAULT_MAX_ERRORS;
}

/* Printing stops for everything (notes and warnings too) once the error
 * limit is passed: a note belongs to a report that was not shown. */
static bool silenced(const struct diag *d)
{
	return d->nerrors > max_errors(d);
}

static const struct diag_source *source_of(const struct diag *d, struct loc loc)
{
	if (loc.file < 0 || loc.file >= d->nsources)
		return NULL;
	return &d->sources[loc.file];
}

/* The end of the line starting at `p`: its LF, or a CR not followed by LF
 * (old Mac files), as the lexer counts lines; `end` when it is the last. */
static const char *line_end(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '\n' || (*p == '\r' && (p + 1 == end || p[1] != '\n')))
			return p;
	return end;
}

/* Finds line `line` (1-based) of `src`; sets its start and length without
 * the line end (and without the '\r' of a CRLF). */
static bool find_line(const struct diag_source *src, int line, const char **start, size_t *len)
{
	const char *p = src->text, *end = src->text + src->len;
	for (int l = 1; l < line; l++) {
		const char *nl = line_end(p, end);
		if (nl == end)
			return false;
		p = nl + 1;
	}
	const char *stop = line_end(p, end);
	if (stop < end && *stop == '\n' && stop > p && stop[-1] == '\r')
		stop--;
	*start = p;
	*len = (size_t)(stop - p);
	return true;
}

/* A UTF-8 continuation byte takes no column on the terminal. */
static bool is_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Lines longer than this are shown as a window around the caret, with
 * "..." where text was left out, so a 1 MB line costs no more than a short
 * one. */
enum { DIAG_LINE_WINDOW = 160 };

/* Shows `line` (`len` bytes, without its end), line loc.first_line of its
 * source, with a caret under loc's columns. */
static void show_line(FILE *out, const char *line, size_t len, struct loc loc)
{
	/* Columns are 1-based byte offsets; one past the end is where EOF or
	 * a missing token is reported. */
	size_t first = loc.first_column > 0 ? (size_t)loc.first_column : 1;
	if (first > len + 1)
		first = len + 1;
	size_t last = first;
	if (loc.last_line == loc.first_line && loc.last_column > 0)
		last = (size_t)loc.last_column;
	else if (loc.last_line > loc.first_line)
		last = len;
	if (last > len)
		last = len;
	if (last < first)
		last = first;

	size_t from = 0, to = len;
	if (len > DIAG_LINE_WINDOW) {
		from = first > DIAG_LINE_WINDOW / 3 ? first - DIAG_LINE_WINDOW / 3 : 0;
		to = from + DIAG_LINE_WINDOW < len ? from + DIAG_LINE_WINDOW : len;
		if (last > to)
			last = to;
	}
	const char *pre = from ? "..." : "", *post = to < len ? "..." : "";

	char *buf = malloc((to - from) * 2 + 64);
	if (!buf)
		return;
	size_t n = 0;
	for (size_t i = from; i < to; i++)
		buf[n++] = line[i] ? line[i] : ' ';
	fprintf(out, "%5d | %s%.*s%s\n", loc.first_line, pre, (int)n, buf, post);

	n = 0;
	for (size_t i = 0; i < strlen(pre); i++)
		buf[n++] = ' ';
	for (size_t i = from; i + 1 < first; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == '\t')
			buf[n++] = '\t';
		else if (!is_continuation(c))
			buf[n++] = ' ';
	}
	buf[n++] = '^';
	for (size_t i = first; i < last; i++)
		if (!is_continuation((unsigned char)line[i]))
			buf[n++] = '~';
	fprintf(out, "      | %.*s\n", (int)n, buf);
	free(buf);
}

static void show_source(struct diag *d, struct loc loc)
{
	const struct diag_source *src = source_of(d, loc);
	const char *line;
	size_t len;
	if (!src || loc.first_line <= 0 || !find_line(src, loc.first_line, &line, &len))
		return;
	show_line(d->out, line, len, loc);
}

/* "NAME:LINE:COL: WHAT: message", or "WHAT: message" without a name */
static void report_header(FILE *out, const char *name, struct loc loc, const char *what,
                          const char *fmt, va_list ap)
{
	if (name)
		fprintf(out, "%s:%d:%d: ", name, loc.first_line, loc.first_column);
	fprintf(out, "%s: ", what);
	vfprintf(out, fmt, ap);
	fputc('\n', out);
}

static void report(struct diag *d, struct loc loc, const char *what, const char *fmt, va_list ap)
{
	const struct diag_source *src = source_of(d, loc);
	report_header(d->out, loc.first_line > 0 && src ? src->name : NULL, loc, what, fmt, ap);
	if (loc.first_line > 0)
		show_source(d, loc);
}

void diag_verror_line(FILE *out, const char *name, const char *line, size_t len, struct loc loc,
                      const char *fmt, va_list ap)
{
	report_header(out, name, loc, "ERROR", fmt, ap);
	show_line(out, line, len, loc);
}

static void error_as(struct diag *d, struct loc loc, const char *what, const char *fmt,
		     va_list ap)
{
	d->nerrors++;
	d->hiding = false;
	if (d->nerrors == max_errors(d) + 1)
		fprintf(d->out, "ERROR: too many errors, not showing the rest\n");
	if (!silenced(d))
		report(d, loc, what, fmt, ap);
}

void diag_error(struct diag *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_as(d, loc, "ERROR", fmt, ap);
	va_end(ap);
}

void diag_c_error(struct diag *d, struct loc loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	error_as(d, loc, "error", fmt, ap);
	va_end(ap);
}

void diag_warning(struct diag *d, struct loc loc, const char *fmt, ...)
{
	d->nwarnings++;
	d->hiding = d->no_warnings;
	if (silenced(d) || d->hiding)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, "WARNING", fmt, ap);
	va_end(ap);
}

void diag_note(struct diag *d, struct loc loc, const char *fmt, ...)
{
	if (silenced(d) || d->hiding)
		return;
	va_list ap;
	va_start(ap, fmt);
	report(d, loc, "NOTE", fmt, ap);
	va_end(ap);
}

/* Levenshtein distance of two short strings (both at most
 * DIAG_CLOSEST_MAX_LEN bytes), two rows at a time. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t prev[DIAG_CLOSEST_MAX_LEN + 1], cur[DIAG_CLOSEST_MAX_LEN + 1];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t best = del < ins ? del : ins;
			cur[j] = best < sub ? best : sub;
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

const char *diag_closest(const char *name, const char *const *candidates, int n)
{
	if (!name || !candidates)
		return NULL;
	size_t len = strlen(name);
	if (len > DIAG_CLOSEST_MAX_LEN)
		return NULL;
	size_t limit = len / 3 > 1 ? len / 3 : 1;
	const char *best = NULL;
	size_t best_dist = SIZE_MAX;
	for (int i = 0; i < n; i++) {
		const char *c = candidates[i];
		if (!c)
			continue;
		size_t lc = strlen(c);
		if (lc > DIAG_CLOSEST_MAX_LEN)
			continue;
		/* The length difference alone bounds the distance from below. */
		size_t diff = lc > len ? lc - len : len - lc;
		if (diff > limit)
			continue;
		size_t dist = edit_distance(name, len, c, lc);
		if (dist <= limit && dist < best_dist) {
			best = c;
			best_dist = dist;
		}
	}
	return best;
}
