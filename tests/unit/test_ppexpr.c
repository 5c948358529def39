/*
 * test_ppexpr.c - unit tests for front/ppexpr.c, #if expressions: the C
 * preprocessor's arithmetic (signed and unsigned), precedence, the
 * conditional and comma operators, defined, #defines expanded (object-like,
 * function-like, nested, self-referencing), evaluation skipped where C
 * skips it, and located errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag_capture.h"

#include "front/directives.h"
#include "front/ppexpr.h"

struct fixture {
	struct diag_capture dc;
	struct directives dv;
	const char *line;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	diag_capture_init(&f->dc);
	f->dv.arena = &f->dc.a;
	f->dv.diag = &f->dc.d;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	diag_capture_fini(&f->dc);
	free(f);
	return 0;
}

static void define(struct fixture *f, const char *line)
{
	directives_note_define(&f->dv, line, strlen(line));
}

/* Evaluates `expr` as written after "#if " on line 1 of a source: -1 on
 * an error (its text in diag_capture_text), else 0 or 1. */
static int eval(struct fixture *f, const char *expr)
{
	static char line[512];
	snprintf(line, sizeof(line), "#if %s", expr);
	f->dc.d.nsources = 0;
	int file = diag_add_source(&f->dc.d, "t.bt", line, strlen(line));
	struct loc at = {file, 1, 5, 1, 5};
	int errors = 0;
	bool value = true;
	bool ok = ppexpr_eval(&f->dv, expr, strlen(expr), at, &errors, &value);
	assert_int_equal(ok, errors == 0);
	if (!ok) {
		assert_false(value);
		return -1;
	}
	return value;
}

static const char *output(struct fixture *f)
{
	return diag_capture_text(&f->dc);
}

static void test_arithmetic(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(eval(f, "1 + 2 * 3 == 7"), 1);
	assert_int_equal(eval(f, "(1 + 2) * 3 == 9"), 1);
	assert_int_equal(eval(f, "10 / 3 == 3 && 10 % 3 == 1 && -7 / 2 == -3 && -7 % 2 == -1"), 1);
	assert_int_equal(eval(f, "0x1F == 31 && 017 == 15 && 0b101 == 5 && 10UL == 10"), 1);
	assert_int_equal(eval(f, "1 << 10 == 1024 && -16 >> 2 == -4 && (5 & 3) == 1"), 1);
	assert_int_equal(eval(f, "(5 | 2) == 7 && (5 ^ 1) == 4 && ~5 == -6 && !0 && !!7"), 1);
	assert_int_equal(eval(f, "'a' == 97 && '\\n' == 10 && '\\x41' == 65 && '\\377' < 0"), 1);
	assert_int_equal(eval(f, "1 - 1"), 0);
	/* precedence: & below ==, as in C */
	assert_int_equal(eval(f, "2 & 1 == 1"), 0);
	assert_int_equal(eval(f, "1 ? 2 : 0 ? 0 : 0"), 1);
	assert_int_equal(eval(f, "0 ? 1 : 0 ? 1 : 0"), 0);
	assert_int_equal(eval(f, "(0, 3) == 3"), 1);
}

static void test_unsigned(void **state)
{
	struct fixture *f = *state;
	/* -1 becomes UINTMAX_MAX beside an unsigned operand */
	assert_int_equal(eval(f, "-1 < 0u"), 0);
	assert_int_equal(eval(f, "-1 < 0"), 1);
	assert_int_equal(eval(f, "-1 / 2u > 1000"), 1);
	assert_int_equal(eval(f, "18446744073709551615 == -1"), 1);
	assert_int_equal(eval(f, "(1 ? -1 : 0u) > 0"), 1);
	assert_int_equal(eval(f, "-1 >> 63 == -1 && -1u >> 63 == 1"), 1);
}

static void test_defined_and_macros(void **state)
{
	struct fixture *f = *state;
	define(f, "#define A 4");
	define(f, "#define B A * 2 /* a comment */");
	define(f, "#define EMPTY");
	define(f, "#define SQ(x) ((x) * (x))");
	define(f, "#define ADD(a, b) (a + b)");
	define(f, "#define SELF SELF + 1");
	define(f, "#define NONE() 9");
	assert_int_equal(eval(f, "defined A && defined(B) && defined EMPTY && !defined C"), 1);
	assert_int_equal(eval(f, "B == 8 && SQ(A + 1) == 25 && ADD(SQ(2), B) == 12"), 1);
	/* a macro names itself: the inner name is not expanded again, and is 0 */
	assert_int_equal(eval(f, "SELF == 1"), 1);
	assert_int_equal(eval(f, "NONE() == 9 && UNKNOWN == 0"), 1);
	/* the operand of defined is not expanded */
	define(f, "#define ALIAS NOT_DEFINED");
	assert_int_equal(eval(f, "defined(ALIAS) && !ALIAS"), 1);
}

static void test_unevaluated(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(eval(f, "0 && 1 / 0"), 0);
	assert_int_equal(eval(f, "1 || 1 % 0"), 1);
	assert_int_equal(eval(f, "1 ? 2 : 1 / 0"), 1);
	assert_int_equal(eval(f, "0 ? 1 / 0 : 0"), 0);
}

static void test_errors(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(eval(f, "1 +"), -1);
	assert_non_null(strstr(output(f), "t.bt:1:8: error: expected an expression in #if"));
	assert_int_equal(eval(f, "(1 + 2"), -1);
	assert_non_null(strstr(output(f), "t.bt:1:11: error: expected ')' in #if"));
	assert_int_equal(eval(f, "3 4"), -1);
	assert_non_null(strstr(output(f), "t.bt:1:7: error: expected an operator or the end"));
	assert_int_equal(eval(f, "2 / (1 - 1)"), -1);
	assert_non_null(strstr(output(f), "t.bt:1:7: error: division by zero in #if"));
	assert_int_equal(eval(f, "1.5"), -1);
	assert_non_null(strstr(output(f), "t.bt:1:5: error: floating constant in #if"));
	assert_int_equal(eval(f, "12xy"), -1);
	assert_non_null(strstr(output(f), "error: invalid integer constant 12xy in #if"));
	assert_int_equal(eval(f, "defined(1)"), -1);
	assert_non_null(strstr(output(f), "'defined' takes a macro name, not '1'"));
	assert_int_equal(eval(f, "1 ? 2"), -1);
	assert_non_null(strstr(output(f), "expected ':' of the '?' in #if"));
	assert_int_equal(eval(f, ""), -1);
	assert_non_null(strstr(output(f), "#if with no expression"));
	assert_int_equal(eval(f, "1 = 1"), -1);
	assert_non_null(strstr(output(f), "t.bt:1:7: error: '=' cannot appear"));
	assert_int_equal(eval(f, "99999999999999999999"), -1);
	assert_non_null(strstr(output(f), "is too large for #if"));
	define(f, "#define TWO(a, b) a");
	assert_int_equal(eval(f, "1 + TWO(1)"), -1);
	assert_non_null(
	    strstr(output(f), "t.bt:1:9: error: macro 'TWO' takes 2 arguments, 1 given"));
	assert_int_equal(eval(f, "TWO(1, 2"), -1);
	assert_non_null(strstr(output(f), "unterminated call of macro 'TWO'"));
	assert_int_equal(eval(f, "f(1)"), -1);
	assert_non_null(strstr(output(f), "'f' is not a function-like #define"));
	/* an error in a macro's body is shown at the macro's use */
	define(f, "#define BAD (1 +)");
	assert_int_equal(eval(f, "0 || BAD"), -1);
	assert_non_null(
	    strstr(output(f), "t.bt:1:10: error: expected an expression in #if, not ')'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_arithmetic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsigned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_defined_and_macros, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unevaluated, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
