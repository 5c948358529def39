/*
 * trig.c - the bench's event source. Reads commands on stdin, one a line:
 *   N RATE [CALL]  make system call CALL N times, RATE calls per second
 *                  (0: as fast as possible), then print "done ELAPSED_NS"
 *                  and flush. CALL is getppid (the default) or openat, an
 *                  openat(AT_FDCWD, PATH, O_RDONLY) of a 1000-byte path
 *                  under a directory that does not exist, so the probes
 *                  have a long user string to read and nothing is opened
 * and exits at end of input. The bench keeps one trig running for the whole
 * run, so the probes can filter on its pid (/pid == PID/).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* the length of openat's path, without its NUL: longer than the BPF stack
 * (512 bytes) and shorter than the bench's max_strlen (1024), so str()
 * reads it whole; components of 100 bytes stay under NAME_MAX */
#define OPEN_PATH_LEN 1000

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void make_open_path(char *path)
{
	static const char dir[] = "/nonexistent-sonde-bench";
	memcpy(path, dir, sizeof(dir) - 1);
	for (size_t i = sizeof(dir) - 1; i < OPEN_PATH_LEN; i++)
		path[i] = i % 100 == 0 ? '/' : 'a' + (char)(i % 26);
	path[OPEN_PATH_LEN] = '\0';
}

static void call_once(int openat_call, const char *path)
{
	if (!openat_call) {
		syscall(SYS_getppid);
		return;
	}
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
	if (fd >= 0)
		close((int)fd);
}

int main(void)
{
	static char path[OPEN_PATH_LEN + 1];
	char line[128], call[16];
	long long n, rate;
	make_open_path(path);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		strcpy(call, "getppid");
		if (sscanf(line, "%lld %lld %15s", &n, &rate, call) < 2)
			break;
		int openat_call = strcmp(call, "openat") == 0;
		if (!openat_call && strcmp(call, "getppid") != 0) {
			fprintf(stderr, "trig: unknown system call '%s'\n", call);
			return 1;
		}
		long long t0 = now_ns();
		if (rate <= 0) {
			for (long long i = 0; i < n; i++)
				call_once(openat_call, path);
		} else {
			double gap = 1e9 / (double)rate;
			for (long long i = 0; i < n; i++) {
				long long due = t0 + (long long)(gap * (double)i);
				while (now_ns() < due)
					;
				call_once(openat_call, path);
			}
		}
		printf("done %lld\n", now_ns() - t0);
		fflush(stdout);
	}
	return 0;
}
