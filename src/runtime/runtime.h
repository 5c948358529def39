/*
 * runtime.h - running a compiled program: load, BEGIN, attach, poll the
 * ring buffer, stop on exit()/signal, detach, END, print maps.
 */
#ifndef SONDE_RUNTIME_H
#define SONDE_RUNTIME_H

#include <stdbool.h>
#include <stdio.h>

#include "front/diag.h"
#include "manifest.h"
#include "runtime/printer.h"
#include "runtime/signals.h"
#include "runtime/sink.h"

/* Exit codes (LANGUAGE.md): 0 success, 1 script error, 2 usage error,
 * other values for kernel and system failures. */
enum {
	EXIT_OK = 0,
	EXIT_SCRIPT = 1,
	EXIT_USAGE = 2,
	EXIT_LOAD = 3,   /* verifier rejection, missing privilege or kernel feature */
	EXIT_ATTACH = 4, /* attaching a probe failed */
	EXIT_SYSTEM = 5, /* any other system failure */
};

struct host;

struct metrics_server;

enum { RT_MAX_MAP_FILES = 16 };

struct rt_options {
	/* the machine's symbols and the traced process (host.h); the CLI's */
	struct host *host;
	enum out_format format;
	enum out_version output_version; /* --output-version (printer.h) */
	FILE *out;
	bool dry_run;
	bool verbose;
	bool verifier_log;
	bool quiet; /* -q: no "Attaching N probes..." (or "Attached N probes") */
	const char *test_run; /* --test-run: run the packet probes over this pcap, attach nothing */
	const char *capture_path; /* -w: the pcap file capture writes */
	/* --test, --bench (bpftrace 0.26): BEGIN, then each test: (bench:)
	 * probe run by sonde, then END; nothing is attached, and the other
	 * probes do not run (probes/test.c). Without them those probes do
	 * not run either */
	bool run_tests, run_benches;
	bool color;          /* the output is a terminal: --test's tags in colour */
	const char *pin_dir; /* --pin: pin the maps in this bpffs directory (pin.h) */
	bool keep_pins;      /* --keep-pins: leave the pins at exit */
	/* --map-file @NAME=FILE, as given: lpm() maps filled before the
	 * probes are attached (mapfile.h) */
	const char *map_files[RT_MAX_MAP_FILES];
	size_t nmap_files;
	/* called once every probe is attached (main.c starts -c CMD) */
	void (*on_attached)(void *arg);
	void *on_attached_arg;
	/* dw_ustack with -c: called before loading, to have the command run
	 * up to its entry point, its libraries mapped, and wait there (main.c);
	 * on_attached then lets it go. 0; 1 when the command ended already
	 * (its exec failed); -1 when it could not be stopped there (said on
	 * stderr: the tables are then the ones mapped so far). */
	int (*to_entry)(void *arg);
	/* SONDE_READY_FD: "attached" is written to this descriptor, which is
	 * then closed, once every probe is attached; -1 for none */
	int ready_fd;
	/* __BPFTRACE_NOTIFY_PROBES_ATTACHED in the environment: the line of
	 * that name goes to stderr at the same moment, as bpftrace's own
	 * runtime tests wait for it */
	bool notify_attached;
	int stop_fd;             /* readable: stop as exit() does (-c CMD ended); -1: none */
	struct sig_state *sig;   /* the blocked signals (signals.h) */
	struct sig_watch *watch; /* ended once the programs are loaded; NULL: none */
	struct sink *sink;       /* behind `out`, checked for failure; NULL: none */
	/* --metrics: served from the run loop while the probes are attached
	 * (metrics.h); NULL: none */
	struct metrics_server *metrics;
};

/* Returns an exit code. The caller has blocked the signals (sig_init) so
 * that none can interrupt a half-done attach: they are taken from the
 * signalfd between steps. Until the programs are loaded the watcher ends
 * the process on a signal; rt_run then takes the signals over. */
int rt_run(const struct program *p, const struct rt_options *o, struct diag *d);

#endif
