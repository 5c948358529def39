/*
 * ppexpr.h - the controlling expression of #if and #elif, evaluated as
 * the C preprocessor evaluates it (C11 6.10.1): integer constants and
 * character constants in intmax_t/uintmax_t, the unary, arithmetic,
 * shift, comparison, bitwise, logical and conditional operators,
 * parentheses, `defined NAME` and `defined(NAME)`, the script's #defines
 * expanded (object-like and function-like), and every other identifier 0.
 */
#ifndef SONDE_PPEXPR_H
#define SONDE_PPEXPR_H

#include <stdbool.h>
#include <stddef.h>

#include "front/directives.h"

/* The expression `len` bytes at `expr`, whose first byte is at `at` on
 * its line. Reports a located error (and counts it in *errors) when it is
 * malformed; *value is then false. */
bool ppexpr_eval(struct directives *dv, const char *expr, size_t len, struct loc at, int *errors,
                 bool *value);

#endif
