/*
 * systypedefs.h - the scalar typedefs of installed system headers.
 */
#ifndef SONDE_FRONT_SYSTYPEDEFS_H
#define SONDE_FRONT_SYSTYPEDEFS_H

#include <stddef.h>

/* For an `#include <name>` line (the header looked for in `dirs`, -I,
 * first): each typedef that is not of a function or an array in the
 * installed header and the headers it includes, as a text `typedef ...
 * NAME;` with glibc's `__STD_TYPE` and its type-word #defines
 * (`__U32_TYPE`) expanded, and each struct or union definition with a
 * body (`struct NAME { ... };`, `typedef struct { ... } NAME;`) that has
 * no directive inside, in the order a compiler reads them. Nothing when
 * the header is not installed or the line names a "quoted" one. */
void systypedefs_each(const char *line, size_t len, const char *const *dirs, int ndirs,
                      void (*cb)(void *arg, const char *text, size_t len), void *arg);

#endif
