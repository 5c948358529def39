/*
 * fuzz_codegen.c - libFuzzer target for the whole compile path without
 * loading: driver_compile() runs parse, sema, codegen (LLVM-C), the -O2
 * pipeline and BPF ELF emission in memory. Nothing touches the kernel's
 * BPF subsystem. Each input that gets through sema costs an LLVM
 * compilation, so this target runs orders of magnitude slower than
 * fuzz_parse.
 *
 * driver_compile() also writes internal errors (not script errors) to
 * stderr; those are not crashes, but an "internal error while generating
 * BPF code" for a script sema accepted is a bug: set
 * SONDE_FUZZ_ABORT_ON_INTERNAL=1 to turn it into a crash libFuzzer keeps.
 */
#include "fuzz_common.h"

#include "driver.h"
#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int abort_on_internal = -1;
	if (abort_on_internal < 0) {
		const char *e = getenv("SONDE_FUZZ_ABORT_ON_INTERNAL");
		abort_on_internal = e && *e == '1';
	}
	if (size > FUZZ_MAX_INPUT)
		return -1;
	char *text = fuzz_text(data, size);
	struct diag d;
	diag_init(&d, fuzz_sink());
	/* every input is a compilation of this process: each its own CO-RE
	 * flavor (compile.h's core_flavor), or LLVM reuses a freed module's
	 * relocation globals */
	static uint32_t compilations;
	struct compile_options opts = {
	    COMPILE_OPTIONS_DEFAULTS,
	    .debug_out = fuzz_sink(),
	    .core_flavor = ++compilations,
	};
	struct source src = {.name = "fuzz.sd", .path = NULL, .text = text, .len = size};
	struct program *p = NULL;
	bool script_error = false;
	int rc = driver_compile(&src, &opts, fuzz_host(), &d, &p, &script_error);
	if (rc && !script_error && abort_on_internal)
		abort();
	if (rc == 0 && d.nerrors)
		abort(); /* success must mean no script error was reported */
	program_free(p);
	free(text);
	return 0;
}
