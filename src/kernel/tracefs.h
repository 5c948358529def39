/*
 * tracefs.h - the kernel's tracing filesystem and BPF filesystem.
 *
 * Finds (and if needed mounts) tracefs and bpffs, parses the
 * events/CATEGORY/NAME/format files that describe a tracepoint's record
 * layout, expands glob patterns over the tracepoints that exist, and maps a
 * record field onto a value type of the language. Everything returned is
 * allocated in the caller's arena; functions return 0 or -errno.
 */
#ifndef SONDE_TRACEFS_H
#define SONDE_TRACEFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "front/arena.h"
#include "front/types.h"

/*
 * Writes the tracefs mount point into buf. When tracefs is not mounted
 * anywhere it is mounted at /sys/kernel/tracing and a one-line message for
 * the user goes into note (otherwise note is set to ""); note may be NULL.
 * Returns 0, -ENAMETOOLONG when buf is too small, or the mount error.
 */
int tracefs_dir(char *buf, size_t size, char *note, size_t note_size);
/* The same for the BPF filesystem (pinning), mounted at /sys/fs/bpf. */
int bpffs_dir(char *buf, size_t size, char *note, size_t note_size);

/* One field of a tracepoint record, as the format file describes it. */
struct tp_field {
	const char *name;
	/*
	 * The type as written before the name: "const char *", "pid_t",
	 * "char" for `char comm[16]` (the bounds are in array_len), and
	 * "__data_loc char[]" for dynamic fields.
	 */
	const char *c_type;
	uint32_t offset, size;
	bool is_signed;
	bool is_pointer;
	/* __data_loc: a u32 whose low 16 bits are the data's offset from the
	 * start of the record and whose high 16 bits are its length. */
	bool is_data_loc;
	/* __rel_loc (also sets is_data_loc): the same u32, but the offset
	 * counts from the end of this field (offset + 4), not the record. */
	bool is_rel_loc;
	/* `T x[N]`; `T x[]` (a trailing flexible array) has array_len 0. */
	bool is_array;
	uint32_t array_len;
	bool is_char_array; /* char x[N] or char x[] */
	bool is_common;     /* common_type, common_pid, ...: the shared header */
};

struct tp_format {
	const char *category; /* NULL after tp_format_parse, set by tp_format_load */
	const char *name;
	int id;
	struct tp_field *fields; /* in file order, common_* fields first */
	uint32_t nfields;
};

/* Parses the text of a format file. -EINVAL when a field line is malformed. */
int tp_format_parse(struct arena *a, const char *text, struct tp_format *out);
/* Reads TRACEFS/events/CATEGORY/NAME/format; -ENOENT when there is no such
 * tracepoint (including names containing '/' or starting with '.'). */
int tp_format_load(struct arena *a, const char *tracefs, const char *category, const char *name,
                   struct tp_format *out);

/*
 * The field called `name`, or NULL. Lookups are by exact name, so the
 * shared common_* header fields only match when asked for by their full
 * name ("common_pid"), and a tracepoint's own field wins over them.
 */
const struct tp_field *tp_format_field(const struct tp_format *f, const char *name);

/*
 * The language type for reading a field: integers by size and signedness
 * (pointers are uint64; is_pointer tells str() to read the memory they
 * point to), `char x[N]` as string[N], `__data_loc char[]` and a trailing
 * `char x[]` as string[max_strlen], other fixed arrays of integers as
 * arrays. Returns NULL with errno = ENOTSUP for what sonde cannot read
 * (struct-valued fields, non-char dynamic arrays).
 */
struct type *tp_field_type(struct arena *a, const struct tp_field *f, uint32_t max_strlen);

/* fnmatch(3)-style glob: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `\x`. */
bool tp_glob_match(const char *pattern, const char *s);

/*
 * All tracepoints whose category matches cat_pattern and whose name matches
 * name_pattern, as "category:name" strings sorted by strcmp. No match is
 * not an error: count is 0. Fails only when TRACEFS/events cannot be read.
 */
int tp_expand(struct arena *a, const char *tracefs, const char *cat_pattern,
              const char *name_pattern, char ***out_names, size_t *count);

/* Sorted category names (directories under events/), for "did you mean". */
int tp_categories(struct arena *a, const char *tracefs, char ***out, size_t *n);
/* Sorted tracepoint names in one category; -ENOENT if it does not exist. */
int tp_names_in_category(struct arena *a, const char *tracefs, const char *cat, char ***out,
                         size_t *n);

#endif
