/*
 * pointers.c - memory with known contents for tests/runtime/pointers.test:
 * pointers to pointers (int32_t **, a NULL-terminated char * array), an
 * int32_t array to step through, and a NULL pointer.
 * sonde_pointers(pp, words, ints, NULL) is called once per iteration.
 */
#include <stddef.h>
#include <stdint.h>

#include "calls.h"

static int32_t ptr_ints[4] = {10, 20, 30, 40};
static int32_t *ptr_int_ptrs[2] = {&ptr_ints[2], &ptr_ints[0]};
static const char *ptr_words[4] = {"alpha", "beta", "gamma", NULL};

__attribute__((noinline)) long sonde_pointers(int32_t **pp, const char **words, int32_t *ints,
                                              void *null)
{
	__asm__ __volatile__("" ::: "memory");
	return (long)(pp != NULL) + (long)(words != NULL) + (long)(ints != NULL) +
	       (long)(null == NULL);
}

static void call_pointers(int i)
{
	(void)i;
	testprog_sink += sonde_pointers(ptr_int_ptrs, ptr_words, ptr_ints, NULL);
}
TESTPROG_CALLS(call_pointers);
