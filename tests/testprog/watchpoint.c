/*
 * watchpoint.c - memory a watchpoint test can name by address: one page
 * mapped at the fixed address 0x10000000 (mapped on the first call, so
 * before it sonde -c has attached), into whose first u64 each iteration
 * writes i once and then reads it back once; and two functions whose
 * argument is the address to watch (watchpoint:FUNC+argN).
 */
#include <stdint.h>
#include <sys/mman.h>

#include "calls.h"

#define WATCHED_ADDR 0x10000000UL

static void write_watched(int i)
{
	static volatile uint64_t *watched;
	if (!watched) {
		void *p = mmap((void *)WATCHED_ADDR, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != (void *)WATCHED_ADDR)
			return;
		watched = p;
	}
	*watched = (uint64_t)i;
	testprog_sink += (long)*watched;
}
TESTPROG_CALLS(write_watched);

/* For watchpoint:FUNC+argN: watch_increment(0, p) adds one to *p, the same
 * int at every call; watch_each(p) is given a new int at each call (an
 * element of `each`), so each call arms a breakpoint at a new address. */
__attribute__((noinline)) void watch_increment(int unused, volatile int *p)
{
	(void)unused;
	(*p)++;
}

__attribute__((noinline)) void watch_each(volatile int *p)
{
	(*p)++;
}

static void call_watched_functions(int i)
{
	static volatile int counter;
	static volatile int each[64];
	watch_increment(0, &counter);
	watch_each(&each[(i % 8) * 8]);
}
TESTPROG_CALLS(call_watched_functions);
