/*
 * params.c - positional parameters: `$1`...`$N` and `$#`, the words after
 * the script on the command line (compile_options.params).
 *
 * They are constants of the run, so this pass replaces them in the tree
 * before anything is typed, as bpftrace (0.26) defines them:
 *  - `$N` given as a number (strtoll, base 0: 42, 0x10, -5) is that
 *    integer; given as any other word it is that string; not given it is
 *    0 (bpftrace's "numeric context" default);
 *  - `str($N)` is the word as a string literal ("" when not given),
 *    whatever it looks like, and `str($N + K)` the word without its
 *    first K bytes;
 *  - `$#` is how many were given;
 *  - in a probe spec `$N` is the word as written, "" when not given
 *    (`uprobe:$1:main`, `interval:ms:$1`).
 * They cannot be assigned, and `$0` is no parameter.
 *
 * In a program that calls getopt() (bpftrace 0.26's named parameters,
 * getopt.c) a word "--NAME" or "--NAME=VALUE" is a named parameter and
 * the others are $1...$N; in any other program every word is positional,
 * as bpftrace 0.17 reads them, with a warning for a word that looks named.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sema/sema.h"
#include "sema/sema_internal.h"

/* A node `$N` or `$#`: its number (1...), 0 for `$0`, -1 for `$#`, or
 * -2 for a scratch variable. */
static long param_index(const struct node *n)
{
	if (!n || n->kind != N_VAR)
		return -2;
	const char *name = n->u.var.name;
	if (!strcmp(name, "#"))
		return -1;
	if (!name[0] || name[strspn(name, "0123456789")])
		return -2;
	errno = 0;
	long v = strtol(name, NULL, 10);
	return errno ? 0 : v;
}

static const char *param_word(const struct compilation *c, long i)
{
	return i >= 1 && i <= c->npos_params ? c->pos_params[i - 1] : NULL;
}

/* bpftrace's test for a number: all of the word read by strtoll in base
 * 0 (leading blanks and a sign allowed), without overflow. */
static bool param_number(const char *word, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(word, &end, 0);
	if (errno || end == word || *end)
		return false;
	*out = v;
	return true;
}

static struct node *int_node(struct compilation *c, struct loc loc, long long v)
{
	if (v >= 0)
		return ast_int(&c->arena, loc, (uint64_t)v, false);
	/* a negative literal is written -N: the same tree */
	struct node *mag = ast_int(&c->arena, loc, (uint64_t)0 - (uint64_t)v, false);
	return ast_unop(&c->arena, loc, OP_NEG, mag);
}

static struct node *str_node(struct compilation *c, struct loc loc, const char *s)
{
	return ast_str(&c->arena, loc, arena_strdup(&c->arena, s), strlen(s));
}

/* `$N` or `$#` where a value is read; after an error a 0 in its place,
 * so that sema does not report it again as a scratch variable. */
static struct node *param_value(struct compilation *c, struct node *n, long i)
{
	if (i == -1)
		return int_node(c, n->loc, c->npos_params);
	if (i == 0) {
		diag_error(c->diag, n->loc, "$%s is not a valid parameter", n->u.var.name);
		diag_note(c->diag, (struct loc){0}, "positional parameters are $1, $2, ...");
		return int_node(c, n->loc, 0);
	}
	const char *word = param_word(c, i);
	long long v;
	if (!word)
		return int_node(c, n->loc, 0);
	if (param_number(word, &v))
		return int_node(c, n->loc, v);
	return str_node(c, n->loc, word);
}

/* str($N) and str($N + K): the word itself, as a string literal. Returns
 * false when the argument is neither. */
static bool str_of_param(struct compilation *c, struct node *call)
{
	struct node *arg = call->u.call.args;
	struct node *p = arg, *off = NULL;
	if (arg && arg->kind == N_BINOP && arg->u.binop.op == OP_ADD) {
		p = arg->u.binop.lhs;
		off = arg->u.binop.rhs;
	}
	long i = param_index(p);
	if (i == -2)
		return false;
	if (i == -1 || i == 0) {
		if (i == -1)
			diag_error(c->diag, p->loc, "use $#, not str($#)");
		struct node *zero = param_value(c, p, i == -1 ? -1 : 0);
		zero->next = arg->next;
		call->u.call.args = zero;
		return true;
	}
	const char *word = param_word(c, i);
	if (!word)
		word = "";
	size_t skip = 0;
	if (off) {
		if (off->kind != N_INT || off->u.int_lit.value > strlen(word)) {
			diag_error(c->diag, off->loc,
			           "str($%ld + N): N must be an integer literal from 0 to %zu, the "
			           "length of \"%s\"",
			           i, strlen(word), word);
			off = NULL;
			word = "";
		} else {
			skip = (size_t)off->u.int_lit.value;
		}
	}
	struct node *s = str_node(c, arg->loc, word + skip);
	s->next = arg->next;
	call->u.call.args = s;
	return true;
}

/* str($N) and str($N + K) without a length: the string literal itself, so
 * that it serves where a literal is needed (kaddr(str($1)), a printf
 * format), as bpftrace takes str($N) as a literal. With a length the call
 * stays and cuts the word. */
static void literal_of_param(struct node **slot)
{
	struct node *call = *slot;
	struct node *lit = call->u.call.args;
	if (!lit || lit->kind != N_STR || lit->next)
		return;
	lit->next = call->next;
	*slot = lit;
}

/* A probe spec with each `$N` replaced by its word. */
static void subst_spec(struct compilation *c, struct node *spec)
{
	const char *t = spec->u.spec.text;
	if (!strchr(t, '$'))
		return;
	size_t cap = strlen(t) + 1, len = 0;
	for (int i = 0; i < c->npos_params; i++)
		cap += strlen(c->pos_params[i]) * strlen(t);
	char *out = arena_alloc(&c->arena, cap);
	for (const char *p = t; *p;) {
		size_t digits = p[0] == '$' ? strspn(p + 1, "0123456789") : 0;
		if (!digits) {
			out[len++] = *p++;
			continue;
		}
		long i = strtol(p + 1, NULL, 10);
		const char *word = param_word(c, i);
		if (i == 0) {
			diag_error(c->diag, spec->loc, "$0 is not a valid parameter");
			return;
		}
		if (word) {
			memcpy(out + len, word, strlen(word));
			len += strlen(word);
		}
		p += 1 + digits;
	}
	out[len] = 0;
	spec->u.spec.text = out;
}

static void subst(struct compilation *c, struct node **slot);

static void subst_list(struct compilation *c, struct node **head)
{
	for (struct node **it = head; *it; it = &(*it)->next)
		subst(c, it);
}

/* Whether `target` of an assignment or ++/-- is a parameter (reported). */
static bool refuse_write(struct compilation *c, struct node *target)
{
	if (param_index(target) < -1)
		return false;
	diag_error(c->diag, target->loc, "$%s is a positional parameter: it cannot be assigned",
	           target->u.var.name);
	return true;
}

static void subst(struct compilation *c, struct node **slot)
{
	struct node *n = *slot;
	if (!n)
		return;
	switch (n->kind) {
	case N_VAR: {
		long i = param_index(n);
		if (i == -2)
			return;
		struct node *v = param_value(c, n, i);
		v->next = n->next;
		*slot = v;
		return;
	}
	case N_SPEC:
		subst_spec(c, n);
		return;
	case N_ASSIGN:
		/* the target left as a scratch variable: no second error */
		if (refuse_write(c, n->u.assign.lhs)) {
			subst(c, &n->u.assign.rhs);
			return;
		}
		break;
	case N_INCDEC:
		/* as `$N = 0` from here on: a scratch variable written, which
		 * sema takes without a second error */
		if (refuse_write(c, n->u.incdec.operand)) {
			struct node *as = ast_new(&c->arena, N_ASSIGN, n->loc);
			as->u.assign.lhs = n->u.incdec.operand;
			as->u.assign.rhs = ast_int(&c->arena, n->loc, 0, false);
			as->next = n->next;
			*slot = as;
			return;
		}
		break;
	case N_MACRO:
		/* its parameters are names, not values */
		subst(c, &n->u.macro.body);
		return;
	case N_CALL:
		if (!strcmp(n->u.call.name, "getopt")) {
			struct node *v = getopt_value(c, n);
			v->next = n->next;
			*slot = v;
			return;
		}
		if (!strcmp(n->u.call.name, "str") && str_of_param(c, n)) {
			/* the rest of the arguments (str's length) */
			if (n->u.call.args)
				subst_list(c, &n->u.call.args->next);
			literal_of_param(slot);
			return;
		}
		break;
	default:
		break;
	}
	struct ast_child kids[AST_MAX_CHILDREN];
	int nk = ast_children(n, kids);
	for (int k = 0; k < nk; k++) {
		if (kids[k].is_list)
			subst_list(c, kids[k].slot);
		else
			subst(c, kids[k].slot);
	}
}

/* The command line's words into positional and named parameters. */
static void split_params(struct compilation *c)
{
	int n = c->opts->nparams;
	c->pos_params = arena_alloc(&c->arena, sizeof(char *) * (size_t)(n + 1));
	c->named_words = arena_alloc(&c->arena, sizeof(char *) * (size_t)(n + 1));
	for (int i = 0; i < n; i++) {
		const char *w = c->opts->params[i];
		bool named = !strncmp(w, "--", 2);
		if (named && c->uses_getopt) {
			c->named_words[c->nnamed_words++] = w + 2;
			continue;
		}
		c->pos_params[c->npos_params++] = w;
		if (!named || !w[2])
			continue;
		/* -- --help asks for the list of named parameters: there are
		 * none, and the program does not run (driver.c) */
		if (!strcmp(w, "--help")) {
			c->named_help = true;
			continue;
		}
		diag_warning(
		    c->diag, (struct loc){0},
		    "'%s' is the positional parameter $%d: the program calls no getopt(), so "
		    "it has no named parameters",
		    w, c->npos_params);
		diag_note(
		    c->diag, (struct loc){0},
		    "bpftrace 0.26 reads '--NAME[=VALUE]' after '--' as a named parameter, "
		    "bpftrace 0.17 as a positional one; sonde does the first only in a program "
		    "that calls getopt()");
	}
}

int sema_params(struct compilation *c)
{
	int before = c->diag->nerrors;
	getopt_declare(c);
	split_params(c);
	if (c->uses_getopt)
		getopt_resolve(c);
	subst_list(c, &c->prog.macros);
	subst_list(c, &c->prog.probes);
	return c->diag->nerrors > before ? -1 : 0;
}
