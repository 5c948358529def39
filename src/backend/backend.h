/*
 * backend.h - the LLVM half of the compiler (codegen.c, emit.c) behind one
 * table, so that runs which compile nothing (--help, -V, -l, --info) never
 * load LLVM. A release build puts it in sonde-backend.so, beside the binary
 * or in ../lib/sonde/, and opens it when a script is compiled; sanitizer,
 * fuzz and test builds link it in (SONDE_SPLIT_BACKEND undefined).
 */
#ifndef SONDE_BACKEND_H
#define SONDE_BACKEND_H

#include "compile.h"
#include "driver.h"

struct backend {
	/* LLVM IR, optimisation and the BPF object, into p->elf; `path` names
	 * the script in debug info. 0, or -1 after a message on stderr. */
	int (*compile)(struct compilation *c, const char *path, struct program *p);
	/* map sizes and BPF types as code generation chose them */
	void (*map_desc)(const struct compilation *c, const struct map_info *m,
			 struct map_desc *d);
};

/* The table in backend.c: the one symbol sonde-backend.so exports. */
extern const struct backend sonde_backend;

/* The backend, loaded if this build splits it out; NULL after a message on
 * stderr when it cannot be loaded (backend_load.c). */
const struct backend *backend_get(void);

#endif
