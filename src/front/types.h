/*
 * types.h - value types of the language and how they sit in BPF memory.
 *
 * A type says how a value is laid out in a map key, a map value or a
 * ring-buffer record (size, alignment, signedness) and how the printer
 * shows it. Types built by sema live in the compilation arena; the ones
 * copied into the manifest (manifest.h) live in the program's own arena so
 * the runtime and printer can use them after the compiler is gone.
 */
#ifndef SONDE_TYPES_H
#define SONDE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "front/arena.h"

enum type_kind {
	TYPE_VOID,
	TYPE_INT,    /* size 1,2,4,8; is_signed */
	TYPE_STR,    /* char[size], NUL-terminated unless full */
	TYPE_TUPLE,  /* fields[] at offsets, each 8-aligned where its type needs */
	TYPE_INET,   /* 20 bytes: u32 family (AF_INET/AF_INET6) then 16 address bytes */
	TYPE_KSTACK, /* u64 stack (STACK_FRAMES_SHIFT) */
	TYPE_USTACK, /* u64 stack (STACK_FRAMES_SHIFT) + pid */
	TYPE_KSYM,   /* u64 kernel address shown as a symbol */
	TYPE_USYM,   /* u64 address + pid shown as a user symbol */
	TYPE_PTR,    /* u64 pointer; `pointee` may be a RECORD from BTF */
	TYPE_RECORD, /* struct/union from BTF: btf_id and size */
	TYPE_ARRAY,  /* elem[count] */
	TYPE_BUF,    /* length-prefixed bytes, printed as \x.. escapes */
	TYPE_BOOL,   /* result of comparisons before it widens to int */
	TYPE_TIMESTAMP, /* u64 boot-time ns shown through the strftime format in `name` */
	TYPE_NAMED,     /* u64 number the runtime shows as a name (`named`) */
};

/* Which memory a value refers to, so a read through it picks
 * bpf_probe_read_user or _kernel as the pointer's origin says: the pointee
 * of a pointer, or of an integer that holds an address (a uprobe's arg0);
 * for a record or array (whose value is its address) the memory it lies
 * in. */
enum addr_space {
	SPACE_NONE,   /* no origin known (a literal, a comparison) */
	SPACE_KERNEL,
	SPACE_USER,
	SPACE_ANY,    /* either (origins that disagree, untagged kernel-function
		       * pointers): read with the helpers that go by the address */
};
/* The space of a value that may come from `a` or `b`. */
enum addr_space space_merge(enum addr_space a, enum addr_space b);

struct type;

struct type_field {
	const char *name; /* NULL for tuple elements */
	struct type *type;
	uint32_t offset;
	/* a bitfield (bit_size > 0): bit_size bits from bit bit_shift (0..7)
	 * of the bytes at offset, little-endian */
	uint8_t bit_shift;
	uint8_t bit_size;
};

struct type {
	enum type_kind kind;
	uint32_t size;  /* bytes in BPF memory */
	uint32_t align; /* 1, 2, 4 or 8 */
	bool is_signed; /* TYPE_INT */
	uint8_t space;  /* enum addr_space; not part of type_equal */
	/* TYPE_TUPLE: elements; TYPE_RECORD: may be empty (fields read from BTF) */
	struct type_field *fields;
	uint32_t nfields;
	/* TYPE_PTR and TYPE_ARRAY */
	struct type *elem;
	uint32_t count;
	/* TYPE_KSTACK/TYPE_USTACK: `count` is the frame limit (0: STACK_MAX_DEPTH)
	 * and stack_mode how frames print */
	uint8_t stack_mode;
	/* TYPE_USTACK of dw_ustack: its frames are in the dw_stacks map */
	bool dwarf;
	/* TYPE_RECORD (and PTR to record): kernel BTF id and name */
	int32_t btf_id;
	const char *name;
	/* TYPE_RECORD: the record's bytes copied into BPF memory (a variable,
	 * a map, an output record), its members in fields[]; otherwise the
	 * value is the address of the record in kernel or user memory */
	bool by_value;
	/* TYPE_NAMED: what the number names (enum named_kind); a cgroup
	 * path's hierarchy filter is in `name` */
	uint8_t named;
	/* TYPE_BOOL: made by a comparison, !, && or || (or strcontains), a
	 * bool in bpftrace 0.26 but an integer in bpftrace 0.17: it prints 1
	 * or 0 in 0.17's output (the default), true or false in 0.26's. Eight
	 * bytes, laid out as the int64 that 0.17 stores */
	bool int_in_017;
};

/* What a TYPE_NAMED number is shown as: a user name (username), the errno
 * text (strerror), a system call's name (syscall_name), cgroup paths
 * (cgroup_path). */
enum named_kind { NAMED_USER, NAMED_ERRNO, NAMED_SYSCALL, NAMED_CGROUP };

/* type_inet_net (an lpm() map's key): u32 prefix length, then an inet
 * value (u32 family, 16 address bytes) at INET_NET_INET; the prefix
 * length counts the family word's 32 bits */
enum { INET_NET_SIZE = 24, INET_NET_INET = 4, INET_NET_FAMILY_BITS = 32 };

/* Shared immutable singletons for the common types. */
extern struct type type_void, type_bool, type_cmp_bool, type_u8, type_s8, type_u16, type_s16,
	type_u32, type_s32, type_u64, type_s64, type_kstack, type_ustack, type_ksym, type_usym, type_inet,
	type_inet_net, type_username, type_errno_name, type_syscall_name;

/* kstack/ustack modes, as bpftrace's kstack(perf) ... */
/* raw (bpftrace 0.26): addresses only, not symbolized */
enum stack_mode { STACK_MODE_BPFTRACE, STACK_MODE_PERF, STACK_MODE_RAW, STACK_MODE__COUNT };
/* As written in kstack(MODE): "bpftrace", "perf", "raw". */
extern const char *const stack_mode_names[STACK_MODE__COUNT];
/* The kernel's perf_event_max_stack default: the deepest stack a stack
 * map keeps. */
enum { STACK_MAX_DEPTH = 127 };

/* A stack's u64: its id in the stack-trace map in the low 32 bits, and
 * above them its frame count when the script takes len() of a stored
 * stack (else 0). Equal stacks have equal ids, so equal values; a
 * negative value is bpf_get_stackid's error (no stack: 0 frames). */
enum { STACK_FRAMES_SHIFT = 32 };
struct type *type_int(bool is_signed, uint32_t size);
/* kstack/ustack limited to `depth` frames (1..STACK_MAX_DEPTH). */
struct type *type_stack(struct arena *a, bool user, enum stack_mode mode, uint32_t depth);
static inline uint32_t type_stack_depth(const struct type *t)
{
	return t->count ? t->count : STACK_MAX_DEPTH;
}
struct type *type_str(struct arena *a, uint32_t size);
/* Lays out a tuple from `n` element types; offsets follow C struct rules. */
struct type *type_tuple(struct arena *a, struct type **elems, uint32_t n);
/* A record (bpftrace 0.26): a tuple whose elements have names. */
bool type_is_named_tuple(const struct type *t);
/* Gives tuple `t` the element names of `from`, when it has any. */
void type_tuple_names(struct type *t, const struct type *from);
/* The element of tuple `from` that goes to element i of tuple `to`: of the
 * same name when both are records (in any order), else the i-th when
 * neither has names; -1 when there is none. */
int tuple_field_match(const struct type *to, const struct type *from, uint32_t i);
struct type *type_ptr(struct arena *a, struct type *to);
struct type *type_array(struct arena *a, struct type *elem, uint32_t count);

/* `t` in address space `space`: `t` itself when it already is, else a
 * copy that shares its parts. */
struct type *type_in_space(struct arena *a, struct type *t, enum addr_space space);

/* Equal layout and meaning; the address space does not count. */
bool type_equal(const struct type *a, const struct type *b);
/* "uint64", "string[64]", "(int64, string[16])" ... for diagnostics. */
const char *type_name(struct arena *a, const struct type *t);
/* Deep copy into another arena (used to build the manifest). */
struct type *type_clone(struct arena *a, const struct type *t);

#endif
