/*
 * test_types.c - unit tests for types.c: the singletons' layout, C-like
 * tuple layout, the names diagnostics print, structural equality and the
 * deep copy used to build the manifest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "front/types.h"

static void test_ints(void **state)
{
	assert_ptr_equal(type_int(true, 8), &type_s64);
	assert_ptr_equal(type_int(false, 1), &type_u8);
	assert_ptr_equal(type_int(true, 2), &type_s16);
	assert_ptr_equal(type_int(false, 4), &type_u32);
	assert_int_equal(type_s32.size, 4);
	assert_int_equal(type_s32.align, 4);
	assert_true(type_s32.is_signed);
	assert_false(type_u64.is_signed);
}

static void test_names(void **state)
{
	struct arena a;
	arena_init(&a);
	assert_string_equal(type_name(&a, &type_u64), "uint64");
	assert_string_equal(type_name(&a, &type_s32), "int32");
	assert_string_equal(type_name(&a, type_str(&a, 64)), "string[64]");
	assert_string_equal(type_name(&a, &type_inet), "inet");
	assert_string_equal(type_name(&a, &type_kstack), "kstack");
	struct type *el[] = {&type_u64, type_str(&a, 16)};
	assert_string_equal(type_name(&a, type_tuple(&a, el, 2)), "(uint64, string[16])");
	struct type *rec = arena_alloc(&a, sizeof(*rec));
	rec->kind = TYPE_RECORD;
	rec->name = "task_struct";
	assert_string_equal(type_name(&a, type_ptr(&a, rec)), "struct task_struct *");
	rec->name = "struct sk_buff";
	assert_string_equal(type_name(&a, type_ptr(&a, rec)), "struct sk_buff *");
	assert_string_equal(type_name(&a, type_array(&a, &type_s32, 4)), "int32[4]");
	assert_string_equal(type_name(&a, type_ptr(&a, &type_void)), "void *");
	arena_fini(&a);
}

static void test_tuple_layout(void **state)
{
	struct arena a;
	arena_init(&a);
	/* (uint8, uint64, string[3], int32): C struct rules */
	struct type *el[] = {&type_u8, &type_u64, type_str(&a, 3), &type_s32};
	struct type *t = type_tuple(&a, el, 4);
	assert_int_equal(t->fields[0].offset, 0);
	assert_int_equal(t->fields[1].offset, 8);
	assert_int_equal(t->fields[2].offset, 16);
	assert_int_equal(t->fields[3].offset, 20);
	assert_int_equal(t->size, 24);
	assert_int_equal(t->align, 8);
	struct type *small[] = {&type_u8, type_str(&a, 2)};
	struct type *s = type_tuple(&a, small, 2);
	assert_int_equal(s->size, 3);
	assert_int_equal(s->align, 1);
	arena_fini(&a);
}

/* Which element of one tuple fills element i of another: records by
 * name, in any order; plain tuples by position; none across the two. */
static void test_tuple_field_match(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a);
	struct type *el[] = {&type_s64, type_str(&a, 4), &type_u8};
	struct type *abc = type_tuple(&a, el, 3), *cab = type_tuple(&a, el, 3);
	abc->fields[0].name = "a", abc->fields[1].name = "b", abc->fields[2].name = "c";
	cab->fields[0].name = "c", cab->fields[1].name = "a", cab->fields[2].name = "b";
	assert_int_equal(tuple_field_match(abc, cab, 0), 1);
	assert_int_equal(tuple_field_match(abc, cab, 1), 2);
	assert_int_equal(tuple_field_match(abc, cab, 2), 0);
	assert_int_equal(tuple_field_match(abc, abc, 1), 1);
	struct type *plain = type_tuple(&a, el, 3);
	assert_int_equal(tuple_field_match(plain, plain, 2), 2);
	assert_int_equal(tuple_field_match(plain, abc, 0), -1);
	assert_int_equal(tuple_field_match(abc, plain, 0), -1);
	struct type *abd = type_tuple(&a, el, 3);
	abd->fields[0].name = "a", abd->fields[1].name = "b", abd->fields[2].name = "d";
	assert_int_equal(tuple_field_match(abc, abd, 2), -1);
	arena_fini(&a);
}

static void test_equal_and_clone(void **state)
{
	struct arena a, b;
	arena_init(&a);
	arena_init(&b);
	struct type *inner[] = {&type_s64, type_str(&a, 8)};
	struct type *el[] = {&type_u32, type_tuple(&a, inner, 2), type_ptr(&a, &type_u16)};
	struct type *t = type_tuple(&a, el, 3);
	struct type *el2[] = {&type_u32, type_tuple(&a, inner, 2), type_ptr(&a, &type_u16)};
	assert_true(type_equal(t, type_tuple(&a, el2, 3)));
	el2[0] = &type_s32;
	assert_false(type_equal(t, type_tuple(&a, el2, 3)));
	assert_false(type_equal(type_str(&a, 8), type_str(&a, 16)));
	assert_true(type_equal(type_str(&a, 8), type_str(&b, 8)));
	assert_false(type_equal(&type_ksym, &type_u64));

	struct type *c = type_clone(&b, t);
	assert_ptr_not_equal(c, t);
	assert_ptr_not_equal(c->fields, t->fields);
	assert_ptr_equal(c->fields[0].type, &type_u32); /* singletons are shared */
	assert_true(type_equal(c, t));
	assert_string_equal(type_name(&b, c), "(uint32, (int64, string[8]), uint16 *)");
	uint32_t size = t->size;
	arena_fini(&a); /* the clone must not point into `a` */
	assert_string_equal(type_name(&b, c), "(uint32, (int64, string[8]), uint16 *)");
	assert_int_equal(c->size, size);
	arena_fini(&b);
}

static void test_address_spaces(void **state)
{
	(void)state;
	/* a value that may come from either of two origins */
	assert_int_equal(space_merge(SPACE_USER, SPACE_USER), SPACE_USER);
	assert_int_equal(space_merge(SPACE_NONE, SPACE_USER), SPACE_USER);
	assert_int_equal(space_merge(SPACE_KERNEL, SPACE_NONE), SPACE_KERNEL);
	assert_int_equal(space_merge(SPACE_USER, SPACE_KERNEL), SPACE_ANY);
	assert_int_equal(space_merge(SPACE_ANY, SPACE_USER), SPACE_ANY);

	struct arena a;
	arena_init(&a);
	/* the singletons stay as they are: a space makes a copy */
	struct type *u = type_in_space(&a, &type_u64, SPACE_USER);
	assert_ptr_not_equal(u, &type_u64);
	assert_int_equal(type_u64.space, SPACE_NONE);
	assert_int_equal(u->space, SPACE_USER);
	assert_ptr_equal(type_in_space(&a, u, SPACE_USER), u);
	assert_ptr_equal(type_in_space(&a, &type_u64, SPACE_NONE), &type_u64);
	/* the space is not part of the layout */
	assert_true(type_equal(u, &type_u64));
	struct type *p = type_ptr(&a, &type_s32);
	struct type *pu = type_in_space(&a, p, SPACE_USER);
	assert_true(type_equal(p, pu));
	assert_ptr_equal(pu->elem, &type_s32);
	assert_string_equal(type_name(&a, pu), "int32 *");
	/* and survives the copy into a manifest */
	assert_int_equal(type_clone(&a, pu)->space, SPACE_USER);
	arena_fini(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ints),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_tuple_layout),
	    cmocka_unit_test(test_tuple_field_match),
	    cmocka_unit_test(test_equal_and_clone),
	    cmocka_unit_test(test_address_spaces),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
