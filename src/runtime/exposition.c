/*
 * exposition.c - maps as Prometheus metrics (see exposition.h).
 */
#include "runtime/exposition.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "builtins/builtins.h"

/* A metric name or label name: letters, digits and '_' (what both
 * grammars allow everywhere but first, where a digit never comes here:
 * metric names start with "sonde_", label names are script names). */
static void put_sanitized(FILE *f, const char *s)
{
	for (; *s; s++) {
		char c = *s;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		          c == '_';
		fputc(ok ? c : '_', f);
	}
}

/* The family's name: sonde_ and the map's name without its '@' */
static char *family_name(const struct map_desc *d, const char *suffix)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		sonde_out_of_memory("serving metrics");
	}
	const char *name = d->name[0] == '@' ? d->name + 1 : d->name;
	fputs("sonde_", f);
	put_sanitized(f, *name ? name : "map");
	/* a counter's name ends in _total, once */
	size_t n = strlen(name), sn = strlen(suffix);
	if (sn && !(n >= sn && !strcmp(name + n - sn, suffix)))
		fputs(suffix, f);
	fclose(f);
	return buf;
}

/* Text escaped as the exposition format wants it: backslash and newline
 * always, the double quote too in a label value (a HELP line keeps it). */
static void put_escaped(FILE *f, const char *s, bool in_label)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"' && in_label)
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_label(FILE *f, const struct printer *p, bool *first, const char *name,
                      const struct type *t, const uint8_t *data)
{
	char small[256];
	int n = out_key_part_text(p, small, sizeof small, t, data);
	char *text = small;
	if (n >= (int)sizeof small) {
		text = malloc((size_t)n + 1);
		if (!text) {
			sonde_out_of_memory("serving metrics");
		}
		out_key_part_text(p, text, (size_t)n + 1, t, data);
	}
	fputs(*first ? "" : ",", f);
	*first = false;
	put_sanitized(f, name);
	fputs("=\"", f);
	put_escaped(f, text, true);
	fputc('"', f);
	if (text != small)
		free(text);
}

/* The entry's labels, without the braces; `extra` (le="...") after them */
static void put_labels(FILE *f, const struct printer *p, const struct map_desc *d,
                       const uint8_t *key, const char *extra)
{
	bool first = true;
	if (!(d->key && key) && !extra)
		return; /* no labels: no braces */
	fputc('{', f);
	if (d->key && key) {
		const struct type *k = d->key;
		if (k->kind == TYPE_TUPLE) {
			for (uint32_t i = 0; i < k->nfields; i++) {
				char name[32];
				snprintf(name, sizeof name, "key%" PRIu32, i);
				const struct type_field *fl = &k->fields[i];
				put_label(f, p, &first, fl->name ? fl->name : name, fl->type,
				          key + fl->offset);
			}
		} else {
			put_label(f, p, &first, "key0", k, key);
		}
	}
	if (extra)
		fprintf(f, "%s%s", first ? "" : ",", extra);
	fputc('}', f);
}

static void put_number(FILE *f, int64_t v, bool is_signed)
{
	if (is_signed)
		fprintf(f, "%" PRId64, v);
	else
		fprintf(f, "%" PRIu64, (uint64_t)v);
}

static void put_sample(FILE *f, const struct printer *p, const struct map_desc *d,
                       const char *name, const char *suffix, const uint8_t *key,
                       const char *extra, int64_t v, bool is_signed)
{
	fprintf(f, "%s%s", name, suffix);
	put_labels(f, p, d, key, extra);
	fputc(' ', f);
	put_number(f, v, is_signed);
	fputc('\n', f);
}

static void put_histogram(FILE *f, const struct printer *p, const struct map_desc *d,
                          const char *name, const struct out_merged *e)
{
	uint64_t cumulative = 0;
	char le[64];
	for (uint32_t b = 0; b < e->nbuckets; b++) {
		cumulative += e->buckets[b];
		int64_t bound;
		if (!out_bucket_le(d, b, &bound))
			continue; /* the last bucket is +Inf's */
		snprintf(le, sizeof le, "le=\"%" PRId64 "\"", bound);
		put_sample(f, p, d, name, "_bucket", e->key, le, (int64_t)cumulative, false);
	}
	put_sample(f, p, d, name, "_bucket", e->key, "le=\"+Inf\"", (int64_t)e->bucket_total,
	           false);
	if (d->has_sum)
		put_sample(f, p, d, name, "_sum", e->key, NULL, e->value_sum, true);
	put_sample(f, p, d, name, "_count", e->key, NULL, (int64_t)e->bucket_total, false);
}

/* What Prometheus type a map is, NULL when it is left out (*why says why) */
static const char *family_type(const struct map_desc *d, const char **why)
{
	switch (d->agg) {
	case AGG_COUNT:
	case AGG_SUM:
		return "counter";
	case AGG_MIN:
	case AGG_MAX:
	case AGG_AVG:
		return "gauge";
	case AGG_STATS:
		return "summary";
	case AGG_HIST:
	case AGG_LHIST:
		return "histogram";
	case AGG_TSERIES:
		*why = "tseries(), a series of intervals";
		return NULL;
	case AGG_NONE:
		if (d->value && (d->value->kind == TYPE_INT || d->value->kind == TYPE_BOOL))
			return "gauge";
		*why = "values that are not numbers";
		return NULL;
	}
	*why = "values of an unknown kind";
	return NULL;
}

static const char *agg_text(const struct map_desc *d)
{
	return d->agg == AGG_NONE ? "its value" : agg_infos[d->agg].name;
}

/* the names already written: two maps that sanitize to one name would be
 * one family written twice, which a scraper rejects */
struct names_seen {
	char **names;
	size_t n;
};

static bool name_taken(struct names_seen *seen, char *name)
{
	for (size_t i = 0; i < seen->n; i++)
		if (!strcmp(seen->names[i], name))
			return true;
	char **grown = realloc(seen->names, (seen->n + 1) * sizeof(*grown));
	if (!grown) {
		sonde_out_of_memory("serving metrics");
	}
	seen->names = grown;
	seen->names[seen->n++] = name;
	return false;
}

static void render_map(FILE *f, const struct printer *p, const struct map_desc *d,
                       uint32_t index, const struct expo_source *src, struct names_seen *seen)
{
	const char *why = NULL;
	const char *type = family_type(d, &why);
	if (!type) {
		fprintf(f, "# sonde: %s is left out: it holds %s\n", d->name, why);
		return;
	}
	char *name = family_name(d, d->agg == AGG_COUNT || d->agg == AGG_SUM ? "_total" : "");
	if (name_taken(seen, name)) {
		fprintf(f, "# sonde: %s is left out: its name %s is another map's\n", d->name, name);
		free(name);
		return;
	}
	struct map_snapshot snap = {0};
	if (src->read_map(src->arg, index, &snap)) {
		fprintf(f, "# sonde: %s is left out: it cannot be read\n", d->name);
		return;
	}
	size_t n = 0;
	struct out_merged *e = out_merge_map(p, d, &snap, &n);
	fprintf(f, "# HELP %s ", name);
	put_escaped(f, d->name, false);
	fprintf(f, ": %s in the script\n# TYPE %s %s\n", agg_text(d), name, type);
	bool is_signed = out_value_signed(d);
	for (size_t i = 0; i < n; i++) {
		switch (d->agg) {
		case AGG_HIST:
		case AGG_LHIST:
			put_histogram(f, p, d, name, &e[i]);
			break;
		case AGG_STATS:
			put_sample(f, p, d, name, "_sum", e[i].key, NULL, e[i].total, is_signed);
			put_sample(f, p, d, name, "_count", e[i].key, NULL, (int64_t)e[i].count, false);
			break;
		default:
			put_sample(f, p, d, name, "", e[i].key, NULL, e[i].value, is_signed);
			break;
		}
	}
	out_merged_free(e, n);
	free((void *)snap.keys);
	free((void *)snap.values);
}

void expo_render(FILE *f, const struct printer *p, const struct manifest *m,
                 const struct expo_source *src)
{
	struct names_seen seen = {0};
	for (uint32_t i = 0; i < m->nmaps; i++)
		render_map(f, p, &m->maps[i], i, src, &seen);
	fputs("# HELP sonde_lost_events_total events the ring buffer had no room for\n"
	      "# TYPE sonde_lost_events_total counter\n",
	      f);
	fprintf(f, "sonde_lost_events_total %" PRIu64 "\n", src->counter(src->arg, COUNTER_LOST));
	fputs("# HELP sonde_dropped_updates_total updates of a map that was full\n"
	      "# TYPE sonde_dropped_updates_total counter\n",
	      f);
	for (uint32_t i = 0; i < m->nmaps; i++) {
		fputs("sonde_dropped_updates_total{map=\"", f);
		put_escaped(f, m->maps[i].name, true);
		fprintf(f, "\"} %" PRIu64 "\n", src->counter(src->arg, COUNTER_DROPPED + i));
	}
	fputs("# HELP sonde_truncated_strings_total strings cut to max_strlen\n"
	      "# TYPE sonde_truncated_strings_total counter\n",
	      f);
	fprintf(f, "sonde_truncated_strings_total %" PRIu64 "\n",
	        src->counter(src->arg, COUNTER_TRUNCATED));
	for (size_t i = 0; i < seen.n; i++)
		free(seen.names[i]);
	free(seen.names);
}
