/*
 * ast.h - the syntax tree.
 *
 * One tagged node type for expressions, statements and top-level items.
 * Lists (statements of a block, arguments of a call, keys of a map, specs
 * of a probe) are singly linked through `next`. Every node carries the
 * location of the text it came from. The parser builds the tree with the
 * constructors below (all nodes live in the compilation's arena); sema
 * fills in `type` and the resolution fields in place; codegen reads only
 * the annotated tree.
 */
#ifndef SONDE_AST_H
#define SONDE_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "front/arena.h"
#include "front/loc.h"

struct type;
struct map_info;
struct var_info;
struct provider;
struct attach_point;

/* Node kinds with their name for -d dumps. */
#define AST_KINDS(X)                                                                               \
	/* expressions */                                                                          \
	X(INT, "int")                                                                              \
	X(STR, "string")                                                                           \
	X(INET, "inet")         /* 10.0.0.1, fd00::1, 10.0.0.0/8: an address or network literal */ \
	X(IDENT, "ident")       /* bare name: builtin (pid, comm, args, pkt) or constant */        \
	X(VAR, "var")           /* $name */                                                        \
	X(MAP, "map")           /* @name or @name[keys] (keys: list in `u.map.keys`) */            \
	X(CALL, "call")         /* name(args) */                                                   \
	X(BINOP, "binop")       /* lhs op rhs, including && and || */                              \
	X(UNOP, "unop")         /* op operand: - ! ~ * & + */                                      \
	X(TERNARY, "ternary")   /* cond ? a : b, cond ?: b */                                             \
	X(FIELD, "field")       /* expr.name or expr->name */                                      \
	X(INDEX, "index")       /* expr[expr] on arrays/pointers */                                \
	X(TUPLE, "tuple")       /* (a, b, ...) with at least two elements */                       \
	X(CAST, "cast")         /* (typename) expr */                                              \
	X(SIZEOF, "sizeof")     /* sizeof(typename|expr); offsetof(typename|expr, a.b) */          \
	X(ASSIGN, "assign")     /* lhs = rhs, lhs op= rhs (lhs: VAR or MAP) */                     \
	X(INCDEC, "incdec")     /* ++x x++ --x x-- */                                              \
	/* statements */                                                                           \
	X(EXPR_STMT, "expr_stmt")                                                                  \
	X(BLOCK, "block")                                                                          \
	X(IF, "if")                                                                                \
	X(WHILE, "while")                                                                          \
	X(UNROLL, "unroll")                                                                        \
	X(FOR, "for")           /* for ($var : @map), for ($var : a..b) */                                   \
	X(RETURN, "return")                                                                        \
	X(BREAK, "break")                                                                          \
	X(CONTINUE, "continue")                                                                    \
	/* top level */                                                                            \
	X(PROBE, "probe")                                                                          \
	X(SPEC, "spec")         /* one probe spec, text as written */                              \
	X(MACRO, "macro")                                                                          \
	X(CONFIG, "config")     /* config = { key = value; ... }: list of ASSIGN-like items */

enum node_kind {
#define X(k, s) N_##k,
	AST_KINDS(X)
#undef X
};

/* The number of kinds, kept out of enum node_kind so that a switch over
 * the kinds lists exactly the real ones and -Wswitch can hold it to that. */
#define X(k, s) +1
enum { N__COUNT = 0 AST_KINDS(X) };
#undef X

/* Operators of BINOP, UNOP, ASSIGN (compound) and INCDEC. */
#define AST_OPS(X)                                                                                 \
	X(NONE, "")                                                                                \
	X(ADD, "+")                                                                                \
	X(SUB, "-")                                                                                \
	X(MUL, "*")                                                                                \
	X(DIV, "/")                                                                                \
	X(MOD, "%")                                                                                \
	X(BAND, "&")                                                                               \
	X(BOR, "|")                                                                                \
	X(BXOR, "^")                                                                               \
	X(SHL, "<<")                                                                               \
	X(SHR, ">>")                                                                               \
	X(LAND, "&&")                                                                              \
	X(LOR, "||")                                                                               \
	X(EQ, "==")                                                                                \
	X(NE, "!=")                                                                                \
	X(LT, "<")                                                                                 \
	X(LE, "<=")                                                                                \
	X(GT, ">")                                                                                 \
	X(GE, ">=")                                                                                \
	X(IN, "in")   /* inet in network literal */                                              \
	X(NEG, "-")   /* unary minus */                                                            \
	X(PLUS, "+")  /* unary plus */                                                             \
	X(NOT, "!")                                                                                \
	X(BNOT, "~")                                                                               \
	X(DEREF, "*")                                                                              \
	X(ADDR, "&")                                                                               \
	X(PREINC, "++")                                                                            \
	X(PREDEC, "--")                                                                            \
	X(POSTINC, "++")                                                                           \
	X(POSTDEC, "--")

enum ast_op {
#define X(k, s) OP_##k,
	AST_OPS(X)
#undef X
};

/* Kept out of enum ast_op for the same reason as N__COUNT. */
#define X(k, s) +1
enum { OP__COUNT = 0 AST_OPS(X) };
#undef X

/* A type as written in a cast or sizeof: `uint32`, `struct sk_buff *`,
 * `char[16]`. */
struct typename_ref {
	const char *name;  /* "uint32", "sk_buff", ... */
	bool is_struct;    /* written with `struct` (or union/enum keyword: see tag) */
	const char *tag;   /* "struct", "union", "enum" or NULL */
	int pointer_depth; /* number of '*' */
	int array_len;     /* -1 when not an array */
};

struct fmt_info; /* compile.h */

struct node {
	enum node_kind kind;
	struct loc loc;
	struct node *next; /* next in a list */

	/* Filled in by sema. */
	struct type *type;

	union {
		struct {
			uint64_t value;
			bool is_unsigned; /* literal had a 'u' suffix or did not fit in int64 */
			bool is_bool;     /* sema: `true` or `false`, of type bool (bpftrace 0.26) */
		} int_lit;
		struct {
			const char *s; /* escapes already decoded; may contain NUL */
			size_t len;
		} str;
		struct {
			const char *text; /* as written, for dumps and messages */
			uint32_t family;  /* AF_INET (2) or AF_INET6 (10) */
			uint8_t addr[16]; /* network order; an IPv4 address in the first 4 */
			int prefix;       /* the /N of a network; -1 for an address alone */
			struct loc prefix_loc;
		} inet;
		struct {
			const char *name;
			int builtin_id; /* sema: resolved builtin, or -1 */
			int64_t const_value; /* sema: value when the name is a constant */
			bool is_const;
			struct node *lowered; /* sema: the expression a builtin stands for (ppid) */
		} ident;
		struct {
			const char *name; /* without '$' */
			struct var_info *info; /* sema */
		} var;
		struct {
			const char *name;  /* with '@': "@", "@x" */
			struct node *keys; /* list, NULL when written without [] */
			struct map_info *info; /* sema */
		} map;
		struct {
			const char *name;
			struct node *args; /* list */
			int builtin_id; /* sema: enum builtin_id, or -1 */
			/* sema: what the call resolved to at compile time, for codegen */
			struct fmt_info *fmt; /* the record format of printf, system, cat,
						 print(value), time() and join() */
			unsigned ifindex;     /* redirect("NAME"): the interface */
			uint64_t kaddr;       /* kaddr("NAME"): the symbol's address */
			int signal;           /* signal("NAME"): its number; 0 when the
						 number is an expression, read at run time */
			uint64_t value;       /* strncmp(a, b, n): n; cgroupid("PATH"): the id;
						 percpu_kaddr("NAME"): the BTF id of
						 the kernel's VAR */
			struct node *lowered; /* the expression it stands for (ppid(task)) */
			/* ratelimit(@m[k], RATE, BURST): the ns one token stands
			 * for and the bucket's depth in ns (BURST of them) */
			uint64_t token_ns, bucket_ns;
			/* the name to the ')' (loc is the name's): where -k/-kk
			 * report a failing helper, as bpftrace does */
			struct loc span;
		} call;
		struct {
			enum ast_op op;
			struct node *lhs, *rhs;
		} binop;
		struct {
			enum ast_op op;
			struct node *operand;
		} unop;
		struct {
			/* then is NULL for `cond ?: els` (bpftrace 0.26): the
			 * value is cond's when it is not zero */
			struct node *cond, *then, *els;
		} ternary;
		struct {
			struct node *base;
			const char *name;
			bool arrow; /* written with -> */
			struct loc name_loc;
		} field;
		struct {
			struct node *base, *index;
		} index;
		struct {
			struct node *elems; /* list */
			int count;
			/* a record `(a = 1, b = 2)` (bpftrace 0.26): the
			 * elements' names; NULL for a tuple */
			const char **names;
		} tuple;
		struct {
			struct typename_ref to;
			struct node *expr;
		} cast;
		struct {
			struct typename_ref to; /* when is_type */
			struct node *expr;      /* otherwise */
			bool is_type;
			/* offsetof(TYPE or EXPR, a.b): the member path; NULL for sizeof */
			const char *member;
			struct loc member_loc;
		} size_of;
		struct {
			enum ast_op op; /* OP_NONE for '=', else the compound operator */
			struct node *lhs, *rhs;
			struct loc op_loc; /* the '=' or "+=" (-k reports a map update at '=') */
			/* `let $x [: T] [= v]` (bpftrace 0.26): a declaration, scoped
			 * to its block; rhs NULL when it has no value (then $x is 0).
			 * At the top level, `let @m = hash(N)`. */
			bool let;
			bool typed; /* written with `: T` */
			struct typename_ref decl_type;
			struct loc type_loc;
		} assign;
		struct {
			enum ast_op op; /* PREINC PREDEC POSTINC POSTDEC */
			struct node *operand;
		} incdec;
		struct {
			struct node *expr;
			bool discard; /* `_ = expr;` (bpftrace 0.26): no "not used" warning */
		} expr_stmt;
		struct {
			struct node *stmts; /* list */
			bool angle; /* written with < > */
			/* a block expression `{ stmts; value }` (bpftrace
			 * 0.26): the value it has, after its statements */
			struct node *value;
			/* a macro's expansion: no scope of its own, so what it
			 * assigns to a caller's $variable is the caller's */
			bool expansion;
		} block;
		struct {
			struct node *cond, *then, *els; /* then/els: BLOCK or IF (else if) or NULL */
		} if_;
		struct {
			struct node *cond, *body;
		} while_;
		struct {
			struct node *count, *body;
		} unroll;
		struct {
			struct node *var; /* VAR */
			struct node *map; /* MAP, or NULL for a range: */
			struct node *start, *end; /* for ($i : start..end) */
			struct node *body;
		} for_;
		struct {
			struct node *value; /* may be NULL */
		} ret;
		struct {
			struct node *specs;     /* list of SPEC */
			struct node *predicate; /* may be NULL */
			struct node *body;      /* BLOCK */
			int index;              /* order in the program */
			/* what sema_probes expanded the specs into; none
			 * when a spec failed */
			struct attach_point *aps;
			size_t naps;
		} probe;
		struct {
			const char *text;  /* as written, e.g. "tracepoint:syscalls:sys_enter_*" */
		} spec;
		struct {
			const char *name;
			/* list of VAR ($x: a variable of the caller's), MAP (@m:
			 * a map of the caller's) or IDENT (x: any expression,
			 * put in at each use), bpftrace 0.26 */
			struct node *params;
			struct node *body;   /* BLOCK */
			/* written as a #define: the C preprocessor's text
			 * replacement, without hygiene */
			bool from_define;
		} macro;
		struct {
			struct node *items; /* list of ASSIGN with IDENT lhs */
		} config;
	} u;
};

/* A C definition, #define or #include at the top level, kept as text for
 * sema/cdefs.c (front/cdecl.h parses it), in script order. */
enum cdef_kind { CDEF_DECL, CDEF_DEFINE, CDEF_INCLUDE };
struct cdef_src {
	enum cdef_kind kind;
	struct loc loc; /* where the text starts */
	const char *text;
	size_t len;
	struct cdef_src *next;
};

struct ast_program {
	struct node *config; /* CONFIG or NULL */
	struct cdef_src *cdefs; /* in script order */
	struct node *macros; /* list of MACRO */
	struct node *probes; /* list of PROBE */
	/* `let @m = KIND(N);` at the top level (bpftrace 0.26): ASSIGN with
	 * let set, a MAP lhs and a CALL rhs, in script order */
	struct node *map_decls;
	/* -I DIR, set before parsing: where the lexer looks for an #include
	 * <header>'s typedef names */
	const char *const *include_dirs;
	int ninclude_dirs;
	/* the files `import "f.bt"` read, each once (front/import.c), and
	 * how deep the parse is in imports (0: the script) */
	struct import_rec *imports;
	int import_depth;
};

/* Constructors (ast.c). All allocate from `a`, zero-fill, set kind and loc. */
struct node *ast_new(struct arena *a, enum node_kind kind, struct loc loc);
struct node *ast_int(struct arena *a, struct loc loc, uint64_t value, bool is_unsigned);
struct node *ast_str(struct arena *a, struct loc loc, const char *s, size_t len);
struct node *ast_inet(struct arena *a, struct loc loc, const char *text, uint32_t family,
		      const uint8_t addr[16], int prefix, struct loc prefix_loc);
struct node *ast_ident(struct arena *a, struct loc loc, const char *name);
struct node *ast_var(struct arena *a, struct loc loc, const char *name);
struct node *ast_map(struct arena *a, struct loc loc, const char *name, struct node *keys);
struct node *ast_call(struct arena *a, struct loc loc, const char *name, struct node *args);
struct node *ast_binop(struct arena *a, struct loc loc, enum ast_op op, struct node *lhs,
		       struct node *rhs);
struct node *ast_unop(struct arena *a, struct loc loc, enum ast_op op, struct node *operand);
/* Appends `item` (may itself be a list) to `list`; returns the head. */
struct node *ast_append(struct node *list, struct node *item);
int ast_list_len(const struct node *list);

/* One child position of a node: a field that holds a child, or the head of
 * a list of children linked through `next`. */
struct ast_child {
	/* the field itself, so a pass can replace the child; NULL inside when
	 * an optional child is absent */
	struct node **slot;
	bool is_list; /* *slot heads a list linked through `next` */
	/* the -d dump prints the child under this heading ("else",
	 * "predicate", "params"), or NULL */
	const char *label;
};

/* The most children any kind has (FOR over a range). */
enum { AST_MAX_CHILDREN = 4 };

/* The child positions of `n`, in source order: fills `kids` and returns how
 * many. This is the one description of which fields of each kind hold
 * nodes; the dump, the copy a macro expansion makes and the parser's depth
 * check all walk the tree through it. The switch has no default, so
 * -Wswitch names this place when a kind is added. */
int ast_children(struct node *n, struct ast_child kids[AST_MAX_CHILDREN]);
/* Whether `n` or a node anywhere below it (not its `next` siblings) is of
 * kind `kind`; false for NULL. */
bool ast_contains_kind(const struct node *n, enum node_kind kind);

const char *ast_kind_name(enum node_kind kind);
const char *ast_op_name(enum ast_op op);
/* Indented tree dump for `sonde -d`; shows sema types when present. */
void ast_dump(FILE *out, const struct ast_program *prog);

#endif
