/*
 * signals.h - which signals sonde takes, and how they reach it.
 *
 * Every catchable signal whose default action would end the process
 * (HUP, INT, QUIT, TERM, PIPE, ALRM, USR1, USR2, the real-time ones, ...)
 * is blocked from the first line of main and read from one signalfd, so
 * none can kill sonde between creating a kernel object and recording it:
 * every way out goes through the same clean-up. A signal that was ignored
 * when sonde started (nohup's HUP, INT and QUIT of a background job in a
 * non-interactive shell) stays ignored, as Unix tools leave it.
 *
 * Two phases. Until the runtime holds anything in the kernel (reading the
 * script, compiling, loading) a watcher thread ends the process on a
 * signal at once: there is nothing to undo but what the caller's early
 * exit does. From then on the runtime reads the signalfd between steps,
 * detaches, runs END and prints the maps. SIGUSR1 never ends sonde: it
 * asks for the maps to be printed now.
 */
#ifndef SONDE_SIGNALS_H
#define SONDE_SIGNALS_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

struct sig_state {
	int fd;                 /* signalfd of `handled`, non-blocking, close-on-exec */
	sigset_t handled;       /* blocked and read from fd */
	sigset_t original_mask; /* the mask sonde started with, for its children */
	/* what has arrived (sig_read_pending) */
	int stop_signo;          /* the first signal that asked sonde to stop, 0 if none */
	unsigned nstops;         /* how many such signals */
	uint64_t stop_ns;        /* CLOCK_MONOTONIC when the first came */
	unsigned print_requests; /* SIGUSR1s not yet served */
};

/* Blocks the signals (all but those ignored at start) and opens the
 * signalfd. Returns 0 or -errno. */
int sig_init(struct sig_state *s);
void sig_fini(struct sig_state *s);
/* Reads every signal pending on the signalfd into the counters above.
 * Returns true when at least one was read. */
bool sig_read_pending(struct sig_state *s);
/* In a child after fork: the signal mask sonde started with. */
void sig_restore_for_child(const struct sig_state *s);
/* Monotonic nanoseconds (for stop_ns and the output's deadlines). */
uint64_t sig_now_ns(void);

/* The watcher of the early phase. On a signal other than SIGUSR1 it calls
 * early_exit(arg, signo), which must end the process; SIGUSR1 is read and
 * dropped (there are no maps yet). */
struct sig_watch {
	struct sig_state *sig;
	void (*early_exit)(void *arg, int signo);
	void *arg;
	pthread_t thread;
	pthread_mutex_t lock; /* held while a signal is handled, and by sig_watch_hold */
	int wake_fd;          /* eventfd: sig_watch_end wakes the thread */
	bool early;           /* false once the runtime reads the signals itself */
	bool running;
	/* a temporary file and its directory an early exit removes first (the
	 * compiler's copy of a -e script); empty when there is none */
	char tmp_file[4096], tmp_dir[4096];
};

int sig_watch_start(struct sig_watch *w, struct sig_state *s,
                    void (*early_exit)(void *arg, int signo), void *arg);
/* While held, a signal waits: a step that must not be cut in half (writing
 * --emit-elf's file) runs between hold and release. */
void sig_watch_hold(struct sig_watch *w);
void sig_watch_release(struct sig_watch *w);
/* Names the temporary file and directory to remove if a signal ends the
 * process now (NULLs: none any more). Call it held. */
void sig_watch_set_tmp(struct sig_watch *w, const char *file, const char *dir);
/* Hands the signals over to the caller: from here on nothing ends the
 * process on its own and pending signals stay on the signalfd. NULL-safe
 * and idempotent. */
void sig_watch_end(struct sig_watch *w);

#endif
