/*
 * ast.c - constructors for syntax-tree nodes, list helpers, the one
 * description of each kind's children (ast_children), and the indented
 * tree dump that `sonde -d` prints (and the parser tests compare
 * against). Nodes live in the compilation's arena, so there is no
 * destructor. The dump shows sema's types when they are already filled in,
 * which makes it useful after every pass, not only after parsing.
 */
#include "front/ast.h"

#include <inttypes.h>
#include <string.h>

#include "front/types.h"

/* The dump recurses over the tree; the parser already rejects deeper
 * programs, this only keeps a hand-built or corrupted tree from exhausting
 * the stack. */
enum { AST_DUMP_MAX_DEPTH = 2000 };

struct node *ast_new(struct arena *a, enum node_kind kind, struct loc loc)
{
	struct node *n = arena_alloc(a, sizeof(*n));
	n->kind = kind;
	n->loc = loc;
	return n;
}

struct node *ast_int(struct arena *a, struct loc loc, uint64_t value, bool is_unsigned)
{
	struct node *n = ast_new(a, N_INT, loc);
	n->u.int_lit.value = value;
	n->u.int_lit.is_unsigned = is_unsigned;
	return n;
}

struct node *ast_str(struct arena *a, struct loc loc, const char *s, size_t len)
{
	struct node *n = ast_new(a, N_STR, loc);
	n->u.str.s = arena_strndup(a, s, len);
	n->u.str.len = len;
	return n;
}

struct node *ast_inet(struct arena *a, struct loc loc, const char *text, uint32_t family,
		      const uint8_t addr[16], int prefix, struct loc prefix_loc)
{
	struct node *n = ast_new(a, N_INET, loc);
	n->u.inet.text = arena_strdup(a, text);
	n->u.inet.family = family;
	memcpy(n->u.inet.addr, addr, 16);
	n->u.inet.prefix = prefix;
	n->u.inet.prefix_loc = prefix_loc;
	return n;
}

struct node *ast_ident(struct arena *a, struct loc loc, const char *name)
{
	struct node *n = ast_new(a, N_IDENT, loc);
	n->u.ident.name = arena_strdup(a, name);
	n->u.ident.builtin_id = -1;
	return n;
}

struct node *ast_var(struct arena *a, struct loc loc, const char *name)
{
	struct node *n = ast_new(a, N_VAR, loc);
	n->u.var.name = arena_strdup(a, name);
	return n;
}

struct node *ast_map(struct arena *a, struct loc loc, const char *name, struct node *keys)
{
	struct node *n = ast_new(a, N_MAP, loc);
	n->u.map.name = arena_strdup(a, name);
	n->u.map.keys = keys;
	return n;
}

struct node *ast_call(struct arena *a, struct loc loc, const char *name, struct node *args)
{
	struct node *n = ast_new(a, N_CALL, loc);
	n->u.call.name = arena_strdup(a, name);
	n->u.call.args = args;
	n->u.call.builtin_id = -1;
	return n;
}

struct node *ast_binop(struct arena *a, struct loc loc, enum ast_op op, struct node *lhs,
                       struct node *rhs)
{
	struct node *n = ast_new(a, N_BINOP, loc);
	n->u.binop.op = op;
	n->u.binop.lhs = lhs;
	n->u.binop.rhs = rhs;
	return n;
}

struct node *ast_unop(struct arena *a, struct loc loc, enum ast_op op, struct node *operand)
{
	struct node *n = ast_new(a, N_UNOP, loc);
	n->u.unop.op = op;
	n->u.unop.operand = operand;
	return n;
}

struct node *ast_append(struct node *list, struct node *item)
{
	if (!list)
		return item;
	struct node *tail = list;
	while (tail->next)
		tail = tail->next;
	tail->next = item;
	return list;
}

int ast_list_len(const struct node *list)
{
	int n = 0;
	for (; list; list = list->next)
		n++;
	return n;
}

int ast_children(struct node *n, struct ast_child kids[AST_MAX_CHILDREN])
{
	int k = 0;
#define ONE(field) (kids[k++] = (struct ast_child){&n->u.field, false, NULL})
#define LIST(field) (kids[k++] = (struct ast_child){&n->u.field, true, NULL})
#define LABELLED(field, is_list, label)                                                            \
	(kids[k++] = (struct ast_child){&n->u.field, is_list, label})
	switch (n->kind) {
	case N_INT:
	case N_STR:
	case N_INET:
	case N_IDENT:
	case N_VAR:
	case N_BREAK:
	case N_CONTINUE:
	case N_SPEC:
		break;
	case N_MAP:
		LIST(map.keys);
		break;
	case N_CALL:
		LIST(call.args);
		break;
	case N_BINOP:
		ONE(binop.lhs);
		ONE(binop.rhs);
		break;
	case N_UNOP:
		ONE(unop.operand);
		break;
	case N_TERNARY:
		ONE(ternary.cond);
		ONE(ternary.then);
		ONE(ternary.els);
		break;
	case N_FIELD:
		ONE(field.base);
		break;
	case N_INDEX:
		ONE(index.base);
		ONE(index.index);
		break;
	case N_TUPLE:
		LIST(tuple.elems);
		break;
	case N_CAST:
		ONE(cast.expr);
		break;
	case N_SIZEOF:
		ONE(size_of.expr); /* NULL when sizeof names a type */
		break;
	case N_ASSIGN:
		ONE(assign.lhs);
		ONE(assign.rhs);
		break;
	case N_INCDEC:
		ONE(incdec.operand);
		break;
	case N_EXPR_STMT:
		ONE(expr_stmt.expr);
		break;
	case N_BLOCK:
		LIST(block.stmts);
		if (n->u.block.value)
			LABELLED(block.value, false, "value");
		break;
	case N_IF:
		ONE(if_.cond);
		ONE(if_.then);
		LABELLED(if_.els, false, "else");
		break;
	case N_WHILE:
		ONE(while_.cond);
		ONE(while_.body);
		break;
	case N_UNROLL:
		ONE(unroll.count);
		ONE(unroll.body);
		break;
	case N_FOR:
		ONE(for_.var);
		if (n->u.for_.map) {
			ONE(for_.map);
		} else {
			ONE(for_.start);
			ONE(for_.end);
		}
		ONE(for_.body);
		break;
	case N_RETURN:
		ONE(ret.value);
		break;
	case N_PROBE:
		LIST(probe.specs);
		LABELLED(probe.predicate, false, "predicate");
		ONE(probe.body);
		break;
	case N_MACRO:
		LABELLED(macro.params, true, "params");
		ONE(macro.body);
		break;
	case N_CONFIG:
		LIST(config.items);
		break;
	}
#undef ONE
#undef LIST
#undef LABELLED
	return k;
}

bool ast_contains_kind(const struct node *n, enum node_kind kind)
{
	if (!n)
		return false;
	if (n->kind == kind)
		return true;
	/* ast_children hands out writable slots; this only reads them */
	struct ast_child kids[AST_MAX_CHILDREN];
	int nkids = ast_children((struct node *)n, kids);
	for (int i = 0; i < nkids; i++)
		for (const struct node *k = *kids[i].slot; k; k = kids[i].is_list ? k->next : NULL)
			if (ast_contains_kind(k, kind))
				return true;
	return false;
}

const char *ast_kind_name(enum node_kind kind)
{
	static const char *const names[] = {
#define X(k, s) [N_##k] = s,
	    AST_KINDS(X)
#undef X
	};
	if ((unsigned)kind >= N__COUNT)
		return "?";
	return names[kind];
}

const char *ast_op_name(enum ast_op op)
{
	static const char *const names[] = {
#define X(k, s) [OP_##k] = s,
	    AST_OPS(X)
#undef X
	};
	if ((unsigned)op >= OP__COUNT)
		return "?";
	return names[op];
}

/* State of one dump: where it goes and an arena for type names. */
struct dumper {
	FILE *out;
	struct arena scratch;
};

static void indent(struct dumper *dp, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("  ", dp->out);
}

static void dump_typename(struct dumper *dp, const struct typename_ref *t)
{
	if (t->tag)
		fprintf(dp->out, "%s ", t->tag);
	fputs(t->name ? t->name : "?", dp->out);
	if (t->pointer_depth > 0)
		fputc(' ', dp->out);
	for (int i = 0; i < t->pointer_depth; i++)
		fputc('*', dp->out);
	if (t->array_len >= 0)
		fprintf(dp->out, "[%d]", t->array_len);
}

static void dump_string(struct dumper *dp, const char *s, size_t len)
{
	fputc('"', dp->out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\n':
			fputs("\\n", dp->out);
			break;
		case '\t':
			fputs("\\t", dp->out);
			break;
		case '\\':
			fputs("\\\\", dp->out);
			break;
		case '"':
			fputs("\\\"", dp->out);
			break;
		default:
			if (c < 0x20 || c >= 0x7f)
				fprintf(dp->out, "\\x%02x", c);
			else
				fputc(c, dp->out);
		}
	}
	fputc('"', dp->out);
}

static void dump_node(struct dumper *dp, const struct node *n, int depth);

static void dump_list(struct dumper *dp, const struct node *list, int depth)
{
	for (; list; list = list->next)
		dump_node(dp, list, depth);
}

/* A labelled child: a line with the label, the child one level deeper. */
static void dump_labelled(struct dumper *dp, const char *label, const struct node *n, int depth)
{
	if (!n)
		return;
	indent(dp, depth);
	fprintf(dp->out, "%s:\n", label);
	dump_list(dp, n, depth + 1);
}

static void dump_header(struct dumper *dp, const struct node *n)
{
	FILE *out = dp->out;
	fputs(ast_kind_name(n->kind), out);
	switch (n->kind) {
	case N_INT:
		fprintf(out, " %" PRIu64 "%s", n->u.int_lit.value,
		        n->u.int_lit.is_unsigned ? "u" : "");
		break;
	case N_STR:
		fputc(' ', out);
		dump_string(dp, n->u.str.s, n->u.str.len);
		break;
	case N_INET:
		fprintf(out, " %s", n->u.inet.text);
		break;
	case N_IDENT:
		fprintf(out, " %s", n->u.ident.name);
		break;
	case N_VAR:
		fprintf(out, " $%s", n->u.var.name);
		break;
	case N_MAP:
		fprintf(out, " %s", n->u.map.name);
		break;
	case N_CALL:
		fprintf(out, " %s", n->u.call.name);
		break;
	case N_BINOP:
		fprintf(out, " %s", ast_op_name(n->u.binop.op));
		break;
	case N_UNOP:
		fprintf(out, " %s", ast_op_name(n->u.unop.op));
		break;
	case N_FIELD:
		fprintf(out, " %s%s", n->u.field.arrow ? "->" : ".", n->u.field.name);
		break;
	case N_TUPLE:
		fprintf(out, " %d", n->u.tuple.count);
		break;
	case N_CAST:
		fputs(" (", out);
		dump_typename(dp, &n->u.cast.to);
		fputc(')', out);
		break;
	case N_SIZEOF:
		if (n->u.size_of.is_type) {
			fputs(" (", out);
			dump_typename(dp, &n->u.size_of.to);
			fputc(')', out);
		}
		if (n->u.size_of.member)
			fprintf(out, " offsetof .%s", n->u.size_of.member);
		break;
	case N_ASSIGN:
		fprintf(out, " %s=", ast_op_name(n->u.assign.op));
		if (n->u.assign.let)
			fputs(" let", out);
		if (n->u.assign.typed) {
			fputs(" (", out);
			dump_typename(dp, &n->u.assign.decl_type);
			fputc(')', out);
		}
		break;
	case N_INCDEC: {
		enum ast_op op = n->u.incdec.op;
		bool post = op == OP_POSTINC || op == OP_POSTDEC;
		fprintf(out, " %s%s", post ? "x" : "", ast_op_name(op));
		if (!post)
			fputc('x', out);
		break;
	}
	case N_BLOCK:
		fputs(n->u.block.angle ? " <>" : " {}", out);
		break;
	case N_PROBE:
		fprintf(out, " #%d", n->u.probe.index);
		break;
	case N_SPEC:
		fprintf(out, " %s", n->u.spec.text);
		break;
	case N_MACRO:
		fprintf(out, " %s", n->u.macro.name);
		break;
	case N_TERNARY:
	case N_INDEX:
	case N_EXPR_STMT:
	case N_IF:
	case N_WHILE:
	case N_UNROLL:
	case N_FOR:
	case N_RETURN:
	case N_BREAK:
	case N_CONTINUE:
	case N_CONFIG:
		break; /* the kind's name says it all */
	}
	if (n->type)
		fprintf(out, " : %s", type_name(&dp->scratch, n->type));
	fputc('\n', out);
}

static void dump_node(struct dumper *dp, const struct node *n, int depth)
{
	if (!n)
		return;
	indent(dp, depth);
	if (depth > AST_DUMP_MAX_DEPTH) {
		fputs("... (nesting too deep)\n", dp->out);
		return;
	}
	dump_header(dp, n);
	/* ast_children hands out writable slots; the dump only reads them */
	struct ast_child kids[AST_MAX_CHILDREN];
	int nkids = ast_children((struct node *)n, kids);
	for (int i = 0; i < nkids; i++) {
		const struct node *child = *kids[i].slot;
		if (kids[i].label)
			dump_labelled(dp, kids[i].label, child, depth + 1);
		else if (kids[i].is_list)
			dump_list(dp, child, depth + 1);
		else
			dump_node(dp, child, depth + 1);
	}
}

void ast_dump(FILE *out, const struct ast_program *prog)
{
	struct dumper dp = {.out = out};
	arena_init(&dp.scratch);
	if (prog->config)
		dump_node(&dp, prog->config, 0);
	dump_list(&dp, prog->macros, 0);
	dump_list(&dp, prog->probes, 0);
	arena_fini(&dp.scratch);
}
