/*
 * cdecl.h - C definitions written in a script: struct, union, enum and
 * typedef definitions before (and between) probes, and #define constants.
 *
 * A script's C text is parsed by sonde's own declaration grammar
 * (cdecl.c), not by libclang, so it stays on the front side of the dlopen
 * boundary (docs/architecture.md, "C definitions"). The parser lays
 * records out as the x86-64 C ABI does and keeps them in a table the type
 * lookup consults before the kernel's BTF. Names the script only refers to
 * (`struct task_struct *` in a member, `pid_t`) are resolved through a
 * callback, so this file needs nothing but the front end.
 */
#ifndef SONDE_CDECL_H
#define SONDE_CDECL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "front/arena.h"
#include "front/diag.h"
#include "front/loc.h"
#include "front/types.h"

/* Names from elsewhere (the kernel's BTF): `tag` is "struct", "union",
 * "enum" or NULL for a plain (typedef) name. NULL when unknown; it reports
 * nothing. */
struct cdecl_resolver {
	struct type *(*named)(void *arg, const char *tag, const char *name);
	void *arg;
};

/* A #define or enum constant: an integer or a string. */
struct cdecl_const {
	bool is_str;
	int64_t value;
	const char *str;
};

struct cdecl_table;

struct cdecl_table *cdecl_table_new(struct arena *a);
/* Parses one top-level definition (`struct foo { ... };`, `typedef ...;`,
 * `enum { A, B };`, `struct foo;`), `len` bytes at `text`, which start at
 * `start` in the script. Errors are located in the script. 0 or -1. */
int cdecl_parse(struct cdecl_table *t, struct diag *d, const char *text, size_t len,
                struct loc start, const struct cdecl_resolver *r);
/* `#define NAME value` (the whole line, from '#'): an integer or string
 * constant, possibly an expression of earlier constants. 0 or -1. */
int cdecl_define(struct cdecl_table *t, struct diag *d, const char *text, size_t len,
                 struct loc start);
/* Completes the records only declared or referred to (`struct sock;`)
 * from the resolver, where it has them. */
void cdecl_finish(struct cdecl_table *t, const struct cdecl_resolver *r);

/* The script's complete definition of `tag name` ("struct", "union",
 * "enum"), or NULL. */
struct type *cdecl_find_tag(const struct cdecl_table *t, const char *tag, const char *name);
/* The script's typedef `name`, or NULL. */
struct type *cdecl_find_typedef(const struct cdecl_table *t, const char *name);
/* An enum constant or #define of the script. */
bool cdecl_find_const(const struct cdecl_table *t, const char *name, struct cdecl_const *out);
/* Whether `rec` is a record the script defined (not one from BTF). */
/* Marks typedef `name` as a system header's: a later typedef of the
 * name replaces it instead of being an error. */
void cdecl_typedef_from_system(struct cdecl_table *t, const char *name);
bool cdecl_is_script_record(const struct type *rec);
/* Member `name` of a script record, found in anonymous members too: its
 * offset from the start of `rec` and its type. -1 when there is none. */
int cdecl_find_member(const struct type *rec, const char *name, uint32_t *off, struct type **type);

/* The names a `typedef` text declares, for the lexer (which must tell a
 * type name in a cast from an identifier): calls cb for each. */
void cdecl_typedef_names(const char *text, size_t len,
                         void (*cb)(void *arg, const char *name, size_t len), void *arg);
/* The same for the typedefs of a "quoted" header an #include `line`
 * names, looked up next to the script (`script` is its path). */
void cdecl_header_typedef_names(const char *script, const char *line, size_t len,
                                void (*cb)(void *arg, const char *name, size_t len), void *arg);
/* Where a top-level definition starting at `start` ends: after its ';',
 * or after the '}' closing its body (bpftrace lets the ';' be left out). */
size_t cdecl_extent(const char *text, size_t len, size_t start);

#endif
