/*
 * backend.c - the LLVM half of the compiler behind one table (backend.h):
 * code generation, optimisation and the BPF object.
 */
#include "backend/backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Core.h>

#include "backend/codegen.h"
#include "backend/emit.h"

/* What the BPF backend refused, in the script's terms. Its stack limit is
 * the one a script can still reach, with an expression that keeps more
 * values alive at once than registers and 512 bytes of stack hold (values
 * that do not fit the stack are kept in scratch memory, codegen.c); the
 * backend names the function and the script position of the code that
 * spilled past it. Anything else it refuses is a bug in sonde. */
static void report_emit_error(struct compilation *c, const char *err)
{
	const struct probe_inst *pi = NULL;
	const char *fn = strstr(err, ": in function ");
	if (fn && strstr(err, "BPF stack limit")) {
		const char *name = fn + strlen(": in function ");
		size_t n = strcspn(name, "_ "); /* a for body's callback is p3_for0 */
		for (pi = c->insts; pi; pi = pi->next)
			if (strlen(pi->prog_name) == n && !strncmp(pi->prog_name, name, n))
				break;
	}
	if (!pi) {
		fprintf(stderr, "sonde: internal error while generating BPF code: %s\n", err);
		return;
	}
	/* "PATH:LINE:COL: in function ..." */
	struct loc l = pi->probe->loc;
	const char *p = fn;
	int seps = 0;
	while (p > err && seps < 2)
		if (*--p == ':')
			seps++;
	int line = 0, col = 0;
	if (seps == 2 && sscanf(p, ":%d:%d", &line, &col) == 2 && line > 0 && col > 0)
		l = (struct loc){l.file, line, col, line, col};
	diag_error(c->diag, l,
		   "probe '%s' needs more than the 512 bytes of stack a BPF program has",
		   pi->ap->spec);
	diag_note(c->diag, (struct loc){0},
		  "too many values are alive at once here; split the expression into "
		  "statements that keep fewer of them");
}

static int backend_compile(struct compilation *c, const char *path, struct program *p)
{
	int rc = -1;
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext("sonde", ctx);
	char *err = NULL;
	struct emit *em = emit_new(mod, path, &err);
	if (!em) {
		fprintf(stderr, "sonde: cannot set up the BPF target: %s\n", err);
		goto out;
	}
	if (cg_build(c, ctx, mod, em))
		goto out;
	if (c->opts->emit_llvm && emit_ir_file(em, c->opts->emit_llvm, &err)) {
		fprintf(stderr, "sonde: cannot write %s: %s\n", c->opts->emit_llvm, err);
		goto out;
	}
	if (c->opts->debug & DEBUG_IR) {
		char *ir = LLVMPrintModuleToString(mod);
		fprintf(c->opts->debug_out, "; LLVM IR before optimisation\n%s\n", ir);
		LLVMDisposeMessage(ir);
	}
	if (emit_object(em, &p->elf, &p->elf_size, &err)) {
		report_emit_error(c, err);
		goto out;
	}
	if (c->opts->debug & DEBUG_IR) {
		char *ir = LLVMPrintModuleToString(mod);
		fprintf(c->opts->debug_out, "; LLVM IR after optimisation\n%s\n", ir);
		LLVMDisposeMessage(ir);
	}
	rc = 0;
out:
	free(err);
	emit_free(em);
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	return rc;
}

__attribute__((visibility("default"))) const struct backend sonde_backend = {
	.compile = backend_compile,
	.map_desc = cg_map_desc,
};
