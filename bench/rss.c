/*
 * rss.c - the bench's launcher for peak-RSS and wall-time figures.
 *
 *   rss FD CMD [ARG...]
 *
 * Forks, execs CMD in the child, passes SIGINT, SIGTERM and SIGUSR1 on to
 * it, waits for it with wait4() and writes one line to file descriptor FD
 * (inherited from the bench, closed in CMD):
 *   maxrss_kib=N fork_ns=T0 reap_ns=T1
 * N is the child's ru_maxrss, T0 and T1 CLOCK_MONOTONIC just before fork()
 * and just after wait4() returned. It exits with the child's status, or
 * 128+SIG when a signal killed it.
 *
 * Why a launcher: exec records the high-water RSS of the memory image it
 * replaces into the process's maxrss (exec_mmap), so a child that Python's
 * subprocess starts (vfork: the image is Python's) reports at least
 * Python's ~17 MiB. This program is small and uses fork(), not vfork() or
 * posix_spawn() (both run the child on the parent's image), so the floor
 * it leaves is its own few hundred KiB. Timing from here also leaves out
 * the Python driver's own exec of this program and the latency of its
 * polling for the exit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: rss FD CMD [ARG...]\n");
		return 2;
	}
	char *end;
	long report_fd = strtol(argv[1], &end, 10);
	if (*end || report_fd < 0 || fcntl((int)report_fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "rss: %s is not an open file descriptor\n", argv[1]);
		return 2;
	}

	/* The signals to pass on, and SIGCHLD, are taken with sigwaitinfo(),
	 * blocked from before the fork so none is lost or handled twice. */
	sigset_t waited, old_mask;
	sigemptyset(&waited);
	sigaddset(&waited, SIGINT);
	sigaddset(&waited, SIGTERM);
	sigaddset(&waited, SIGUSR1);
	sigaddset(&waited, SIGCHLD);
	sigprocmask(SIG_BLOCK, &waited, &old_mask);

	pid_t parent = getpid();
	long long fork_ns = now_ns();
	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "rss: fork: %s\n", strerror(errno));
		return 127;
	}
	if (child == 0) {
		/* killed with the launcher, e.g. by the bench's SIGKILL after a timeout */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		execvp(argv[2], argv + 2);
		fprintf(stderr, "rss: cannot run %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}

	int status = 0;
	struct rusage usage;
	for (;;) {
		siginfo_t info;
		if (sigwaitinfo(&waited, &info) < 0)
			continue; /* EINTR: a signal outside the set, e.g. SIGSTOP/SIGCONT */
		if (info.si_signo != SIGCHLD) {
			kill(child, info.si_signo);
			continue;
		}
		/* without WUNTRACED only an exit or a fatal signal is reported */
		if (wait4(child, &status, WNOHANG, &usage) == child)
			break;
	}
	long long reap_ns = now_ns();

	dprintf((int)report_fd, "maxrss_kib=%ld fork_ns=%lld reap_ns=%lld\n", usage.ru_maxrss,
	        fork_ns, reap_ns);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
