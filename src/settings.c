/*
 * settings.c - the table of settings.h and the environment variables.
 */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "front/types.h"
#include "options.h"

const char *const bpf_licenses[] = {"GPL",          "GPL v2",       "GPL and additional rights",
                                    "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"};
enum { NLICENSES = sizeof(bpf_licenses) / sizeof(bpf_licenses[0]) };

const char *const missing_probes_names[] = {"error", "warn", "ignore"};
static const char *const bool_names[] = {"false", "true"};
/* bpftrace 0.26's words, and 0.17's 0 and 1 for its BPFTRACE_CACHE_USER_SYMBOLS */
static const char *const cache_names[] = {"PER_PROGRAM", "PER_PID", "NONE", "0", "1"};
const char *const unstable_names[] = {"enable", "warn", "error", "true", "false"};

#define WORDS(w) w, (int)(sizeof(w) / sizeof(w[0]))
/* a setting sonde takes and checks but that changes nothing here */
#define INERT(name, env, min, max, field, ...)                                                     \
	{name, NULL, {env, NULL}, min, max, false, false, offsetof(struct compile_options, field),   \
	 __VA_ARGS__}

const struct setting settings[] = {
    {"max_strlen",
     NULL,
     {"BPFTRACE_MAX_STRLEN", "BPFTRACE_STRLEN"},
     MAX_STRLEN_MIN,
     MAX_STRLEN_MAX,
     false,
     false,
     offsetof(struct compile_options, max_strlen)},
    {"map_entries",
     "max_map_keys",
     {"BPFTRACE_MAX_MAP_KEYS", "BPFTRACE_MAP_KEYS_MAX"},
     MAP_ENTRIES_MIN,
     MAP_ENTRIES_MAX,
     false,
     false,
     offsetof(struct compile_options, map_entries)},
    {"ringbuf_size",
     NULL,
     {NULL, NULL},
     RINGBUF_SIZE_MIN,
     RINGBUF_SIZE_MAX,
     true,
     false,
     offsetof(struct compile_options, ringbuf_size)},
    /* bpftrace's per-CPU perf buffer pages; sonde's one ring buffer gets
     * that many pages */
    {"perf_rb_pages",
     NULL,
     {"BPFTRACE_PERF_RB_PAGES", NULL},
     1,
     0,
     true,
     true,
     offsetof(struct compile_options, ringbuf_size)},
    {"max_probes",
     NULL,
     {"BPFTRACE_MAX_PROBES", NULL},
     1,
     UINT32_MAX,
     false,
     false,
     offsetof(struct compile_options, max_probes)},
    /* 0 or 1: the maps an end probe did not clear print at exit */
    {"print_maps_on_exit",
     NULL,
     {NULL, NULL},
     0,
     1,
     false,
     false,
     offsetof(struct compile_options, print_maps_on_exit)},
    {"max_cat_bytes",
     NULL,
     {"BPFTRACE_MAX_CAT_BYTES", "BPFTRACE_CAT_BYTES_MAX"},
     1,
     UINT32_MAX,
     false,
     false,
     offsetof(struct compile_options, max_cat_bytes)},
    /* how kstack/ustack print when the call names no mode */
    {"stack_mode",
     NULL,
     {"BPFTRACE_STACK_MODE", NULL},
     0,
     STACK_MODE__COUNT - 1,
     false,
     false,
     offsetof(struct compile_options, stack_mode),
     stack_mode_names,
     STACK_MODE__COUNT},
    /* a string: the programs' license; the tracing helpers sonde calls are
     * GPL-only, so only the kernel's GPL-compatible strings load */
    {"license",
     NULL,
     {NULL, NULL},
     0,
     NLICENSES - 1,
     false,
     false,
     offsetof(struct compile_options, license),
     bpf_licenses,
     NLICENSES},
    /* a probe that names nothing, or that the kernel refuses to attach:
     * an error, a warning or nothing (driver.c, runtime.c) */
    {"missing_probes",
     NULL,
     {"BPFTRACE_MISSING_PROBES", NULL},
     0,
     2,
     false,
     false,
     offsetof(struct compile_options, missing_probes),
     WORDS(missing_probes_names)},
    /* bpftrace 0.26's settings with nothing to tune in sonde: the
     * verifier log grows until the whole log fits (log_size); one program
     * per probe, counted by max_probes (max_bpf_progs); values too big for
     * the stack already go to per-CPU scratch maps (on_stack_limit);
     * symbols are read when first printed and cached per file
     * (lazy_symbolication, cache_user_symbols); C++ names print as the
     * symbol table has them (cpp_demangle); there is no blazesym
     * (show_debug_info). Taken, so scripts that set them run. */
    INERT("log_size", "BPFTRACE_LOG_SIZE", 1, UINT32_MAX, log_size, NULL, 0),
    INERT("max_bpf_progs", "BPFTRACE_MAX_BPF_PROGS", 1, UINT32_MAX, max_bpf_progs, NULL, 0),
    INERT("on_stack_limit", "BPFTRACE_ON_STACK_LIMIT", 0, UINT32_MAX, on_stack_limit, NULL, 0),
    INERT("lazy_symbolication", "BPFTRACE_LAZY_SYMBOLICATION", 0, 1, lazy_symbolication,
          WORDS(bool_names)),
    INERT("cpp_demangle", "BPFTRACE_CPP_DEMANGLE", 0, 1, cpp_demangle, WORDS(bool_names)),
    INERT("show_debug_info", "BPFTRACE_SHOW_DEBUG_INFO", 0, 1, show_debug_info,
          WORDS(bool_names)),
    INERT("cache_user_symbols", "BPFTRACE_CACHE_USER_SYMBOLS", 0, 4, cache_user_symbols,
          WORDS(cache_names)),
    /* bpftrace 0.26's: tseries() allowed, warned of (the default) or
     * refused (builtins/aggregations.c) */
    {"unstable_tseries",
     NULL,
     {"BPFTRACE_UNSTABLE_TSERIES", NULL},
     0,
     4,
     false,
     false,
     offsetof(struct compile_options, unstable_tseries),
     WORDS(unstable_names)},
    /* bpftrace 0.26's: dw_ustack allowed, warned of (the default) or
     * refused (builtins/stacks.c) */
    {"unstable_dw_ustack",
     NULL,
     {"BPFTRACE_UNSTABLE_DW_USTACK", NULL},
     0,
     4,
     false,
     false,
     offsetof(struct compile_options, unstable_dw_ustack),
     WORDS(unstable_names)},
    /* a string: what follows a string str() cut to max_strlen */
    {"str_trunc_trailer",
     NULL,
     {"BPFTRACE_STR_TRUNC_TRAILER", NULL},
     0,
     0,
     false,
     false,
     offsetof(struct compile_options, str_trunc_trailer),
     NULL,
     0,
     true},
};
const int nsettings = sizeof(settings) / sizeof(settings[0]);

static uint64_t page_size(void)
{
	long p = sysconf(_SC_PAGESIZE);
	return p > 0 ? (uint64_t)p : 4096;
}

static uint64_t max_of(const struct setting *s)
{
	return s->pages ? RINGBUF_SIZE_MAX / page_size() : s->max;
}

const struct setting *setting_by_name(const char *name)
{
	char low[64];
	if (!strncmp(name, "BPFTRACE_", 9))
		name += 9;
	size_t n = strlen(name);
	if (n >= sizeof(low))
		return NULL;
	for (size_t i = 0; i <= n; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	for (int i = 0; i < nsettings; i++) {
		const struct setting *s = &settings[i];
		if (!strcmp(low, s->name) || (s->alias && !strcmp(low, s->alias)))
			return s;
		for (int e = 0; e < 2; e++)
			if (s->env[e] && !strcasecmp(low, s->env[e] + strlen("BPFTRACE_")))
				return s;
	}
	return NULL;
}

bool setting_store(const struct setting *s, uint64_t v, struct compile_options *o)
{
	if (v < s->min || v > max_of(s) || (s->pow2 && (v & (v - 1))))
		return false;
	*(uint32_t *)((char *)o + s->offset) = (uint32_t)(s->pages ? v * page_size() : v);
	return true;
}

bool setting_store_word(const struct setting *s, const char *word, struct compile_options *o)
{
	for (int i = 0; i < s->nwords; i++)
		if (!strcmp(word, s->words[i])) {
			*(uint32_t *)((char *)o + s->offset) = (uint32_t)i;
			return true;
		}
	return false;
}

bool setting_store_given(const struct setting *s, const char *word, bool is_int, uint64_t v,
                         struct compile_options *o)
{
	/* a yes/no setting takes true and false as 1 and 0, either way round */
	bool yes_no = s->min == 0 && s->max == 1;
	if (yes_no && word && s->words == NULL && (!strcmp(word, "true") || !strcmp(word, "false")))
		return setting_store(s, !strcmp(word, "true"), o);
	if (yes_no && is_int && s->words && v <= 1)
		return setting_store_word(s, s->words[v], o);
	if (s->words)
		return word && setting_store_word(s, word, o);
	return is_int && setting_store(s, v, o);
}

void setting_store_text(const struct setting *s, const char *text, struct compile_options *o)
{
	*(const char **)((char *)o + s->offset) = text;
}

void setting_range(const struct setting *s, char *buf, size_t size)
{
	if (s->text) {
		snprintf(buf, size, "a string in quotes");
		return;
	}
	if (s->words) {
		size_t at = (size_t)snprintf(buf, size, "one of");
		for (int i = 0; i < s->nwords && at < size; i++)
			at += (size_t)snprintf(buf + at, size - at, "%s%s", i ? ", " : " ",
			                       *s->words[i] ? s->words[i] : "\"\" (no trailer)");
		return;
	}
	snprintf(buf, size, "%san integer from %llu to %llu%s", s->pow2 ? "a power of two, " : "",
	         (unsigned long long)s->min, (unsigned long long)max_of(s),
	         s->pages ? " (pages)" : "");
}

int settings_from_env(struct compile_options *o)
{
	for (int i = 0; i < nsettings; i++) {
		const struct setting *s = &settings[i];
		for (int e = 0; e < 2; e++) {
			const char *val = s->env[e] ? getenv(s->env[e]) : NULL;
			if (!val)
				continue;
			if (s->text) {
				setting_store_text(s, val, o);
				o->env_set |= 1u << i;
				break;
			}
			char *end;
			errno = 0;
			unsigned long long v = strtoull(val, &end, 10);
			bool is_int = *val >= '0' && *val <= '9' && !*end && !errno;
			bool ok = setting_store_given(s, val, is_int, v, o);
			if (!ok) {
				char range[96];
				setting_range(s, range, sizeof(range));
				fprintf(stderr, "sonde: %s=%s: %s takes %s\n", s->env[e], val,
				        s->env[e], range);
				return -1;
			}
			o->env_set |= 1u << i;
			break; /* the first, bpftrace 0.26's, wins over the older name */
		}
	}
	return 0;
}
