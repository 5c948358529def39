/*
 * sink.h - where the trace output goes: a stdio stream over stdout or the
 * -o file that never blocks sonde for good.
 *
 * A reader that is slow or gone must not keep sonde from a signal: the
 * output is written without blocking (a private non-blocking description
 * of a pipe, terminal or FIFO; send(MSG_DONTWAIT) on a socket; a regular
 * file blocks only as long as the disk takes), and when the reader is
 * full the sink waits in poll() on the output and on the signalfd. Until
 * a signal asks sonde to stop it waits as long as the reader takes (the
 * kernel's ring buffer takes the back-pressure, and counts lost events);
 * after one it waits at most SINK_STALL_MS without progress and
 * SINK_AFTER_STOP_MS in all, and a second signal ends the wait at once.
 * Output it could not write is dropped and counted, a reader that went
 * away (EPIPE) ends the run quietly, and any other write error is an
 * error: sink_broken() tells the runtime to stop, sink_report() says so.
 */
#ifndef SONDE_SINK_H
#define SONDE_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/signals.h"

enum { SINK_STALL_MS = 100, SINK_AFTER_STOP_MS = 500 };

enum sink_mode {
	SINK_BLOCKING,    /* a regular file or block device: never waits for a reader */
	SINK_NONBLOCKING, /* our own O_NONBLOCK description: write, poll on EAGAIN */
	SINK_POLLED,      /* a shared blocking fd: poll, then at most PIPE_BUF bytes */
	SINK_SOCKET,      /* send(MSG_DONTWAIT), poll on EAGAIN */
};

struct sink {
	int fd;       /* what is written to */
	int close_fd; /* closed by fclose, or -1 */
	enum sink_mode mode;
	struct sig_state *sig; /* watched while waiting; NULL: none */
	const char *name;      /* "stdout" or the -o path, for messages */
	uint64_t dropped;      /* bytes not written */
	int error;             /* errno of the first write error, 0 if none */
	bool reader_gone;      /* EPIPE: nobody reads any more */
	bool gave_up;          /* after a stop signal the reader did not take it */
	uint64_t last_progress_ns;
};

/* A stream writing to fd through s (s must outlive it). own: fd is ours
 * (an -o file) and fclose closes it. NULL with errno set on failure. */
FILE *sink_open(struct sink *s, int fd, bool own, const char *name, struct sig_state *sig);
/* The run must stop: the output failed or its reader is gone. */
bool sink_broken(const struct sink *s);
/* The fd to watch for the reader going away (EPOLLERR, EPOLLHUP) while
 * nothing is written, or -1; sink_hangup() records that it went. */
int sink_watch_fd(const struct sink *s);
void sink_hangup(struct sink *s);
/* After fclose: says on `err` what was lost or failed. Returns 0, or the
 * errno of a write error (which makes the run fail). */
int sink_report(const struct sink *s, FILE *err);

#endif
