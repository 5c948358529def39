/*
 * trig.c - the bench's event source. Reads commands on stdin, one a line:
 *   N RATE   call getppid() N times, RATE calls per second (0: as fast as
 *            possible), then print "done ELAPSED_NS" and flush
 * and exits at end of input. The bench keeps one trig running for the whole
 * run, so the probes can filter on its pid (/pid == PID/).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(void)
{
	long long n, rate;
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (scanf("%lld %lld", &n, &rate) == 2) {
		long long t0 = now_ns();
		if (rate <= 0) {
			for (long long i = 0; i < n; i++)
				syscall(SYS_getppid);
		} else {
			double gap = 1e9 / (double)rate;
			for (long long i = 0; i < n; i++) {
				long long due = t0 + (long long)(gap * (double)i);
				while (now_ns() < due)
					;
				syscall(SYS_getppid);
			}
		}
		printf("done %lld\n", now_ns() - t0);
		fflush(stdout);
	}
	return 0;
}
