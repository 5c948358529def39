/*
 * symbols.h - addresses to names and names to addresses.
 *
 * Kernel symbols come from /proc/kallsyms, read once and kept sorted.
 * Everything read is kept in the host passed as the first argument
 * (host.h) and stays valid until host_fini.
 * User symbols come from ELF files through libelf: a process's mappings
 * (/proc/PID/maps) say which file and which ELF address an address falls
 * in, and each file's function symbols are read once and kept sorted, so
 * a stack-heavy profile never rereads a file per event. DWARF (libdw)
 * gives uprobe parameter names and types.
 */
#ifndef SONDE_SYMBOLS_H
#define SONDE_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/printer.h"

struct host;
struct host_name_list;

/* Kernel: name and offset of the function containing addr; -ENOENT when
 * none (e.g. /proc/kallsyms hides addresses from non-root). */
int sym_kernel_lookup(struct host *h, uint64_t addr, const char **name, uint64_t *offset);
/* Whether a kernel text symbol of that name exists; -ENODATA when
 * /proc/kallsyms cannot be read, else 1 or 0. */
int sym_kernel_has(struct host *h, const char *name);
/* Whether module `module` has a text symbol `name` (any, for NULL: the
 * module is loaded); -ENODATA when /proc/kallsyms cannot be read. */
int sym_kernel_in_module(struct host *h, const char *name, const char *module);
/* Kernel functions (text symbols, without the compiler's .part/.isra
 * copies and the __pfx_/__cfi_ padding labels) matching a glob, each once,
 * sorted. */
int sym_kernel_each(struct host *h, const char *glob, int (*cb)(const char *name, void *arg),
		    void *arg);
/* The same for the functions of one kernel module. */
int sym_kernel_module_each(struct host *h, const char *module, const char *glob,
			   int (*cb)(const char *name, void *arg), void *arg);
/* Every kernel text symbol with its address, in address order (aliases
 * share one), until cb returns non-zero, which is returned; -ENODATA when
 * /proc/kallsyms hides the addresses, or its open error. */
int sym_kernel_each_addr(struct host *h, int (*cb)(const char *name, uint64_t addr, void *arg),
			 void *arg);
/* Kernel address of a symbol of any type (text or data), 0 when unknown
 * or when /proc/kallsyms hides the addresses. */
uint64_t sym_kernel_addr(struct host *h, const char *name);
/* Whether /proc/kallsyms lists a symbol of that name, its address hidden
 * or not: the kernel finds a __ksym variable there when it loads a
 * program, and lists data only when built with CONFIG_KALLSYMS_ALL. */
bool sym_kernel_listed(struct host *h, const char *name);

/* ftrace's available_filter_functions (what a trampoline or a kprobe can
 * attach to) and debugfs' kprobes/blacklist (what kprobes refuse even so),
 * read once: the list's names are NULL when the file cannot be read (this
 * development machine refuses available_filter_functions). */
const struct host_name_list *sym_kernel_traceable(struct host *h);
const struct host_name_list *sym_kernel_kprobe_blacklist(struct host *h);
bool sym_name_list_has(const struct host_name_list *list, const char *name);

/* User: name, offset and the file of the function containing addr in
 * process pid. -ENOENT when not found (process gone, stripped binary). */
int sym_user_lookup(struct host *h, int pid, uint64_t addr, const char **name, uint64_t *offset,
		    const char **file);
/* Reads the mappings of pid now, so addresses can be resolved after it
 * exits (-c CMD). */
void sym_user_preload(struct host *h, int pid);

/* ELF function symbols of one file, for uprobes: the file offset libbpf
 * attaches at (st_value translated through the program headers). */
struct sym_elf_func {
	const char *name;
	uint64_t addr;   /* st_value */
	uint64_t offset; /* file offset */
	uint64_t size;
	int rank;      /* binding: 2 global, 1 weak, 0 local (aliases) */
	size_t index;  /* order read, a tie-break among aliases */
};
/* Functions of `path` matching glob, sorted by name, each name once. The
 * array and names stay valid until host_fini. Returns count or -errno. */
int sym_elf_funcs(struct host *h, const char *path, const char *glob,
		  const struct sym_elf_func **out);

/* The file offset of virtual address `vaddr` in `path` (through its
 * loaded segments), for uprobe:PATH:0xADDR. 0, -ERANGE when no segment
 * holds it, or -errno. */
int sym_elf_vaddr_offset(struct host *h, const char *path, uint64_t vaddr, uint64_t *offset);

/* The virtual address of file offset `offset` in `path` (through its
 * executable loaded segments), and whether the file is ET_DYN (a PIE or a
 * shared library, whose addresses move by the base it is loaded at), for
 * uaddr(). 0, -ERANGE when no segment holds it, or -errno. */
int sym_elf_offset_vaddr(struct host *h, const char *path, uint64_t offset, uint64_t *vaddr,
			 bool *is_dyn);

/* The st_value and st_size of the defined symbol `name` (any type) in
 * path's .symtab, else its .dynsym, for uaddr(). 0, -ENOENT when no
 * symbol has the name, or -errno. */
int sym_elf_symbol(const char *path, const char *name, uint64_t *addr, uint64_t *size);

/* DWARF parameters of a user function (libdw). */
struct sym_dwarf_param {
	const char *name;
	char c_type[64];
	uint32_t size;
	bool is_signed;
	bool is_pointer;
	bool readable; /* integer or pointer of 1, 2, 4 or 8 bytes */
	/* how many of the integer argument registers (rdi, rsi, rdx, rcx, r8,
	 * r9) the System V x86-64 ABI gives it: 1 for an integer or pointer,
	 * 2 for a 16-byte integer, 0 for a float or double (an xmm register)
	 * and for what goes on the stack (long double, records over 16
	 * bytes); -1 when sonde does not work it out (a record of up to 16
	 * bytes passed by value), which leaves the later parameters' places
	 * unknown */
	int8_t int_regs;
	/* is_pointer: what it points to, through typedefs and qualifiers */
	enum { SYM_POINTEE_OTHER, SYM_POINTEE_INT, SYM_POINTEE_POINTER } pointee;
	uint32_t pointee_size; /* SYM_POINTEE_INT: 1, 2, 4 or 8 */
	bool pointee_signed;
};
enum { SYM_MAX_PARAMS = 12 };
/* Fills params (up to SYM_MAX_PARAMS), returns their number, -ENOENT when
 * the function is not in the DWARF, -ENODATA when the file has none. The
 * strings stay valid until host_fini. */
int sym_dwarf_params(struct host *h, const char *path, const char *func,
		     struct sym_dwarf_param *params);

/* Resolves a uprobe/usdt PATH the way a shell and ld.so would: an
 * absolute or relative path as is, a bare name through $PATH, or a
 * library name ("libc", "libc.so.6") through ld.so.cache and the standard
 * directories. Writes the absolute path into buf; -ENOENT when nothing
 * matches. */
int sym_resolve_path(const char *name, char *buf, size_t size);

/* sym_resolve_path, and with a process (PID > 0) an absolute path that
 * exists only in its mount namespace (a container's file) through
 * /proc/PID/root, as bpftrace finds it; not resolved further there, since
 * its symlinks are the process's. */
int sym_resolve_path_of(int pid, const char *name, char *buf, size_t size);

/* The printer's resolver (printer.h): kstack/ustack as bpftrace prints
 * them ("\n    func+off\n..." one frame a line, addresses in hex where no
 * symbol is known), ksym/usym as a bare name. stack_fds[N] is the
 * stack-trace map that keeps N frames (0 where the program has none). */
struct sym_resolver {
	struct out_resolver base;
	struct host *host; /* whose symbols */
	int stack_fds[STACK_MAX_DEPTH + 1];
	/* dw_ustack's frames by stack id (bpf-runtime/dwunwind.h), 0 if none */
	int dw_stacks_fd;
	/* a dw_ustack of a process without unwind tables was warned of */
	bool dw_warned;
};
void sym_resolver_init(struct sym_resolver *r, struct host *h);

#endif
