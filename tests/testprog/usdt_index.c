/*
 * usdt_index.c - a USDT marker, behave:indexed, whose arguments are in
 * memory addressed with an index register, as compilers write an array
 * element: disp(%base,%index,scale). Its base is a table of known values
 * in %rbx and its index (1 + i % 3) in %rax, so a test knows what each
 * argument must read. The note is laid out as <sys/sdt.h> does.
 */
#include "calls.h"

static long long usdt_index_vals[4] = {11, 22, 33, -7};

static void call_usdt_index(int i)
{
	unsigned long long idx = 1 + (unsigned)i % 3;
	__asm__ __volatile__("990: nop\n"
			     ".pushsection .note.stapsdt,\"?\",\"note\"\n"
			     ".balign 4\n"
			     ".4byte 992f-991f, 994f-993f, 3\n"
			     "991: .asciz \"stapsdt\"\n"
			     "992: .balign 4\n"
			     "993: .8byte 990b\n"
			     ".8byte _.stapsdt.base\n"
			     ".8byte 0\n"
			     ".asciz \"behave\"\n"
			     ".asciz \"indexed\"\n"
			     ".asciz \"-8@(%%rbx,%%rax,8) -4@-8(%%rbx,%%rax,8) 8@8(%%rbx) "
			     "-8@(%%rbx,%%rax)\"\n"
			     "994: .balign 4\n"
			     ".popsection\n"
			     ".ifndef _.stapsdt.base\n"
			     ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"
			     ".weak _.stapsdt.base\n"
			     ".hidden _.stapsdt.base\n"
			     "_.stapsdt.base: .space 1\n"
			     ".size _.stapsdt.base, 1\n"
			     ".popsection\n"
			     ".endif\n"
			     :
			     : "b"(usdt_index_vals), "a"(idx)
			     : "memory");
}
TESTPROG_CALLS(call_usdt_index);
