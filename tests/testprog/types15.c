/*
 * types15.c - what the rest of issue 15 probes: signed bitfields, a typedef
 * that only this binary's DWARF has, a constant index past an array
 * member's end, integer arguments after floating-point ones (which the
 * System V ABI passes in xmm registers, so they do not take an integer
 * register), and offsetof on DWARF records.
 *
 * sonde_t15_bits(b, rec, i): b = {.s3 = -3, .u3 = 5, .s5 = -9, .flag = -1,
 *   .u12 = 4000, .s12 = -2000}, rec = {.a = 1000 + i, .arr = {4, 5, 6},
 *   .tail = 77}.
 * sonde_t15_floats(a, b, c): a = 1.5 + i, b = 40 + i, c = "after-double".
 * sonde_t15_mixed(f, x, d, y, s, z): f = 0.25f, x = 11 + i, d = 2.5,
 *   y = -22 - i, s = "mixed", z = 33.
 * sonde_t15_small(s, after): s = {3, 4} by value (rdi), after = 5 + i.
 * sonde_t15_big(b, after): b = {7, 8, 9} by value (on the stack),
 *   after = 6 + i (rdi).
 */
#include "calls.h"

struct t15_bits {
	int s3 : 3;
	unsigned int u3 : 3;
	int s5 : 5;
	int flag : 1;
	unsigned int u12 : 12;
	int s12 : 12;
	long after;
};

typedef struct {
	int a;
	int arr[3];
	short tail;
} t15_rec_t;

typedef t15_rec_t t15_alias_t;
typedef unsigned int t15_u32;

__attribute__((noinline)) long sonde_t15_bits(struct t15_bits *b, t15_alias_t *rec, int i)
{
	__asm__ __volatile__("" ::: "memory");
	return b->s3 + b->u3 + rec->a + i;
}

__attribute__((noinline)) long sonde_t15_floats(double a, int b, char *c)
{
	__asm__ __volatile__("" ::: "memory");
	return (long)a + b + c[0];
}

__attribute__((noinline)) long sonde_t15_mixed(float f, int x, double d, long y, const char *s,
                                               t15_u32 z)
{
	__asm__ __volatile__("" ::: "memory");
	return (long)f + x + (long)d + y + s[0] + z;
}

struct t15_small {
	int x, y;
};

struct t15_big {
	long v[3];
};

__attribute__((noinline)) long sonde_t15_small(struct t15_small s, int after)
{
	__asm__ __volatile__("" ::: "memory");
	return s.x + s.y + after;
}

__attribute__((noinline)) long sonde_t15_big(struct t15_big b, int after)
{
	__asm__ __volatile__("" ::: "memory");
	return b.v[0] + b.v[2] + after;
}

static void call_types15(int i)
{
	struct t15_bits b = {.s3 = -3, .u3 = 5, .s5 = -9, .flag = -1, .u12 = 4000, .s12 = -2000,
	                     .after = 99};
	t15_rec_t rec = {.a = 1000 + i, .arr = {4, 5, 6}, .tail = 77};
	testprog_sink += sonde_t15_bits(&b, &rec, i);
	testprog_sink += sonde_t15_floats(1.5 + i, 40 + i, "after-double");
	testprog_sink += sonde_t15_mixed(0.25f, 11 + i, 2.5, -22 - i, "mixed", 33);
	testprog_sink += sonde_t15_small((struct t15_small){3, 4}, 5 + i);
	testprog_sink += sonde_t15_big((struct t15_big){{7, 8, 9}}, 6 + i);
}
TESTPROG_CALLS(call_types15);
