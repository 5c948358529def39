/*
 * test_ast.c - ast_children, the one description of which fields of each
 * node kind hold children, checked against a listing written here from
 * struct node's fields; and the copy a macro expansion makes by walking
 * the tree through ast_children: it must share no node with the macro's
 * definition, nor one expansion with another, for a body that holds every
 * kind of expression and statement. A kind whose children the walker
 * forgot would be shared between the definition and its expansions, and
 * sema annotating one would annotate the other. And ast_contains_kind,
 * the search for a kind below a node.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "compile_helper.h"
#include "front/ast.h"

struct expected_child {
	struct node **slot;
	bool is_list;
	const char *label;
};

/* Which fields hold nodes, in source order, written from struct node in
 * ast.h rather than from ast.c. No default: -Wswitch names this place too
 * when a kind is added. */
static int expected_children(struct node *n, struct expected_child out[AST_MAX_CHILDREN])
{
	int k = 0;
	switch (n->kind) {
	case N_INT:
	case N_STR:
	case N_INET:
	case N_IDENT:
	case N_VAR:
	case N_BREAK:
	case N_CONTINUE:
	case N_SPEC:
		return 0;
	case N_MAP:
		out[k++] = (struct expected_child){&n->u.map.keys, true, NULL};
		return k;
	case N_CALL:
		out[k++] = (struct expected_child){&n->u.call.args, true, NULL};
		return k;
	case N_BINOP:
		out[k++] = (struct expected_child){&n->u.binop.lhs, false, NULL};
		out[k++] = (struct expected_child){&n->u.binop.rhs, false, NULL};
		return k;
	case N_UNOP:
		out[k++] = (struct expected_child){&n->u.unop.operand, false, NULL};
		return k;
	case N_TERNARY:
		out[k++] = (struct expected_child){&n->u.ternary.cond, false, NULL};
		out[k++] = (struct expected_child){&n->u.ternary.then, false, NULL};
		out[k++] = (struct expected_child){&n->u.ternary.els, false, NULL};
		return k;
	case N_FIELD:
		out[k++] = (struct expected_child){&n->u.field.base, false, NULL};
		return k;
	case N_INDEX:
		out[k++] = (struct expected_child){&n->u.index.base, false, NULL};
		out[k++] = (struct expected_child){&n->u.index.index, false, NULL};
		return k;
	case N_TUPLE:
		out[k++] = (struct expected_child){&n->u.tuple.elems, true, NULL};
		return k;
	case N_CAST:
		out[k++] = (struct expected_child){&n->u.cast.expr, false, NULL};
		return k;
	case N_SIZEOF:
		out[k++] = (struct expected_child){&n->u.size_of.expr, false, NULL};
		return k;
	case N_ASSIGN:
		out[k++] = (struct expected_child){&n->u.assign.lhs, false, NULL};
		out[k++] = (struct expected_child){&n->u.assign.rhs, false, NULL};
		return k;
	case N_INCDEC:
		out[k++] = (struct expected_child){&n->u.incdec.operand, false, NULL};
		return k;
	case N_EXPR_STMT:
		out[k++] = (struct expected_child){&n->u.expr_stmt.expr, false, NULL};
		return k;
	case N_BLOCK:
		out[k++] = (struct expected_child){&n->u.block.stmts, true, NULL};
		if (n->u.block.value)
			out[k++] = (struct expected_child){&n->u.block.value, false, "value"};
		return k;
	case N_IF:
		out[k++] = (struct expected_child){&n->u.if_.cond, false, NULL};
		out[k++] = (struct expected_child){&n->u.if_.then, false, NULL};
		out[k++] = (struct expected_child){&n->u.if_.els, false, "else"};
		return k;
	case N_WHILE:
		out[k++] = (struct expected_child){&n->u.while_.cond, false, NULL};
		out[k++] = (struct expected_child){&n->u.while_.body, false, NULL};
		return k;
	case N_UNROLL:
		out[k++] = (struct expected_child){&n->u.unroll.count, false, NULL};
		out[k++] = (struct expected_child){&n->u.unroll.body, false, NULL};
		return k;
	case N_FOR:
		out[k++] = (struct expected_child){&n->u.for_.var, false, NULL};
		if (n->u.for_.map) {
			out[k++] = (struct expected_child){&n->u.for_.map, false, NULL};
		} else {
			out[k++] = (struct expected_child){&n->u.for_.start, false, NULL};
			out[k++] = (struct expected_child){&n->u.for_.end, false, NULL};
		}
		out[k++] = (struct expected_child){&n->u.for_.body, false, NULL};
		return k;
	case N_RETURN:
		out[k++] = (struct expected_child){&n->u.ret.value, false, NULL};
		return k;
	case N_PROBE:
		out[k++] = (struct expected_child){&n->u.probe.specs, true, NULL};
		out[k++] = (struct expected_child){&n->u.probe.predicate, false, "predicate"};
		out[k++] = (struct expected_child){&n->u.probe.body, false, NULL};
		return k;
	case N_MACRO:
		out[k++] = (struct expected_child){&n->u.macro.params, true, "params"};
		out[k++] = (struct expected_child){&n->u.macro.body, false, NULL};
		return k;
	case N_CONFIG:
		out[k++] = (struct expected_child){&n->u.config.items, true, NULL};
		return k;
	}
	fail_msg("node kind %d is not a kind", (int)n->kind);
	return 0;
}

static void test_children_are_the_node_fields(void **state)
{
	(void)state;
	for (int kind = 0; kind < N__COUNT; kind++) {
		struct node n = {.kind = (enum node_kind)kind};
		struct expected_child want[AST_MAX_CHILDREN];
		struct ast_child got[AST_MAX_CHILDREN];
		int nwant = expected_children(&n, want);
		int ngot = ast_children(&n, got);
		if (ngot != nwant)
			fail_msg("%s: %d children, expected %d", ast_kind_name(n.kind), ngot,
			         nwant);
		for (int i = 0; i < nwant; i++) {
			if (got[i].slot != want[i].slot || got[i].is_list != want[i].is_list)
				fail_msg("%s: child %d is field +%td%s, expected +%td%s",
				         ast_kind_name(n.kind), i, (char *)got[i].slot - (char *)&n,
				         got[i].is_list ? " (list)" : "",
				         (char *)want[i].slot - (char *)&n,
				         want[i].is_list ? " (list)" : "");
			if (!want[i].label)
				assert_null(got[i].label);
			else
				assert_string_equal(got[i].label, want[i].label);
		}
	}
}

/* The nodes met on a walk, each once. */
struct node_set {
	const struct node **nodes;
	int len, cap;
	int kinds[N__COUNT]; /* how many of each kind */
};

static bool node_set_has(const struct node_set *set, const struct node *n)
{
	for (int i = 0; i < set->len; i++)
		if (set->nodes[i] == n)
			return true;
	return false;
}

/* Adds `n` and everything under it (and its successors when `is_list`),
 * walking with expected_children so that a kind ast_children got wrong
 * is still walked into. Fails when a node is met twice: two places of
 * the tree share it. */
static void collect(struct node_set *set, struct node *n, bool is_list)
{
	for (; n; n = is_list ? n->next : NULL) {
		if (node_set_has(set, n))
			fail_msg("a %s node at %d:%d is reachable twice", ast_kind_name(n->kind),
			         n->loc.first_line, n->loc.first_column);
		if (set->len == set->cap) {
			set->cap = set->cap ? 2 * set->cap : 256;
			set->nodes = realloc(set->nodes, (size_t)set->cap * sizeof(*set->nodes));
			assert_non_null(set->nodes);
		}
		set->nodes[set->len++] = n;
		set->kinds[n->kind]++;
		struct expected_child kids[AST_MAX_CHILDREN];
		int nkids = expected_children(n, kids);
		for (int i = 0; i < nkids; i++)
			collect(set, *kids[i].slot, kids[i].is_list);
	}
}

/* Every kind of expression and statement, parameters used as a value and
 * as a keyless map, expanded twice. */
static const char every_kind_src[] =
    "macro every($a, @b) {\n"
    "	$x = $a + 1;\n"
    "	$x += -$x;\n"
    "	$x++;\n"
    "	$s = \"str\";\n"
    "	$i = 10.0.0.1 in 10.0.0.0/8 && fd00::1 != 10.0.0.2;\n"
    "	$y = pid > 0 ? (uint32)$x : 2;\n"
    "	$c = curtask->comm[0];\n"
    "	$t = (1, \"two\");\n"
    "	$z = sizeof(uint64) + sizeof($x);\n"
    "	@b = 1;\n"
    "	@m[$x, 2] = count();\n"
    "	if ($x) { $x = 1; } else if ($x == 2) { $x = 3; } else { $x = 4; }\n"
    "	while ($x < 10) { $x++; if ($x == 5) { break; } if ($x == 6) { continue; } }\n"
    "	unroll(2) { $x--; }\n"
    "	for ($kv : @n) { printf(\"%d %d\\n\", $kv.0, $t.0); }\n"
    "	return;\n"
    "}\n"
    "BEGIN { @n[1] = 1; every(1 + 2, @q); every(3, @q); exit(); }\n";

static void test_macro_expansion_shares_no_node(void **state)
{
	(void)state;
	struct compile_run r;
	if (compile_run(&r, every_kind_src) != 0)
		fail_msg("the program does not compile:\n%s", compile_diags(&r));
	struct node *macro = NULL;
	for (struct node *m = r.c.prog.macros; m; m = m->next)
		if (!strcmp(m->u.macro.name, "every"))
			macro = m;
	assert_non_null(macro);

	struct node_set definition = {0};
	collect(&definition, macro->u.macro.body, false);
	/* the body holds every kind a macro body can hold */
	for (int kind = 0; kind < N__COUNT; kind++) {
		bool top_level =
		    kind == N_PROBE || kind == N_SPEC || kind == N_MACRO || kind == N_CONFIG;
		if (!top_level && definition.kinds[kind] == 0)
			fail_msg("the macro body has no %s node",
			         ast_kind_name((enum node_kind)kind));
	}

	/* both expansions and the rest of the probe: no node met twice, none
	 * of the definition's */
	struct node_set probes = {0};
	collect(&probes, r.c.prog.probes, true);
	assert_int_equal(probes.kinds[N_WHILE], 2 * definition.kinds[N_WHILE]);
	for (int i = 0; i < probes.len; i++)
		if (node_set_has(&definition, probes.nodes[i]))
			fail_msg("the expansion shares a %s node at %d:%d with the definition",
			         ast_kind_name(probes.nodes[i]->kind),
			         probes.nodes[i]->loc.first_line,
			         probes.nodes[i]->loc.first_column);

	free(definition.nodes);
	free(probes.nodes);
	compile_fini(&r);
}

/* ast_contains_kind looks below a node, however deep, but not along its
 * `next` siblings: a probe without a loop is not one with a loop because
 * the probe after it has one. */
static void test_contains_kind_looks_down_not_along(void **state)
{
	(void)state;
	struct compile_run r;
	if (compile_run(&r,
	                "BEGIN { @n[1] = 1; }\n"
	                "END { if (1) { for ($kv : @n) { printf(\"%d\\n\", $kv.0); } } }\n") != 0)
		fail_msg("the program does not compile:\n%s", compile_diags(&r));
	struct node *begin = r.c.prog.probes;
	assert_non_null(begin);
	struct node *end = begin->next;
	assert_non_null(end);
	assert_false(ast_contains_kind(begin, N_FOR));
	assert_true(ast_contains_kind(end, N_FOR));
	assert_true(ast_contains_kind(end->u.probe.body, N_IF));
	assert_false(ast_contains_kind(end, N_WHILE));
	assert_false(ast_contains_kind(end->u.probe.predicate, N_FOR));
	compile_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_children_are_the_node_fields),
	    cmocka_unit_test(test_macro_expansion_shares_no_node),
	    cmocka_unit_test(test_contains_kind_looks_down_not_along),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
