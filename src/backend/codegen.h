/*
 * codegen.h - typed AST to LLVM IR (src/backend/cg_internal.h: the files that do it).
 */
#ifndef SONDE_CODEGEN_H
#define SONDE_CODEGEN_H

#include <llvm-c/Core.h>

#include "compile.h"

struct emit;

/* The maps the generated code keeps for itself (manifest.h's aux_maps),
 * from codegen until emit puts them into the manifest; names in c's arena. */
struct cg_aux_maps {
	struct aux_map_desc maps[STACK_MAX_DEPTH + 7];
	uint32_t n;
};

/* Builds one function per probe instance and the maps into `mod`, and
 * notes in `aux` the maps the code keeps for itself. */
int cg_build(struct compilation *c, LLVMContextRef ctx, LLVMModuleRef mod, struct emit *em,
             struct cg_aux_maps *aux);
/* The maps of `aux`, into p's manifest (and p's arena). */
void cg_describe_aux_maps(const struct cg_aux_maps *aux, struct program *p);
/* -k/-kk: the checked helper calls (events.c) into the program's manifest. */
void cg_describe_helper_sites(const struct compilation *c, struct program *p);
/* Fills the BPF-side layout of a map (type, sizes) for the manifest. */
void cg_map_desc(const struct compilation *c, const struct map_info *m, struct map_desc *d);

#endif
