/*
 * mapfile.c - --map-file @NAME=FILE (see mapfile.h).
 */
#define _GNU_SOURCE
#include "runtime/mapfile.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "front/diag.h"
#include "front/types.h"
#include "runtime/runtime.h"

/* More bad lines than this and the rest of the file is not read */
enum { MAPFILE_MAX_ERRORS = 20 };

struct reader {
	const char *path;
	const char *line; /* without its newline */
	unsigned lineno;
	int nerrors;
	FILE *err;
};

/* FILE:LINE:COL: ERROR: ..., the line, and a caret under `len` bytes from
 * `at` (as the compiler shows a script's errors: diag.c renders both) */
static void bad(struct reader *r, const char *at, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bad(struct reader *r, const char *at, size_t len, const char *fmt, ...)
{
	int col = (int)(at - r->line) + 1;
	struct loc loc = {.first_line = (int)r->lineno,
	                  .first_column = col,
	                  .last_line = (int)r->lineno,
	                  .last_column = col + (int)len - 1};
	va_list ap;
	va_start(ap, fmt);
	diag_verror_line(r->err, r->path, r->line, strlen(r->line), loc, fmt, ap);
	va_end(ap);
	r->nerrors++;
}

static size_t token_len(const char *p)
{
	return strcspn(p, " \t\r#");
}

static const char *skip_blanks(const char *p)
{
	return p + strspn(p, " \t\r");
}

/* NETWORK of a line into an lpm key (type_inet_net); false after an
 * error */
static bool parse_network(struct reader *r, const char *tok, size_t len,
                          uint8_t key[INET_NET_SIZE])
{
	char text[64];
	if (len >= sizeof(text)) {
		bad(r, tok, len, "'%.*s...' is not a network", 20, tok);
		return false;
	}
	memcpy(text, tok, len);
	text[len] = 0;
	char *slash = strchr(text, '/');
	size_t addr_len = slash ? (size_t)(slash - text) : len;
	if (slash)
		*slash = 0;
	bool v6 = strchr(text, ':') != NULL;
	int bits = v6 ? 128 : 32;
	uint8_t addr[16] = {0};
	if (inet_pton(v6 ? AF_INET6 : AF_INET, text, addr) != 1) {
		bad(r, tok, addr_len,
		    "'%s' is not an IPv4 or IPv6 address (a network is ADDRESS/PREFIX, such as "
		    "10.0.0.0/8 or fd00::/8)",
		    text);
		return false;
	}
	int prefix = bits;
	if (slash) {
		const char *digits = slash + 1;
		size_t nd = strlen(digits);
		bool ok = nd >= 1 && nd <= 3 && strspn(digits, "0123456789") == nd;
		if (ok)
			prefix = atoi(digits);
		if (!ok || prefix > bits) {
			bad(r, tok + addr_len + 1, nd ? nd : 1,
			    "'%s' is not a prefix length for an %s network (0..%d)", digits,
			    v6 ? "IPv6" : "IPv4", bits);
			return false;
		}
	}
	for (int bit = prefix; bit < bits; bit++) {
		if (addr[bit / 8] & (0x80 >> (bit % 8))) {
			for (int b = prefix; b < bits; b++)
				addr[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
			char net[INET6_ADDRSTRLEN];
			inet_ntop(v6 ? AF_INET6 : AF_INET, addr, net, sizeof(net));
			bad(r, tok, len,
			    "%.*s has bits set past its /%d prefix; the network is %s/%d",
			    (int)len, tok, prefix, net, prefix);
			return false;
		}
	}
	uint32_t plen = INET_NET_FAMILY_BITS + (uint32_t)prefix;
	uint32_t family = v6 ? AF_INET6 : AF_INET;
	memset(key, 0, INET_NET_SIZE);
	memcpy(key, &plen, sizeof(plen));
	memcpy(key + INET_NET_INET, &family, sizeof(family));
	memcpy(key + INET_NET_INET + 4, addr, 16);
	return true;
}

static bool parse_value(struct reader *r, const char *tok, size_t len, int64_t *out)
{
	char text[32];
	char *end = NULL;
	bool ok = len < sizeof(text);
	if (ok) {
		memcpy(text, tok, len);
		text[len] = 0;
		errno = 0;
		*out = strtoll(text, &end, 0);
		ok = errno == 0 && end == text + len;
	}
	if (!ok)
		bad(r, tok, len, "'%.*s' is not an integer value (a line is NETWORK [VALUE])",
		    (int)(len > 20 ? 20 : len), tok);
	return ok;
}

/* One map's file; false after errors were reported */
static bool fill_one(const char *path, const struct map_desc *d, struct bpf_map *map, FILE *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(err, "sonde: --map-file %s=%s: %s\n", d->name, path, strerror(errno));
		return false;
	}
	struct reader r = {.path = path, .err = err};
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	while (r.nerrors < MAPFILE_MAX_ERRORS && (n = getline(&buf, &cap, f)) >= 0) {
		r.lineno++;
		if (n > 0 && buf[n - 1] == '\n')
			buf[--n] = 0;
		r.line = buf;
		const char *p = skip_blanks(buf);
		if (!*p || *p == '#')
			continue;
		uint8_t key[INET_NET_SIZE];
		size_t len = token_len(p);
		if (!parse_network(&r, p, len, key))
			continue;
		const char *at = p; /* where a refused update is shown */
		size_t at_len = len;
		int64_t value = 1;
		p = skip_blanks(p + len);
		if (*p && *p != '#') {
			len = token_len(p);
			if (!parse_value(&r, p, len, &value))
				continue;
			p = skip_blanks(p + len);
			if (*p && *p != '#') {
				bad(&r, p, token_len(p),
				    "unexpected '%.*s' after the value (a line is NETWORK [VALUE])",
				    (int)token_len(p), p);
				continue;
			}
		}
		uint8_t val[8] = {0};
		memcpy(val, &value, sizeof(value));
		if (bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY)) {
			int e = errno;
			if (e == ENOSPC || e == E2BIG)
				bad(&r, at, at_len,
				    "map '%s' is full: it is declared to hold %u networks", d->name,
				    d->max_entries);
			else
				bad(&r, at, at_len, "cannot add %.*s to map '%s': %s",
				    (int)at_len, at, d->name, strerror(e));
			continue;
		}
	}
	free(buf);
	fclose(f);
	return r.nerrors == 0;
}

int mapfile_fill(const struct manifest *m, struct bpf_map **maps, const char *const *args,
                 size_t nargs, FILE *err)
{
	bool ok = true;
	for (size_t a = 0; a < nargs; a++) {
		const char *eq = strchr(args[a], '=');
		size_t name_len = (size_t)(eq - args[a]);
		const struct map_desc *d = NULL;
		uint32_t i;
		for (i = 0; i < m->nmaps; i++)
			if (strlen(m->maps[i].name) == name_len &&
			    !memcmp(m->maps[i].name, args[a], name_len)) {
				d = &m->maps[i];
				break;
			}
		if (!d) {
			fprintf(err, "sonde: --map-file %s: the script has no map %.*s\n", args[a],
			        (int)name_len, args[a]);
			ok = false;
			continue;
		}
		if (d->bpf_type != BPF_MAP_TYPE_LPM_TRIE || !maps[i] || d->value_size != 8) {
			fprintf(err,
			        "sonde: --map-file %s: map %s is not declared lpm(N) in the script "
			        "(let %s = lpm(N);), so it holds no networks\n",
			        args[a], d->name, d->name);
			ok = false;
			continue;
		}
		if (!fill_one(eq + 1, d, maps[i], err))
			ok = false;
	}
	return ok ? EXIT_OK : EXIT_SCRIPT;
}
