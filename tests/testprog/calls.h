/*
 * calls.h - how a file of tests/testprog/ adds calls to testprog's loop.
 *
 * Each .c file of tests/testprog/ (CMake globs them) defines the functions a
 * group of tests probes, and registers one driver with
 * TESTPROG_CALLS(fn): testprog calls fn(i) once per iteration of its
 * loop (i = 0 .. N-1), after its own calls, in link order. The drivers
 * are kept in the ELF section testprog_calls, whose bounds the linker
 * provides, so adding a file touches no other file.
 */
#ifndef TESTPROG_CALLS_H
#define TESTPROG_CALLS_H

typedef void (*testprog_call_fn)(int i);

#define TESTPROG_CALLS(fn)                                                          \
	static const testprog_call_fn testprog_call_##fn                            \
		__attribute__((used, section("testprog_calls"), aligned(sizeof(void *)))) = fn

/* keeps results alive without printing them (the printed sum is fixed) */
extern volatile long testprog_sink;

#endif
