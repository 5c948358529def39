/*
 * dwarf_types.c - language types from a user program's DWARF (see
 * dwarf_types.h).
 *
 * Records are built once per DWARF entry (a table of the entries seen), so
 * a struct that points to its own kind (a list node) ends in the same
 * record instead of recursing for ever.
 */
#include "kernel/dwarf_types.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { DWARF_TYPE_DEPTH = 16 };

struct built {
	Dwarf_Off off;
	struct type *t;
};

struct builder {
	struct arena *a;
	struct built *seen;
	size_t nseen, cap;
};

static struct type *die_type(struct builder *b, Dwarf_Die *die, int depth);
static struct type *unreadable_type(struct builder *b, Dwarf_Die *m, bool bitfield);

/* The type DW_AT_type of `die` refers to; NULL (void) when there is none. */
static struct type *attr_type(struct builder *b, Dwarf_Die *die, int depth, bool *is_void)
{
	Dwarf_Attribute attr;
	Dwarf_Die to;
	*is_void = false;
	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &to)) {
		*is_void = true;
		return NULL;
	}
	return die_type(b, &to, depth + 1);
}

static Dwarf_Word udata(Dwarf_Die *die, int name)
{
	Dwarf_Attribute attr;
	Dwarf_Word v = 0;
	if (dwarf_attr_integrate(die, name, &attr))
		dwarf_formudata(&attr, &v);
	return v;
}

static bool is_char_type(Dwarf_Die *die)
{
	Dwarf_Die peeled;
	if (dwarf_peel_type(die, &peeled) != 0 || dwarf_tag(&peeled) != DW_TAG_base_type)
		return false;
	Dwarf_Word enc = udata(&peeled, DW_AT_encoding);
	return udata(&peeled, DW_AT_byte_size) == 1 &&
	       (enc == DW_ATE_signed_char || enc == DW_ATE_unsigned_char);
}

static struct type *int_type(Dwarf_Die *die)
{
	Dwarf_Word size = udata(die, DW_AT_byte_size), enc = udata(die, DW_AT_encoding);
	if (dwarf_tag(die) == DW_TAG_enumeration_type && !enc) {
		/* an enum's sign is its underlying type's */
		Dwarf_Attribute attr;
		Dwarf_Die under, peeled;
		if (dwarf_attr_integrate(die, DW_AT_type, &attr) &&
		    dwarf_formref_die(&attr, &under) && dwarf_peel_type(&under, &peeled) == 0)
			enc = udata(&peeled, DW_AT_encoding);
	}
	if (enc == DW_ATE_float || (size != 1 && size != 2 && size != 4 && size != 8))
		return NULL;
	return type_int(enc == DW_ATE_signed || enc == DW_ATE_signed_char, (uint32_t)size);
}

struct field_list {
	struct type_field *v;
	uint32_t n, cap;
};

static void add_field(struct field_list *fl, const char *name, struct type *t, uint32_t off)
{
	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? fl->cap * 2 : 16;
		struct type_field *nv = realloc(fl->v, fl->cap * sizeof(*nv));
		if (!nv)
			sonde_out_of_memory("DWARF fields");
		fl->v = nv;
	}
	fl->v[fl->n++] = (struct type_field){.name = name, .type = t, .offset = off};
}

/* The members of record `die` at `base` bytes into the outer record;
 * those of anonymous structs and unions are found by name in the outer
 * one, as C finds them. */
static void add_members(struct builder *b, Dwarf_Die *die, uint32_t base, struct field_list *fl,
                        int depth)
{
	Dwarf_Die m;
	if (dwarf_child(die, &m) != 0)
		return;
	do {
		if (dwarf_tag(&m) != DW_TAG_member)
			continue;
		uint32_t off = base + (uint32_t)udata(&m, DW_AT_data_member_location);
		const char *name = dwarf_diename(&m);
		Dwarf_Attribute attr;
		bool bitfield = dwarf_attr_integrate(&m, DW_AT_bit_size, &attr) != NULL;
		if (!name) {
			Dwarf_Die to, peeled;
			if (dwarf_attr_integrate(&m, DW_AT_type, &attr) &&
			    dwarf_formref_die(&attr, &to) && dwarf_peel_type(&to, &peeled) == 0 &&
			    (dwarf_tag(&peeled) == DW_TAG_structure_type ||
			     dwarf_tag(&peeled) == DW_TAG_union_type))
				add_members(b, &peeled, off, fl, depth + 1);
			continue;
		}
		bool is_void;
		struct type *t = attr_type(b, &m, depth, &is_void);
		if (bitfield) {
			/* its first bit from the record's start: DWARF 4's
			 * data_bit_offset, or DWARF 2's bit_offset, counted from
			 * the top of a storage unit of byte_size bytes */
			uint64_t bits = udata(&m, DW_AT_bit_size), first;
			if (dwarf_attr_integrate(&m, DW_AT_data_bit_offset, &attr))
				first = (uint64_t)base * 8 + udata(&m, DW_AT_data_bit_offset);
			else
				first = (uint64_t)off * 8 + udata(&m, DW_AT_byte_size) * 8 -
				        udata(&m, DW_AT_bit_offset) - bits;
			if (t && t->kind == TYPE_INT && bits && first % 8 + bits <= 64) {
				add_field(fl, arena_strdup(b->a, name), t, (uint32_t)(first / 8));
				fl->v[fl->n - 1].bit_shift = (uint8_t)(first % 8);
				fl->v[fl->n - 1].bit_size = (uint8_t)bits;
				continue;
			}
			t = NULL;
		}
		if (!t)
			t = unreadable_type(b, &m, bitfield); /* listed, so the error says why */
		add_field(fl, arena_strdup(b->a, name), t, off);
	} while (dwarf_siblingof(&m, &m) == 0);
}

/* A member sonde cannot read (a float, a bitfield that is no integer, a function pointer's
 * target...): void, named as C names its type where that is a base type
 * ("double"), so the error says what it is. */
static struct type *unreadable_type(struct builder *b, Dwarf_Die *m, bool bitfield)
{
	Dwarf_Attribute attr;
	Dwarf_Die to, peeled;
	const char *name = NULL;
	if (bitfield)
		name = "a bitfield";
	else if (dwarf_attr_integrate(m, DW_AT_type, &attr) && dwarf_formref_die(&attr, &to) &&
		 dwarf_peel_type(&to, &peeled) == 0 && dwarf_tag(&peeled) == DW_TAG_base_type)
		name = dwarf_diename(&peeled);
	if (!name)
		return &type_void;
	struct type *t = arena_alloc(b->a, sizeof(*t));
	*t = type_void;
	t->name = arena_strdup(b->a, name);
	return t;
}

static struct type *record_of(struct builder *b, Dwarf_Die *die, int depth)
{
	Dwarf_Off off = dwarf_dieoffset(die);
	for (size_t i = 0; i < b->nseen; i++)
		if (b->seen[i].off == off)
			return b->seen[i].t;
	Dwarf_Attribute attr;
	if (dwarf_attr_integrate(die, DW_AT_declaration, &attr))
		return NULL; /* only declared here: its layout is not known */
	struct type *t = arena_alloc(b->a, sizeof(*t));
	t->kind = TYPE_RECORD;
	t->size = (uint32_t)udata(die, DW_AT_byte_size);
	t->align = 8;
	const char *name = dwarf_diename(die);
	t->name =
	    arena_printf(b->a, "%s %s", dwarf_tag(die) == DW_TAG_union_type ? "union" : "struct",
	                 name ? name : "<anonymous>");
	if (b->nseen == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		struct built *ns = realloc(b->seen, b->cap * sizeof(*ns));
		if (!ns)
			sonde_out_of_memory("DWARF types");
		b->seen = ns;
	}
	b->seen[b->nseen++] = (struct built){off, t};
	struct field_list fl = {0};
	add_members(b, die, 0, &fl, depth);
	if (fl.n) {
		t->fields = arena_alloc(b->a, fl.n * sizeof(*t->fields));
		memcpy(t->fields, fl.v, fl.n * sizeof(*t->fields));
		t->nfields = fl.n;
	}
	free(fl.v);
	return t;
}

static struct type *array_of(struct builder *b, Dwarf_Die *die, int depth)
{
	/* the bounds, outermost first: int m[2][3] has two subranges */
	uint32_t counts[8];
	int ndims = 0;
	Dwarf_Die s;
	if (dwarf_child(die, &s) == 0) {
		do {
			if (dwarf_tag(&s) != DW_TAG_subrange_type)
				continue;
			Dwarf_Attribute attr;
			Dwarf_Word n = 0;
			if (dwarf_attr_integrate(&s, DW_AT_count, &attr))
				dwarf_formudata(&attr, &n);
			else if (dwarf_attr_integrate(&s, DW_AT_upper_bound, &attr) &&
			         dwarf_formudata(&attr, &n) == 0)
				n++;
			if (!n || ndims == 8)
				return NULL; /* a flexible array member, or too many dimensions */
			counts[ndims++] = (uint32_t)n;
		} while (dwarf_siblingof(&s, &s) == 0);
	}
	if (!ndims)
		return NULL;
	Dwarf_Attribute attr;
	Dwarf_Die elem_die;
	if (!dwarf_attr_integrate(die, DW_AT_type, &attr) || !dwarf_formref_die(&attr, &elem_die))
		return NULL;
	struct type *t;
	int d = ndims - 1;
	if (is_char_type(&elem_die)) {
		t = type_str(b->a, counts[d--]);
	} else {
		t = die_type(b, &elem_die, depth + 1);
		if (!t)
			return NULL;
	}
	for (; d >= 0; d--)
		t = type_array(b->a, t, counts[d]);
	return t;
}

static struct type *die_type(struct builder *b, Dwarf_Die *die, int depth)
{
	Dwarf_Die peeled;
	if (depth > DWARF_TYPE_DEPTH || dwarf_peel_type(die, &peeled) != 0)
		return NULL;
	switch (dwarf_tag(&peeled)) {
	case DW_TAG_base_type:
	case DW_TAG_enumeration_type:
		return int_type(&peeled);
	case DW_TAG_pointer_type: {
		bool is_void;
		struct type *to = attr_type(b, &peeled, depth, &is_void);
		return type_ptr(b->a, to ? to : &type_void);
	}
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
		return record_of(b, &peeled, depth);
	case DW_TAG_array_type:
		return array_of(b, &peeled, depth);
	default:
		return NULL;
	}
}

/* The defining entry named `name` with one of `tags` among the top-level
 * entries of the compile units of `dw`. */
static bool find_named(Dwarf *dw, const int *tags, int ntags, const char *name, Dwarf_Die *out)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu, child;
		if (dwarf_offdie(dw, off + hsize, &cu) && dwarf_child(&cu, &child) == 0) {
			do {
				int tag = dwarf_tag(&child);
				bool wanted = false;
				for (int i = 0; i < ntags; i++)
					wanted |= tag == tags[i];
				Dwarf_Attribute a;
				const char *n = wanted ? dwarf_diename(&child) : NULL;
				if (n && !strcmp(n, name) && !dwarf_attr(&child, DW_AT_declaration, &a)) {
					*out = child;
					return true;
				}
			} while (dwarf_siblingof(&child, &child) == 0);
		}
		off = next;
	}
	return false;
}

/* Finds parameter `param` of the defining entry of `func` in `dw`. */
static bool find_param(Dwarf *dw, const char *func, const char *param, Dwarf_Die *out)
{
	static const int subprogram[] = {DW_TAG_subprogram};
	Dwarf_Die fn, p;
	if (!find_named(dw, subprogram, 1, func, &fn) || dwarf_child(&fn, &p) != 0)
		return false;
	do {
		const char *pn = dwarf_diename(&p);
		if (dwarf_tag(&p) == DW_TAG_formal_parameter && pn && !strcmp(pn, param)) {
			*out = p;
			return true;
		}
	} while (dwarf_siblingof(&p, &p) == 0);
	return false;
}

/* attr_type() of a parameter or function entry, with a builder of its
 * own: the entry is depth -1, so its type is built from the top (depth 0) */
static struct type *entry_type(struct arena *a, Dwarf_Die *die, bool *is_void)
{
	struct builder b = {.a = a};
	struct type *t = attr_type(&b, die, -1, is_void);
	free(b.seen);
	return t;
}

struct type *dwarf_param_type(struct arena *a, const char *path, const char *func,
                              const char *param)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
	struct type *t = NULL;
	Dwarf_Die p;
	bool untyped;
	if (dw && find_param(dw, func, param, &p))
		t = entry_type(a, &p, &untyped);
	if (dw)
		dwarf_end(dw);
	close(fd);
	return t;
}

int dwarf_named_type(struct arena *a, const char *path, const char *tag, const char *name,
		     struct type **out)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
	if (!dw) {
		close(fd);
		return -1;
	}
	int tags[2], ntags = 1;
	if (!tag) {
		tags[0] = DW_TAG_typedef;
	} else if (!strcmp(tag, "union")) {
		tags[0] = DW_TAG_union_type;
	} else if (!strcmp(tag, "enum")) {
		tags[0] = DW_TAG_enumeration_type;
	} else {
		tags[0] = DW_TAG_structure_type;
		tags[1] = DW_TAG_class_type;
		ntags = 2;
	}
	Dwarf_Die die;
	int rc = 0;
	if (find_named(dw, tags, ntags, name, &die)) {
		struct builder b = {.a = a};
		*out = die_type(&b, &die, 0);
		free(b.seen);
		rc = *out ? 1 : -2;
	}
	dwarf_end(dw);
	close(fd);
	return rc;
}

struct type *dwarf_return_type(struct arena *a, const char *path, const char *func,
			       bool *is_void)
{
	*is_void = false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	Dwarf *dw = dwarf_begin(fd, DWARF_C_READ);
	struct type *t = NULL;
	Dwarf_Die fn;
	int tags[] = {DW_TAG_subprogram};
	if (dw && find_named(dw, tags, 1, func, &fn))
		t = entry_type(a, &fn, is_void);
	if (dw)
		dwarf_end(dw);
	close(fd);
	return t;
}
