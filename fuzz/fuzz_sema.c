/*
 * fuzz_sema.c - libFuzzer target for parse + sema: the same steps as
 * driver_compile() up to the end of sema_run() (stdlib first, then the
 * input), without codegen. Tracepoint specs make sema read tracefs (and
 * mount it if it is not mounted), which is slow but harmless; the seed
 * corpus prefers BEGIN/END/interval probes.
 */
#include "fuzz_common.h"

#include "compile.h"
#include "front/parse.h"
#include "sema/sema.h"
#include "options.h"

struct stdlib_file {
	const char *name;
	const char *text;
	size_t len;
};
extern const struct stdlib_file stdlib_files[];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > FUZZ_MAX_INPUT)
		return -1;
	char *text = fuzz_text(data, size);
	struct diag d;
	diag_init(&d, fuzz_sink());
	struct compile_options opts = {
	    COMPILE_OPTIONS_DEFAULTS,
	    .debug_out = fuzz_sink(),
	};
	struct compilation c;
	memset(&c, 0, sizeof(c));
	c.diag = &d;
	c.opts = &opts;
	c.host = fuzz_host();
	arena_init(&c.arena);
	int file = diag_add_source(&d, "fuzz.sd", text, size);
	for (const struct stdlib_file *f = stdlib_files; f->name; f++) {
		int sf = diag_add_source(&d, f->name, f->text, f->len);
		if (parse_program(&c.arena, &d, sf, &c.prog))
			abort(); /* the shipped stdlib must parse */
	}
	if (parse_program(&c.arena, &d, file, &c.prog) == 0)
		sema_run(&c);
	arena_fini(&c.arena);
	free(text);
	return 0;
}
