/*
 * import.h - `import "file.bt";` (bpftrace 0.26), for the parser.
 *
 * import_open resolves `path` of an import in source `importer` (relative
 * to that script's directory, then to each -I directory), reads it and
 * registers it as a source of `d`. Returns the new source to parse; -2
 * when that file was imported already (each file is read once); -1 after
 * reporting a located error (missing file, not a .bt script, a cycle).
 * import_done marks the end of its parse (so importing it again later is
 * no cycle).
 */
#ifndef SONDE_IMPORT_H
#define SONDE_IMPORT_H

#include "front/arena.h"
#include "front/ast.h"
#include "front/diag.h"

int import_open(struct arena *a, struct diag *d, struct ast_program *prog, int importer,
		struct loc loc, const char *path);
void import_done(struct ast_program *prog, int file);

#endif
