/*
 * test_emit_table.c - the backend's table of emit hooks
 * (src/backend/builtins/table.c) against the rows of builtins.def: every
 * builtin has a hook, and it is the one its row names. A row is added in
 * the .def; a table entry left out or overwritten fails here, before any
 * program that uses the builtin is compiled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "backend/builtins/emit_table.h"

/* the hooks' own declarations, as the backend has them */
#define BUILTIN(id, hook, ...) \
	struct LLVMOpaqueValue *emit_##hook(struct cg *g, struct node *n, struct node *target);
#include "builtins/builtins.def"
#undef BUILTIN

static void test_every_row_has_a_hook(void **state)
{
	(void)state;
	int missing = 0;
	for (int id = 0; id < BI__COUNT; id++) {
		if (!emit_hooks[id]) {
			print_error("builtin '%s' (row %d of builtins.def) has no emit hook\n",
				    builtin_rows[id].name, id);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

struct row_hook {
	int id;
	const char *spelling, *hook_name;
	emit_hook hook;
};

static const struct row_hook row_hooks[] = {
#define BUILTIN(id, hook, spelling, ...) {BI_##id, spelling, #hook, emit_##hook},
#include "builtins/builtins.def"
#undef BUILTIN
};

static void test_hook_is_the_rows_own(void **state)
{
	(void)state;
	assert_int_equal(sizeof(row_hooks) / sizeof(row_hooks[0]), BI__COUNT);
	int wrong = 0;
	for (size_t i = 0; i < BI__COUNT; i++) {
		const struct row_hook *r = &row_hooks[i];
		if (emit_hooks[r->id] != r->hook) {
			print_error("builtin '%s': the table's hook is not emit_%s\n", r->spelling,
				    r->hook_name);
			wrong++;
		}
	}
	assert_int_equal(wrong, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_every_row_has_a_hook),
	    cmocka_unit_test(test_hook_is_the_rows_own),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
