/*
 * check.c - builtin_checks: each row's check_HOOK, generated from
 * builtins.def, so a row whose hook is missing does not link.
 */
#include "builtins/check.h"

builtin_check_fn *const builtin_checks[BI__COUNT] = {
#define BUILTIN(id, hook, ...) [BI_##id] = check_##hook,
#include "builtins/builtins.def"
#undef BUILTIN
};
