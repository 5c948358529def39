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
 * that do not fit the stack are kept in scratch memory, scratch.c); the
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

struct backend_module {
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	struct emit *em;
	struct cg_aux_maps aux; /* for the manifest, at emit */
};

static void backend_module_free(struct backend_module *m)
{
	if (!m)
		return;
	emit_free(m->em);
	LLVMDisposeModule(m->mod);
	LLVMContextDispose(m->ctx);
	free(m);
}

static struct backend_module *backend_codegen(struct compilation *c, const char *path)
{
	struct backend_module *m = calloc(1, sizeof(*m));
	if (!m) {
		fprintf(stderr, "sonde: out of memory\n");
		return NULL;
	}
	m->ctx = LLVMContextCreate();
	m->mod = LLVMModuleCreateWithNameInContext("sonde", m->ctx);
	char *err = NULL;
	m->em = emit_new(m->mod, path, c->opts->core_flavor, &err);
	if (!m->em) {
		fprintf(stderr, "sonde: cannot set up the BPF target: %s\n", err);
		goto fail;
	}
	if (cg_build(c, m->ctx, m->mod, m->em, &m->aux))
		goto fail;
	if (c->opts->emit_llvm && emit_ir_file(m->em, c->opts->emit_llvm, &err)) {
		fprintf(stderr, "sonde: cannot write %s: %s\n", c->opts->emit_llvm, err);
		goto fail;
	}
	return m;
fail:
	free(err);
	backend_module_free(m);
	return NULL;
}

static int backend_emit(struct compilation *c, struct backend_module *m, struct program *p)
{
	char *err = NULL;
	int rc = 0;
	if (emit_object(m->em, &p->elf, &p->elf_size, &err)) {
		report_emit_error(c, err);
		rc = -1;
	} else {
		cg_describe_aux_maps(&m->aux, p);
		cg_describe_helper_sites(c, p);
	}
	free(err);
	return rc;
}

static void backend_print_ir(struct backend_module *m, FILE *out)
{
	char *ir = LLVMPrintModuleToString(m->mod);
	fputs(ir, out);
	LLVMDisposeMessage(ir);
}

__attribute__((visibility("default"))) const struct backend sonde_backend = {
	.build = SONDE_BACKEND_BUILD,
	.codegen = backend_codegen,
	.emit = backend_emit,
	.print_ir = backend_print_ir,
	.module_free = backend_module_free,
	.map_desc = cg_map_desc,
};
