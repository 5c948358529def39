/*
 * cdecl.c - the C declaration grammar of scripts (see cdecl.h).
 *
 * A recursive-descent parser over the definition's own text: a small
 * tokenizer that keeps line and column (so errors point into the script),
 * declaration specifiers (the int words, struct/union/enum with or without
 * a body, typedef names), declarators (pointers, arrays, parenthesised
 * declarators and function types, which only matter as pointers), and
 * integer constant expressions for array sizes, enumerators and #define.
 * Records are laid out as the x86-64 System V ABI does: each member at
 * the next multiple of its alignment, unions at 0, the size rounded up to
 * the largest alignment.
 */
#include "front/cdecl.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { CDECL_MAX_DEPTH = 64, CDECL_MAX_ARRAY = 1 << 24 };

struct tag_entry {
	const char *tag; /* "struct", "union", "enum" */
	const char *name;
	struct type *type;
	bool complete;
	struct tag_entry *next;
};

struct name_entry {
	const char *name;
	struct type *type;        /* typedef */
	struct cdecl_const value; /* constant */
	bool is_const;
	bool from_system; /* a system header's typedef: a later one replaces it */
	struct name_entry *next;
};

struct cdecl_table {
	struct arena *a;
	struct tag_entry *tags;
	struct name_entry *names;
	struct type *char_type; /* plain char: arrays of it are strings */
};

struct cdecl_table *cdecl_table_new(struct arena *a)
{
	struct cdecl_table *t = arena_alloc(a, sizeof(*t));
	t->a = a;
	t->char_type = arena_alloc(a, sizeof(*t->char_type));
	*t->char_type = *type_int(true, 1);
	return t;
}

/* ---- tokens ------------------------------------------------------------- */

enum tok_kind { T_END, T_IDENT, T_INT, T_STR, T_PUNCT };

struct cursor {
	size_t pos;
	int line, col;
};

struct tok {
	enum tok_kind kind;
	struct cursor at;
	size_t len;
	char op[3];     /* T_PUNCT */
	uint64_t value; /* T_INT */
};

struct cparser {
	struct cdecl_table *t;
	struct diag *d;
	const struct cdecl_resolver *r;
	const char *text;
	size_t len;
	int file;
	struct cursor cur; /* after `tok` */
	struct tok tok;
	int depth;
	bool failed;
	int open_line; /* the line of the innermost record's '{', 0 outside */
};

static void advance_cursor(struct cparser *p, struct cursor *c, size_t n)
{
	for (size_t i = 0; i < n && c->pos < p->len; i++) {
		if (p->text[c->pos] == '\n') {
			c->line++;
			c->col = 1;
		} else {
			c->col++;
		}
		c->pos++;
	}
}

/* Whether only blanks stand before `pos` on its line. */
static bool line_start(const struct cparser *p, size_t pos)
{
	while (pos > 0 && (p->text[pos - 1] == ' ' || p->text[pos - 1] == '\t'))
		pos--;
	return pos == 0 || p->text[pos - 1] == '\n';
}

static struct loc tok_loc(const struct cparser *p, const struct tok *t)
{
	struct loc l = {p->file, t->at.line, t->at.col, t->at.line, t->at.col};
	if (t->len > 1)
		l.last_column = t->at.col + (int)t->len - 1;
	return l;
}

static const char *tok_text(struct cparser *p, const struct tok *t)
{
	if (t->kind == T_END)
		return p->text[0] == '#' ? "the end of the line" : "the end of the definition";
	return arena_printf(p->t->a, "'%.*s'", (int)t->len, p->text + t->at.pos);
}

static void err_at(struct cparser *p, const struct tok *t, const char *what)
{
	if (!p->failed)
		diag_c_error(p->d, tok_loc(p, t), "%s, found %s", what, tok_text(p, t));
	p->failed = true;
}

static void next(struct cparser *p)
{
	struct cursor *c = &p->cur;
	for (;;) {
		while (c->pos < p->len && isspace((unsigned char)p->text[c->pos]))
			advance_cursor(p, c, 1);
		if (c->pos + 1 < p->len && p->text[c->pos] == '\\' &&
		    (p->text[c->pos + 1] == '\n' || p->text[c->pos + 1] == '\r')) {
			advance_cursor(p, c, 2);
			continue;
		}
		if (c->pos + 1 < p->len && p->text[c->pos] == '/' && p->text[c->pos + 1] == '*') {
			const char *end = NULL;
			for (size_t i = c->pos + 2; i + 1 < p->len; i++)
				if (p->text[i] == '*' && p->text[i + 1] == '/') {
					end = p->text + i + 2;
					break;
				}
			advance_cursor(p, c, end ? (size_t)(end - (p->text + c->pos)) : p->len);
			continue;
		}
		if (c->pos > 0 && p->text[c->pos] == '#' && line_start(p, c->pos)) {
			/* a preprocessor line inside a definition (headers put
			 * `#define SOCK_DGRAM SOCK_DGRAM` inside the enum) */
			while (c->pos < p->len && p->text[c->pos] != '\n')
				advance_cursor(p, c, 1);
			continue;
		}
		if (c->pos + 1 < p->len && p->text[c->pos] == '/' && p->text[c->pos + 1] == '/') {
			while (c->pos < p->len && p->text[c->pos] != '\n')
				advance_cursor(p, c, 1);
			continue;
		}
		break;
	}
	struct tok *t = &p->tok;
	memset(t, 0, sizeof(*t));
	t->at = *c;
	if (c->pos >= p->len) {
		t->kind = T_END;
		return;
	}
	const char *s = p->text + c->pos;
	size_t left = p->len - c->pos;
	size_t n = 1;
	if (isalpha((unsigned char)*s) || *s == '_') {
		while (n < left && (isalnum((unsigned char)s[n]) || s[n] == '_'))
			n++;
		t->kind = T_IDENT;
	} else if (isdigit((unsigned char)*s)) {
		while (n < left && isalnum((unsigned char)s[n]))
			n++;
		char buf[64];
		size_t k = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
		memcpy(buf, s, k);
		buf[k] = 0;
		char *end;
		t->value = strtoull(buf, &end, 0);
		while (*end == 'u' || *end == 'U' || *end == 'l' || *end == 'L')
			end++;
		t->kind = *end ? T_PUNCT : T_INT; /* a bad literal: reported by the caller */
		if (*end)
			t->op[0] = '?';
	} else if (*s == '"' || *s == '\'') {
		char q = *s;
		while (n < left && s[n] != q && s[n] != '\n') {
			if (s[n] == '\\' && n + 1 < left)
				n++;
			n++;
		}
		if (n < left && s[n] == q)
			n++;
		t->kind = q == '"' ? T_STR : T_INT;
		if (q == '\'') {
			/* 'c' and the simple escapes */
			unsigned char v = n > 2 ? (unsigned char)s[1] : 0;
			if (v == '\\' && n > 3)
				v = s[2] == 'n'   ? '\n'
				    : s[2] == 't' ? '\t'
				    : s[2] == '0' ? 0
				                  : (unsigned char)s[2];
			t->value = v;
		}
	} else {
		static const char *const two[] = {"<<", ">>", "<=", ">=", "==", "!=", "&&", "||"};
		t->kind = T_PUNCT;
		t->op[0] = *s;
		for (size_t i = 0; i < sizeof(two) / sizeof(two[0]) && left >= 2; i++)
			if (s[0] == two[i][0] && s[1] == two[i][1]) {
				t->op[1] = s[1];
				n = 2;
			}
	}
	t->len = n;
	advance_cursor(p, c, n);
}

static bool is_punct(const struct cparser *p, const char *op)
{
	return p->tok.kind == T_PUNCT && !strcmp(p->tok.op, op);
}

static bool is_word(const struct cparser *p, const char *w)
{
	return p->tok.kind == T_IDENT && strlen(w) == p->tok.len &&
	       !memcmp(p->text + p->tok.at.pos, w, p->tok.len);
}

static bool accept(struct cparser *p, const char *op)
{
	if (!is_punct(p, op))
		return false;
	next(p);
	return true;
}

static bool expect(struct cparser *p, const char *op, const char *what)
{
	if (accept(p, op))
		return true;
	err_at(p, &p->tok, what);
	return false;
}

static const char *tok_name(struct cparser *p)
{
	return arena_strndup(p->t->a, p->text + p->tok.at.pos, p->tok.len);
}

/* ---- the table ---------------------------------------------------------- */

static struct tag_entry *find_tag_entry(const struct cdecl_table *t, const char *tag,
                                        const char *name)
{
	for (struct tag_entry *e = t->tags; e; e = e->next)
		if (!strcmp(e->tag, tag) && !strcmp(e->name, name))
			return e;
	return NULL;
}

static struct name_entry *find_name(const struct cdecl_table *t, const char *name)
{
	for (struct name_entry *e = t->names; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static struct name_entry *add_name(struct cdecl_table *t, const char *name)
{
	struct name_entry *e = find_name(t, name);
	if (e)
		return e;
	e = arena_alloc(t->a, sizeof(*e));
	e->name = name;
	e->next = t->names;
	t->names = e;
	return e;
}

struct type *cdecl_find_tag(const struct cdecl_table *t, const char *tag, const char *name)
{
	struct tag_entry *e = t ? find_tag_entry(t, tag, name) : NULL;
	return e && e->complete ? e->type : NULL;
}

struct type *cdecl_find_typedef(const struct cdecl_table *t, const char *name)
{
	struct name_entry *e = t ? find_name(t, name) : NULL;
	return e && !e->is_const ? e->type : NULL;
}

bool cdecl_find_const(const struct cdecl_table *t, const char *name, struct cdecl_const *out)
{
	struct name_entry *e = t ? find_name(t, name) : NULL;
	if (!e || !e->is_const)
		return false;
	*out = e->value;
	return true;
}

void cdecl_typedef_from_system(struct cdecl_table *t, const char *name)
{
	struct name_entry *e = t ? find_name(t, name) : NULL;
	if (e && !e->is_const)
		e->from_system = true;
}

bool cdecl_is_script_record(const struct type *rec)
{
	return rec && rec->kind == TYPE_RECORD && rec->btf_id == 0;
}

int cdecl_find_member(const struct type *rec, const char *name, uint32_t *off, struct type **type)
{
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct type_field *f = &rec->fields[i];
		if (f->name && !strcmp(f->name, name)) {
			*off = f->offset;
			if (type)
				*type = f->type;
			return 0;
		}
		if (!f->name && f->type->kind == TYPE_RECORD &&
		    !cdecl_find_member(f->type, name, off, type)) {
			*off += f->offset;
			return 0;
		}
	}
	return -1;
}

/* A record named by tag: the script's (complete or not yet), made empty
 * when this is its first mention. */
static struct tag_entry *tag_ref(struct cdecl_table *t, const char *tag, const char *name)
{
	struct tag_entry *e = find_tag_entry(t, tag, name);
	if (e)
		return e;
	e = arena_alloc(t->a, sizeof(*e));
	e->tag = tag;
	e->name = name;
	e->type = arena_alloc(t->a, sizeof(*e->type));
	if (!strcmp(tag, "enum")) {
		*e->type = *type_int(false, 4);
	} else {
		e->type->kind = TYPE_RECORD;
		e->type->align = 1;
	}
	e->type->name = arena_printf(t->a, "%s %s", tag, name);
	e->next = t->tags;
	t->tags = e;
	return e;
}

/* Fills a record only referred to from the resolver (BTF): true when it could. */
static bool complete_from(struct cdecl_table *t, struct tag_entry *e,
                          const struct cdecl_resolver *r)
{
	(void)t;
	if (e->complete || !r || !r->named)
		return e->complete;
	struct type *k = r->named(r->arg, e->tag, e->name);
	if (!k)
		return false;
	*e->type = *k;
	e->complete = true;
	return true;
}

void cdecl_finish(struct cdecl_table *t, const struct cdecl_resolver *r)
{
	for (struct tag_entry *e = t->tags; e; e = e->next)
		complete_from(t, e, r);
}

/* ---- constant expressions ---------------------------------------------- */

static bool const_expr(struct cparser *p, int min_prec, int64_t *out);

static bool const_primary(struct cparser *p, int64_t *out)
{
	if (++p->depth > CDECL_MAX_DEPTH) {
		err_at(p, &p->tok, "expression nested too deep");
		return false;
	}
	bool ok = true;
	struct tok t = p->tok;
	if (t.kind == T_INT) {
		*out = (int64_t)t.value;
		next(p);
	} else if (t.kind == T_IDENT) {
		const char *name = tok_name(p);
		struct name_entry *e = find_name(p->t, name);
		if (!e || !e->is_const || e->value.is_str) {
			if (!p->failed)
				diag_c_error(p->d, tok_loc(p, &t),
				           "'%s' is not an integer constant defined before", name);
			p->failed = true;
			ok = false;
		} else {
			*out = e->value.value;
			next(p);
		}
	} else if (accept(p, "(")) {
		ok = const_expr(p, 0, out) && expect(p, ")", "expected ')'");
	} else if (accept(p, "-")) {
		ok = const_primary(p, out);
		*out = (int64_t)(0 - (uint64_t)*out);
	} else if (accept(p, "+")) {
		ok = const_primary(p, out);
	} else if (accept(p, "~")) {
		ok = const_primary(p, out);
		*out = ~*out;
	} else if (accept(p, "!")) {
		ok = const_primary(p, out);
		*out = !*out;
	} else {
		err_at(p, &t, "expected an integer constant");
		ok = false;
	}
	p->depth--;
	return ok;
}

static int binop_prec(const struct cparser *p)
{
	static const struct {
		const char *op;
		int prec;
	} ops[] = {
	    {"||", 1}, {"&&", 2}, {"|", 3}, {"^", 4},  {"&", 5},  {"==", 6},
	    {"!=", 6}, {"<", 7},  {">", 7}, {"<=", 7}, {">=", 7}, {"<<", 8},
	    {">>", 8}, {"+", 9},  {"-", 9}, {"*", 10}, {"/", 10}, {"%", 10},
	};
	if (p->tok.kind != T_PUNCT)
		return 0;
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].op, p->tok.op))
			return ops[i].prec;
	return 0;
}

static bool const_expr(struct cparser *p, int min_prec, int64_t *out)
{
	if (!const_primary(p, out))
		return false;
	for (;;) {
		int prec = binop_prec(p);
		if (!prec || prec < min_prec)
			break;
		struct tok op = p->tok;
		next(p);
		int64_t r;
		if (!const_expr(p, prec + 1, &r))
			return false;
		uint64_t a = (uint64_t)*out, b = (uint64_t)r;
		switch (op.op[0]) {
		case '|':
			*out = op.op[1] ? (*out || r) : (int64_t)(a | b);
			break;
		case '&':
			*out = op.op[1] ? (*out && r) : (int64_t)(a & b);
			break;
		case '^':
			*out = (int64_t)(a ^ b);
			break;
		case '=':
			*out = *out == r;
			break;
		case '!':
			*out = *out != r;
			break;
		case '<':
			*out = op.op[1] == '<'   ? (int64_t)(b < 64 ? a << b : 0)
			       : op.op[1] == '=' ? *out <= r
			                         : *out < r;
			break;
		case '>':
			*out = op.op[1] == '>'   ? (b < 64 ? *out >> b : 0)
			       : op.op[1] == '=' ? *out >= r
			                         : *out > r;
			break;
		case '+':
			*out = (int64_t)(a + b);
			break;
		case '-':
			*out = (int64_t)(a - b);
			break;
		case '*':
			*out = (int64_t)(a * b);
			break;
		case '/':
		case '%':
			if (r == 0) {
				if (!p->failed)
					diag_c_error(p->d, tok_loc(p, &op),
					           "division by zero in a constant");
				p->failed = true;
				return false;
			}
			*out = op.op[0] == '/' ? *out / r : *out % r;
			break;
		}
	}
	if (min_prec == 0 && accept(p, "?")) {
		int64_t a, b;
		if (!const_expr(p, 0, &a) || !expect(p, ":", "expected ':'") ||
		    !const_expr(p, 0, &b))
			return false;
		*out = *out ? a : b;
	}
	return true;
}

/* ---- declarations ------------------------------------------------------- */

static struct type *func_type(struct cparser *p)
{
	struct type *f = arena_alloc(p->t->a, sizeof(*f));
	f->kind = TYPE_VOID;
	f->name = "function";
	return f;
}

static struct type *float_type(struct cparser *p, uint32_t size)
{
	struct type *f = arena_alloc(p->t->a, sizeof(*f));
	f->kind = TYPE_VOID; /* laid out, but not readable: sonde has no floats */
	f->size = f->align = size;
	f->name = size == 4 ? "float" : size == 8 ? "double" : "long double";
	return f;
}

static bool is_qualifier(const struct cparser *p)
{
	static const char *const q[] = {
	    "const",    "volatile", "restrict", "__restrict", "__volatile__", "__const",
	    "static",   "extern",   "register", "inline",     "__inline",     "__user",
	    "__kernel", "__iomem",  "__rcu",    "__percpu",   "__force"};
	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++)
		if (is_word(p, q[i]))
			return true;
	return false;
}

static struct type *builtin_typedef(const char *name)
{
	static const struct {
		const char *name;
		bool is_signed;
		uint32_t size;
	} names[] = {
	    {"int8_t", 1, 1},    {"int16_t", 1, 2},  {"int32_t", 1, 4},   {"int64_t", 1, 8},
	    {"uint8_t", 0, 1},   {"uint16_t", 0, 2}, {"uint32_t", 0, 4},  {"uint64_t", 0, 8},
	    {"__s8", 1, 1},      {"__s16", 1, 2},    {"__s32", 1, 4},     {"__s64", 1, 8},
	    {"__u8", 0, 1},      {"__u16", 0, 2},    {"__u32", 0, 4},     {"__u64", 0, 8},
	    {"s8", 1, 1},        {"s16", 1, 2},      {"s32", 1, 4},       {"s64", 1, 8},
	    {"u8", 0, 1},        {"u16", 0, 2},      {"u32", 0, 4},       {"u64", 0, 8},
	    {"size_t", 0, 8},    {"ssize_t", 1, 8},  {"uintptr_t", 0, 8}, {"intptr_t", 1, 8},
	    {"ptrdiff_t", 1, 8}, {"pid_t", 1, 4},    {"uid_t", 0, 4},     {"gid_t", 0, 4},
	    {"off_t", 1, 8},     {"loff_t", 1, 8},   {"time_t", 1, 8},    {"bool", 0, 1},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i].name, name))
			return type_int(names[i].is_signed, names[i].size);
	return NULL;
}

static struct type *declarator(struct cparser *p, struct type *base, const char **name,
                               struct tok *name_tok);
static struct type *specifiers(struct cparser *p, bool *is_typedef, bool *defined);

static uint32_t round_up(uint32_t v, uint32_t a)
{
	return a > 1 ? (v + a - 1) / a * a : v;
}

static bool complete_from(struct cdecl_table *t, struct tag_entry *e,
                          const struct cdecl_resolver *r);

/* Adds member `name` of type `ft` to `rec` at the next place the x86-64
 * C ABI gives it. `*end_bits` is where the members so far end, in bits
 * (bitfields end inside bytes). `width` > 0 makes it a bitfield of that
 * many bits: it goes at the next bit unless it would cross a boundary of
 * its type's size, then at that boundary; a named one aligns the record
 * as its type does. An unnamed bitfield (`name` NULL, `width` >= 0) only
 * moves the place; of width 0, to the next boundary of its type. */
static bool add_field(struct cparser *p, struct type *rec, uint32_t *cap, const char *name,
                      struct type *ft, bool is_union, const struct tok *where, uint64_t *end_bits,
                      int width)
{
	if (width >= 0 && ft->kind == TYPE_INT) {
		uint64_t unit = (uint64_t)ft->size * 8;
		uint64_t at = is_union ? 0 : *end_bits;
		if (width == 0 || at / unit != (at + (uint64_t)width - 1) / unit)
			at = (at + unit - 1) / unit * unit;
		if (!is_union)
			*end_bits = at + (uint64_t)width;
		uint32_t bytes = (uint32_t)((at + (uint64_t)width + 7) / 8);
		if (bytes > rec->size)
			rec->size = bytes;
		if (!name)
			return true;
		if (ft->align > rec->align)
			rec->align = ft->align;
		if (rec->nfields == *cap) {
			*cap = *cap ? *cap * 2 : 8;
			struct type_field *nf = arena_alloc(p->t->a, *cap * sizeof(*nf));
			if (rec->nfields)
				memcpy(nf, rec->fields, rec->nfields * sizeof(*nf));
			rec->fields = nf;
		}
		rec->fields[rec->nfields++] = (struct type_field){
		    name, ft, (uint32_t)(at / 8), (uint8_t)(at % 8), (uint8_t)width};
		return true;
	}
	/* an embedded record the script only names (struct path path;):
	 * its layout must be known now, so take it from the resolver */
	for (struct type *inner = ft; inner; inner = inner->kind == TYPE_ARRAY ? inner->elem : NULL)
		if (inner->kind == TYPE_RECORD && !inner->size && !inner->nfields)
			for (struct tag_entry *e = p->t->tags; e; e = e->next)
				if (e->type == inner)
					complete_from(p->t, e, p->r);
	if (ft->kind == TYPE_ARRAY && ft->elem->size && !ft->size) {
		ft->size = ft->elem->size * ft->count;
		ft->align = ft->elem->align ? ft->elem->align : 1;
	}
	if (ft->size == 0 && !(ft->kind == TYPE_ARRAY && ft->count == 0)) {
		if (!p->failed)
			diag_c_error(p->d, tok_loc(p, where), "member '%s' has incomplete type '%s'",
			           name ? name : "<anonymous>", type_name(p->t->a, ft));
		p->failed = true;
		return false;
	}
	if (rec->nfields == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		struct type_field *nf = arena_alloc(p->t->a, *cap * sizeof(*nf));
		if (rec->nfields)
			memcpy(nf, rec->fields, rec->nfields * sizeof(*nf));
		rec->fields = nf;
	}
	uint32_t align = ft->align ? ft->align : 1;
	uint32_t off = is_union ? 0 : round_up((uint32_t)((*end_bits + 7) / 8), align);
	rec->fields[rec->nfields++] = (struct type_field){name, ft, off};
	if (off + ft->size > rec->size)
		rec->size = off + ft->size;
	if (!is_union)
		*end_bits = (uint64_t)(off + ft->size) * 8;
	if (align > rec->align)
		rec->align = align;
	return true;
}

/* '{' members '}' of a struct or union, into `rec`. */
static bool record_body_in(struct cparser *p, struct type *rec, bool is_union, int open_line);

static bool record_body(struct cparser *p, struct type *rec, bool is_union, int open_line)
{
	int outer = p->open_line;
	p->open_line = open_line;
	bool ok = record_body_in(p, rec, is_union, open_line);
	p->open_line = outer;
	return ok;
}

static bool record_body_in(struct cparser *p, struct type *rec, bool is_union, int open_line)
{
	uint32_t cap = 0;
	uint64_t end_bits = 0;
	rec->size = 0;
	rec->align = 1;
	rec->nfields = 0;
	while (!is_punct(p, "}") && !p->failed) {
		if (p->tok.kind == T_END) {
			err_at(
			    p, &p->tok,
			    arena_printf(p->t->a,
			                 "expected a member or the '}' closing the '{' of line %d",
			                 open_line));
			return false;
		}
		if (accept(p, ";"))
			continue;
		bool td = false, defined = false;
		struct tok spec_tok = p->tok;
		struct type *base = specifiers(p, &td, &defined);
		if (!base)
			return false;
		if ((is_punct(p, ";") || is_punct(p, "}")) && base->kind == TYPE_RECORD) {
			/* an anonymous struct or union member */
			if (!add_field(p, rec, &cap, NULL, base, is_union, &spec_tok, &end_bits,
			               -1))
				return false;
			accept(p, ";");
			continue;
		}
		for (;;) {
			const char *name = NULL;
			struct tok name_tok = p->tok;
			struct type *ft =
			    is_punct(p, ":") ? base : declarator(p, base, &name, &name_tok);
			if (!ft)
				return false;
			int width = -1;
			if (is_punct(p, ":")) {
				struct tok colon = p->tok;
				next(p);
				struct tok width_tok = p->tok;
				int64_t w;
				if (!const_expr(p, 0, &w))
					return false;
				if (ft->kind != TYPE_INT) {
					err_at(
					    p, &colon,
					    arena_printf(p->t->a,
					                 "a bitfield needs an integer type, not %s",
					                 type_name(p->t->a, ft)));
					return false;
				}
				if (w < 0 || w > (int64_t)ft->size * 8 || (w == 0 && name)) {
					err_at(p, &width_tok,
					       arena_printf(p->t->a,
					                    "a bitfield of %s has 1 to %u bits (0 "
					                    "only without a name)",
					                    type_name(p->t->a, ft), ft->size * 8));
					return false;
				}
				width = (int)w;
				if (!name) {
					add_field(p, rec, &cap, NULL, ft, is_union, &colon,
					          &end_bits, width);
					if (!accept(p, ","))
						break;
					continue;
				}
			}
			if (!name) {
				err_at(p, &name_tok, "expected a member name");
				return false;
			}
			if (ft->kind == TYPE_VOID && ft->name && !strcmp(ft->name, "function")) {
				err_at(p, &name_tok,
				       "a member cannot be a function (a pointer to one can)");
				return false;
			}
			uint32_t dummy;
			if (cdecl_find_member(rec, name, &dummy, NULL) == 0) {
				if (!p->failed)
					diag_c_error(p->d, tok_loc(p, &name_tok),
					           "duplicate member '%s'", name);
				p->failed = true;
				return false;
			}
			if (!add_field(p, rec, &cap, name, ft, is_union, &name_tok, &end_bits,
			               width))
				return false;
			if (!accept(p, ","))
				break;
		}
		if (is_punct(p, "}"))
			break; /* bpftrace lets the last ';' be left out */
		if (!expect(p, ";", "expected ';' after a member"))
			return false;
	}
	rec->size = round_up(rec->size, rec->align);
	return !p->failed && expect(p, "}", "expected '}'");
}

/* '{' enumerators '}' */
static bool enum_body(struct cparser *p, struct type *et)
{
	int64_t value = 0;
	bool negative = false;
	while (!is_punct(p, "}")) {
		if (p->tok.kind != T_IDENT) {
			err_at(p, &p->tok, "expected an enumerator name");
			return false;
		}
		struct tok name_tok = p->tok;
		const char *name = tok_name(p);
		next(p);
		if (accept(p, "=") && !const_expr(p, 0, &value))
			return false;
		struct name_entry *e = find_name(p->t, name);
		if (e) {
			diag_c_error(p->d, tok_loc(p, &name_tok), "'%s' is defined twice", name);
			p->failed = true;
			return false;
		}
		e = add_name(p->t, name);
		e->is_const = true;
		e->value.value = value;
		negative |= value < 0;
		value++;
		if (!accept(p, ","))
			break;
	}
	*et = *type_int(negative, 4);
	return expect(p, "}", "expected ',' or '}'");
}

/* __attribute__((packed)) and __attribute__((aligned(N))) after a
 * record's body: packed lays the members out again at alignment 1. */
static bool attributes(struct cparser *p, struct type *rec, bool is_union)
{
	while (is_word(p, "__attribute__") || is_word(p, "__attribute")) {
		next(p);
		if (!expect(p, "(", "expected '((' after __attribute__") ||
		    !expect(p, "(", "expected '((' after __attribute__"))
			return false;
		while (!is_punct(p, ")")) {
			struct tok at = p->tok;
			if (is_word(p, "packed") || is_word(p, "__packed__")) {
				for (uint32_t i = 0; i < rec->nfields; i++)
					if (rec->fields[i].bit_size) {
						err_at(p, &at,
						       "a packed record with bitfields is not "
						       "supported: expected 'aligned(N)' or ')'");
						return false;
					}
				next(p);
				uint32_t size = 0;
				for (uint32_t i = 0; i < rec->nfields; i++) {
					struct type_field *f = &rec->fields[i];
					f->offset = is_union ? 0 : size;
					if (f->offset + f->type->size > size)
						size = f->offset + f->type->size;
				}
				rec->size = size;
				rec->align = 1;
			} else if (is_word(p, "aligned") || is_word(p, "__aligned__")) {
				next(p);
				int64_t n = 16;
				if (accept(p, "(") &&
				    (!const_expr(p, 0, &n) || !expect(p, ")", "expected ')'")))
					return false;
				if (n <= 0 || (n & (n - 1)) || n > 4096) {
					if (!p->failed)
						diag_c_error(p->d, tok_loc(p, &at),
						           "alignment %lld is not a power of two "
						           "up to 4096",
						           (long long)n);
					p->failed = true;
					return false;
				}
				if ((uint32_t)n > rec->align)
					rec->align = (uint32_t)n;
				rec->size = round_up(rec->size, rec->align);
			} else {
				err_at(
				    p, &p->tok,
				    "expected 'packed' or 'aligned' (the attributes sonde knows)");
				return false;
			}
			if (!accept(p, ","))
				break;
		}
		if (!expect(p, ")", "expected '))'") || !expect(p, ")", "expected '))'"))
			return false;
	}
	return true;
}

/* struct/union/enum [NAME] [body] after the keyword */
static struct type *tagged(struct cparser *p, const char *tag, bool *defined)
{
	struct tok kw = p->tok;
	next(p);
	const char *name = NULL;
	if (p->tok.kind == T_IDENT && !is_qualifier(p)) {
		name = tok_name(p);
		next(p);
	}
	if (!is_punct(p, "{")) {
		if (!name) {
			err_at(p, &p->tok,
			       arena_printf(p->t->a, "expected a name or '{' after '%s'", tag));
			return NULL;
		}
		return tag_ref(p->t, tag, name)->type;
	}
	int open_line = p->tok.at.line;
	(void)kw;
	next(p);
	struct tag_entry *e = NULL;
	struct type *t;
	if (name) {
		e = tag_ref(p->t, tag, name);
		if (e->complete) {
			diag_c_error(p->d, tok_loc(p, &kw), "%s %s is defined twice", tag, name);
			p->failed = true;
			return NULL;
		}
		t = e->type;
	} else {
		t = arena_alloc(p->t->a, sizeof(*t));
		t->kind = TYPE_RECORD;
		t->name = arena_printf(p->t->a, "%s <anonymous>", tag);
	}
	if (++p->depth > CDECL_MAX_DEPTH) {
		err_at(p, &p->tok, "definitions nested too deep");
		return NULL;
	}
	const char *keep_name = t->name;
	bool is_union = !strcmp(tag, "union");
	bool ok = !strcmp(tag, "enum") ? enum_body(p, t) : record_body(p, t, is_union, open_line);
	t->name = keep_name;
	p->depth--;
	if (!ok || (strcmp(tag, "enum") && !attributes(p, t, is_union)))
		return NULL;
	if (e)
		e->complete = true;
	*defined = true;
	return t;
}

/* Declaration specifiers: qualifiers, int words, a tagged type or a
 * typedef name. */
static struct type *specifiers(struct cparser *p, bool *is_typedef, bool *defined)
{
	int n_signed = 0, n_unsigned = 0, n_char = 0, n_short = 0, n_int = 0, n_long = 0;
	int n_bool = 0, n_float = 0, n_double = 0, n_void = 0;
	/* the words of the basic types, each counted where the type is decided */
	const struct {
		const char *word;
		int *count;
	} type_words[] = {
	    {"signed", &n_signed}, {"__signed__", &n_signed}, {"unsigned", &n_unsigned},
	    {"char", &n_char},     {"short", &n_short},       {"int", &n_int},
	    {"long", &n_long},     {"_Bool", &n_bool},        {"float", &n_float},
	    {"double", &n_double}, {"void", &n_void},
	};
	int words = 0;
	struct type *named = NULL;
	struct tok first = p->tok;
	for (;;) {
		int *count = NULL;
		for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]) && !count; i++)
			if (is_word(p, type_words[i].word))
				count = type_words[i].count;
		if (is_qualifier(p)) {
			next(p);
		} else if (is_word(p, "typedef")) {
			*is_typedef = true;
			next(p);
		} else if (count) {
			(*count)++, words++, next(p);
		} else if (!named &&
		           (is_word(p, "struct") || is_word(p, "union") || is_word(p, "enum"))) {
			const char *tag = is_word(p, "struct")  ? "struct"
			                  : is_word(p, "union") ? "union"
			                                        : "enum";
			named = tagged(p, tag, defined);
			if (!named)
				return NULL;
		} else if (!named && p->tok.kind == T_IDENT && !words) {
			const char *name = tok_name(p);
			struct name_entry *e = find_name(p->t, name);
			named = e && !e->is_const ? e->type : builtin_typedef(name);
			if (!named && p->r && p->r->named)
				named = p->r->named(p->r->arg, NULL, name);
			if (!named && p->open_line) {
				/* `struct foo { int a;` then a probe: the '}' is missing */
				struct cursor save = p->cur;
				struct tok name_tok = p->tok;
				next(p);
				bool probe_like =
				    is_punct(p, "{") || is_punct(p, ":") || is_punct(p, "/");
				p->cur = save;
				p->tok = name_tok;
				if (probe_like) {
					err_at(p, &p->tok,
					       arena_printf(
					           p->t->a,
					           "expected a member or the '}' closing the '{' "
					           "of line %d",
					           p->open_line));
					return NULL;
				}
			}
			if (!named) {
				if (!p->failed)
					diag_c_error(
					    p->d, tok_loc(p, &p->tok),
					    "unknown type name '%s' (neither the script nor the "
					    "kernel's BTF defines it)",
					    name);
				p->failed = true;
				return NULL;
			}
			next(p);
		} else {
			break;
		}
	}
	if (named) {
		if (words) {
			err_at(p, &first, "a type name cannot be combined with int words");
			return NULL;
		}
		return named;
	}
	if (!words) {
		err_at(p, &p->tok, "expected a type");
		return NULL;
	}
	if (n_void)
		return &type_void;
	if (n_bool)
		return type_int(false, 1);
	if (n_float)
		return float_type(p, 4);
	if (n_double)
		return float_type(p, n_long ? 16 : 8);
	bool is_signed = !n_unsigned;
	if (n_char)
		return !n_signed && !n_unsigned ? p->t->char_type : type_int(is_signed, 1);
	if (n_short)
		return type_int(is_signed, 2);
	if (n_long)
		return type_int(is_signed, 8);
	return type_int(is_signed, 4);
}

static struct type *make_array(struct cparser *p, struct type *elem, uint32_t count)
{
	if (elem == p->t->char_type)
		return type_str(p->t->a, count);
	return type_array(p->t->a, elem, count);
}

/* Array and function suffixes, applied to `base`. */
static struct type *suffixes(struct cparser *p, struct type *base)
{
	if (accept(p, "(")) {
		int depth = 1;
		while (depth && p->tok.kind != T_END) {
			if (is_punct(p, "("))
				depth++;
			else if (is_punct(p, ")"))
				depth--;
			next(p);
		}
		if (depth) {
			err_at(p, &p->tok, "expected ')'");
			return NULL;
		}
		return func_type(p);
	}
	if (!is_punct(p, "["))
		return base;
	struct tok open = p->tok;
	next(p);
	int64_t n = 0;
	if (!is_punct(p, "]") && !const_expr(p, 0, &n))
		return NULL;
	if (!expect(p, "]", "expected ']'"))
		return NULL;
	if (n < 0 || n > CDECL_MAX_ARRAY) {
		if (!p->failed)
			diag_c_error(p->d, tok_loc(p, &open), "array size %lld is out of range",
			           (long long)n);
		p->failed = true;
		return NULL;
	}
	struct type *inner = suffixes(p, base);
	if (!inner)
		return NULL;
	return make_array(p, inner, (uint32_t)n);
}

static struct type *declarator(struct cparser *p, struct type *base, const char **name,
                               struct tok *name_tok)
{
	if (++p->depth > CDECL_MAX_DEPTH) {
		err_at(p, &p->tok, "declarator nested too deep");
		return NULL;
	}
	while (accept(p, "*")) {
		base = type_ptr(p->t->a, base->kind == TYPE_VOID && base->name &&
		                                 !strcmp(base->name, "function")
		                             ? &type_void
		                             : base);
		while (is_qualifier(p))
			next(p);
	}
	struct type *t;
	if (is_punct(p, "(")) {
		/* (declarator) suffixes: the suffixes apply first, then the
		 * inner declarator */
		struct cursor inner = p->cur;
		struct tok open = p->tok;
		int depth = 1;
		next(p);
		while (depth && p->tok.kind != T_END) {
			if (is_punct(p, "("))
				depth++;
			else if (is_punct(p, ")"))
				depth--;
			next(p);
		}
		if (depth) {
			err_at(p, &open, "unbalanced '('");
			return NULL;
		}
		struct type *outer = suffixes(p, base);
		if (!outer)
			return NULL;
		struct cursor after = p->cur;
		struct tok after_tok = p->tok;
		p->cur = inner;
		next(p);
		t = declarator(p, outer, name, name_tok);
		if (!t || !expect(p, ")", "expected ')'"))
			return NULL;
		p->cur = after;
		p->tok = after_tok;
	} else {
		if (p->tok.kind == T_IDENT && !is_qualifier(p)) {
			*name_tok = p->tok;
			*name = tok_name(p);
			next(p);
		}
		t = suffixes(p, base);
	}
	p->depth--;
	return t;
}

static void start(struct cparser *p, struct cdecl_table *t, struct diag *d, const char *text,
                  size_t len, struct loc at, const struct cdecl_resolver *r)
{
	memset(p, 0, sizeof(*p));
	p->t = t;
	p->d = d;
	p->r = r;
	p->text = text;
	p->len = len;
	p->file = at.file;
	p->cur = (struct cursor){0, at.first_line, at.first_column};
	next(p);
}

int cdecl_parse(struct cdecl_table *t, struct diag *d, const char *text, size_t len, struct loc at,
                const struct cdecl_resolver *r)
{
	struct cparser p;
	start(&p, t, d, text, len, at, r);
	bool td = false, defined = false;
	struct tok first = p.tok;
	struct type *base = specifiers(&p, &td, &defined);
	if (!base)
		return -1;
	if (!td && !defined && base->kind != TYPE_RECORD &&
	    !(first.kind == T_IDENT && is_punct(&p, ";"))) {
		err_at(&p, &first, "expected a struct, union, enum or typedef definition");
		return -1;
	}
	if (td) {
		for (;;) {
			const char *name = NULL;
			struct tok name_tok = p.tok;
			struct type *ty = declarator(&p, base, &name, &name_tok);
			if (!ty)
				return -1;
			if (!name) {
				err_at(&p, &name_tok, "expected the typedef's name");
				return -1;
			}
			struct name_entry *e = find_name(t, name);
			if (e && e->from_system) {
				e->type = ty; /* the script's own wins */
				e->from_system = false;
				if (!accept(&p, ","))
					break;
				continue;
			}
			if (e && (e->is_const || e->type != ty)) {
				diag_c_error(d, tok_loc(&p, &name_tok), "'%s' is defined twice",
				           name);
				return -1;
			}
			add_name(t, name)->type = ty;
			if (!accept(&p, ","))
				break;
		}
	} else if (!is_punct(&p, ";") && p.tok.kind != T_END) {
		err_at(&p, &p.tok, "expected ';' (a script defines types, not variables)");
		return -1;
	}
	if (p.failed)
		return -1;
	if (!accept(&p, ";") && (td || p.tok.kind != T_END)) {
		err_at(&p, &p.tok, "expected ';'");
		return -1;
	}
	if (p.tok.kind != T_END) {
		err_at(&p, &p.tok, "expected the end of the definition");
		return -1;
	}
	return 0;
}

/* ---- #define ------------------------------------------------------------- */

int cdecl_define(struct cdecl_table *t, struct diag *d, const char *text, size_t len, struct loc at)
{
	size_t blanks = 0; /* an indented #define starts at its '#' */
	while (blanks < len && (text[blanks] == ' ' || text[blanks] == '\t'))
		blanks++;
	text += blanks;
	len -= blanks;
	at.first_column += (int)blanks;
	struct cparser p;
	start(&p, t, d, text, len, at, NULL);
	accept(&p, "#");
	next(&p); /* define */
	if (p.tok.kind != T_IDENT) {
		err_at(&p, &p.tok, "expected a name after #define");
		return -1;
	}
	struct tok name_tok = p.tok;
	const char *name = tok_name(&p);
	next(&p);
	if (is_punct(&p, "(") && p.tok.at.pos == name_tok.at.pos + name_tok.len) {
		err_at(
		    &p, &p.tok,
		    "function-like #define is not supported: expected a constant after the name");
		return -1;
	}
	if (p.tok.kind == T_END)
		return 0; /* `#define NAME`: a flag for #ifdef, nothing to expand */
	struct cdecl_const v = {0};
	if (p.tok.kind == T_STR) {
		v.is_str = true;
		const char *s = "";
		while (p.tok.kind == T_STR) {
			/* adjacent literals concatenate; C's simple escapes */
			const char *q = p.text + p.tok.at.pos;
			size_t n = p.tok.len;
			if (n < 2 || q[n - 1] != '"' ||
			    (n > 2 && q[n - 2] == '\\' && q[n - 3] != '\\')) {
				diag_c_error(d, tok_loc(&p, &p.tok), "unterminated string");
				return -1;
			}
			char *buf = arena_alloc(t->a, n);
			size_t k = 0;
			for (size_t i = 1; i + 1 < n; i++) {
				char c = q[i];
				if (c == '\\' && i + 2 < n) {
					c = q[++i];
					c = c == 'n'   ? '\n'
					    : c == 't' ? '\t'
					    : c == 'r' ? '\r'
					    : c == '0' ? 0
					               : c;
				}
				buf[k++] = c;
			}
			buf[k] = 0;
			s = arena_printf(t->a, "%s%s", s, buf);
			next(&p);
		}
		v.str = s;
	} else if (!const_expr(&p, 0, &v.value)) {
		return -1;
	}
	if (p.tok.kind != T_END) {
		err_at(&p, &p.tok, "expected the end of the #define");
		return -1;
	}
	struct name_entry *e = find_name(t, name);
	if (e && (!e->is_const || e->value.is_str != v.is_str || e->value.value != v.value ||
	          (v.is_str && strcmp(e->value.str, v.str)))) {
		diag_c_error(d, tok_loc(&p, &name_tok), "'%s' is defined twice", name);
		return -1;
	}
	e = add_name(t, name);
	e->is_const = true;
	e->value = v;
	return 0;
}

/* ---- for the lexer -------------------------------------------------------- */

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static size_t skip_blank_comments(const char *text, size_t len, size_t j)
{
	for (;;) {
		while (j < len && isspace((unsigned char)text[j]))
			j++;
		if (j + 1 < len && text[j] == '/' && text[j + 1] == '*') {
			const char *e = strstr(text + j + 2, "*/");
			if (!e || (size_t)(e - text) >= len)
				return len;
			j = (size_t)(e - text) + 2;
			continue;
		}
		return j;
	}
}

size_t cdecl_extent(const char *text, size_t len, size_t start)
{
	bool td = len - start >= 7 && !memcmp(text + start, "typedef", 7);
	int depth = 0;
	for (size_t i = start; i < len; i++) {
		char c = text[i];
		if (c == '/' && i + 1 < len && text[i + 1] == '*') {
			const char *end = strstr(text + i + 2, "*/");
			if (!end || (size_t)(end - text) >= len)
				return len;
			i = (size_t)(end - text) + 1;
		} else if (c == '/' && i + 1 < len && text[i + 1] == '/') {
			while (i < len && text[i] != '\n')
				i++;
		} else if (c == '{') {
			depth++;
		} else if (c == '}') {
			if (--depth <= 0 && !td) {
				size_t end = i + 1;
				for (;;) { /* __attribute__((...)) after the body */
					size_t j = skip_blank_comments(text, len, end);
					if (len - j < 13 || memcmp(text + j, "__attribute", 11))
						break;
					j += 11;
					while (j < len && word_char(text[j]))
						j++;
					j = skip_blank_comments(text, len, j);
					if (j >= len || text[j] != '(')
						break;
					int parens = 0;
					for (; j < len; j++) {
						parens += text[j] == '(';
						if (text[j] == ')' && --parens == 0)
							break;
					}
					end = j < len ? j + 1 : len;
				}
				size_t j = end;
				while (j < len && (text[j] == ' ' || text[j] == '\t'))
					j++;
				return j < len && text[j] == ';' ? j + 1 : end;
			}
		} else if (c == ';' && depth <= 0) {
			return i + 1;
		}
	}
	return len;
}

void cdecl_typedef_names(const char *text, size_t len,
                         void (*cb)(void *arg, const char *name, size_t len), void *arg)
{
	/* the identifiers at brace depth 0 right before ',', ';', '[' or ')' */
	int depth = 0;
	size_t last = 0, last_len = 0;
	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (c == '{') {
			depth++;
		} else if (c == '}') {
			depth--;
		} else if (depth == 0 && (isalpha((unsigned char)c) || c == '_') &&
		           (i == 0 || !word_char(text[i - 1]))) {
			size_t j = i;
			while (j < len && word_char(text[j]))
				j++;
			last = i;
			last_len = j - i;
			i = j - 1;
		} else if (depth == 0 && (c == ',' || c == ';' || c == '[') && last_len) {
			cb(arg, text + last, last_len);
			last_len = 0;
		} else if (depth == 0 && !isspace((unsigned char)c) && c != '*') {
			last_len = 0;
		}
	}
}

void cdecl_header_typedef_names(const char *script, const char *line, size_t len,
                                void (*cb)(void *arg, const char *name, size_t len), void *arg)
{
	const char *q = memchr(line, '"', len);
	const char *e = q ? memchr(q + 1, '"', len - (size_t)(q + 1 - line)) : NULL;
	if (!e || q[1] == '/')
		return;
	const char *slash = script ? strrchr(script, '/') : NULL;
	char path[4096];
	snprintf(path, sizeof(path), "%.*s%s%.*s", slash ? (int)(slash - script) : 0,
	         slash ? script : "", slash ? "/" : "", (int)(e - q - 1), q + 1);
	FILE *f = fopen(path, "rb");
	if (!f)
		return;
	char *text = malloc(1 << 20);
	size_t n = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (!text)
		return;
	text[n] = 0;
	for (size_t i = 0; i < n; i++) {
		bool line_start = i == 0 || text[i - 1] == '\n';
		if (line_start && n - i >= 8 && !memcmp(text + i, "typedef", 7) &&
		    !word_char(text[i + 7])) {
			size_t end = cdecl_extent(text, n, i);
			cdecl_typedef_names(text + i, end - i, cb, arg);
			i = end - 1;
		}
	}
	free(text);
}
