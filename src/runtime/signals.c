/*
 * signals.c - the blocked signals, their signalfd, and the watcher thread
 * of the early phase (see signals.h).
 */
#define _GNU_SOURCE
#include "runtime/signals.h"

#include <errno.h>
#include <signal.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

/* Catchable signals whose default action ends the process (signal(7)),
 * the real-time ones added at run time. The synchronous ones (SEGV, BUS,
 * ...) are here for `kill -SEGV`: a real fault is delivered by the kernel
 * even when blocked. */
static const int ending_signals[] = {
    SIGHUP,    SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP, SIGABRT, SIGBUS,
    SIGFPE,    SIGUSR1, SIGSEGV,   SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
    SIGXCPU,   SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO,   SIGPWR,  SIGSYS,
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
};

static bool ignored_at_start(int signo)
{
	struct sigaction sa;
	return sigaction(signo, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

/* A signal ignored when sonde started stays ignored (nohup's SIGHUP), except
 * SIGINT and SIGTERM, the ways to stop a run, handled whatever sonde
 * inherited, as bpftrace does: a shell without job control starts a
 * background job (`sonde ... & kill -INT $!`) with SIGINT ignored. */
static void add_unless_ignored(sigset_t *set, int signo)
{
	if (signo == SIGINT || signo == SIGTERM || !ignored_at_start(signo))
		sigaddset(set, signo);
}

int sig_init(struct sig_state *s)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
	sigemptyset(&s->handled);
	for (size_t i = 0; i < sizeof(ending_signals) / sizeof(ending_signals[0]); i++)
		add_unless_ignored(&s->handled, ending_signals[i]);
	/* SIGRTMIN is past the ones the C library keeps for itself */
	for (int signo = SIGRTMIN; signo <= SIGRTMAX; signo++)
		add_unless_ignored(&s->handled, signo);
	if (sigprocmask(SIG_BLOCK, &s->handled, &s->original_mask))
		return -errno;
	/* an ignored signal is discarded before the signalfd could see it */
	if (ignored_at_start(SIGINT))
		signal(SIGINT, SIG_DFL);
	if (ignored_at_start(SIGTERM))
		signal(SIGTERM, SIG_DFL);
	s->fd = signalfd(-1, &s->handled, SFD_CLOEXEC | SFD_NONBLOCK);
	return s->fd < 0 ? -errno : 0;
}

void sig_fini(struct sig_state *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

uint64_t sig_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool sig_read_pending(struct sig_state *s)
{
	bool any = false;
	struct signalfd_siginfo si;
	while (s->fd >= 0 && read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		any = true;
		if (si.ssi_signo == SIGUSR1) {
			s->print_requests++;
			continue;
		}
		if (!s->nstops++) {
			s->stop_signo = (int)si.ssi_signo;
			s->stop_ns = sig_now_ns();
		}
	}
	return any;
}

void sig_restore_for_child(const struct sig_state *s)
{
	sigprocmask(SIG_SETMASK, &s->original_mask, NULL);
}

/* ---- the early-phase watcher ---------------------------------------------- */

static void *watch_thread(void *arg)
{
	struct sig_watch *w = arg;
	for (;;) {
		struct pollfd p[2] = {{.fd = w->sig->fd, .events = POLLIN},
		                      {.fd = w->wake_fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (p[1].revents)
			return NULL;
		pthread_mutex_lock(&w->lock);
		if (!w->early) {
			pthread_mutex_unlock(&w->lock);
			return NULL;
		}
		struct signalfd_siginfo si;
		while (read(w->sig->fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
			if (si.ssi_signo == SIGUSR1)
				continue;
			if (w->tmp_file[0])
				unlink(w->tmp_file);
			if (w->tmp_dir[0])
				rmdir(w->tmp_dir);
			w->early_exit(w->arg, (int)si.ssi_signo); /* does not return */
		}
		pthread_mutex_unlock(&w->lock);
	}
}

int sig_watch_start(struct sig_watch *w, struct sig_state *s,
                    void (*early_exit)(void *arg, int signo), void *arg)
{
	memset(w, 0, sizeof(*w));
	w->sig = s;
	w->early_exit = early_exit;
	w->arg = arg;
	w->early = true;
	pthread_mutex_init(&w->lock, NULL);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0)
		return -errno;
	int err = pthread_create(&w->thread, NULL, watch_thread, w);
	if (err) {
		close(w->wake_fd);
		w->wake_fd = -1;
		return -err;
	}
	w->running = true;
	return 0;
}

void sig_watch_hold(struct sig_watch *w)
{
	if (w && w->running)
		pthread_mutex_lock(&w->lock);
}

void sig_watch_release(struct sig_watch *w)
{
	if (w && w->running)
		pthread_mutex_unlock(&w->lock);
}

void sig_watch_set_tmp(struct sig_watch *w, const char *file, const char *dir)
{
	if (!w)
		return;
	snprintf(w->tmp_file, sizeof(w->tmp_file), "%s", file ? file : "");
	snprintf(w->tmp_dir, sizeof(w->tmp_dir), "%s", dir ? dir : "");
}

void sig_watch_end(struct sig_watch *w)
{
	if (!w || !w->running)
		return;
	pthread_mutex_lock(&w->lock);
	w->early = false;
	pthread_mutex_unlock(&w->lock);
	uint64_t one = 1;
	if (write(w->wake_fd, &one, sizeof(one)) != sizeof(one))
		pthread_cancel(w->thread); /* cannot happen to a fresh eventfd */
	pthread_join(w->thread, NULL);
	close(w->wake_fd);
	w->wake_fd = -1;
	w->running = false;
}
