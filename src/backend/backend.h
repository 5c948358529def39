/*
 * backend.h - the LLVM half of the compiler (src/backend/: codegen and
 * ELF emission) behind one table, so that runs which compile nothing
 * (--help, -V, -l, --info) never load LLVM. A release build puts it in sonde-backend.so, beside the binary
 * or in ../lib/sonde/, and opens it when a script is compiled; sanitizer,
 * fuzz and test builds link it in (SONDE_SPLIT_BACKEND undefined).
 */
#ifndef SONDE_BACKEND_H
#define SONDE_BACKEND_H

#include "build_id.h"
#include "compile.h"
#include "driver.h"

/* One compilation's LLVM context, module and target, from codegen to emit. */
struct backend_module;

/* The build a module and the sonde that opens it must share: a module
 * of another version or commit is refused, not called into (its view of
 * sonde's structures may differ). */
#define SONDE_BACKEND_BUILD SONDE_VERSION " " SONDE_GIT_COMMIT

/* The driver's codegen and emit passes (driver.c) call these in turn. */
struct backend {
	/* SONDE_BACKEND_BUILD of the module: first, so any module can be asked */
	const char *build;
	/* LLVM IR for every probe instance and map (and --emit-llvm's file);
	 * `path` names the script in debug info and is read back by emit.
	 * NULL after a message on stderr or an error at the script's line. */
	struct backend_module *(*codegen)(struct compilation *c, const char *path);
	/* optimisation and the BPF object, into p->elf. 0, or -1 after a
	 * message on stderr or an error at the script's line. */
	int (*emit)(struct compilation *c, struct backend_module *m, struct program *p);
	/* the module's IR as text (-d ir): as generated before emit, optimised after */
	void (*print_ir)(struct backend_module *m, FILE *out);
	void (*module_free)(struct backend_module *m);
	/* map sizes and BPF types as code generation chose them */
	void (*map_desc)(const struct compilation *c, const struct map_info *m,
			 struct map_desc *d);
};

/* The table in backend.c: the one symbol sonde-backend.so exports. */
extern const struct backend sonde_backend;

/* The backend, loaded if this build splits it out; NULL after a message on
 * stderr when it cannot be loaded (backend_load.c). */
const struct backend *backend_get(void);

/* Where backend_get would open the module from, into path (NULL when it
 * is not found there); "" when this build links it in. Opens nothing. */
const char *backend_locate(char *path, size_t size);

#endif
