/*
 * btf_enums.c - the kernel's enumerators by name (see btf_enums.h). Both
 * BTF_KIND_ENUM (32-bit values) and BTF_KIND_ENUM64 are searched; a
 * script names few enumerators, so each is a scan of the types rather
 * than an index built for all of them.
 */
#include "kernel/btf_enums.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "front/diag.h"
#include "kernel/btf.h"

/* Calls cb for every enumerator of every enum, in BTF order, until it
 * returns true; returns whether one did. */
static bool each_enumerator(const struct btf *btf,
                            bool (*cb)(const char *name, int64_t value, bool is_signed, void *arg),
                            void *arg)
{
	uint32_t n = btf__type_cnt(btf);
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		bool is_signed = btf_kflag(t);
		if (btf_is_enum(t)) {
			const struct btf_enum *e = btf_enum(t);
			for (uint16_t i = 0; i < btf_vlen(t); i++) {
				int64_t v =
				    is_signed ? (int64_t)e[i].val : (int64_t)(uint32_t)e[i].val;
				if (cb(btf__name_by_offset(btf, e[i].name_off), v, is_signed, arg))
					return true;
			}
		} else if (btf_is_enum64(t)) {
			const struct btf_enum64 *e = btf_enum64(t);
			for (uint16_t i = 0; i < btf_vlen(t); i++)
				if (cb(btf__name_by_offset(btf, e[i].name_off),
				       (int64_t)btf_enum64_value(&e[i]), is_signed, arg))
					return true;
		}
	}
	return false;
}

struct find_arg {
	const char *name;
	bool found, ambiguous;
	int64_t value, other;
	bool is_signed;
};

/* Every enumerator of the name is looked at: the kernel's private enums
 * (Opt_err, RES_MAX_USAGE) reuse names with other values. */
static bool match_name(const char *name, int64_t value, bool is_signed, void *arg)
{
	struct find_arg *f = arg;
	if (!name || strcmp(name, f->name))
		return false;
	if (!f->found) {
		f->found = true;
		f->value = value;
		f->is_signed = is_signed;
		return false;
	}
	if (value == f->value)
		return false;
	f->ambiguous = true;
	f->other = value;
	return true;
}

int btf_find_enumerator(struct host *h, const char *name, int64_t *value, int64_t *other,
                        bool *is_signed)
{
	const struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	struct find_arg f = {.name = name};
	each_enumerator(btf, match_name, &f);
	if (!f.found)
		return -ENOENT;
	*value = f.value;
	*other = f.other;
	*is_signed = f.is_signed;
	return f.ambiguous ? -ENOTUNIQ : 0;
}

struct name_arg {
	const char **names;
	size_t n, cap;
};

static bool collect_name(const char *name, int64_t value, bool is_signed, void *arg)
{
	(void)value, (void)is_signed;
	struct name_arg *a = arg;
	if (!name || !*name)
		return false;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 4096;
		const char **v = realloc(a->names, cap * sizeof(*v));
		if (!v)
			return true; /* stop: suggest from what was collected */
		a->names = v;
		a->cap = cap;
	}
	a->names[a->n++] = name;
	return false;
}

const char *btf_closest_enumerator(struct host *h, const char *name)
{
	const struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return NULL;
	struct name_arg a = {0};
	each_enumerator(btf, collect_name, &a);
	const char *near = a.n <= INT32_MAX ? diag_closest(name, a.names, (int)a.n) : NULL;
	free(a.names);
	return near;
}
