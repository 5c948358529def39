/*
 * testprog.c - a user program with known functions, arguments and call
 * counts, for uprobe/uretprobe/usdt/ustack tests.
 *
 *   testprog [-n N] [-g FIFO] [-k] [-c COMM] [-S LEN] [-q]
 *
 * Optionally renames itself to COMM (so probes can filter on comm), waits
 * with -g until FIFO is opened for writing and closed again (so a tracer
 * started after it, for -p, can attach first: the test writes to FIFO once
 * the tracer reports that it is attached), then calls sonde_add(i, 2 * i)
 * and sonde_str("hello") N times each (default 5), or with -S sonde_str()
 * of a LEN-byte string "abc...zabc..." (byte i is 'a' + i % 26, followed
 * by 4096 more such bytes after its NUL), fires the USDT markers
 * sonde:tick (i, i * 10) and sonde:mixed (i, 1000 + i, -7) N times each,
 * calls sonde_ptrs with pointers to known memory and fires sonde:ptrs
 * with the same pointers N times each, calls the drivers the other files
 * of tests/testprog/ register (calls.h) with i, calls sonde_nested(3), prints the
 * sum so the calls cannot be optimised away (with -q it only computes it: a
 * test whose tracer output shares the pipe with ours leaves it out, since a
 * line of ours can land inside a long line of the tracer's), and with -k stays until a signal ends it (so its mappings can
 * still be read when the tracer symbolizes its stacks: sonde -c ends it
 * after printing). Nothing here waits for a time.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "calls.h"
#include "stapsdt_note.h"

/* A minimal USDT marker (stapsdt_note.h; no systemtap headers needed)
 * with the argument locations given as asm operands. */
#define SONDE_USDT(prov, name, argfmt, ...) \
	__asm__ __volatile__(STAPSDT_NOTE(#prov, #name, argfmt) : : __VA_ARGS__)

/* sonde:tick has two register arguments; sonde:mixed has one in a
 * register, one in memory and one constant, as <sys/sdt.h>'s "nor"
 * operands can produce. */
#define SONDE_USDT_TICK(a1, a2) SONDE_USDT(sonde, tick, "-4@%0 8@%1", "r"(a1), "r"(a2))
#define SONDE_USDT_MIXED(a1, a2) \
	SONDE_USDT(sonde, mixed, "-4@%0 8@%1 -2@%2", "r"(a1), "m"(a2), "n"(-7))
/* sonde:ptrs passes the same pointers as sonde_ptrs: ints, iov, s */
#define SONDE_USDT_PTRS(a1, a2, a3) \
	SONDE_USDT(sonde, ptrs, "8@%0 8@%1 8@%2", "r"(a1), "r"(a2), "r"(a3))

__attribute__((noinline)) int sonde_add(int a, long b)
{
	__asm__ __volatile__("" ::: "memory");
	return a + (int)b;
}

__attribute__((noinline)) size_t sonde_str(const char *s)
{
	__asm__ __volatile__("" ::: "memory");
	return strlen(s);
}

/* Laid out as the kernel's struct iovec, so a probe can read it through
 * a cast to that BTF type: `((struct iovec *)arg1)->iov_len`. */
struct sonde_iov {
	const char *base;
	unsigned long len;
};

/* Pointers into this process's memory with known contents, for the
 * address-space tests: ints = {3, 4}, iov = {"iov-data", 8},
 * s = "ptr-str", names = {"first", "second", NULL}. */
__attribute__((noinline)) long sonde_ptrs(const int *ints, const struct sonde_iov *iov,
					  const char *s, const char *const *names)
{
	__asm__ __volatile__("" ::: "memory");
	return ints[0] + ints[1] + (long)iov->len + (long)strlen(s) + (names[0] != NULL);
}

__attribute__((noinline)) void sonde_nested(int depth)
{
	__asm__ __volatile__("" ::: "memory");
	if (depth > 0)
		sonde_nested(depth - 1);
}

/* keeps sonde_ptrs's calls without changing the printed sum */
volatile long ptrs_sink;
volatile long testprog_sink;

/* the drivers the other files of tests/testprog/ register (calls.h) */
extern const testprog_call_fn __start_testprog_calls[] __attribute__((weak));
extern const testprog_call_fn __stop_testprog_calls[] __attribute__((weak));

static void run_registered_calls(int i)
{
	for (const testprog_call_fn *fn = __start_testprog_calls; fn && fn < __stop_testprog_calls;
	     fn++)
		(*fn)(i);
}

/* -g: opening a FIFO for reading blocks until a writer opens it; reading
 * to end of file waits until that writer has closed it. */
static int wait_for_go(const char *fifo)
{
	int fd = open(fifo, O_RDONLY);
	if (fd < 0) {
		perror(fifo);
		return -1;
	}
	char buf[64];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 5, opt;
	bool stay = false, quiet = false;
	const char *comm = NULL, *go_fifo = NULL, *str = "hello";
	while ((opt = getopt(argc, argv, "n:g:kc:S:q")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'g':
			go_fifo = optarg;
			break;
		case 'k':
			stay = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'c':
			comm = optarg;
			break;
		case 'S': {
			/* the string, and bytes to read past it (buf()) */
			size_t len = (size_t)atoi(optarg);
			char *s = malloc(len + 1 + 4096);
			if (!s)
				return 1;
			for (size_t i = 0; i < len + 1 + 4096; i++)
				s[i] = (char)('a' + i % 26);
			s[len] = 0;
			str = s;
			break;
		}
		default:
			fprintf(stderr, "usage: testprog [-n N] [-g FIFO] [-k] [-c COMM] [-S LEN] [-q]\n");
			return 2;
		}
	}
	if (comm)
		prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (go_fifo && wait_for_go(go_fifo))
		return 1;
	static const int ints[] = {3, 4};
	static const struct sonde_iov iov = {"iov-data", 8};
	static const char *const names[] = {"first", "second", NULL};
	long sum = 0;
	for (int i = 0; i < n; i++) {
		sum += sonde_add(i, 2L * i);
		sum += (long)sonde_str(str);
		int x = i;
		long y = i * 10L;
		SONDE_USDT_TICK(x, y);
		long z = 1000L + i;
		SONDE_USDT_MIXED(x, z);
		ptrs_sink = sonde_ptrs(ints, &iov, "ptr-str", names);
		SONDE_USDT_PTRS(ints, &iov, "ptr-str");
		run_registered_calls(i);
	}
	sonde_nested(3);
	if (quiet) {
		testprog_sink = sum;
	} else {
		printf("sum %ld\n", sum);
		fflush(stdout);
	}
	while (stay)
		pause();
	return 0;
}
