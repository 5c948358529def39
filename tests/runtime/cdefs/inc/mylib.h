// a system-style header for -I: struct typedefs and definitions (tests/runtime/cdefs.test)
#ifndef MYLIB_H
#define MYLIB_H
#include <stdint.h>
#define NAMELEN 6
typedef struct {
	uint16_t port;
	int64_t count;
	char name[NAMELEN];
} mylib_stat_t;
struct mylib_pair {
	mylib_stat_t left;
	uint8_t flags;
};
typedef struct mylib_pair mylib_pair_t;
typedef union { uint32_t word; uint8_t bytes[4]; } mylib_word_t;
struct mylib_ifdef {
#if 1
	int a;
#endif
};
#endif
