/*
 * backend.c - the LLVM half of the compiler behind one table (backend.h):
 * code generation, optimisation and the BPF object.
 */
#include "backend.h"

#include <stdio.h>
#include <stdlib.h>

#include <llvm-c/Core.h>

#include "codegen.h"
#include "emit.h"

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
		fprintf(stderr, "sonde: internal error while generating BPF code: %s\n", err);
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
