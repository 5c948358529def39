/*
 * getopt.c - bpftrace 0.26's named parameters: getopt("NAME"),
 * getopt("NAME", DEFAULT) and getopt("NAME", DEFAULT, "HELP") read the
 * words `--NAME` and `--NAME=VALUE` given after the script
 * (`sonde script.bt -- --pid=42 --errname`).
 *
 * Like the positional parameters they are constants of the run, so the
 * params pass (params.c) replaces every call by a literal before anything
 * is typed, in three steps:
 *  1. getopt_declare: every call in the tree (macro bodies included)
 *     declares its parameter; the default's literal gives it its kind
 *     (none: a bool, false by default; an integer; a string; true or
 *     false). The name and the default must be literals, a parameter
 *     named twice must have the same default, and its help texts agree;
 *  2. getopt_resolve: each parameter's value from the command line, the
 *     word read as its kind, and the words naming no parameter refused;
 *  3. getopt_value: the literal a call becomes. An integer is typed as
 *     bpftrace types the default: uint64 when it is not negative, int64
 *     when it is.
 * With "--help" among the words (and no getopt() declaring "help") every
 * parameter keeps its default and no word is checked: the driver lists
 * the parameters (getopt_print_help) instead of compiling on.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "front/intlit.h"
#include "sema/sema_internal.h"

static bool is_getopt_call(const struct node *n)
{
	return n && n->kind == N_CALL && !strcmp(n->u.call.name, "getopt");
}

struct named_param *getopt_find(struct compilation *c, const char *name)
{
	for (struct named_param *p = c->named_params; p; p = p->next)
		if (!strcmp(p->name, name))
			return p;
	return NULL;
}

/* A default written as a literal: an integer (negated or not), a string,
 * true or false. False when it is none of them. */
static bool literal_default(const struct node *d, struct named_param *out)
{
	if (d->kind == N_INT) {
		out->kind = NAMED_INT;
		out->int_default = d->u.int_lit.value;
		return true;
	}
	if (d->kind == N_UNOP && d->u.unop.op == OP_NEG && d->u.unop.operand->kind == N_INT) {
		out->kind = NAMED_INT;
		out->int_default = d->u.unop.operand->u.int_lit.value;
		/* -0 is 0, an unsigned default */
		out->default_negative = out->int_default != 0;
		return true;
	}
	if (d->kind == N_STR) {
		out->kind = NAMED_STR;
		out->str_default = d->u.str.s;
		return true;
	}
	if (d->kind == N_IDENT &&
	    (!strcmp(d->u.ident.name, "true") || !strcmp(d->u.ident.name, "false"))) {
		out->kind = NAMED_BOOL;
		out->int_default = d->u.ident.name[0] == 't';
		return true;
	}
	return false;
}

static const char *kind_name(enum named_param_kind k)
{
	return k == NAMED_BOOL ? "a boolean" : k == NAMED_INT ? "an integer" : "a string";
}

/* The default as the script would write it, into buf. */
static const char *default_text(const struct named_param *p, char *buf, size_t size)
{
	switch (p->kind) {
	case NAMED_BOOL:
		return p->int_default ? "true" : "false";
	case NAMED_INT:
		snprintf(buf, size, "%s%llu", p->default_negative ? "-" : "",
		         (unsigned long long)p->int_default);
		return buf;
	case NAMED_STR:
		snprintf(buf, size, "\"%s\"", p->str_default);
		return buf;
	}
	return "";
}

static bool same_default(const struct named_param *a, const struct named_param *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == NAMED_STR)
		return !strcmp(a->str_default, b->str_default);
	return a->int_default == b->int_default && a->default_negative == b->default_negative;
}

/* One getopt() call: its parameter declared, or an error at the argument
 * that is not what it must be. */
static void declare_call(struct compilation *c, struct node *call)
{
	struct diag *d = c->diag;
	struct node *args = call->u.call.args;
	int nargs = ast_list_len(args);
	if (nargs < 1 || nargs > 3) {
		/* the words every builtin's arity error has (sema/calls.c) */
		diag_error(d, call->loc, "getopt() takes 1 to 3 arguments, %d given", nargs);
		return;
	}
	struct node *name = args, *def = args->next, *help = def ? def->next : NULL;
	if (name->kind != N_STR) {
		diag_error(d, name->loc,
		           "the first argument of getopt(), the parameter's name, must be a string "
		           "literal");
		return;
	}
	const char *s = name->u.str.s;
	if (!s[0] || s[0] == '-' || strcspn(s, "= \t\n") != strlen(s)) {
		diag_error(
		    d, name->loc,
		    "\"%s\" cannot name a parameter: a name is not empty, does not start with "
		    "'-' and has no '=' or blank",
		    s);
		return;
	}
	struct named_param np = {
	    .name = s, .kind = NAMED_BOOL, .str_default = "", .help = "", .loc = call->u.call.span};
	if (def && !literal_default(def, &np)) {
		diag_error(d, def->loc,
		           "the default of getopt(\"%s\", ...) must be a literal: an integer, a "
		           "string, true or false",
		           s);
		return;
	}
	if (help) {
		if (help->kind != N_STR) {
			diag_error(d, help->loc,
			           "the help text of getopt(\"%s\", ...) must be a string literal",
			           s);
			return;
		}
		np.help = help->u.str.s;
	}
	struct named_param *prev = getopt_find(c, s);
	if (!prev) {
		struct named_param *p = arena_alloc(&c->arena, sizeof(*p));
		*p = np;
		struct named_param **tail = &c->named_params;
		while (*tail)
			tail = &(*tail)->next;
		*tail = p;
		return;
	}
	char was[64], now[64];
	if (!same_default(prev, &np)) {
		diag_error(d, def ? def->loc : call->loc,
		           "--%s has the default %s here and %s where first declared: every "
		           "getopt(\"%s\", ...) must give the same",
		           s, default_text(&np, now, sizeof(now)),
		           default_text(prev, was, sizeof(was)), s);
		diag_note(d, prev->loc, "first declared here");
		return;
	}
	if (np.help[0] && prev->help[0] && strcmp(np.help, prev->help)) {
		diag_error(d, help->loc,
		           "--%s has another help text where first declared: give it once, or the "
		           "same each time (a macro can hold the getopt() call)",
		           s);
		diag_note(d, prev->loc, "first declared here");
		return;
	}
	if (np.help[0])
		prev->help = np.help;
}

static void declare_walk(struct compilation *c, struct node *n)
{
	if (!n)
		return;
	if (is_getopt_call(n)) {
		c->uses_getopt = true;
		declare_call(c, n);
		return;
	}
	struct ast_child kids[AST_MAX_CHILDREN];
	int nk = ast_children(n, kids);
	for (int k = 0; k < nk; k++) {
		if (kids[k].is_list) {
			for (struct node *it = *kids[k].slot; it; it = it->next)
				declare_walk(c, it);
		} else {
			declare_walk(c, *kids[k].slot);
		}
	}
}

void getopt_declare(struct compilation *c)
{
	for (struct node *m = c->prog.macros; m; m = m->next)
		declare_walk(c, m);
	for (struct node *p = c->prog.probes; p; p = p->next)
		declare_walk(c, p);
}

/* ---- the command line's values ------------------------------------------ */

/* "--NAME" appended to the list in buf, after ", " when not the first;
 * a list too long for buf ends where it fits. */
static void append_name(char *buf, size_t size, size_t *len, const char *name, size_t name_len)
{
	if (*len + 1 >= size)
		return;
	int n =
	    snprintf(buf + *len, size - *len, "%s--%.*s", *len ? ", " : "", (int)name_len, name);
	*len = n < 0 ? *len : *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

/* The parameter's word on the command line, the last one naming it (a
 * later word overrides an earlier one); NULL when none. *value is what
 * follows '=', NULL for a bare --NAME. */
static const char *given_word(const struct compilation *c, const char *name, const char **value)
{
	const char *found = NULL;
	size_t len = strlen(name);
	for (int i = 0; i < c->nnamed_words; i++) {
		const char *w = c->named_words[i];
		if (!strncmp(w, name, len) && (w[len] == 0 || w[len] == '=')) {
			found = w;
			*value = w[len] == '=' ? w + len + 1 : NULL;
		}
	}
	return found;
}

/* An integer as a script writes one (bpftrace 0.26 reads the command
 * line's the same way): an optional sign, '_' separators, 0x, 0b or
 * a leading 0 for octal, an exponent (1e6), a duration suffix (ns, us, ms,
 * s, m, h, d: nanoseconds), read by front/intlit.c. NULL, or why `text` is
 * not one. */
static const char *parse_integer(const char *text, uint64_t *magnitude, bool *negative)
{
	const char *p = text;
	*negative = *p == '-';
	if (*p == '-' || *p == '+')
		p++;
	uint64_t v = 0;
	enum intlit_status st = intlit_parse(p, strlen(p), 0, &v, NULL);
	if (st == INTLIT_INVALID)
		return "is not an integer";
	if (st == INTLIT_OVERFLOW || (*negative && v > (uint64_t)INT64_MAX + 1))
		return "does not fit in 64 bits";
	*negative = *negative && v;
	*magnitude = v;
	return NULL;
}

static bool parse_bool(const char *text, bool *out)
{
	static const char *const truths[] = {"true", "1", "yes", "on"};
	static const char *const falsities[] = {"false", "0", "no", "off"};
	for (size_t i = 0; i < 4; i++) {
		if (!strcasecmp(text, truths[i]) || !strcasecmp(text, falsities[i])) {
			*out = !strcasecmp(text, truths[i]);
			return true;
		}
	}
	return false;
}

/* A parameter's value from its word; an error (about the command line,
 * with a note at the declaration) leaves the default. */
static void resolve_one(struct compilation *c, struct named_param *p)
{
	struct diag *d = c->diag;
	struct loc none = {0};
	const char *value = NULL;
	if (!given_word(c, p->name, &value))
		return;
	const char *why;
	bool b = true;
	switch (p->kind) {
	case NAMED_BOOL:
		if (!value || parse_bool(value, &b)) {
			p->value = b;
			return;
		}
		diag_error(
		    d, none,
		    "program command line option --%s expects a boolean, not '%s': write --%s, "
		    "or --%s=V with V one of true, false, 1, 0, yes, no, on, off",
		    p->name, value, p->name, p->name);
		break;
	case NAMED_INT:
		if (!value) {
			diag_error(d, none,
			           "program command line option --%s expects an integer: write "
			           "--%s=INTEGER",
			           p->name, p->name);
			break;
		}
		why = parse_integer(value, &p->value, &p->value_negative);
		if (!why)
			return;
		p->value = p->int_default;
		p->value_negative = p->default_negative;
		diag_error(d, none, "program command line option --%s expects an integer: '%s' %s",
		           p->name, value, why);
		break;
	case NAMED_STR:
		if (value) {
			p->str_value = value;
			return;
		}
		diag_error(d, none,
		           "program command line option --%s expects a string: write --%s=STRING",
		           p->name, p->name);
		break;
	}
	char def[64];
	diag_note(d, p->loc, "getopt() declares --%s here, %s (default %s)", p->name,
	          kind_name(p->kind), default_text(p, def, sizeof(def)));
}

void getopt_resolve(struct compilation *c)
{
	bool help_word = false;
	for (int i = 0; i < c->nnamed_words; i++)
		help_word |= !strcmp(c->named_words[i], "help");
	for (struct named_param *p = c->named_params; p; p = p->next) {
		p->value = p->int_default;
		p->value_negative = p->default_negative;
		p->str_value = p->str_default;
	}
	/* only the list is wanted: the values need not be right */
	c->named_help = help_word && !getopt_find(c, "help");
	if (c->named_help)
		return;
	for (struct named_param *p = c->named_params; p; p = p->next)
		resolve_one(c, p);
	/* the words that name no parameter: one error naming them all */
	char unknown[512] = "";
	size_t len = 0;
	int nunknown = 0;
	for (int i = 0; i < c->nnamed_words; i++) {
		const char *w = c->named_words[i];
		size_t n = strcspn(w, "=");
		bool known = false;
		for (const struct named_param *p = c->named_params; p && !known; p = p->next)
			known = strlen(p->name) == n && !strncmp(p->name, w, n);
		if (known)
			continue;
		nunknown++;
		append_name(unknown, sizeof(unknown), &len, w, n);
	}
	if (!nunknown)
		return;
	diag_error(c->diag, (struct loc){0}, "unexpected program command line option%s: %s",
	           nunknown > 1 ? "s" : "", unknown);
	char known[512] = "";
	len = 0;
	for (const struct named_param *p = c->named_params; p; p = p->next)
		append_name(known, sizeof(known), &len, p->name, strlen(p->name));
	if (known[0])
		diag_note(c->diag, (struct loc){0},
		          "the program's named parameters are %s ('-- --help' lists them)", known);
	else
		diag_note(c->diag, (struct loc){0}, "the program declares no named parameter");
}

/* ---- the calls replaced --------------------------------------------------- */

struct node *getopt_value(struct compilation *c, struct node *call)
{
	struct node *name = call->u.call.args;
	struct named_param *p = name && name->kind == N_STR ? getopt_find(c, name->u.str.s) : NULL;
	/* a call with an error reported: 0 in its place */
	if (!p)
		return ast_int(&c->arena, call->loc, 0, false);
	switch (p->kind) {
	case NAMED_BOOL:
		return ast_int(&c->arena, call->loc, p->value, false);
	case NAMED_INT:
		if (!p->value_negative)
			return ast_int(&c->arena, call->loc, p->value, true);
		return ast_unop(&c->arena, call->loc, OP_NEG,
		                ast_int(&c->arena, call->loc, p->value, false));
	case NAMED_STR:
		return ast_str(&c->arena, call->loc, p->str_value, strlen(p->str_value));
	}
	return NULL;
}

/* ---- --help ----------------------------------------------------------------- */

void getopt_print_help(const struct compilation *c, FILE *out)
{
	if (!c->named_params) {
		fprintf(out, "the program has no named parameters (it calls no getopt())\n");
		return;
	}
	fprintf(out, "expected program options:\n");
	for (const struct named_param *p = c->named_params; p; p = p->next) {
		char def[64];
		fprintf(out, "--%s%s%s (default: ", p->name, p->help[0] ? ": " : "", p->help);
		if (p->kind == NAMED_STR)
			fprintf(out, "\"%s\")\n", p->str_default);
		else
			fprintf(out, "%s)\n", default_text(p, def, sizeof(def)));
	}
}
