/*
 * options.h - every compile option's default and limit, in one place.
 *
 * The command line (main.c), a script's `config = { ... }` block
 * (driver.c), the unit tests (tests/unit/compile_helper.h) and the fuzz
 * targets all start from COMPILE_OPTIONS_DEFAULTS and check against the
 * limits here, so none of them can disagree on a number. The help text
 * and the error messages print these constants; docs/reference.md and
 * docs/sonde.1 say the same numbers in prose.
 */
#ifndef SONDE_OPTIONS_H
#define SONDE_OPTIONS_H

enum {
	/* --max-strlen, config max_strlen: bytes in a string value, NUL included */
	MAX_STRLEN_DEFAULT = 64,
	MAX_STRLEN_MIN = 2,
	MAX_STRLEN_MAX = 1024,
	/* --map-entries, config map_entries: max_entries of hash maps */
	MAP_ENTRIES_DEFAULT = 4096,
	MAP_ENTRIES_MIN = 1,
	MAP_ENTRIES_MAX = 1 << 24,
	/* --ringbuf-size, config ringbuf_size: bytes, a power of two. The
	 * command line's lower bound is the page size (the kernel's), which is
	 * never below this one */
	RINGBUF_SIZE_DEFAULT = 1 << 19,
	RINGBUF_SIZE_MIN = 4096,
	RINGBUF_SIZE_MAX = 1 << 30,
	/* a script larger than this is refused rather than read: a path such
	 * as /dev/zero would otherwise be read until memory runs out. The
	 * parser takes up to 2 GB, but no real script comes near this */
	SCRIPT_MAX_BYTES = 16 << 20,
	/* bpftrace 0.26's max_probes: attaching thousands of probes can stall
	 * the machine, so more is refused unless asked for */
	MAX_PROBES_DEFAULT = 1024,
	/* bpftrace's max_cat_bytes: cat() of /dev/zero must end */
	MAX_CAT_BYTES_DEFAULT = 10240,
	/* bpftrace 0.26's defaults of the settings sonde takes without an
	 * effect (settings.c) */
	LOG_SIZE_DEFAULT = 1000000,
	MAX_BPF_PROGS_DEFAULT = 1024,
	ON_STACK_LIMIT_DEFAULT = 32,
};

/* The defaults as designators, for a `struct compile_options` (compile.h)
 * initializer that may add its own fields:
 *   struct compile_options o = {COMPILE_OPTIONS_DEFAULTS, .debug_out = stderr}; */
#define COMPILE_OPTIONS_DEFAULTS                                                                   \
	.max_strlen = MAX_STRLEN_DEFAULT, .map_entries = MAP_ENTRIES_DEFAULT,                      \
	.ringbuf_size = RINGBUF_SIZE_DEFAULT, .max_probes = MAX_PROBES_DEFAULT,                     \
	.print_maps_on_exit = 1, .max_cat_bytes = MAX_CAT_BYTES_DEFAULT,                     \
	.log_size = LOG_SIZE_DEFAULT, .max_bpf_progs = MAX_BPF_PROGS_DEFAULT,                      \
	.on_stack_limit = ON_STACK_LIMIT_DEFAULT, .cpp_demangle = 1, .cache_user_symbols = 1,     \
	.missing_probes = 3 /* MISSING_PROBES_UNSET (manifest.h) */,                               \
	.unstable_tseries = 1 /* UNSTABLE_WARN (settings.h) */,                                   \
	.unstable_dw_ustack = 1 /* UNSTABLE_WARN */

#endif
