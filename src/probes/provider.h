/*
 * provider.h - the probe provider table.
 *
 * Each probe type (tracepoint, interval, xdp, ...) is one `struct provider`
 * in its own file under src/probes/. The compiler and runtime never switch
 * on probe names: they ask the provider to expand a spec into attach
 * points, to name the ELF section, to say which context builtins exist and
 * how to read them, and to attach the loaded program. Optional hooks are
 * NULL. Adding a probe type means one new file and one line in
 * provider_table (probes/table.c).
 */
#ifndef SONDE_PROVIDER_H
#define SONDE_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "front/ast.h"
#include "manifest.h"
#include "front/types.h"

struct compilation;
struct host;
struct bpf_program;
struct bpf_object;
struct rt_probe;

/* One place a probe block is attached, after wildcard expansion. */
struct attach_point {
	const struct provider *prov;
	const char *spec;   /* as shown to users: "tracepoint:syscalls:sys_enter_read" */
	const char *target; /* provider-specific (see struct probe_desc) */
	const char *func;
	uint64_t value;
	uint64_t aux;       /* provider-specific second value (usdt: semaphore offset) */
	void *data;         /* provider-private (e.g. the tracepoint format) */
	struct loc loc;     /* the spec in the script */
	bool from_wildcard; /* the spec has a wildcard (set by sema, not the provider) */
	/* its program serves other attach points too (set by sema/share.c,
	 * before the section is asked for) */
	bool shared;
};

/* How a context value (args.NAME, argN, retval) is read in BPF. */
enum ctx_access_kind {
	CTX_LOAD,        /* direct load of `size` bytes at ctx + offset */
	CTX_READ,        /* copy `size` bytes from ctx + offset with probe_read_kernel */
	CTX_DATA_LOC,    /* u32 at ctx + offset: low 16 bits offset of the data, high 16 length */
	CTX_U64_ARRAY,   /* ctx is u64[]: load element `offset` / 8 */
	CTX_PKT,         /* field of the parsed packet (struct sonde_pkt) at `offset` */
	CTX_CONST,       /* the constant `imm` (a usdt argument the compiler folded) */
	CTX_USER_MEM,    /* `size` bytes of user memory at (u64 at ctx + offset) + imm,
			  * plus (u64 at ctx + index_offset) * scale when scale != 0 */
	CTX_FUNC_RET,    /* fexit: the traced function's return value, `size` bytes, from
	                    bpf_get_func_ret (where the kernel's layout of ctx is its own) */
};

struct ctx_access {
	enum ctx_access_kind kind;
	uint32_t offset, size;
	int64_t imm;       /* CTX_CONST, CTX_USER_MEM */
	uint32_t index_offset, scale; /* CTX_USER_MEM: an index register (scale 0: none) */
	bool is_signed;
	/* The memory the value points to when it is an address (enum
	 * addr_space): user for uprobe and usdt arguments and syscall
	 * tracepoints' pointers; either (SPACE_ANY) for a kernel-function
	 * pointer that BTF does not tag __user, since kernels without type
	 * tags (Debian's 6.1) do not say which; kernel otherwise. Sema puts it
	 * into the value's type, so it follows the value into variables and
	 * maps. */
	uint8_t space;
	struct type *type; /* the language type of the value */
	/* CTX_LOAD, CTX_READ, CTX_DATA_LOC at an offset a CO-RE relocation
	 * sets at load (tracepoints whose record is a vmlinux struct): the
	 * struct's BTF id and the member's name and type id there; `offset`
	 * is this kernel's. core_rec_id 0: `offset` is a constant. */
	uint32_t core_rec_id, core_member_type;
	const char *core_member;
};

/* What a program can use in its context. */
enum {
	CTX_HAS_ARGS = 1 << 0,   /* args.NAME */
	CTX_HAS_ARGN = 1 << 1,   /* arg0..arg9 */
	CTX_HAS_RETVAL = 1 << 2,
	CTX_HAS_PKT = 1 << 3,
	CTX_HAS_STACK = 1 << 4,  /* kstack / ustack meaningful */
	CTX_HAS_USER = 1 << 5,   /* runs in task context (pid, comm meaningful) */
	CTX_HAS_REDIRECT = 1 << 6, /* redirect("ifname") verdict */
	CTX_HAS_FUNC = 1 << 7,     /* the attach point names a function: `func` */
	CTX_HAS_SARG = 1 << 8,     /* at a function's entry: sarg0..sarg9 above the return address */
	CTX_HAS_BINARY = 1 << 9,   /* in a user binary, the attach point's target: uaddr() */
	CTX_HAS_D_PATH = 1 << 10,  /* a tracing program, which has bpf_d_path: path() */
	CTX_HAS_OVERRIDE = 1 << 11, /* a kprobe, which has bpf_override_return: override() */
	CTX_HAS_SITE_IP = 1 << 12,  /* the registers' ip is the attach point's own address
	                               (the file offset `value` of `target`): uaddr() in a PIE */
};

/* provider.syscall_regs: which raw_syscalls tracepoint a program runs on */
enum { SYSCALL_REGS_NONE, SYSCALL_REGS_ENTER, SYSCALL_REGS_EXIT };

/* When a provider's program runs. */
enum provider_run {
	RUN_ATTACHED,  /* attached to an event in the kernel */
	RUN_AT_START,  /* run once before the others are attached (BEGIN) */
	RUN_AT_EXIT,   /* run once at exit (END) */
	RUN_ON_SIGNAL, /* run each time sonde receives SIGUSR1 (self:signal) */
	RUN_TEST,      /* run once after BEGIN under --test, nothing attached (test:) */
	RUN_BENCH,     /* run repeatedly after BEGIN under --bench (bench:) */
};

/* Undoes an attachment that is neither a bpf_link nor an fd (a tc filter
 * on a clsact qdisc, an XDP program put back after --force). */
struct rt_cleanup {
	void (*fn)(void *arg);
	void *arg;
};

/* A file descriptor an attachment needs served while the run lasts (the
 * ring buffer of a watchpoint's arming uprobe): the run loop calls
 * ready(arg) when it is readable (fd -1: none to watch); unwatch(arg, addr), when set, for each
 * unwatch(addr) a program calls. The provider frees `arg` through a
 * cleanup of its own. */
struct rt_watcher {
	int fd;
	/* returns true once the attachment's work is done (an iterator that
	 * reached its end); the run ends when every watcher that `finishes`
	 * is done */
	bool (*ready)(void *arg);
	bool finishes;
	void (*unwatch)(void *arg, uint64_t addr);
	void *arg;
};

/* A running attachment, owned by the runtime. Providers add links, fds and
 * cleanups; on every exit path the runtime destroys the links (newest
 * first), runs the cleanups (newest first), then closes the fds. */
struct rt_attachment {
	struct bpf_link **links;
	size_t nlinks, cap_links;
	int *fds;
	size_t nfds, cap_fds;
	struct rt_cleanup *cleanups;
	size_t ncleanups, cap_cleanups;
	struct rt_watcher *watchers;
	size_t nwatchers, cap_watchers;
};
int rt_attachment_add_link(struct rt_attachment *a, struct bpf_link *link);
int rt_attachment_add_fd(struct rt_attachment *a, int fd);
/* On -ENOMEM fn(arg) has already run: nothing is left attached. */
int rt_attachment_add_cleanup(struct rt_attachment *a, void (*fn)(void *arg), void *arg);
int rt_attachment_add_watcher(struct rt_attachment *a, const struct rt_watcher *w);
/* Destroys links, runs cleanups, closes fds, and empties `a`. */
void rt_attachment_release(struct rt_attachment *a);

/* How a spec of this provider is written, which the lexer must know to
 * find where the spec ends (grammar/lexer.l). */
enum spec_form {
	SPEC_FIELDS, /* name:A:B...; a '/' ends the spec (and opens a predicate) */
	SPEC_PATH,   /* name:PATH...; a '/' belongs to the file path after the colon */
	SPEC_BARE,   /* the name alone, with no ':' (BEGIN) */
};

/* A value a packet program returns, by name: a verdict statement
 * (`drop;`), or a value only --test-run names when it counts what the
 * programs returned. */
struct verdict {
	const char *name;
	int64_t value;
	bool statement; /* `NAME;` in a probe returns it */
};

/* A `sonde -l` listing in progress (listing.c), handed to the providers'
 * list hooks. */
struct probe_lister {
	struct host *host; /* what the machine says (kernel/host.h) */
	FILE *out;
	bool verbose;     /* -v: each probe's arguments too */
	bool args_only;   /* the arguments without the probe's own line (-lv of a script) */
	const char *glob; /* a pattern without a probe type: what each whole line must match */
	size_t n;         /* the probes listed so far */
	/* a wildcard probe type ('*:sched:*'): a provider for which the rest
	 * names nothing lists nothing, without an error */
	bool searching;
	bool in_path_glob; /* uprobe: listing one file a path wildcard matched */
};
/* Lists one probe, "type:name": skipped when it does not match l->glob,
 * not printed (but counted) with l->args_only. Returns whether it is
 * listed, so the caller prints its arguments after it. */
bool probe_list_line(struct probe_lister *l, const char *line);

struct provider {
	const char *name;
	/* what the probetype builtin says, when not the name of an attached
	 * provider nor "special" (BEGIN, END) as bpftrace says it */
	const char *probetype;
	const char *const *aliases; /* NULL-terminated, or NULL */
	enum spec_form form;
	enum provider_run run;
	unsigned ctx;               /* CTX_HAS_* */
	/* The kernel runs the programs on one event newest-attached first
	 * (uprobe consumers, kprobes on one address, perf events of one
	 * context): the runtime attaches these in reverse script order so
	 * that they run in script order, as in bpftrace. */
	bool fires_newest_first;
	/* Asks for a BPF trampoline (fentry, fexit), which the kernel may
	 * refuse; the provider then runs the probe as a kprobe, where
	 * helpers of tracing programs are not available */
	bool wants_trampoline;
	/* Iterators (bpf_iter): ctx starts with the struct bpf_iter_meta
	 * pointer, and at the offset this returns is the object of the call,
	 * NULL in the last call, where the program returns at once. With
	 * *to_file false, the program writes one byte to the iterator's file
	 * first, so that each read() of one byte runs it for one object and
	 * sonde reads the records of each few objects before the next; with
	 * *to_file true (a pinned iterator) printf writes its text into the
	 * iterator's file instead (bpf_seq_printf). NULL: not an iterator. */
	uint32_t (*iter_object_offset)(const struct attach_point *ap, bool *to_file);
	/* The kernel struct (BTF) `ctx` points to in this attach point's
	 * programs; NULL (or no hook): ctx is a void pointer. */
	const char *(*ctx_record)(const struct attach_point *ap);

	/* Expands one spec ("tracepoint:sched:*"; `rest` is the part after
	 * "name:", or NULL for specs without one like BEGIN) into attach
	 * points appended with sema_add_attach_point(). Reports errors itself
	 * at spec->loc; returns 0 or -1. */
	int (*expand)(struct compilation *c, struct node *spec, const char *rest);
	/* Once after every probe is expanded and typed (sema): may change
	 * how this provider's attach points will be attached (their
	 * `value` and `aux`, which the section, codegen and attach read),
	 * knowing all of them (probes/tracepoint.c serves many syscall
	 * tracepoints from one raw_syscalls program). NULL: nothing to do. */
	void (*plan)(struct compilation *c);
	/* Whether the program of attach point `ap` may serve other attach
	 * points of its probe too (sema/share.c): its attach gives the program
	 * a BPF cookie, so one program compiled and verified once runs at
	 * many places. Returns a name of the kind of program (attach points
	 * of one probe with the same name share one), or NULL: a program of
	 * its own. NULL hook: never shared. */
	const char *(*share_class)(struct compilation *c, const struct attach_point *ap);
	/* Codegen: nonzero when the program of this attach point runs on a
	 * raw_syscalls tracepoint (SYSCALL_REGS_ENTER or _EXIT) instead of
	 * its own tracepoint: its prologue then rebuilds the tracepoint's
	 * record from the raw arguments (the saved registers, the syscall
	 * number or return value), where args.NAME reads it as usual. */
	int (*syscall_regs)(const struct attach_point *ap);
	/* Codegen, for a shared program whose attachments give it no cookie
	 * (entries of a syscall dispatcher's program array, tail-called):
	 * SYSCALL_REGS_ENTER or _EXIT when the syscall number the program
	 * runs for (attach point `value` - 1) tells its attach points apart,
	 * SYSCALL_REGS_NONE when the BPF cookie does. NULL: the cookie. */
	int (*cookie_is_syscall_nr)(const struct attach_point *ap);
	/* Runtime: attach the `n` attach points that share one program
	 * (probe_desc.shares_program) at once, writing each one's result
	 * (0 or -errno) into rcs[i] and the first failure's sentence into
	 * err. Returns 0 when it took them (whatever rcs says), -EOPNOTSUPP
	 * when the runtime should attach them one by one with `attach`.
	 * NULL: one by one. */
	int (*attach_shared)(struct host *h, const struct probe_desc *const *pds, size_t n,
			     struct bpf_program *prog, struct rt_attachment *att, int *rcs,
			     char *err, size_t errsz);
	/* ELF section of the program for one attach point. */
	const char *(*section)(struct arena *a, const struct attach_point *ap);
	/* args.NAME: fills `out` or reports an error at `loc` and returns -1. */
	int (*arg_field)(struct compilation *c, const struct attach_point *ap, const char *name,
			 struct loc loc, struct ctx_access *out);
	/* argN (index 0..9): same contract. */
	int (*arg_index)(struct compilation *c, const struct attach_point *ap, int index,
			 struct loc loc, struct ctx_access *out);
	/* retval: same contract (providers with CTX_HAS_RETVAL). */
	int (*retval)(struct compilation *c, const struct attach_point *ap, struct loc loc,
		      struct ctx_access *out);
	/* A type named in a cast or sizeof (tag "struct", "union", "enum", or
	 * NULL for a typedef) that the traced program itself defines (a
	 * uprobe's binary's DWARF): 1 with *out set, 0 when it has none, -1
	 * after reporting an error at `loc`. NULL: types come from the script
	 * and the kernel only. */
	int (*named_type)(struct compilation *c, const struct attach_point *ap, const char *tag,
			  const char *name, struct loc loc, struct type **out);

	/* Packet providers (CTX_HAS_PKT): the bpf-runtime function that fills
	 * a struct sonde_pkt from this program type's context, called once at
	 * the start of a program that reads pkt.*:
	 *   void NAME(void *ctx, struct sonde_pkt *pkt, int depth)
	 * with depth one of SONDE_PKT_DEPTH_* (bpf-runtime/pkt.h). */
	const char *pkt_parser;
	/* ... and the one that rewrites a field, fixing checksums:
	 *   void NAME(void *ctx, struct sonde_pkt *pkt, int field, u64 value,
	 *             const struct sonde_inet *addr)
	 * with field one of SONDE_PKT_SET_*; value for a port or the TTL,
	 * addr for an address. */
	const char *pkt_setter;
	/* The setter writes through helpers (tc's bpf_skb_store_bytes), after
	 * which every packet pointer is invalid: a block that rewrites the
	 * packet parses its transport header up front. false: the setter
	 * writes in place (XDP), and the transport header is parsed where
	 * it is first needed, as for reads. */
	bool pkt_set_by_helper;
	/* Packet providers: the packet's length is bpf_xdp_get_buff_len(ctx)
	 * (XDP's xdp_md), not the u32 the context starts with (__sk_buff's
	 * len); capture needs it, whether or not the script reads pkt. */
	bool pkt_len_by_helper;
	/* Reports that `name;` is not one of this provider's verdict
	 * statements (`verdicts` has no statement of that name), in the
	 * provider's words: what it has instead. */
	void (*verdict_error)(struct compilation *c, const char *name, struct loc loc);
	/* The verdict statement `name;` is one of this provider's, but may
	 * not fit attach point `ap` (lsm: a hook that returns void): 0, or -1
	 * after reporting an error at `loc`. NULL: every verdict fits. */
	int (*verdict_check)(struct compilation *c, const struct attach_point *ap,
			     const char *name, struct loc loc);
	/* Returned when the probe block ends (XDP_PASS, TC_ACT_UNSPEC, 0). */
	int64_t default_return;
	/* `return N;` makes the program return N (a test's verdict); for the
	 * others N is not evaluated and the block ends with default_return. */
	bool returns_value;
	/* Packet providers: the values their programs return, by name, in the
	 * order --test-run prints its counts; several values may share a
	 * name (the first entry holds their count). Ends with {NULL}. */
	const struct verdict *verdicts;
	/* --test-run: writes into `ctx` (`size` bytes at most) the context of
	 * a packet of `len` bytes arriving on interface `ifindex`, and returns
	 * its size. */
	size_t (*test_run_ctx)(void *ctx, size_t size, uint32_t len, int ifindex);

	/* Runtime, before the object is loaded: whatever a program of this
	 * provider needs set on it first (fentry:bpf: its target program).
	 * *keep_fd: an fd to keep open until the object is closed, or -1.
	 * On failure writes a sentence into err and returns -errno. NULL:
	 * nothing to do. */
	int (*prepare)(const struct probe_desc *pd, struct bpf_program *prog, int *keep_fd,
		       char *err, size_t errsz);

	/* Runtime: attach a loaded program. On failure writes a sentence into
	 * err (without the probe name, which the caller adds) and returns
	 * -errno; anything already added to `att` is cleaned up by the caller.
	 * `h` is the runtime's host (host.h): the traced process and what is
	 * known about the kernel. */
	int (*attach)(struct host *h, const struct probe_desc *pd, struct bpf_program *prog,
		      struct rt_attachment *att, char *err, size_t errsz);

	/* -l TYPE:REST: lists the probes matching `rest` (the pattern after
	 * "name:"), with their arguments when l->verbose. With rest NULL,
	 * the search of a pattern without a probe type: every probe whose
	 * line matches l->glob, quietly skipping what cannot be read.
	 * Returns an exit code (runtime/runtime.h) after writing its own
	 * message. NULL: this provider's probes cannot be listed. */
	int (*list)(struct probe_lister *l, const char *rest);
	/* The place of this provider's probes in the listing of a pattern
	 * without a probe type (`sonde -l '*sleep*'`): lowest first, as
	 * bpftrace orders them (kprobe, tracepoint, software, hardware);
	 * 0: not searched. */
	unsigned untyped_list_order;
};

/* The table (probes/table.c), NULL-terminated. */
extern const struct provider *const provider_table[];
/* Finds a provider by name or alias; NULL if unknown. */
const struct provider *provider_find(const char *name);
/* The verdict statement `name;` of `p` (its value is what the program
 * returns), or NULL when `p` has none of that name. */
const struct verdict *provider_verdict(const struct provider *p, const char *name);
/* Whether `name;` is a verdict statement of some provider. */
bool provider_any_verdict(const char *name);
/* The form of specs starting with the `len` bytes at `name` (not
 * NUL-terminated: the lexer asks about its token); SPEC_FIELDS for a name
 * no provider has. */
enum spec_form provider_spec_form(const char *name, size_t len);

#endif
