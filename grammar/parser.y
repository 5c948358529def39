/*
 * parser.y - the grammar of the sonde language (bison, pure, with
 * locations of type struct loc).
 *
 * The lexer (lexer.l) does the context-sensitive part: it hands over a
 * probe spec as one SPEC token, tells a predicate's slashes (PRED_OPEN,
 * PRED_CLOSE) from division, and tells the '<' and '>' of angle blocks
 * (LANGLE, RANGLE) from comparisons. What is left here is an ordinary
 * LALR(1) grammar with C's expression precedence and no conflicts
 * (%expect 0). Statements are separated by ';'; the last statement of a
 * block may omit it, and a statement that ends in a block (if, while, ...)
 * needs none. Errors are reported through the diagnostic sink with the
 * tokens that were expected; the `error` rules recover at statement and
 * probe boundaries so one run shows several errors.
 *
 * Integer literals (decoded in the lexer): decimal, 0x hex, 0b binary, 0
 * octal, '_' separators, a decimal exponent like bpftrace's `1e6`, the
 * size suffixes K, M and G meaning powers of 1024 (1K = 1024, like sizes in
 * dd or ulimit; bpftrace 0.17 has no such suffix), and C's u/l suffixes.
 */

%code requires {
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "front/arena.h"
#include "front/ast.h"
#include "front/diag.h"
#include "front/directives.h"
#include "front/import.h"
#include "front/parse.h"
#include "front/loc.h"

/* One open block (or the top level, frames[0]) as the lexer sees it. */
struct lex_frame {
	bool angle;  /* opened with '<' */
	int parens;  /* open '(' and '[' inside this block */
	bool header; /* the outermost open paren is an if/while/... header */
};

/* What the previous token was, as far as '<' and '>' care. */
enum lex_prev {
	LP_OTHER,
	LP_SPEC,
	LP_PRED_CLOSE,
	LP_ELSE,
	LP_HEADER_CLOSE,
	LP_SEMI,
	LP_BLOCK_OPEN,
	LP_BLOCK_CLOSE,
	LP_PAREN_OPEN, /* '(': a name may start a cast */
	LP_OPERAND,    /* '=', ',', '?', ':', '[', return: a '{' opens a block expression */
	LP_CONFIG,     /* 'config', whose '=' is followed by its block */
};

/* A list under construction: appending stays O(1). */
struct nlist {
	struct node *head, *tail;
};

/* A typedef name of the script, which the lexer hands over as TYPE. */
struct type_name_ref {
	const char *name;
	struct type_name_ref *next;
};

/* State shared by the lexer (as its extra data) and the parser. */
struct parse_state {
	struct arena *arena;
	struct diag *diag;
	struct ast_program *prog;
	int file;
	const char *text; /* the whole source, for looking past the token */
	size_t len;

	/* Position of the next byte to scan. */
	size_t offset;
	int line, column;
	/* Position of the last byte scanned (where EOF is reported). */
	int last_line, last_column;

	struct lex_frame *frames; /* frames[0] is the top level */
	int nframes, cap;
	int depth;       /* open blocks, parens and brackets */
	bool in_pred;    /* between PRED_OPEN and PRED_CLOSE */
	bool header_pending; /* after if/while/unroll/for/macro: next '(' is a header */
	bool header_closed;  /* the token being finished closes a header */
	enum lex_prev prev;
	bool fatal; /* a lexer error ended the input early */
	int lex_errors; /* malformed tokens reported by the lexer */

	/* The current token's text, for "unexpected identifier 'foo'". */
	size_t tok_start, tok_len;

	/* A '>' in an angle block read as greater-than since the last
	 * statement boundary; a syntax error near it gets a hint. */
	bool have_gt;
	struct loc gt_loc;

	int nprobes;
	bool seen_item; /* a probe or macro of this file: no import after it */
	struct node *macros_tail, *probes_tail;
	struct node *first_probe; /* the first probe of this file, for config's place */
	struct type_name_ref *type_names;
	struct directives dirs; /* #if and the #defines seen (front/directives.h) */
};

enum { PARSE_MAX_NESTING = 256, PARSE_MAX_AST_DEPTH = 1000 };
}

%code provides {
int yylex(YYSTYPE *lval, YYLTYPE *lloc, void *scanner);
}

%code {
#include <string.h>

#define YYLLOC_DEFAULT(cur, rhs, n)                                                        \
	do {                                                                               \
		if (n) {                                                                   \
			(cur).file = YYRHSLOC(rhs, 1).file;                                \
			(cur).first_line = YYRHSLOC(rhs, 1).first_line;                    \
			(cur).first_column = YYRHSLOC(rhs, 1).first_column;                \
			(cur).last_line = YYRHSLOC(rhs, n).last_line;                      \
			(cur).last_column = YYRHSLOC(rhs, n).last_column;                  \
		} else {                                                                   \
			(cur).file = YYRHSLOC(rhs, 0).file;                                \
			(cur).first_line = (cur).last_line = YYRHSLOC(rhs, 0).last_line;   \
			(cur).first_column = (cur).last_column =                           \
				YYRHSLOC(rhs, 0).last_column;                              \
		}                                                                          \
	} while (0)

static void yyerror(YYLTYPE *loc, void *scanner, struct parse_state *ps, const char *msg);

static struct nlist list1(struct node *n)
{
	return (struct nlist){n, n};
}

static struct nlist list_add(struct nlist l, struct node *n)
{
	if (!n)
		return l;
	if (!l.head)
		return list1(n);
	l.tail->next = n;
	l.tail = n;
	return l;
}

static struct node *mk_expr_stmt(struct parse_state *ps, struct loc loc, struct node *e)
{
	struct node *n = ast_new(ps->arena, N_EXPR_STMT, loc);
	n->u.expr_stmt.expr = e;
	return n;
}

static struct node *mk_assign(struct parse_state *ps, struct loc loc, enum ast_op op,
			      struct node *lhs, struct node *rhs)
{
	/* pkt.FIELD of a packet probe too: sema says which fields can be
	 * rewritten */
	bool pkt_field = lhs->kind == N_FIELD && lhs->u.field.base->kind == N_IDENT &&
			 !strcmp(lhs->u.field.base->u.ident.name, "pkt");
	if (lhs->kind != N_VAR && lhs->kind != N_MAP && !pkt_field)
		diag_error(ps->diag, lhs->loc,
			   "cannot assign to this expression: only $variables, @maps and "
			   "packet fields (pkt.dport) can be assigned");
	struct node *n = ast_new(ps->arena, N_ASSIGN, loc);
	n->u.assign.op = op;
	n->u.assign.lhs = lhs;
	n->u.assign.rhs = rhs;
	return n;
}

/* A `key = value` item of a config block: an assignment to a name. */
static struct node *mk_let(struct parse_state *ps, struct loc loc, struct loc var_loc,
			   const char *name, const struct typename_ref *type, struct node *value)
{
	struct node *n = mk_assign(ps, loc, OP_NONE, ast_var(ps->arena, var_loc, name), value);
	n->u.assign.let = true;
	if (type) {
		n->u.assign.typed = true;
		n->u.assign.decl_type = *type;
	}
	return n;
}

static struct node *mk_config_item(struct parse_state *ps, struct loc loc, struct loc key_loc,
				   const char *key, struct node *value)
{
	struct node *n = ast_new(ps->arena, N_ASSIGN, loc);
	n->u.assign.op = OP_NONE;
	n->u.assign.lhs = ast_ident(ps->arena, key_loc, key);
	n->u.assign.rhs = value;
	return n;
}

static struct node *mk_incdec(struct parse_state *ps, struct loc loc, enum ast_op op,
			      struct node *operand)
{
	struct node *n = ast_new(ps->arena, N_INCDEC, loc);
	n->u.incdec.op = op;
	n->u.incdec.operand = operand;
	return n;
}

static struct node *mk_field(struct parse_state *ps, struct loc loc, struct node *base,
			     const char *name, struct loc name_loc, bool arrow)
{
	struct node *n = ast_new(ps->arena, N_FIELD, loc);
	n->u.field.base = base;
	n->u.field.name = name;
	n->u.field.arrow = arrow;
	n->u.field.name_loc = name_loc;
	return n;
}

static struct node *mk_block(struct parse_state *ps, struct loc loc, struct nlist stmts,
			     bool angle)
{
	struct node *n = ast_new(ps->arena, N_BLOCK, loc);
	n->u.block.stmts = stmts.head;
	n->u.block.angle = angle;
	return n;
}

static struct node *mk_if(struct parse_state *ps, struct loc loc, struct node *cond,
			  struct node *then, struct node *els)
{
	struct node *n = ast_new(ps->arena, N_IF, loc);
	n->u.if_.cond = cond;
	n->u.if_.then = then;
	n->u.if_.els = els;
	return n;
}

static struct typename_ref mk_typename(const char *tag, const char *name)
{
	return (struct typename_ref){
		.name = name, .is_struct = tag != NULL, .tag = tag, .array_len = -1};
}

static void add_probe(struct parse_state *ps, struct loc loc, struct nlist specs,
		      struct node *pred, struct node *body)
{
	struct node *n = ast_new(ps->arena, N_PROBE, loc);
	n->u.probe.specs = specs.head;
	n->u.probe.predicate = pred;
	n->u.probe.body = body;
	n->u.probe.index = ps->nprobes++;
	ps->seen_item = true;
	if (!ps->first_probe)
		ps->first_probe = n;
	if (ps->probes_tail)
		ps->probes_tail->next = n;
	else
		ps->prog->probes = n;
	ps->probes_tail = n;
}

static void add_macro(struct parse_state *ps, struct loc loc, const char *name,
		      struct nlist params, struct node *body)
{
	struct node *n = ast_new(ps->arena, N_MACRO, loc);
	n->u.macro.name = name;
	n->u.macro.params = params.head;
	n->u.macro.body = body;
	ps->seen_item = true;
	if (ps->macros_tail)
		ps->macros_tail->next = n;
	else
		ps->prog->macros = n;
	ps->macros_tail = n;
}

/* import "file.bt": the file is parsed into the same program where the
 * import stands, so its macros and C definitions come before what follows */
static void add_import(struct parse_state *ps, struct loc loc, struct node *path)
{
	if (ps->seen_item) {
		diag_error(ps->diag, loc, "import must come before the probes and macros");
		return;
	}
	int file = import_open(ps->arena, ps->diag, ps->prog, ps->file, path->loc, path->u.str.s);
	if (file < 0)
		return;
	ps->prog->import_depth++;
	parse_program(ps->arena, ps->diag, file, ps->prog);
	ps->prog->import_depth--;
	import_done(ps->prog, file);
	ps->nprobes = 0;
	for (struct node *n = ps->prog->probes; n; n = n->next) {
		ps->nprobes++;
		ps->probes_tail = n;
	}
	for (struct node *n = ps->prog->macros; n; n = n->next)
		ps->macros_tail = n;
}

static void add_config(struct parse_state *ps, struct loc loc, struct nlist items)
{
	if (ps->prog->import_depth > 0) {
		diag_error(ps->diag, loc, "an imported script cannot have a config block; "
			   "only the script being run can");
		return;
	}
	if (ps->prog->config) {
		diag_error(ps->diag, loc, "duplicate config block");
		diag_note(ps->diag, ps->prog->config->loc, "the first config block is here");
		return;
	}
	/* settings apply to the whole program, so they are written first,
	 * as in bpftrace, where config is part of the preamble */
	if (ps->first_probe) {
		diag_error(ps->diag, loc, "the config block must come before the probes");
		diag_note(ps->diag, ps->first_probe->loc, "the first probe is here");
		return;
	}
	struct node *n = ast_new(ps->arena, N_CONFIG, loc);
	n->u.config.items = items.head;
	ps->prog->config = n;
}
}

%define api.pure full
%define parse.error custom
%define parse.lac full
%define api.location.type {struct loc}
%locations
%expect 0

%lex-param {void *scanner}
%parse-param {void *scanner} {struct parse_state *ps}

%initial-action {
	@$.file = ps->file;
	@$.first_line = @$.last_line = 1;
	@$.first_column = @$.last_column = 1;
}

%union {
	struct node *node;
	const char *name;
	struct nlist list;
	struct typename_ref tref;
	enum ast_op op;
	int num;
}

%token <name> IDENT "identifier"
%token <name> VAR "variable"
%token <name> MAP "map"
%token <name> SPEC "probe spec"
%token <name> TYPE "type name"
%token <node> INT "integer"
%token <node> STR "string"
%token <node> INET "address"
%token IF "'if'" ELSE "'else'" WHILE "'while'" UNROLL "'unroll'" FOR "'for'"
%token RETURN "'return'" BREAK "'break'" CONTINUE "'continue'" SIZEOF "'sizeof'"
%token OFFSETOF "'offsetof'" IN "'in'"
%token STRUCT "'struct'" UNION "'union'" ENUM "'enum'"
%token PROBE "'probe'" MACRO "'macro'" CONFIG "'config'" LET "'let'" IMPORT "'import'"
%token CDEF "C definition"
%token BEXPR_OPEN "'{' opening a block expression"
%token LANGLE "'<' opening a block" RANGLE "'>' closing a block"
%token PRED_OPEN "'/' opening a predicate" PRED_CLOSE "'/' closing a predicate"
%token LOR "'||'" LAND "'&&'" EQ "'=='" NE "'!='" LT "'<'" LE "'<='" GT "'>'" GE "'>='"
%token SHL "'<<'" SHR "'>>'" ARROW "'->'" INC "'++'" DEC "'--'" DOTDOT "'..'"
%token <op> COMPOUND_ASSIGN "compound assignment"

%type <node> expr unary postfix primary map block stmt_block if_stmt compound simple
%type <node> opt_pred config_value param let_decl
%type <list> stmts body args arg_list specs params param_list config_items config_list
%type <list> record_fields
%type <tref> typename decl_type
%type <num> ptrs
%type <name> field_name member_path

%right '?' ':'
%left LOR
%left LAND
%left '|'
%left '^'
%left '&'
%left EQ NE IN
%left LT LE GT GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'
/* `@m[k]` is a map with keys, not an index into the value of `@m`. */
%precedence MAP_WITHOUT_KEYS
%precedence '['

%%

program
	: %empty
	| program item
	| program error
	;

item
	: probe
	| macro
	| config
	| import
	| CDEF
	| ';'
	| map_decl
	;

import
	: IMPORT STR ';' { add_import(ps, @$, $2); }
	;

probe
	: specs opt_pred block { add_probe(ps, @$, $1, $2, $3); }
	| PROBE specs opt_pred block { add_probe(ps, @$, $2, $3, $4); }
	;

specs
	: SPEC {
		struct node *n = ast_new(ps->arena, N_SPEC, @1);
		n->u.spec.text = $1;
		$$ = list1(n);
	}
	| specs ',' SPEC {
		struct node *n = ast_new(ps->arena, N_SPEC, @3);
		n->u.spec.text = $3;
		$$ = list_add($1, n);
	}
	;

opt_pred
	: %empty { $$ = NULL; }
	| PRED_OPEN expr PRED_CLOSE { $$ = $2; }
	;

macro
	: MACRO IDENT '(' params ')' block { add_macro(ps, @$, $2, $4, $6); }
	;

params
	: %empty { $$ = (struct nlist){0}; }
	| param_list
	;

param_list
	: param { $$ = list1($1); }
	| param_list ',' param { $$ = list_add($1, $3); }
	;

param
	: VAR { $$ = ast_var(ps->arena, @1, $1); }
	| MAP { $$ = ast_map(ps->arena, @1, $1, NULL); }
	| IDENT { $$ = ast_ident(ps->arena, @1, $1); }
	;

config
	: CONFIG '=' '{' config_items '}' { add_config(ps, @$, $4); }
	;

config_items
	: config_list
	| config_list config_value { $$ = list_add($1, $2); }
	;

config_list
	: %empty { $$ = (struct nlist){0}; }
	| config_list config_value ';' { $$ = list_add($1, $2); }
	| config_list ';'
	| config_list error ';'
	;

config_value
	: IDENT '=' INT { $$ = mk_config_item(ps, @$, @1, $1, $3); }
	| IDENT '=' '-' INT {
		$4->u.int_lit.value = -$4->u.int_lit.value;
		$4->u.int_lit.is_unsigned = false;
		$4->loc = @3;
		$4->loc.last_line = @4.last_line;
		$4->loc.last_column = @4.last_column;
		$$ = mk_config_item(ps, @$, @1, $1, $4);
	}
	| IDENT '=' STR { $$ = mk_config_item(ps, @$, @1, $1, $3); }
	| IDENT '=' IDENT { $$ = mk_config_item(ps, @$, @1, $1, ast_ident(ps->arena, @3, $3)); }
	;

/* `let @m = hash(N);` (bpftrace 0.26): the map's kind and size, before
 * the probes; sema/maps.c checks the kind and the size */
map_decl
	: LET MAP '=' IDENT '(' args ')' ';' {
		struct node *call = ast_call(ps->arena, @4, $4, $6.head);
		struct node *n = mk_assign(ps, @$, OP_NONE, ast_map(ps->arena, @2, $2, NULL), call);
		n->u.assign.let = true;
		n->u.assign.op_loc = @3;
		struct node **tail = &ps->prog->map_decls;
		while (*tail)
			tail = &(*tail)->next;
		*tail = n;
	}
	;

block
	: '{' body '}' { $$ = mk_block(ps, @$, $2, false); }
	| LANGLE body RANGLE { $$ = mk_block(ps, @$, $2, true); }
	;

body
	: stmts
	| stmts simple { $$ = list_add($1, $2); }
	| stmts error
	;

stmts
	: %empty { $$ = (struct nlist){0}; }
	| stmts simple ';' { $$ = list_add($1, $2); }
	| stmts compound { $$ = list_add($1, $2); }
	| stmts ';'
	| stmts error ';'
	;

simple
	: expr { $$ = mk_expr_stmt(ps, @$, $1); }
	| expr '=' expr {
		if ($1->kind == N_IDENT && !strcmp($1->u.ident.name, "_")) {
			/* `_ = v;` (bpftrace 0.26): v's value is discarded */
			$$ = mk_expr_stmt(ps, @$, $3);
			$$->u.expr_stmt.discard = true;
		} else {
			$$ = mk_assign(ps, @$, OP_NONE, $1, $3);
			$$->u.assign.op_loc = @2;
		}
	}
	| expr COMPOUND_ASSIGN expr {
		$$ = mk_assign(ps, @$, $2, $1, $3);
		$$->u.assign.op_loc = @2;
	}
	| RETURN { $$ = ast_new(ps->arena, N_RETURN, @$); }
	| RETURN expr {
		$$ = ast_new(ps->arena, N_RETURN, @$);
		$$->u.ret.value = $2;
	}
	| BREAK { $$ = ast_new(ps->arena, N_BREAK, @$); }
	| CONTINUE { $$ = ast_new(ps->arena, N_CONTINUE, @$); }
	| let_decl
	;

/* bpftrace 0.26's declarations: `let $x;`, `let $x = v;`, `let $x: T;`,
 * `let $x: T = v;` (sema/stmt.c scopes them to their block). A map is
 * declared at the top level only. */
let_decl
	: LET VAR { $$ = mk_let(ps, @$, @2, $2, NULL, NULL); }
	| LET VAR '=' expr { $$ = mk_let(ps, @$, @2, $2, NULL, $4); $$->u.assign.op_loc = @3; }
	| LET VAR ':' decl_type {
		$$ = mk_let(ps, @$, @2, $2, &$4, NULL);
		$$->u.assign.type_loc = @4;
	}
	| LET VAR ':' decl_type '=' expr {
		$$ = mk_let(ps, @$, @2, $2, &$4, $6);
		$$->u.assign.type_loc = @4;
		$$->u.assign.op_loc = @5;
	}
	| LET MAP '=' expr {
		diag_error(ps->diag, @$,
			   "a map is declared at the top level, before the probes, as in "
			   "let %s = hash(N);", $2);
		$$ = mk_expr_stmt(ps, @$, $4);
	}
	;

compound
	: if_stmt
	| WHILE expr stmt_block {
		/* `while (c) {` and, as bpftrace 0.26 allows, `while c {`: the
		 * parentheses are the expression's own */
		$$ = ast_new(ps->arena, N_WHILE, @$);
		$$->u.while_.cond = $2;
		$$->u.while_.body = $3;
	}
	| UNROLL '(' expr ')' stmt_block {
		$$ = ast_new(ps->arena, N_UNROLL, @$);
		$$->u.unroll.count = $3;
		$$->u.unroll.body = $5;
	}
	| FOR '(' VAR ':' map ')' stmt_block {
		$$ = ast_new(ps->arena, N_FOR, @$);
		$$->u.for_.var = ast_var(ps->arena, @3, $3);
		$$->u.for_.map = $5;
		$$->u.for_.body = $7;
	}
	| FOR '(' VAR ':' expr DOTDOT expr ')' stmt_block {
		/* bpftrace 0.26: start (included) to end (excluded), both
		 * evaluated once */
		$$ = ast_new(ps->arena, N_FOR, @$);
		$$->u.for_.var = ast_var(ps->arena, @3, $3);
		$$->u.for_.start = $5;
		$$->u.for_.end = $7;
		$$->u.for_.body = $9;
	}
	/* bpftrace 0.26.1's tools write the same two loops without the
	 * parentheses: `for $kv : @m {`, `for $i : 0..N {` */
	| FOR VAR ':' map stmt_block {
		$$ = ast_new(ps->arena, N_FOR, @$);
		$$->u.for_.var = ast_var(ps->arena, @2, $2);
		$$->u.for_.map = $4;
		$$->u.for_.body = $5;
	}
	| FOR VAR ':' expr DOTDOT expr stmt_block {
		$$ = ast_new(ps->arena, N_FOR, @$);
		$$->u.for_.var = ast_var(ps->arena, @2, $2);
		$$->u.for_.start = $4;
		$$->u.for_.end = $6;
		$$->u.for_.body = $7;
	}
	| block
	;

stmt_block
	: block
	;

/* `if (c) {` and `if c {` (bpftrace 0.26): the parentheses, when there
 * are any, are the condition's own */
if_stmt
	: IF expr stmt_block { $$ = mk_if(ps, @$, $2, $3, NULL); }
	| IF expr stmt_block ELSE stmt_block { $$ = mk_if(ps, @$, $2, $3, $5); }
	| IF expr stmt_block ELSE if_stmt { $$ = mk_if(ps, @$, $2, $3, $5); }
	;

expr
	: unary
	| expr '?' expr ':' expr {
		$$ = ast_new(ps->arena, N_TERNARY, @$);
		$$->u.ternary.cond = $1;
		$$->u.ternary.then = $3;
		$$->u.ternary.els = $5;
	}
	| expr '?' ':' expr {
		/* `a ?: b` (bpftrace 0.26): a when it is not zero, else b; a is
		 * evaluated once, and `then` stays NULL */
		$$ = ast_new(ps->arena, N_TERNARY, @$);
		$$->u.ternary.cond = $1;
		$$->u.ternary.els = $4;
	}
	| expr LOR expr { $$ = ast_binop(ps->arena, @$, OP_LOR, $1, $3); }
	| expr LAND expr { $$ = ast_binop(ps->arena, @$, OP_LAND, $1, $3); }
	| expr '|' expr { $$ = ast_binop(ps->arena, @$, OP_BOR, $1, $3); }
	| expr '^' expr { $$ = ast_binop(ps->arena, @$, OP_BXOR, $1, $3); }
	| expr '&' expr { $$ = ast_binop(ps->arena, @$, OP_BAND, $1, $3); }
	| expr EQ expr { $$ = ast_binop(ps->arena, @$, OP_EQ, $1, $3); }
	| expr NE expr { $$ = ast_binop(ps->arena, @$, OP_NE, $1, $3); }
	| expr IN expr { $$ = ast_binop(ps->arena, @$, OP_IN, $1, $3); }
	| expr LT expr { $$ = ast_binop(ps->arena, @$, OP_LT, $1, $3); }
	| expr LE expr { $$ = ast_binop(ps->arena, @$, OP_LE, $1, $3); }
	| expr GT expr { $$ = ast_binop(ps->arena, @$, OP_GT, $1, $3); }
	| expr GE expr { $$ = ast_binop(ps->arena, @$, OP_GE, $1, $3); }
	| expr SHL expr { $$ = ast_binop(ps->arena, @$, OP_SHL, $1, $3); }
	| expr SHR expr { $$ = ast_binop(ps->arena, @$, OP_SHR, $1, $3); }
	| expr '+' expr { $$ = ast_binop(ps->arena, @$, OP_ADD, $1, $3); }
	| expr '-' expr { $$ = ast_binop(ps->arena, @$, OP_SUB, $1, $3); }
	| expr '*' expr { $$ = ast_binop(ps->arena, @$, OP_MUL, $1, $3); }
	| expr '/' expr { $$ = ast_binop(ps->arena, @$, OP_DIV, $1, $3); }
	| expr '%' expr { $$ = ast_binop(ps->arena, @$, OP_MOD, $1, $3); }
	;

unary
	: postfix
	| '-' unary { $$ = ast_unop(ps->arena, @$, OP_NEG, $2); }
	| '+' unary { $$ = ast_unop(ps->arena, @$, OP_PLUS, $2); }
	| '!' unary { $$ = ast_unop(ps->arena, @$, OP_NOT, $2); }
	| '~' unary { $$ = ast_unop(ps->arena, @$, OP_BNOT, $2); }
	| '*' unary { $$ = ast_unop(ps->arena, @$, OP_DEREF, $2); }
	| '&' unary { $$ = ast_unop(ps->arena, @$, OP_ADDR, $2); }
	| INC unary { $$ = mk_incdec(ps, @$, OP_PREINC, $2); }
	| DEC unary { $$ = mk_incdec(ps, @$, OP_PREDEC, $2); }
	| '(' typename ')' unary {
		$$ = ast_new(ps->arena, N_CAST, @$);
		$$->u.cast.to = $2;
		$$->u.cast.expr = $4;
	}
	| SIZEOF '(' typename ')' {
		$$ = ast_new(ps->arena, N_SIZEOF, @$);
		$$->u.size_of.to = $3;
		$$->u.size_of.is_type = true;
	}
	| SIZEOF '(' expr ')' {
		$$ = ast_new(ps->arena, N_SIZEOF, @$);
		$$->u.size_of.expr = $3;
	}
	| OFFSETOF '(' typename ',' member_path ')' {
		$$ = ast_new(ps->arena, N_SIZEOF, @$);
		$$->u.size_of.to = $3;
		$$->u.size_of.is_type = true;
		$$->u.size_of.member = $5;
		$$->u.size_of.member_loc = @5;
	}
	| OFFSETOF '(' expr ',' member_path ')' {
		$$ = ast_new(ps->arena, N_SIZEOF, @$);
		$$->u.size_of.expr = $3;
		$$->u.size_of.member = $5;
		$$->u.size_of.member_loc = @5;
	}
	;

typename
	: TYPE ptrs { $$ = mk_typename(NULL, $1); $$.pointer_depth = $2; }
	| TYPE ptrs '[' INT ']' {
		$$ = mk_typename(NULL, $1);
		$$.pointer_depth = $2;
		if ($4->u.int_lit.value > 1u << 20) {
			diag_error(ps->diag, @4, "array length %llu is too large",
				   (unsigned long long)$4->u.int_lit.value);
			$$.array_len = 0;
		} else {
			$$.array_len = (int)$4->u.int_lit.value;
		}
	}
	| STRUCT IDENT ptrs { $$ = mk_typename("struct", $2); $$.pointer_depth = $3; }
	| UNION IDENT ptrs { $$ = mk_typename("union", $2); $$.pointer_depth = $3; }
	| ENUM IDENT ptrs { $$ = mk_typename("enum", $2); $$.pointer_depth = $3; }
	;

/* a declaration's type: a cast's, or `string`, `string[N]`, `bool`
 * (names that are not types in a cast) */
decl_type
	: typename
	| IDENT { $$ = mk_typename(NULL, $1); }
	| IDENT '[' INT ']' {
		$$ = mk_typename(NULL, $1);
		$$.array_len = $3->u.int_lit.value > 1u << 20 ? 1 << 21 : (int)$3->u.int_lit.value;
	}
	;

ptrs
	: %empty { $$ = 0; }
	| ptrs '*' { $$ = $1 + 1; }
	;

postfix
	: primary
	| postfix '.' field_name { $$ = mk_field(ps, @$, $1, $3, @3, false); }
	| postfix ARROW field_name { $$ = mk_field(ps, @$, $1, $3, @3, true); }
	| postfix '[' expr ']' {
		$$ = ast_new(ps->arena, N_INDEX, @$);
		$$->u.index.base = $1;
		$$->u.index.index = $3;
	}
	| postfix INC { $$ = mk_incdec(ps, @$, OP_POSTINC, $1); }
	| postfix DEC { $$ = mk_incdec(ps, @$, OP_POSTDEC, $1); }
	;

member_path
	: field_name
	| member_path '.' field_name { $$ = arena_printf(ps->arena, "%s.%s", $1, $3); }
	;

field_name
	: IDENT
	| TYPE
	| IN { $$ = arena_strdup(ps->arena, "in"); } /* a struct's field may be named in */
	| INT {
		/* tuple element: $t.0 */
		$$ = arena_printf(ps->arena, "%llu", (unsigned long long)$1->u.int_lit.value);
	}
	;

primary
	: INT
	| STR
	| INET
	| IDENT { $$ = ast_ident(ps->arena, @1, $1); }
	| IDENT '(' args ')' {
		$$ = ast_call(ps->arena, @1, $1, $3.head);
		$$->u.call.span = @1;
		$$->u.call.span.last_line = @4.last_line;
		$$->u.call.span.last_column = @4.last_column;
	}
	| VAR { $$ = ast_var(ps->arena, @1, $1); }
	| map
	| '(' expr ')' { $$ = $2; }
	| BEXPR_OPEN stmts expr '}' {
		/* `{ stmts; value }` (bpftrace 0.26): a block whose last
		 * statement, without ';', is its value */
		$$ = mk_block(ps, @$, $2, false);
		$$->u.block.value = $3;
	}
	| BEXPR_OPEN stmts '}' {
		diag_error(ps->diag, @3,
			   "a block used as a value ends in an expression without ';', as in "
			   "{ $y = 2; $y * 3 }");
		$$ = ast_int(ps->arena, @$, 0, false);
	}
	| '(' record_fields ')' {
		/* `(a = 1, b = "x")`, a record (bpftrace 0.26): a tuple whose
		 * elements have names; the items are `name = value` */
		$$ = ast_new(ps->arena, N_TUPLE, @$);
		int n = ast_list_len($2.head);
		const char **names = arena_alloc(ps->arena, (size_t)n * sizeof(*names));
		struct nlist elems = {0};
		int i = 0;
		for (struct node *it = $2.head, *next; it; it = next, i++) {
			next = it->next;
			names[i] = it->u.assign.lhs->u.ident.name;
			it->u.assign.rhs->next = NULL;
			elems = list_add(elems, it->u.assign.rhs);
		}
		$$->u.tuple.elems = elems.head;
		$$->u.tuple.count = n;
		$$->u.tuple.names = names;
	}
	| '(' expr ',' arg_list ')' {
		$$ = ast_new(ps->arena, N_TUPLE, @$);
		$2->next = $4.head;
		$$->u.tuple.elems = $2;
		$$->u.tuple.count = 1 + ast_list_len($4.head);
	}
	;

record_fields
	: IDENT '=' expr { $$ = list1(mk_config_item(ps, @$, @1, $1, $3)); }
	| record_fields ',' IDENT '=' expr {
		$$ = list_add($1, mk_config_item(ps, @3, @3, $3, $5));
	}
	;

map
	: MAP %prec MAP_WITHOUT_KEYS { $$ = ast_map(ps->arena, @1, $1, NULL); }
	| MAP '[' arg_list ']' { $$ = ast_map(ps->arena, @$, $1, $3.head); }
	;

args
	: %empty { $$ = (struct nlist){0}; }
	| arg_list
	;

arg_list
	: expr { $$ = list1($1); }
	| arg_list ',' expr { $$ = list_add($1, $3); }
	;

%%

/* How a token is named in "unexpected X, expecting Y": bison keeps the
 * alias with its double quotes; single-quoted text shows what to type. */
static const char *token_display(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_YYEOF:
		return "end of input";
	case YYSYMBOL_YYUNDEF:
		return "invalid token";
	case YYSYMBOL_LANGLE:
		return "'<'";
	case YYSYMBOL_BEXPR_OPEN:
		return "'{'";
	case YYSYMBOL_RANGLE:
		return "'>'";
	case YYSYMBOL_PRED_OPEN:
	case YYSYMBOL_PRED_CLOSE:
		return "'/'";
	default:
		return yysymbol_name(sym);
	}
}

/* Appends a display name (without bison's surrounding double quotes). */
static void put_name(char *buf, size_t cap, size_t *len, const char *name)
{
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		name++;
		n -= 2;
	}
	if (*len + n + 1 > cap)
		n = cap - *len - 1;
	memcpy(buf + *len, name, n);
	*len += n;
	buf[*len] = 0;
}

static void put_str(char *buf, size_t cap, size_t *len, const char *s)
{
	put_name(buf, cap, len, s);
}

/* The text of the offending token, quoted and shortened, for tokens whose
 * kind alone does not say what was written. */
static void put_token_text(char *buf, size_t cap, size_t *len, const struct parse_state *ps)
{
	enum { MAX_SHOWN = 32 };
	char text[MAX_SHOWN * 4 + 8];
	size_t n = 0;
	size_t tl = ps->tok_len;
	const char *t = ps->text + ps->tok_start;
	text[n++] = ' ';
	text[n++] = '\'';
	for (size_t i = 0; i < tl && i < MAX_SHOWN; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c < 0x20 || c >= 0x7f) {
			static const char hex[] = "0123456789abcdef";
			text[n++] = '\\';
			text[n++] = 'x';
			text[n++] = hex[c >> 4];
			text[n++] = hex[c & 15];
		} else {
			text[n++] = (char)c;
		}
	}
	if (tl > MAX_SHOWN) {
		memcpy(text + n, "...", 3);
		n += 3;
	}
	text[n++] = '\'';
	text[n] = 0;
	put_str(buf, cap, len, text);
}

static bool shows_text(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_IDENT:
	case YYSYMBOL_VAR:
	case YYSYMBOL_MAP:
	case YYSYMBOL_SPEC:
	case YYSYMBOL_TYPE:
	case YYSYMBOL_INT:
	case YYSYMBOL_INET:
		return true;
	default:
		return false;
	}
}

/* Whether `sym` is one of the single-character tokens in `chars`. */
static bool is_char_token(yysymbol_kind_t sym, const char *chars)
{
	for (; *chars; chars++) {
		int code = (unsigned char)*chars;
		if (YYTRANSLATE(code) == sym)
			return true;
	}
	return false;
}

static bool starts_expr(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_INT:
	case YYSYMBOL_STR:
	case YYSYMBOL_INET:
	case YYSYMBOL_IDENT:
	case YYSYMBOL_VAR:
	case YYSYMBOL_MAP:
	case YYSYMBOL_SIZEOF:
	case YYSYMBOL_OFFSETOF:
	case YYSYMBOL_INC:
	case YYSYMBOL_DEC:
	case YYSYMBOL_BEXPR_OPEN:
		return true;
	default:
		return is_char_token(sym, "(+-*&!~");
	}
}

/* Binary, ternary and postfix operators: what may follow an operand. */
static bool is_operator(yysymbol_kind_t sym)
{
	switch (sym) {
	case YYSYMBOL_LOR:
	case YYSYMBOL_LAND:
	case YYSYMBOL_EQ:
	case YYSYMBOL_NE:
	case YYSYMBOL_IN:
	case YYSYMBOL_LT:
	case YYSYMBOL_LE:
	case YYSYMBOL_GT:
	case YYSYMBOL_GE:
	case YYSYMBOL_SHL:
	case YYSYMBOL_SHR:
	case YYSYMBOL_ARROW:
	case YYSYMBOL_INC:
	case YYSYMBOL_DEC:
		return true;
	default:
		return is_char_token(sym, "?|^&+-*/%[.");
	}
}

static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner,
				 struct parse_state *ps)
{
	(void)scanner;
	enum { MAX_LISTED = 7 };
	if (ps->fatal)
		return 0;
	yysymbol_kind_t got = yypcontext_token(ctx);
	/* After an unterminated string swallowed the rest of the line, the
	 * early end of input is a consequence, not news. */
	if (got == YYSYMBOL_YYEOF && ps->lex_errors > 0)
		return 0;
	char msg[512];
	size_t len = 0;
	msg[0] = 0;
	put_str(msg, sizeof(msg), &len, "syntax error: unexpected ");
	put_name(msg, sizeof(msg), &len, token_display(got));
	if (shows_text(got))
		put_token_text(msg, sizeof(msg), &len, ps);

	yysymbol_kind_t expected[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, expected, YYNTOKENS);
	/* Where any expression or any operator may come, say so instead of
	 * listing two dozen tokens. */
	bool any_expr = false, any_op = false, any_probe = false;
	for (int i = 0; i < n; i++) {
		any_expr |= expected[i] == YYSYMBOL_INT;
		any_op |= expected[i] == YYSYMBOL_LOR;
		any_probe |= expected[i] == YYSYMBOL_SPEC;
	}
	/* Several tokens share a display name ('<' as operator and as
	 * block opener); list each name once. */
	const char *names[YYNTOKENS + 2];
	int nnames = 0;
	for (int i = 0; i < n; i++) {
		if (expected[i] == YYSYMBOL_YYerror)
			continue;
		if ((any_expr && starts_expr(expected[i])) || (any_op && is_operator(expected[i])))
			continue;
		/* A stray ';' between probes is accepted, not worth suggesting. */
		if (any_probe && is_char_token(expected[i], ";"))
			continue;
		/* Nor a C definition: where a probe may start, one may too. */
		if (any_probe && expected[i] == YYSYMBOL_CDEF)
			continue;
		const char *name = token_display(expected[i]);
		bool dup = false;
		for (int j = 0; j < nnames; j++)
			dup |= strcmp(names[j], name) == 0;
		if (!dup)
			names[nnames++] = name;
	}
	if (any_expr)
		names[nnames++] = "an expression";
	if (any_op)
		names[nnames++] = "an operator";
	if (nnames > 0 && nnames <= MAX_LISTED) {
		put_str(msg, sizeof(msg), &len, ", expecting ");
		for (int i = 0; i < nnames; i++) {
			if (i > 0)
				put_str(msg, sizeof(msg), &len, i == nnames - 1 ? " or " : ", ");
			put_name(msg, sizeof(msg), &len, names[i]);
		}
	}
	diag_error(ps->diag, *yypcontext_location(ctx), "%s", msg);
	if (ps->have_gt) {
		diag_note(ps->diag, ps->gt_loc,
			  "this '>' was read as greater-than; to close the '<' block here, end "
			  "the statement before it with ';'");
		ps->have_gt = false;
	}
	return 0;
}

static void yyerror(YYLTYPE *loc, void *scanner, struct parse_state *ps, const char *msg)
{
	(void)scanner;
	if (ps->fatal)
		return;
	/* Bison's only other message is "memory exhausted": its stack grows
	 * with the nesting of the input. */
	if (strstr(msg, "exhausted"))
		diag_error(ps->diag, *loc, "nesting too deep");
	else
		diag_error(ps->diag, *loc, "%s", msg);
}
