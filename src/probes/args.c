/*
 * args.c - the diagnostic for an argument a probe lacks, and args.NAME of
 * functions BTF types (see args.h).
 */
#include "probes/args.h"

#include <string.h>

#include "front/diag.h"
#include "front/types.h"
#include "kernel/btf.h"

int probe_no_arg(struct compilation *c, struct loc loc, const char *owner, const char *noun,
                 const char *name, const char *const *names, int n, const char *listed)
{
	diag_error(c->diag, loc, "%s has no %s '%s'", owner, noun, name);
	const char *near = diag_closest(name, names, n);
	if (near)
		diag_note(c->diag, (struct loc){0}, "did you mean 'args.%s'?", near);
	else if (n && listed)
		diag_note(c->diag, (struct loc){0}, "its %ss: 'sonde -lv %s' lists them", noun,
		          listed);
	return -1;
}

int probe_btf_param(struct compilation *c, const struct btf_func *fn, const char *name,
                    struct loc loc, const char *owner, const char *noun, const char *listed)
{
	for (int i = 0; i < fn->nparams; i++) {
		const struct btf_value *v = &fn->params[i];
		if (strcmp(v->name, name))
			continue;
		if (!v->readable) {
			diag_error(c->diag, loc,
			           "args.%s of %s has type '%s', which sonde cannot read yet", name,
			           owner, v->c_type);
			return -1;
		}
		return i;
	}
	const char *cands[BTF_MAX_PARAMS];
	for (int i = 0; i < fn->nparams; i++)
		cands[i] = fn->params[i].name;
	return probe_no_arg(c, loc, owner, noun, name, cands, fn->nparams, listed);
}

void probe_btf_value_access(struct compilation *c, const struct btf_value *v,
                            enum ctx_access_kind kind, uint32_t offset, enum addr_space space,
                            struct ctx_access *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->offset = offset;
	out->size = v->size;
	out->is_signed = v->is_signed;
	out->space = space;
	out->type = type_int(v->is_signed, v->size);
	if (v->is_pointer) {
		struct type *t = v->type_id ? btf_lang_type(c, v->type_id) : NULL;
		out->type = t && t->kind == TYPE_PTR ? t : &type_u64;
	}
}
