/*
 * intlit.h - the integer literals of the language, read in one place:
 * by the lexer, by getopt() for the command line's named parameters, and
 * by the providers whose specs hold durations (interval:1s).
 */
#ifndef SONDE_FRONT_INTLIT_H
#define SONDE_FRONT_INTLIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What may follow the digits besides an exponent (1e6) and a duration
 * suffix (ns us ms s m h d: nanoseconds), which every reader takes. */
enum intlit_suffixes {
	INTLIT_SIZE_SUFFIX = 1 << 0, /* K, M, G: times 2^10, 2^20, 2^30 */
	INTLIT_TYPE_SUFFIX = 1 << 1, /* u, l, ul, ll, ull and their capitals */
};

enum intlit_status {
	INTLIT_OK,
	INTLIT_INVALID,  /* not an integer literal */
	INTLIT_OVERFLOW, /* one, but its value does not fit in 64 bits */
};

/* The value of a hex, decimal, octal or binary digit; -1 for another char. */
int intlit_digit(char c);

/* Reads text[0..len): [0x|0b|0]digits[_digits][eN][duration][K|M|G][u][l[l]],
 * with no sign; `suffixes` (enum intlit_suffixes) says which of the last
 * two are allowed. *value is the magnitude, *is_unsigned whether a u
 * suffix was written (either may be NULL). */
enum intlit_status intlit_parse(const char *text, size_t len, unsigned suffixes,
                                uint64_t *value, bool *is_unsigned);

#endif
