/*
 * watchpoint.c - memory a watchpoint test can name by address: one page
 * mapped at the fixed address 0x10000000 (mapped on the first call, so
 * before it sonde -c has attached), into whose first u64 each iteration
 * writes i once and then reads it back once.
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
