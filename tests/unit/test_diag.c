/*
 * test_diag.c - the exact text of diagnostics: the renderer itself (caret,
 * underline, tabs, notes, warnings, the error limit), the "did you mean"
 * helper, and every message the front end produces for malformed
 * programs (syntax errors with their expected-token lists, lexer errors,
 * nesting limits). Messages are part of the user interface, so each one is
 * pinned here character for character.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "front/diag.h"
#include "front/parse.h"
#include "front/types.h"

/* types.c belongs to sema; the front end only needs a name when a node has
 * a type, which parsed trees never do. The real one wins when linked. */
__attribute__((weak)) const char *type_name(struct arena *a, const struct type *t)
{
	(void)a;
	(void)t;
	return "?";
}

/* A sink writing into memory, so tests can compare the rendered text. */
struct capture {
	char *buf;
	size_t len;
	FILE *out;
	struct diag d;
};

static void capture_open(struct capture *c)
{
	memset(c, 0, sizeof(*c));
	c->out = open_memstream(&c->buf, &c->len);
	assert_non_null(c->out);
	diag_init(&c->d, c->out);
}

static const char *capture_text(struct capture *c)
{
	fflush(c->out);
	return c->buf;
}

static void capture_close(struct capture *c)
{
	fclose(c->out);
	free(c->buf);
}

static struct loc at(int file, int line, int col, int last_line, int last_col)
{
	return (struct loc){file, line, col, last_line, last_col};
}

static void test_error_with_underline(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	const char *src = "tracepoint:a:b { @ = cout(); }";
	int f = diag_add_source(&c.d, "-e", src, strlen(src));
	diag_error(&c.d, at(f, 1, 22, 1, 25), "unknown function '%s'", "cout");
	diag_note(&c.d, (struct loc){0}, "did you mean '%s'?", "count");
	assert_string_equal(capture_text(&c), "-e:1:22: ERROR: unknown function 'cout'\n"
	                                      "    1 | tracepoint:a:b { @ = cout(); }\n"
	                                      "      |                      ^~~~\n"
	                                      "NOTE: did you mean 'count'?\n");
	assert_int_equal(c.d.nerrors, 1);
	capture_close(&c);
}

static void test_warning_and_located_note(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	const char *src = "BEGIN {\n  @x = 1;\n  @x = \"a\";\n}\n";
	int f = diag_add_source(&c.d, "script.sd", src, strlen(src));
	diag_warning(&c.d, at(f, 3, 3, 3, 4), "map '%s' changes type", "@x");
	diag_note(&c.d, at(f, 2, 3, 2, 8), "first assigned here");
	assert_string_equal(capture_text(&c), "script.sd:3:3: WARNING: map '@x' changes type\n"
	                                      "    3 |   @x = \"a\";\n"
	                                      "      |   ^~\n"
	                                      "script.sd:2:3: NOTE: first assigned here\n"
	                                      "    2 |   @x = 1;\n"
	                                      "      |   ^~~~~~\n");
	assert_int_equal(c.d.nerrors, 0);
	assert_int_equal(c.d.nwarnings, 1);
	capture_close(&c);
}

static void test_tabs_keep_the_caret_aligned(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	const char *src = "BEGIN {\n\t\t@x = foo;\n}";
	int f = diag_add_source(&c.d, "t.sd", src, strlen(src));
	diag_error(&c.d, at(f, 2, 8, 2, 10), "unknown identifier 'foo'");
	assert_string_equal(capture_text(&c), "t.sd:2:8: ERROR: unknown identifier 'foo'\n"
	                                      "    2 | \t\t@x = foo;\n"
	                                      "      | \t\t     ^~~\n");
	capture_close(&c);
}

static void test_caret_past_end_of_line(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	const char *src = "BEGIN { @x = 1";
	int f = diag_add_source(&c.d, "-e", src, strlen(src));
	diag_error(&c.d, at(f, 1, 40, 1, 40), "missing '}'");
	assert_string_equal(capture_text(&c), "-e:1:40: ERROR: missing '}'\n"
	                                      "    1 | BEGIN { @x = 1\n"
	                                      "      |               ^\n");
	capture_close(&c);
}

static void test_multi_line_span_underlines_first_line(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	const char *src = "BEGIN { printf(\"%d\",\n   1, 2); }";
	int f = diag_add_source(&c.d, "-e", src, strlen(src));
	diag_error(&c.d, at(f, 1, 9, 2, 8), "too many arguments");
	assert_string_equal(capture_text(&c), "-e:1:9: ERROR: too many arguments\n"
	                                      "    1 | BEGIN { printf(\"%d\",\n"
	                                      "      |         ^~~~~~~~~~~~\n");
	capture_close(&c);
}

static void test_wide_line_numbers(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	char src[64 * 12 + 1] = "";
	for (int i = 0; i < 11; i++)
		strcat(src, "\n");
	strcat(src, "END { x }");
	int f = diag_add_source(&c.d, "s.sd", src, strlen(src));
	diag_error(&c.d, at(f, 12, 7, 12, 7), "unknown identifier 'x'");
	assert_string_equal(capture_text(&c), "s.sd:12:7: ERROR: unknown identifier 'x'\n"
	                                      "   12 | END { x }\n"
	                                      "      |       ^\n");
	capture_close(&c);
}

static void test_no_location(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	diag_error(&c.d, (struct loc){0}, "no probes in the program");
	assert_string_equal(capture_text(&c), "ERROR: no probes in the program\n");
	capture_close(&c);
}

static void test_error_limit_stops_printing_not_counting(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	c.d.max_errors = 2;
	diag_error(&c.d, (struct loc){0}, "first");
	diag_error(&c.d, (struct loc){0}, "second");
	diag_error(&c.d, (struct loc){0}, "third");
	diag_note(&c.d, (struct loc){0}, "note of the third");
	diag_error(&c.d, (struct loc){0}, "fourth");
	assert_string_equal(capture_text(&c), "ERROR: first\n"
	                                      "ERROR: second\n"
	                                      "ERROR: too many errors, not showing the rest\n");
	assert_int_equal(c.d.nerrors, 4);
	capture_close(&c);
}

static void test_default_error_limit_is_20(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	for (int i = 0; i < 25; i++)
		diag_error(&c.d, (struct loc){0}, "e");
	const char *text = capture_text(&c);
	int lines = 0;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 21);
	assert_int_equal(c.d.nerrors, 25);
	capture_close(&c);
}

/* An error in a file the sink does not hold (a --map-file line):
 * rendered as a script's, tab kept under the caret, counted nowhere. */
static void error_line(FILE *out, const char *name, const char *line, struct loc loc,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void error_line(FILE *out, const char *name, const char *line, struct loc loc,
                       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_verror_line(out, name, line, strlen(line), loc, fmt, ap);
	va_end(ap);
}

static void test_error_in_a_line_of_another_file(void **state)
{
	(void)state;
	struct capture c;
	capture_open(&c);
	error_line(c.out, "/tmp/list", "\t1.2.3.4 abc", at(0, 12, 10, 12, 12),
	           "'%s' is not an integer value", "abc");
	error_line(c.out, "/tmp/list", "10.0.0.0/", at(0, 3, 10, 3, 10), "no prefix");
	assert_string_equal(capture_text(&c),
	                    "/tmp/list:12:10: ERROR: 'abc' is not an integer value\n"
	                    "   12 | \t1.2.3.4 abc\n"
	                    "      | \t        ^~~\n"
	                    "/tmp/list:3:10: ERROR: no prefix\n"
	                    "    3 | 10.0.0.0/\n"
	                    "      |          ^\n");
	assert_int_equal(c.d.nerrors, 0);
	capture_close(&c);
}

static void test_closest(void **state)
{
	(void)state;
	const char *const funcs[] = {"count", "sum", "avg", "hist", "lhist", "printf", "print"};
	int n = sizeof(funcs) / sizeof(funcs[0]);
	assert_string_equal(diag_closest("cout", funcs, n), "count");
	assert_string_equal(diag_closest("prnitf", funcs, n), "printf");
	assert_string_equal(diag_closest("hst", funcs, n), "hist");
	/* A transposition is two edits: too far for a four-letter name. */
	assert_null(diag_closest("hsit", funcs, n));
	/* Ties go to the first candidate: "prin" is one edit from both. */
	const char *const tie[] = {"print", "prink"};
	assert_string_equal(diag_closest("prin", tie, 2), "print");
	/* Threshold max(1, len/3): "xyz" is too far from everything. */
	assert_null(diag_closest("xyz", funcs, n));
	assert_null(diag_closest("coutn_total", funcs, n));
	assert_string_equal(diag_closest("sun", funcs, n), "sum");
	assert_null(diag_closest("cout", NULL, 0));
}

/* ---- messages of the front end ---- */

/* Parses `src` as "-e" and returns everything the sink printed. */
static char *parse_errors(const char *src, size_t len, int *rc)
{
	struct capture c;
	capture_open(&c);
	struct arena a;
	arena_init(&a);
	int f = diag_add_source(&c.d, "-e", src, len);
	struct ast_program prog = {0};
	*rc = parse_program(&a, &c.d, f, &prog);
	char *text = strdup(capture_text(&c));
	arena_fini(&a);
	capture_close(&c);
	return text;
}

static void expect_errors(const char *src, const char *expected)
{
	int rc;
	char *got = parse_errors(src, strlen(src), &rc);
	assert_string_equal(got, expected);
	assert_int_equal(rc, expected[0] ? -1 : 0);
	free(got);
}

static void test_syntax_error_expecting_expression(void **state)
{
	(void)state;
	expect_errors("kprobe:f { @x = ; }",
	              "-e:1:17: ERROR: syntax error: unexpected ';', expecting an expression\n"
	              "    1 | kprobe:f { @x = ; }\n"
	              "      |                 ^\n");
}

static void test_syntax_error_missing_semicolon(void **state)
{
	(void)state;
	expect_errors("kprobe:f { @x = 1 @y = 2; }",
	              "-e:1:19: ERROR: syntax error: unexpected map '@y', expecting ';', '}' or "
	              "an operator\n"
	              "    1 | kprobe:f { @x = 1 @y = 2; }\n"
	              "      |                   ^~\n");
}

static void test_syntax_error_unexpected_identifier(void **state)
{
	(void)state;
	expect_errors("kprobe:f { $a = x y; }",
	              "-e:1:19: ERROR: syntax error: unexpected identifier 'y', expecting ';', '(', "
	              "'}' or an operator\n"
	              "    1 | kprobe:f { $a = x y; }\n"
	              "      |                   ^\n");
}

static void test_syntax_error_end_of_input(void **state)
{
	(void)state;
	expect_errors("kprobe:f",
	              "-e:1:9: ERROR: syntax error: unexpected end of input, expecting '<', '/', "
	              "',' or '{'\n"
	              "    1 | kprobe:f\n"
	              "      |         ^\n");
	/* At the end of the last line, not on the empty line after it. */
	expect_errors("kprobe:f /pid/\n",
	              "-e:1:15: ERROR: syntax error: unexpected end of input, expecting '<' or "
	              "'{'\n"
	              "    1 | kprobe:f /pid/\n"
	              "      |               ^\n");
}

static void test_syntax_error_at_top_level(void **state)
{
	(void)state;
	expect_errors("kprobe:f { @x = 1 }}",
	              "-e:1:20: ERROR: syntax error: unexpected '}', expecting end of input, "
	              "probe spec, 'probe', 'macro', 'config', 'let' or 'import'\n"
	              "    1 | kprobe:f { @x = 1 }}\n"
	              "      |                    ^\n");
}

static void test_syntax_error_in_parens(void **state)
{
	(void)state;
	expect_errors("kprobe:f { $x = (1; }",
	              "-e:1:19: ERROR: syntax error: unexpected ';', expecting ',', ')' or an "
	              "operator\n"
	              "    1 | kprobe:f { $x = (1; }\n"
	              "      |                   ^\n");
}

static void test_recovery_reports_several_errors(void **state)
{
	(void)state;
	expect_errors("kprobe:f {\n"
	              "  @x = ;\n"
	              "  @y = 1;\n"
	              "  @z = );\n"
	              "}\n"
	              "kprobe:g { foo bar }\n",
	              "-e:2:8: ERROR: syntax error: unexpected ';', expecting an expression\n"
	              "    2 |   @x = ;\n"
	              "      |        ^\n"
	              "-e:4:8: ERROR: syntax error: unexpected ')', expecting an expression\n"
	              "    4 |   @z = );\n"
	              "      |        ^\n"
	              "-e:6:16: ERROR: syntax error: unexpected identifier 'bar', expecting "
	              "compound assignment, ';', '(', '=', '}' or an operator\n"
	              "    6 | kprobe:g { foo bar }\n"
	              "      |                ^~~\n");
}

static void test_angle_block_hint(void **state)
{
	(void)state;
	expect_errors("kprobe:f < if (x) < @a = 1 > @b = 2; >",
	              "-e:1:33: ERROR: syntax error: unexpected '=', expecting '>', ';' or an "
	              "operator\n"
	              "    1 | kprobe:f < if (x) < @a = 1 > @b = 2; >\n"
	              "      |                                 ^\n"
	              "-e:1:28: NOTE: this '>' was read as greater-than; to close the '<' block "
	              "here, end the statement before it with ';'\n"
	              "    1 | kprobe:f < if (x) < @a = 1 > @b = 2; >\n"
	              "      |                            ^\n");
}

static void test_not_an_lvalue(void **state)
{
	(void)state;
	expect_errors("BEGIN { pid = 1; }",
	              "-e:1:9: ERROR: cannot assign to this expression: only $variables, @maps and "
	              "packet fields (pkt.dport) can be assigned\n"
	              "    1 | BEGIN { pid = 1; }\n"
	              "      |         ^~~\n");
}

static void test_unterminated_string(void **state)
{
	(void)state;
	expect_errors("kprobe:f { printf(\"abc); }", "-e:1:19: ERROR: unterminated string\n"
	                                             "    1 | kprobe:f { printf(\"abc); }\n"
	                                             "      |                   ^\n");
}

static void test_unterminated_comment(void **state)
{
	(void)state;
	expect_errors("kprobe:f { /* x\n y }", "-e:1:12: ERROR: unterminated comment\n"
	                                       "    1 | kprobe:f { /* x\n"
	                                       "      |            ^~\n");
}

static void test_invalid_characters(void **state)
{
	(void)state;
	expect_errors("kprobe:f { a` }", "-e:1:13: ERROR: invalid character '`'\n"
	                                 "    1 | kprobe:f { a` }\n"
	                                 "      |             ^\n");
	expect_errors("kprobe:f { \x01 }", "-e:1:12: ERROR: invalid character '\\x01'\n"
	                                   "    1 | kprobe:f { \x01 }\n"
	                                   "      |            ^\n");
	expect_errors("kprobe:f { \xc3\xa9 }",
	              "-e:1:12: ERROR: non-ASCII text is only allowed in strings and comments\n"
	              "    1 | kprobe:f { \xc3\xa9 }\n"
	              "      |            ^\n");
}

static void test_nul_byte(void **state)
{
	(void)state;
	int rc;
	static const char src[] = "BEGIN { \0\0 }";
	char *got = parse_errors(src, sizeof(src) - 1, &rc);
	assert_string_equal(got, "-e:1:9: ERROR: NUL byte in the program text\n"
	                         "    1 | BEGIN {    }\n"
	                         "      |         ^~\n");
	assert_int_equal(rc, -1);
	free(got);
}

static void test_invalid_addresses(void **state)
{
	(void)state;
	expect_errors("BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }",
	              "-e:1:14: ERROR: '300.1.1.1' is not an IPv4 address (four numbers 0..255 without leading zeros)\n"
	              "    1 | BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }\n"
	              "      |              ^~~~~~~~~\n"
	              "-e:1:26: ERROR: '01.2.3.4' is not an IPv4 address (four numbers 0..255 without leading zeros)\n"
	              "    1 | BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }\n"
	              "      |                          ^~~~~~~~\n"
	              "-e:1:50: ERROR: prefix length 33 is out of range for an IPv4 network (0..32)\n"
	              "    1 | BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }\n"
	              "      |                                                  ^~\n"
	              "-e:1:66: ERROR: prefix length 129 is out of range for an IPv6 network (0..128)\n"
	              "    1 | BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }\n"
	              "      |                                                                  ^~~\n"
	              "-e:1:76: ERROR: 10.0.0.1/8 has bits set past its /8 prefix; the network is 10.0.0.0/8\n"
	              "    1 | BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }\n"
	              "      |                                                                            ^~~~~~~~~~\n"
	              "-e:1:93: ERROR: '12345::1' is not an IPv6 address\n"
	              "    1 | BEGIN { $a = 300.1.1.1 + 01.2.3.4; $b = 10.0.0.1/33; $c = fd00::/129; $d = 10.0.0.1/8; $e = 12345::1; }\n"
	              "      |                                                                                             ^~~~~~~~\n");
}

static void test_invalid_integers(void **state)
{
	(void)state;
	expect_errors("BEGIN { $x = 0x1q + 99999999999999999999 + 08 + 1__0; }",
	              "-e:1:14: ERROR: invalid integer literal '0x1q'\n"
	              "    1 | BEGIN { $x = 0x1q + 99999999999999999999 + 08 + 1__0; }\n"
	              "      |              ^~~~\n"
	              "-e:1:21: ERROR: integer literal '99999999999999999999' does not fit in 64 "
	              "bits\n"
	              "    1 | BEGIN { $x = 0x1q + 99999999999999999999 + 08 + 1__0; }\n"
	              "      |                     ^~~~~~~~~~~~~~~~~~~~\n"
	              "-e:1:44: ERROR: invalid integer literal '08'\n"
	              "    1 | BEGIN { $x = 0x1q + 99999999999999999999 + 08 + 1__0; }\n"
	              "      |                                            ^~\n"
	              "-e:1:49: ERROR: invalid integer literal '1__0'\n"
	              "    1 | BEGIN { $x = 0x1q + 99999999999999999999 + 08 + 1__0; }\n"
	              "      |                                                 ^~~~\n");
	expect_errors("BEGIN { $x = 16G * 99999999999G; }",
	              "-e:1:20: ERROR: integer literal '99999999999G' does not fit in 64 bits\n"
	              "    1 | BEGIN { $x = 16G * 99999999999G; }\n"
	              "      |                    ^~~~~~~~~~~~\n");
}

static void test_unknown_escape(void **state)
{
	(void)state;
	expect_errors("BEGIN { printf(\"a\\qb\"); }",
	              "-e:1:18: ERROR: unknown escape sequence '\\q'\n"
	              "    1 | BEGIN { printf(\"a\\qb\"); }\n"
	              "      |                  ^~\n");
}

static void test_duplicate_config(void **state)
{
	(void)state;
	expect_errors("config = { a = 1 }\nconfig = { b = 2 }\nBEGIN {}",
	              "-e:2:1: ERROR: duplicate config block\n"
	              "    2 | config = { b = 2 }\n"
	              "      | ^~~~~~~~~~~~~~~~~~\n"
	              "-e:1:1: NOTE: the first config block is here\n"
	              "    1 | config = { a = 1 }\n"
	              "      | ^~~~~~~~~~~~~~~~~~\n");
}

static void test_nesting_too_deep(void **state)
{
	(void)state;
	enum { N = 300 };
	char src[16 + 2 * N + 8];
	strcpy(src, "BEGIN { $x = ");
	size_t len = strlen(src);
	for (int i = 0; i < N; i++)
		src[len++] = '(';
	src[len++] = '1';
	for (int i = 0; i < N; i++)
		src[len++] = ')';
	strcpy(src + len, "; }");
	int rc;
	char *got = parse_errors(src, strlen(src), &rc);
	assert_int_equal(rc, -1);
	const char *want = "-e:1:269: ERROR: nesting too deep (more than 256 levels)\n";
	assert_memory_equal(got, want, strlen(want));
	/* Exactly one report: no cascade after giving up. */
	assert_null(strstr(got + strlen(want), "error:"));
	free(got);
}

static void test_long_operator_chain_too_deep(void **state)
{
	(void)state;
	enum { N = 2000 };
	char *src = malloc(32 + 2 * N);
	strcpy(src, "BEGIN { $x = 1");
	for (int i = 0; i < N; i++)
		strcat(src, "+1");
	strcat(src, "; }");
	int rc;
	char *got = parse_errors(src, strlen(src), &rc);
	assert_int_equal(rc, -1);
	const char *want = "-e:1:14: ERROR: nesting too deep (more than 1000 levels)\n";
	assert_memory_equal(got, want, strlen(want));
	free(got);
	free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_error_with_underline),
	    cmocka_unit_test(test_warning_and_located_note),
	    cmocka_unit_test(test_tabs_keep_the_caret_aligned),
	    cmocka_unit_test(test_caret_past_end_of_line),
	    cmocka_unit_test(test_multi_line_span_underlines_first_line),
	    cmocka_unit_test(test_wide_line_numbers),
	    cmocka_unit_test(test_no_location),
	    cmocka_unit_test(test_error_limit_stops_printing_not_counting),
	    cmocka_unit_test(test_default_error_limit_is_20),
	    cmocka_unit_test(test_closest),
	    cmocka_unit_test(test_syntax_error_expecting_expression),
	    cmocka_unit_test(test_syntax_error_missing_semicolon),
	    cmocka_unit_test(test_syntax_error_unexpected_identifier),
	    cmocka_unit_test(test_syntax_error_end_of_input),
	    cmocka_unit_test(test_syntax_error_at_top_level),
	    cmocka_unit_test(test_syntax_error_in_parens),
	    cmocka_unit_test(test_recovery_reports_several_errors),
	    cmocka_unit_test(test_angle_block_hint),
	    cmocka_unit_test(test_not_an_lvalue),
	    cmocka_unit_test(test_unterminated_string),
	    cmocka_unit_test(test_unterminated_comment),
	    cmocka_unit_test(test_invalid_characters),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_invalid_integers),
	    cmocka_unit_test(test_invalid_addresses),
	    cmocka_unit_test(test_unknown_escape),
	    cmocka_unit_test(test_duplicate_config),
	    cmocka_unit_test(test_nesting_too_deep),
	    cmocka_unit_test(test_error_in_a_line_of_another_file),
	    cmocka_unit_test(test_long_operator_chain_too_deep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
