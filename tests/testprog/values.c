/*
 * values.c - records with known contents for values.test: each one is laid
 * out as a kernel struct is (struct load_weight, bpf_insn, sigpending,
 * p4_event_bind, __call_single_node, __arch_relative_insn), so a uprobe
 * casts the argument to the kernel's type and prints the record whole:
 * members, a nested record, int and char arrays, bitfields, an anonymous
 * union, a packed record, negative numbers and pointers.
 */
#include "calls.h"

struct v_load_weight {
	unsigned long weight;
	unsigned int inv_weight;
};

struct v_insn {
	unsigned char code;
	unsigned char dst_reg : 4;
	unsigned char src_reg : 4;
	short off;
	int imm;
};

struct v_sigpending {
	struct {
		void *next, *prev;
	} list;
	struct {
		unsigned long sig[1];
	} signal;
};

struct v_event_bind {
	unsigned int opcode;
	unsigned int escr_msr[2];
	unsigned int escr_emask;
	unsigned int shared;
	signed char cntr[6];
};

struct v_call_single_node {
	struct {
		void *next;
	} llist;
	union {
		unsigned int u_flags;
		struct {
			int counter;
		} a_flags;
	};
	unsigned short src, dst;
};

struct v_relative_insn {
	unsigned char op;
	int raddr;
} __attribute__((packed));

static struct v_load_weight v_weight = {1048576, 4194304};
static struct v_insn v_insn = {0xb7, 1, 10, -3, -42};
static struct v_sigpending v_pending = {{(void *)0x10, (void *)0x20}, {{5}}};
static struct v_event_bind v_bind = {7, {0x3a0, 0x3a1}, 0x10, 0, "ab"};
static struct v_call_single_node v_node = {{0}, {.u_flags = 48}, 1, 2};
static struct v_relative_insn v_rel = {0xe8, -1234};

__attribute__((noinline)) int sonde_values(struct v_load_weight *w, struct v_insn *insn,
					   struct v_sigpending *p, struct v_event_bind *b,
					   struct v_call_single_node *n, struct v_relative_insn *r)
{
	__asm__ __volatile__("" ::: "memory");
	return (int)w->inv_weight + insn->imm + (int)p->signal.sig[0] + (int)b->opcode + n->src +
	       r->op;
}

static void call_values(int i)
{
	(void)i;
	testprog_sink += sonde_values(&v_weight, &v_insn, &v_pending, &v_bind, &v_node, &v_rel);
}
TESTPROG_CALLS(call_values);
