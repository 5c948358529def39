/*
 * printer.c - everything the user sees while a program runs and at its
 * end, laid out byte for byte as bpftrace 0.17 lays it out: maps (merged
 * across CPUs, sorted, hist/lhist bars, stats; bpftrace 0.26's tseries
 * graphs), printf records, the "Attaching N probes..." banner and
 * lost-event reports, in text or in NDJSON. Rendering one value of one
 * type happens in put_value() and nowhere else; ordering map entries
 * happens in sort_entries() and nowhere else. printf formats are parsed by
 * one scanner (next_conv) shared by the compile-time checks and the
 * run-time formatting.
 *
 * Memory layouts the printer relies on, besides those in manifest.h:
 * TYPE_INET is a u32 family (AF_INET/AF_INET6) then 16 address bytes;
 * TYPE_BUF is a u32 length then up to size - 4 bytes; TYPE_USYM and
 * TYPE_USTACK are a u64 address/stack id then the pid.
 */
#define _GNU_SOURCE
#include "runtime/printer.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "builtins/builtins.h"
#include "runtime/named.h"

/* The resolver and string trailer of the printer being used: put_value()
 * has no printer argument, so out_map(), out_printf() ... set these on
 * entry (use_printer). */
static const struct out_resolver *active_resolver;
static const char *active_trailer;
static enum out_version active_version;

static void use_printer(const struct printer *p)
{
	active_resolver = p->resolver;
	active_trailer = p->str_trailer;
	active_version = p->version;
}

void out_init(struct printer *p, FILE *out, enum out_format format)
{
	p->out = out;
	p->err = stderr;
	p->format = format;
	p->version = OUT_V0_17;
	p->resolver = NULL;
	p->str_trailer = NULL;
	p->diag = stderr;
	p->errors = 0;
	p->color = false;
}

/* ---- raw data -------------------------------------------------------- */

static uint64_t load_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* An integer of type `t` widened to 64 bits: sign-extended when signed,
 * zero-extended otherwise, so printf's C semantics apply afterwards. */
static int64_t load_int(const struct type *t, const uint8_t *p)
{
	switch (t->size) {
	case 1:
		return t->is_signed ? (int64_t)(int8_t)p[0] : (int64_t)p[0];
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return t->is_signed ? (int64_t)(int16_t)v : (int64_t)v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return t->is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	}
	default:
		return (int64_t)load_u64(p);
	}
}

static bool is_integer(const struct type *t)
{
	return t->kind == TYPE_INT || t->kind == TYPE_BOOL;
}

static void put_int(FILE *f, int64_t v, bool is_signed)
{
	if (is_signed)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%llu", (unsigned long long)(uint64_t)v);
}

/* Whether a double holds the integer exactly: its bits between the
 * highest and the lowest set one fit in a double's 53-bit significand. */
static bool fits_double(int64_t v, bool is_signed)
{
	uint64_t mag = is_signed && v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	if (!mag)
		return true;
	while (!(mag & 1))
		mag >>= 1;
	return mag < (1ull << 53);
}

/* An integer in JSON. bpftrace 0.26 writes one that a JSON reader's
 * double would round as a string ("18446744073709551615"). */
static void put_json_int(FILE *f, int64_t v, bool is_signed)
{
	bool quoted = active_version == OUT_V0_26 && !fits_double(v, is_signed);
	if (quoted)
		fputc('"', f);
	put_int(f, v, is_signed);
	if (quoted)
		fputc('"', f);
}

/* The length of the well-formed UTF-8 sequence at s[i] that starts with
 * a byte >= 0x80 (Unicode's table 3-7: no overlong forms, no surrogates,
 * nothing above U+10FFFF), or 0 when there is none. */
static size_t utf8_seq_len(const unsigned char *s, size_t n, size_t i)
{
	unsigned char c = s[i];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++)
		if (s[i + k] < 0x80 || s[i + k] > 0xbf)
			return 0;
	return len;
}

/* JSON string body: bpftrace's escapes for quote, backslash, newline,
 * tab and carriage return, \u00XX for the other control characters
 * (\b and \f too, as bpftrace writes them; DEL stays raw); UTF-8 passes through unchanged. A byte that is not part of
 * well-formed UTF-8 (a process name, a string read from memory can hold
 * any bytes) becomes \ufffd, the replacement character: written raw it
 * would make the line something JSON parsers refuse. */
static void put_json_chars(FILE *f, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		if (c >= 0x80) {
			size_t len = utf8_seq_len(u, n, i);
			if (len) {
				fwrite(s + i, 1, len, f);
				i += len - 1;
			} else {
				fputs("\\ufffd", f);
			}
			continue;
		}
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (c < 0x20)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
}

static void put_json_string(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	put_json_chars(f, s, n);
	fputc('"', f);
}

/* A memstream that collects text to be escaped or padded afterwards. */
struct membuf {
	char *data;
	size_t len;
	FILE *f;
};

static FILE *membuf_open(struct membuf *m)
{
	m->data = NULL;
	m->len = 0;
	m->f = open_memstream(&m->data, &m->len);
	if (!m->f) {
		sonde_out_of_memory("printing");
	}
	return m->f;
}

static void membuf_close(struct membuf *m)
{
	fclose(m->f);
	m->f = NULL;
}

/* ---- one value ------------------------------------------------------- */

static void put_value(FILE *f, bool json, const struct type *t, const uint8_t *p);

static void put_value_text_as_json(FILE *f, const struct type *t, const uint8_t *p)
{
	struct membuf m;
	put_value(membuf_open(&m), false, t, p);
	membuf_close(&m);
	put_json_string(f, m.data, m.len);
	free(m.data);
}

/* An lpm() map's key (type_inet_net): the network, 10.0.0.0/8 */
static void put_inet_net(FILE *f, const uint8_t *p)
{
	uint32_t prefix, family;
	memcpy(&prefix, p, sizeof(prefix));
	memcpy(&family, p + INET_NET_INET, sizeof(family));
	char text[INET6_ADDRSTRLEN] = "?";
	if (family == AF_INET || family == AF_INET6)
		inet_ntop((int)family, p + INET_NET_INET + 4, text, sizeof(text));
	fprintf(f, "%s/%u", text,
	        prefix >= INET_NET_FAMILY_BITS ? prefix - INET_NET_FAMILY_BITS : 0);
}

static void put_inet(FILE *f, const uint8_t *p, const struct type *t)
{
	if (t->size == INET_NET_SIZE) {
		put_inet_net(f, p);
		return;
	}
	uint32_t family;
	memcpy(&family, p, sizeof(family));
	char text[INET6_ADDRSTRLEN] = "";
	if (family == AF_INET)
		inet_ntop(AF_INET, p + 4, text, sizeof(text));
	else if (family == AF_INET6)
		inet_ntop(AF_INET6, p + 4, text, sizeof(text));
	fputs(text, f);
}

/* Bytes as %r shows them (form 0): printable ASCII as is, any other byte
 * as \xNN; as %rx ('x'): every byte as \xNN; as %rh ('h'): every byte as
 * two hex digits, a space between bytes. */
static void put_bytes(FILE *f, const uint8_t *b, size_t n, char form)
{
	for (size_t i = 0; i < n; i++) {
		if (form == 0 && b[i] >= 0x20 && b[i] < 0x7f)
			fputc(b[i], f);
		else if (form == 'h')
			fprintf(f, i ? " %02x" : "%02x", b[i]);
		else
			fprintf(f, "\\x%02x", b[i]);
	}
}

/* The bytes a buf() value holds: a u32 length, then the data. */
static size_t buf_len(const struct type *t, const uint8_t *p)
{
	uint32_t len;
	memcpy(&len, p, sizeof(len));
	if (t->size >= 4 && len > t->size - 4)
		len = t->size - 4;
	return len;
}

static void put_buf(FILE *f, const struct type *t, const uint8_t *p)
{
	put_bytes(f, p + 4, buf_len(t, p), 0);
}

/* ---- time formats ----------------------------------------------------- */

/* The strftime conversion that starts at fmt[at] == '%': returns the
 * offset just past it, or 0 with *err set (the problem is at *err_at).
 * Accepted: what glibc's strftime formats (flags _ - 0 ^ #, a width, E or
 * O on the POSIX conversions that take them) and bpftrace's %f, the
 * microseconds; anything else glibc would copy to the output as text. */
static size_t time_conv_end(const char *fmt, size_t at, bool *is_usec, const char **err,
                            size_t *err_at)
{
	size_t i = at + 1;
	*is_usec = false;
	if (fmt[i] == '%')
		return i + 1;
	if (fmt[i] == 'f') {
		*is_usec = true;
		return i + 1;
	}
	while (fmt[i] && strchr("_-0^#", fmt[i]))
		i++;
	while (fmt[i] >= '0' && fmt[i] <= '9')
		i++;
	const char *convs = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%";
	if (fmt[i] == 'E' || fmt[i] == 'O') {
		convs = fmt[i] == 'E' ? "cCxXyY" : "deHImMSuUVwWy";
		i++;
	}
	if (!fmt[i]) {
		*err = "incomplete conversion at the end of the format (write %% for a '%')";
		*err_at = at;
		return 0;
	}
	if (!strchr(convs, fmt[i])) {
		*err =
		    fmt[i] == 'f' ? "%f (microseconds) takes no flags, width or modifier"
		    : convs[0] == 'a'
		        ? "unknown time conversion (strftime(3) conversions and %f are supported)"
		        : "this conversion does not take the E or O modifier";
		*err_at = i;
		return 0;
	}
	return i + 1;
}

int fmt_check_time(const char *fmt, const char **err, size_t *err_offset)
{
	for (size_t i = 0; fmt[i];) {
		if (fmt[i] != '%') {
			i++;
			continue;
		}
		bool is_usec;
		size_t end = time_conv_end(fmt, i, &is_usec, err, err_offset);
		if (!end)
			return -1;
		i = end;
	}
	return 0;
}

/* `tm` through the strftime format `fmt`, %f being the microseconds
 * `usec` as six digits. */
static void put_time(FILE *f, const char *fmt, const struct tm *tm, long usec)
{
	struct membuf m;
	FILE *mf = membuf_open(&m);
	for (size_t i = 0; fmt[i];) {
		const char *err;
		size_t err_at, end;
		bool is_usec = false;
		if (fmt[i] != '%' || !(end = time_conv_end(fmt, i, &is_usec, &err, &err_at))) {
			fputc(fmt[i++], mf);
			continue;
		}
		if (is_usec)
			fprintf(mf, "%06ld", usec);
		else
			fwrite(fmt + i, 1, end - i, mf);
		i = end;
	}
	membuf_close(&m);
	/* strftime returns 0 both for a result that does not fit and for an
	 * empty one (%p in some locales): grow the buffer, up to a bound */
	for (size_t size = 256; m.len && size <= 65536 * 4; size *= 4) {
		char *buf = malloc(size);
		if (!buf)
			sonde_out_of_memory("printing");
		size_t n = strftime(buf, size, m.data, tm);
		if (n) {
			fwrite(buf, 1, n, f);
			free(buf);
			break;
		}
		free(buf);
	}
	free(m.data);
}

/* The wall clock's offset from CLOCK_MONOTONIC, read once per run (as
 * bpftrace reads the boot time once): read again for each timestamp, the
 * two clock reads a few ns apart made two timestamps of one record, or of
 * one run, differ by a microsecond from their true distance. */
static int64_t wall_clock_offset(void)
{
	static int64_t off;
	static bool known;
	if (!known) {
		struct timespec mono, real;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		clock_gettime(CLOCK_REALTIME, &real);
		off = ((int64_t)real.tv_sec - (int64_t)mono.tv_sec) * 1000000000LL +
		      ((int64_t)real.tv_nsec - (int64_t)mono.tv_nsec);
		known = true;
	}
	return off;
}

/* strftime(fmt, ns): ns is a kernel ktime (CLOCK_MONOTONIC, as nsecs),
 * turned into local wall-clock time when printed. */
static void put_timestamp(FILE *f, const char *fmt, uint64_t ns)
{
	int64_t wall = (int64_t)ns + wall_clock_offset();
	time_t secs = (time_t)(wall / 1000000000LL);
	struct tm tm;
	localtime_r(&secs, &tm);
	put_time(f, fmt, &tm, (long)(wall % 1000000000LL / 1000));
}

/* A uid as its user name, or the number when it has none. */
/* A record copied whole, as bpftrace shows it: `{ .a = 1, .b = [2,3] }`
 * as a value, `{ "a": 1, "b": [2,3] }` in JSON, `{.a=1,.b=[2,3]}` in a
 * map key (text and JSON alike). Pointers in it show as signed numbers,
 * in a key as hex (0x0 for NULL). */
enum rec_form { REC_TEXT, REC_JSON, REC_KEY };
static void put_record(FILE *f, enum rec_form form, const struct type *t, const uint8_t *p);

static void put_member(FILE *f, enum rec_form form, const struct type *t, const uint8_t *p)
{
	if (t->kind == TYPE_RECORD) {
		put_record(f, form, t, p);
	} else if (t->kind == TYPE_ARRAY) {
		fputc('[', f);
		for (uint32_t i = 0; i < t->count; i++) {
			if (i)
				fputc(',', f);
			put_member(f, form, t->elem, p + (size_t)i * t->elem->size);
		}
		fputc(']', f);
	} else if (t->kind == TYPE_PTR && form == REC_KEY) {
		fprintf(f, "0x%llx", (unsigned long long)load_u64(p));
	} else if (t->kind == TYPE_PTR && active_version != OUT_V0_26) {
		put_int(f, (int64_t)load_u64(p), true);
	} else {
		put_value(f, form == REC_JSON, t, p);
	}
}

/* The value of bitfield `m`: its bytes little-endian, shifted and cut,
 * unsigned whatever its declared type (as bpftrace reads bitfields). */
static int64_t load_bitfield(const struct type_field *m, const uint8_t *p)
{
	uint64_t word = 0;
	uint32_t nbytes = (m->bit_shift + m->bit_size + 7u) / 8u;
	for (uint32_t i = 0; i < nbytes && i < 8; i++)
		word |= (uint64_t)p[m->offset + i] << (8 * i);
	word <<= 64 - m->bit_shift - m->bit_size;
	return (int64_t)(word >> (64 - m->bit_size));
}

static void put_record(FILE *f, enum rec_form form, const struct type *t, const uint8_t *p)
{
	bool key = form == REC_KEY;
	fputs(key || !t->nfields ? "{" : "{ ", f);
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct type_field *m = &t->fields[i];
		const char *name = m->name ? m->name : "";
		if (i)
			fputs(key ? "," : ", ", f);
		if (form == REC_JSON) {
			put_json_string(f, name, strlen(name));
			fputs(": ", f);
		} else {
			fprintf(f, key ? ".%s=" : ".%s = ", name);
		}
		if (m->bit_size)
			put_int(f, load_bitfield(m, p), m->type->is_signed);
		else
			put_member(f, form, m->type, p + m->offset);
	}
	fputs(key || !t->nfields ? "}" : " }", f);
}

/* Renders the value of type `t` at `p`: text as in `@m: VALUE`, json as a
 * JSON value (numbers, strings, arrays for tuples). */
static void put_value(FILE *f, bool json, const struct type *t, const uint8_t *p)
{
	switch (t->kind) {
	case TYPE_BOOL:
		/* bpftrace 0.26's words for its bool, in text and in JSON; a
		 * comparison's bool is 0.17's integer in 0.17's output */
		if (t->int_in_017 && active_version == OUT_V0_17)
			put_int(f, load_int(t, p), true); /* as 0.17's int64 */
		else
			fputs(*p ? "true" : "false", f);
		return;
	case TYPE_INT:
		if (json)
			put_json_int(f, load_int(t, p), t->is_signed);
		else
			put_int(f, load_int(t, p), t->is_signed);
		return;
	case TYPE_STR: {
		/* a string that fills its bytes was cut (str() keeps such a
		 * one full): the trailer follows it, as in bpftrace 0.26 */
		size_t n = strnlen((const char *)p, t->size);
		const char *tr = n == t->size && active_trailer ? active_trailer : "";
		if (json && *tr) {
			struct membuf m;
			FILE *mf = membuf_open(&m);
			fwrite(p, 1, n, mf);
			fputs(tr, mf);
			membuf_close(&m);
			put_json_string(f, m.data, m.len);
			free(m.data);
		} else if (json) {
			put_json_string(f, (const char *)p, n);
		} else {
			fwrite(p, 1, n, f);
			fputs(tr, f);
		}
		return;
	}
	case TYPE_TUPLE:
		if (type_is_named_tuple(t)) {
			/* a record, as bpftrace 0.26 prints one: { .a = 1, .b = x };
			 * in JSON an object, {"a":1} ({"a": 1, "b": 2}, spaced as
			 * 0.26 spaces objects, with --output-version 0.26) */
			bool spaced = active_version == OUT_V0_26;
			fputs(json ? "{" : "{ ", f);
			for (uint32_t i = 0; i < t->nfields; i++) {
				if (i)
					fputs(json && !spaced ? "," : ", ", f);
				if (json) {
					put_json_string(f, t->fields[i].name,
							strlen(t->fields[i].name));
					fputs(spaced ? ": " : ":", f);
				} else {
					fprintf(f, ".%s = ", t->fields[i].name);
				}
				put_value(f, json, t->fields[i].type, p + t->fields[i].offset);
			}
			fputs(json ? "}" : " }", f);
			return;
		}
		fputs(json ? "[" : "(", f);
		for (uint32_t i = 0; i < t->nfields; i++) {
			if (i)
				fputs(json ? "," : ", ", f);
			put_value(f, json, t->fields[i].type, p + t->fields[i].offset);
		}
		fputs(json ? "]" : ")", f);
		return;
	case TYPE_ARRAY:
		fputc('[', f);
		for (uint32_t i = 0; i < t->count; i++) {
			if (i)
				fputc(',', f);
			put_value(f, json, t->elem, p + (size_t)i * t->elem->size);
		}
		fputc(']', f);
		return;
	case TYPE_RECORD:
		put_record(f, json ? REC_JSON : REC_TEXT, t, p);
		return;
	case TYPE_INET:
	case TYPE_BUF:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_KSTACK:
	case TYPE_USTACK:
		if (json) {
			put_value_text_as_json(f, t, p);
			return;
		}
		if (t->kind != TYPE_INET && t->kind != TYPE_BUF && active_resolver &&
		    active_resolver->format(active_resolver, f, t, p, false) == 0)
			return;
		if (t->kind == TYPE_INET)
			put_inet(f, p, t);
		else if (t->kind == TYPE_BUF)
			put_buf(f, t, p);
		else if (t->kind == TYPE_KSTACK || t->kind == TYPE_USTACK)
			/* symbolizing needs the stack map: the runtime's job */
			fprintf(f, "[stack %llu]", (unsigned long long)(uint32_t)load_u64(p));
		else
			fprintf(f, "%#llx", (unsigned long long)load_u64(p));
		return;
	case TYPE_TIMESTAMP:
	case TYPE_NAMED:
		/* bpftrace 0.17 writes a strftime() value into JSON as its bare
		 * text, neither quoted nor escaped ({"data": 2026-12}); its
		 * output is the reference, so is sonde's (map keys are quoted) */
		if (json && t->kind == TYPE_TIMESTAMP) {
			put_timestamp(f, t->name ? t->name : "", load_u64(p));
			return;
		}
		if (json) {
			put_value_text_as_json(f, t, p);
			return;
		}
		if (t->kind == TYPE_TIMESTAMP)
			put_timestamp(f, t->name ? t->name : "", load_u64(p));
		else
			named_put(f, t, load_u64(p));
		return;
	case TYPE_PTR:
		/* a pointer held in a map or a tuple is a signed number, as
		 * bpftrace 0.17 prints it (0.26 moved to hex); keys and print()
		 * of a pointer are hex (put_key_part, print_value). 0.26: hex
		 * in text, its number in JSON */
		if (active_version == OUT_V0_26 && json)
			put_json_int(f, (int64_t)load_u64(p), false);
		else if (active_version == OUT_V0_26)
			fprintf(f, "0x%llx", (unsigned long long)load_u64(p));
		else
			put_int(f, (int64_t)load_u64(p), !json);
		return;
	case TYPE_VOID:
		return;
	}
}

/* What a membuf holds into buf as snprintf would put it there; its
 * length. Closes the membuf. */
static int membuf_to_buf(struct membuf *m, char *buf, size_t size)
{
	membuf_close(m);
	if (size) {
		size_t n = m->len < size - 1 ? m->len : size - 1;
		memcpy(buf, m->data, n);
		buf[n] = 0;
	}
	int len = (int)m->len;
	free(m->data);
	return len;
}

int out_value_text(char *buf, size_t size, const struct type *t, const void *data)
{
	struct membuf m;
	put_value(membuf_open(&m), false, t, data);
	return membuf_to_buf(&m, buf, size);
}

/* One key (or one element of a multi-key map's key): records (also in
 * arrays) in their compact form. */
static void put_key_part(FILE *f, const struct type *t, const uint8_t *p)
{
	if (t->kind == TYPE_RECORD || t->kind == TYPE_ARRAY || t->kind == TYPE_PTR)
		put_member(f, REC_KEY, t, p);
	else
		put_value(f, false, t, p);
}

/* `[1, a]` in text; the json object key "1,a". A multi-key map has a
 * tuple key whose elements are the keys; a single key is the value. */
static void put_key(FILE *f, bool json, const struct type *key, const uint8_t *p)
{
	if (!json) {
		fputc('[', f);
		if (key->kind == TYPE_TUPLE && !type_is_named_tuple(key)) {
			for (uint32_t i = 0; i < key->nfields; i++) {
				if (i)
					fputs(", ", f);
				put_key_part(f, key->fields[i].type, p + key->fields[i].offset);
			}
		} else {
			put_key_part(f, key, p);
		}
		fputc(']', f);
		return;
	}
	struct membuf m;
	FILE *mf = membuf_open(&m);
	if (key->kind == TYPE_TUPLE && !type_is_named_tuple(key)) {
		for (uint32_t i = 0; i < key->nfields; i++) {
			if (i)
				fputc(',', mf);
			put_key_part(mf, key->fields[i].type, p + key->fields[i].offset);
		}
	} else {
		put_key_part(mf, key, p);
	}
	membuf_close(&m);
	/* 0.26 takes every space out of a key, a string's own too:
	 * "{.x=1,.y=2}", "1,ab" for [1, "a b"] */
	if (active_version == OUT_V0_26) {
		size_t kept = 0;
		for (size_t i = 0; i < m.len; i++)
			if (m.data[i] != ' ')
				m.data[kept++] = m.data[i];
		m.len = kept;
	}
	put_json_string(f, m.data, m.len);
	free(m.data);
}

/* ---- large maps ------------------------------------------------------- */

enum { BUSY_EVERY = 4096 };

/* Lets the runtime do its own work (read its ring buffer) once every
 * BUSY_EVERY entries, `i` being the entry just done, while a large map is
 * merged, sorted and written. */
static void busy_now(const struct printer *p)
{
	if (p->busy)
		p->busy(p->busy_arg);
}

static void out_busy(const struct printer *p, size_t i)
{
	if (i % BUSY_EVERY == BUSY_EVERY - 1)
		busy_now(p);
}

/* ---- merging per-CPU values --------------------------------------------- */

/* One interval of a tseries, its CPUs merged */
struct tseries_point {
	uint64_t epoch;
	int64_t value;
};

/* One entry of a map being printed. What only some aggregations have
 * shares its bytes (48 an entry, a million of them at a time): read the
 * member of the map's own kind only. */
struct entry {
	const uint8_t *key;
	const uint8_t *raw; /* AGG_NONE: the value as stored (CPU 0 if per-CPU) */
	int64_t value;      /* count/sum/min/max/avg/plain int; stats: average */
	union {
		struct { /* avg, stats */
			uint64_t count;
			int64_t total;
		};
		struct {                   /* hist, lhist */
			uint64_t *buckets; /* merged */
			uint64_t hist_sum; /* what the entries are sorted by */
			int64_t value_sum; /* with has_sum: the values' sum */
		};
		struct {                              /* tseries */
			struct tseries_point *points; /* the intervals with a value, by epoch */
			uint32_t npoints;
			uint64_t latest_epoch; /* of its latest interval, 0 without one */
		};
	};
};

static int cmp_points(const void *a, const void *b)
{
	uint64_t x = ((const struct tseries_point *)a)->epoch;
	uint64_t y = ((const struct tseries_point *)b)->epoch;
	return x < y ? -1 : x > y;
}

/* The slot of each interval as bpftrace 0.26 merges its CPUs: each CPU's
 * latest write may be of another interval (a CPU that saw no event since
 * keeps an older one), so the latest interval any CPU has wins, and only
 * the CPUs that have that one are combined. */
static bool merge_interval(const struct map_desc *d, const uint8_t *v, uint32_t ncpus,
                           size_t stride, bool is_signed, struct tseries_point *out)
{
	uint64_t latest = 0;
	for (uint32_t c = 0; c < ncpus; c++) {
		struct tseries_slot sl;
		memcpy(&sl, v + c * stride, sizeof(sl));
		if (sl.epoch > latest)
			latest = sl.epoch;
	}
	if (!latest)
		return false; /* never written, or zeroed */
	bool seen = false;
	struct tseries_slot acc = {0};
	for (uint32_t c = 0; c < ncpus; c++) {
		struct tseries_slot sl;
		memcpy(&sl, v + c * stride, sizeof(sl));
		if (sl.epoch != latest)
			continue;
		if (!seen) {
			acc = sl;
			seen = true;
			continue;
		}
		switch (d->tseries_agg) {
		case TSERIES_LAST:
			if (sl.meta > acc.meta)
				acc = sl;
			break;
		case TSERIES_AVG:
			acc.value = (int64_t)((uint64_t)acc.value + (uint64_t)sl.value);
			acc.meta += sl.meta;
			break;
		case TSERIES_SUM:
			acc.value = (int64_t)((uint64_t)acc.value + (uint64_t)sl.value);
			break;
		case TSERIES_MIN:
		case TSERIES_MAX: {
			bool less = is_signed ? sl.value < acc.value
			                      : (uint64_t)sl.value < (uint64_t)acc.value;
			bool more = is_signed ? sl.value > acc.value
			                      : (uint64_t)sl.value > (uint64_t)acc.value;
			if (d->tseries_agg == TSERIES_MIN ? less : more)
				acc.value = sl.value;
			break;
		}
		}
	}
	if (d->tseries_agg == TSERIES_AVG && acc.meta)
		acc.value = is_signed ? acc.value / (int64_t)acc.meta
		                      : (int64_t)((uint64_t)acc.value / acc.meta);
	out->epoch = latest;
	out->value = acc.value;
	return true;
}

static void add_point(struct entry *e, const struct tseries_point *pt)
{
	e->points[e->npoints++] = *pt;
	if (pt->epoch > e->latest_epoch)
		e->latest_epoch = pt->epoch;
}

/* A compact tseries' entry: every interval in its one value */
static void merge_tseries(const struct map_desc *d, const uint8_t *v, uint32_t ncpus, size_t stride,
                          bool is_signed, struct entry *e)
{
	uint32_t n = d->tseries_nintervals;
	e->points = calloc(n ? n : 1, sizeof(*e->points));
	if (!e->points) {
		sonde_out_of_memory("printing");
	}
	for (uint32_t i = 0; i < n && (i + 1) * sizeof(struct tseries_slot) <= d->value_size; i++) {
		struct tseries_point pt;
		if (merge_interval(d, v + i * sizeof(struct tseries_slot), ncpus, stride, is_signed,
		                   &pt))
			add_point(e, &pt);
	}
	qsort(e->points, e->npoints, sizeof(*e->points), cmp_points);
}

/* A wide tseries (an element per interval, manifest.h): the elements of
 * each script key become one entry. Returns the entries' count. */
struct wide_keys {
	const struct map_desc *desc;
	const uint8_t *keys;
};

static int cmp_wide_keys(const void *a, const void *b, void *arg)
{
	const struct wide_keys *w = arg;
	size_t ks = w->desc->key ? w->desc->key->size : 0;
	return memcmp(w->keys + *(const size_t *)a * w->desc->key_size,
	              w->keys + *(const size_t *)b * w->desc->key_size, ks);
}

static bool value_is_signed(const struct map_desc *d);

static size_t merge_wide_tseries(const struct map_desc *d, const struct map_snapshot *s,
                                 struct entry *e)
{
	uint32_t ncpus = s->ncpus ? s->ncpus : 1;
	size_t stride = ((size_t)d->value_size + 7) / 8 * 8;
	size_t ks = d->key ? d->key->size : 0;
	bool is_signed = value_is_signed(d);
	size_t *order = calloc(s->n ? s->n : 1, sizeof(*order));
	if (!order) {
		sonde_out_of_memory("printing");
	}
	for (size_t i = 0; i < s->n; i++)
		order[i] = i;
	struct wide_keys w = {d, s->keys};
	qsort_r(order, s->n, sizeof(*order), cmp_wide_keys, &w);
	size_t n = 0;
	for (size_t i = 0; i < s->n;) {
		const uint8_t *key = s->keys + order[i] * d->key_size;
		size_t j = i;
		while (j < s->n && !memcmp(s->keys + order[j] * d->key_size, key, ks))
			j++;
		struct entry *en = &e[n++];
		memset(en, 0, sizeof(*en));
		en->key = key;
		en->points = calloc(j - i, sizeof(*en->points));
		if (!en->points) {
			sonde_out_of_memory("printing");
		}
		for (; i < j; i++) {
			struct tseries_point pt;
			if (merge_interval(d, s->values + order[i] * ncpus * stride, ncpus, stride,
			                   is_signed, &pt))
				add_point(en, &pt);
		}
		qsort(en->points, en->npoints, sizeof(*en->points), cmp_points);
	}
	free(order);
	return n;
}

static bool agg_is_hist(enum agg_kind k)
{
	return agg_infos[k].layout == AGG_LAYOUT_BUCKETS;
}

static uint32_t nbuckets_of(const struct map_desc *d)
{
	if (d->nbuckets)
		return d->nbuckets;
	if (d->agg == AGG_LHIST)
		return lhist_nbuckets(d->lhist_min, d->lhist_max, d->lhist_step);
	return HIST_NBUCKETS;
}

/* Whether the aggregated number is signed, which decides how it sorts and
 * prints; count is always unsigned. */
static bool value_is_signed(const struct map_desc *d)
{
	if (agg_infos[d->agg].is_unsigned)
		return false;
	if (d->agg == AGG_NONE)
		return d->value && d->value->is_signed;
	return !d->value || d->value->is_signed || d->value->kind != TYPE_INT;
}

static int64_t div_value(int64_t v, bool is_signed, uint64_t div)
{
	if (div <= 1)
		return v;
	if (is_signed)
		return v / (int64_t)div;
	return (int64_t)((uint64_t)v / div);
}

static void merge_entry(const struct map_desc *d, const struct map_snapshot *s, size_t i,
                        struct entry *e)
{
	uint32_t ncpus = d->percpu ? (s->ncpus ? s->ncpus : 1) : 1;
	size_t stride = d->percpu ? ((size_t)d->value_size + 7) / 8 * 8 : d->value_size;
	const uint8_t *v = s->values + i * ncpus * stride;
	bool is_signed = value_is_signed(d);

	memset(e, 0, sizeof(*e));
	e->key = s->keys ? s->keys + i * d->key_size : NULL;
	e->raw = v;
	switch (d->agg) {
	case AGG_NONE:
		if (d->value && is_integer(d->value))
			e->value = load_int(d->value, v);
		break;
	case AGG_COUNT:
	case AGG_SUM:
		for (uint32_t c = 0; c < ncpus; c++)
			e->value = (int64_t)((uint64_t)e->value + load_u64(v + c * stride));
		break;
	case AGG_MIN:
	case AGG_MAX: {
		bool seen = false;
		for (uint32_t c = 0; c < ncpus; c++) {
			struct agg_pair pr;
			memcpy(&pr, v + c * stride, sizeof(pr));
			if (!pr.b)
				continue;
			bool better;
			if (is_signed)
				better = d->agg == AGG_MIN ? pr.a < e->value : pr.a > e->value;
			else
				better = d->agg == AGG_MIN ? (uint64_t)pr.a < (uint64_t)e->value
				                           : (uint64_t)pr.a > (uint64_t)e->value;
			if (!seen || better)
				e->value = pr.a;
			seen = true;
		}
		break;
	}
	case AGG_AVG:
	case AGG_STATS:
		for (uint32_t c = 0; c < ncpus; c++) {
			struct agg_pair pr;
			memcpy(&pr, v + c * stride, sizeof(pr));
			e->total = (int64_t)((uint64_t)e->total + (uint64_t)pr.a);
			e->count += pr.b;
		}
		if (e->count)
			e->value = is_signed ? e->total / (int64_t)e->count
			                     : (int64_t)((uint64_t)e->total / e->count);
		break;
	case AGG_HIST:
	case AGG_LHIST: {
		uint32_t nb = nbuckets_of(d);
		e->buckets = calloc(nb ? nb : 1, sizeof(*e->buckets));
		if (!e->buckets) {
			sonde_out_of_memory("printing");
		}
		for (uint32_t c = 0; c < ncpus; c++)
			for (uint32_t b = 0; b < nb && (b + 1) * 8 <= d->value_size; b++)
				e->buckets[b] += load_u64(v + c * stride + b * 8);
		for (uint32_t b = 0; b < nb; b++)
			e->hist_sum += e->buckets[b];
		if (d->has_sum && (nb + 1) * 8 <= d->value_size)
			for (uint32_t c = 0; c < ncpus; c++)
				e->value_sum = (int64_t)((uint64_t)e->value_sum +
				                         load_u64(v + c * stride + nb * 8));
		break;
	}
	case AGG_TSERIES:
		merge_tseries(d, v, ncpus, stride, is_signed, e);
		break;
	}
}

/* ---- ordering --------------------------------------------------------- */

/* How bpftrace 0.17 orders the entries of a map it prints, which sonde
 * follows so that both outputs can be diffed, ties included:
 * - hist, lhist, avg and stats: it collects the entries in a std::map, so
 *   in the byte order of their keys, then std::sort()s them by total count
 *   (hist, lhist) or by average (avg, stats, as int64). std::sort is not
 *   stable, but what it does with equal entries is fixed by its algorithm
 *   (libstdc++'s introsort): sort_like_libstdcxx() repeats it step by step.
 *   Up to 16 entries it is an insertion sort, so ties stay in key byte
 *   order (1, 2, 256 as 256, 1, 2: little-endian bytes).
 * - count, sum, min, max and integer values: by value, ties in the kernel's
 *   hash order, which changes from run to run. sonde breaks these ties by
 *   key, in the order bpftrace sorts keys by (see below), so two runs give
 *   the same text.
 * - anything else: by key; integers as unsigned numbers, so negative keys
 *   come last, strings as strncmp() orders them, tuples field by field. */

enum sort_by { SORT_VALUE, SORT_HIST_TOTAL, SORT_AVERAGE, SORT_KEY };

struct sort_ctx {
	const struct printer *printer; /* for out_busy() */
	const struct map_desc *desc;
	enum sort_by by;
	bool is_signed;
};

static int cmp_key_value(const struct type *t, const uint8_t *a, const uint8_t *b)
{
	switch (t->kind) {
	case TYPE_INT:
	case TYPE_BOOL: {
		uint64_t x = (uint64_t)load_int(t, a), y = (uint64_t)load_int(t, b);
		return x < y ? -1 : x > y;
	}
	case TYPE_STR:
		return strncmp((const char *)a, (const char *)b, t->size);
	case TYPE_TUPLE:
		for (uint32_t i = 0; i < t->nfields; i++) {
			int c = cmp_key_value(t->fields[i].type, a + t->fields[i].offset,
			                      b + t->fields[i].offset);
			if (c)
				return c;
		}
		return 0;
	case TYPE_VOID:
	case TYPE_INET:
	case TYPE_KSTACK:
	case TYPE_USTACK:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_PTR:
	case TYPE_RECORD:
	case TYPE_ARRAY:
	case TYPE_BUF:
	case TYPE_TIMESTAMP:
	case TYPE_NAMED:
		break;
	}
	return memcmp(a, b, t->size);
}

/* The byte order of keys as bpftrace lays them out: fields one after the
 * other (sonde's padding between them is left out), integers in
 * little-endian (the order does not depend on their width, as long as
 * they are extended), strings up to their NUL. */
static int cmp_key_bytes(const struct type *t, const uint8_t *a, const uint8_t *b)
{
	switch (t->kind) {
	case TYPE_STR:
		return strncmp((const char *)a, (const char *)b, t->size);
	case TYPE_TUPLE:
		for (uint32_t i = 0; i < t->nfields; i++) {
			int c = cmp_key_bytes(t->fields[i].type, a + t->fields[i].offset,
			                      b + t->fields[i].offset);
			if (c)
				return c;
		}
		return 0;
	case TYPE_VOID:
	case TYPE_INT:
	case TYPE_BOOL:
	case TYPE_INET:
	case TYPE_KSTACK:
	case TYPE_USTACK:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_PTR:
	case TYPE_RECORD:
	case TYPE_ARRAY:
	case TYPE_BUF:
	case TYPE_TIMESTAMP:
	case TYPE_NAMED:
		break;
	}
	return memcmp(a, b, t->size);
}

/* The average bpftrace sorts avg and stats entries by: int64 division. */
static int64_t sort_average(const struct entry *e)
{
	return e->count ? e->total / (int64_t)e->count : 0;
}

static int cmp_entries(const struct sort_ctx *ctx, const struct entry *a, const struct entry *b)
{
	switch (ctx->by) {
	case SORT_VALUE:
		if (a->value != b->value) {
			if (ctx->is_signed)
				return a->value < b->value ? -1 : 1;
			return (uint64_t)a->value < (uint64_t)b->value ? -1 : 1;
		}
		break; /* a tie: by key */
	case SORT_HIST_TOTAL:
		return a->hist_sum < b->hist_sum ? -1 : a->hist_sum > b->hist_sum;
	case SORT_AVERAGE: {
		int64_t x = sort_average(a), y = sort_average(b);
		return x < y ? -1 : x > y;
	}
	case SORT_KEY:
		break;
	}
	if (!ctx->desc->key || !a->key || !b->key)
		return 0;
	return cmp_key_value(ctx->desc->key, a->key, b->key);
}

/* Stable bottom-up merge sort by cmp(). The sorts move pointers to the
 * entries: n more pointers, where moving the entries took n more entries. */
static void merge_sort(struct entry **e, size_t n, const struct sort_ctx *ctx,
                       int (*cmp)(const struct sort_ctx *, const struct entry *,
                                  const struct entry *))
{
	struct entry **tmp = malloc(n * sizeof(*tmp));
	if (!tmp) {
		sonde_out_of_memory("printing");
	}
	for (size_t width = 1; width < n; width *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * width) {
			size_t mid = lo + width < n ? lo + width : n;
			size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t i = lo, j = mid, k = lo;
			while (i < mid && j < hi)
				tmp[k++] = cmp(ctx, e[j], e[i]) < 0 ? e[j++] : e[i++];
			while (i < mid)
				tmp[k++] = e[i++];
			while (j < hi)
				tmp[k++] = e[j++];
		}
		memcpy(e, tmp, n * sizeof(*e));
		/* a pass over a million entries takes a few tens of ms */
		if (n > BUSY_EVERY)
			busy_now(ctx->printer);
	}
	free(tmp);
}

static int cmp_by_key_bytes(const struct sort_ctx *ctx, const struct entry *a,
                            const struct entry *b)
{
	if (!ctx->desc->key || !a->key || !b->key)
		return 0;
	return cmp_key_bytes(ctx->desc->key, a->key, b->key);
}

/* ---- std::sort, step by step ---- */

static bool less(const struct sort_ctx *ctx, const struct entry *a, const struct entry *b)
{
	return cmp_entries(ctx, a, b) < 0;
}

static void swap_entries(struct entry **a, struct entry **b)
{
	struct entry *t = *a;
	*a = *b;
	*b = t;
}

/* Sifts `value` down from the hole at `hole` of the heap e[0..len), then
 * back up no higher than `top` (libstdc++'s __adjust_heap/__push_heap). */
static void adjust_heap(const struct sort_ctx *ctx, struct entry **e, size_t hole, size_t len,
                        struct entry *value)
{
	size_t top = hole, child = hole;
	while (len >= 2 && child < (len - 1) / 2) {
		child = 2 * (child + 1);
		if (less(ctx, e[child], e[child - 1]))
			child--;
		e[hole] = e[child];
		hole = child;
	}
	if ((len & 1) == 0 && child == (len - 2) / 2) {
		child = 2 * (child + 1);
		e[hole] = e[child - 1];
		hole = child - 1;
	}
	while (hole > top) {
		size_t parent = (hole - 1) / 2;
		if (!less(ctx, e[parent], value))
			break;
		e[hole] = e[parent];
		hole = parent;
	}
	e[hole] = value;
}

/* Heap sort, the way std::sort finishes a range that recursed too deep. */
static void heap_sort(const struct sort_ctx *ctx, struct entry **e, size_t n)
{
	if (n < 2)
		return;
	for (size_t parent = (n - 2) / 2;; parent--) {
		adjust_heap(ctx, e, parent, n, e[parent]);
		if (parent == 0)
			break;
	}
	for (size_t last = n - 1; last > 0; last--) {
		struct entry *value = e[last];
		e[last] = e[0];
		adjust_heap(ctx, e, 0, last, value);
	}
}

enum { INTROSORT_THRESHOLD = 16 };

static void introsort_loop(const struct sort_ctx *ctx, struct entry **e, size_t n, int depth)
{
	while (n > INTROSORT_THRESHOLD) {
		if (depth == 0) {
			heap_sort(ctx, e, n);
			return;
		}
		depth--;
		/* the median of e[1], e[n / 2], e[n - 1] moves to e[0], the pivot */
		struct entry **a = &e[1], **b = &e[n / 2], **c = &e[n - 1];
		if (less(ctx, *a, *b)) {
			if (less(ctx, *b, *c))
				swap_entries(e, b);
			else if (less(ctx, *a, *c))
				swap_entries(e, c);
			else
				swap_entries(e, a);
		} else if (less(ctx, *a, *c)) {
			swap_entries(e, a);
		} else if (less(ctx, *b, *c)) {
			swap_entries(e, c);
		} else {
			swap_entries(e, b);
		}
		size_t lo = 1, hi = n;
		for (;;) {
			while (less(ctx, e[lo], e[0]))
				lo++;
			hi--;
			while (less(ctx, e[0], e[hi]))
				hi--;
			if (lo >= hi)
				break;
			swap_entries(&e[lo], &e[hi]);
			lo++;
		}
		introsort_loop(ctx, e + lo, n - lo, depth);
		n = lo;
	}
}

/* What libstdc++'s std::sort leaves in e[0..n): introsort down to runs of
 * 16, then an insertion sort of the whole (stable, as its two insertion
 * loops are). */
static void sort_like_libstdcxx(const struct sort_ctx *ctx, struct entry **e, size_t n)
{
	if (n < 2)
		return;
	int depth = 0;
	for (size_t k = n; k > 1; k >>= 1)
		depth++;
	introsort_loop(ctx, e, n, 2 * depth);
	for (size_t i = 1; i < n; i++) {
		struct entry *v = e[i];
		size_t j = i;
		while (j > 0 && less(ctx, v, e[j - 1])) {
			e[j] = e[j - 1];
			j--;
		}
		e[j] = v;
	}
}

static void sort_entries(const struct printer *p, const struct map_desc *d, struct entry **e,
                         size_t n)
{
	struct sort_ctx ctx = {.printer = p, .desc = d, .is_signed = value_is_signed(d)};
	if (d->agg == AGG_TSERIES) {
		/* bpftrace 0.26 prints a tseries' keys in the order of its
		 * std::map: by their bytes */
		if (n > 1)
			merge_sort(e, n, &ctx, cmp_by_key_bytes);
		return;
	}
	if (agg_is_hist(d->agg))
		ctx.by = SORT_HIST_TOTAL;
	else if (d->agg == AGG_AVG || d->agg == AGG_STATS)
		ctx.by = SORT_AVERAGE;
	else if (d->agg != AGG_NONE || (d->value && is_integer(d->value)))
		ctx.by = SORT_VALUE;
	else
		ctx.by = SORT_KEY;
	if (n < 2)
		return;
	if (ctx.by == SORT_HIST_TOTAL || ctx.by == SORT_AVERAGE) {
		merge_sort(e, n, &ctx, cmp_by_key_bytes);
		sort_like_libstdcxx(&ctx, e, n);
	} else {
		merge_sort(e, n, &ctx, cmp_entries);
	}
}

/* ---- histograms ------------------------------------------------------- */

/* 1024 -> "1K", 3145728 -> "3M", 1500 -> "1500": the largest power-of-1024
 * suffix that divides the number exactly. */
static void put_hist_number(FILE *f, int64_t v)
{
	static const char suffix[] = "KMGTPE";
	if (v == 0) {
		fputc('0', f);
		return;
	}
	uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
	int s = 0;
	while (s < 6 && (mag & 1023) == 0) {
		mag >>= 10;
		s++;
	}
	fprintf(f, "%s%llu", v < 0 ? "-" : "", (unsigned long long)mag);
	if (s)
		fputc(suffix[s - 1], f);
}

/* Bucket b's bounds: has_lo/has_hi false for the open ends; hi exclusive. */
struct bucket_range {
	bool has_lo, has_hi, single;
	int64_t lo, hi;
};

static struct bucket_range bucket_range(const struct map_desc *d, uint32_t b, uint32_t nb)
{
	struct bucket_range r = {.has_lo = true, .has_hi = true};
	if (d->agg == AGG_HIST) {
		if (b == 0) {
			r.has_lo = false;
			r.hi = 0;
		} else if (b == 1 || b == 2) {
			r.single = true;
			r.lo = b - 1;
			r.hi = b;
		} else if (b - 2 >= 63) {
			r.lo = (int64_t)((uint64_t)1 << 63);
			r.has_hi = false;
		} else {
			r.lo = (int64_t)1 << (b - 2);
			r.hi = b - 2 == 62 ? INT64_MIN : (int64_t)1 << (b - 1);
		}
		return r;
	}
	if (b == 0) {
		r.has_lo = false;
		r.hi = d->lhist_min;
	} else if (b == nb - 1) {
		r.lo = d->lhist_max;
		r.has_hi = false;
	} else {
		/* unsigned, as lhist_nbuckets(): the bounds lie in [min, max]
		 * but min + k * step can pass INT64_MAX on the way */
		uint64_t step = (uint64_t)d->lhist_step;
		r.lo = (int64_t)((uint64_t)d->lhist_min + (uint64_t)(b - 1) * step);
		r.hi = (uint64_t)d->lhist_max - (uint64_t)r.lo <= step
			       ? d->lhist_max
			       : (int64_t)((uint64_t)r.lo + step);
	}
	return r;
}

/* hist bounds above INT64_MAX are printed as unsigned */
static void put_bound(FILE *f, int64_t v, bool is_hist)
{
	if (is_hist && v < 0) {
		uint64_t u = (uint64_t)v;
		int s = 0;
		while (s < 6 && (u & 1023) == 0) {
			u >>= 10;
			s++;
		}
		fprintf(f, "%llu%c", (unsigned long long)u, s ? "KMGTPE"[s - 1] : '\0');
		return;
	}
	put_hist_number(f, v);
}

static void put_bucket_label(FILE *f, const struct map_desc *d, struct bucket_range r)
{
	bool hist = d->agg == AGG_HIST;
	/* 0.26 writes a bucket of one value as [N] in an lhist too (a step
	 * of 1), where its bounds are plain numbers (no K or M) */
	bool one_value = active_version == OUT_V0_26 && d->agg == AGG_LHIST && r.has_lo &&
			 r.has_hi && r.hi - r.lo == 1 && d->lhist_step % 1024 != 0;
	if (r.single || one_value) {
		fprintf(f, "[%lld]", (long long)r.lo);
	} else if (!r.has_lo) {
		fputs("(..., ", f);
		put_bound(f, r.hi, false);
		fputc(')', f);
	} else if (!r.has_hi) {
		fputc('[', f);
		put_bound(f, r.lo, hist);
		fputs(", ...)", f);
	} else {
		fputc('[', f);
		put_bound(f, r.lo, hist);
		fputs(", ", f);
		put_bound(f, r.hi, hist);
		fputc(')', f);
	}
}

/* The rows bpftrace shows: from the first to the last non-empty bucket.
 * Returns false when every bucket is empty. */
static bool hist_span(const uint64_t *b, uint32_t nb, uint32_t *first, uint32_t *last)
{
	uint32_t i = 0;
	while (i < nb && !b[i])
		i++;
	if (i == nb)
		return false;
	*first = i;
	uint32_t j = nb - 1;
	while (!b[j])
		j--;
	*last = j;
	return true;
}

enum { BAR_WIDTH = 52 };

static void put_hist_text(FILE *f, const struct map_desc *d, const struct entry *e, uint64_t div)
{
	uint32_t nb = nbuckets_of(d), first, last;
	if (!hist_span(e->buckets, nb, &first, &last))
		return;
	uint64_t max = 0;
	for (uint32_t b = first; b <= last; b++)
		if (e->buckets[b] > max)
			max = e->buckets[b];
	for (uint32_t b = first; b <= last; b++) {
		struct membuf m;
		put_bucket_label(membuf_open(&m), d, bucket_range(d, b, nb));
		membuf_close(&m);
		/* like bpftrace, `div` scales the printed count but not the bar */
		uint64_t shown = div > 1 ? e->buckets[b] / div : e->buckets[b];
		fprintf(f, "%-16s%8llu |", m.data, (unsigned long long)shown);
		free(m.data);
		unsigned bar = (unsigned)((unsigned __int128)e->buckets[b] * BAR_WIDTH / max);
		for (unsigned i = 0; i < BAR_WIDTH; i++)
			fputc(i < bar ? '@' : ' ', f);
		fputs("|\n", f);
	}
}

static void put_hist_json(FILE *f, const struct map_desc *d, const struct entry *e, uint64_t div)
{
	uint32_t nb = nbuckets_of(d), first, last;
	fputc('[', f);
	if (hist_span(e->buckets, nb, &first, &last)) {
		for (uint32_t b = first; b <= last; b++) {
			struct bucket_range r = bucket_range(d, b, nb);
			/* 0.26 writes no space between them, as in its arrays */
			fputs(b == first ? "{" : active_version == OUT_V0_26 ? ",{" : ", {", f);
			/* power-of-2 bounds reach 2^64: print those as unsigned */
			bool u = d->agg == AGG_HIST && b >= 2;
			if (r.has_lo)
				fprintf(f, u ? "\"min\": %llu, " : "\"min\": %lld, ",
				        (unsigned long long)r.lo);
			if (r.has_hi)
				fprintf(f, u ? "\"max\": %llu, " : "\"max\": %lld, ",
				        (unsigned long long)r.hi - 1);
			uint64_t shown = div > 1 ? e->buckets[b] / div : e->buckets[b];
			fprintf(f, "\"count\": %llu}", (unsigned long long)shown);
		}
	}
	fputc(']', f);
}

/* ---- time series (bpftrace 0.26) ------------------------------------------ */

/* The intervals one entry of a tseries prints: from its first interval
 * among the map's last tseries_nintervals (those up to `last`, the
 * latest interval of any entry) to `last`, with or without a value.
 * points[] is filled; the return is how many. */
struct series_point {
	uint64_t epoch;
	bool has_value;
	int64_t value;
};

static size_t tseries_series(const struct map_desc *d, const struct entry *e, uint64_t last,
                             struct series_point **out)
{
	*out = NULL;
	/* no entry has an interval (all zeroed): bpftrace 0.26 shows no
	 * data, but for a single interval a row of 1970 */
	if (!last)
		return 0;
	/* unsigned, as bpftrace: a latest interval below n - 1 wraps, and
	 * then nothing is in range */
	uint64_t first = last - d->tseries_nintervals + 1;
	if (first > last)
		return 0;
	uint64_t start = last;
	for (uint32_t i = 0; i < e->npoints; i++)
		if (e->points[i].epoch >= first && e->points[i].epoch < start)
			start = e->points[i].epoch;
	size_t n = (size_t)(last - start + 1);
	struct series_point *sp = calloc(n, sizeof(*sp));
	if (!sp) {
		sonde_out_of_memory("printing");
	}
	for (size_t i = 0; i < n; i++)
		sp[i].epoch = start + i;
	for (uint32_t i = 0; i < e->npoints; i++) {
		if (e->points[i].epoch < start || e->points[i].epoch > last)
			continue;
		struct series_point *q = &sp[e->points[i].epoch - start];
		q->has_value = true;
		q->value = e->points[i].value;
	}
	*out = sp;
	return n;
}

/* A number of the graph: present or not ("null", as bpftrace prints a
 * missing one) */
struct graph_value {
	bool has;
	int64_t v;
};

static void put_graph_value(FILE *f, struct graph_value g, bool is_signed)
{
	if (g.has)
		put_int(f, g.v, is_signed);
	else
		fputs("null", f);
}

/* bpftrace's signed distance a - b, with its unsigned cases */
static int64_t graph_distance(struct graph_value a, struct graph_value b, bool is_signed)
{
	if (!a.has)
		return 0;
	if (is_signed)
		return (int64_t)((uint64_t)a.v - (uint64_t)b.v);
	uint64_t p = (uint64_t)a.v;
	int64_t other = b.v;
	if (other < 0)
		return (int64_t)((uint64_t)(-(uint64_t)other) + p);
	if (p > (uint64_t)other)
		return (int64_t)(p - (uint64_t)other);
	return -(int64_t)((uint64_t)other - p);
}

static bool graph_less(struct graph_value a, struct graph_value b, bool is_signed)
{
	if (!a.has || !b.has)
		return !a.has && b.has; /* a missing value orders first */
	return is_signed ? a.v < b.v : (uint64_t)a.v < (uint64_t)b.v;
}

/* The unit of the graph's times: that of the step between its points
 * (0, ns, for a single point), as bpftrace's duration_str picks it */
struct time_unit {
	const char *name; /* after "hh:mm:ss." */
	int digits;       /* of the fraction of a second; 0: none */
	uint64_t div;     /* ns per printed digit unit */
};

static struct time_unit graph_unit(uint64_t step_ns)
{
	if (step_ns >= 1000000000ull)
		return (struct time_unit){NULL, 0, 1000000000ull};
	if (step_ns >= 1000000ull)
		return (struct time_unit){"ms", 3, 1000000ull};
	if (step_ns >= 1000ull)
		return (struct time_unit){"\xce\xbcs", 6, 1000ull}; /* μs */
	return (struct time_unit){"ns", 9, 1};
}

/* A time of the graph: local time of day, and the fraction of the unit */
static void put_graph_time(FILE *f, uint64_t ns, struct time_unit u)
{
	time_t t = (time_t)(ns / 1000000000ull);
	struct tm tm;
	char buf[32];
	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%H:%M:%S", &tm);
	fputs(buf, f);
	if (u.digits)
		fprintf(f, ".%0*llu", u.digits, (unsigned long long)(ns % 1000000000ull / u.div));
}

enum { GRAPH_WIDTH = 53, GRAPH_LABEL_PAD = 21 };

/* the "min ... max" line above and below the graph */
static void put_graph_bounds(FILE *f, int indent, struct graph_value lo, struct graph_value hi,
                             bool is_signed)
{
	struct membuf a, b;
	put_graph_value(membuf_open(&a), lo, is_signed);
	membuf_close(&a);
	put_graph_value(membuf_open(&b), hi, is_signed);
	membuf_close(&b);
	fprintf(f, "%*s%-*s%*s\n", indent, "", GRAPH_LABEL_PAD, a.data,
	        GRAPH_WIDTH - GRAPH_LABEL_PAD, b.data);
	free(a.data);
	free(b.data);
}

/* One entry of a tseries as bpftrace 0.26 draws it: a column of interval
 * start times, a 53-column plot between the smallest and the largest
 * value (a '.' column where 0 lies between them), and the value, or '-'
 * for an interval without one. */
static void put_tseries_text(FILE *f, const struct map_desc *d, const struct entry *e,
                             uint64_t last)
{
	bool is_signed = value_is_signed(d);
	struct series_point *sp;
	size_t n = tseries_series(d, e, last, &sp);
	if (!n) {
		fputs("<no data>\n", f);
		return;
	}
	struct graph_value lo = {sp[0].has_value, sp[0].value}, hi = lo;
	for (size_t i = 0; i < n; i++) {
		if (!sp[i].has_value)
			continue;
		struct graph_value v = {true, sp[i].value};
		if (graph_less(v, lo, is_signed))
			lo = v;
		if (graph_less(hi, v, is_signed))
			hi = v;
	}
	if (lo.has && lo.v == hi.v) {
		/* room on both sides of a flat line, short of overflowing */
		if (is_signed ? lo.v > INT64_MIN : (uint64_t)lo.v > 0)
			lo.v--;
		if (is_signed ? hi.v < INT64_MAX : (uint64_t)hi.v < UINT64_MAX)
			hi.v++;
	}
	uint64_t step = n > 1 ? d->tseries_interval_ns : 0;
	struct time_unit u = graph_unit(step);
	/* the width of the times in bytes, as bpftrace counts it: "μs"
	 * is three bytes of text for two columns */
	int time_width = 8 + (u.digits ? 1 + u.digits : 0);

	put_graph_bounds(f, time_width + 1, lo, hi, is_signed);
	char head[16];
	snprintf(head, sizeof(head), "hh:mm:ss%s%s", u.name ? "." : "", u.name ? u.name : "");
	fprintf(f, "%-*s|", time_width + 1, head);
	for (int i = 0; i < GRAPH_WIDTH - 2; i++)
		fputc('_', f);
	fputs("|\n", f);

	int zero_at = 0;
	struct graph_value zero = {true, 0};
	int64_t span = graph_distance(lo, hi, is_signed);
	if (graph_distance(lo, zero, is_signed) < 0 && graph_distance(zero, hi, true) < 0)
		zero_at = (int)((float)GRAPH_WIDTH * (float)graph_distance(lo, zero, is_signed) /
		                (float)span);
	bool flat = lo.has == hi.has && lo.v == hi.v;
	for (size_t i = 0; i < n; i++) {
		char line[GRAPH_WIDTH + 1];
		memset(line, ' ', GRAPH_WIDTH);
		line[GRAPH_WIDTH] = 0;
		line[0] = '|';
		line[GRAPH_WIDTH - 1] = '|';
		if (zero_at > 0)
			line[zero_at] = '.';
		put_graph_time(f, sp[i].epoch * d->tseries_interval_ns, u);
		fputc(' ', f);
		if (!sp[i].has_value) {
			fprintf(f, "%s -\n", line);
			continue;
		}
		int at = GRAPH_WIDTH / 2;
		if (!flat) {
			struct graph_value v = {true, sp[i].value};
			at = (int)((float)(GRAPH_WIDTH - 1) *
			           (float)graph_distance(lo, v, is_signed) / (float)span);
		}
		if (at < 0)
			at = 0;
		if (at > GRAPH_WIDTH - 1)
			at = GRAPH_WIDTH - 1;
		line[at] = '*';
		fprintf(f, "%s ", line);
		put_int(f, sp[i].value, is_signed);
		fputc('\n', f);
	}
	fprintf(f, "%*s v", time_width, "");
	for (int i = 0; i < GRAPH_WIDTH - 2; i++)
		fputc('_', f);
	fputs("v\n", f);
	put_graph_bounds(f, time_width + 1, lo, hi, is_signed);
	free(sp);
}

/* The intervals with a value, each as its start (UTC, to the ns, as C++
 * prints a system_clock time) and the value */
static void put_tseries_json(FILE *f, const struct map_desc *d, const struct entry *e,
                             uint64_t last)
{
	bool is_signed = value_is_signed(d);
	struct series_point *sp;
	size_t n = tseries_series(d, e, last, &sp);
	bool first = true;
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		if (!sp[i].has_value)
			continue;
		uint64_t ns = sp[i].epoch * d->tseries_interval_ns;
		time_t t = (time_t)(ns / 1000000000ull);
		struct tm tm;
		char buf[32];
		gmtime_r(&t, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(f, "%s{\"interval_start\":\"%s.%09llu\",\"value\":", first ? "" : ",", buf,
		        (unsigned long long)(ns % 1000000000ull));
		put_json_int(f, sp[i].value, is_signed);
		fputc('}', f);
		first = false;
	}
	fputc(']', f);
	free(sp);
}

/* The latest interval of any entry: where every entry's series ends */
static uint64_t tseries_last(struct entry *const *e, size_t n)
{
	uint64_t last = 0;
	for (size_t i = 0; i < n; i++)
		if (e[i]->latest_epoch > last)
			last = e[i]->latest_epoch;
	return last;
}

/* ---- maps --------------------------------------------------------------- */

static void put_stats_text(FILE *f, const struct entry *e)
{
	/* 0.26 prints the three as a record */
	const char *form = active_version == OUT_V0_26
				   ? "{ .count = %llu, .average = %lld, .total = %lld }"
				   : "count %llu, average %lld, total %lld";
	fprintf(f, form, (unsigned long long)e->count, (long long)e->value, (long long)e->total);
}

static void put_stats_json(FILE *f, const struct entry *e)
{
	fprintf(f, "{\"count\": %llu, \"average\": %lld, \"total\": %lld}",
	        (unsigned long long)e->count, (long long)e->value, (long long)e->total);
}

/* The value part of one entry (after `@m[k]: ` or `"k": `), not hists. */
static void put_entry_value(FILE *f, bool json, const struct map_desc *d, const struct entry *e,
                            uint64_t div)
{
	bool is_signed = value_is_signed(d);
	switch (d->agg) {
	case AGG_NONE:
		if (d->value && d->value->kind == TYPE_INT && div > 1 && json)
			put_json_int(f, div_value(e->value, is_signed, div), is_signed);
		else if (d->value && d->value->kind == TYPE_INT && div > 1)
			put_int(f, div_value(e->value, is_signed, div), is_signed);
		else if (d->value)
			put_value(f, json, d->value, e->raw);
		return;
	case AGG_STATS:
		if (json)
			put_stats_json(f, e);
		else
			put_stats_text(f, e);
		return;
	case AGG_COUNT:
	case AGG_SUM:
	case AGG_AVG:
	case AGG_MIN:
	case AGG_MAX:
	case AGG_HIST:
	case AGG_LHIST:
	case AGG_TSERIES:
		break;
	}
	if (json)
		put_json_int(f, div_value(e->value, is_signed, div), is_signed);
	else
		put_int(f, div_value(e->value, is_signed, div), is_signed);
}

static void put_map_text(const struct printer *p, const struct map_desc *d, struct entry *const *e,
                         size_t n, uint64_t div)
{
	FILE *f = p->out;
	if (d->agg == AGG_TSERIES) {
		/* bpftrace 0.26's layout: `@m:` or `@m[k]:`, the graph, a
		 * blank line */
		uint64_t last = tseries_last(e, n);
		for (size_t i = 0; i < n; i++) {
			fputs(d->name, f);
			if (d->key && e[i]->key)
				put_key(f, false, d->key, e[i]->key);
			fputs(":\n", f);
			put_tseries_text(f, d, e[i], last);
			fputc('\n', f);
		}
		/* an empty map: a blank line as 0.17 prints other maps */
		if (n == 0 && active_version != OUT_V0_26)
			fputc('\n', f);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		fputs(d->name, f);
		if (d->key && e[i]->key)
			put_key(f, false, d->key, e[i]->key);
		if (agg_is_hist(d->agg)) {
			/* 0.26 ends the name's line at the colon */
			fputs(active_version == OUT_V0_26 ? ":\n" : ": \n", f);
			put_hist_text(f, d, e[i], div);
			fputc('\n', f);
			out_busy(p, i);
			continue;
		}
		fputs(": ", f);
		put_entry_value(f, false, d, e[i], div);
		fputc('\n', f);
		out_busy(p, i);
	}
	/* bpftrace 0.17's spacing: an empty map is a blank line; avg and
	 * stats maps end with one. 0.26 prints neither */
	if (active_version == OUT_V0_26)
		return;
	if (n == 0)
		fputc('\n', f);
	if (d->agg == AGG_AVG || d->agg == AGG_STATS)
		fputc('\n', f);
}

static void put_map_json(const struct printer *p, const struct map_desc *d, struct entry *const *e,
                         size_t n, uint64_t div)
{
	FILE *f = p->out;
	const char *kind = "map";
	if (agg_is_hist(d->agg))
		kind = "hist";
	else if (d->agg == AGG_TSERIES)
		kind = "tseries";
	else if (d->agg == AGG_AVG || d->agg == AGG_STATS)
		kind = "stats";
	fprintf(f, "{\"type\": \"%s\", \"data\": {", kind);
	put_json_string(f, d->name, strlen(d->name));
	fputs(": ", f);
	bool keyed = d->key != NULL;
	uint64_t last = d->agg == AGG_TSERIES ? tseries_last(e, n) : 0;
	if (keyed)
		fputc('{', f);
	for (size_t i = 0; i < n; i++) {
		if (keyed) {
			if (i)
				fputs(", ", f);
			put_key(f, true, d->key, e[i]->key);
			fputs(": ", f);
		}
		if (agg_is_hist(d->agg))
			put_hist_json(f, d, e[i], div);
		else if (d->agg == AGG_TSERIES)
			put_tseries_json(f, d, e[i], last);
		else
			put_entry_value(f, true, d, e[i], div);
		if (!keyed)
			break;
		out_busy(p, i);
	}
	if (keyed)
		fputc('}', f);
	fputs("}}\n", f);
}

/* The entries of a snapshot, merged (entries[], *n_out of them), and
 * pointers to them in the order they print (order[]). */
static void merge_and_sort(const struct printer *p, const struct map_desc *desc,
                           const struct map_snapshot *snap, struct entry **entries_out,
                           struct entry ***order_out, size_t *n_out)
{
	size_t n = snap ? snap->n : 0;
	struct entry *e = calloc(n ? n : 1, sizeof(*e));
	struct entry **order = calloc(n ? n : 1, sizeof(*order));
	if (!e || !order) {
		sonde_out_of_memory("printing");
	}
	if (desc->agg == AGG_TSERIES && tseries_is_wide(desc->tseries_nintervals)) {
		n = merge_wide_tseries(desc, snap, e);
	} else {
		for (size_t i = 0; i < n; i++) {
			merge_entry(desc, snap, i, &e[i]);
			out_busy(p, i);
		}
	}
	for (size_t i = 0; i < n; i++)
		order[i] = &e[i];
	sort_entries(p, desc, order, n);
	*entries_out = e;
	*order_out = order;
	*n_out = n;
}

static void free_entries(const struct map_desc *desc, struct entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (agg_is_hist(desc->agg))
			free(e[i].buckets);
		else if (desc->agg == AGG_TSERIES)
			free(e[i].points);
	}
	free(e);
}

void out_map(struct printer *p, const struct map_desc *desc, const struct map_snapshot *snap,
             uint64_t top, uint64_t div)
{
	use_printer(p);
	struct entry *e, **order;
	size_t n;
	merge_and_sort(p, desc, snap, &e, &order, &n);
	/* bpftrace ignores top and div for stats and tseries */
	if (desc->agg == AGG_STATS || desc->agg == AGG_TSERIES)
		top = 0, div = 0;
	size_t skip = top && n > top ? n - top : 0;
	if (p->format == OUT_JSON) {
		if (n)
			put_map_json(p, desc, order + skip, n - skip, div);
	} else {
		put_map_text(p, desc, order + skip, n - skip, div);
	}
	free(order);
	free_entries(desc, e, n);
}

void out_maps_begin(struct printer *p)
{
	/* 0.26 ends its JSON with no blank lines: one JSON record a line */
	if (p->format == OUT_JSON && p->version == OUT_V0_26)
		return;
	fputs("\n\n", p->out);
}

void out_attached(struct printer *p, uint32_t nprobes)
{
	const char *plural = nprobes == 1 ? "" : "s";
	if (p->format == OUT_JSON && p->version == OUT_V0_26)
		fprintf(p->out,
			"{\"type\": \"attached_probes\", \"count\": %u, \"data\": {\"probes\": %u}}\n",
			nprobes, nprobes);
	else if (p->format == OUT_JSON)
		fprintf(p->out, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %u}}\n",
			nprobes);
	else if (p->version == OUT_V0_26)
		fprintf(p->err, "Attached %u probe%s\n", nprobes, plural);
	else
		fprintf(p->out, "Attaching %u probe%s...\n", nprobes, plural);
}

void out_helper_error(struct printer *p, const struct helper_site *site, int64_t rc)
{
	p->errors++;
	if (p->format == OUT_JSON) {
		fprintf(p->out,
			"{\"type\": \"helper_error\", \"helper\": \"%s\", \"retcode\": %lld, "
			"\"line\": %d, \"col\": %d}\n",
			site->helper, (long long)rc, site->line, site->col);
		return;
	}
	fprintf(p->out, "%s: WARNING: Failed to %s: ", site->where, site->helper);
	if (rc < 0)
		fprintf(p->out, "%s (%lld)\n", strerror((int)-rc), (long long)rc);
	else
		fprintf(p->out, "%lld\n", (long long)rc);
	fprintf(p->out, "%s\n%s\n", site->text, site->marker);
}

/* ---- --test and --bench ------------------------------------------------- */

enum { GREEN = 32, RED = 31 };

/* A bracketed tag of the test output, in colour on a terminal */
static void put_tag(struct printer *p, int color, const char *tag)
{
	if (p->color)
		fprintf(p->out, "\033[%dm%s\033[0m ", color, tag);
	else
		fprintf(p->out, "%s ", tag);
}

static const char *tests_word(uint64_t n)
{
	return n == 1 ? "test" : "tests";
}

void out_tests_begin(struct printer *p, uint32_t ntests)
{
	if (p->format == OUT_JSON || !ntests)
		return;
	put_tag(p, GREEN, "[==========]");
	fprintf(p->out, "Running %u %s.\n", ntests, tests_word(ntests));
}

/* A duration in the largest unit it reaches (ns, us, ms, s), cut to a
 * whole number of it */
static void put_duration(FILE *f, uint64_t ns)
{
	static const struct {
		uint64_t scale;
		const char *unit;
	} units[] = {{1000000000ull, "s"}, {1000000ull, "ms"}, {1000ull, "us"}, {1, "ns"}};
	size_t i = 0;
	while (units[i].scale > 1 && ns < units[i].scale)
		i++;
	fprintf(f, "%llu %s", (unsigned long long)(ns / units[i].scale), units[i].unit);
}

void out_test_result(struct printer *p, const char *name, uint64_t ns, bool passed,
                     const char *output, size_t len)
{
	if (p->format == OUT_JSON) {
		fputs("{\"type\": \"test_result\", \"data\": {", p->out);
		put_json_string(p->out, name, strlen(name));
		fprintf(p->out, ": {\"duration\": %llu, \"passed\": %s, \"output\": ",
		        (unsigned long long)ns, passed ? "true" : "false");
		put_json_string(p->out, output, len);
		fputs("}}}\n", p->out);
		return;
	}
	put_tag(p, GREEN, "[ RUN      ]");
	fprintf(p->out, "%s\n", name);
	/* a passing test's output is not shown */
	for (size_t at = 0; !passed && at < len;) {
		const char *nl = memchr(output + at, '\n', len - at);
		size_t line = nl ? (size_t)(nl - (output + at)) : len - at;
		if (line)
			fprintf(p->out, "%.*s\n", (int)line, output + at);
		at += line + 1;
	}
	if (passed)
		put_tag(p, GREEN, "[       OK ]");
	else
		put_tag(p, RED, "[  FAILED  ]");
	fprintf(p->out, "%s (", name);
	put_duration(p->out, ns);
	fputs(")\n", p->out);
}

void out_tests_end(struct printer *p, const char *const *names, const bool *passed, uint32_t ntests)
{
	if (p->format == OUT_JSON || !ntests)
		return;
	uint32_t npassed = 0;
	for (uint32_t i = 0; i < ntests; i++)
		npassed += passed[i];
	put_tag(p, GREEN, "[==========]");
	fprintf(p->out, "%u %s ran.\n", ntests, tests_word(ntests));
	put_tag(p, GREEN, "[  PASSED  ]");
	fprintf(p->out, "%u %s.\n", npassed, tests_word(npassed));
	if (npassed == ntests)
		return;
	put_tag(p, RED, "[  FAILED  ]");
	fprintf(p->out, "%u %s, listed below:\n", ntests - npassed, tests_word(ntests - npassed));
	for (uint32_t i = 0; i < ntests; i++)
		if (!passed[i]) {
			put_tag(p, RED, "[  FAILED  ]");
			fprintf(p->out, "%s\n", names[i]);
		}
}

void out_bench_result(struct printer *p, const char *const *names, uint32_t nbenches,
                      const char *name, uint64_t avg_ns, uint64_t iters, bool header)
{
	if (p->format == OUT_JSON) {
		fputs("{\"type\": \"benchmark_result\", \"data\": {", p->out);
		put_json_string(p->out, name, strlen(name));
		fprintf(p->out, ": {\"average\": %llu, \"iters\": %llu}}}\n",
		        (unsigned long long)avg_ns, (unsigned long long)iters);
		return;
	}
	/* bpftrace's columns: names at least 40 wide, then a space; times 15 */
	enum { NAME_MIN = 40, TIME_WIDTH = 15 };
	int width = NAME_MIN;
	for (uint32_t i = 0; i < nbenches; i++)
		if ((int)strlen(names[i]) > width)
			width = (int)strlen(names[i]);
	if (header) {
		static const char iterations[] = "Iterations";
		fprintf(p->out, "%-*s%-*s%s\n", width + 1, "Benchmark", TIME_WIDTH, "Time(ns)",
		        iterations);
		for (int i = 0; i < width + 1 + TIME_WIDTH + (int)sizeof(iterations) - 1; i++)
			fputc('-', p->out);
		fputc('\n', p->out);
	}
	fprintf(p->out, "%-*s%-*llu%llu\n", width + 1, name, TIME_WIDTH, (unsigned long long)avg_ns,
	        (unsigned long long)iters);
}

void out_lost_events(struct printer *p, uint64_t lost)
{
	unsigned long long n = (unsigned long long)lost;
	if (p->format == OUT_JSON && p->version == OUT_V0_26)
		fprintf(p->out,
			"{\"type\": \"lost_events\", \"count\": %llu, \"data\": {\"events\": %llu}}\n",
			n, n);
	else if (p->format == OUT_JSON)
		fprintf(p->out, "{\"type\": \"lost_events\", \"data\": {\"events\": %llu}}\n", n);
	else if (p->version == OUT_V0_26)
		fprintf(p->err, "Lost %llu events\n", n);
	else
		fprintf(p->out, "Lost %llu events\n", n);
}

void out_lost_captures(struct printer *p, uint64_t lost)
{
	unsigned long long n = (unsigned long long)lost;
	if (p->format == OUT_JSON)
		fprintf(p->out, "{\"type\": \"lost_captures\", \"data\": {\"packets\": %llu}}\n", n);
	else
		fprintf(p->version == OUT_V0_26 ? p->err : p->out, "Lost %llu captured packet%s\n", n,
		        n == 1 ? "" : "s");
}

void out_lost_total(struct printer *p, uint64_t lost)
{
	/* 0.26 repeats the total on stderr, where a script whose output
	 * scrolls fast cannot hide it */
	if (p->version == OUT_V0_26 && lost)
		fprintf(p->err, "WARNING: Total lost event count: %llu\n", (unsigned long long)lost);
}

void out_dropped_updates(struct printer *p, const char *map, uint64_t updates)
{
	/* text output keeps stdout to the maps; the runtime says it on stderr */
	if (p->format != OUT_JSON)
		return;
	fprintf(p->out, "{\"type\": \"dropped_updates\", \"data\": {\"map\": ");
	put_json_string(p->out, map, strlen(map));
	fprintf(p->out, ", \"updates\": %llu}}\n", (unsigned long long)updates);
}

void out_truncated_strings(struct printer *p, uint64_t strings)
{
	if (p->format == OUT_JSON)
		fprintf(p->out, "{\"type\": \"truncated_strings\", \"data\": {\"strings\": %llu}}\n",
			(unsigned long long)strings);
}

/* ---- printf formats ----------------------------------------------------- */

enum conv_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_J, LEN_Z, LEN_T };

/* One `%...` conversion of a format, or a `%%`. */
struct conv {
	size_t start, end; /* byte range in the format, '%' included */
	char flags[6];
	int width, prec; /* -1 when absent */
	enum conv_len len;
	char spec; /* d i u x X o c p s r, or '%' */
	char buf_form; /* %r only: 0, 'x' for %rx (every byte \xNN), 'h' for %rh (NN NN) */
};

/* Finds the next conversion at or after *pos. Returns 1 with *c filled,
 * 0 at the end of the format, -1 with err and err_off set on a malformed one. */
static int next_conv(const char *fmt, size_t *pos, struct conv *c, const char **err,
                     size_t *err_off)
{
	const char *pct = strchr(fmt + *pos, '%');
	if (!pct)
		return 0;
	size_t i = (size_t)(pct - fmt);
	memset(c, 0, sizeof(*c));
	c->start = i++;
	c->width = c->prec = -1;
	size_t nflags = 0;
	while (fmt[i] && strchr("-+ #0", fmt[i])) {
		if (nflags < sizeof(c->flags) - 1 && !strchr(c->flags, fmt[i]))
			c->flags[nflags++] = fmt[i];
		i++;
	}
	if (fmt[i] == '*') {
		*err = "'*' width or precision is not supported; write the number in the format";
		*err_off = i;
		return -1;
	}
	if (fmt[i] >= '0' && fmt[i] <= '9') {
		c->width = 0;
		while (fmt[i] >= '0' && fmt[i] <= '9' && c->width < 100000)
			c->width = c->width * 10 + (fmt[i++] - '0');
	}
	if (fmt[i] == '.') {
		i++;
		if (fmt[i] == '*') {
			*err = "'*' width or precision is not supported; write the number in the "
			       "format";
			*err_off = i;
			return -1;
		}
		c->prec = 0;
		while (fmt[i] >= '0' && fmt[i] <= '9' && c->prec < 100000)
			c->prec = c->prec * 10 + (fmt[i++] - '0');
	}
	if (fmt[i] == 'h') {
		c->len = fmt[i + 1] == 'h' ? LEN_HH : LEN_H;
		i += c->len == LEN_HH ? 2 : 1;
	} else if (fmt[i] == 'l') {
		c->len = fmt[i + 1] == 'l' ? LEN_LL : LEN_L;
		i += c->len == LEN_LL ? 2 : 1;
	} else if (fmt[i] == 'j' || fmt[i] == 'z' || fmt[i] == 't') {
		c->len = fmt[i] == 'j' ? LEN_J : fmt[i] == 'z' ? LEN_Z : LEN_T;
		i++;
	}
	if (!fmt[i]) {
		*err = "incomplete conversion at the end of the format (write %% for a '%')";
		*err_off = c->start;
		return -1;
	}
	c->spec = fmt[i];
	if (!strchr("diuxXocpsr%", c->spec)) {
		*err = "unknown conversion (supported: %d %i %u %x %X %o %c %p %s %r %rx %rh %%)";
		*err_off = i;
		return -1;
	}
	/* bpftrace reads "%rx" and "%rh" as conversions of their own, so the
	 * letter after %r is never literal text */
	if (c->spec == 'r' && (fmt[i + 1] == 'x' || fmt[i + 1] == 'h'))
		c->buf_form = fmt[++i];
	if (c->spec == '%' && (i != c->start + 1)) {
		*err = "'%%' takes no flags, width or length";
		*err_off = c->start;
		return -1;
	}
	/* %p takes a length as bpftrace does (%lp is a pointer like %p) */
	if (c->len != LEN_NONE && strchr("csr", c->spec)) {
		*err = "a length modifier (h, l, ll, j, z, t) only goes with integer conversions";
		*err_off = c->start;
		return -1;
	}
	c->end = i + 1;
	*pos = c->end;
	return 1;
}

int fmt_count_conversions(const char *fmt, const char **err, size_t *err_offset)
{
	size_t pos = 0, off = 0;
	const char *msg = NULL;
	struct conv c;
	int n = 0, r;
	while ((r = next_conv(fmt, &pos, &c, &msg, &off)) > 0)
		if (c.spec != '%')
			n++;
	if (r < 0) {
		if (err)
			*err = msg;
		if (err_offset)
			*err_offset = off;
		return -1;
	}
	return n;
}

/* The i-th conversion other than %%; false when the format has fewer or
 * is malformed. */
static bool nth_conv(const char *fmt, uint32_t idx, struct conv *c)
{
	size_t pos = 0, off;
	const char *err;
	uint32_t k = 0;
	while (next_conv(fmt, &pos, c, &err, &off) > 0) {
		if (c->spec == '%')
			continue;
		if (k++ == idx)
			return true;
	}
	return false;
}

static bool is_stringish(const struct type *t)
{
	switch (t->kind) {
	case TYPE_STR:
	case TYPE_KSYM:
	case TYPE_USYM:
	case TYPE_INET:
	case TYPE_KSTACK:
	case TYPE_USTACK:
	case TYPE_TIMESTAMP:
	case TYPE_NAMED:
	case TYPE_BOOL: /* "true" or "false", as bpftrace 0.26 */
		return true;
	case TYPE_VOID:
	case TYPE_INT:
	case TYPE_TUPLE:
	case TYPE_PTR:
	case TYPE_RECORD:
	case TYPE_ARRAY:
	case TYPE_BUF:
		return false;
	}
	return false;
}

const char *fmt_check_arg(struct arena *a, const char *fmt, uint32_t i, const struct type *t)
{
	struct conv c;
	if (!nth_conv(fmt, i, &c))
		return NULL; /* argument counts are the caller's business */
	int convlen = (int)(c.end - c.start);
	const char *conv = fmt + c.start;
	switch (c.spec) {
	case 's':
		if (is_stringish(t))
			return NULL;
		if (t->kind == TYPE_BUF)
			return arena_printf(
			    a, "%.*s expects a string argument, got %s (use %%r for a buffer)",
			    convlen, conv, type_name(a, t));
		return arena_printf(a, "%.*s expects a string argument, got %s", convlen, conv,
		                    type_name(a, t));
	case 'r':
		if (t->kind == TYPE_BUF || t->kind == TYPE_STR)
			return NULL;
		return arena_printf(a, "%.*s expects a buffer argument, got %s", convlen, conv,
		                    type_name(a, t));
	case 'p':
	default:
		if (is_integer(t) || t->kind == TYPE_PTR)
			return NULL;
		return arena_printf(a, "%.*s expects an integer argument, got %s", convlen, conv,
		                    type_name(a, t));
	}
}

/* Rebuilds a C conversion spec from its parts with `len` and `spec`. */
static void c_spec(char *out, size_t size, const struct conv *c, const char *len, char spec)
{
	char width[16] = "", prec[16] = "";
	if (c->width >= 0)
		snprintf(width, sizeof(width), "%d", c->width);
	if (c->prec >= 0)
		snprintf(prec, sizeof(prec), ".%d", c->prec);
	snprintf(out, size, "%%%s%s%s%s%c", c->flags, width, prec, len, spec);
}

/* One argument through one conversion, with C's meaning of the length
 * modifier: the value is first widened from its own type to 64 bits. */
static void put_conv(FILE *f, const struct conv *c, const struct type *t, const uint8_t *p)
{
	char spec[64];
	switch (c->spec) {
	case 'r':
		if (t->kind == TYPE_BUF || t->kind == TYPE_STR) {
			struct membuf m;
			FILE *mf = membuf_open(&m);
			if (t->kind == TYPE_BUF)
				put_bytes(mf, p + 4, buf_len(t, p), c->buf_form);
			else
				put_bytes(mf, p, strnlen((const char *)p, t->size), c->buf_form);
			membuf_close(&m);
			c_spec(spec, sizeof(spec), c, "", 's');
			fprintf(f, spec, m.data);
			free(m.data);
			return;
		}
		/* fall through - sema lets no other type reach %r */
	case 's': {
		struct membuf m;
		FILE *mf = membuf_open(&m);
		/* a bool through %s is a word in either output: bpftrace 0.17
		 * takes no integer there */
		if (t->kind == TYPE_BOOL)
			fputs(*p ? "true" : "false", mf);
		else if (!((t->kind == TYPE_KSTACK || t->kind == TYPE_USTACK) && active_resolver &&
			   active_resolver->format(active_resolver, mf, t, p, true) == 0))
			put_value(mf, false, t, p);
		membuf_close(&m);
		c_spec(spec, sizeof(spec), c, "", 's');
		fprintf(f, spec, m.data);
		free(m.data);
		return;
	}
	case 'p': {
		uint64_t v = is_integer(t) ? (uint64_t)load_int(t, p) : load_u64(p);
		c_spec(spec, sizeof(spec), c, "", 'p');
		fprintf(f, spec, (void *)(uintptr_t)v);
		return;
	}
	case 'c': {
		int64_t v = is_integer(t) ? load_int(t, p) : (int64_t)load_u64(p);
		c_spec(spec, sizeof(spec), c, "", 'c');
		fprintf(f, spec, (int)v);
		return;
	}
	default:
		break;
	}
	int64_t v = is_integer(t) ? load_int(t, p) : (int64_t)load_u64(p);
	bool is_signed = c->spec == 'd' || c->spec == 'i';
	switch (c->len) {
	case LEN_NONE:
		c_spec(spec, sizeof(spec), c, "", c->spec);
		if (is_signed)
			fprintf(f, spec, (int)v);
		else
			fprintf(f, spec, (unsigned)v);
		return;
	case LEN_HH:
		c_spec(spec, sizeof(spec), c, "", c->spec);
		if (is_signed)
			fprintf(f, spec, (int)(signed char)v);
		else
			fprintf(f, spec, (unsigned)(unsigned char)v);
		return;
	case LEN_H:
		c_spec(spec, sizeof(spec), c, "", c->spec);
		if (is_signed)
			fprintf(f, spec, (int)(short)v);
		else
			fprintf(f, spec, (unsigned)(unsigned short)v);
		return;
	default:
		c_spec(spec, sizeof(spec), c, "ll", c->spec);
		if (is_signed)
			fprintf(f, spec, (long long)v);
		else
			fprintf(f, spec, (unsigned long long)v);
		return;
	}
}

static void put_printf(FILE *f, const struct fmt_desc *fmt, const uint8_t *payload, size_t len)
{
	const char *s = fmt->fmt;
	size_t pos = 0, off;
	const char *err;
	struct conv c;
	uint32_t arg = 0;
	size_t lit = 0;
	while (next_conv(s, &pos, &c, &err, &off) > 0) {
		fwrite(s + lit, 1, c.start - lit, f);
		lit = c.end;
		if (c.spec == '%') {
			fputc('%', f);
			continue;
		}
		if (arg < fmt->nargs) {
			const struct type *t = fmt->arg_types[arg];
			uint32_t at = fmt->arg_offsets[arg];
			if ((size_t)at + t->size <= len)
				put_conv(f, &c, t, payload + at);
		}
		arg++;
	}
	fputs(s + lit, f);
}

void out_printf(struct printer *p, const struct fmt_desc *fmt, const void *payload, size_t len)
{
	use_printer(p);
	if (fmt->stderr_prefix) {
		/* errorf/warnf: a diagnostic, in text and JSON runs alike; the
		 * output written so far goes first, so the two read in order */
		fflush(p->out);
		struct membuf m;
		put_printf(membuf_open(&m), fmt, payload, len);
		membuf_close(&m);
		fprintf(p->diag, "%s%.*s\n", fmt->stderr_prefix, (int)m.len, m.data);
		p->errors += fmt->is_error;
		free(m.data);
		return;
	}
	if (p->format != OUT_JSON) {
		put_printf(p->out, fmt, payload, len);
		return;
	}
	struct membuf m;
	put_printf(membuf_open(&m), fmt, payload, len);
	membuf_close(&m);
	fputs("{\"type\": \"printf\", \"data\": ", p->out);
	put_json_string(p->out, m.data, m.len);
	fputs("}\n", p->out);
	free(m.data);
}

/* ---- other records ------------------------------------------------------ */

void out_value(struct printer *p, const struct fmt_desc *fmt, const void *payload, size_t len)
{
	use_printer(p);
	if (!fmt->nargs || fmt->arg_offsets[0] + fmt->arg_types[0]->size > len)
		return;
	const uint8_t *v = (const uint8_t *)payload + fmt->arg_offsets[0];
	if (p->format == OUT_JSON) {
		fputs("{\"type\": \"value\", \"data\": ", p->out);
		put_value(p->out, true, fmt->arg_types[0], v);
		fputs("}\n", p->out);
		return;
	}
	if (fmt->arg_types[0]->kind == TYPE_PTR)
		fprintf(p->out, "0x%llx", (unsigned long long)load_u64(v));
	else
		put_value(p->out, false, fmt->arg_types[0], v);
	fputc('\n', p->out);
}

void out_time(struct printer *p, const char *fmt)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	struct tm tm;
	localtime_r(&now.tv_sec, &tm);
	struct membuf m;
	put_time(membuf_open(&m), fmt, &tm, now.tv_nsec / 1000);
	membuf_close(&m);
	out_text_event(p, "time", m.data, m.len);
	free(m.data);
}

void out_text_event(struct printer *p, const char *type, const char *text, size_t len)
{
	if (p->format == OUT_JSON) {
		fprintf(p->out, "{\"type\": \"%s\", \"data\": ", type);
		put_json_string(p->out, text, len);
		fputs("}\n", p->out);
		return;
	}
	fwrite(text, 1, len, p->out);
}

char *out_format(const struct fmt_desc *fmt, const void *payload, size_t len)
{
	struct membuf m;
	put_printf(membuf_open(&m), fmt, payload, len);
	membuf_close(&m);
	return m.data;
}

void out_join(struct printer *p, const struct fmt_desc *fmt, const void *payload, size_t len)
{
	if (len < 8 || !fmt->nargs)
		return;
	uint64_t n = load_u64(payload);
	uint32_t strsz = fmt->arg_types[0]->size, stride = (strsz + 7) / 8 * 8;
	struct membuf m;
	FILE *f = membuf_open(&m);
	for (uint64_t i = 0; i < n && i < JOIN_MAX_ARGS; i++) {
		size_t at = 8 + (size_t)i * stride;
		if (at + strsz > len)
			break;
		const char *s = (const char *)payload + at;
		/* an empty string ends the list, as in bpftrace: `cmd a ""` prints
		 * "cmd a", no trailing delimiter */
		if (!s[0])
			break;
		if (i)
			fputs(fmt->fmt, f);
		fwrite(s, 1, strnlen(s, strsz), f);
	}
	if (p->format != OUT_JSON)
		fputc('\n', f);
	membuf_close(&m);
	out_text_event(p, "join", m.data, m.len);
	free(m.data);
}

/* ---- the maps for other renderings (exposition.c) --------------------- */

struct out_merged *out_merge_map(const struct printer *p, const struct map_desc *d,
                                 const struct map_snapshot *snap, size_t *n_out)
{
	use_printer(p);
	*n_out = 0;
	size_t n = snap ? snap->n : 0;
	struct out_merged *out = calloc(n ? n : 1, sizeof(*out));
	if (!out) {
		sonde_out_of_memory("reading maps");
	}
	if (d->agg == AGG_TSERIES)
		return out;
	struct entry *e, **order;
	merge_and_sort(p, d, snap, &e, &order, &n);
	bool hist = agg_is_hist(d->agg), stats = d->agg == AGG_AVG || d->agg == AGG_STATS;
	for (size_t i = 0; i < n; i++) {
		const struct entry *en = order[i];
		out[i] = (struct out_merged){.key = en->key, .raw = en->raw, .value = en->value};
		if (stats) {
			out[i].count = en->count;
			out[i].total = en->total;
		}
		if (hist) {
			/* the buckets pass to out[]: out_merged_free frees them */
			out[i].buckets = en->buckets;
			out[i].nbuckets = en->buckets ? nbuckets_of(d) : 0;
			out[i].bucket_total = en->hist_sum;
			out[i].value_sum = en->value_sum;
		}
	}
	*n_out = n;
	free(order);
	free(e);
	return out;
}

void out_merged_free(struct out_merged *e, size_t n)
{
	for (size_t i = 0; e && i < n; i++)
		free(e[i].buckets);
	free(e);
}

bool out_value_signed(const struct map_desc *d)
{
	return value_is_signed(d);
}

int out_key_part_text(const struct printer *p, char *buf, size_t size, const struct type *t,
                      const void *data)
{
	use_printer(p);
	struct membuf m;
	put_key_part(membuf_open(&m), t, data);
	return membuf_to_buf(&m, buf, size);
}

bool out_bucket_le(const struct map_desc *d, uint32_t b, int64_t *le)
{
	uint32_t nb = nbuckets_of(d);
	struct bucket_range r = bucket_range(d, b, nb);
	if (!r.has_hi)
		return false;
	/* hist bucket 62's bound is 2^63, stored as INT64_MIN: its largest
	 * value is INT64_MAX */
	*le = r.hi == INT64_MIN ? INT64_MAX : r.hi - 1;
	return true;
}
