/*
 * example_calls.c - the smallest registered driver (calls.h): it calls
 * sonde_registered(i), so a test can check that registered calls run N
 * times with their iteration number.
 */
#include "calls.h"

__attribute__((noinline)) int sonde_registered(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return i;
}

static void call_registered(int i)
{
	testprog_sink += sonde_registered(i);
}
TESTPROG_CALLS(call_registered);
