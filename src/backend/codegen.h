/*
 * codegen.h - typed AST to LLVM IR (src/backend/cg_internal.h: the files that do it).
 */
#ifndef SONDE_CODEGEN_H
#define SONDE_CODEGEN_H

#include <llvm-c/Core.h>

#include "compile.h"

struct emit;

/* Builds one function per probe instance and the maps into `mod`. */
int cg_build(struct compilation *c, LLVMContextRef ctx, LLVMModuleRef mod, struct emit *em);
/* Fills the BPF-side layout of a map (type, sizes) for the manifest. */
void cg_map_desc(const struct compilation *c, const struct map_info *m, struct map_desc *d);

#endif
