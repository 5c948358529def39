/*
 * typedargs.c - a function taking pointers to structs with known contents,
 * for uprobe args.NAME typed from DWARF: fields through ->, nested
 * structs, arrays inside, a pointer to another struct, an anonymous union,
 * and a list node that points to its own kind.
 *
 * Each call i (0 .. N-1) passes a point whose id is 1000 + i.
 */
#include "calls.h"

struct ta_inner {
	int x;
	short y;
	char tag[8];
};

struct ta_node {
	long value;
	struct ta_node *next;
};

struct ta_point {
	long id;
	struct ta_inner in;
	struct ta_inner *other;
	int vals[4];
	int grid[2][3];
	const char *name;
	union {
		unsigned int word;
		unsigned char bytes[4];
	};
	struct ta_node *list;
	double ratio; /* a float: not readable */
	unsigned char flag;
};

__attribute__((noinline)) long sonde_typedargs(const struct ta_point *p, struct ta_inner *q, int i)
{
	__asm__ __volatile__("" ::: "memory");
	return p->id + q->x + i;
}

static void call_typedargs(int i)
{
	static struct ta_inner other = {.x = 42, .y = -7, .tag = "other"};
	static struct ta_node second = {.value = 22, .next = 0};
	static struct ta_node first = {.value = 11, .next = &second};
	struct ta_point p = {
	    .id = 1000 + i,
	    .in = {.x = 7, .y = -3, .tag = "inner"},
	    .other = &other,
	    .vals = {10, 20, 30, 40},
	    .grid = {{1, 2, 3}, {4, 5, 6}},
	    .name = "point",
	    .word = 0x04030201,
	    .list = &first,
	    .ratio = 0.5,
	    .flag = 200,
	};
	testprog_sink += sonde_typedargs(&p, &other, i);
}
TESTPROG_CALLS(call_typedargs);
