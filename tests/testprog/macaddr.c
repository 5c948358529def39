/*
 * macaddr.c - what macaddr() formats: a struct holding a MAC address
 * after a pointer, as a network header might, with bytes that need both
 * hex digits and letters.
 */
#include "calls.h"

struct sonde_mac_holder {
	const char *name;
	unsigned char mac[6];
};

__attribute__((noinline)) int sonde_macaddr(const struct sonde_mac_holder *h)
{
	__asm__ __volatile__("" ::: "memory");
	return h->mac[0];
}

static void call_macaddr(int i)
{
	struct sonde_mac_holder h = {"eth", {0x0a, 0xb1, 0x2c, 0xff, 0x00, (unsigned char)i}};
	testprog_sink += sonde_macaddr(&h);
}
TESTPROG_CALLS(call_macaddr);
