/*
 * usdt_index.c - a USDT marker, behave:indexed, whose arguments are in
 * memory addressed with an index register, as compilers write an array
 * element: disp(%base,%index,scale). Its base is a table of known values
 * in %rbx and its index (1 + i % 3) in %rax, so a test knows what each
 * argument must read. The note is laid out as <sys/sdt.h> does
 * (stapsdt_note.h).
 */
#include "calls.h"
#include "stapsdt_note.h"

static long long usdt_index_vals[4] = {11, 22, 33, -7};

static void call_usdt_index(int i)
{
	unsigned long long idx = 1 + (unsigned)i % 3;
	__asm__ __volatile__(STAPSDT_NOTE("behave", "indexed",
					  "-8@(%%rbx,%%rax,8) -4@-8(%%rbx,%%rax,8) 8@8(%%rbx) "
					  "-8@(%%rbx,%%rax)")
			     :
			     : "b"(usdt_index_vals), "a"(idx)
			     : "memory");
}
TESTPROG_CALLS(call_usdt_index);
