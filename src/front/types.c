/*
 * types.c - the value types of the language: the shared singletons for
 * scalar types, constructors for the composite ones (strings, tuples,
 * pointers, arrays) with C-like layout, structural equality, the names
 * diagnostics show ("uint64", "string[64]", "(int64, string[16])") and the
 * deep copy that moves a type from the compiler's arena into a program's
 * manifest. Singletons are immutable and live for the whole process, so a
 * copy may share them instead of duplicating.
 */
#include "front/types.h"

#include <string.h>

struct type type_void = {.kind = TYPE_VOID, .size = 0, .align = 1};
struct type type_bool = {.kind = TYPE_BOOL, .size = 1, .align = 1};
struct type type_cmp_bool = {.kind = TYPE_BOOL, .size = 8, .align = 8, .int_in_017 = true};
struct type type_u8 = {.kind = TYPE_INT, .size = 1, .align = 1};
struct type type_s8 = {.kind = TYPE_INT, .size = 1, .align = 1, .is_signed = true};
struct type type_u16 = {.kind = TYPE_INT, .size = 2, .align = 2};
struct type type_s16 = {.kind = TYPE_INT, .size = 2, .align = 2, .is_signed = true};
struct type type_u32 = {.kind = TYPE_INT, .size = 4, .align = 4};
struct type type_s32 = {.kind = TYPE_INT, .size = 4, .align = 4, .is_signed = true};
struct type type_u64 = {.kind = TYPE_INT, .size = 8, .align = 8};
struct type type_s64 = {.kind = TYPE_INT, .size = 8, .align = 8, .is_signed = true};
/* A stack id; the user stack also carries the pid whose maps resolve it. */
struct type type_kstack = {.kind = TYPE_KSTACK, .size = 8, .align = 8};
struct type type_ustack = {.kind = TYPE_USTACK, .size = 16, .align = 8};
struct type type_ksym = {.kind = TYPE_KSYM, .size = 8, .align = 8};
struct type type_usym = {.kind = TYPE_USYM, .size = 16, .align = 8};
/* u32 address family (AF_INET or AF_INET6), then 16 address bytes (an
 * IPv4 address uses the first 4) so one type holds both families. */
struct type type_inet = {.kind = TYPE_INET, .size = 20, .align = 4};
/* The key of an lpm() map, a network as BPF_MAP_TYPE_LPM_TRIE keys it: a
 * u32 prefix length in bits, then the data the prefix covers, an inet
 * value (the u32 family, then 16 address bytes). The family word is part
 * of every prefix (a /8 IPv4 network has prefix length 32 + 8), so the two
 * families never match each other. Its size tells it from type_inet. */
struct type type_inet_net = {.kind = TYPE_INET, .size = INET_NET_SIZE, .align = 4};
struct type type_username = {.kind = TYPE_NAMED, .size = 8, .align = 8, .named = NAMED_USER};
struct type type_errno_name = {.kind = TYPE_NAMED, .size = 8, .align = 8, .named = NAMED_ERRNO};
struct type type_syscall_name = {
    .kind = TYPE_NAMED, .size = 8, .align = 8, .named = NAMED_SYSCALL};

static bool is_singleton(const struct type *t)
{
	static const struct type *const all[] = {
	    &type_void,   &type_bool,   &type_u8,   &type_s8,   &type_u16,
	    &type_s16,    &type_u32,    &type_s32,  &type_u64,  &type_s64,
	    &type_kstack, &type_ustack, &type_ksym, &type_usym, &type_inet, &type_inet_net,
	    &type_username, &type_errno_name, &type_syscall_name,
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] == t)
			return true;
	return false;
}

struct type *type_int(bool is_signed, uint32_t size)
{
	switch (size) {
	case 1:
		return is_signed ? &type_s8 : &type_u8;
	case 2:
		return is_signed ? &type_s16 : &type_u16;
	case 4:
		return is_signed ? &type_s32 : &type_u32;
	default:
		return is_signed ? &type_s64 : &type_u64;
	}
}

struct type *type_str(struct arena *a, uint32_t size)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	t->kind = TYPE_STR;
	t->size = size;
	t->align = 1;
	return t;
}

struct type *type_tuple(struct arena *a, struct type **elems, uint32_t n)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	t->kind = TYPE_TUPLE;
	t->nfields = n;
	t->fields = arena_alloc(a, (n ? n : 1) * sizeof(*t->fields));
	uint32_t off = 0, align = 1;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t al = elems[i]->align ? elems[i]->align : 1;
		off = (off + al - 1) / al * al;
		t->fields[i].type = elems[i];
		t->fields[i].offset = off;
		off += elems[i]->size;
		if (al > align)
			align = al;
	}
	t->align = align;
	t->size = (off + align - 1) / align * align;
	return t;
}

bool type_is_named_tuple(const struct type *t)
{
	return t && t->kind == TYPE_TUPLE && t->nfields && t->fields[0].name;
}

void type_tuple_names(struct type *t, const struct type *from)
{
	if (!type_is_named_tuple(from) || t->nfields != from->nfields)
		return;
	for (uint32_t i = 0; i < t->nfields; i++)
		t->fields[i].name = from->fields[i].name;
}

int tuple_field_match(const struct type *to, const struct type *from, uint32_t i)
{
	const char *name = to->fields[i].name;
	if (!name)
		return i < from->nfields && !from->fields[i].name ? (int)i : -1;
	/* the same order first: the common case, and a record's own */
	if (i < from->nfields && from->fields[i].name && !strcmp(from->fields[i].name, name))
		return (int)i;
	for (uint32_t j = 0; j < from->nfields; j++)
		if (from->fields[j].name && !strcmp(from->fields[j].name, name))
			return (int)j;
	return -1;
}

struct type *type_ptr(struct arena *a, struct type *to)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	t->kind = TYPE_PTR;
	t->size = 8;
	t->align = 8;
	t->elem = to;
	return t;
}

struct type *type_array(struct arena *a, struct type *elem, uint32_t count)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	t->kind = TYPE_ARRAY;
	t->elem = elem;
	t->count = count;
	t->size = elem->size * count;
	t->align = elem->align ? elem->align : 1;
	return t;
}

enum addr_space space_merge(enum addr_space a, enum addr_space b)
{
	if (a == b || b == SPACE_NONE)
		return a;
	if (a == SPACE_NONE)
		return b;
	return SPACE_ANY;
}

struct type *type_in_space(struct arena *a, struct type *t, enum addr_space space)
{
	if (!t || t->space == space)
		return t;
	struct type *c = arena_alloc(a, sizeof(*c));
	*c = *t;
	c->space = (uint8_t)space;
	return c;
}

static bool same_name(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

bool type_equal(const struct type *a, const struct type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TYPE_INT:
		return a->size == b->size && a->is_signed == b->is_signed;
	case TYPE_STR:
	case TYPE_BUF:
		return a->size == b->size;
	case TYPE_TUPLE:
		if (a->nfields != b->nfields)
			return false;
		for (uint32_t i = 0; i < a->nfields; i++)
			if (!type_equal(a->fields[i].type, b->fields[i].type) ||
			    !same_name(a->fields[i].name, b->fields[i].name))
				return false;
		return true;
	case TYPE_PTR:
		return type_equal(a->elem, b->elem);
	case TYPE_ARRAY:
		return a->count == b->count && type_equal(a->elem, b->elem);
	case TYPE_TIMESTAMP:
		return same_name(a->name, b->name);
	case TYPE_KSTACK:
	case TYPE_USTACK:
		return type_stack_depth(a) == type_stack_depth(b) && a->stack_mode == b->stack_mode &&
		       a->dwarf == b->dwarf;
	case TYPE_RECORD:
		if (a->by_value != b->by_value)
			return false;
		if (a->btf_id && b->btf_id)
			return a->btf_id == b->btf_id;
		return a->size == b->size && same_name(a->name, b->name);
	case TYPE_VOID:
	case TYPE_INET:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_BOOL:
		return true; /* nothing but the kind to compare */
	case TYPE_NAMED:
		return a->named == b->named && same_name(a->name, b->name);
	}
	return false; /* not a kind */
}

/* "struct task_struct" whether BTF gave the name with or without a tag. */
static const char *record_name(struct arena *a, const struct type *t)
{
	if (!t->name)
		return "struct <anonymous>";
	if (!strncmp(t->name, "struct ", 7) || !strncmp(t->name, "union ", 6))
		return t->name;
	return arena_printf(a, "struct %s", t->name);
}

const char *type_name(struct arena *a, const struct type *t)
{
	if (!t)
		return "none";
	switch (t->kind) {
	case TYPE_VOID:
		return "void";
	case TYPE_BOOL:
		return "bool";
	case TYPE_INT:
		return arena_printf(a, "%sint%u", t->is_signed ? "" : "u", t->size * 8);
	case TYPE_STR:
		return arena_printf(a, "string[%u]", t->size);
	case TYPE_BUF:
		return arena_printf(a, "buffer[%u]", t->size);
	case TYPE_INET:
		return "inet";
	case TYPE_KSTACK:
	case TYPE_USTACK: {
		const char *base = t->kind == TYPE_KSTACK ? "kstack" : t->dwarf ? "dw_ustack" : "ustack";
		if (type_stack_depth(t) == STACK_MAX_DEPTH && t->stack_mode == STACK_MODE_BPFTRACE)
			return base;
		return arena_printf(a, "%s(%s, %u)", base, stack_mode_names[t->stack_mode], type_stack_depth(t));
	}
	case TYPE_KSYM:
		return "ksym";
	case TYPE_USYM:
		return "usym";
	case TYPE_RECORD:
		return record_name(a, t);
	case TYPE_TIMESTAMP:
		return "timestamp";
	case TYPE_NAMED: {
		static const char *const names[] = {"username", "strerror", "syscall_name",
		                                    "cgroup_path"};
		return names[t->named];
	}
	case TYPE_PTR:
		if (!t->elem || t->elem->kind == TYPE_VOID)
			return "void *";
		return arena_printf(a, "%s *", type_name(a, t->elem));
	case TYPE_ARRAY:
		return arena_printf(a, "%s[%u]", type_name(a, t->elem), t->count);
	case TYPE_TUPLE: {
		const char *s = "(";
		for (uint32_t i = 0; i < t->nfields; i++)
			s = arena_printf(a, "%s%s%s%s%s", s, i ? ", " : "",
			                 t->fields[i].name ? t->fields[i].name : "",
			                 t->fields[i].name ? " = " : "",
			                 type_name(a, t->fields[i].type));
		return arena_printf(a, "%s)", s);
	}
	}
	return "?";
}

struct type *type_clone(struct arena *a, const struct type *t)
{
	if (!t)
		return NULL;
	if (is_singleton(t))
		return (struct type *)t;
	struct type *c = arena_alloc(a, sizeof(*c));
	*c = *t;
	if (t->name)
		c->name = arena_strdup(a, t->name);
	if (t->elem && t->kind == TYPE_PTR && t->elem->kind == TYPE_RECORD) {
		/* what a pointer points to is not printed: its record is copied
		 * without members, which also ends the cycle of a script
		 * struct that points to itself (struct n { struct n *next; }) */
		c->elem = arena_alloc(a, sizeof(*c->elem));
		*c->elem = *t->elem;
		c->elem->name = t->elem->name ? arena_strdup(a, t->elem->name) : NULL;
		c->elem->fields = NULL;
		c->elem->nfields = 0;
	} else if (t->elem) {
		c->elem = type_clone(a, t->elem);
	}
	if (t->nfields) {
		c->fields = arena_alloc(a, t->nfields * sizeof(*c->fields));
		for (uint32_t i = 0; i < t->nfields; i++) {
			c->fields[i] = t->fields[i];
			c->fields[i].name =
			    t->fields[i].name ? arena_strdup(a, t->fields[i].name) : NULL;
			c->fields[i].type = type_clone(a, t->fields[i].type);
		}
	} else {
		c->fields = NULL;
	}
	return c;
}

const char *const stack_mode_names[STACK_MODE__COUNT] = {"bpftrace", "perf", "raw"};

struct type *type_stack(struct arena *a, bool user, enum stack_mode mode, uint32_t depth)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	*t = user ? type_ustack : type_kstack;
	t->stack_mode = (uint8_t)mode;
	t->count = depth == STACK_MAX_DEPTH ? 0 : depth;
	return t;
}
