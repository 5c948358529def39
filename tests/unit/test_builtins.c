/*
 * test_builtins.c - the builtin table (src/builtins/builtins.def): every
 * row has its check hook and data that make sense together (rows_problem,
 * which is also shown to catch a table that breaks each rule), and the
 * generic checks sema derives from a row (arity, --unsafe, statement
 * only, aggregation only as @m = f()) hold for every row, in that order,
 * as the user sees them.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "builtins/check.h"
#include "compile_helper.h"

/* What is wrong with a table of `n` rows and their hooks, or NULL: the
 * rules a new row must follow. */
static const char *rows_problem(const struct builtin_row *rows, builtin_check_fn *const *hooks,
                                int n, int *at)
{
	for (int i = 0; i < n; i++) {
		const struct builtin_row *r = &rows[i];
		*at = i;
		if (!hooks[i])
			return "no check hook";
		if (!r->name || !*r->name)
			return "no spelling";
		if (!(r->flags & (BF_VALUE | BF_CALL)))
			return "neither a value (BF_VALUE) nor a call (BF_CALL)";
		if (!!(r->flags & BF_AGG) != (r->agg != AGG_NONE))
			return "BF_AGG without an aggregation kind, or one without BF_AGG";
		if ((r->flags & BF_AGG) && (r->flags & (BF_STMT | BF_VALUE)))
			return "an aggregation is a call assigned to a map, nothing else";
		if ((r->flags & BF_AGG) && ((int)r->agg >= AGG_KINDS || !agg_infos[r->agg].name))
			return "an aggregation kind agg_infos does not describe";
		if (r->min_args < 0 || r->min_args > r->max_args)
			return "MIN > MAX";
		if (!(r->flags & BF_CALL) && r->max_args)
			return "arguments, but no call form";
		if ((r->flags & (BF_STMT | BF_UNSAFE)) && !(r->flags & BF_CALL))
			return "statement or unsafe flag without a call form";
		if ((r->flags & BF_U32) && !(r->flags & BF_VALUE))
			return "BF_U32 is for bare values";
		if (r->why_stmt && !(r->flags & BF_STMT))
			return "a reason to be a statement, but not BF_STMT";
		if (!r->args)
			return "no ARGS string";
		if ((int)strlen(r->args) > r->max_args)
			return "ARGS names more arguments than MAX";
		if (strspn(r->args, "ime.") != strlen(r->args))
			return "an ARGS letter the generic check does not know";
		for (int j = 0; j < i; j++)
			if ((rows[j].flags & r->flags & (BF_VALUE | BF_CALL)) &&
			    !strcmp(rows[j].name, r->name))
				return "a spelling already used by an earlier row of the same form";
	}
	return NULL;
}

static void test_every_row_is_consistent(void **state)
{
	(void)state;
	int at = -1;
	const char *why = rows_problem(builtin_rows, builtin_checks, BI__COUNT, &at);
	if (why)
		fail_msg("row %d (%s): %s", at, builtin_rows[at].name, why);
}

/* Each rule, broken in a copy of the table, is caught at the right row. */
static void expect_caught(const struct builtin_row *rows, builtin_check_fn *const *hooks, int row,
                          const char *want)
{
	int at = -1;
	const char *why = rows_problem(rows, hooks, BI__COUNT, &at);
	assert_non_null(why);
	assert_string_equal(why, want);
	assert_int_equal(at, row);
}

static void test_broken_tables_are_caught(void **state)
{
	(void)state;
	struct builtin_row rows[BI__COUNT];
	builtin_check_fn *hooks[BI__COUNT];
	memcpy(hooks, builtin_checks, sizeof(hooks));

	memcpy(rows, builtin_rows, sizeof(rows));
	hooks[BI_STRFTIME] = NULL;
	expect_caught(rows, hooks, BI_STRFTIME, "no check hook");
	hooks[BI_STRFTIME] = builtin_checks[BI_STRFTIME];

	rows[BI_HIST].agg = AGG_NONE;
	expect_caught(rows, hooks, BI_HIST,
	              "BF_AGG without an aggregation kind, or one without BF_AGG");
	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_STR].agg = AGG_SUM;
	expect_caught(rows, hooks, BI_STR,
	              "BF_AGG without an aggregation kind, or one without BF_AGG");

	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_LHIST].min_args = 5;
	expect_caught(rows, hooks, BI_LHIST, "MIN > MAX");

	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_NSECS].flags = 0;
	expect_caught(rows, hooks, BI_NSECS, "neither a value (BF_VALUE) nor a call (BF_CALL)");

	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_CAT].name = "printf";
	expect_caught(rows, hooks, BI_CAT,
	              "a spelling already used by an earlier row of the same form");
	/* a value and a function may share a name only as one row (kstack) */
	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_KSYM].flags |= BF_VALUE;
	rows[BI_KSYM].name = "pid";
	expect_caught(rows, hooks, BI_KSYM,
	              "a spelling already used by an earlier row of the same form");

	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_DELETE].args = "eee";
	expect_caught(rows, hooks, BI_DELETE, "ARGS names more arguments than MAX");
	rows[BI_DELETE].args = "s";
	expect_caught(rows, hooks, BI_DELETE, "an ARGS letter the generic check does not know");

	memcpy(rows, builtin_rows, sizeof(rows));
	rows[BI_STR].why_stmt = "ends the probe";
	expect_caught(rows, hooks, BI_STR, "a reason to be a statement, but not BF_STMT");
}

/* "NAME(1, 1, ...)" with `nargs` arguments, and where NAME starts in
 * "BEGIN { PREFIX" + the call. */
static void call_text(char *buf, size_t size, const char *name, int nargs)
{
	size_t len = (size_t)snprintf(buf, size, "%s(", name);
	for (int i = 0; i < nargs; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s1", i ? ", " : "");
	snprintf(buf + len, size - len, ")");
}

/* The first line sema reports for `src`, compared with `want`. */
static void expect_first_line(const char *src, const char *want, bool unsafe)
{
	struct compile_options o;
	compile_default_options(&o);
	o.unsafe = unsafe;
	struct compile_run r;
	compile_run_opts(&r, src, &o);
	const char *diags = compile_diags(&r);
	const char *eol = strchr(diags, '\n');
	size_t len = eol ? (size_t)(eol - diags) : strlen(diags);
	if (len != strlen(want) || strncmp(diags, want, len))
		fail_msg("%s\n  got:  %.*s\n  want: %s", src, (int)len, diags, want);
	assert_int_equal(r.rc, -1);
	compile_fini(&r);
}

/* One argument too many, in every call row: the arity message comes from
 * the row, and before any other check (even --unsafe). */
static void test_arity_from_every_row(void **state)
{
	(void)state;
	for (int i = 0; i < BI__COUNT; i++) {
		const struct builtin_row *r = &builtin_rows[i];
		if (!(r->flags & BF_CALL))
			continue;
		char call[256], src[320], want[320];
		int given = r->max_args + 1;
		call_text(call, sizeof(call), r->name, given);
		snprintf(src, sizeof(src), "BEGIN { %s; }", call);
		int n = snprintf(want, sizeof(want), "-e:1:9: ERROR: %s() takes ", r->name);
		if (r->min_args == r->max_args)
			snprintf(want + n, sizeof(want) - (size_t)n, "%d argument%s, %d given",
			         r->min_args, r->min_args == 1 ? "" : "s", given);
		else
			snprintf(want + n, sizeof(want) - (size_t)n, "%d %s %d arguments, %d given",
			         r->min_args, r->max_args == r->min_args + 1 ? "or" : "to",
			         r->max_args, given);
		expect_first_line(src, want, false);
	}
}

/* BF_UNSAFE rows without --unsafe: refused before being placed (as a
 * value, where they would also be wrong) or their arguments looked at. */
static void test_unsafe_from_every_row(void **state)
{
	(void)state;
	int seen = 0;
	for (int i = 0; i < BI__COUNT; i++) {
		const struct builtin_row *r = &builtin_rows[i];
		if (!(r->flags & BF_UNSAFE))
			continue;
		char call[256], src[320], want[320];
		call_text(call, sizeof(call), r->name, r->min_args);
		snprintf(src, sizeof(src), "BEGIN { $x = %s; }", call);
		snprintf(want, sizeof(want),
		         "-e:1:14: ERROR: %s() acts on the system and is unsafe; run sonde with "
		         "--unsafe to allow it",
		         r->name);
		expect_first_line(src, want, false);
		seen++;
	}
	/* signal, signal_thread, override, system, write_user (cat only
	 * reads) */
	assert_int_equal(seen, 5);
}

/* Statement-only rows as a value, aggregations outside @m = f(): the
 * message comes from the row (its WHY_STMT, its arity for the example),
 * before the context the row needs (redirect needs an xdp or tc probe). */
static void test_placement_from_every_row(void **state)
{
	(void)state;
	for (int i = 0; i < BI__COUNT; i++) {
		const struct builtin_row *r = &builtin_rows[i];
		if (!(r->flags & (BF_STMT | BF_AGG)))
			continue;
		char call[256], src[320], want[320];
		call_text(call, sizeof(call), r->name, r->min_args);
		snprintf(src, sizeof(src), "BEGIN { $x = %s; }", call);
		if (r->flags & BF_STMT)
			snprintf(want, sizeof(want),
			         "-e:1:14: ERROR: %s() %s; use it as a statement", r->name,
			         r->why_stmt ? r->why_stmt : "has no value");
		else
			snprintf(
			    want, sizeof(want),
			    "-e:1:14: ERROR: %s() must be assigned to a map, as in @x = %s(%s)",
			    r->name, r->name, r->max_args ? "..." : "");
		expect_first_line(src, want, true);
	}
}

/* A misspelt function: "did you mean" searches the call rows. */
static void test_unknown_function_suggests_a_row(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "BEGIN { strftme(\"%H\", nsecs); }");
	assert_string_equal(compile_diags(&r), "-e:1:9: ERROR: unknown function 'strftme'\n"
	                                       "    1 | BEGIN { strftme(\"%H\", nsecs); }\n"
	                                       "      |         ^~~~~~~\n"
	                                       "NOTE: did you mean 'strftime'?\n");
	compile_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_row_is_consistent),
	    cmocka_unit_test(test_broken_tables_are_caught),
	    cmocka_unit_test(test_arity_from_every_row),
	    cmocka_unit_test(test_unsafe_from_every_row),
	    cmocka_unit_test(test_placement_from_every_row),
	    cmocka_unit_test(test_unknown_function_suggests_a_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
