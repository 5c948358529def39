/*
 * ppexpr.c - #if and #elif expressions (see ppexpr.h).
 *
 * The line is cut into tokens, each with its column, the script's
 * #defines are expanded into a second list (a token from a macro's body
 * carries the column of the macro's name, so an error inside it points at
 * the use), and the list is evaluated by precedence climbing. Arithmetic
 * is the preprocessor's: intmax_t, or uintmax_t when either side is
 * unsigned; a side that is not evaluated (`0 && 1/0`) reports no error.
 */
#include "front/ppexpr.h"
#include "front/intlit.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { PP_MAX_TOKENS = 1024, PP_MAX_DEPTH = 64, PP_MAX_ARGS = 16 };

enum pp_kind { PP_END, PP_NUM, PP_IDENT, PP_PUNCT, PP_BAD };

struct pp_token {
	enum pp_kind kind;
	const char *text;
	size_t len;
	int col;        /* column offset from the expression's first byte */
	bool from_body; /* from a macro's body: `text` is not on this line */
};

struct pp_value {
	intmax_t v;
	bool uns;
};

struct pp_state {
	struct directives *dv;
	struct loc at;
	int *errors;
	struct pp_token *toks;
	int ntok;
	int pos;
	bool failed;
	int end_col;
};

static bool id_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool id_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static void pp_error(struct pp_state *st, const struct pp_token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void pp_error(struct pp_state *st, const struct pp_token *t, const char *fmt, ...)
{
	if (st->failed)
		return;
	st->failed = true;
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct loc l = st->at;
	int col = t ? t->col : st->end_col;
	l.first_column = st->at.first_column + col;
	l.last_column = l.first_column + (t && t->len && !t->from_body ? (int)t->len - 1 : 0);
	if (t && t->from_body)
		l.last_column = l.first_column;
	l.last_line = l.first_line;
	diag_c_error(st->dv->diag, l, "%s", msg);
	(*st->errors)++;
}

static const char *const puncts[] = {"<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "(",
                                     ")",  "!",  "~",  "+",  "-",  "*",  "/",  "%",  "<",
                                     ">",  "&",  "^",  "|",  "?",  ":",  ",",  "#"};

/* Cuts `len` bytes into tokens (appended at out[*n]); all of them get the
 * column `fixed_col` when it is not negative (a macro's body). */
static bool tokenize(struct pp_state *st, const char *s, size_t len, int fixed_col,
                     struct pp_token *out, int *n)
{
	size_t i = 0;
	while (i < len) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
			i++;
			continue;
		}
		if (c == '\\' && i + 1 < len && (s[i + 1] == '\n' || s[i + 1] == '\r')) {
			i += 2;
			continue;
		}
		if (c == '/' && i + 1 < len && s[i + 1] == '/')
			break;
		if (c == '/' && i + 1 < len && s[i + 1] == '*') {
			const char *e = NULL;
			for (size_t k = i + 2; k + 1 < len; k++)
				if (s[k] == '*' && s[k + 1] == '/') {
					e = s + k;
					break;
				}
			i = e ? (size_t)(e - s) + 2 : len;
			continue;
		}
		if (*n >= PP_MAX_TOKENS) {
			pp_error(st, NULL, "#if expression too long (more than %d tokens)",
			         PP_MAX_TOKENS);
			return false;
		}
		struct pp_token *t = &out[(*n)++];
		t->text = s + i;
		t->col = fixed_col >= 0 ? fixed_col : (int)i;
		t->from_body = fixed_col >= 0;
		size_t st0 = i;
		if (id_start(c)) {
			while (i < len && id_char(s[i]))
				i++;
			t->kind = PP_IDENT;
		} else if (isdigit((unsigned char)c) ||
		           (c == '.' && i + 1 < len && isdigit((unsigned char)s[i + 1]))) {
			/* a preprocessing number: digits, letters, '.', and an
			 * exponent's sign */
			while (i < len && (id_char(s[i]) || s[i] == '.' ||
			                   ((s[i] == '+' || s[i] == '-') &&
			                    (s[i - 1] == 'e' || s[i - 1] == 'E' ||
			                     s[i - 1] == 'p' || s[i - 1] == 'P'))))
				i++;
			t->kind = PP_NUM;
		} else if (c == '\'' || c == '"') {
			i++;
			while (i < len && s[i] != c)
				i += s[i] == '\\' ? 2 : 1;
			if (i < len)
				i++;
			if (i > len)
				i = len;
			t->kind = c == '\'' ? PP_NUM : PP_BAD;
		} else {
			t->kind = PP_BAD;
			i++;
			for (size_t p = 0; p < sizeof(puncts) / sizeof(puncts[0]); p++) {
				size_t pl = strlen(puncts[p]);
				if (len - st0 >= pl && !memcmp(s + st0, puncts[p], pl)) {
					t->kind = PP_PUNCT;
					i = st0 + pl;
					break;
				}
			}
		}
		t->len = i - st0;
	}
	return true;
}

static bool tok_is(const struct pp_token *t, const char *p)
{
	return (t->kind == PP_PUNCT || t->kind == PP_IDENT) && t->len == strlen(p) &&
	       !memcmp(t->text, p, t->len);
}

static const struct directive_name *find_macro(const struct directives *dv,
                                               const struct pp_token *t)
{
	for (const struct directive_name *d = dv->defined; d; d = d->next)
		if (strlen(d->name) == t->len && !memcmp(d->name, t->text, t->len))
			return d;
	return NULL;
}

struct hide {
	const char *name;
	const struct hide *up;
};

static bool hidden(const struct hide *h, const struct pp_token *t)
{
	for (; h; h = h->up)
		if (strlen(h->name) == t->len && !memcmp(h->name, t->text, t->len))
			return true;
	return false;
}

static bool push(struct pp_state *st, struct pp_token *out, int *n, const struct pp_token *t)
{
	if (*n >= PP_MAX_TOKENS) {
		pp_error(st, t,
		         "#if expression too long after its macros are expanded (more than "
		         "%d tokens)",
		         PP_MAX_TOKENS);
		return false;
	}
	out[(*n)++] = *t;
	return true;
}

/* Whether the parameter list text names `t`: its index, or -1. */
static int param_index(const struct directive_name *d, const struct pp_token *t)
{
	const char *p = d->params;
	for (int k = 0; k < d->nparams; k++) {
		while (*p && !id_char(*p))
			p++;
		const char *s = p;
		while (id_char(*p))
			p++;
		if ((size_t)(p - s) == t->len && !memcmp(s, t->text, t->len))
			return k;
	}
	return -1;
}

/* The tokens in[0..nin) with macros expanded, appended to out. `use_col`
 * (when not negative) is the column every token made here carries. */
static bool expand(struct pp_state *st, const struct pp_token *in, int nin, struct pp_token *out,
                   int *nout, const struct hide *hide, int depth)
{
	if (depth > PP_MAX_DEPTH) {
		pp_error(st, nin ? &in[0] : NULL, "macros in #if nested too deep");
		return false;
	}
	for (int i = 0; i < nin; i++) {
		const struct pp_token *t = &in[i];
		if (t->kind == PP_IDENT && tok_is(t, "defined")) {
			/* its operand is a name, not expanded */
			if (!push(st, out, nout, t))
				return false;
			int k = i + 1;
			if (k < nin && tok_is(&in[k], "(")) {
				if (!push(st, out, nout, &in[k++]))
					return false;
			}
			if (k < nin && in[k].kind == PP_IDENT) {
				if (!push(st, out, nout, &in[k]))
					return false;
				k++;
			}
			i = k - 1;
			continue;
		}
		const struct directive_name *d =
		    t->kind == PP_IDENT && !hidden(hide, t) ? find_macro(st->dv, t) : NULL;
		if (!d || !d->value ||
		    (d->nparams >= 0 && !(i + 1 < nin && tok_is(&in[i + 1], "(")))) {
			if (!push(st, out, nout, t))
				return false;
			continue;
		}
		int col = t->col;
		struct pp_token *body = arena_alloc(st->dv->arena, sizeof(*body) * PP_MAX_TOKENS);
		struct pp_token *sub = arena_alloc(st->dv->arena, sizeof(*sub) * PP_MAX_TOKENS);
		int nbody = 0, nsub = 0;
		if (!tokenize(st, d->value, d->value_len, col, body, &nbody))
			return false;
		if (d->nparams < 0) {
			memcpy(sub, body, sizeof(body[0]) * (size_t)nbody);
			nsub = nbody;
		} else {
			/* NAME ( args ): each argument the tokens up to a ',' or
			 * the ')' at its own level */
			int argst[PP_MAX_ARGS], argend[PP_MAX_ARGS];
			int nargs = 0, level = 0, k = i + 2;
			argst[0] = k;
			for (; k < nin; k++) {
				if (tok_is(&in[k], "("))
					level++;
				else if (tok_is(&in[k], ")") && level-- == 0)
					break;
				else if (tok_is(&in[k], ",") && level == 0 &&
				         nargs + 1 < PP_MAX_ARGS) {
					argend[nargs++] = k;
					argst[nargs] = k + 1;
				}
			}
			if (k >= nin) {
				pp_error(st, t, "unterminated call of macro '%s' in #if", d->name);
				return false;
			}
			argend[nargs++] = k;
			if (nargs == 1 && argend[0] == argst[0] && d->nparams == 0)
				nargs = 0;
			if (nargs != d->nparams) {
				pp_error(st, t, "macro '%s' takes %d argument%s, %d given", d->name,
				         d->nparams, d->nparams == 1 ? "" : "s", nargs);
				return false;
			}
			for (int b = 0; b < nbody; b++) {
				int p = body[b].kind == PP_IDENT ? param_index(d, &body[b]) : -1;
				if (p < 0) {
					if (!push(st, sub, &nsub, &body[b]))
						return false;
					continue;
				}
				for (int a = argst[p]; a < argend[p]; a++) {
					struct pp_token at = in[a];
					at.col = col;
					at.from_body = true;
					if (!push(st, sub, &nsub, &at))
						return false;
				}
			}
			i = k;
		}
		struct hide h = {d->name, hide};
		if (!expand(st, sub, nsub, out, nout, &h, depth + 1))
			return false;
	}
	return true;
}

static const struct pp_token *peek(struct pp_state *st)
{
	return st->pos < st->ntok ? &st->toks[st->pos] : NULL;
}

static bool accept(struct pp_state *st, const char *p)
{
	const struct pp_token *t = peek(st);
	if (t && t->kind == PP_PUNCT && tok_is(t, p)) {
		st->pos++;
		return true;
	}
	return false;
}

static void describe(const struct pp_token *t, char *buf, size_t n)
{
	if (!t)
		snprintf(buf, n, "the end of the line");
	else
		snprintf(buf, n, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->text);
}

/* a digit's value, and one no base takes for anything else */
static unsigned digit_value(char c)
{
	int d = intlit_digit(c);
	return d < 0 ? 99u : (unsigned)d;
}

static struct pp_value char_constant(struct pp_state *st, const struct pp_token *t)
{
	struct pp_value r = {0, false};
	const char *s = t->text + 1, *e = t->text + t->len - 1;
	if (t->len < 3 || *e != '\'') {
		pp_error(st, t, "malformed character constant in #if");
		return r;
	}
	int c;
	if (*s != '\\') {
		c = (unsigned char)*s++;
	} else {
		s++;
		switch (*s) {
		case 'n':
			c = '\n';
			s++;
			break;
		case 't':
			c = '\t';
			s++;
			break;
		case 'r':
			c = '\r';
			s++;
			break;
		case 'a':
			c = '\a';
			s++;
			break;
		case 'b':
			c = '\b';
			s++;
			break;
		case 'f':
			c = '\f';
			s++;
			break;
		case 'v':
			c = '\v';
			s++;
			break;
		case 'x':
			s++;
			c = 0;
			while (s < e && digit_value(*s) < 16)
				c = c * 16 + digit_value(*s++);
			break;
		default:
			if (*s >= '0' && *s <= '7') {
				c = 0;
				for (int k = 0; k < 3 && s < e && *s >= '0' && *s <= '7'; k++)
					c = c * 8 + (*s++ - '0');
			} else {
				c = (unsigned char)*s++;
			}
		}
	}
	if (s != e) {
		pp_error(st, t, "character constant with more than one character in #if");
		return r;
	}
	r.v = (signed char)c; /* char is signed on x86-64, as the compiler has it */
	return r;
}

static struct pp_value number(struct pp_state *st, const struct pp_token *t)
{
	struct pp_value r = {0, false};
	if (t->text[0] == '\'')
		return char_constant(st, t);
	const char *s = t->text, *e = t->text + t->len;
	int base = 10;
	if (e - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (e - s > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
		base = 2;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	uintmax_t v = 0;
	bool overflow = false;
	const char *d = s;
	for (; d < e && digit_value(*d) < (unsigned)base; d++) {
		uintmax_t nv = v * (uintmax_t)base + (uintmax_t)digit_value(*d);
		if (nv / (uintmax_t)base != v)
			overflow = true;
		v = nv;
	}
	int nu = 0, nl = 0;
	const char *suffix = d;
	for (; d < e; d++) {
		if (*d == 'u' || *d == 'U')
			nu++;
		else if (*d == 'l' || *d == 'L')
			nl++;
		else
			break;
	}
	if (d != e || nu > 1 || nl > 2 || (base != 10 && s == suffix)) {
		bool floating = base != 16 && memchr(t->text, '.', t->len);
		for (const char *p = t->text; !floating && base == 10 && p < e; p++)
			floating = *p == 'e' || *p == 'E';
		if (floating)
			pp_error(st, t, "floating constant in #if, which takes integers only");
		else
			pp_error(st, t, "invalid integer constant %.*s in #if", (int)t->len,
			         t->text);
		return r;
	}
	if (overflow) {
		pp_error(st, t, "integer constant %.*s is too large for #if", (int)t->len, t->text);
		return r;
	}
	r.v = (intmax_t)v;
	r.uns = nu > 0 || v > (uintmax_t)INTMAX_MAX;
	return r;
}

static struct pp_value cond_expr(struct pp_state *st, bool eval);
static struct pp_value comma_expr(struct pp_state *st, bool eval);

static struct pp_value unary(struct pp_state *st, bool eval)
{
	struct pp_value r = {0, false};
	const struct pp_token *t = peek(st);
	char what[64];
	if (!t || st->failed) {
		pp_error(st, t, "expected an expression in #if");
		return r;
	}
	if (t->kind == PP_PUNCT) {
		st->pos++;
		if (tok_is(t, "(")) {
			r = comma_expr(st, eval);
			if (!accept(st, ")")) {
				describe(peek(st), what, sizeof(what));
				pp_error(st, peek(st), "expected ')' in #if, not %s", what);
			}
			return r;
		}
		if (tok_is(t, "+") || tok_is(t, "-") || tok_is(t, "~") || tok_is(t, "!")) {
			r = unary(st, eval);
			if (tok_is(t, "-"))
				r.v = (intmax_t)(0 - (uintmax_t)r.v);
			else if (tok_is(t, "~"))
				r.v = ~r.v;
			else if (tok_is(t, "!")) {
				r.v = !r.v;
				r.uns = false;
			}
			return r;
		}
		st->pos--;
		describe(t, what, sizeof(what));
		pp_error(st, t, "expected an expression in #if, not %s", what);
		return r;
	}
	if (t->kind == PP_NUM) {
		st->pos++;
		return number(st, t);
	}
	if (t->kind == PP_IDENT) {
		st->pos++;
		if (tok_is(t, "defined")) {
			bool paren = accept(st, "(");
			const struct pp_token *n = peek(st);
			if (!n || n->kind != PP_IDENT) {
				describe(n, what, sizeof(what));
				pp_error(st, n, "'defined' takes a macro name, not %s", what);
				return r;
			}
			st->pos++;
			r.v = directives_is_defined(st->dv, n->text, n->len);
			if (paren && !accept(st, ")")) {
				describe(peek(st), what, sizeof(what));
				pp_error(st, peek(st), "expected ')' after 'defined(%.*s', not %s",
				         (int)n->len, n->text, what);
			}
			return r;
		}
		if (peek(st) && tok_is(peek(st), "(")) {
			pp_error(st, t,
			         "'%.*s' is not a function-like #define, so it cannot be "
			         "called in #if",
			         (int)t->len, t->text);
			return r;
		}
		return r; /* a name no #define gives a value is 0 */
	}
	describe(t, what, sizeof(what));
	pp_error(st, t, "%s cannot appear in an #if expression", what);
	return r;
}

static int precedence(const struct pp_token *t)
{
	if (!t || t->kind != PP_PUNCT)
		return 0;
	static const struct {
		const char *op;
		int prec;
	} ops[] = {{"||", 1}, {"&&", 2}, {"|", 3}, {"^", 4},  {"&", 5},  {"==", 6},
	           {"!=", 6}, {"<", 7},  {">", 7}, {"<=", 7}, {">=", 7}, {"<<", 8},
	           {">>", 8}, {"+", 9},  {"-", 9}, {"*", 10}, {"/", 10}, {"%", 10}};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (tok_is(t, ops[i].op))
			return ops[i].prec;
	return 0;
}

static struct pp_value binary(struct pp_state *st, int min_prec, bool eval)
{
	struct pp_value l = unary(st, eval);
	for (;;) {
		const struct pp_token *op = peek(st);
		int prec = precedence(op);
		if (!prec || prec < min_prec || st->failed)
			return l;
		st->pos++;
		bool is_and = tok_is(op, "&&"), is_or = tok_is(op, "||");
		bool eval_r = eval && !(is_and && !l.v) && !(is_or && l.v);
		struct pp_value r = binary(st, prec + 1, eval_r);
		if (st->failed)
			return l;
		bool uns = l.uns || r.uns;
		uintmax_t a = (uintmax_t)l.v, b = (uintmax_t)r.v;
		struct pp_value res = {0, uns};
		if (is_and || is_or) {
			res.v = is_and ? (l.v && r.v) : (l.v || r.v);
			res.uns = false;
		} else if (tok_is(op, "==") || tok_is(op, "!=") || prec == 7) {
			bool v;
			if (tok_is(op, "=="))
				v = a == b;
			else if (tok_is(op, "!="))
				v = a != b;
			else if (tok_is(op, "<"))
				v = uns ? a < b : l.v < r.v;
			else if (tok_is(op, ">"))
				v = uns ? a > b : l.v > r.v;
			else if (tok_is(op, "<="))
				v = uns ? a <= b : l.v <= r.v;
			else
				v = uns ? a >= b : l.v >= r.v;
			res.v = v;
			res.uns = false;
		} else if (tok_is(op, "|")) {
			res.v = (intmax_t)(a | b);
		} else if (tok_is(op, "^")) {
			res.v = (intmax_t)(a ^ b);
		} else if (tok_is(op, "&")) {
			res.v = (intmax_t)(a & b);
		} else if (tok_is(op, "<<") || tok_is(op, ">>")) {
			/* the type is the left side's; a negative count shifts
			 * the other way, as GCC has it */
			bool left = tok_is(op, "<<");
			intmax_t n = r.v;
			if (!r.uns && n < 0) {
				left = !left;
				n = -n;
			}
			res.uns = l.uns;
			if ((uintmax_t)n >= 64)
				res.v = left || l.uns || l.v >= 0 ? 0 : -1;
			else if (left)
				res.v = (intmax_t)(a << n);
			else
				res.v = l.uns ? (intmax_t)(a >> n) : l.v >> n;
		} else if (tok_is(op, "+")) {
			res.v = (intmax_t)(a + b);
		} else if (tok_is(op, "-")) {
			res.v = (intmax_t)(a - b);
		} else if (tok_is(op, "*")) {
			res.v = (intmax_t)(a * b);
		} else { /* / and % */
			bool div = tok_is(op, "/");
			if (b == 0) {
				if (eval)
					pp_error(st, op, "division by zero in #if");
				return l;
			}
			if (uns)
				res.v = (intmax_t)(div ? a / b : a % b);
			else if (l.v == INTMAX_MIN && r.v == -1)
				res.v = div ? INTMAX_MIN : 0;
			else
				res.v = div ? l.v / r.v : l.v % r.v;
		}
		l = res;
	}
}

static struct pp_value cond_expr(struct pp_state *st, bool eval)
{
	struct pp_value c = binary(st, 1, eval);
	if (st->failed || !accept(st, "?"))
		return c;
	struct pp_value a = comma_expr(st, eval && c.v);
	if (!accept(st, ":")) {
		char what[64];
		describe(peek(st), what, sizeof(what));
		pp_error(st, peek(st), "expected ':' of the '?' in #if, not %s", what);
		return c;
	}
	struct pp_value b = cond_expr(st, eval && !c.v);
	struct pp_value r = c.v ? a : b;
	r.uns = a.uns || b.uns;
	return r;
}

static struct pp_value comma_expr(struct pp_state *st, bool eval)
{
	struct pp_value v = cond_expr(st, eval);
	while (!st->failed && accept(st, ","))
		v = cond_expr(st, eval);
	return v;
}

bool ppexpr_eval(struct directives *dv, const char *expr, size_t len, struct loc at, int *errors,
                 bool *value)
{
	struct pp_token *line = arena_alloc(dv->arena, sizeof(*line) * PP_MAX_TOKENS);
	struct pp_token *expanded = arena_alloc(dv->arena, sizeof(*expanded) * PP_MAX_TOKENS);
	struct pp_state st = {.dv = dv, .at = at, .errors = errors, .end_col = (int)len};
	while (st.end_col > 0 && (expr[st.end_col - 1] == ' ' || expr[st.end_col - 1] == '\t' ||
	                          expr[st.end_col - 1] == '\r'))
		st.end_col--;
	*value = false;
	int nline = 0, nexp = 0;
	if (!tokenize(&st, expr, len, -1, line, &nline) ||
	    !expand(&st, line, nline, expanded, &nexp, NULL, 0))
		return false;
	st.toks = expanded;
	st.ntok = nexp;
	if (nexp == 0) {
		pp_error(&st, NULL, "#if with no expression");
		return false;
	}
	struct pp_value v = comma_expr(&st, true);
	if (!st.failed && st.pos < st.ntok) {
		char what[64];
		describe(peek(&st), what, sizeof(what));
		if (peek(&st)->kind == PP_BAD)
			pp_error(&st, peek(&st), "%s cannot appear in an #if expression", what);
		else
			pp_error(&st, peek(&st),
			         "expected an operator or the end of the #if line, not %s", what);
	}
	if (st.failed)
		return false;
	*value = v.v != 0;
	return true;
}
