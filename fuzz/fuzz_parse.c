/*
 * fuzz_parse.c - libFuzzer target for the front end: lexer (grammar/lexer.l)
 * and parser (grammar/parser.y) through parse_program(), with diagnostics
 * rendered to /dev/null. Finds crashes, sanitizer reports and leaks in the
 * lexer's mode tracking (specs, predicates, `< >` blocks), error recovery
 * and the depth checks.
 */
#include "fuzz_common.h"

#include "front/arena.h"
#include "front/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return -1;
	char *text = fuzz_text(data, size);
	struct diag d;
	diag_init(&d, fuzz_sink());
	struct arena a;
	arena_init(&a);
	struct ast_program prog;
	memset(&prog, 0, sizeof(prog));
	int file = diag_add_source(&d, "fuzz.sd", text, size);
	parse_program(&a, &d, file, &prog);
	arena_fini(&a);
	free(text);
	return 0;
}
