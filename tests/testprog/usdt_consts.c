/*
 * usdt_consts.c - a USDT marker, behave:consts, whose arguments are all
 * constants as the compiler writes them: unsigned ones given
 * as negative numbers (1@$-1 is 255), a signed one as a negative number and
 * one too wide for its size. A test checks that each reads as its type
 * holds it, as in bpftrace. The note is laid out as <sys/sdt.h> does
 * (stapsdt_note.h).
 */
#include "calls.h"
#include "stapsdt_note.h"

static void call_usdt_consts(int i)
{
	(void)i;
	__asm__ __volatile__(
		STAPSDT_NOTE("behave", "consts", "1@$-1 2@$-2 4@$-3 -1@$255 -4@$-5 2@$65537"));
}
TESTPROG_CALLS(call_usdt_consts);
