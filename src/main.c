/*
 * main.c - the command line: parse options, read the script, call the
 * driver and the runtime, and map failures to exit codes. The only place
 * that calls exit().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/syscall.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "backend/backend.h"
#include "front/diag.h"
#include "driver.h"
#include "kernel/features.h"
#include "kernel/host.h"
#include "listing.h"
#include "cache.h"
#include "objfile.h"
#include "options.h"
#include "probes/provider.h"
#include "settings.h"
#include "runtime/metrics.h"
#include "runtime/runtime.h"
#include "runtime/signals.h"
#include "runtime/sink.h"

static void usage(FILE *out)
{
	fputs("USAGE: sonde [options] FILE [PARAM...]\n"
	      "       sonde [options] -e 'PROGRAM' [PARAM...]\n"
	      "       sonde [options] FILE.o [PARAM...]   (an object --emit-elf wrote)\n"
	      "\n"
	      "Compiles a probe script to BPF, attaches it, and prints what it reports.\n"
	      "The PARAMs are the script's $1, $2, ... ($# of them); options may come\n"
	      "anywhere, and '--' ends them (a PARAM may then start with '-').\n"
	      "\n"
	      "options:\n"
	      "  -e PROGRAM         run PROGRAM given on the command line\n"
	      "  -f text|json       output format (default text)\n"
	      "  -o, --output FILE  write output to FILE\n"
	      "  -w, --capture FILE.pcap  write the packets the script's capture\n"
	      "                     statements take to this pcap file (Ethernet)\n"
	      "  -q, --quiet        quiet: no \"Attaching N probes...\" line\n"
	      "  --output-version 0.17|0.26  report the run as that bpftrace does (default\n"
	      "                     0.17; 0.26: \"Attached N probes\" and lost events on\n"
	      "                     stderr, a \"count\" in their JSON records, stats as\n"
	      "                     records, pointers in maps in hex)\n"
	      "  -B line|full|none  output buffering (default: line on a terminal, else full)\n"
	      "  -v, --verbose      verbose: libbpf's messages\n"
	      "  -k                 warn when a BPF helper fails (map updates and deletes, ...)\n"
	      "  -kk                also when a memory read (bpf_probe_read...) fails\n"
	      "  --no-warnings      do not show the compiler's warnings\n"
	      "  -I DIR             a directory for the headers a script #includes\n"
	      "  --include FILE     a header included before the script, as #include \"FILE\"\n"
	      "  --usdt-file-activation  accepted: usdt semaphores are always raised for\n"
	      "                     every process running the file\n"
	      "  -d                 debug: print the AST, the LLVM IR and the verifier log\n"
	      "  -d STAGE[,STAGE]   debug: print only these, on stderr: ast (the AST as\n"
	      "                     parsed and as typed), ir (LLVM IR before and after\n"
	      "                     optimisation; codegen or codegen-opt: one of them),\n"
	      "                     verifier (each program's verifier log), all\n"
	      "  --debug STAGE[,STAGE]  the same; the stages are always its argument\n"
	      "  --dry-run          compile, verify and load, but attach nothing\n"
	      "  --emit-llvm FILE   write the LLVM IR to FILE\n"
	      "  --emit-elf FILE    write the BPF object to FILE and exit (for ip, tc, bpftool,\n"
	      "                     and for 'sonde FILE' to run without compiling)\n"
	      "  --cache            run the object an earlier run of the same script compiled\n"
	      "                     (SONDE_CACHE=1 too; kept in $SONDE_CACHE_DIR, else\n"
	      "                     ~/.cache/sonde)\n"
	      "  --no-cache         compile every time (the default)\n"
	      "  --metrics [ADDR:]PORT  serve the maps for Prometheus at\n"
	      "                     http://ADDR:PORT/metrics while the probes run\n"
	      "                     (ADDR 127.0.0.1 by default; [::1]:PORT for IPv6)\n"
	      "  --test-run PCAP    run the xdp/tc probes over the packets of a pcap file,\n"
	      "                     attaching nothing; print verdict counts and the maps\n"
	      "  --test             run the script's test:NAME probes (after BEGIN), print\n"
	      "                     which pass; attach nothing (--mode test)\n"
	      "  --bench            time the script's bench:NAME probes (--mode bench)\n"
	      "  --pin DIR          pin the maps in the BPF filesystem (DIR a name under\n"
	      "                     /sys/fs/bpf or a path there); removed at exit\n"
	      "  --keep-pins        leave the --pin pins in place at exit\n"
	      "  --map-file @NAME=FILE  fill the lpm() map @NAME from FILE before\n"
	      "                     attaching: a network a line, optional value\n"
	      "  --force            let xdp probes replace an interface's XDP program for\n"
	      "                     the run (it is put back at exit)\n"
	      "  -l, --list [PATTERN]  list probes (-lv: with argument types), e.g.\n"
	      "                     -l 'tracepoint:sched:*', -l 'uprobe:/bin/bash:read*';\n"
	      "                     kernel types: -lv 'struct task_struct'\n"
	      "  -l FILE            list the probes a script would attach (or -l -e PROGRAM)\n"
	      "  -p, --pid PID      attach uprobes/usdt to this process only\n"
	      "  --dwarf-pid PID    dw_ustack also unwinds this process (more: repeat it)\n"
	      "  -c, --cmd 'CMD'    run CMD once the probes are attached, trace it, exit when\n"
	      "                     it exits\n"
	      "  --info             what this kernel supports (BTF, kprobes, fentry, ...)\n",
	      out);
	fprintf(out,
		"  --max-strlen N     bytes in a string value (default %d)\n"
		"  --unsafe           allow functions that act on the system\n"
		"  --ringbuf-size N   bytes of the event ring buffer (power of two, default %dK)\n"
		"  --map-entries N    entries a hash map can hold (default %d)\n",
		MAX_STRLEN_DEFAULT, RINGBUF_SIZE_DEFAULT >> 10, MAP_ENTRIES_DEFAULT);
	fputs("  -h, --help         show this help\n"
	      "  -V, --version      show the version\n"
	      "\n"
	      "exit status: 0 success, 1 script error, 2 usage error, 3 load/verifier\n"
	      "failure or missing privilege, 4 attach failure, 5 other system failure\n",
	      out);
}

/* Reads the script at `path` ("-" for stdin), refusing one larger than
 * SCRIPT_MAX_BYTES (options.h). On failure returns NULL with the reason,
 * to be shown after the file's name, in why[WHY_SIZE]. */
enum { WHY_SIZE = 128 };
static char *read_file(const char *path, size_t *len, char *why)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rbe") : stdin;
	if (!f) {
		/* bpftrace's words, which scripts and its tests look for */
		snprintf(why, WHY_SIZE, "%s", strerror(errno));
		*len = (size_t)-1;
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (f != stdin)
			fclose(f);
		snprintf(why, WHY_SIZE, "it is a directory, not a script");
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	int err = 0;
	while (buf && n <= SCRIPT_MAX_BYTES) {
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (n + 1 < cap) {
			if (ferror(f))
				err = errno ? errno : EIO;
			break;
		}
		cap *= 2;
		char *nb = realloc(buf, cap);
		if (!nb)
			free(buf);
		buf = nb;
	}
	if (f != stdin)
		fclose(f);
	if (buf && !err && n > SCRIPT_MAX_BYTES) {
		free(buf);
		snprintf(why, WHY_SIZE, "larger than the %d MiB limit for a script",
			 SCRIPT_MAX_BYTES >> 20);
		return NULL;
	}
	if (!buf || err) {
		free(buf);
		snprintf(why, WHY_SIZE, "%s", strerror(err ? err : ENOMEM));
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

/* ---- -c CMD, -p PID ------------------------------------------------------ */

/* -c: the command is forked before compiling (so uprobes can be limited
 * to its pid) and held on a pipe until the runtime has attached every
 * probe; a thread waits for it and ends the run through exit_fd, which
 * the runtime takes as a normal stop. */
struct child {
	pid_t pid;
	int go_fd;
	int exec_err_fd; /* the child's errno when exec failed after all */
	int exec_errno;
	int exit_fd; /* eventfd, written when the command has ended */
	char *path;  /* the file it runs, as exec is given it */
	bool exited;
	pthread_t waiter;
	bool has_waiter;
	bool traced; /* stopped at its entry point under ptrace (child_to_entry) */
	bool reaped; /* child_to_entry saw it end (its exec failed) */
};

/* A script's "#!" interpreter, when it names one that cannot run: the
 * kernel's exec of the script would fail with ENOENT or EACCES. */
static bool bad_interpreter(const char *file, char *interp, size_t size)
{
	FILE *f = fopen(file, "rbe");
	if (!f)
		return false;
	char line[256];
	bool bad = false;
	if (fgets(line, sizeof(line), f) && line[0] == '#' && line[1] == '!') {
		char *p = line + 2;
		while (*p == ' ' || *p == '\t')
			p++;
		size_t n = strcspn(p, " \t\r\n");
		p[n] = 0;
		struct stat st;
		bad = n && (stat(p, &st) || !S_ISREG(st.st_mode) || access(p, X_OK));
		snprintf(interp, size, "%s", p);
	}
	fclose(f);
	return bad;
}

/* The file execvp(3) would run for `word` (malloc'd), found before
 * anything is compiled or loaded: a command that cannot start is an error
 * then, not a run that attaches, traces nothing and succeeds. NULL after
 * saying why. */
static char *command_path(const char *word)
{
	const char *path = getenv("PATH");
	if (!path)
		path = "/bin:/usr/bin"; /* execvp's default */
	bool search = !strchr(word, '/');
	int why = ENOENT;
	for (const char *dir = path; dir;) {
		const char *colon = search ? strchr(dir, ':') : NULL;
		size_t dlen = colon ? (size_t)(colon - dir) : strlen(dir);
		char *file;
		if (!search)
			file = strdup(word);
		else if (asprintf(&file, "%.*s%s%s", (int)dlen, dir, dlen ? "/" : "", word) < 0)
			file = NULL;
		if (!file)
			break;
		struct stat st;
		if (stat(file, &st) == 0) {
			char interp[256];
			if (S_ISREG(st.st_mode) && access(file, X_OK) == 0) {
				if (!bad_interpreter(file, interp, sizeof(interp)))
					return file;
				fprintf(stderr,
					"sonde: -c: cannot run '%s': its interpreter %s is not an "
					"executable file\n",
					file, interp);
				free(file);
				return NULL;
			}
			/* a later PATH entry may still have it, as for execvp */
			why = S_ISDIR(st.st_mode) ? EISDIR : EACCES;
		}
		free(file);
		dir = colon ? colon + 1 : NULL;
	}
	if (why == ENOENT && search)
		fprintf(stderr, "sonde: -c: cannot run '%s': there is no such command in PATH\n",
			word);
	else
		fprintf(stderr, "sonde: -c: cannot run '%s': %s\n", word,
			why == EACCES ? "it is not an executable file" : strerror(why));
	return NULL;
}

/* The forked side of child_spawn: waits for the go, then runs the command. */
static _Noreturn void child_exec(const char *file, char **words, int go_fd, int err_fd,
				 const struct sig_state *sig)
{
	/* the signals as sonde got them: blocked ones unblocked, ignored
	 * ones (nohup) still ignored */
	sig_restore_for_child(sig);
	char go;
	if (read(go_fd, &go, 1) != 1)
		_exit(127); /* sonde gave up before attaching */
	/* a path with a slash: no second search, but execvp still runs
	 * a script without #! through /bin/sh */
	execvp(file, words);
	int e = errno;
	/* the file was there when checked: what is missing now is
	 * most likely what it needs to start */
	fprintf(stderr, "sonde: -c: cannot run %s: %s%s\n", words[0], strerror(e),
		e == ENOENT ? " (the file, or the ELF interpreter it names)" : "");
	/* nothing more to do if even this fails: sonde then sees only
	 * the exit status */
	ssize_t sent = write(err_fd, &e, sizeof(e));
	(void)sent;
	_exit(127);
}

static void close_pipe(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* The words of -c's command, split at every space and nothing else, as
 * bpftrace splits them: quotes are characters of the words (`-c "echo 'A'"`
 * passes 'A' with its quotes), nothing is expanded, and two spaces make an
 * empty word between them. Only leading spaces are skipped, where bpftrace
 * would try to run the empty name. A NULL-terminated array in one
 * allocation with the words' text after it; NULL when there is no command
 * or no memory. */
static char **command_words(const char *cmd)
{
	cmd += strspn(cmd, " ");
	size_t len = strlen(cmd), nwords = 1;
	if (len == 0)
		return NULL;
	for (size_t i = 0; i < len; i++)
		nwords += cmd[i] == ' ';
	char **words = malloc((nwords + 1) * sizeof(*words) + len + 1);
	if (!words)
		return NULL;
	char *text = memcpy((char *)(words + nwords + 1), cmd, len + 1);
	size_t n = 0;
	words[n++] = text;
	for (size_t i = 0; i < len; i++)
		if (text[i] == ' ') {
			text[i] = '\0';
			words[n++] = text + i + 1;
		}
	words[n] = NULL;
	return words;
}

static int child_spawn(const char *cmd, struct child *ch, const struct sig_state *sig)
{
	char **words = command_words(cmd);
	if (!words) {
		fprintf(stderr, "sonde: -c: '%s' names no command\n", cmd);
		return EXIT_USAGE;
	}
	int rc = EXIT_USAGE;
	int go[2] = {-1, -1}, err[2] = {-1, -1};
	char *file = command_path(words[0]);
	if (!file)
		goto out;
	/* one failure path: each step names itself, all that was made is closed */
	rc = EXIT_SYSTEM;
	const char *step = "pipe";
	pid_t pid = -1;
	if (pipe2(go, O_CLOEXEC) || pipe2(err, O_CLOEXEC))
		goto failed;
	step = "eventfd";
	ch->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ch->exit_fd < 0)
		goto failed;
	step = "fork";
	pid = fork();
	if (pid < 0)
		goto failed;
	if (pid == 0) {
		close(go[1]);
		close(err[0]);
		child_exec(file, words, go[0], err[1], sig);
	}
	ch->pid = pid;
	ch->path = file;
	file = NULL;
	ch->go_fd = go[1];
	ch->exec_err_fd = err[0];
	go[1] = err[0] = -1;
	rc = EXIT_OK;
	goto out;
failed:
	fprintf(stderr, "sonde: -c: %s: %s\n", step, strerror(errno));
	if (ch->exit_fd >= 0)
		close(ch->exit_fd);
	ch->exit_fd = -1;
out:
	close_pipe(go);
	close_pipe(err);
	free(file);
	free(words);
	return rc;
}

static void *child_wait(void *arg)
{
	struct child *ch = arg;
	int status;
	while (!ch->reaped && waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
		;
	/* the write end closed at exec or exit: this does not block */
	int e;
	if (read(ch->exec_err_fd, &e, sizeof(e)) == (ssize_t)sizeof(e))
		ch->exec_errno = e;
	ch->exited = true;
	uint64_t one = 1;
	if (write(ch->exit_fd, &one, sizeof(one)) != sizeof(one))
		kill(getpid(), SIGTERM); /* cannot happen to an eventfd; stop anyway */
	return NULL;
}

/* AT_ENTRY of the process's auxiliary vector: where its program starts
 * once the dynamic loader has mapped the libraries. 0 if unknown. */
static unsigned long entry_point(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return 0;
	unsigned long av[2], entry = 0;
	while (fread(av, sizeof(av), 1, f) == 1 && av[0])
		if (av[0] == 9 /* AT_ENTRY */)
			entry = av[1];
	fclose(f);
	return entry;
}

/* dw_ustack with -c (runtime.h's to_entry): the unwind tables are read
 * from the process's mappings, which hold its libraries only once the
 * dynamic loader has run. So the command is started under ptrace, stopped
 * at its exec, given a breakpoint at its entry point and continued to
 * it; there the instruction is put back and the process waits, still
 * traced, until child_go detaches it. */
static int child_to_entry(void *arg)
{
	struct child *ch = arg;
	const char *step = "ptrace";
	if (ptrace(PTRACE_SEIZE, ch->pid, 0, (void *)(PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)))
		goto failed;
	ch->traced = true;
	if (write(ch->go_fd, "g", 1) != 1)
		goto failed;
	close(ch->go_fd);
	ch->go_fd = -1;
	int status;
	step = "waiting for its exec";
	if (waitpid(ch->pid, &status, 0) < 0)
		goto failed;
	if (!WIFSTOPPED(status)) {
		/* its exec failed (child_exec said why): child_go has the
		 * waiter see the end */
		ch->traced = false;
		ch->reaped = true;
		return 1;
	}
	if (status >> 8 != (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
		goto failed;
	step = "finding its entry point";
	unsigned long entry = entry_point(ch->pid);
	if (!entry)
		goto failed;
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, ch->pid, (void *)entry, 0);
	if (errno)
		goto failed;
	long trap = (long)(((unsigned long)word & ~0xfful) | 0xcc);
	step = "running it to its entry point";
	if (ptrace(PTRACE_POKETEXT, ch->pid, (void *)entry, (void *)trap) ||
	    ptrace(PTRACE_CONT, ch->pid, 0, 0) || waitpid(ch->pid, &status, 0) < 0 ||
	    !WIFSTOPPED(status) || WSTOPSIG(status) != SIGTRAP)
		goto failed;
	struct user_regs_struct regs;
	if (ptrace(PTRACE_POKETEXT, ch->pid, (void *)entry, (void *)word) ||
	    ptrace(PTRACE_GETREGS, ch->pid, 0, &regs))
		goto failed;
	regs.rip = entry;
	if (ptrace(PTRACE_SETREGS, ch->pid, 0, &regs))
		goto failed;
	return 0;
failed:
	fprintf(stderr, "sonde: -c: dw_ustack: cannot stop the command at its entry point (%s: %s); "
			"its libraries may have no unwind tables\n",
		step, strerror(errno));
	return -1;
}

static void child_go(void *arg)
{
	struct child *ch = arg;
	if (ch->reaped) {
		ch->has_waiter = pthread_create(&ch->waiter, NULL, child_wait, ch) == 0;
		return;
	}
	if (ch->traced) {
		/* started already (child_to_entry): let it go on from its entry */
		if (ptrace(PTRACE_DETACH, ch->pid, 0, 0))
			fprintf(stderr, "sonde: -c: cannot start the command: %s\n", strerror(errno));
		ch->traced = false;
		ch->has_waiter = pthread_create(&ch->waiter, NULL, child_wait, ch) == 0;
		return;
	}
	if (write(ch->go_fd, "g", 1) != 1)
		fprintf(stderr, "sonde: -c: cannot start the command: %s\n", strerror(errno));
	close(ch->go_fd);
	ch->go_fd = -1;
	ch->has_waiter = pthread_create(&ch->waiter, NULL, child_wait, ch) == 0;
}

/* At exit: a command that never started or still runs is ended. */
static void child_finish(struct child *ch)
{
	if (!ch->pid)
		return;
	if (ch->go_fd >= 0)
		close(ch->go_fd);
	/* stopped at its entry point, never let go: it is ended there */
	if (ch->traced)
		kill(ch->pid, SIGKILL);
	if (!ch->has_waiter) {
		if (!ch->reaped)
			waitpid(ch->pid, NULL, 0);
	} else {
		if (!ch->exited)
			kill(ch->pid, SIGTERM);
		pthread_join(ch->waiter, NULL);
	}
	close(ch->exec_err_fd);
	close(ch->exit_fd);
	free(ch->path);
}

static int parse_pid(const char *arg, int *pid)
{
	/* bpftrace 0.17's checks and words, which its runtime tests expect:
	 * decimal digits only, within the kernel's largest pid_max */
	enum { PID_MAX_LIMIT = 4194304 };
	bool digits = *arg != 0;
	for (const char *p = arg; *p; p++)
		digits &= *p >= '0' && *p <= '9';
	if (!digits) {
		fprintf(stderr, "ERROR: pid '%s' is not a valid decimal number\n", arg);
		return EXIT_USAGE;
	}
	errno = 0;
	long v = strtol(arg, NULL, 10);
	if (errno || v < 1 || v > PID_MAX_LIMIT) {
		fprintf(stderr, "ERROR: pid '%s' out of valid pid range [1,%d]\n", arg,
			PID_MAX_LIMIT);
		return EXIT_USAGE;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld", v);
	if (access(path, F_OK)) {
		fprintf(stderr, "sonde: -p: there is no process %ld\n", v);
		return EXIT_USAGE;
	}
	*pid = (int)v;
	return EXIT_OK;
}

/* SONDE_READY_FD=N: the descriptor the runtime reports "attached" on
 * (runtime.h). Close-on-exec, so neither -c's command nor system() keeps
 * it open after sonde has closed it. -1 when the variable is not set. */
static int ready_fd_from_env(int *fd)
{
	*fd = -1;
	const char *env = getenv("SONDE_READY_FD");
	if (!env)
		return EXIT_OK;
	char *end;
	long v = strtol(env, &end, 10);
	/* a pipe or socket only: a number left over from a parent's
	 * environment may name an unrelated file here, which must not get
	 * the line */
	struct stat st;
	if (*env == '\0' || *end || v < 0 || v > INT32_MAX || fstat((int)v, &st) ||
	    !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) {
		fprintf(stderr, "sonde: SONDE_READY_FD=%s is not an open pipe or socket\n", env);
		return EXIT_USAGE;
	}
	if (fcntl((int)v, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "sonde: SONDE_READY_FD=%s: %s\n", env, strerror(errno));
		return EXIT_USAGE;
	}
	*fd = (int)v;
	return EXIT_OK;
}

/* ---- the command line ---------------------------------------------------- */

/* What the command line asked for. Parsing stops at -h, -V and --info,
 * which act at once whatever follows. */
enum run_mode { MODE_RUN, MODE_LIST, MODE_HELP, MODE_VERSION, MODE_INFO };

struct cli {
	enum run_mode mode;
	struct host *host; /* this process's record of the kernel (host.h) */
	struct compile_options copts;
	struct rt_options ropts;
	const char *program; /* -e */
	const char *out_path, *buffering, *emit_elf, *command;
	const char *metrics; /* --metrics ADDR:PORT */
	int target_pid;
	int argc;
	char **argv;
	int operand; /* argv index of the first argument that is not an option */
	/* the first option given that only compiling uses ("--max-strlen"):
	 * refused when the script FILE is an object (objfile.h) */
	const char *compile_option;
	/* --cache 1, --no-cache 0, neither -1 (then SONDE_CACHE decides) */
	int cache;
};

/* -d's stages, as bpftrace 0.26 names them (its "codegen" and
 * "codegen-opt" are sonde's IR before and after optimisation). */
static const struct {
	const char *name;
	unsigned debug; /* DEBUG_* (compile.h) */
} debug_stages[] = {
	{"ast", DEBUG_AST},
	{"ir", DEBUG_IR},
	{"codegen", DEBUG_IR_RAW},
	{"codegen-opt", DEBUG_IR_OPT},
	{"verifier", DEBUG_VERIFIER},
	{"all", DEBUG_AST | DEBUG_IR | DEBUG_VERIFIER},
};
enum { NSTAGES = sizeof(debug_stages) / sizeof(debug_stages[0]) };

/* STAGE[,STAGE...] into DEBUG_* bits; false with the first word that is
 * no stage in bad[WHY_SIZE]. */
static bool parse_debug_stages(const char *list, unsigned *bits, char *bad)
{
	unsigned got = 0;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");
		int k = -1;
		for (int i = 0; i < NSTAGES && n; i++)
			if (strlen(debug_stages[i].name) == n &&
			    !strncmp(debug_stages[i].name, p, n))
				k = i;
		if (n && k < 0) {
			snprintf(bad, WHY_SIZE, "%.*s", (int)n, p);
			return false;
		}
		if (k >= 0)
			got |= debug_stages[k].debug;
		p += n + (p[n] == ',');
	}
	if (!got) {
		snprintf(bad, WHY_SIZE, "%s", list);
		return false;
	}
	*bits |= got;
	return true;
}

/* -d, or -d STAGE: the stages are the next argument when -d ends its
 * argument and the next one is a stage list. -d alone keeps its meaning
 * from before it took stages (every stage, as -d all), so a script FILE
 * may follow it; a word of stage characters that names no file is taken
 * as a stage misspelt rather than as a missing script. */
static void unknown_stage(const char *bad)
{
	fprintf(stderr, "sonde: -d: unknown stage '%s': the stages are ", bad);
	for (int i = 0; i < NSTAGES; i++)
		fprintf(stderr, "%s%s", debug_stages[i].name,
			i + 2 < NSTAGES ? ", " : i + 1 < NSTAGES ? " and " : "");
	fprintf(stderr, ", separated by commas\n");
}

/* --debug STAGE[,STAGE]: the stages are its argument, always */
static int debug_stages_option(struct cli *o, const char *arg)
{
	char bad[WHY_SIZE];
	if (parse_debug_stages(arg, &o->copts.debug, bad))
		return EXIT_OK;
	unknown_stage(bad);
	return EXIT_USAGE;
}

static int debug_option(struct cli *o, bool ends_argument)
{
	const char *next = ends_argument && optind < o->argc ? o->argv[optind] : NULL;
	char bad[WHY_SIZE];
	if (next && next[0] != '-' && parse_debug_stages(next, &o->copts.debug, bad)) {
		optind++;
		return EXIT_OK;
	}
	struct stat st;
	if (next && next[0] && !next[strspn(next, "abcdefghijklmnopqrstuvwxyz-,")] &&
	    next[0] != '-' && stat(next, &st)) {
		unknown_stage(bad);
		return EXIT_USAGE;
	}
	o->copts.debug |= DEBUG_AST | DEBUG_IR | DEBUG_VERIFIER;
	return EXIT_OK;
}

/* --max-strlen, --ringbuf-size, --map-entries: a number from min to max
 * (a power of two when pow2), in `base` as strtoul takes it. */
static bool parse_limited(const char *arg, int base, unsigned long min, unsigned long max,
			  bool pow2, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(arg, &end, base);
	if (*end || v < min || v > max || (pow2 && (v & (v - 1))))
		return false;
	*out = (uint32_t)v;
	return true;
}

enum {
	OPT_DRY_RUN = 256,
	OPT_EMIT_LLVM,
	OPT_MAX_STRLEN,
	OPT_UNSAFE,
	OPT_EMIT_ELF,
	OPT_CACHE,
	OPT_NO_CACHE,
	OPT_TEST_RUN,
	OPT_METRICS,
	OPT_PIN,
	OPT_KEEP_PINS,
	OPT_MAP_FILE,
	OPT_FORCE,
	OPT_RINGBUF_SIZE,
	OPT_MAP_ENTRIES,
	OPT_DEBUG,
	OPT_INCLUDE,
	OPT_NO_WARNINGS,
	OPT_USDT_FILE_ACTIVATION,
	OPT_TEST,
	OPT_BENCH,
	OPT_MODE,
	OPT_OUTPUT_VERSION,
	OPT_DWARF_PID,
};

/* options of -l/-p/-c/--info (kept apart from the enum above) */
enum { OPT_INFO = 512 };

static const struct option longopts[] = {
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"emit-llvm", required_argument, NULL, OPT_EMIT_LLVM},
	{"max-strlen", required_argument, NULL, OPT_MAX_STRLEN},
	{"unsafe", no_argument, NULL, OPT_UNSAFE},
	{"ringbuf-size", required_argument, NULL, OPT_RINGBUF_SIZE},
	{"map-entries", required_argument, NULL, OPT_MAP_ENTRIES},
	{"emit-elf", required_argument, NULL, OPT_EMIT_ELF},
	{"cache", no_argument, NULL, OPT_CACHE},
	{"no-cache", no_argument, NULL, OPT_NO_CACHE},
	{"test-run", required_argument, NULL, OPT_TEST_RUN},
	{"metrics", required_argument, NULL, OPT_METRICS},
	{"test", no_argument, NULL, OPT_TEST},
	{"bench", no_argument, NULL, OPT_BENCH},
	{"mode", required_argument, NULL, OPT_MODE},
	{"pin", required_argument, NULL, OPT_PIN},
	{"keep-pins", no_argument, NULL, OPT_KEEP_PINS},
	{"map-file", required_argument, NULL, OPT_MAP_FILE},
	{"force", no_argument, NULL, OPT_FORCE},
	{"info", no_argument, NULL, OPT_INFO},
	/* bpftrace 0.26's long forms of the short options, and its own */
	{"cmd", required_argument, NULL, 'c'},
	{"debug", required_argument, NULL, OPT_DEBUG},
	{"list", no_argument, NULL, 'l'},
	{"output", required_argument, NULL, 'o'},
	{"capture", required_argument, NULL, 'w'},
	{"pid", required_argument, NULL, 'p'},
	{"dwarf-pid", required_argument, NULL, OPT_DWARF_PID},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"include", required_argument, NULL, OPT_INCLUDE},
	{"no-warnings", no_argument, NULL, OPT_NO_WARNINGS},
	{"usdt-file-activation", no_argument, NULL, OPT_USDT_FILE_ACTIVATION},
	{"output-version", required_argument, NULL, OPT_OUTPUT_VERSION},
	{NULL, 0, NULL, 0},
};

/* --test, --bench, --mode test|bench (bpftrace 0.26): one of them, once */
static int probe_mode_option(struct cli *o, int c, const char *arg)
{
	bool tests = c == OPT_TEST;
	if (c == OPT_MODE) {
		/* the modes are named as the probe types they run */
		const struct provider *p = provider_find(arg);
		if (!p || (p->run != RUN_TEST && p->run != RUN_BENCH)) {
			/* bpftrace's other modes print its compiler's stages */
			fprintf(stderr,
			        "sonde: --mode takes 'test' or 'bench', not '%s' (for bpftrace's "
			        "'codegen', see -d ir)\n",
			        arg);
			return EXIT_USAGE;
		}
		tests = p->run == RUN_TEST;
	}
	if (o->ropts.run_tests || o->ropts.run_benches) {
		fprintf(stderr,
		        "sonde: --test, --bench and --mode are one choice: give one of them\n");
		return EXIT_USAGE;
	}
	o->ropts.run_tests = tests;
	o->ropts.run_benches = !tests;
	return EXIT_OK;
}

/* --output-version and SONDE_OUTPUT_VERSION (`what` names the one given,
 * for the error): EXIT_OK or EXIT_USAGE. */
static int output_version_option(struct cli *o, const char *what, const char *arg)
{
	if (!strcmp(arg, "0.17")) {
		o->ropts.output_version = OUT_V0_17;
	} else if (!strcmp(arg, "0.26")) {
		o->ropts.output_version = OUT_V0_26;
	} else {
		fprintf(stderr, "sonde: %s takes '0.17' or '0.26', not '%s'\n", what, arg);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* The options with a value to check; EXIT_OK or EXIT_USAGE. */
static int value_option(struct cli *o, int c, const char *arg)
{
	switch (c) {
	case OPT_OUTPUT_VERSION:
		return output_version_option(o, "--output-version", arg);
	case 'f':
		if (!strcmp(arg, "text")) {
			o->ropts.format = OUT_TEXT;
		} else if (!strcmp(arg, "json")) {
			o->ropts.format = OUT_JSON;
		} else {
			/* bpftrace 0.17's words, which its runtime tests expect */
			fprintf(stderr, "ERROR: Invalid output format \"%s\"\n"
					"Valid formats: 'text', 'json'\n",
				arg);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	case 'B':
		if (strcmp(arg, "line") && strcmp(arg, "full") && strcmp(arg, "none")) {
			fprintf(stderr, "sonde: -B takes 'line', 'full' or 'none', not '%s'\n", arg);
			return EXIT_USAGE;
		}
		o->buffering = arg;
		return EXIT_OK;
	case 'p':
		return parse_pid(arg, &o->target_pid);
	case OPT_DWARF_PID: {
		if (o->host->ndwarf_pids == HOST_DWARF_PIDS) {
			fprintf(stderr, "sonde: --dwarf-pid: at most %d processes\n", HOST_DWARF_PIDS);
			return EXIT_USAGE;
		}
		int pid;
		int rc = parse_pid(arg, &pid);
		if (rc == EXIT_OK)
			o->host->dwarf_pids[o->host->ndwarf_pids++] = pid;
		return rc;
	}
	case OPT_MAX_STRLEN:
		if (!parse_limited(arg, 10, MAX_STRLEN_MIN, MAX_STRLEN_MAX, false,
				   &o->copts.max_strlen)) {
			fprintf(stderr, "sonde: --max-strlen takes a number from %d to %d\n",
				MAX_STRLEN_MIN, MAX_STRLEN_MAX);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	case OPT_RINGBUF_SIZE: {
		/* the kernel takes no ring buffer smaller than a page */
		long page = sysconf(_SC_PAGESIZE);
		if (!parse_limited(arg, 0, (unsigned long)page, RINGBUF_SIZE_MAX, true,
				   &o->copts.ringbuf_size)) {
			fprintf(stderr,
				"sonde: --ringbuf-size takes a power of two from %ld to %d bytes\n",
				page, RINGBUF_SIZE_MAX);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	case OPT_MAP_ENTRIES:
		if (!parse_limited(arg, 0, MAP_ENTRIES_MIN, MAP_ENTRIES_MAX, false,
				   &o->copts.map_entries)) {
			fprintf(stderr, "sonde: --map-entries takes a number from %d to %d\n",
				MAP_ENTRIES_MIN, MAP_ENTRIES_MAX);
			return EXIT_USAGE;
		}
		return EXIT_OK;
	}
	return EXIT_OK;
}

/* getopt_long takes any unique prefix ("--test" for --test-run, which then
 * swallows the next argument as its file): a long option must be written
 * in full. `given` is its argument, "--NAME" or "--NAME=VALUE". */
static bool long_option_in_full(const char *given, const struct option *opt)
{
	size_t len = strcspn(given + 2, "=");
	if (len == strlen(opt->name))
		return true;
	fprintf(stderr,
		"sonde: unknown option '--%.*s': long options are not abbreviated; did you "
		"mean '--%s'?\n",
		(int)len, given + 2, opt->name);
	fprintf(stderr, "Try 'sonde --help' for more information.\n");
	return false;
}

/* Options whose effect is compiled into the programs: an object (sonde
 * FILE.o) was compiled already, so they are refused when running one. */
static void note_compile_option(struct cli *o, int c)
{
	static const struct {
		int opt;
		const char *name;
	} compile_only[] = {
	    {OPT_MAX_STRLEN, "--max-strlen"}, {OPT_RINGBUF_SIZE, "--ringbuf-size"},
	    {OPT_MAP_ENTRIES, "--map-entries"}, {'I', "-I"}, {OPT_INCLUDE, "--include"},
	    {'k', "-k"}, {OPT_UNSAFE, "--unsafe"}, {OPT_EMIT_LLVM, "--emit-llvm"},
	    {OPT_EMIT_ELF, "--emit-elf"}, {OPT_FORCE, "--force"},
	};
	for (size_t i = 0; i < sizeof(compile_only) / sizeof(compile_only[0]); i++)
		if (compile_only[i].opt == c && !o->compile_option)
			o->compile_option = compile_only[i].name;
}

/* Fills `o` from argv; EXIT_OK, or the exit code of a usage error. */
static int parse_options(struct cli *o)
{
	int c, li = -1;
	/* the environment's choice, which --output-version overrides */
	const char *version = getenv("SONDE_OUTPUT_VERSION");
	if (version && *version &&
	    output_version_option(o, "SONDE_OUTPUT_VERSION", version) != EXIT_OK)
		return EXIT_USAGE;
	/* options anywhere, as getopt(3) permutes them (bpftrace's way): after
	 * the script and among its parameters; "--" ends them, so a parameter
	 * may start with '-' */
	while ((c = getopt_long(o->argc, o->argv, "e:f:o:w:qB:vdhVlp:c:I:k", longopts, &li)) != -1) {
		/* getopt has stepped past the argument a long option is in, and
		 * past the next one when that is the option's value */
		char **argv = o->argv;
		if (li >= 0) {
			const char *given = argv[optind - (optarg && optarg == argv[optind - 1] ? 2 : 1)];
			if (!long_option_in_full(given, &longopts[li]))
				return EXIT_USAGE;
		}
		li = -1;
		/* -d ended its argument ("-d", "-qd") when getopt stepped past
		 * it; inside one ("-dq") optind still points at it */
		const char *prev = optind > 0 ? argv[optind - 1] : "";
		bool ends_argument = c == 'd' && prev[0] == '-' && prev[1] != '-' &&
				     prev[strlen(prev) - 1] == 'd';
		int rc = EXIT_OK;
		note_compile_option(o, c);
		switch (c) {
		case 'e':
			o->program = optarg;
			break;
		case 'o':
			o->out_path = optarg;
			break;
		case 'w':
			o->ropts.capture_path = optarg;
			break;
		case 'q':
			o->ropts.quiet = true;
			break;
		case 'v':
			o->ropts.verbose = true;
			o->copts.verbose = true;
			break;
		case 'd':
			rc = debug_option(o, ends_argument);
			break;
		case OPT_DEBUG:
			rc = debug_stages_option(o, optarg);
			break;
		case 'I':
			o->copts.include_dirs[o->copts.ninclude_dirs++] = optarg;
			break;
		case OPT_INCLUDE:
			o->copts.include_files[o->copts.ninclude_files++] = optarg;
			break;
		case OPT_NO_WARNINGS:
			o->copts.no_warnings = true;
			break;
		case OPT_USDT_FILE_ACTIVATION:
			/* sonde always hands a usdt semaphore to the kernel with
			 * the probe on the file (uprobe.c), so every process
			 * running the file has it raised: bpftrace's file
			 * activation, already */
			break;
		case 'h':
			o->mode = MODE_HELP;
			return EXIT_OK;
		case 'V':
			o->mode = MODE_VERSION;
			return EXIT_OK;
		case OPT_INFO:
			o->mode = MODE_INFO;
			return EXIT_OK;
		case OPT_DRY_RUN:
			o->ropts.dry_run = true;
			break;
		case OPT_EMIT_LLVM:
			o->copts.emit_llvm = optarg;
			break;
		case 'k':
			/* -k, -kk (or -k -k): bpftrace's helper error checks */
			if (o->copts.helper_check < 2)
				o->copts.helper_check++;
			break;
		case OPT_UNSAFE:
			o->copts.unsafe = true;
			break;
		case OPT_EMIT_ELF:
			o->emit_elf = optarg;
			break;
		case OPT_CACHE:
			o->cache = 1;
			break;
		case OPT_NO_CACHE:
			o->cache = 0;
			break;
		case OPT_TEST_RUN:
			o->ropts.test_run = optarg;
			break;
		case OPT_METRICS: {
			char why[160];
			if (!metrics_spec_valid(optarg, why, sizeof why)) {
				fprintf(stderr, "sonde: --metrics %s: %s\n", optarg, why);
				return EXIT_USAGE;
			}
			o->metrics = optarg;
			/* a Prometheus histogram has a _sum, which hist() keeps then */
			o->copts.hist_sums = true;
			break;
		}
		case OPT_TEST:
		case OPT_BENCH:
		case OPT_MODE:
			rc = probe_mode_option(o, c, optarg);
			break;
		case OPT_PIN:
			o->ropts.pin_dir = optarg;
			break;
		case OPT_KEEP_PINS:
			o->ropts.keep_pins = true;
			break;
		case OPT_MAP_FILE: {
			const char *eq = strchr(optarg, '=');
			if (optarg[0] != '@' || !eq || eq == optarg + 1 || !eq[1]) {
				fprintf(stderr, "sonde: --map-file takes @NAME=FILE (the map as "
				                "the script names it), got '%s'\n",
				        optarg);
				return EXIT_USAGE;
			}
			if (o->ropts.nmap_files == RT_MAX_MAP_FILES) {
				fprintf(stderr, "sonde: --map-file: at most %d files\n",
				        RT_MAX_MAP_FILES);
				return EXIT_USAGE;
			}
			o->ropts.map_files[o->ropts.nmap_files++] = optarg;
			break;
		}
		case OPT_FORCE:
			o->copts.force = true;
			break;
		case 'l':
			o->mode = MODE_LIST;
			break;
		case 'c':
			o->command = optarg;
			break;
		case 'f':
		case 'B':
		case 'p':
		case OPT_DWARF_PID:
		case OPT_MAX_STRLEN:
		case OPT_RINGBUF_SIZE:
		case OPT_MAP_ENTRIES:
		case OPT_OUTPUT_VERSION:
			rc = value_option(o, c, optarg);
			break;
		default:
			/* after getopt's own line, as bpftrace does */
			usage(stderr);
			return EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	o->ropts.verifier_log = (o->copts.debug & DEBUG_VERIFIER) != 0;
	o->operand = optind;
	return EXIT_OK;
}

/* ---- run modes ----------------------------------------------------------- */

struct script_lister {
	struct host *host;
	bool verbose;
};

static void print_script_probe(const char *spec, void *arg)
{
	const struct script_lister *sl = arg;
	list_script_probe(sl->host, stdout, spec, sl->verbose);
}

/* -l FILE.o: the probes of an object (objfile.h), each once */
static int list_object(struct host *host, const char *path, char *text, size_t len, bool verbose)
{
	char err[1024];
	struct run_extras x;
	struct program *p = objfile_read(path, text, len, true, &x, err, sizeof(err));
	free(text);
	if (!p) {
		fprintf(stderr, "sonde: %s\n", err);
		return EXIT_USAGE;
	}
	for (uint32_t i = 0; i < p->m.nprobes; i++) {
		bool seen = false;
		for (uint32_t k = 0; k < i && !seen; k++)
			seen = !strcmp(p->m.probes[k].spec, p->m.probes[i].spec);
		if (!seen)
			list_script_probe(host, stdout, p->m.probes[i].spec, verbose);
	}
	program_free(p);
	return EXIT_OK;
}

/* -l FILE, -l -e PROGRAM: the probes the script would attach */
static int list_script(struct host *host, const char *program, const char *path,
		       const struct compile_options *copts, bool verbose)
{
	struct source src = {.name = "-e", .text = program, .len = program ? strlen(program) : 0};
	char *text = NULL;
	if (!program) {
		char why[WHY_SIZE];
		text = read_file(path, &src.len, why);
		if (!text) {
			fprintf(stderr, "sonde: cannot read %s: %s\n", path, why);
			return EXIT_USAGE;
		}
		src.name = path;
		src.text = text;
		if (objfile_is_elf(text, src.len))
			return list_object(host, path, text, src.len, verbose);
	}
	struct diag d;
	diag_init(&d, stderr);
	d.no_warnings = copts->no_warnings;
	struct script_lister sl = {host, verbose};
	bool failed = driver_probes(&src, copts, host, &d, print_script_probe, &sl) != 0;
	free(text);
	return failed ? EXIT_SCRIPT : EXIT_OK;
}

/* -l [PATTERN], -l FILE, -l -e PROGRAM */
static int run_list(const struct cli *o)
{
	const char *arg = o->operand < o->argc ? o->argv[o->operand] : NULL;
	if (o->operand + 1 < o->argc || (o->program && arg)) {
		fprintf(stderr, "sonde: -l takes one PATTERN, a script FILE or -e PROGRAM\n");
		return EXIT_USAGE;
	}
	/* -l -p PID: the process's uprobes and usdt probes too */
	o->host->target_pid = o->target_pid;
	/* an argument that names a file is a script, as for bpftrace */
	struct stat st;
	if (o->program || (arg && stat(arg, &st) == 0 && !S_ISDIR(st.st_mode)))
		return list_script(o->host, o->program, arg, &o->copts, o->ropts.verbose);
	/* a character no probe, type or wildcard is written with, in
	 * bpftrace's words, which its tests look for ('\n' typed literally) */
	for (const char *c = arg; c && *c; c++)
		if (strchr("\\;{}`", *c) || (unsigned char)*c < ' ') {
			fprintf(stderr, "ERROR: invalid character '%c' in the -l pattern '%s'\n",
				(unsigned char)*c < ' ' ? '?' : *c, arg);
			return EXIT_USAGE;
		}
	return list_probes(o->host, stdout, arg, o->ropts.verbose);
}

/* The script to run: -e PROGRAM or the one FILE. */
struct script {
	struct source src;
	char *text; /* a FILE's contents */
	char *abs;  /* its absolute path, for the debug info */
	/* FILE is an object --emit-elf wrote (objfile.h): its program, run
	 * as it is, and what it holds besides */
	struct program *object;
	struct run_extras extras;
	char *cache_data; /* the bytes of a cache entry `object` came from */
};

static void script_free(struct script *s)
{
	free(s->text);
	free(s->abs);
	program_free(s->object);
	free(s->cache_data);
}

/* sonde FILE.o: the options that would change the compilation are
 * refused, and the parameters must be those compiled in (or none). */
static int object_check_cli(struct cli *o, const char *file, const struct run_extras *x)
{
	if (o->compile_option) {
		fprintf(stderr,
		        "sonde: %s changes how a script is compiled, and %s is compiled already: "
		        "give it when compiling (--emit-elf), or run the script itself\n",
		        o->compile_option, file);
		return EXIT_USAGE;
	}
	if ((o->copts.debug & (DEBUG_AST | DEBUG_IR)) && !(o->copts.debug & DEBUG_VERIFIER)) {
		fprintf(stderr, "sonde: -d: %s has no AST or LLVM IR to print, only the verifier's "
		                "log (-d verifier)\n",
		        file);
		return EXIT_USAGE;
	}
	bool same = o->copts.nparams == 0 || o->copts.nparams == x->nparams;
	for (int i = 0; same && i < o->copts.nparams; i++)
		same = !strcmp(o->copts.params[i], x->params[i]);
	if (!same) {
		fprintf(stderr, "sonde: %s was compiled with ", file);
		if (!x->nparams)
			fprintf(stderr, "no parameters");
		for (int i = 0; i < x->nparams; i++)
			fprintf(stderr, "%s'%s'", i ? " " : "the parameters ", x->params[i]);
		fprintf(stderr, ": $1, $2, ... are compiled into an object; give the same ones, or "
		                "none, or compile the script again with these\n");
		return EXIT_USAGE;
	}
	/* the BPFTRACE_* settings are compile options too */
	for (int i = 0; i < nsettings; i++) {
		if (!(o->copts.env_set & (1u << i)))
			continue;
		for (int k = 0; k < 2 && settings[i].env[k]; k++)
			if (getenv(settings[i].env[k]))
				fprintf(stderr,
				        "sonde: warning: %s has no effect on %s: its settings were fixed "
				        "when it was compiled\n",
				        settings[i].env[k], file);
	}
	return EXIT_OK;
}

/* The object in s->text (from `file`), read and checked against this
 * sonde and this kernel. */
static int object_load(struct cli *o, const char *file, struct script *s)
{
	char err[1024];
	s->object = objfile_read(file, s->text, s->src.len, true, &s->extras, err, sizeof(err));
	if (!s->object) {
		fprintf(stderr, "sonde: %s\n", err);
		return EXIT_USAGE;
	}
	return object_check_cli(o, file, &s->extras);
}

static int script_load(struct cli *o, struct script *s)
{
	memset(s, 0, sizeof(*s));
	if (o->program) {
		/* every word is a parameter: $1, $2, ... */
		o->copts.params = o->argv + o->operand;
		o->copts.nparams = o->argc - o->operand;
		s->src = (struct source){.name = "-e", .text = o->program, .len = strlen(o->program)};
		return EXIT_OK;
	}
	if (o->operand >= o->argc) {
		fprintf(stderr, "sonde: no program given: use -e 'PROGRAM' or a FILE\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *file = o->argv[o->operand];
	/* the words after the script are its parameters */
	o->copts.params = o->argv + o->operand + 1;
	o->copts.nparams = o->argc - o->operand - 1;
	char why[WHY_SIZE];
	s->text = read_file(file, &s->src.len, why);
	if (!s->text) {
		if (s->src.len == (size_t)-1)
			fprintf(stderr, "ERROR: failed to open file '%s': %s\n", file, why);
		else
			fprintf(stderr, "sonde: cannot read %s: %s\n", file, why);
		return EXIT_USAGE;
	}
	s->src.name = file;
	s->src.text = s->text;
	if (objfile_is_elf(s->text, s->src.len))
		return object_load(o, file, s);
	s->abs = realpath(file, NULL);
	s->src.path = s->abs;
	return EXIT_OK;
}

/* Where the trace goes: stdout or -o FILE, behind a sink (sink.h). */
struct output {
	struct sink sink;
	FILE *f;
};

static int output_open(struct cli *o, struct sig_state *sig, struct output *out)
{
	/* close-on-exec: the -c command must not write into the trace */
	int fd = STDOUT_FILENO;
	if (o->out_path) {
		fd = open(o->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (fd < 0) {
			fprintf(stderr, "sonde: cannot write %s: %s\n", o->out_path, strerror(errno));
			return EXIT_USAGE;
		}
	}
	bool tty = isatty(fd);
	/* --test's tags in colour, as bpftrace prints them, on a terminal */
	o->ropts.color = tty && !getenv("NO_COLOR");
	out->f = sink_open(&out->sink, fd, o->out_path != NULL, o->out_path ? o->out_path : "stdout",
			   sig);
	if (!out->f) {
		fprintf(stderr, "sonde: cannot set up the output: %s\n", strerror(errno));
		if (o->out_path)
			close(fd);
		return EXIT_SYSTEM;
	}
	if (o->buffering) {
		int mode = !strcmp(o->buffering, "line")   ? _IOLBF
			   : !strcmp(o->buffering, "full") ? _IOFBF
							   : _IONBF;
		setvbuf(out->f, NULL, mode, 0);
	} else if (tty) {
		setvbuf(out->f, NULL, _IOLBF, 0);
	}
	return EXIT_OK;
}

/* Runs a compiled program (a script's or an object's), serving its maps
 * for Prometheus under --metrics. */
static int run_program(struct cli *o, const struct program *prog, struct diag *d)
{
	if (!o->metrics)
		return rt_run(prog, &o->ropts, d);
	char why[256] = "";
	o->ropts.metrics = metrics_open(o->metrics, why, sizeof why);
	if (!o->ropts.metrics) {
		fprintf(stderr, "sonde: --metrics %s: %s\n", o->metrics, why);
		return EXIT_SYSTEM;
	}
	fprintf(stderr, "sonde: serving metrics at http://%s/metrics\n",
	        metrics_address(o->ropts.metrics));
	int rc = rt_run(prog, &o->ropts, d);
	metrics_close(o->ropts.metrics);
	o->ropts.metrics = NULL;
	return rc;
}

/* Compiles, then writes the object (--emit-elf) or runs it. */
static int compile_and_run(struct cli *o, const struct source *src, struct sig_watch *watch,
                           const struct cache_entry *cache)
{
	struct diag d;
	diag_init(&d, stderr);
	d.no_warnings = o->copts.no_warnings;
	o->copts.output_026 = o->ropts.output_version == OUT_V0_26;
	struct program *prog = NULL;
	bool script_error = false;
	/* the one compilation of the process: copts.core_flavor stays 0, the
	 * object's CO-RE structs keep the kernel's names (compile.h) */
	if (driver_compile(src, &o->copts, o->host, &d, &prog, &script_error))
		return script_error ? EXIT_SCRIPT : EXIT_SYSTEM;
	int rc;
	if (o->emit_elf) {
		/* whole or not at all: a signal waits until it is written */
		sig_watch_hold(watch);
		rc = objfile_write(prog, &d, o->copts.params, o->copts.nparams, o->emit_elf)
			 ? EXIT_SYSTEM
			 : EXIT_OK;
		sig_watch_release(watch);
	} else {
		if (cache) {
			sig_watch_hold(watch);
			cache_store(cache, prog, &d, o->copts.params, o->copts.nparams);
			sig_watch_release(watch);
		}
		rc = run_program(o, prog, &d);
	}
	program_free(prog);
	return rc;
}

/* sonde FILE.o: the object's programs run as compiled; nothing is
 * compiled, so the compiler module is never opened. */
static int run_object(struct cli *o, struct script *s)
{
	struct diag d;
	diag_init(&d, stderr);
	d.no_warnings = o->copts.no_warnings;
	/* a verifier rejection points into the script's text */
	for (int i = 0; i < s->extras.nsources; i++)
		diag_add_source(&d, s->extras.sources[i].name, s->extras.sources[i].text,
		                s->extras.sources[i].len);
	/* --no-warnings drops the helper warnings of -k, as when compiling */
	if (o->copts.no_warnings)
		s->object->m.no_warnings = true;
	return run_program(o, s->object, &d);
}

/* "-- --help": the script's named parameters (getopt(), bpftrace 0.26)
 * listed instead of running it, without privilege. *listed is false when
 * the script declares a parameter "help" itself: it runs then. */
static int named_help(struct cli *o, const struct source *src, bool *listed)
{
	*listed = false;
	bool asked = false;
	for (int i = 0; i < o->copts.nparams; i++)
		asked |= !strcmp(o->copts.params[i], "--help");
	if (!asked)
		return EXIT_OK;
	struct diag d;
	diag_init(&d, stderr);
	/* only the list is wanted; and a script that runs after all gives
	 * its warnings when it compiles, once */
	d.no_warnings = true;
	if (driver_named_help(src, &o->copts, o->host, &d, stdout, listed))
		return EXIT_SCRIPT;
	return EXIT_OK;
}

/* Whether this run may use the compile cache (cache.h): asked for, and
 * nothing compiled in that the key does not hold. A process (-p, -c,
 * --dwarf-pid), included files and the debug outputs are left out
 * rather than keyed. */
static bool cache_wanted(const struct cli *o, const struct script *s)
{
	int on = o->cache;
	if (on < 0) {
		const char *env = getenv("SONDE_CACHE");
		on = env && *env && strcmp(env, "0");
	}
	if (!on)
		return false;
	const char *why = NULL;
	if (o->emit_elf || o->copts.emit_llvm || o->copts.debug)
		why = "--emit-elf, --emit-llvm and -d compile every time";
	else if (o->command || o->target_pid || o->host->ndwarf_pids)
		why = "a process (-c, -p, --dwarf-pid) is compiled in";
	else if (o->copts.ninclude_dirs || o->copts.ninclude_files ||
		 memmem(s->src.text, s->src.len, "include", 7) ||
		 memmem(s->src.text, s->src.len, "import", 6))
		why = "the script includes or imports files, which are not in the key";
	else if (o->ropts.run_tests || o->ropts.run_benches || o->ropts.test_run)
		why = "--test, --bench and --test-run compile every time";
	if (why && o->ropts.verbose)
		fprintf(stderr, "sonde: cache: not used: %s\n", why);
	return !why;
}

/* The cache entry of this run, and its program in s->object when it has
 * one; false when there is no usable cache directory. */
static bool cache_open(const struct cli *o, struct script *s, struct cache_entry *e)
{
	/* the words that change the compilation: all but the cache's own
	 * options and -v among the options */
	char **words = calloc((size_t)o->argc + 1, sizeof(*words));
	if (!words)
		return false;
	int n = 0;
	for (int i = 1; i < o->argc; i++)
		if (i >= o->operand || (strcmp(o->argv[i], "--cache") &&
					strcmp(o->argv[i], "--no-cache") && strcmp(o->argv[i], "-v")))
			words[n++] = o->argv[i];
	bool ok = cache_entry_init(e, words, n, s->src.text, s->src.len, s->abs, o->ropts.verbose);
	free(words);
	if (!ok)
		return false;
	struct run_extras x;
	struct program *p = cache_lookup(e, &x, &s->cache_data);
	if (!p)
		return true;
	/* the parameters are in the key; an entry with others is not this run's */
	bool same = x.nparams == o->copts.nparams;
	for (int i = 0; same && i < x.nparams; i++)
		same = !strcmp(x.params[i], o->copts.params[i]);
	if (!same) {
		fprintf(stderr, "sonde: cache: ignoring %s: its parameters differ; compiling again\n",
		        e->path);
		program_free(p);
		free(s->cache_data);
		s->cache_data = NULL;
		return true;
	}
	s->object = p;
	s->extras = x;
	return true;
}

/* A script, with -c's command when given. */
static int run_script(struct cli *o, struct sig_state *sig, struct sig_watch *watch)
{
	if (o->target_pid && o->command) {
		fprintf(stderr, "sonde: -p and -c cannot be used together\n");
		return EXIT_USAGE;
	}
	if (o->ropts.run_tests || o->ropts.run_benches) {
		const char *mode = o->ropts.run_tests ? "--test" : "--bench";
		/* they attach nothing: no command to trace, no packets to run */
		if (o->command || o->ropts.test_run) {
			fprintf(stderr, "sonde: %s attaches nothing: it cannot be used with %s\n",
			        mode, o->command ? "-c" : "--test-run");
			return EXIT_USAGE;
		}
	}
	o->host->target_pid = o->target_pid;
	if (ready_fd_from_env(&o->ropts.ready_fd))
		return EXIT_USAGE;
	o->ropts.notify_attached = getenv("__BPFTRACE_NOTIFY_PROBES_ATTACHED") != NULL;
	struct script s;
	int rc = script_load(o, &s);
	if (rc) {
		script_free(&s);
		return rc;
	}
	bool listed = false;
	if (!s.object)
		rc = named_help(o, &s.src, &listed);
	if (rc || listed) {
		script_free(&s);
		return rc;
	}
	/* the command's pid would be compiled in (cpid, has_cpid) */
	if (o->emit_elf && o->command) {
		fprintf(stderr, "sonde: --emit-elf cannot be used with -c: the command's pid would "
		                "be compiled into the object; give -c when running the object\n");
		script_free(&s);
		return EXIT_USAGE;
	}
	/* the object holds no map contents: the file is read where it runs */
	if (o->emit_elf && o->ropts.nmap_files) {
		fprintf(stderr, "sonde: --emit-elf cannot be used with --map-file: the object "
		                "holds no map contents; give --map-file when running the object "
		                "(sonde --map-file @NAME=FILE OBJECT)\n");
		script_free(&s);
		return EXIT_USAGE;
	}
	struct output out;
	rc = output_open(o, sig, &out);
	if (rc) {
		script_free(&s);
		return rc;
	}
	o->ropts.out = out.f;
	o->ropts.sink = &out.sink;
	struct child child = {.go_fd = -1, .exec_err_fd = -1, .exit_fd = -1};
	bool ran = false;
	/* Loading needs privilege: say so before compiling, not as a tracefs
	 * or verifier error later. Writing an object (--emit-elf) does not. */
	if (!o->emit_elf && !feat_bpf_privileged()) {
		fprintf(stderr, "sonde: loading BPF programs needs root, or the CAP_BPF and "
				"CAP_PERFMON capabilities; this process has neither\n");
		rc = EXIT_LOAD;
		goto out;
	}
	if (o->command) {
		rc = child_spawn(o->command, &child, sig);
		if (rc)
			goto out;
		o->host->target_pid = child.pid;
		o->copts.child_pid = child.pid;
		o->copts.child_path = child.path;
		o->ropts.on_attached = child_go;
		o->ropts.on_attached_arg = &child;
		o->ropts.to_entry = child_to_entry;
		o->ropts.stop_fd = child.exit_fd;
	}
	struct cache_entry cache;
	bool cached = !s.object && cache_wanted(o, &s) &&
		      cache_open(o, &s, &cache);
	ran = true;
	rc = s.object ? run_object(o, &s)
		      : compile_and_run(o, &s.src, watch, cached ? &cache : NULL);
	child_finish(&child);
	/* the file checked before loading could not be run after all (it
	 * changed, or the kernel refused its format): the run traced nothing */
	if (child.exec_errno && rc == EXIT_OK)
		rc = EXIT_SYSTEM;
out:
	fclose(out.f);
	if (ran && sink_report(&out.sink, stderr) && rc == EXIT_OK)
		rc = EXIT_SYSTEM;
	script_free(&s);
	return rc;
}

/* A signal before the runtime holds anything in the kernel (signals.h):
 * nothing to undo; the -c command, still waiting for its start, sees its
 * pipe close and exits. The status says what ended sonde, as a shell
 * reports a process a signal killed. */
static void early_exit(void *arg, int signo)
{
	(void)arg;
	_exit(128 + signo);
}

/* -V: the build, and the LLVM and libbpf it compiles and loads with. The
 * compiler module is looked for, not opened (runs that compile nothing
 * never load LLVM). */
static void print_version(void)
{
	printf("sonde %s (commit %s)\n", SONDE_VERSION, SONDE_GIT_COMMIT);
	char module[PATH_MAX + 64];
	const char *where = backend_locate(module, sizeof module);
	if (!where)
		printf("LLVM %s: compiler module sonde-backend.so not found; scripts cannot be "
		       "compiled\n",
		       SONDE_LLVM_VERSION);
	else if (!*where)
		printf("LLVM %s (linked in)\n", SONDE_LLVM_VERSION);
	else
		printf("LLVM %s (compiler module %s)\n", SONDE_LLVM_VERSION, where);
	const char *bpf = libbpf_version_string();
	printf("libbpf %s\n", bpf[0] == 'v' ? bpf + 1 : bpf);
	/* Wrappers written for bpftrace look for "bpftrace vX.Y" to tell which
	 * language they may use; this names the range sonde implements. */
	printf("language: bpftrace v0.17 to v0.26\n");
}

/* What the command line asked for. */
static int run_mode(struct cli *o, struct sig_state *sig, struct sig_watch *watch)
{
	switch (o->mode) {
	case MODE_HELP:
		usage(stdout);
		return EXIT_OK;
	case MODE_VERSION:
		print_version();
		return EXIT_OK;
	case MODE_INFO:
		feat_print(o->host, stdout);
		return EXIT_OK;
	case MODE_LIST:
		return run_list(o);
	case MODE_RUN:
		break;
	}
	return run_script(o, sig, watch);
}

/* The whole command line; `host` is this process's record of the kernel
 * (host.h), given to the compiler, the runtime and the listing. */
static int run(int argc, char **argv, struct host *host)
{
	/* Signals are blocked from the start and read from a signalfd: none
	 * can end sonde half-way through creating something in the kernel. */
	struct sig_state sig;
	int err = sig_init(&sig);
	struct sig_watch watch;
	if (!err)
		err = sig_watch_start(&watch, &sig, early_exit, NULL);
	if (err) {
		fprintf(stderr, "sonde: cannot set up signal handling: %s\n", strerror(-err));
		return EXIT_SYSTEM;
	}
	struct cli o = {
	    .host = host,
	    .copts = {COMPILE_OPTIONS_DEFAULTS, .debug_out = stderr, .watch = &watch},
	    .ropts = {.host = host,
		      .format = OUT_TEXT,
		      .out = stdout,
		      .sig = &sig,
		      .watch = &watch,
		      .stop_fd = -1},
	    .argc = argc,
	    .argv = argv,
	    .cache = -1,
	};
	/* -I and --include: at most one of each per argument */
	const char **dirs = calloc((size_t)argc + 1, sizeof(*dirs));
	const char **files = calloc((size_t)argc + 1, sizeof(*files));
	int rc = EXIT_SYSTEM;
	if (!dirs || !files) {
		fprintf(stderr, "sonde: out of memory\n");
	} else {
		o.copts.include_dirs = dirs;
		o.copts.include_files = files;
		/* bpftrace's BPFTRACE_* variables, before the options that may
		 * override them */
		rc = settings_from_env(&o.copts) ? EXIT_USAGE : parse_options(&o);
		if (!rc)
			rc = run_mode(&o, &sig, &watch);
	}
	free(dirs);
	free(files);
	/* the watcher thread reads `watch` and `sig`, which end with this
	 * frame: it stops before they do, on every path */
	sig_watch_end(&watch);
	sig_fini(&sig);
	return rc;
}

int main(int argc, char **argv)
{
	struct host host;
	host_init(&host);
	int rc = run(argc, argv, &host);
	host_fini(&host);
	return rc;
}
