/*
 * cdefs.c - functions taking pointers to C records, for the script
 * definitions of tests/runtime/cdefs.test: the script declares the same
 * types and reads them through the pointer (user memory).
 */
#include <stdint.h>
#include <string.h>

#include "calls.h"

struct cdefs_inner {
	char tag;          /* 0 */
	int64_t big;       /* 8 */
	uint16_t small[3]; /* 16 */
};

union cdefs_num {
	uint32_t u;
	uint8_t bytes[4];
};

struct cdefs_outer {
	int32_t id;               /* 0 */
	struct cdefs_inner inner; /* 8 (aligned to 8), size 24 */
	union cdefs_num num;      /* 32 */
	char name[12];            /* 36 */
	struct cdefs_outer *next; /* 48 */
	union {
		int16_t s;
		uint64_t wide;
	};            /* 56, anonymous */
	uint8_t last; /* 64; size 72 */
};

typedef struct {
	uint8_t a;
	uint32_t b;
} cdefs_pair_t;

__attribute__((noinline)) int sonde_cdefs_outer(struct cdefs_outer *o, cdefs_pair_t *p,
                                                int32_t *arr, int i)
{
	__asm__ __volatile__("" ::"r"(o), "r"(p), "r"(arr) : "memory");
	return i;
}

static void call_cdefs(int i)
{
	static struct cdefs_outer second;
	struct cdefs_outer o;
	memset(&o, 0, sizeof(o));
	memset(&second, 0, sizeof(second));
	second.id = 99;
	o.id = 7 + i;
	o.inner.tag = 'x';
	o.inner.big = -5000000000LL;
	o.inner.small[0] = 10;
	o.inner.small[1] = 20;
	o.inner.small[2] = 30;
	o.num.u = 0x04030201;
	strcpy(o.name, "outer");
	o.next = &second;
	o.wide = 0x1122334455667788ULL;
	o.last = 200;
	cdefs_pair_t p = {3, 4000000000u};
	int32_t arr[4] = {-1, -2, -3, -4};
	testprog_sink += sonde_cdefs_outer(&o, &p, arr, i);
}
TESTPROG_CALLS(call_cdefs);
