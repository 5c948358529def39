/*
 * host.h - what sonde has read about the machine it runs on.
 *
 * Kernel BTF, /proc/kallsyms, ftrace's list of traceable functions and the
 * kprobe blacklist, the kernel's features and BPF helpers, and the ELF
 * files and process mappings behind user symbols are slow to read and do
 * not change while sonde runs, so each is read on first use and kept. They
 * are kept here, in one object passed down explicitly, not in static
 * variables: the CLI (main.c) creates one host per process and hands it
 * to the compiler (compilation->host), the runtime (rt_options.host) and
 * the listing. A unit test makes a fresh host for a fresh cache, or fills
 * one in to stand for another kernel (features without kprobes, a helper
 * the kernel lacks, its own kallsyms file).
 *
 * Everything a host hands out (BTF strings, symbol names, ELF function
 * tables) stays valid until host_fini.
 */
#ifndef SONDE_HOST_H
#define SONDE_HOST_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

#include "kernel/features.h"

struct btf;
struct host_btf_func;
struct btf_dump;
struct host_dump_sink;
struct host_ksym;
struct host_elf_file;
struct host_proc_maps;
struct host_interned;
struct syscall_table;
struct syscall_dispatch;

/* A sorted list of kernel function names read from a file (repeats kept);
 * names is NULL when none of the files could be read. */
struct host_name_list {
	char **names;
	size_t n;
	bool loaded;
};

enum { HOST_HELPERS = 256 };

/* --dwarf-pid may be given this many times */
enum { HOST_DWARF_PIDS = 64 };

struct host {
	/* Where the kernel is read. host_init sets the real files; a test
	 * may point them at its own before the first use. The lists are
	 * NULL-terminated, the first readable file is used. */
	const char *kallsyms_path;                 /* /proc/kallsyms */
	const char *const *traceable_paths;        /* available_filter_functions */
	const char *const *kprobe_blacklist_paths; /* debugfs kprobes/blacklist */

	/* kernel BTF (btf.c) */
	struct btf *btf;
	int btf_err; /* -errno when it could not be loaded */
	bool btf_loaded;
	signed char btf_user_tags; /* btf_has_user_tags(): 0 not looked, 1 yes, -1 no */
	/* BTF's functions sorted by name, made on the first lookup
	 * (btf_func_get): a wildcard looks up hundreds, and libbpf's own
	 * lookup reads all of BTF's types each time */
	struct host_btf_func *btf_funcs;
	size_t nbtf_funcs;
	bool btf_funcs_made;
	/* one btf_dump for the C names of types (btf.c's type_c_name): libbpf
	 * reads all of BTF's types to make one; its sink is the buffer of the
	 * name being written */
	struct btf_dump *btf_dump;
	struct host_dump_sink *btf_dump_sink;

	/* kallsyms' text symbols, sorted by address (symbols.c) */
	struct host_ksym *ksyms;
	size_t nksyms;
	bool ksyms_loaded;
	int ksyms_err;

	/* user symbols (symbols.c): ELF files by path, mappings by pid, and
	 * the DWARF names sym_dwarf_params hands out */
	struct host_elf_file *elf_files;
	struct host_proc_maps *procs;
	struct host_interned *interned;

	/* what ftrace can trace and what kprobes refuse (symbols.c) */
	struct host_name_list traceable;
	struct host_name_list kprobe_blacklist;

	/* features.c: filled on the first feat_get(); a test may fill it and
	 * set features_probed instead */
	struct features features;
	bool features_probed;
	/* feat_has_helper(): 0 not asked, 1 yes, -1 no, by BPF_FUNC_* id */
	signed char helpers[HOST_HELPERS];

	/* -p PID, -c CMD: the process uprobes/usdt are limited to; 0 = any */
	int target_pid;
	/* --dwarf-pid PID (bpftrace 0.26): more processes dw_ustack unwinds */
	int dwarf_pids[HOST_DWARF_PIDS];
	uint32_t ndwarf_pids;

	/* the syscall number of each syscalls:* event (syscalls.c) */
	struct syscall_table *syscalls;
	/* the run's raw_syscalls dispatchers, sys_enter and sys_exit
	 * (probes/tracepoint.c); owned by the run's attachment */
	struct syscall_dispatch *syscall_dispatch[2];
};

/* An empty host that reads the real kernel on first use. */
void host_init(struct host *h);
/* Frees everything read; the host may be initialized again. */
void host_fini(struct host *h);

/* For host_fini only: each part frees what it keeps in the host. */
void btf_host_free(struct host *h);
void sym_host_free(struct host *h);
void syscalls_host_free(struct host *h);

#endif
