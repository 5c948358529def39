/*
 * test_intlit.c - unit tests for front/intlit.c, the one reader of integer
 * literals: bases, separators, exponents, durations, size and type
 * suffixes where allowed, and the edges of 64 bits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "front/intlit.h"

#define ALL (INTLIT_SIZE_SUFFIX | INTLIT_TYPE_SUFFIX)

static enum intlit_status parse(const char *text, unsigned suffixes, uint64_t *v, bool *u)
{
	return intlit_parse(text, strlen(text), suffixes, v, u);
}

static void assert_value(const char *text, unsigned suffixes, uint64_t want)
{
	uint64_t v = 12345;
	if (parse(text, suffixes, &v, NULL) != INTLIT_OK)
		fail_msg("'%s' was not read as an integer", text);
	if (v != want)
		fail_msg("'%s' read as %llu, not %llu", text, (unsigned long long)v,
		         (unsigned long long)want);
}

static void test_bases_and_separators(void **state)
{
	(void)state;
	assert_value("0", 0, 0);
	assert_value("42", 0, 42);
	assert_value("0x2a", 0, 42);
	assert_value("0X2A", 0, 42);
	assert_value("0b101010", 0, 42);
	assert_value("052", 0, 42);
	assert_value("1_000_000", 0, 1000000);
	assert_value("18446744073709551615", 0, UINT64_MAX);
	assert_int_equal(parse("1__0", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("1_", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("_1", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("08", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("0x", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("12ab", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("18446744073709551616", 0, NULL, NULL), INTLIT_OVERFLOW);
}

static void test_exponents_and_durations(void **state)
{
	(void)state;
	assert_value("1e6", 0, 1000000);
	assert_value("5ns", 0, 5);
	assert_value("5us", 0, 5000);
	assert_value("5ms", 0, 5000000);
	assert_value("1s", 0, 1000000000);
	assert_value("2m", 0, 120000000000ull);
	assert_value("1h", 0, 3600000000000ull);
	assert_value("1d", 0, 86400000000000ull);
	assert_value("1e3ms", 0, 1000000000);
	/* a duration is the whole rest of the literal */
	assert_int_equal(parse("1sm", ALL, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("1S", ALL, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("0x10s", 0, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("1e20", 0, NULL, NULL), INTLIT_OVERFLOW);
	assert_int_equal(parse("300000d", 0, NULL, NULL), INTLIT_OVERFLOW);
}

static void test_suffixes_only_where_allowed(void **state)
{
	(void)state;
	bool u = false;
	assert_value("4K", INTLIT_SIZE_SUFFIX, 4096);
	assert_value("2M", INTLIT_SIZE_SUFFIX, 2u << 20);
	assert_value("1G", INTLIT_SIZE_SUFFIX, 1u << 30);
	assert_int_equal(parse("4K", INTLIT_TYPE_SUFFIX, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("17179869184G", ALL, NULL, NULL), INTLIT_OVERFLOW);

	assert_int_equal(parse("7u", ALL, NULL, &u), INTLIT_OK);
	assert_true(u);
	assert_int_equal(parse("7ull", ALL, NULL, &u), INTLIT_OK);
	assert_true(u);
	assert_int_equal(parse("7LU", ALL, NULL, &u), INTLIT_OK);
	assert_true(u);
	assert_int_equal(parse("7ll", ALL, NULL, &u), INTLIT_OK);
	assert_false(u);
	assert_int_equal(parse("7lll", ALL, NULL, NULL), INTLIT_INVALID);
	assert_int_equal(parse("7u", INTLIT_SIZE_SUFFIX, NULL, NULL), INTLIT_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bases_and_separators),
	    cmocka_unit_test(test_exponents_and_durations),
	    cmocka_unit_test(test_suffixes_only_where_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
