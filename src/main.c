/*
 * main.c - the command line: parse options, read the script, call the
 * driver and the runtime, and map failures to exit codes. The only place
 * that calls exit().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/eventfd.h>
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
#include <wordexp.h>

#include "front/diag.h"
#include "driver.h"
#include "kernel/features.h"
#include "listing.h"
#include "runtime/runtime.h"
#include "runtime/signals.h"
#include "runtime/sink.h"

static void usage(FILE *out)
{
	fputs("usage: sonde [options] FILE\n"
	      "       sonde [options] -e 'PROGRAM'\n"
	      "\n"
	      "Compiles a probe script to BPF, attaches it, and prints what it reports.\n"
	      "\n"
	      "options:\n"
	      "  -e PROGRAM         run PROGRAM given on the command line\n"
	      "  -f text|json       output format (default text)\n"
	      "  -o FILE            write output to FILE\n"
	      "  -q                 quiet: no \"Attaching N probes...\" line\n"
	      "  -B line|full|none  output buffering (default: line on a terminal, else full)\n"
	      "  -v                 verbose: libbpf's messages\n"
	      "  -d                 debug: print the AST, the LLVM IR and the verifier log\n"
	      "  --dry-run          compile, verify and load, but attach nothing\n"
	      "  --emit-llvm FILE   write the LLVM IR to FILE\n"
	      "  --emit-elf FILE    write the BPF object to FILE and exit (for ip, tc, bpftool)\n"
	      "  --test-run PCAP    run the xdp/tc probes over the packets of a pcap file,\n"
	      "                     attaching nothing; print verdict counts and the maps\n"
	      "  --pin DIR          pin the maps in the BPF filesystem (DIR a name under\n"
	      "                     /sys/fs/bpf or a path there); removed at exit\n"
	      "  --keep-pins        leave the --pin pins in place at exit\n"
	      "  --force            let xdp probes replace an interface's XDP program for\n"
	      "                     the run (it is put back at exit)\n"
	      "  -l [PATTERN]       list probes (-lv: with argument types), e.g.\n"
	      "                     -l 'tracepoint:sched:*', -l 'uprobe:/bin/bash:read*';\n"
	      "                     kernel types: -lv 'struct task_struct'\n"
	      "  -l FILE            list the probes a script would attach (or -l -e PROGRAM)\n"
	      "  -p PID             attach uprobes/usdt to this process only\n"
	      "  -c 'CMD'           run CMD once the probes are attached, trace it, exit when\n"
	      "                     it exits\n"
	      "  --info             what this kernel supports (BTF, kprobes, fentry, ...)\n"
	      "  --max-strlen N     bytes in a string value (default 64)\n"
	      "  --unsafe           allow functions that act on the system\n"
	      "  --ringbuf-size N   bytes of the event ring buffer (power of two, default 512K)\n"
	      "  --map-entries N    entries a hash map can hold (default 4096)\n"
	      "  -h, --help         show this help\n"
	      "  -V, --version      show the version\n"
	      "\n"
	      "exit status: 0 success, 1 script error, 2 usage error, 3 load/verifier\n"
	      "failure or missing privilege, 4 attach failure, 5 other system failure\n",
	      out);
}

/* A script larger than this is refused rather than read: a path such as
 * /dev/zero would otherwise be read until memory runs out. The parser takes
 * up to 2 GB, but no real script comes near this. */
enum { SCRIPT_MAX_BYTES = 16 << 20 };
_Static_assert(SCRIPT_MAX_BYTES == 16 << 20, "the message below says 16 MiB");

/* Reads the script at `path` ("-" for stdin). On failure returns NULL and
 * sets *why to the reason, to be shown after the file's name. */
static char *read_file(const char *path, size_t *len, const char **why)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rbe") : stdin;
	if (!f) {
		*why = strerror(errno);
		return NULL;
	}
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		if (f != stdin)
			fclose(f);
		*why = "it is a directory, not a script";
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
		*why = "larger than the 16 MiB limit for a script";
		return NULL;
	}
	if (!buf || err) {
		free(buf);
		*why = strerror(err ? err : ENOMEM);
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}

enum {
	OPT_DRY_RUN = 256,
	OPT_EMIT_LLVM,
	OPT_MAX_STRLEN,
	OPT_UNSAFE,
	OPT_EMIT_ELF,
	OPT_TEST_RUN,
	OPT_PIN,
	OPT_KEEP_PINS,
	OPT_FORCE,
	OPT_RINGBUF_SIZE,
	OPT_MAP_ENTRIES,
};

/* options of -l/-p/-c/--info (kept apart from the enum above) */
enum { OPT_INFO = 512 };

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
	bool exited;
	pthread_t waiter;
	bool has_waiter;
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

static int child_spawn(const char *cmd, struct child *ch, const struct sig_state *sig)
{
	wordexp_t we;
	if (wordexp(cmd, &we, WRDE_NOCMD) || we.we_wordc == 0) {
		fprintf(stderr, "sonde: -c: cannot split '%s' into words\n", cmd);
		return EXIT_USAGE;
	}
	char *file = command_path(we.we_wordv[0]);
	if (!file) {
		wordfree(&we);
		return EXIT_USAGE;
	}
	int fds[2], errfds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		wordfree(&we);
		free(file);
		fprintf(stderr, "sonde: -c: pipe: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	if (pipe2(errfds, O_CLOEXEC)) {
		wordfree(&we);
		free(file);
		close(fds[0]);
		close(fds[1]);
		fprintf(stderr, "sonde: -c: pipe: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	ch->exit_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ch->exit_fd < 0) {
		fprintf(stderr, "sonde: -c: eventfd: %s\n", strerror(errno));
		wordfree(&we);
		free(file);
		close(fds[0]);
		close(fds[1]);
		close(errfds[0]);
		close(errfds[1]);
		return EXIT_SYSTEM;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sonde: -c: fork: %s\n", strerror(errno));
		wordfree(&we);
		free(file);
		close(fds[0]);
		close(fds[1]);
		close(errfds[0]);
		close(errfds[1]);
		return EXIT_SYSTEM;
	}
	if (pid == 0) {
		/* the signals as sonde got them: blocked ones unblocked, ignored
		 * ones (nohup) still ignored */
		sig_restore_for_child(sig);
		close(fds[1]);
		close(errfds[0]);
		char go;
		if (read(fds[0], &go, 1) != 1)
			_exit(127); /* sonde gave up before attaching */
		/* a path with a slash: no second search, but execvp still runs
		 * a script without #! through /bin/sh */
		execvp(file, we.we_wordv);
		int e = errno;
		/* the file was there when checked: what is missing now is
		 * most likely what it needs to start */
		fprintf(stderr, "sonde: -c: cannot run %s: %s%s\n", we.we_wordv[0], strerror(e),
			e == ENOENT ? " (the file, or the ELF interpreter it names)" : "");
		/* nothing more to do if even this fails: sonde then sees only
		 * the exit status */
		ssize_t sent = write(errfds[1], &e, sizeof(e));
		(void)sent;
		_exit(127);
	}
	wordfree(&we);
	free(file);
	close(fds[0]);
	close(errfds[1]);
	ch->pid = pid;
	ch->go_fd = fds[1];
	ch->exec_err_fd = errfds[0];
	return EXIT_OK;
}

static void *child_wait(void *arg)
{
	struct child *ch = arg;
	int status;
	while (waitpid(ch->pid, &status, 0) < 0 && errno == EINTR)
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

static void child_go(void *arg)
{
	struct child *ch = arg;
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
	if (!ch->has_waiter) {
		waitpid(ch->pid, NULL, 0);
	} else {
		if (!ch->exited)
			kill(ch->pid, SIGTERM);
		pthread_join(ch->waiter, NULL);
	}
	close(ch->exec_err_fd);
	close(ch->exit_fd);
}

static int parse_pid(const char *arg, int *pid)
{
	char *end;
	long v = strtol(arg, &end, 10);
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld", v);
	if (*end || v <= 0 || v > INT32_MAX) {
		fprintf(stderr, "sonde: -p takes a process id, not '%s'\n", arg);
		return EXIT_USAGE;
	}
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

/* --emit-elf: the object as compiled, for loaders other than sonde */
static int write_elf(const struct program *p, const char *path)
{
	FILE *f = fopen(path, "wbe");
	if (!f || fwrite(p->elf, 1, p->elf_size, f) != p->elf_size) {
		int e = errno;
		if (f)
			fclose(f);
		fprintf(stderr, "sonde: cannot write %s: %s\n", path, strerror(e));
		return EXIT_SYSTEM;
	}
	if (fclose(f)) {
		fprintf(stderr, "sonde: cannot write %s: %s\n", path, strerror(errno));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

static void print_script_probe(const char *spec, void *verbose)
{
	list_script_probe(stdout, spec, *(bool *)verbose);
}

/* -l FILE, -l -e PROGRAM: the probes the script would attach */
static int list_script(const char *program, const char *path, const struct compile_options *copts,
		       bool verbose)
{
	struct source src = {.name = "-e", .text = program, .len = program ? strlen(program) : 0};
	char *text = NULL;
	if (!program) {
		const char *why = NULL;
		text = read_file(path, &src.len, &why);
		if (!text) {
			fprintf(stderr, "sonde: cannot read %s: %s\n", path, why);
			return EXIT_USAGE;
		}
		src.name = path;
		src.text = text;
	}
	struct diag d;
	diag_init(&d, stderr);
	bool failed = driver_probes(&src, copts, &d, print_script_probe, &verbose) != 0;
	free(text);
	return failed ? EXIT_SCRIPT : EXIT_OK;
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

int main(int argc, char **argv)
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
		{"test-run", required_argument, NULL, OPT_TEST_RUN},
		{"pin", required_argument, NULL, OPT_PIN},
		{"keep-pins", no_argument, NULL, OPT_KEEP_PINS},
		{"force", no_argument, NULL, OPT_FORCE},
		{"info", no_argument, NULL, OPT_INFO},
		{NULL, 0, NULL, 0},
	};
	struct compile_options copts = {
		.max_strlen = 64,
		.map_entries = 4096,
		.ringbuf_size = 1 << 19,
		.debug_out = stderr,
		.watch = &watch,
	};
	struct rt_options ropts = {
		.format = OUT_TEXT, .out = stdout, .sig = &sig, .watch = &watch, .stop_fd = -1};
	const char *program = NULL, *out_path = NULL, *buffering = NULL, *emit_elf = NULL;
	bool list = false;
	const char *command = NULL;
	int target_pid = 0;
	int c, at = optind, li = -1;
	while ((c = getopt_long(argc, argv, "+e:f:o:qB:vdhVlp:c:", longopts, &li)) != -1) {
		/* getopt_long takes any unique prefix ("--test" for --test-run,
		 * which then swallows the next argument as its file): a long
		 * option must be written in full. It starts its own argument,
		 * argv[at]. */
		if (li >= 0) {
			const char *given = argv[at] + 2;
			size_t len = strcspn(given, "=");
			if (len != strlen(longopts[li].name)) {
				fprintf(stderr,
					"sonde: unknown option '--%.*s': long options are not "
					"abbreviated; did you mean '--%s'?\n",
					(int)len, given, longopts[li].name);
				fprintf(stderr, "Try 'sonde --help' for more information.\n");
				return EXIT_USAGE;
			}
			li = -1;
		}
		at = optind;
		switch (c) {
		case 'e':
			program = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "text")) {
				ropts.format = OUT_TEXT;
			} else if (!strcmp(optarg, "json")) {
				ropts.format = OUT_JSON;
			} else {
				fprintf(stderr, "sonde: -f takes 'text' or 'json', not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'q':
			ropts.quiet = true;
			break;
		case 'B':
			if (strcmp(optarg, "line") && strcmp(optarg, "full") && strcmp(optarg, "none")) {
				fprintf(stderr, "sonde: -B takes 'line', 'full' or 'none', not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			buffering = optarg;
			break;
		case 'v':
			ropts.verbose = true;
			break;
		case 'd':
			copts.debug = DEBUG_AST | DEBUG_IR | DEBUG_VERIFIER;
			ropts.verifier_log = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("sonde %s\n", SONDE_VERSION);
			return EXIT_OK;
		case OPT_DRY_RUN:
			ropts.dry_run = true;
			break;
		case OPT_EMIT_LLVM:
			copts.emit_llvm = optarg;
			break;
		case OPT_MAX_STRLEN: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v < 2 || v > 1024) {
				fprintf(stderr, "sonde: --max-strlen takes a number from 2 to 1024\n");
				return EXIT_USAGE;
			}
			copts.max_strlen = (uint32_t)v;
			break;
		}
		case OPT_UNSAFE:
			copts.unsafe = true;
			break;
		case OPT_RINGBUF_SIZE: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 0);
			long page = sysconf(_SC_PAGESIZE);
			if (*end || v < (unsigned long)page || v > (1ul << 30) || (v & (v - 1))) {
				fprintf(stderr, "sonde: --ringbuf-size takes a power of two from %ld "
						"to 1073741824 bytes\n",
					page);
				return EXIT_USAGE;
			}
			copts.ringbuf_size = (uint32_t)v;
			break;
		}
		case OPT_MAP_ENTRIES: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 0);
			if (*end || v < 1 || v > (1ul << 24)) {
				fprintf(stderr, "sonde: --map-entries takes a number from 1 to 16777216\n");
				return EXIT_USAGE;
			}
			copts.map_entries = (uint32_t)v;
			break;
		}
		case OPT_EMIT_ELF:
			emit_elf = optarg;
			break;
		case OPT_TEST_RUN:
			ropts.test_run = optarg;
			break;
		case OPT_PIN:
			ropts.pin_dir = optarg;
			break;
		case OPT_KEEP_PINS:
			ropts.keep_pins = true;
			break;
		case OPT_FORCE:
			copts.force = true;
			break;
		case OPT_INFO:
			feat_print(stdout);
			return EXIT_OK;
		case 'l':
			list = true;
			break;
		case 'p': {
			int prc = parse_pid(optarg, &target_pid);
			if (prc)
				return prc;
			break;
		}
		case 'c':
			command = optarg;
			break;
		default:
			fprintf(stderr, "Try 'sonde --help' for more information.\n");
			return EXIT_USAGE;
		}
	}
	if (list) {
		const char *arg = optind < argc ? argv[optind] : NULL;
		if (optind + 1 < argc || (program && arg)) {
			fprintf(stderr, "sonde: -l takes one PATTERN, a script FILE or -e PROGRAM\n");
			return EXIT_USAGE;
		}
		/* an argument that names a file is a script, as for bpftrace */
		struct stat st;
		if (program || (arg && stat(arg, &st) == 0 && !S_ISDIR(st.st_mode)))
			return list_script(program, arg, &copts, ropts.verbose);
		return list_probes(stdout, arg, ropts.verbose);
	}
	if (target_pid && command) {
		fprintf(stderr, "sonde: -p and -c cannot be used together\n");
		return EXIT_USAGE;
	}
	feat_set_target_pid(target_pid);
	if (ready_fd_from_env(&ropts.ready_fd))
		return EXIT_USAGE;
	struct source src = {0};
	char *text = NULL;
	char *abs = NULL;
	if (program) {
		if (optind < argc) {
			fprintf(stderr, "sonde: unexpected argument '%s' after -e PROGRAM\n",
				argv[optind]);
			return EXIT_USAGE;
		}
		src.name = "-e";
		src.text = program;
		src.len = strlen(program);
	} else {
		if (optind >= argc) {
			fprintf(stderr, "sonde: no program given: use -e 'PROGRAM' or a FILE\n");
			usage(stderr);
			return EXIT_USAGE;
		}
		if (optind + 1 < argc) {
			fprintf(stderr, "sonde: unexpected argument '%s' after %s\n", argv[optind + 1],
				argv[optind]);
			return EXIT_USAGE;
		}
		const char *why = NULL;
		text = read_file(argv[optind], &src.len, &why);
		if (!text) {
			fprintf(stderr, "sonde: cannot read %s: %s\n", argv[optind], why);
			return EXIT_USAGE;
		}
		src.name = argv[optind];
		src.text = text;
		abs = realpath(argv[optind], NULL);
		src.path = abs;
	}

	/* close-on-exec: the -c command must not write into the trace */
	int out_fd = STDOUT_FILENO;
	if (out_path) {
		out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (out_fd < 0) {
			fprintf(stderr, "sonde: cannot write %s: %s\n", out_path, strerror(errno));
			free(text);
			free(abs);
			return EXIT_USAGE;
		}
	}
	bool out_tty = isatty(out_fd);
	struct sink sink;
	FILE *out = sink_open(&sink, out_fd, out_path != NULL, out_path ? out_path : "stdout", &sig);
	if (!out) {
		fprintf(stderr, "sonde: cannot set up the output: %s\n", strerror(errno));
		if (out_path)
			close(out_fd);
		free(text);
		free(abs);
		return EXIT_SYSTEM;
	}
	if (buffering) {
		int mode = !strcmp(buffering, "line") ? _IOLBF : !strcmp(buffering, "full") ? _IOFBF
											: _IONBF;
		setvbuf(out, NULL, mode, 0);
	} else if (out_tty) {
		setvbuf(out, NULL, _IOLBF, 0);
	}
	ropts.out = out;
	ropts.sink = &sink;

	struct diag d;
	diag_init(&d, stderr);
	struct program *prog = NULL;
	bool script_error = false;
	int rc;
	/* Loading needs privilege: say so before compiling, not as a tracefs
	 * or verifier error later. Writing an object (--emit-elf) does not. */
	if (!emit_elf && !feat_bpf_privileged()) {
		fprintf(stderr, "sonde: loading BPF programs needs root, or the CAP_BPF and "
				"CAP_PERFMON capabilities; this process has neither\n");
		fclose(out);
		free(text);
		free(abs);
		return EXIT_LOAD;
	}
	struct child child = {.go_fd = -1, .exec_err_fd = -1, .exit_fd = -1};
	if (command) {
		rc = child_spawn(command, &child, &sig);
		if (rc) {
			fclose(out);
			free(text);
			free(abs);
			return rc;
		}
		feat_set_target_pid(child.pid);
		copts.child_pid = child.pid;
		ropts.on_attached = child_go;
		ropts.on_attached_arg = &child;
		ropts.stop_fd = child.exit_fd;
	}
	if (driver_compile(&src, &copts, &d, &prog, &script_error)) {
		rc = script_error ? EXIT_SCRIPT : EXIT_SYSTEM;
	} else if (emit_elf) {
		/* whole or not at all: a signal waits until it is written */
		sig_watch_hold(&watch);
		rc = write_elf(prog, emit_elf);
		sig_watch_release(&watch);
		program_free(prog);
	} else {
		rc = rt_run(prog, &ropts, &d);
		program_free(prog);
	}
	child_finish(&child);
	/* the file checked before loading could not be run after all (it
	 * changed, or the kernel refused its format): the run traced nothing */
	if (child.exec_errno && rc == EXIT_OK)
		rc = EXIT_SYSTEM;
	fclose(out);
	if (sink_report(&sink, stderr) && rc == EXIT_OK)
		rc = EXIT_SYSTEM;
	sig_watch_end(&watch);
	sig_fini(&sig);
	free(text);
	free(abs);
	return rc;
}
