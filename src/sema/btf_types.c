/*
 * btf_types.c - kernel types: the language type of a value of a BTF type,
 * types named in casts and sizeof, fields of kernel records, and the
 * address space a value read from kernel or user memory lies in.
 */
#include <errno.h>
#include <string.h>

#include "front/cdecl.h"
#include "kernel/btf.h"
#include "sema/sema_internal.h"

/* The type of a context value (argN, args.NAME, retval) at one more
 * attach point of the block: in the space its provider gives it there,
 * merged with the space the earlier attach points gave (`prev`). */
struct type *ctx_value_type(struct sema *s, struct type *prev,
			    const struct ctx_access *acc)
{
	enum addr_space space = (enum addr_space)acc->space;
	if (prev)
		space = space_merge((enum addr_space)prev->space, space);
	return type_in_space(s->a, acc->type, space);
}

/* The type of a value read from memory in `space` (through p->f, p[i],
 * *p). A record or array found there lies in it. A pointer or address
 * found in user memory points to user memory. In kernel memory, a pointer
 * BTF tags __user points to user memory (its type says so already), an
 * untagged one to kernel memory where BTF has such tags and to either
 * where it has none (Debian's 6.1: every pointer is untagged), and an
 * integer (mm->arg_start) may hold an address of either space. */
struct type *read_in_space(struct sema *s, struct type *t, enum addr_space space)
{
	if (!t || t->space != SPACE_NONE)
		return t;
	if (space == SPACE_KERNEL &&
	    (t->kind == TYPE_INT || (t->kind == TYPE_PTR && !btf_has_user_tags(s->c->host))))
		space = SPACE_ANY;
	return type_in_space(s->a, t, space);
}

/* A struct/union from BTF; its fields are looked up in BTF when used. A
 * value of this type is the address of the record, whose fields are read
 * there; where it is stored or printed whole it is copied (record_value). */
struct type *record_type(struct sema *s, uint32_t id)
{
	struct btf_type_desc d;
	if (btf_type_describe(s->c->host, id, &d) || d.cls != BTC_RECORD)
		return NULL;
	struct type *t = arena_alloc(s->a, sizeof(*t));
	t->kind = TYPE_RECORD;
	t->size = d.size;
	t->align = 8;
	t->btf_id = (int32_t)d.id;
	t->name = arena_printf(s->a, "%s %s", d.is_union ? "union" : "struct",
			       *d.name ? d.name : "<anonymous>");
	return t;
}

/* The language type of a kernel value of BTF type `id`: integers by size
 * and sign, char arrays as strings, pointers as typed pointers, embedded
 * records as records. NULL when sonde cannot represent it. */
struct type *btf_value_type(struct sema *s, uint32_t id, int depth)
{
	struct btf_type_desc d;
	if (depth > 4 || btf_type_describe(s->c->host, id, &d))
		return NULL;
	switch (d.cls) {
	case BTC_INT:
		if (d.size == 1 || d.size == 2 || d.size == 4 || d.size == 8)
			return type_int(d.is_signed, d.size);
		return NULL;
	case BTC_PTR: {
		struct btf_type_desc e;
		struct type *to = &type_void;
		if (!btf_type_describe(s->c->host, d.elem_id, &e)) {
			if (e.cls == BTC_RECORD)
				to = record_type(s, e.id);
			else if (e.cls == BTC_INT || e.cls == BTC_PTR)
				to = btf_value_type(s, d.elem_id, depth + 1);
		}
		struct type *p = type_ptr(s->a, to ? to : &type_void);
		/* untagged pointers take the space they are read from */
		return d.user ? type_in_space(s->a, p, SPACE_USER) : p;
	}
	case BTC_ARRAY: {
		struct btf_type_desc e;
		if (!d.count || btf_type_describe(s->c->host, d.elem_id, &e))
			return NULL;
		if (e.cls == BTC_INT && e.size == 1 && e.is_char)
			return type_str(s->a, d.count);
		struct type *et = btf_value_type(s, d.elem_id, depth + 1);
		return et ? type_array(s->a, et, d.count) : NULL;
	}
	case BTC_RECORD:
		return record_type(s, d.id);
	default:
		return NULL;
	}
}

struct type *btf_lang_type(struct compilation *c, uint32_t id)
{
	struct sema s = {.c = c, .a = &c->arena, .d = c->diag};
	return btf_value_type(&s, id, 0);
}

/* The file whose DWARF the probe's types come from (its first), or NULL. */
static const char *probed_file(struct sema *s)
{
	for (size_t i = 0; i < s->naps; i++)
		if (s->aps[i].prov->named_type && s->aps[i].target)
			return s->aps[i].target;
	return NULL;
}

/* A type named in a cast or sizeof that the probed program defines (a
 * uprobe's binary's DWARF), asked of the providers of the probe's attach
 * points, each file once: 1 with *out set, 0 when none has it, -1 after
 * an error (two files that lay it out differently). */
static int program_named_type(struct sema *s, const struct typename_ref *to, struct loc loc,
			      struct type **out)
{
	*out = NULL;
	const char *found_in = NULL;
	for (size_t i = 0; i < s->naps; i++) {
		const struct attach_point *ap = &s->aps[i];
		if (!ap->prov->named_type || !ap->target)
			continue;
		bool asked = false;
		for (size_t j = 0; j < i && !asked; j++)
			asked = s->aps[j].prov->named_type && s->aps[j].target &&
				!strcmp(s->aps[j].target, ap->target);
		if (asked)
			continue;
		struct type *t;
		int rc = ap->prov->named_type(s->c, ap, to->tag, to->name, loc, &t);
		if (rc < 0)
			return -1;
		if (rc == 0)
			continue;
		if (*out && (t->kind != (*out)->kind || t->size != (*out)->size)) {
			diag_error(s->d, loc, "'%s%s%s' is laid out differently in %s and %s",
				   to->tag ? to->tag : "", to->tag ? " " : "", to->name, found_in,
				   ap->target);
			return -1;
		}
		if (!*out) {
			*out = t;
			found_in = ap->target;
		}
	}
	return *out ? 1 : 0;
}

bool program_typedef_name(struct sema *s, const char *name, struct loc loc,
			  struct typename_ref *to)
{
	*to = (struct typename_ref){.name = name, .array_len = -1};
	struct type *t;
	return program_named_type(s, to, loc, &t) > 0;
}

/* A type as written in a cast or sizeof, looked up in the script's own
 * definitions, sonde's integer names, the probed program's DWARF and the
 * kernel's BTF, in that order; NULL after an error. */
struct type *named_type(struct sema *s, const struct typename_ref *to, struct loc loc)
{
	static const struct {
		const char *name;
		bool is_signed;
		uint32_t size;
	} ints[] = {
		{"int8", 1, 1},	  {"int16", 1, 2}, {"int32", 1, 4},  {"int64", 1, 8},
		{"uint8", 0, 1},  {"uint16", 0, 2}, {"uint32", 0, 4}, {"uint64", 0, 8},
		{"s8", 1, 1},	  {"s16", 1, 2},   {"s32", 1, 4},    {"s64", 1, 8},
		{"u8", 0, 1},	  {"u16", 0, 2},   {"u32", 0, 4},    {"u64", 0, 8},
		{"int8_t", 1, 1},  {"int16_t", 1, 2},  {"int32_t", 1, 4},  {"int64_t", 1, 8},
		{"uint8_t", 0, 1}, {"uint16_t", 0, 2}, {"uint32_t", 0, 4}, {"uint64_t", 0, 8},
	};
	struct type *base = cdefs_named_type(s, to); /* the script's own first */
	if (!base && !to->tag) {
		for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]) && !base; i++)
			if (!strcmp(ints[i].name, to->name))
				base = type_int(ints[i].is_signed, ints[i].size);
	}
	if (!base) {
		int rc = program_named_type(s, to, loc, &base);
		if (rc < 0)
			return NULL;
	}
	if (base) {
		/* defined by the script, or by the traced program */
	} else if (to->tag && strcmp(to->tag, "enum")) {
		int id = btf_find_record(s->c->host, to->name, !strcmp(to->tag, "union"));
		if (id == -ENODATA) {
			diag_error(s->d, loc, "'%s %s' needs kernel BTF, which is not available",
				   to->tag, to->name);
			return NULL;
		}
		if (id < 0) {
			const char *bin = probed_file(s);
			if (bin)
				diag_error(s->d, loc, "neither the DWARF of %s nor the kernel has a type '%s %s'",
					   bin, to->tag, to->name);
			else
				diag_error(s->d, loc, "the kernel has no type '%s %s'", to->tag, to->name);
			return NULL;
		}
		base = record_type(s, (uint32_t)id);
	} else if (!base) {
		int id = btf_find_named(s->c->host, to->name);
		if (id > 0)
			base = btf_value_type(s, (uint32_t)id, 0);
		if (!base) {
			const char *bin = probed_file(s);
			if (bin && !to->tag) {
				diag_error(s->d, loc,
					   "neither the DWARF of %s nor the kernel has a type '%s'", bin,
					   to->name);
				struct typename_ref tagged = *to;
				tagged.tag = "struct";
				tagged.pointer_depth = 0;
				tagged.array_len = -1;
				struct type *rec;
				if (program_named_type(s, &tagged, loc, &rec) > 0 ||
				    btf_find_record(s->c->host, to->name, false) > 0)
					diag_note(s->d, (struct loc){0}, "did you mean 'struct %s'?",
						  to->name);
			} else
				diag_error(s->d, loc, "unknown type '%s%s%s'", to->tag ? to->tag : "",
					   to->tag ? " " : "", to->name);
			return NULL;
		}
	}
	for (int i = 0; i < to->pointer_depth; i++)
		base = type_ptr(s->a, base);
	if (to->array_len >= 0)
		base = type_array(s->a, base, (uint32_t)to->array_len);
	return base;
}

/* Whether `t` is laid out as this kernel's BTF says: a kernel record, or
 * an array of them (a pointer is 8 bytes everywhere). */
bool has_kernel_layout(const struct type *t)
{
	while (t && t->kind == TYPE_ARRAY)
		t = t->elem;
	return t && t->kind == TYPE_RECORD && t->btf_id && !cdecl_is_script_record(t);
}

/* p->name / rec.name on kernel memory: the member's type from BTF. */
struct type *check_kernel_field(struct sema *s, struct node *n, struct type *bt)
{
	struct type *own = cdefs_shadow(s, bt);
	if (own) {
		n->u.field.base->type = own; /* codegen reads the script's layout */
		bt = own;
	}
	struct type *rec = bt->kind == TYPE_PTR ? bt->elem : bt;
	if (cdecl_is_script_record(rec))
		return check_script_field(s, n, bt);
	if (!rec || rec->kind != TYPE_RECORD || !rec->btf_id) {
		diag_error(s->d, n->loc, "cannot access field '%s' of a value of type %s",
			   n->u.field.name, type_name(s->a, bt));
		return NULL;
	}
	uint32_t off, tid, bits, bit_off;
	if (btf_find_member(s->c->host, (uint32_t)rec->btf_id, n->u.field.name, &off, &tid, &bits,
			    &bit_off)) {
		diag_error(s->d, n->u.field.name_loc, "%s has no field '%s'",
			   type_name(s->a, rec), n->u.field.name);
		const char *names[512];
		int nn = btf_member_names(s->c->host, (uint32_t)rec->btf_id, names, 512);
		const char *near = diag_closest(n->u.field.name, names, nn);
		if (near)
			diag_note(s->d, (struct loc){0}, "did you mean '%s'?", near);
		return NULL;
	}
	struct type *t = btf_value_type(s, tid, 0);
	if (t && bits && (t->kind != TYPE_INT || bit_off % 8 + bits > 64))
		t = NULL;
	if (t && rec->by_value && bt->kind == TYPE_RECORD) {
		compilation_bind_kernel(s->c, n->loc,
					arena_printf(s->a, "a member %s of a copy of a whole %s",
						     n->u.field.name, type_name(s->a, rec)));
		/* a member of a copy is a copy; a kernel record's pointers and
		 * addresses still point where they did */
		return read_in_space(s, record_value(s, t), SPACE_KERNEL);
	}
	if (!t) {
		diag_error(s->d, n->u.field.name_loc,
			   "field '%s' of %s has a type sonde cannot read yet", n->u.field.name,
			   type_name(s->a, rec));
		return NULL;
	}
	/* the record lies where the pointer points (or where it lies itself) */
	return read_in_space(s, t, (enum addr_space)bt->space);
}

/* The type a value of kernel type `t` takes when its bytes are copied
 * into BPF memory: records become by-value records with their members
 * laid out from BTF (nested records and arrays of records too); other
 * types stay. NULL when a member has a type sonde cannot read. */
static struct type *copied_type(struct sema *s, struct type *t, int depth);

/* A new zeroed field at the end of v->fields, which has room for *cap and
 * doubles when full. */
static struct type_field *push_field(struct sema *s, struct type *v, uint32_t *cap)
{
	if (v->nfields == *cap) {
		struct type_field *more = arena_alloc(s->a, 2 * *cap * sizeof(*more));
		memcpy(more, v->fields, *cap * sizeof(*more));
		v->fields = more;
		*cap *= 2;
	}
	return &v->fields[v->nfields++];
}

/* Adds the members of record `id`, `base_bits` into the copy, to
 * v->fields (of *cap entries, grown as needed): an anonymous struct or
 * union adds its own members, as C names them (and bpftrace prints
 * them). False when one cannot be read. */
static bool add_members(struct sema *s, struct type *v, uint32_t *cap, uint32_t id,
			uint32_t base_bits, int depth)
{
	if (depth > 8)
		return false;
	int nm = btf_record_members(s->c->host, id, NULL, 0);
	if (nm < 0)
		return false;
	struct btf_member_desc *ms = arena_alloc(s->a, (size_t)(nm ? nm : 1) * sizeof(*ms));
	btf_record_members(s->c->host, id, ms, nm);
	for (int i = 0; i < nm; i++) {
		uint32_t bits = base_bits + ms[i].bit_off;
		struct btf_type_desc d;
		if (!*ms[i].name && !btf_type_describe(s->c->host, ms[i].type_id, &d) &&
		    d.cls == BTC_RECORD) {
			if (!add_members(s, v, cap, d.id, bits, depth + 1))
				return false;
			continue;
		}
		struct type *mt = btf_value_type(s, ms[i].type_id, 0);
		if (mt)
			mt = copied_type(s, mt, depth + 1);
		if (!mt || (ms[i].bit_size && mt->kind != TYPE_INT))
			return false;
		struct type_field *f = push_field(s, v, cap);
		f->name = ms[i].name;
		f->type = mt;
		f->offset = bits / 8;
		if (ms[i].bit_size) {
			f->bit_shift = (uint8_t)(bits % 8);
			f->bit_size = (uint8_t)ms[i].bit_size;
		}
	}
	return true;
}

/* A by-value copy of record `rec` whose members are still to be added
 * (push_field), with room for `cap` of them. */
static struct type *by_value_shell(struct sema *s, const struct type *rec, uint32_t cap)
{
	struct type *v = arena_alloc(s->a, sizeof(*v));
	*v = *rec;
	v->space = SPACE_NONE;
	v->by_value = true;
	v->fields = arena_alloc(s->a, cap * sizeof(*v->fields));
	v->nfields = 0;
	return v;
}

static struct type *record_value_type(struct sema *s, struct type *rec, int depth)
{
	uint32_t cap = 8;
	struct type *v = by_value_shell(s, rec, cap);
	if (!add_members(s, v, &cap, (uint32_t)rec->btf_id, 0, depth))
		return NULL;
	/* the copy's members lie where this kernel has them (no loc here:
	 * reject_record and check_kernel_field name the line first) */
	compilation_bind_kernel(s->c, (struct loc){0},
				arena_printf(s->a, "a copy of a whole %s", type_name(s->a, rec)));
	return v;
}

/* Adds the members of script record `rec`, `base` bytes into the copy,
 * to v->fields as add_members does for BTF records. */
static bool add_script_members(struct sema *s, struct type *v, uint32_t *cap,
			       const struct type *rec, uint32_t base, int depth)
{
	if (depth > 8)
		return false;
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct type_field *m = &rec->fields[i];
		if (!m->name && m->type->kind == TYPE_RECORD) {
			if (!add_script_members(s, v, cap, m->type, base + m->offset, depth + 1))
				return false;
			continue;
		}
		if (!m->name || m->type->kind == TYPE_VOID)
			return false;
		struct type *mt = copied_type(s, m->type, depth + 1);
		if (!mt)
			return false;
		struct type_field *f = push_field(s, v, cap);
		*f = *m;
		f->type = mt;
		f->offset = base + m->offset;
	}
	return true;
}

static struct type *copied_type(struct sema *s, struct type *t, int depth)
{
	if (t->kind == TYPE_RECORD && !t->by_value && !t->btf_id) {
		if (!t->size) /* declared, never defined */
			return NULL;
		uint32_t cap = 8;
		struct type *v = by_value_shell(s, t, cap);
		return add_script_members(s, v, &cap, t, 0, depth) ? v : NULL;
	}
	if (t->kind == TYPE_RECORD && !t->by_value)
		return record_value_type(s, t, depth);
	if (t->kind == TYPE_ARRAY) {
		struct type *e = copied_type(s, t->elem, depth);
		if (e == t->elem)
			return t;
		return e ? type_array(s->a, e, t->count) : NULL;
	}
	return t;
}

/* A record read whole (print, a variable, a map key or value): the
 * by-value record its bytes make. NULL when it cannot be copied. */
struct type *record_value(struct sema *s, struct type *t)
{
	return copied_type(s, t, 0);
}

/* Member `name` of a script record (in anonymous members too), with the
 * offset of the record holding it added to *off. */
static const struct type_field *script_member(const struct type *rec, const char *name,
					      uint64_t *off)
{
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct type_field *f = &rec->fields[i];
		if (f->name && !strcmp(f->name, name))
			return f;
		uint64_t inner = *off + f->offset;
		const struct type_field *in =
		    !f->name && f->type->kind == TYPE_RECORD ? script_member(f->type, name, &inner)
							     : NULL;
		if (in) {
			*off = inner;
			return in;
		}
	}
	return NULL;
}

/* A record offsetof() walks through: one of the script's C definitions (or
 * a system header's), whose members are in `fields`, or a BTF record. */
struct offsetof_record {
	struct type *script; /* NULL: the BTF record `id` */
	uint32_t id;
	const char *name; /* as errors show it */
};

/* Member `name` of `r`: its offset added to *off and its bit size; *inner
 * is the member's own record, with inner->name NULL when it is not one. */
static bool offsetof_member(struct sema *s, const struct offsetof_record *r, const char *name,
			    uint64_t *off, uint32_t *bits, struct offsetof_record *inner)
{
	*inner = (struct offsetof_record){0};
	if (r->script) {
		uint64_t at = 0;
		const struct type_field *f = script_member(r->script, name, &at);
		if (!f)
			return false;
		*off += at + f->offset;
		*bits = f->bit_size;
		if (f->type->kind == TYPE_RECORD)
			*inner = (struct offsetof_record){f->type, 0, type_name(s->a, f->type)};
		return true;
	}
	uint32_t moff, tid, bit_off;
	struct btf_type_desc d;
	if (btf_find_member(s->c->host, r->id, name, &moff, &tid, bits, &bit_off))
		return false;
	*off += moff;
	if (!btf_type_describe(s->c->host, tid, &d) && d.cls == BTC_RECORD)
		*inner = (struct offsetof_record){
		    NULL, d.id,
		    arena_printf(s->a, "%s %s", d.is_union ? "union" : "struct",
				 *d.name ? d.name : "<anonymous>")};
	return true;
}

/* offsetof(t, a.b): the byte offset of member path `path` in record `t`,
 * through nested records (anonymous ones included, as in C). */
bool member_offset(struct sema *s, struct type *t, const char *path, struct loc loc,
		   uint64_t *out)
{
	struct offsetof_record r;
	if (t && cdecl_is_script_record(t) && t->size)
		r = (struct offsetof_record){t, 0, type_name(s->a, t)};
	else if (t && t->kind == TYPE_RECORD && t->btf_id)
		r = (struct offsetof_record){NULL, (uint32_t)t->btf_id, type_name(s->a, t)};
	else {
		diag_error(s->d, loc, "offsetof() needs a struct, not %s", type_name(s->a, t));
		return false;
	}
	*out = 0;
	for (const char *p = path; *p;) {
		const char *dot = strchr(p, '.');
		const char *name = dot ? arena_printf(s->a, "%.*s", (int)(dot - p), p) : p;
		uint32_t bits;
		struct offsetof_record inner;
		if (!offsetof_member(s, &r, name, out, &bits, &inner)) {
			diag_error(s->d, loc, "%s has no field '%s'", r.name, name);
			return false;
		}
		if (bits) {
			diag_error(s->d, loc,
				   "field '%s' of %s is a bitfield, which has no offset in bytes", name,
				   r.name);
			return false;
		}
		if (!dot)
			return true;
		if (!inner.name) {
			diag_error(s->d, loc, "field '%s' of %s is not a struct", name, r.name);
			return false;
		}
		r = inner;
		p = dot + 1;
	}
	return true;
}

/* The type of `n` as bpftrace sizes it (sizeof): a variable's first
 * value's, a tuple's laid out from its elements' own types (sonde widens
 * integers where they are stored, bpftrace does not). `n` is checked. */
struct type *natural_type(struct sema *s, struct node *n)
{
	if (n->kind == N_VAR && n->u.var.info && n->u.var.info->natural)
		return n->u.var.info->natural;
	if (n->kind == N_TUPLE) {
		uint32_t count = 0;
		for (struct node *e = n->u.tuple.elems; e; e = e->next)
			count++;
		struct type **elems = arena_alloc(s->a, (count ? count : 1) * sizeof(*elems));
		uint32_t i = 0;
		for (struct node *e = n->u.tuple.elems; e; e = e->next)
			elems[i++] = natural_type(s, e);
		return type_tuple(s->a, elems, count);
	}
	return n->type;
}

/* The first member of script or DWARF record `t` (or of a record inside
 * it) that has no type sonde reads: a float, a DWARF bitfield of no integer type. */
static const struct type_field *unreadable_member(const struct type *t, int depth)
{
	while (t && t->kind == TYPE_ARRAY)
		t = t->elem;
	if (!t || t->kind != TYPE_RECORD || t->btf_id || depth > 8)
		return NULL;
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		if (f->name && f->type->kind == TYPE_VOID)
			return f;
		const struct type_field *inner = unreadable_member(f->type, depth + 1);
		if (inner)
			return inner;
	}
	return NULL;
}

/* Records are copied whole where they are stored or printed; this
 * rejects one that cannot be (a member sonde cannot read), or an array
 * of them. */
bool reject_record(struct sema *s, struct node *n, struct type *t)
{
	if (!t || (t->kind != TYPE_RECORD && t->kind != TYPE_ARRAY))
		return false;
	if (!t->size) { /* a map or output record cannot hold nothing */
		diag_error(s->d, n->loc, "a whole %s has no bytes to store or print",
			   type_name(s->a, t));
		return true;
	}
	if (record_value(s, t)) {
		if (has_kernel_layout(t))
			compilation_bind_kernel(
			    s->c, n->loc, arena_printf(s->a, "a copy of a whole %s", type_name(s->a, t)));
		return false;
	}
	const struct type_field *bad = unreadable_member(t, 0);
	if (bad) {
		diag_error(s->d, n->loc,
			   "a whole %s cannot be stored or printed: its member '%s' has type %s, "
			   "which sonde cannot read; use its other fields",
			   type_name(s->a, t), bad->name, bad->type->name ? bad->type->name : "void");
		return true;
	}
	diag_error(s->d, n->loc,
		   "a whole %s cannot be stored or printed (a member has a type sonde cannot "
		   "read); use its fields",
		   type_name(s->a, t));
	return true;
}
