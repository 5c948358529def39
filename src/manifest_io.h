/*
 * manifest_io.h - the manifest (manifest.h), its types (front/types.h) and
 * what else a run needs of the compilation, as bytes: what `--emit-elf`
 * puts into the object's .sonde.manifest section (objfile.h) and `sonde
 * FILE.o` reads back, so an object runs without the compiler.
 *
 * The encoding is little-endian and positional: u8, u32, u64, strings as
 * a u32 length (0xffffffff for none) and their bytes, arrays as a u32
 * count and their elements, a type as its fields with its element and
 * member types nested (at most MIO_MAX_TYPE_DEPTH deep). The reader
 * checks every length and count against the bytes left, every enum
 * against its range and what the runtime indexes with (argument offsets
 * within a record, lhist steps), and fails with a sentence, never reading
 * past the buffer: a corrupted section is an error, not a crash.
 */
#ifndef SONDE_MANIFEST_IO_H
#define SONDE_MANIFEST_IO_H

#include <stddef.h>
#include <stdint.h>

#include "front/diag.h"
#include "manifest.h"

enum { MIO_MAX_TYPE_DEPTH = 32 };

/* A growing byte buffer; `failed` once memory ran out. */
struct mio_buf {
	unsigned char *data;
	size_t len, cap;
	bool failed;
};

void mio_put_u8(struct mio_buf *b, uint8_t v);
void mio_put_u32(struct mio_buf *b, uint32_t v);
void mio_put_u64(struct mio_buf *b, uint64_t v);
void mio_put_str(struct mio_buf *b, const char *s); /* NULL allowed */
void mio_put_bytes(struct mio_buf *b, const void *p, size_t n);

/* A cursor over bytes being read; after the first failure every read
 * returns 0 or NULL and `err` says what was wrong. */
struct mio_reader {
	const unsigned char *p, *end;
	struct arena *a; /* strings and types are copied here */
	char err[160];
};

uint8_t mio_get_u8(struct mio_reader *r);
uint32_t mio_get_u32(struct mio_reader *r);
uint64_t mio_get_u64(struct mio_reader *r);
/* NUL-terminated copy in r->a, or NULL (for none, or after a failure);
 * *len gets its length when not NULL */
const char *mio_get_str(struct mio_reader *r, size_t *len);
/* a string that must be there: NULL is a failure naming `what` */
const char *mio_get_req_str(struct mio_reader *r, const char *what);
void mio_fail(struct mio_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline bool mio_ok(const struct mio_reader *r)
{
	return !r->err[0];
}

/* What a run takes besides the program: the script's sources (for a
 * verifier rejection's location) and the parameters compiled in. */
struct run_extras {
	struct diag_source *sources;
	int nsources;
	const char **params;
	int nparams;
};

/* Appends the manifest of `p`, the sources of `d` that its probes are in
 * (the others by name only) and `params`. -1 when memory ran out or a
 * type nests deeper than MIO_MAX_TYPE_DEPTH. */
int manifest_encode(struct mio_buf *b, const struct program *p, const struct diag *d,
                    char *const *params, int nparams);
/* Fills p->m (allocating in p->arena, which the caller has initialised)
 * and *x from `len` bytes; 0, or -1 with the reason in err. */
int manifest_decode(const void *data, size_t len, struct program *p, struct run_extras *x,
                    char *err, size_t errsz);

#endif
