/*
 * dwarf_types.h - language types of a user function's parameters from its
 * DWARF: pointers to structs, unions and arrays as well as integers, so a
 * uprobe's args.p->in.x follows the program's own layout.
 */
#ifndef SONDE_DWARF_TYPES_H
#define SONDE_DWARF_TYPES_H

#include "front/arena.h"
#include "front/types.h"

/* The type of parameter `param` of `func` in the ELF file `path`, built in
 * `a`: integers by size and sign, pointers to what they point to, structs
 * and unions as records whose fields (with their offsets and types) are
 * listed in the type (btf_id 0), char arrays as strings, other arrays as
 * arrays, integer bitfields with their bit places. A field sonde cannot
 * read (a float, a function, a bitfield of another type) is
 * listed with type void, as the script's
 * own records (front/cdecl.h) list such fields. NULL when the file has no DWARF entry for the
 * parameter or its type is none of these. */
struct type *dwarf_param_type(struct arena *a, const char *path, const char *func,
                              const char *param);

/* The type named `name` in the DWARF of `path`: a struct (tag "struct"),
 * union ("union"), enum ("enum") or typedef (tag NULL), built as
 * dwarf_param_type builds parameters. 1 and *out set when found, 0 when
 * the file's DWARF has no such type, -1 when the file has no DWARF, -2
 * when it has the type but sonde cannot represent it. */
int dwarf_named_type(struct arena *a, const char *path, const char *tag, const char *name,
		     struct type **out);

/* The type `func` of `path` returns, from its DWARF; NULL when it has no
 * entry or sonde cannot represent the type, with *is_void set when the
 * function returns nothing. */
struct type *dwarf_return_type(struct arena *a, const char *path, const char *func,
			       bool *is_void);

#endif
