/*
 * test_sink.c - unit tests for sink.c: a pipe nobody reads never holds a
 * stopping sonde longer than the sink's limits, a reader that goes away is
 * not an error, a write error is one, and a regular file gets everything.
 * The signal state is filled in by hand: "a signal came" is nstops.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/sink.h"

static char chunk[8192];

/* A pipe whose reader never reads, once a signal has stopped sonde: the
 * writes give up after SINK_STALL_MS and count what they dropped. */
static void test_blocked_pipe_after_stop(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	struct sig_state sig = {.fd = -1, .nstops = 1, .stop_signo = SIGINT,
				.stop_ns = sig_now_ns()};
	struct sink s;
	FILE *f = sink_open(&s, fds[1], false, "stdout", &sig);
	assert_non_null(f);
	assert_int_equal(s.mode, SINK_NONBLOCKING);
	uint64_t t0 = sig_now_ns();
	for (int i = 0; i < 64; i++) /* 512 KiB, far more than the pipe takes */
		fwrite(chunk, 1, sizeof(chunk), f);
	fclose(f);
	uint64_t ms = (sig_now_ns() - t0) / 1000000;
	assert_true(ms < 2000); /* SINK_STALL_MS, generously */
	assert_true(s.gave_up);
	assert_false(sink_broken(&s));
	assert_true(s.dropped >= 64 * sizeof(chunk) - 65536);
	assert_int_equal(sink_report(&s, fopen("/dev/null", "w")), 0);
	close(fds[0]);
	close(fds[1]);
}

/* A second signal: no waiting at all. */
static void test_second_signal_drops_at_once(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	struct sig_state sig = {.fd = -1, .nstops = 2, .stop_signo = SIGINT,
				.stop_ns = sig_now_ns()};
	struct sink s;
	FILE *f = sink_open(&s, fds[1], false, "stdout", &sig);
	setvbuf(f, NULL, _IONBF, 0);
	for (int i = 0; i < 16; i++)
		fwrite(chunk, 1, sizeof(chunk), f);
	/* the pipe is full: this one is dropped without a wait */
	uint64_t t0 = sig_now_ns();
	fwrite(chunk, 1, sizeof(chunk), f);
	assert_true(sig_now_ns() - t0 < SINK_STALL_MS * 1000000ull);
	fclose(f);
	assert_true(s.gave_up);
	close(fds[0]);
	close(fds[1]);
}

/* The reader went away: the run ends, quietly (no error). */
static void test_reader_gone(void **state)
{
	(void)state;
	int fds[2];
	assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
	struct sig_state sig = {.fd = -1};
	struct sink s;
	FILE *f = sink_open(&s, fds[1], false, "stdout", &sig);
	close(fds[0]);
	setvbuf(f, NULL, _IONBF, 0);
	fputs("line\n", f);
	assert_true(s.reader_gone);
	assert_true(sink_broken(&s));
	fclose(f);
	assert_int_equal(s.error, 0);
	assert_int_equal(sink_report(&s, fopen("/dev/null", "w")), 0);
	close(fds[1]);
}

/* A write error is an error, reported with the file's name. */
static void test_write_error(void **state)
{
	(void)state;
	int fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	struct sig_state sig = {.fd = -1};
	struct sink s;
	FILE *f = sink_open(&s, fd, true, "/dev/full", &sig);
	fputs("hello\n", f);
	fclose(f);
	assert_int_equal(s.error, ENOSPC);
	assert_true(sink_broken(&s));
	char *msg = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&msg, &len);
	assert_int_equal(sink_report(&s, err), ENOSPC);
	fclose(err);
	assert_non_null(strstr(msg, "sonde: cannot write the output to /dev/full: No space left on "
				    "device"));
	free(msg);
}

/* A regular file gets every byte, in order. */
static void test_regular_file(void **state)
{
	(void)state;
	char path[] = "/tmp/sonde-test-sink-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct sig_state sig = {.fd = -1};
	struct sink s;
	FILE *f = sink_open(&s, fd, true, path, &sig);
	assert_int_equal(s.mode, SINK_BLOCKING);
	for (int i = 0; i < 1000; i++)
		fprintf(f, "line %d\n", i);
	fclose(f);
	assert_int_equal(s.dropped, 0);
	FILE *in = fopen(path, "r");
	char line[64];
	for (int i = 0; i < 1000; i++) {
		char want[64];
		snprintf(want, sizeof(want), "line %d\n", i);
		assert_non_null(fgets(line, sizeof(line), in));
		assert_string_equal(line, want);
	}
	assert_null(fgets(line, sizeof(line), in));
	fclose(in);
	unlink(path);
}

int main(void)
{
	/* as sig_init does in sonde: a write to a pipe without a reader
	 * returns EPIPE instead of killing the process */
	sigset_t pipe_set;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipe_set, NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_pipe_after_stop),
		cmocka_unit_test(test_second_signal_drops_at_once),
		cmocka_unit_test(test_reader_gone),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_regular_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
