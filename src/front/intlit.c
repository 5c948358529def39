/*
 * intlit.c - integer literals (see intlit.h). One reader, so that a number
 * means the same in a script, on the command line and in a probe spec.
 */
#include "front/intlit.h"

#include <string.h>

int intlit_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* v * factor, noting in *overflow when it does not fit */
static uint64_t scale(uint64_t v, uint64_t factor, bool *overflow)
{
	if (v > UINT64_MAX / factor)
		*overflow = true;
	return v * factor;
}

enum intlit_status intlit_parse(const char *text, size_t len, unsigned suffixes,
                                uint64_t *value, bool *is_unsigned)
{
	unsigned base = 10;
	size_t i = 0;
	bool unsigned_suffix = false, overflow = false, bad = false;
	if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (len > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B') &&
	           (text[2] == '0' || text[2] == '1')) {
		base = 2;
		i = 2;
	} else if (len > 1 && text[0] == '0' && text[1] >= '0' && text[1] <= '9') {
		base = 8;
		i = 1;
	}
	uint64_t v = 0;
	size_t ndigits = 0;
	bool last_underscore = false;
	for (; i < len; i++) {
		char c = text[i];
		if (c == '_') {
			if (ndigits == 0 || last_underscore)
				bad = true;
			last_underscore = true;
			continue;
		}
		int d = intlit_digit(c);
		if (d < 0 || (unsigned)d >= base) {
			/* hex digits b and e are suffix letters in other bases */
			if (d >= 0 && d <= 9)
				bad = true; /* 8 or 9 in an octal literal */
			break;
		}
		last_underscore = false;
		ndigits++;
		if (v > (UINT64_MAX - (unsigned)d) / base)
			overflow = true;
		v = v * base + (unsigned)d;
	}
	if (ndigits == 0 || last_underscore)
		bad = true;
	if (base == 10 && i + 1 < len && (text[i] == 'e' || text[i] == 'E') &&
	    text[i + 1] >= '0' && text[i + 1] <= '9') {
		unsigned exp = 0;
		for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++)
			exp = exp < 100 ? exp * 10 + (unsigned)(text[i] - '0') : exp;
		for (unsigned k = 0; k < exp && v != 0; k++)
			v = scale(v, 10, &overflow);
	}
	/* duration suffixes (bpftrace 0.26): 1s, 5ms, 2m are nanoseconds;
	 * only as the whole rest of the literal */
	static const struct {
		const char *suffix;
		uint64_t ns;
	} durations[] = {{"ns", 1},
	                 {"us", 1000ull},
	                 {"ms", 1000000ull},
	                 {"s", 1000000000ull},
	                 {"m", 60000000000ull},
	                 {"h", 3600000000000ull},
	                 {"d", 86400000000000ull}};
	for (size_t k = 0; base == 10 && i < len && k < sizeof durations / sizeof durations[0];
	     k++) {
		size_t n = strlen(durations[k].suffix);
		if (len - i == n && !memcmp(text + i, durations[k].suffix, n)) {
			v = scale(v, durations[k].ns, &overflow);
			i = len;
		}
	}
	if ((suffixes & INTLIT_SIZE_SUFFIX) && i < len &&
	    (text[i] == 'K' || text[i] == 'M' || text[i] == 'G')) {
		v = scale(v, text[i] == 'K' ? 1ull << 10 : text[i] == 'M' ? 1ull << 20 : 1ull << 30,
		          &overflow);
		i++;
	}
	if (suffixes & INTLIT_TYPE_SUFFIX) {
		if (i < len && (text[i] == 'u' || text[i] == 'U')) {
			unsigned_suffix = true;
			i++;
		}
		for (int l = 0; l < 2 && i < len && (text[i] == 'l' || text[i] == 'L'); l++)
			i++;
		if (!unsigned_suffix && i < len && (text[i] == 'u' || text[i] == 'U')) {
			unsigned_suffix = true;
			i++;
		}
	}
	if (bad || i != len)
		return INTLIT_INVALID;
	if (overflow)
		return INTLIT_OVERFLOW;
	if (value)
		*value = v;
	if (is_unsigned)
		*is_unsigned = unsigned_suffix;
	return INTLIT_OK;
}
