/*
 * usdt_consts.c - a USDT marker, behave:consts, whose arguments are all
 * constants as the compiler writes them: unsigned ones given
 * as negative numbers (1@$-1 is 255), a signed one as a negative number and
 * one too wide for its size. A test checks that each reads as its type
 * holds it, as in bpftrace. The note is laid out as <sys/sdt.h> does.
 */
#include "calls.h"

static void call_usdt_consts(int i)
{
	(void)i;
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
			     ".asciz \"consts\"\n"
			     ".asciz \"1@$-1 2@$-2 4@$-3 -1@$255 -4@$-5 2@$65537\"\n"
			     "994: .balign 4\n"
			     ".popsection\n"
			     ".ifndef _.stapsdt.base\n"
			     ".pushsection .stapsdt.base,\"aG\",\"progbits\",.stapsdt.base,comdat\n"
			     ".weak _.stapsdt.base\n"
			     ".hidden _.stapsdt.base\n"
			     "_.stapsdt.base: .space 1\n"
			     ".size _.stapsdt.base, 1\n"
			     ".popsection\n"
			     ".endif\n");
}
TESTPROG_CALLS(call_usdt_consts);
