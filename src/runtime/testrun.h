/*
 * testrun.h - --test-run FILE.pcap: run a script's xdp and tc programs
 * over every packet of a capture file with BPF_PROG_TEST_RUN, attaching
 * nothing, and count what they decided.
 *
 * The runtime (runtime.c) loads the object, runs BEGIN, calls
 * testrun_packets() where it would otherwise attach and wait, then runs
 * END and prints the maps as at any exit.
 */
#ifndef SONDE_TESTRUN_H
#define SONDE_TESTRUN_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"
#include "runtime/printer.h"

struct bpf_program;

struct testrun_hooks {
	/* called before each packet runs: its time in the file, and the
	 * bytes of it the file does not hold (origlen - caplen) */
	void (*packet)(void *arg, uint64_t ts_ns, uint32_t cut);
	/* called after each packet: prints the ring buffer's records */
	void (*drain)(void *arg);
	/* true when the run must end (exit() in the script, a signal) */
	bool (*stop)(void *arg);
	void *arg;
};

/* Runs progs[i] (by probe index) of every packet probe over the packets
 * of `path`, then prints one verdict summary per probe (text or JSON).
 * Returns an exit code (runtime.h): EXIT_OK, EXIT_USAGE for a script
 * without packet probes or a file that is not a usable pcap, EXIT_SYSTEM
 * when the kernel refuses to run a program. */
int testrun_packets(const struct manifest *m, struct bpf_program **progs, const char *path,
		    struct printer *pr, bool quiet, const struct testrun_hooks *hooks);

#endif
