/*
 * systypedefs.h - the scalar typedefs of installed system headers.
 */
#ifndef SONDE_FRONT_SYSTYPEDEFS_H
#define SONDE_FRONT_SYSTYPEDEFS_H

#include <stddef.h>

/* For an `#include <name>` line: each typedef of a scalar type (no
 * struct, union, enum or function) in the installed header and the
 * headers it includes, as a text `typedef ... NAME;` with glibc's
 * `__STD_TYPE` and its type-word #defines (`__U32_TYPE`) expanded, in
 * the order a compiler reads them. Nothing when the header is not
 * installed or the line names a "quoted" one. */
void systypedefs_each(const char *line, size_t len,
                      void (*cb)(void *arg, const char *text, size_t len), void *arg);

#endif
