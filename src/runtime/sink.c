/*
 * sink.c - the output stream that cannot hang sonde (see sink.h).
 */
#define _GNU_SOURCE
#include "runtime/sink.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static bool give_up(struct sink *s)
{
	s->gave_up = true;
	return false;
}

/* Waits until fd takes more. False when the output is to be dropped: a
 * second stop signal, or the limits after the first (sink.h). */
static bool wait_writable(struct sink *s)
{
	struct sig_state *sig = s->sig;
	for (;;) {
		int timeout_ms = -1;
		if (sig && sig->nstops > 1)
			return give_up(s);
		if (sig && sig->nstops) {
			uint64_t now = sig_now_ns();
			uint64_t since =
			    s->last_progress_ns > sig->stop_ns ? s->last_progress_ns : sig->stop_ns;
			uint64_t stall_end = since + SINK_STALL_MS * 1000000ull;
			uint64_t stop_end = sig->stop_ns + SINK_AFTER_STOP_MS * 1000000ull;
			uint64_t deadline = stall_end < stop_end ? stall_end : stop_end;
			if (now >= deadline)
				return give_up(s);
			timeout_ms = (int)((deadline - now + 999999) / 1000000);
		}
		struct pollfd p[2] = {{.fd = s->fd, .events = POLLOUT},
		                      {.fd = sig ? sig->fd : -1, .events = POLLIN}};
		int n = poll(p, 2, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			s->error = errno;
			return false;
		}
		if (p[1].revents & POLLIN) {
			sig_read_pending(sig);
			continue;
		}
		if (p[0].revents) /* writable, or an error the write will name */
			return true;
	}
}

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct sink *s = cookie;
	size_t done = 0;
	while (done < len && !s->error && !s->reader_gone && !s->gave_up) {
		size_t want = len - done;
		if (s->mode == SINK_POLLED) {
			if (!wait_writable(s))
				break;
			if (want > PIPE_BUF)
				want = PIPE_BUF; /* takes no more than POLLOUT promised */
		}
		ssize_t n = s->mode == SINK_SOCKET
		                ? send(s->fd, buf + done, want, MSG_DONTWAIT | MSG_NOSIGNAL)
		                : write(s->fd, buf + done, want);
		if (n > 0) {
			done += (size_t)n;
			s->last_progress_ns = sig_now_ns();
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!wait_writable(s))
				break;
		} else if (n < 0 && (errno == EPIPE || errno == ECONNRESET)) {
			s->reader_gone = true;
		} else {
			s->error = n < 0 ? errno : EIO;
		}
	}
	s->dropped += len - done;
	/* all of it: what was not written is counted, stdio must not retry */
	return (ssize_t)len;
}

static int sink_close(void *cookie)
{
	struct sink *s = cookie;
	if (s->close_fd >= 0 && close(s->close_fd) && !s->error && errno != EINTR)
		s->error = errno;
	s->close_fd = -1;
	return 0;
}

/* A description of fd's pipe, FIFO or terminal of our own, so that
 * O_NONBLOCK does not reach the other processes sharing fd (a shell's
 * terminal). -1 when it cannot be had. */
static int reopen_nonblocking(int fd)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

FILE *sink_open(struct sink *s, int fd, bool own, const char *name, struct sig_state *sig)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->close_fd = own ? fd : -1;
	s->sig = sig;
	s->name = name;
	struct stat st;
	if (fstat(fd, &st)) {
		s->error = errno;
	} else if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		s->mode = SINK_BLOCKING;
	} else if (S_ISSOCK(st.st_mode)) {
		s->mode = SINK_SOCKET;
	} else if (own) {
		int fl = fcntl(fd, F_GETFL);
		s->mode = fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0 ? SINK_NONBLOCKING
		                                                              : SINK_POLLED;
	} else {
		int nfd = reopen_nonblocking(fd);
		if (nfd >= 0) {
			s->fd = s->close_fd = nfd;
			s->mode = SINK_NONBLOCKING;
		} else if (errno == ENXIO && S_ISFIFO(st.st_mode)) {
			s->reader_gone = true; /* a pipe whose reader has gone */
		} else {
			s->mode = SINK_POLLED;
		}
	}
	cookie_io_functions_t io = {.write = sink_write, .close = sink_close};
	FILE *f = fopencookie(s, "w", io);
	if (!f && s->close_fd >= 0 && s->close_fd != fd)
		close(s->close_fd);
	return f;
}

bool sink_broken(const struct sink *s)
{
	return s->error || s->reader_gone;
}

int sink_watch_fd(const struct sink *s)
{
	return s->mode == SINK_BLOCKING || s->reader_gone ? -1 : s->fd;
}

void sink_hangup(struct sink *s)
{
	s->reader_gone = true;
}

int sink_report(const struct sink *s, FILE *err)
{
	if (s->error) {
		fprintf(err, "sonde: cannot write the output to %s: %s\n", s->name,
		        strerror(s->error));
		if (s->dropped)
			fprintf(err, "sonde: %llu bytes of output were lost\n",
			        (unsigned long long)s->dropped);
		return s->error;
	}
	if (s->gave_up && s->dropped)
		fprintf(err,
		        "sonde: %llu bytes of output were dropped: %s did not take them in time "
		        "after the signal that stopped sonde\n",
		        (unsigned long long)s->dropped, s->name);
	return 0;
}
