/*
 * nofp.c - a call chain built without frame pointers, for dw_ustack:
 * testprog's loop calls sonde_nofp_a(i), which calls sonde_nofp_b, which
 * calls sonde_nofp_c. tests/CMakeLists.txt compiles this file with -O2
 * -fomit-frame-pointer, so rbp in sonde_nofp_c still holds main's frame
 * pointer: a frame-pointer walk (ustack) goes from sonde_nofp_c straight
 * to main's caller, while the .eh_frame rules give every frame. Each
 * function does something after its call, so none is a tail call.
 */
#include "calls.h"

__attribute__((noinline)) long sonde_nofp_c(long x)
{
	testprog_sink += x;
	__asm__ __volatile__("" ::: "memory");
	return x * 3;
}

__attribute__((noinline)) long sonde_nofp_b(long x)
{
	long r = sonde_nofp_c(x + 1);
	testprog_sink += r;
	return r + 1;
}

__attribute__((noinline)) void sonde_nofp_a(int i)
{
	long r = sonde_nofp_b(i);
	testprog_sink += r;
}

TESTPROG_CALLS(sonde_nofp_a);
