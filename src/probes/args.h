/*
 * args.h - what the providers with named arguments (args.NAME) share:
 * the diagnostic for a name the probe does not have, and the reading of
 * a function's arguments that BTF names and types (fentry, lsm, raw
 * tracepoints).
 */
#ifndef SONDE_PROBES_ARGS_H
#define SONDE_PROBES_ARGS_H

#include "compile.h"

struct btf_func;
struct btf_value;

/*
 * Reports args.NAME that the probe lacks: the error "OWNER has no NOUN
 * 'NAME'" at loc, then a note with the closest of the probe's `n` names
 * (`names`) or, when none is close, the probe has some and `listed` is not
 * NULL, one saying that 'sonde -lv LISTED' lists them. Returns -1.
 */
int probe_no_arg(struct compilation *c, struct loc loc, const char *owner, const char *noun,
                 const char *name, const char *const *names, int n, const char *listed);

/*
 * args.NAME of a function typed by BTF: the index of `fn`'s parameter
 * NAME. -1 after an error at loc when sonde cannot read its type
 * ("args.NAME of OWNER has type 'T', which sonde cannot read yet") or `fn`
 * has no parameter of that name (probe_no_arg with OWNER, NOUN, LISTED).
 */
int probe_btf_param(struct compilation *c, const struct btf_func *fn, const char *name,
                    struct loc loc, const char *owner, const char *noun, const char *listed);
/* Fills `out` to read `v`, a value BTF types, as `kind` at `offset` with
 * address space `space`: its size and sign, and its language type, an
 * integer or, for a pointer, the pointer type BTF gives (so
 * args.file->f_path follows it), u64 when sonde cannot follow that one. */
void probe_btf_value_access(struct compilation *c, const struct btf_value *v,
                            enum ctx_access_kind kind, uint32_t offset, enum addr_space space,
                            struct ctx_access *out);

#endif
