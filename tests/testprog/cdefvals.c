/*
 * cdefvals.c - records a script declares itself and reads whole, for
 * tests/runtime/cdefs.test: bitfields laid out by the C ABI (gcc's layout
 * is what the script's definition must reproduce) and an array of
 * records.
 */
#include <stdint.h>
#include <string.h>

#include "calls.h"

struct cdefvals_bits {
	unsigned int a : 3, b : 5;    /* bits 0-2, 3-7 */
	int neg : 4;                  /* bits 8-11 */
	unsigned int : 0;             /* to the next int: 4 */
	unsigned char c : 7;          /* byte 4 */
	unsigned char d : 2;          /* does not fit byte 4: byte 5 */
	unsigned long long wide : 40; /* would cross bit 64 from bit 48: at byte 8 */
	unsigned short tail;          /* after bit 104, aligned: byte 14; size 16 */
};

struct cdefvals_item {
	int32_t x;
	int16_t y;
};

struct cdefvals_bag {
	uint8_t n;
	struct cdefvals_item items[3]; /* 4, 12, 20 */
	unsigned int flag : 1;         /* 28 */
};

__attribute__((noinline)) int sonde_cdefvals(struct cdefvals_bits *b, struct cdefvals_bag *g, int i)
{
	__asm__ __volatile__("" ::"r"(b), "r"(g) : "memory");
	return i;
}

static void call_cdefvals(int i)
{
	struct cdefvals_bits b;
	struct cdefvals_bag g;
	memset(&b, 0, sizeof(b));
	memset(&g, 0, sizeof(g));
	b.a = 5;
	b.b = 17;
	b.neg = -3;
	b.c = 100;
	b.d = 2;
	b.wide = 0xABCDEF1234ULL;
	b.tail = 65535;
	g.n = 3;
	for (int k = 0; k < 3; k++) {
		g.items[k].x = 10 * (k + 1) + i;
		g.items[k].y = (int16_t)(-k);
	}
	g.flag = 1;
	testprog_sink += sonde_cdefvals(&b, &g, i);
}
TESTPROG_CALLS(call_cdefvals);
