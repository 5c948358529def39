/*
 * btf.c - kernel function prototypes from BTF (see btf.h).
 *
 * A BTF_KIND_FUNC names a function and points at its FUNC_PROTO, whose
 * params carry names and type ids. Types are followed through typedefs,
 * const/volatile/restrict and type tags to what decides how a value is
 * read: an integer, an enum or a pointer (read as u64 for now).
 */
#define _GNU_SOURCE
#include "kernel/btf.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/host.h"

void btf_host_free(struct host *h)
{
	btf_dump__free(h->btf_dump);
	h->btf_dump = NULL;
	free(h->btf_dump_sink);
	h->btf_dump_sink = NULL;
	free(h->btf_funcs);
	h->btf_funcs = NULL;
	h->nbtf_funcs = 0;
	h->btf_funcs_made = false;
	btf__free(h->btf);
	h->btf = NULL;
	h->btf_loaded = false;
	h->btf_user_tags = 0;
}

struct btf *btf_vmlinux(struct host *h)
{
	if (h->btf_loaded)
		return h->btf;
	h->btf_loaded = true;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	h->btf = btf__load_vmlinux_btf();
	libbpf_set_print(old);
	if (!h->btf) {
		h->btf_err = -errno;
		if (!h->btf_err)
			h->btf_err = -ENOENT;
	}
	return h->btf;
}

int btf_vmlinux_err(struct host *h)
{
	btf_vmlinux(h);
	return h->btf_err;
}

struct host_dump_sink {
	char *buf;
	size_t size, len;
};

static void dump_printf(void *ctx, const char *fmt, va_list ap)
{
	struct host_dump_sink *sb = ctx;
	if (sb->len >= sb->size)
		return;
	int n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	if (n > 0)
		sb->len += (size_t)n;
	if (sb->len >= sb->size)
		sb->len = sb->size - 1;
}

static void type_c_name(struct host *h, const struct btf *btf, uint32_t id, char *buf, size_t size)
{
	buf[0] = 0;
	if (!id) {
		snprintf(buf, size, "void");
		return;
	}
	if (!h->btf_dump) {
		h->btf_dump_sink = calloc(1, sizeof(*h->btf_dump_sink));
		h->btf_dump = h->btf_dump_sink
		                  ? btf_dump__new(btf, dump_printf, h->btf_dump_sink, NULL)
		                  : NULL;
	}
	if (!h->btf_dump) {
		snprintf(buf, size, "?");
		return;
	}
	*h->btf_dump_sink = (struct host_dump_sink){buf, size, 0};
	LIBBPF_OPTS(btf_dump_emit_type_decl_opts, opts, .field_name = "");
	btf_dump__emit_type_decl(h->btf_dump, id, &opts);
	*h->btf_dump_sink = (struct host_dump_sink){0};
}

/* Skips typedefs, modifiers and type tags; notes a "user" tag on the way. */
static const struct btf_type *skip_mods(const struct btf *btf, uint32_t id, bool *user)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	while (t && (btf_is_typedef(t) || btf_is_mod(t) || btf_kind(t) == BTF_KIND_TYPE_TAG)) {
		if (btf_kind(t) == BTF_KIND_TYPE_TAG && user &&
		    !strcmp(btf__name_by_offset(btf, t->name_off), "user"))
			*user = true;
		t = btf__type_by_id(btf, t->type);
	}
	return t;
}

static void describe(struct host *h, const struct btf *btf, uint32_t id, const char *name,
                     struct btf_value *v)
{
	memset(v, 0, sizeof(*v));
	v->name = name ? name : "";
	v->type_id = id;
	type_c_name(h, btf, id, v->c_type, sizeof(v->c_type));
	const struct btf_type *t = skip_mods(btf, id, NULL);
	if (!t)
		return;
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		v->size = t->size;
		v->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		v->readable = t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		v->size = t->size;
		v->is_signed = btf_kflag(t);
		v->readable = t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8;
		break;
	case BTF_KIND_PTR: {
		v->size = 8;
		v->is_pointer = true;
		v->readable = true;
		bool user = false;
		skip_mods(btf, t->type, &user);
		v->user = user;
		break;
	}
	default:
		break;
	}
}

static void fill_func(struct host *h, const struct btf *btf, const struct btf_type *fn,
                      struct btf_func *out)
{
	memset(out, 0, sizeof(*out));
	out->name = btf__name_by_offset(btf, fn->name_off);
	const struct btf_type *proto = btf__type_by_id(btf, fn->type);
	if (!proto || !btf_is_func_proto(proto))
		return;
	const struct btf_param *p = btf_params(proto);
	int n = btf_vlen(proto);
	/* a trailing type 0 param means "..." */
	if (n && p[n - 1].type == 0)
		n--;
	if (n > BTF_MAX_PARAMS)
		n = BTF_MAX_PARAMS;
	out->nparams = n;
	for (int i = 0; i < n; i++)
		describe(h, btf, p[i].type, btf__name_by_offset(btf, p[i].name_off),
		         &out->params[i]);
	out->has_ret = proto->type != 0;
	if (out->has_ret)
		describe(h, btf, proto->type, "retval", &out->ret);
}

struct host_btf_func {
	const char *name;
	uint32_t id;
};

static int cmp_btf_func(const void *a, const void *b)
{
	const struct host_btf_func *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	/* the first of a repeated name, as libbpf's lookup finds it */
	return c ? c : (x->id > y->id) - (x->id < y->id);
}

/* The BTF id of function `name` (the lowest, as btf__find_by_name_kind
 * gives it), from the sorted index made on the first call; -ENOENT */
static int func_id(struct host *h, const struct btf *btf, const char *name)
{
	if (!h->btf_funcs_made) {
		h->btf_funcs_made = true;
		uint32_t n = btf__type_cnt(btf);
		h->btf_funcs = malloc(n * sizeof(*h->btf_funcs));
		for (uint32_t id = 1; h->btf_funcs && id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			if (btf_is_func(t))
				h->btf_funcs[h->nbtf_funcs++] = (struct host_btf_func){
				    btf__name_by_offset(btf, t->name_off), id};
		}
		if (h->btf_funcs)
			qsort(h->btf_funcs, h->nbtf_funcs, sizeof(*h->btf_funcs), cmp_btf_func);
	}
	if (!h->btf_funcs)
		return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	size_t lo = 0, hi = h->nbtf_funcs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(h->btf_funcs[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < h->nbtf_funcs && !strcmp(h->btf_funcs[lo].name, name))
		return (int)h->btf_funcs[lo].id;
	return -ENOENT;
}

int btf_func_get(struct host *h, const char *name, struct btf_func *out)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	int id = func_id(h, btf, name);
	if (id < 0)
		return -ENOENT;
	fill_func(h, btf, btf__type_by_id(btf, (uint32_t)id), out);
	return 0;
}

int btf_rawtp_get(struct host *h, const char *tp, struct btf_func *out)
{
	static const char *const stubs[] = {"__probestub_", "__traceiter_"};
	for (size_t i = 0; i < sizeof(stubs) / sizeof(stubs[0]); i++) {
		char name[256];
		if ((size_t)snprintf(name, sizeof(name), "%s%s", stubs[i], tp) >= sizeof(name))
			return -ENOENT;
		int rc = btf_func_get(h, name, out);
		if (rc == -ENOENT)
			continue;
		if (rc)
			return rc;
		if (out->nparams < 1)
			return -ENOENT;
		memmove(&out->params[0], &out->params[1],
		        (size_t)(out->nparams - 1) * sizeof(out->params[0]));
		out->nparams--;
		out->has_ret = false; /* the stub's, not the tracepoint's */
		return 0;
	}
	return -ENOENT;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int btf_func_each(struct host *h, const char *glob, int (*cb)(const char *name, void *arg),
		  void *arg)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	uint32_t n = btf__type_cnt(btf);
	const char **names = NULL;
	size_t count = 0, cap = 0;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (!btf_is_func(t))
			continue;
		const char *name = btf__name_by_offset(btf, t->name_off);
		if (!name || !*name || fnmatch(glob, name, 0))
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 256;
			const char **nn = realloc(names, cap * sizeof(*nn));
			if (!nn) {
				free(names);
				return -ENOMEM;
			}
			names = nn;
		}
		names[count++] = name;
	}
	if (count)
		qsort(names, count, sizeof(*names), cmp_str);
	int rc = 0;
	for (size_t i = 0; i < count && !rc; i++)
		if (i == 0 || strcmp(names[i], names[i - 1]))
			rc = cb(names[i], arg);
	free(names);
	return rc;
}

void btf_func_print(FILE *out, const struct btf_func *f)
{
	for (int i = 0; i < f->nparams; i++)
		fprintf(out, "    %s %s\n", f->params[i].c_type, f->params[i].name);
	if (f->has_ret)
		fprintf(out, "    %s retval\n", f->ret.c_type);
}

/* ---- types for casts and field access ------------------------------------ */

int btf_type_describe(struct host *h, uint32_t id, struct btf_type_desc *out)
{
	struct btf *btf = btf_vmlinux(h);
	memset(out, 0, sizeof(*out));
	if (!btf)
		return -ENODATA;
	if (id == 0) {
		out->cls = BTC_VOID;
		return 0;
	}
	bool user = false;
	const struct btf_type *t = skip_mods(btf, id, &user);
	if (!t)
		return -ENOENT;
	int rid = btf__resolve_type(btf, id);
	out->id = rid > 0 ? (uint32_t)rid : id;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		out->cls = BTC_INT;
		out->size = t->size;
		out->is_signed = btf_int_encoding(t) & BTF_INT_SIGNED;
		/* plain `char` only: bpftrace shows arrays of signed char,
		 * unsigned char and u8 as arrays of numbers */
		out->is_char =
			t->size == 1 && !strcmp(btf__name_by_offset(btf, t->name_off), "char");
		break;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		out->cls = BTC_INT;
		out->size = t->size;
		out->is_signed = btf_kflag(t);
		out->is_enum = true;
		out->name = btf__name_by_offset(btf, t->name_off);
		if (!out->name)
			out->name = "";
		break;
	case BTF_KIND_PTR: {
		out->cls = BTC_PTR;
		out->size = 8;
		out->elem_id = t->type;
		bool u = false;
		skip_mods(btf, t->type, &u);
		out->user = u;
		break;
	}
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		out->cls = BTC_ARRAY;
		out->elem_id = a->type;
		out->count = a->nelems;
		long sz = btf__resolve_size(btf, id);
		out->size = sz > 0 ? (uint32_t)sz : 0;
		break;
	}
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		out->cls = BTC_RECORD;
		out->size = t->size;
		out->is_union = btf_kind(t) == BTF_KIND_UNION;
		out->name = btf__name_by_offset(btf, t->name_off);
		if (!out->name)
			out->name = "";
		break;
	default:
		out->cls = BTC_OTHER;
		break;
	}
	return 0;
}

int btf_find_record(struct host *h, const char *name, bool is_union)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	int id = btf__find_by_name_kind(btf, name, is_union ? BTF_KIND_UNION : BTF_KIND_STRUCT);
	return id < 0 ? -ENOENT : id;
}

long btf_type_size(struct host *h, uint32_t id)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	long size = btf__resolve_size(btf, id);
	return size < 0 ? -ENOENT : size;
}

int btf_find_named(struct host *h, const char *name)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	static const int kinds[] = {BTF_KIND_TYPEDEF, BTF_KIND_INT, BTF_KIND_STRUCT,
				    BTF_KIND_UNION, BTF_KIND_ENUM};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		int id = btf__find_by_name_kind(btf, name, kinds[i]);
		if (id > 0)
			return id;
	}
	return -ENOENT;
}

static int find_member_in(const struct btf *btf, const struct btf_type *t, const char *name,
			  uint32_t base_bits, uint32_t *byte_off, uint32_t *type_id,
			  uint32_t *bitfield, uint32_t *bit_off, int depth)
{
	if (depth > 8 || !btf_is_composite(t))
		return -ENOENT;
	const struct btf_member *m = btf_members(t);
	int n = btf_vlen(t);
	for (int i = 0; i < n; i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		uint32_t bits = base_bits + btf_member_bit_offset(t, (uint32_t)i);
		if (mn && *mn) {
			if (strcmp(mn, name))
				continue;
			*type_id = m[i].type;
			*bitfield = btf_member_bitfield_size(t, (uint32_t)i);
			*bit_off = bits;
			*byte_off = bits / 8;
			return 0;
		}
		const struct btf_type *inner = skip_mods(btf, m[i].type, NULL);
		if (inner && !find_member_in(btf, inner, name, bits, byte_off, type_id, bitfield,
					     bit_off, depth + 1))
			return 0;
	}
	return -ENOENT;
}

int btf_find_member(struct host *h, uint32_t id, const char *name, uint32_t *byte_off,
		    uint32_t *type_id, uint32_t *bitfield, uint32_t *bit_off)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	const struct btf_type *t = skip_mods(btf, id, NULL);
	if (!t)
		return -ENOENT;
	return find_member_in(btf, t, name, 0, byte_off, type_id, bitfield, bit_off, 0);
}

int btf_record_members(struct host *h, uint32_t id, struct btf_member_desc *out, int max)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	const struct btf_type *t = skip_mods(btf, id, NULL);
	if (!t || !btf_is_composite(t))
		return -ENOENT;
	const struct btf_member *m = btf_members(t);
	int n = btf_vlen(t) < max ? btf_vlen(t) : max;
	if (n < 0)
		n = 0;
	for (int i = 0; i < n; i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		out[i].name = mn ? mn : "";
		out[i].type_id = m[i].type;
		out[i].bit_off = btf_member_bit_offset(t, (uint32_t)i);
		out[i].bit_size = btf_member_bitfield_size(t, (uint32_t)i);
	}
	return btf_vlen(t);
}

static int collect_names(const struct btf *btf, const struct btf_type *t, const char **names,
			 int n, int max, int depth)
{
	if (depth > 8 || !btf_is_composite(t))
		return n;
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t) && n < max; i++) {
		const char *mn = btf__name_by_offset(btf, m[i].name_off);
		if (mn && *mn)
			names[n++] = mn;
		else
			n = collect_names(btf, skip_mods(btf, m[i].type, NULL), names, n, max,
					  depth + 1);
	}
	return n;
}

int btf_member_names(struct host *h, uint32_t id, const char **names, int max)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return 0;
	const struct btf_type *t = skip_mods(btf, id, NULL);
	return t ? collect_names(btf, t, names, 0, max, 0) : 0;
}

/* ---- -l 'struct NAME' ------------------------------------------------- */

struct named_type {
	const char *name;
	uint32_t id;
};

static int cmp_named_types(const void *a, const void *b)
{
	return strcmp(((const struct named_type *)a)->name, ((const struct named_type *)b)->name);
}

static bool kind_matches(const struct btf_type *t, const char *kind)
{
	if (!strcmp(kind, "struct"))
		return btf_is_struct(t);
	if (!strcmp(kind, "union"))
		return btf_is_union(t);
	return btf_is_enum(t) || btf_is_enum64(t);
}

static void dump_to_stream(void *ctx, const char *fmt, va_list ap)
{
	vfprintf(ctx, fmt, ap);
}

/* The block "KIND NAME {" ... "};" of btf_dump's output, both at column 0
 * (a nested anonymous type is indented; the last line may carry an
 * attribute), or the one line "KIND NAME {};". */
static const char *find_definition(const char *text, const char *kind, const char *name,
				   size_t *len)
{
	size_t klen = strlen(kind), nlen = strlen(name);
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (strncmp(p, kind, klen) || p[klen] != ' ' || strncmp(p + klen + 1, name, nlen) ||
		    strncmp(p + klen + 1 + nlen, " {", 2))
			continue;
		const char *nl = strchr(p, '\n');
		size_t first = nl ? (size_t)(nl - p) : strlen(p);
		if (first >= 3 && !strncmp(p + first - 3, "{};", 3)) {
			*len = first;
			return p;
		}
		for (const char *q = nl ? nl + 1 : NULL; q && *q;
		     q = strchr(q, '\n') ? strchr(q, '\n') + 1 : NULL) {
			if (q[0] == '}') { /* "};" or "} __attribute__((packed));" */
				const char *qe = strchr(q, '\n');
				*len = (size_t)((qe ? qe : q + strlen(q)) - p);
				return p;
			}
		}
		return NULL;
	}
	return NULL;
}

int btf_types_list(struct host *h, FILE *out, const char *kind, const char *glob, bool definitions)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	uint32_t count = btf__type_cnt(btf);
	struct named_type *types = calloc(count, sizeof(*types));
	if (!types)
		return -ENOMEM;
	size_t n = 0;
	for (uint32_t id = 1; id < count; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *name = t ? btf__name_by_offset(btf, t->name_off) : NULL;
		if (name && *name && kind_matches(t, kind) && !fnmatch(glob, name, 0))
			types[n++] = (struct named_type){name, id};
	}
	qsort(types, n, sizeof(*types), cmp_named_types);
	/* a name BTF has twice (two definitions) is listed once, the first */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (!kept || strcmp(types[kept - 1].name, types[i].name))
			types[kept++] = types[i];
	n = kept;
	int rc = (int)n;
	if (!definitions) {
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%s %s\n", kind, types[i].name);
	} else if (n) {
		/* One dump for all: btf_dump writes each type once, a type
		 * needed by an earlier one in full before it, so every
		 * definition asked for is somewhere in the text. */
		char *text = NULL;
		size_t size = 0;
		FILE *mem = open_memstream(&text, &size);
		struct btf_dump *d = mem ? btf_dump__new(btf, dump_to_stream, mem, NULL) : NULL;
		for (size_t i = 0; d && i < n; i++)
			btf_dump__dump_type(d, types[i].id);
		btf_dump__free(d);
		if (mem)
			fclose(mem);
		if (!d || !text) {
			rc = -ENOMEM;
		} else {
			for (size_t i = 0; i < n; i++) {
				size_t len;
				const char *def = find_definition(text, kind, types[i].name, &len);
				if (def)
					fprintf(out, "%.*s\n\n", (int)len, def);
				else
					fprintf(out, "%s %s;\n\n", kind, types[i].name);
			}
		}
		free(text);
	}
	free(types);
	return rc;
}

bool btf_has_user_tags(struct host *h)
{
	if (h->btf_user_tags)
		return h->btf_user_tags > 0;
	struct btf *btf = btf_vmlinux(h);
	h->btf_user_tags = -1;
	uint32_t n = btf ? btf__type_cnt(btf) : 0;
	for (uint32_t id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		if (btf_kind(t) == BTF_KIND_TYPE_TAG &&
		    !strcmp(btf__name_by_offset(btf, t->name_off), "user")) {
			h->btf_user_tags = 1;
			break;
		}
	}
	return h->btf_user_tags > 0;
}

/* The kernel's BTF lists its per-CPU variables (pahole encodes those by
 * default) as VARs of the DATASEC ".data..percpu"; a kernel built to
 * encode all globals has VARs of other sections too, which the per-CPU
 * helpers refuse. */
int btf_percpu_var(struct host *h, const char *name, uint32_t *var_id)
{
	struct btf *btf = btf_vmlinux(h);
	if (!btf)
		return -ENODATA;
	int id = btf__find_by_name_kind(btf, name, BTF_KIND_VAR);
	if (id <= 0)
		return -ENOENT;
	int sec = btf__find_by_name_kind(btf, ".data..percpu", BTF_KIND_DATASEC);
	if (sec > 0) {
		const struct btf_type *ds = btf__type_by_id(btf, (uint32_t)sec);
		const struct btf_var_secinfo *v = btf_var_secinfos(ds);
		for (int i = 0; i < btf_vlen(ds); i++)
			if (v[i].type == (uint32_t)id) {
				*var_id = (uint32_t)id;
				return 0;
			}
	}
	return -EINVAL;
}
