/*
 * settings.h - the compile options a script's config block and bpftrace's
 * environment variables can set, in one table (settings.c).
 *
 * A setting has sonde's config name, the names bpftrace 0.26 gives it
 * (`max_map_keys` for sonde's map_entries), and up to two environment
 * variables (bpftrace 0.26's and 0.17's). As in bpftrace, an environment
 * variable wins over the script's config block; both win over the
 * command line's defaults.
 */
#ifndef SONDE_SETTINGS_H
#define SONDE_SETTINGS_H

#include <stdbool.h>
#include <stdint.h>

#include "compile.h"
#include "manifest.h"

struct setting {
	const char *name;   /* sonde's config name */
	const char *alias;  /* bpftrace's config name, or NULL */
	const char *env[2]; /* BPFTRACE_* variables, NULL when fewer */
	uint64_t min, max;  /* in the unit written (pages for perf_rb_pages) */
	bool pow2;
	bool pages;    /* written in pages, stored in bytes */
	size_t offset; /* of the uint32_t in struct compile_options */
	/* a setting written as a word (stack_mode = perf): the words, stored as
	 * their index; NULL for a number */
	const char *const *words;
	int nwords;
	/* a setting written as a string ("..."): offset is of a const char *
	 * in struct compile_options, stored as written */
	bool text;
};

/* the words of config missing_probes (enum missing_probes, manifest.h) */
extern const char *const missing_probes_names[];

/* the words of bpftrace 0.26's unstable_* settings, as indices: enable,
 * warn, error, then true and false, bpftrace's other spellings of enable
 * and error (unstable_is) */
extern const char *const unstable_names[];
enum unstable_mode { UNSTABLE_ENABLE, UNSTABLE_WARN, UNSTABLE_ERROR };
static inline enum unstable_mode unstable_is(uint32_t word)
{
	return word == 3 ? UNSTABLE_ENABLE : word == 4 ? UNSTABLE_ERROR : (enum unstable_mode)word;
}

/* the kernel's GPL-compatible license strings (config license) */
extern const char *const bpf_licenses[];

extern const struct setting settings[];
extern const int nsettings;

/* The setting a config name stands for: sonde's, bpftrace's, or either
 * written as the environment variable (BPFTRACE_MAX_MAP_KEYS) or without
 * its prefix (MAX_MAP_KEYS). NULL when none. */
const struct setting *setting_by_name(const char *name);

/* The written value `v` of `s` stored into `o`; false when it is out of
 * range (nothing stored). The message's range is setting_range's. */
bool setting_store(const struct setting *s, uint64_t v, struct compile_options *o);
/* The index of `word` among s->words stored into `o`; false when it is
 * none of them */
bool setting_store_word(const struct setting *s, const char *word, struct compile_options *o);
/* What a config block or an environment variable gave: a word (`word`,
 * or NULL), a number (`is_int`, `v`), or both for an environment
 * variable's digits; a yes/no setting takes true/false and 1/0. */
bool setting_store_given(const struct setting *s, const char *word, bool is_int, uint64_t v,
                         struct compile_options *o);
/* A text setting's string stored into `o` (kept, not copied) */
void setting_store_text(const struct setting *s, const char *text, struct compile_options *o);
/* The range as words, e.g. "an integer from 2 to 1024" */
void setting_range(const struct setting *s, char *buf, size_t size);

/* bpftrace's environment variables into `o`, recording in o->env_set
 * which settings they fixed (bit = index in settings[]). 0, or -1 after
 * saying on stderr which one is wrong. */
int settings_from_env(struct compile_options *o);

#endif
