/*
 * dwarfcasts.c - records that exist only in testprog's DWARF, for casts to
 * them in a uprobe ((struct dc_rec *)arg0), whole-record printing, uretprobe
 * retval typed from DWARF, -lv listings of parameter types, and float
 * members.
 *
 * sonde_dwarfcasts(rec, un, pair, i) takes its records as void *, so only a
 * cast types them. Call i (0 .. N-1) passes a dc_rec whose id is 500 + i;
 * the rest is fixed:
 *   rec->in = {7, -2, "in"}, rec->vals = {1, 2, 3},
 *   rec->pts = {{10, 11, "p0"}, {20, 21, "p1"}}, rec->name = "rec",
 *   rec->kind = DC_BLUE (2), rec->self = rec;
 *   un->word = 0x01020304; pair = {.key = -9, .val = 77}.
 * sonde_dwarf_floats(fl, cb, anon): fl = {.before = 5, .f = 1.5, .d = 2.25,
 * .after = 6}, anon = {.before = 1, .word = 0x0a0b0c0d, .after = 2}.
 * struct callback_head is a kernel struct too, with another layout here
 * ({int first; int second;} = {31, 32}), so a test can tell which one a
 * cast found.
 *
 * The sonde_dwarf_ret_* functions return typed values for uretprobe
 * retval: the dc_rec of call i, -100 - i as an int, 60000 + i as an
 * unsigned short, 'a' + i as a char, DC_GREEN, a pointer to an int 4242,
 * NULL, and (i % 2 == 0) as a bool.
 */
#include <stdbool.h>
#include <stddef.h>

#include "calls.h"

enum dc_color { DC_RED, DC_GREEN, DC_BLUE };

struct dc_inner {
	int x;
	short y;
	char tag[6];
};

struct dc_rec {
	long id;
	struct dc_inner in;
	int vals[3];
	struct dc_inner pts[2];
	char name[8];
	enum dc_color kind;
	struct dc_rec *self;
};

/* bpftrace 0.17 stops at an anonymous member of a DWARF record (a
 * std::logic_error), so only this record has one */
struct dc_anon {
	int before;
	union {
		unsigned int word;
		unsigned char bytes[4];
	};
	int after;
};

union dc_word {
	unsigned int word;
	unsigned short halves[2];
	unsigned char bytes[4];
};

typedef struct {
	long key;
	int val;
} dc_pair_t;

struct dc_floats {
	int before;
	float f;
	double d;
	int after;
};

struct callback_head {
	int first;
	int second;
};

__attribute__((noinline)) long sonde_dwarfcasts(void *rec, void *un, void *pair, int i)
{
	__asm__ __volatile__("" ::: "memory");
	return ((struct dc_rec *)rec)->id + ((union dc_word *)un)->bytes[0] +
	       ((dc_pair_t *)pair)->val + i;
}

__attribute__((noinline)) long sonde_dwarf_floats(void *fl, void *cb, void *anon)
{
	__asm__ __volatile__("" ::: "memory");
	return ((struct dc_floats *)fl)->after + ((struct callback_head *)cb)->first +
	       ((struct dc_anon *)anon)->after;
}

static struct dc_rec dc_recs[8];
static int dc_answer = 4242;

__attribute__((noinline)) struct dc_rec *sonde_dwarf_ret_rec(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return &dc_recs[i % 8];
}

__attribute__((noinline)) int sonde_dwarf_ret_int(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return -100 - i;
}

__attribute__((noinline)) unsigned short sonde_dwarf_ret_ushort(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return (unsigned short)(60000 + i);
}

__attribute__((noinline)) char sonde_dwarf_ret_char(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return (char)('a' + i);
}

__attribute__((noinline)) enum dc_color sonde_dwarf_ret_enum(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return i >= 0 ? DC_GREEN : DC_RED;
}

__attribute__((noinline)) const int *sonde_dwarf_ret_intptr(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return i >= 0 ? &dc_answer : NULL;
}

__attribute__((noinline)) struct dc_rec *sonde_dwarf_ret_null(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return i < 0 ? &dc_recs[0] : NULL;
}

__attribute__((noinline)) bool sonde_dwarf_ret_bool(int i)
{
	__asm__ __volatile__("" ::: "memory");
	return i % 2 == 0;
}

__attribute__((noinline)) void sonde_dwarf_ret_void(int i)
{
	__asm__ __volatile__("" ::: "memory");
	testprog_sink += i;
}

/* Parameter types for -lv: qualifiers, pointers to pointers, a typedef, a
 * union, an enum, an array parameter (a pointer in C), a function pointer
 * and a float. */
__attribute__((noinline)) long sonde_dwarf_params(const char *s, char **argv, const int *const cp,
                                                  volatile int *vp, const void *cv, dc_pair_t *pair,
                                                  union dc_word *u, enum dc_color c,
                                                  long (*fn)(void *, void *, void *), double d,
                                                  unsigned long n)
{
	__asm__ __volatile__("" ::: "memory");
	return s[0] + (argv != NULL) + *cp + *vp + (cv != NULL) + pair->val + u->bytes[0] + c + (fn != NULL) +
	       (long)d + (long)n;
}

static void call_dwarfcasts(int i)
{
	struct dc_rec *rec = &dc_recs[i % 8];
	*rec = (struct dc_rec){
	    .id = 500 + i,
	    .in = {.x = 7, .y = -2, .tag = "in"},
	    .vals = {1, 2, 3},
	    .pts = {{.x = 10, .y = 11, .tag = "p0"}, {.x = 20, .y = 21, .tag = "p1"}},
	    .name = "rec",
	    .kind = DC_BLUE,
	    .self = rec,
	};
	union dc_word un = {.word = 0x01020304};
	dc_pair_t pair = {.key = -9, .val = 77};
	struct dc_floats fl = {.before = 5, .f = 1.5f, .d = 2.25, .after = 6};
	struct callback_head cb = {.first = 31, .second = 32};
	struct dc_anon anon = {.before = 1, .word = 0x0a0b0c0d, .after = 2};
	testprog_sink += sonde_dwarfcasts(rec, &un, &pair, i);
	testprog_sink += sonde_dwarf_floats(&fl, &cb, &anon);
	testprog_sink += sonde_dwarf_ret_rec(i)->id;
	testprog_sink += sonde_dwarf_ret_int(i);
	testprog_sink += sonde_dwarf_ret_ushort(i);
	testprog_sink += sonde_dwarf_ret_char(i);
	testprog_sink += sonde_dwarf_ret_enum(i);
	testprog_sink += *sonde_dwarf_ret_intptr(i);
	testprog_sink += sonde_dwarf_ret_null(i) != NULL;
	testprog_sink += sonde_dwarf_ret_bool(i);
	sonde_dwarf_ret_void(i);
	char *argv[] = {"x", NULL};
	int c = 3;
	volatile int v = 4;
	testprog_sink += sonde_dwarf_params("s", argv, &c, &v, &c, &pair, &un, DC_RED, sonde_dwarf_floats,
	                                    0.5, 9);
}
TESTPROG_CALLS(call_dwarfcasts);
