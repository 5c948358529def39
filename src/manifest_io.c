/*
 * manifest_io.c - the manifest as bytes and back (see manifest_io.h).
 *
 * Writer and reader follow the same order field by field: put_X and
 * get_X below are each other's mirror, so a field added to one must be
 * added to the other (and objfile.h's format version raised).
 */
#include "manifest_io.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front/types.h"

enum { MIO_NO_STRING = 0xffffffffu };

/* ---- writing ------------------------------------------------------------- */

void mio_put_bytes(struct mio_buf *b, const void *p, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		unsigned char *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void mio_put_u8(struct mio_buf *b, uint8_t v)
{
	mio_put_bytes(b, &v, 1);
}

void mio_put_u32(struct mio_buf *b, uint32_t v)
{
	unsigned char le[4];
	for (int i = 0; i < 4; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	mio_put_bytes(b, le, sizeof(le));
}

void mio_put_u64(struct mio_buf *b, uint64_t v)
{
	unsigned char le[8];
	for (int i = 0; i < 8; i++)
		le[i] = (unsigned char)(v >> (8 * i));
	mio_put_bytes(b, le, sizeof(le));
}

void mio_put_str(struct mio_buf *b, const char *s)
{
	if (!s) {
		mio_put_u32(b, MIO_NO_STRING);
		return;
	}
	size_t n = strlen(s);
	if (n >= MIO_NO_STRING) {
		b->failed = true;
		return;
	}
	mio_put_u32(b, (uint32_t)n);
	mio_put_bytes(b, s, n);
}

static void put_type(struct mio_buf *b, const struct type *t, int depth)
{
	mio_put_u8(b, t != NULL);
	if (!t)
		return;
	if (depth >= MIO_MAX_TYPE_DEPTH) {
		b->failed = true;
		return;
	}
	mio_put_u8(b, (uint8_t)t->kind);
	mio_put_u32(b, t->size);
	mio_put_u32(b, t->align);
	mio_put_u8(b, t->is_signed);
	mio_put_u8(b, t->space);
	mio_put_u32(b, t->nfields);
	for (uint32_t i = 0; i < t->nfields; i++) {
		const struct type_field *f = &t->fields[i];
		mio_put_str(b, f->name);
		put_type(b, f->type, depth + 1);
		mio_put_u32(b, f->offset);
		mio_put_u8(b, f->bit_shift);
		mio_put_u8(b, f->bit_size);
	}
	put_type(b, t->elem, depth + 1);
	mio_put_u32(b, t->count);
	mio_put_u8(b, t->stack_mode);
	mio_put_u8(b, t->dwarf);
	mio_put_u32(b, (uint32_t)t->btf_id);
	mio_put_str(b, t->name);
	mio_put_u8(b, t->by_value);
	mio_put_u8(b, t->named);
	mio_put_u8(b, t->int_in_017);
}

static void put_map(struct mio_buf *b, const struct map_desc *d)
{
	mio_put_str(b, d->name);
	mio_put_str(b, d->elf_name);
	put_type(b, d->key, 0);
	put_type(b, d->value, 0);
	mio_put_u8(b, (uint8_t)d->agg);
	mio_put_u32(b, d->bpf_type);
	mio_put_u8(b, d->percpu);
	mio_put_u32(b, d->key_size);
	mio_put_u32(b, d->value_size);
	mio_put_u32(b, d->max_entries);
	mio_put_u8(b, d->declared);
	mio_put_u64(b, (uint64_t)d->lhist_min);
	mio_put_u64(b, (uint64_t)d->lhist_max);
	mio_put_u64(b, (uint64_t)d->lhist_step);
	mio_put_u32(b, d->nbuckets);
	mio_put_u8(b, d->has_sum);
	mio_put_u64(b, d->tseries_interval_ns);
	mio_put_u32(b, d->tseries_nintervals);
	mio_put_u8(b, (uint8_t)d->tseries_agg);
	mio_put_u8(b, d->limiter);
}

static void put_fmt(struct mio_buf *b, const struct fmt_desc *f)
{
	mio_put_str(b, f->fmt);
	mio_put_u32(b, f->nargs);
	for (uint32_t i = 0; i < f->nargs; i++) {
		put_type(b, f->arg_types[i], 0);
		mio_put_u32(b, f->arg_offsets[i]);
	}
	mio_put_u32(b, f->size);
	mio_put_str(b, f->stderr_prefix);
	mio_put_u8(b, f->is_error);
}

static void put_probe(struct mio_buf *b, const struct probe_desc *d)
{
	mio_put_str(b, d->prog_name);
	mio_put_str(b, d->provider);
	mio_put_str(b, d->spec);
	mio_put_str(b, d->target);
	mio_put_str(b, d->func);
	mio_put_u64(b, d->value);
	mio_put_u64(b, d->aux);
	mio_put_u32(b, (uint32_t)d->script_line);
	mio_put_u32(b, (uint32_t)d->file);
	mio_put_u8(b, d->from_wildcard);
	mio_put_u8(b, d->shares_program);
	mio_put_u64(b, d->cookie);
}

int manifest_encode(struct mio_buf *b, const struct program *p, const struct diag *d,
                    char *const *params, int nparams)
{
	const struct manifest *m = &p->m;
	mio_put_u32(b, m->nmaps);
	for (uint32_t i = 0; i < m->nmaps; i++)
		put_map(b, &m->maps[i]);
	mio_put_u32(b, m->nfmts);
	for (uint32_t i = 0; i < m->nfmts; i++)
		put_fmt(b, &m->fmts[i]);
	mio_put_u32(b, m->nprobes);
	for (uint32_t i = 0; i < m->nprobes; i++)
		put_probe(b, &m->probes[i]);
	mio_put_u32(b, m->naux_maps);
	for (uint32_t i = 0; i < m->naux_maps; i++) {
		mio_put_u8(b, (uint8_t)m->aux_maps[i].kind);
		mio_put_str(b, m->aux_maps[i].elf_name);
		mio_put_u32(b, m->aux_maps[i].depth);
	}
	mio_put_str(b, m->events_map);
	mio_put_u32(b, m->ringbuf_size);
	mio_put_u8(b, m->print_maps_on_exit);
	mio_put_u32(b, m->max_cat_bytes);
	mio_put_u32(b, m->missing_probes);
	mio_put_str(b, m->str_trunc_trailer);
	mio_put_u32(b, m->nskb_outputs);
	for (uint32_t i = 0; i < m->nskb_outputs; i++) {
		mio_put_str(b, m->skb_outputs[i].path);
		mio_put_u32(b, m->skb_outputs[i].offset);
	}
	mio_put_u32(b, m->skb_output_bytes);
	mio_put_u32(b, m->capture_line);
	mio_put_u32(b, m->capture_snaplen);
	mio_put_u32(b, m->nhelper_sites);
	for (uint32_t i = 0; i < m->nhelper_sites; i++) {
		const struct helper_site *h = &m->helper_sites[i];
		mio_put_str(b, h->helper);
		mio_put_str(b, h->where);
		mio_put_str(b, h->text);
		mio_put_str(b, h->marker);
		mio_put_u32(b, (uint32_t)h->line);
		mio_put_u32(b, (uint32_t)h->col);
	}
	mio_put_u8(b, m->no_warnings);
	mio_put_u8(b, m->boot_bound);
	mio_put_u8(b, m->kernel_bound != NULL);
	if (m->kernel_bound)
		mio_put_str(b, m->kernel_bound);
	/* the sources: the texts of those a probe is in (a verifier
	 * rejection points into them), the others' names only */
	mio_put_u32(b, (uint32_t)d->nsources);
	for (int i = 0; i < d->nsources; i++) {
		bool used = false;
		for (uint32_t k = 0; k < m->nprobes && !used; k++)
			used = m->probes[k].file == i;
		mio_put_str(b, d->sources[i].name);
		mio_put_str(b, used ? d->sources[i].text : NULL);
	}
	mio_put_u32(b, (uint32_t)nparams);
	for (int i = 0; i < nparams; i++)
		mio_put_str(b, params[i]);
	return b->failed ? -1 : 0;
}

/* ---- reading ------------------------------------------------------------- */

void mio_fail(struct mio_reader *r, const char *fmt, ...)
{
	if (r->err[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	if (!r->err[0])
		snprintf(r->err, sizeof(r->err), "invalid data");
	r->p = r->end;
}

static const unsigned char *take(struct mio_reader *r, size_t n)
{
	if (!mio_ok(r))
		return NULL;
	if ((size_t)(r->end - r->p) < n) {
		mio_fail(r, "it ends in the middle of a field");
		return NULL;
	}
	const unsigned char *at = r->p;
	r->p += n;
	return at;
}

uint8_t mio_get_u8(struct mio_reader *r)
{
	const unsigned char *p = take(r, 1);
	return p ? p[0] : 0;
}

uint32_t mio_get_u32(struct mio_reader *r)
{
	const unsigned char *p = take(r, 4);
	uint32_t v = 0;
	for (int i = 0; p && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

uint64_t mio_get_u64(struct mio_reader *r)
{
	const unsigned char *p = take(r, 8);
	uint64_t v = 0;
	for (int i = 0; p && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

const char *mio_get_str(struct mio_reader *r, size_t *len)
{
	uint32_t n = mio_get_u32(r);
	if (len)
		*len = 0;
	if (!mio_ok(r) || n == MIO_NO_STRING)
		return NULL;
	const unsigned char *p = take(r, n);
	if (!p)
		return NULL;
	if (memchr(p, 0, n)) {
		mio_fail(r, "a string holds a NUL byte");
		return NULL;
	}
	if (len)
		*len = n;
	return arena_strndup(r->a, (const char *)p, n);
}

const char *mio_get_req_str(struct mio_reader *r, const char *what)
{
	const char *s = mio_get_str(r, NULL);
	if (!s)
		mio_fail(r, "%s is missing", what);
	return s;
}

/* A count of elements each at least `min_size` bytes long: one larger
 * than the bytes left could hold is corruption, not an allocation. */
static uint32_t get_count(struct mio_reader *r, size_t min_size, const char *what)
{
	uint32_t n = mio_get_u32(r);
	if (mio_ok(r) && (size_t)n > (size_t)(r->end - r->p) / min_size)
		mio_fail(r, "%u %s cannot fit in the bytes left", n, what);
	return mio_ok(r) ? n : 0;
}

static void *zalloc(struct mio_reader *r, size_t n, size_t size)
{
	void *p = arena_alloc(r->a, (n + 1) * size);
	memset(p, 0, (n + 1) * size);
	return p;
}

static struct type *get_type(struct mio_reader *r, int depth)
{
	if (!mio_get_u8(r))
		return NULL;
	if (depth >= MIO_MAX_TYPE_DEPTH) {
		mio_fail(r, "a type nests more than %d deep", MIO_MAX_TYPE_DEPTH);
		return NULL;
	}
	struct type *t = zalloc(r, 0, sizeof(*t));
	uint8_t kind = mio_get_u8(r);
	if (kind > TYPE_NAMED)
		mio_fail(r, "unknown type kind %u", kind);
	t->kind = (enum type_kind)kind;
	t->size = mio_get_u32(r);
	t->align = mio_get_u32(r);
	if (mio_ok(r) && t->align != 1 && t->align != 2 && t->align != 4 && t->align != 8)
		mio_fail(r, "a type's alignment is %u", t->align);
	t->is_signed = mio_get_u8(r) != 0;
	t->space = mio_get_u8(r);
	if (t->space > SPACE_ANY)
		mio_fail(r, "unknown address space %u", t->space);
	t->nfields = get_count(r, 11, "type members");
	t->fields = zalloc(r, t->nfields, sizeof(*t->fields));
	for (uint32_t i = 0; i < t->nfields && mio_ok(r); i++) {
		struct type_field *f = &t->fields[i];
		f->name = mio_get_str(r, NULL);
		f->type = get_type(r, depth + 1);
		if (mio_ok(r) && !f->type)
			mio_fail(r, "a type member has no type");
		f->offset = mio_get_u32(r);
		f->bit_shift = mio_get_u8(r);
		f->bit_size = mio_get_u8(r);
		if (mio_ok(r) && (f->bit_shift > 7 || f->bit_size > 64))
			mio_fail(r, "a bitfield of %u bits at bit %u", f->bit_size, f->bit_shift);
	}
	t->elem = get_type(r, depth + 1);
	if (mio_ok(r) && (t->kind == TYPE_PTR || t->kind == TYPE_ARRAY) && !t->elem)
		mio_fail(r, "a pointer or array type has no element type");
	t->count = mio_get_u32(r);
	t->stack_mode = mio_get_u8(r);
	if (t->stack_mode >= STACK_MODE__COUNT)
		mio_fail(r, "unknown stack mode %u", t->stack_mode);
	if (mio_ok(r) && (t->kind == TYPE_KSTACK || t->kind == TYPE_USTACK) &&
	    t->count > STACK_MAX_DEPTH)
		mio_fail(r, "a stack of %u frames", t->count);
	t->dwarf = mio_get_u8(r) != 0;
	t->btf_id = (int32_t)mio_get_u32(r);
	t->name = mio_get_str(r, NULL);
	t->by_value = mio_get_u8(r) != 0;
	t->named = mio_get_u8(r);
	if (t->named > NAMED_CGROUP)
		mio_fail(r, "unknown named kind %u", t->named);
	t->int_in_017 = mio_get_u8(r) != 0;
	return mio_ok(r) ? t : NULL;
}

static void get_map(struct mio_reader *r, struct map_desc *d)
{
	d->name = mio_get_req_str(r, "a map's name");
	d->elf_name = mio_get_req_str(r, "a map's object name");
	d->key = get_type(r, 0);
	d->value = get_type(r, 0);
	uint8_t agg = mio_get_u8(r);
	if (agg > AGG_TSERIES)
		mio_fail(r, "unknown aggregation %u", agg);
	d->agg = (enum agg_kind)agg;
	d->bpf_type = mio_get_u32(r);
	d->percpu = mio_get_u8(r) != 0;
	d->key_size = mio_get_u32(r);
	d->value_size = mio_get_u32(r);
	d->max_entries = mio_get_u32(r);
	d->declared = mio_get_u8(r) != 0;
	d->lhist_min = (int64_t)mio_get_u64(r);
	d->lhist_max = (int64_t)mio_get_u64(r);
	d->lhist_step = (int64_t)mio_get_u64(r);
	/* the printer divides by the step (lhist_nbuckets) */
	if (mio_ok(r) && d->agg == AGG_LHIST && (d->lhist_step <= 0 || d->lhist_min >= d->lhist_max))
		mio_fail(r, "map %s: an lhist from %lld to %lld in steps of %lld", d->name,
		         (long long)d->lhist_min, (long long)d->lhist_max, (long long)d->lhist_step);
	d->nbuckets = mio_get_u32(r);
	d->has_sum = mio_get_u8(r) != 0;
	d->tseries_interval_ns = mio_get_u64(r);
	d->tseries_nintervals = mio_get_u32(r);
	uint8_t tagg = mio_get_u8(r);
	if (tagg > TSERIES_SUM)
		mio_fail(r, "unknown tseries function %u", tagg);
	d->tseries_agg = (enum tseries_agg)tagg;
	d->limiter = mio_get_u8(r) != 0;
	if (mio_ok(r) && (!d->value_size || d->value_size > (1u << 24) ||
	                  d->key_size > (1u << 24)))
		mio_fail(r, "map %s: keys of %u and values of %u bytes", d->name, d->key_size,
		         d->value_size);
}

static void get_fmt(struct mio_reader *r, struct fmt_desc *f)
{
	f->fmt = mio_get_req_str(r, "a format string");
	f->nargs = get_count(r, 5, "format arguments");
	f->arg_types = zalloc(r, f->nargs, sizeof(*f->arg_types));
	f->arg_offsets = zalloc(r, f->nargs, sizeof(*f->arg_offsets));
	for (uint32_t i = 0; i < f->nargs && mio_ok(r); i++) {
		f->arg_types[i] = get_type(r, 0);
		if (mio_ok(r) && !f->arg_types[i])
			mio_fail(r, "a format argument has no type");
		f->arg_offsets[i] = mio_get_u32(r);
	}
	f->size = mio_get_u32(r);
	/* the printer reads each argument at its offset in the record */
	for (uint32_t i = 0; i < f->nargs && mio_ok(r); i++)
		if ((uint64_t)f->arg_offsets[i] + f->arg_types[i]->size > f->size)
			mio_fail(r, "argument %u of format \"%s\" lies outside its record", i + 1,
			         f->fmt);
	f->stderr_prefix = mio_get_str(r, NULL);
	f->is_error = mio_get_u8(r) != 0;
}

static void get_probe(struct mio_reader *r, struct probe_desc *d)
{
	d->prog_name = mio_get_req_str(r, "a probe's program name");
	d->provider = mio_get_req_str(r, "a probe's type");
	d->spec = mio_get_req_str(r, "a probe's name");
	d->target = mio_get_str(r, NULL);
	d->func = mio_get_str(r, NULL);
	d->value = mio_get_u64(r);
	d->aux = mio_get_u64(r);
	d->script_line = (int)mio_get_u32(r);
	d->file = (int)mio_get_u32(r);
	d->from_wildcard = mio_get_u8(r) != 0;
	d->shares_program = mio_get_u8(r) != 0;
	d->cookie = mio_get_u64(r);
}

int manifest_decode(const void *data, size_t len, struct program *p, struct run_extras *x,
                    char *err, size_t errsz)
{
	struct mio_reader rd = {.p = data, .end = (const unsigned char *)data + len, .a = &p->arena};
	struct mio_reader *r = &rd;
	struct manifest *m = &p->m;
	memset(m, 0, sizeof(*m));
	memset(x, 0, sizeof(*x));
	m->nmaps = get_count(r, 41, "maps");
	m->maps = zalloc(r, m->nmaps, sizeof(*m->maps));
	for (uint32_t i = 0; i < m->nmaps && mio_ok(r); i++)
		get_map(r, &m->maps[i]);
	m->nfmts = get_count(r, 13, "formats");
	m->fmts = zalloc(r, m->nfmts, sizeof(*m->fmts));
	for (uint32_t i = 0; i < m->nfmts && mio_ok(r); i++)
		get_fmt(r, &m->fmts[i]);
	m->nprobes = get_count(r, 41, "probes");
	m->probes = zalloc(r, m->nprobes, sizeof(*m->probes));
	for (uint32_t i = 0; i < m->nprobes && mio_ok(r); i++)
		get_probe(r, &m->probes[i]);
	m->naux_maps = get_count(r, 9, "internal maps");
	m->aux_maps = zalloc(r, m->naux_maps, sizeof(*m->aux_maps));
	for (uint32_t i = 0; i < m->naux_maps && mio_ok(r); i++) {
		uint8_t kind = mio_get_u8(r);
		if (kind > AUX_MAP_CAPTURE)
			mio_fail(r, "unknown internal map kind %u", kind);
		m->aux_maps[i].kind = (enum aux_map_kind)kind;
		m->aux_maps[i].elf_name = mio_get_req_str(r, "an internal map's name");
		m->aux_maps[i].depth = mio_get_u32(r);
	}
	m->events_map = mio_get_str(r, NULL);
	m->ringbuf_size = mio_get_u32(r);
	m->print_maps_on_exit = mio_get_u8(r) != 0;
	m->max_cat_bytes = mio_get_u32(r);
	m->missing_probes = mio_get_u32(r);
	if (m->missing_probes > MISSING_PROBES_UNSET)
		mio_fail(r, "unknown missing_probes setting %u", m->missing_probes);
	m->str_trunc_trailer = mio_get_str(r, NULL);
	m->nskb_outputs = get_count(r, 8, "skboutput() calls");
	m->skb_outputs = zalloc(r, m->nskb_outputs, sizeof(*m->skb_outputs));
	for (uint32_t i = 0; i < m->nskb_outputs && mio_ok(r); i++) {
		m->skb_outputs[i].path = mio_get_req_str(r, "an skboutput() file");
		m->skb_outputs[i].offset = mio_get_u32(r);
	}
	m->skb_output_bytes = mio_get_u32(r);
	m->capture_line = mio_get_u32(r);
	m->capture_snaplen = mio_get_u32(r);
	m->nhelper_sites = get_count(r, 24, "checked helper calls");
	m->helper_sites = zalloc(r, m->nhelper_sites, sizeof(*m->helper_sites));
	for (uint32_t i = 0; i < m->nhelper_sites && mio_ok(r); i++) {
		struct helper_site *h = &m->helper_sites[i];
		h->helper = mio_get_req_str(r, "a helper's name");
		h->where = mio_get_req_str(r, "a helper call's place");
		h->text = mio_get_req_str(r, "a helper call's line");
		h->marker = mio_get_req_str(r, "a helper call's marker");
		h->line = (int)mio_get_u32(r);
		h->col = (int)mio_get_u32(r);
	}
	m->no_warnings = mio_get_u8(r) != 0;
	m->boot_bound = mio_get_u8(r) != 0;
	if (mio_get_u8(r))
		m->kernel_bound = mio_get_req_str(r, "the construct binding it to its kernel");
	uint32_t nsources = get_count(r, 8, "sources");
	if (nsources > DIAG_MAX_SOURCES)
		mio_fail(r, "%u sources, more than the %d a script has", nsources, DIAG_MAX_SOURCES);
	x->sources = zalloc(r, nsources, sizeof(*x->sources));
	x->nsources = (int)nsources;
	for (uint32_t i = 0; i < nsources && mio_ok(r); i++) {
		x->sources[i].name = mio_get_req_str(r, "a source's name");
		x->sources[i].text = mio_get_str(r, &x->sources[i].len);
		if (!x->sources[i].text)
			x->sources[i].text = "";
	}
	uint32_t nparams = get_count(r, 4, "parameters");
	x->params = zalloc(r, nparams, sizeof(*x->params));
	x->nparams = (int)nparams;
	for (uint32_t i = 0; i < nparams && mio_ok(r); i++)
		x->params[i] = mio_get_req_str(r, "a parameter");
	for (uint32_t i = 0; i < m->nprobes && mio_ok(r); i++)
		if (m->probes[i].file < 0 || m->probes[i].file >= x->nsources)
			mio_fail(r, "probe %s is in source %d of %d", m->probes[i].spec,
			         m->probes[i].file, x->nsources);
	if (mio_ok(r) && r->p != r->end)
		mio_fail(r, "%zu bytes follow its end", (size_t)(r->end - r->p));
	if (!mio_ok(r)) {
		snprintf(err, errsz, "%s", r->err);
		return -1;
	}
	return 0;
}
