/*
 * registers.c - what reg(), sargN and usermode read: a function with ten
 * integer arguments, so that four of them are passed on the stack
 * (x86-64 passes six in registers), with values known to the tests.
 */
#include "calls.h"

__attribute__((noinline)) long sonde_stack_args(long a0, long a1, long a2, long a3, long a4,
						long a5, long s0, long s1, long s2, long s3)
{
	__asm__ __volatile__("" ::: "memory");
	return a0 + a1 + a2 + a3 + a4 + a5 + s0 + s1 + s2 + s3;
}

static void call_stack_args(int i)
{
	testprog_sink += sonde_stack_args(i, 11, 22, 33, 44, 55, 1000 + i, 2000, -3, 0x7fffffff);
}
TESTPROG_CALLS(call_stack_args);
