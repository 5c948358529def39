/*
 * test_cdecl.c - unit tests for front/cdecl.c, the C declaration grammar
 * of scripts: x86-64 layout of structs, unions, nested and anonymous
 * members, arrays and pointers; typedefs, enums and #define constants;
 * names resolved through the resolver; the extent the lexer cuts; and
 * located errors.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "diag_capture.h"

#include "compile_helper.h"
#include "front/cdecl.h"

struct fixture {
	struct diag_capture dc;
	struct cdecl_table *t;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	diag_capture_init(&f->dc);
	f->t = cdecl_table_new(&f->dc.a);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	diag_capture_fini(&f->dc);
	free(f);
	return 0;
}

static int parse(struct fixture *f, const char *text, const struct cdecl_resolver *r)
{
	int file = diag_add_source(&f->dc.d, "t.bt", text, strlen(text));
	struct loc at = {file, 1, 1, 1, 1};
	return cdecl_parse(f->t, &f->dc.d, text, strlen(text), at, r);
}

static const char *errors(struct fixture *f)
{
	return diag_capture_text(&f->dc);
}

static uint32_t offset_of(const struct type *rec, const char *name)
{
	uint32_t off = 0;
	assert_int_equal(cdecl_find_member(rec, name, &off, NULL), 0);
	return off;
}

static void test_struct_layout(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
	    parse(f, "struct s { char c; long l; short s[3]; int *p; char tail; }", NULL), 0);
	struct type *s = cdecl_find_tag(f->t, "struct", "s");
	assert_non_null(s);
	assert_int_equal(s->kind, TYPE_RECORD);
	assert_true(cdecl_is_script_record(s));
	assert_int_equal(offset_of(s, "c"), 0);
	assert_int_equal(offset_of(s, "l"), 8);
	assert_int_equal(offset_of(s, "s"), 16);
	assert_int_equal(offset_of(s, "p"), 24);
	assert_int_equal(offset_of(s, "tail"), 32);
	assert_int_equal(s->size, 40);
	assert_int_equal(s->align, 8);
	struct type *ft;
	uint32_t off;
	assert_int_equal(cdecl_find_member(s, "s", &off, &ft), 0);
	assert_int_equal(ft->kind, TYPE_ARRAY);
	assert_int_equal(ft->count, 3);
	assert_int_equal(ft->size, 6);
	assert_int_equal(cdecl_find_member(s, "p", &off, &ft), 0);
	assert_int_equal(ft->kind, TYPE_PTR);
	assert_int_equal(ft->elem->size, 4);
	assert_int_equal(cdecl_find_member(s, "nope", &off, &ft), -1);
}

/* bitfields where gcc puts them on x86-64: packed from bit 0, moved to
 * the next unit of their type only when they would cross one */
static void test_bitfield_layout(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f,
	                       "struct b { unsigned a : 3, b : 5; int neg : 4; unsigned : 0; "
	                       "unsigned char c : 7; unsigned char d : 2; "
	                       "unsigned long long wide : 40; unsigned short tail; }",
	                       NULL),
	                 0);
	struct type *b = cdecl_find_tag(f->t, "struct", "b");
	assert_non_null(b);
	static const struct {
		const char *name;
		uint32_t offset, shift, size;
	} want[] = {{"a", 0, 0, 3}, {"b", 0, 3, 5},     {"neg", 1, 0, 4},  {"c", 4, 0, 7},
	            {"d", 5, 0, 2}, {"wide", 8, 0, 40}, {"tail", 14, 0, 0}};
	assert_int_equal(b->nfields, 7);
	for (uint32_t i = 0; i < 7; i++) {
		assert_string_equal(b->fields[i].name, want[i].name);
		assert_int_equal(b->fields[i].offset, want[i].offset);
		assert_int_equal(b->fields[i].bit_shift, want[i].shift);
		assert_int_equal(b->fields[i].bit_size, want[i].size);
	}
	assert_int_equal(b->size, 16);
	assert_int_equal(b->align, 8);
	assert_int_equal(parse(f, "struct c { char a; int b : 3; }", NULL), 0);
	struct type *c = cdecl_find_tag(f->t, "struct", "c");
	assert_int_equal(c->fields[1].offset, 1);
	assert_int_equal(c->size, 4);
	assert_int_equal(parse(f, "union u { int a : 3; long c : 33; }", NULL), 0);
	struct type *u = cdecl_find_tag(f->t, "union", "u");
	assert_int_equal(u->size, 8);
	assert_int_equal(u->fields[1].offset, 0);
}

static void test_union_nested_anonymous(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f,
	                       "struct o { int id; union { short s; long w; }; struct in { char a; "
	                       "int b; } in; char name[5]; unsigned char last; };",
	                       NULL),
	                 0);
	struct type *o = cdecl_find_tag(f->t, "struct", "o");
	assert_non_null(o);
	assert_int_equal(offset_of(o, "s"), 8);
	assert_int_equal(offset_of(o, "w"), 8);
	assert_int_equal(offset_of(o, "in"), 16);
	assert_int_equal(offset_of(o, "name"), 24);
	assert_int_equal(offset_of(o, "last"), 29);
	assert_int_equal(o->size, 32);
	struct type *in = cdecl_find_tag(f->t, "struct", "in");
	assert_non_null(in); /* defined inside o, visible outside as in C */
	assert_int_equal(in->size, 8);
	struct type *name;
	uint32_t off;
	assert_int_equal(cdecl_find_member(o, "name", &off, &name), 0);
	assert_int_equal(name->kind, TYPE_STR); /* char arrays are strings */
	assert_int_equal(name->size, 5);
}

static void test_typedef_enum_define(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
	    parse(f, "typedef struct { unsigned char a; unsigned int b; } pair_t;", NULL), 0);
	struct type *p = cdecl_find_typedef(f->t, "pair_t");
	assert_non_null(p);
	assert_int_equal(p->size, 8);
	assert_int_equal(parse(f, "enum e { A, B = 5, C, D = C << 2 };", NULL), 0);
	struct cdecl_const v;
	assert_true(cdecl_find_const(f->t, "C", &v));
	assert_int_equal(v.value, 6);
	assert_true(cdecl_find_const(f->t, "D", &v));
	assert_int_equal(v.value, 24);
	const char *def = "#define BITS (D + 1) * 2";
	struct loc at = {0, 1, 1, 1, 1};
	assert_int_equal(cdecl_define(f->t, &f->dc.d, def, strlen(def), at), 0);
	assert_true(cdecl_find_const(f->t, "BITS", &v));
	assert_int_equal(v.value, 50);
	const char *str = "#define NAME \"ab\" \"cd\"";
	assert_int_equal(cdecl_define(f->t, &f->dc.d, str, strlen(str), at), 0);
	assert_true(cdecl_find_const(f->t, "NAME", &v));
	assert_true(v.is_str);
	assert_string_equal(v.str, "abcd");
	assert_int_equal(parse(f, "typedef unsigned long word_t, *word_p;", NULL), 0);
	assert_int_equal(cdecl_find_typedef(f->t, "word_p")->kind, TYPE_PTR);
}

static void test_pointers_and_forward(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "struct later;", NULL), 0);
	assert_null(cdecl_find_tag(f->t, "struct", "later")); /* declared, not defined */
	assert_int_equal(parse(f,
	                       "struct node { struct node *next; struct later *l; int (*fn)(int); "
	                       "int grid[2][3]; };",
	                       NULL),
	                 0);
	struct type *n = cdecl_find_tag(f->t, "struct", "node");
	struct type *next;
	uint32_t off;
	assert_int_equal(cdecl_find_member(n, "next", &off, &next), 0);
	assert_ptr_equal(next->elem, n); /* self-reference is the same record */
	assert_int_equal(offset_of(n, "fn"), 16);
	assert_int_equal(offset_of(n, "grid"), 24);
	assert_int_equal(n->size, 48);
	struct type *grid;
	assert_int_equal(cdecl_find_member(n, "grid", &off, &grid), 0);
	assert_int_equal(grid->count, 2);
	assert_int_equal(grid->elem->count, 3);
}

static struct type resolved = {.kind = TYPE_RECORD, .size = 16, .align = 8, .btf_id = 42};

static struct type *resolve(void *arg, const char *tag, const char *name)
{
	(void)arg;
	if (tag && !strcmp(name, "kernel_thing"))
		return &resolved;
	if (!tag && !strcmp(name, "kernel_int_t"))
		return type_int(true, 2);
	return NULL;
}

static void test_resolver(void **state)
{
	struct fixture *f = *state;
	struct cdecl_resolver r = {resolve, NULL};
	assert_int_equal(
	    parse(f, "struct w { kernel_int_t k; struct kernel_thing t; char c; };", &r), 0);
	struct type *w = cdecl_find_tag(f->t, "struct", "w");
	assert_int_equal(offset_of(w, "t"), 8);
	assert_int_equal(w->size, 32);
}

static void test_extent_and_typedef_names(void **state)
{
	(void)state;
	const char *s = "struct a { int x; } BEGIN { }";
	assert_int_equal(cdecl_extent(s, strlen(s), 0), 19);
	s = "struct a { int x; }; BEGIN";
	assert_int_equal(cdecl_extent(s, strlen(s), 0), 20);
	s = "typedef struct { int x; } t_t; BEGIN";
	assert_int_equal(cdecl_extent(s, strlen(s), 0), 30);
	s = "struct fwd; BEGIN";
	assert_int_equal(cdecl_extent(s, strlen(s), 0), 11);
}

static void test_errors_located(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "struct e {\n  int a\n  int b;\n}", NULL), -1);
	assert_non_null(
	    strstr(errors(f), "t.bt:3:3: error: expected ';' after a member, found 'int'"));
	assert_int_equal(parse(f, "struct g { int x : 40; }", NULL), -1);
	assert_non_null(
	    strstr(errors(f), "t.bt:1:20: error: a bitfield of int32 has 1 to 32 bits"));
	assert_int_equal(parse(f, "struct h { nosuch_t x; }", NULL), -1);
	assert_non_null(strstr(errors(f), "t.bt:1:12: error: unknown type name 'nosuch_t'"));
	assert_int_equal(parse(f, "struct k { int a[UNDEFINED]; }", NULL), -1);
	assert_non_null(
	    strstr(errors(f), "error: 'UNDEFINED' is not an integer constant defined before"));
}

/* sema/cdefs.c: an #include of a header that is not installed stands on
 * BTF; without BTF it is an error at the header's name. */
static void test_include_without_btf(void **state)
{
	(void)state;
	const char *src = "#include <net/no_such_header.h>\nBEGIN { exit(); }";
	struct host nobtf;
	host_init(&nobtf);
	nobtf.btf_loaded = true; /* as if loading it had failed */
	nobtf.btf_err = -ENOENT;
	struct compile_run r;
	compile_run_host(&r, src, NULL, &nobtf);
	assert_string_equal(compile_diags(&r),
	                    "-e:1:10: error: the header <net/no_such_header.h> is not installed, "
	                    "and without the kernel's BTF nothing can stand in for its types\n"
	                    "    1 | #include <net/no_such_header.h>\n"
	                    "      |          ^~~~~~~~~~~~~~~~~~~~~~\n");
	compile_fini(&r);
	host_fini(&nobtf);
}

static void test_script_types_in_sema(void **state)
{
	(void)state;
	struct compile_run r;
	compile_run(&r, "struct s { char c; long v; } typedef struct s s_t;\n"
	                "BEGIN { $p = (s_t *)0; @v = $p->v; @z = sizeof(s_t); exit(); }");
	assert_string_equal(compile_diags(&r), "");
	struct map_info *v = compile_map(&r, "@v");
	assert_non_null(v);
	assert_int_equal(v->value->size, 8);
	assert_true(v->value->is_signed);
	compile_fini(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_struct_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bitfield_layout, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_union_nested_anonymous, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_typedef_enum_define, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pointers_and_forward, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resolver, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_extent_and_typedef_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_errors_located, setup, teardown),
	    cmocka_unit_test(test_include_without_btf),
	    cmocka_unit_test(test_script_types_in_sema),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
