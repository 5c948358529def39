/*
 * parse.h - entry point of the front end (grammar/lexer.l + grammar/parser.y).
 *
 * Parses one source registered in the diagnostic sink (index `file`) into
 * `out`, appending to what is already there (so stdlib and the user's
 * script parse into one program). Syntax errors are reported through
 * `d` with the expected tokens; the parser recovers at statement and probe
 * boundaries so one run shows several errors. Returns 0, or -1 when any
 * error was reported.
 */
#ifndef SONDE_PARSE_H
#define SONDE_PARSE_H

#include "front/arena.h"
#include "front/ast.h"
#include "front/diag.h"

int parse_program(struct arena *a, struct diag *d, int file, struct ast_program *out);

#endif
