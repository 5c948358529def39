/*
 * pcap.c - classic pcap file reader (see pcap.h).
 *
 * File header (24 bytes): magic, version major/minor (u16), thiszone,
 * sigfigs, snaplen, network (linktype). Then records: ts_sec, ts_frac,
 * incl_len, orig_len (u32 each) and incl_len bytes. The magic says the
 * byte order and the timestamp unit: a1b2c3d4 (usec) and a1b23c4d (nsec),
 * byte-swapped when the writer's order differs from ours.
 */
#include "runtime/pcap.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

enum {
	MAGIC_USEC = 0xa1b2c3d4,
	MAGIC_NSEC = 0xa1b23c4d,
	MAGIC_PCAPNG = 0x0a0d0d0a,
};

static uint32_t get32(const uint8_t *p, bool swapped)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return swapped ? __builtin_bswap32(v) : v;
}

static uint16_t get16(const uint8_t *p, bool swapped)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return swapped ? __builtin_bswap16(v) : v;
}

int pcap_open_file(struct pcap_reader *r, FILE *f, char *err, size_t errsz)
{
	memset(r, 0, sizeof(*r));
	r->f = f;
	uint8_t h[24];
	size_t got = fread(h, 1, sizeof(h), f);
	if (got < 4) {
		snprintf(err, errsz, "not a pcap file: %s", got ? "too short" : "empty");
		return -EINVAL;
	}
	uint32_t magic = get32(h, false);
	if (magic == MAGIC_USEC || magic == MAGIC_NSEC) {
		r->swapped = false;
	} else if (__builtin_bswap32(magic) == MAGIC_USEC || __builtin_bswap32(magic) == MAGIC_NSEC) {
		r->swapped = true;
		magic = __builtin_bswap32(magic);
	} else if (magic == MAGIC_PCAPNG) {
		snprintf(err, errsz,
			 "this is a pcapng file; sonde reads classic pcap (convert it with "
			 "'editcap -F pcap IN OUT' or write it with 'tcpdump -w')");
		return -EINVAL;
	} else {
		snprintf(err, errsz, "not a pcap file (magic number %08x)", magic);
		return -EINVAL;
	}
	if (got < sizeof(h)) {
		snprintf(err, errsz, "truncated pcap file header");
		return -EINVAL;
	}
	r->nsec = magic == MAGIC_NSEC;
	r->version_major = get16(h + 4, r->swapped);
	r->version_minor = get16(h + 6, r->swapped);
	r->snaplen = get32(h + 16, r->swapped);
	/* the upper bits of network carry FCS information in newer files */
	r->linktype = get32(h + 20, r->swapped) & 0x0fffffff;
	if (r->version_major != 2) {
		snprintf(err, errsz, "unsupported pcap version %u.%u", r->version_major,
			 r->version_minor);
		return -EINVAL;
	}
	return 0;
}

int pcap_open(struct pcap_reader *r, const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "rbe");
	if (!f) {
		int e = errno;
		memset(r, 0, sizeof(*r));
		snprintf(err, errsz, "cannot open %s: %s", path, strerror(e));
		return -e;
	}
	int rc = pcap_open_file(r, f, err, errsz);
	r->own = true;
	if (rc) {
		fclose(f);
		r->f = NULL;
		r->own = false;
	}
	return rc;
}

int pcap_next(struct pcap_reader *r, struct pcap_packet *p, char *err, size_t errsz)
{
	uint8_t h[16];
	size_t got = fread(h, 1, sizeof(h), r->f);
	if (got == 0 && feof(r->f))
		return 0;
	uint64_t n = r->index + 1;
	if (got < sizeof(h)) {
		snprintf(err, errsz, "packet %llu: truncated record header", (unsigned long long)n);
		return -EINVAL;
	}
	uint32_t sec = get32(h, r->swapped), frac = get32(h + 4, r->swapped);
	uint32_t incl = get32(h + 8, r->swapped), orig = get32(h + 12, r->swapped);
	if (incl > PCAP_MAX_PACKET) {
		snprintf(err, errsz, "packet %llu: record of %u bytes is larger than %u (corrupt file?)",
			 (unsigned long long)n, incl, (unsigned)PCAP_MAX_PACKET);
		return -EINVAL;
	}
	if (incl > r->cap) {
		size_t cap = incl < 2048 ? 2048 : incl;
		uint8_t *nb = realloc(r->buf, cap);
		if (!nb) {
			snprintf(err, errsz, "out of memory");
			return -ENOMEM;
		}
		r->buf = nb;
		r->cap = cap;
	}
	if (incl && fread(r->buf, 1, incl, r->f) != incl) {
		snprintf(err, errsz, "packet %llu: truncated (the file ends inside it)",
			 (unsigned long long)n);
		return -EINVAL;
	}
	r->index = n;
	p->data = r->buf;
	p->caplen = incl;
	p->origlen = orig < incl ? incl : orig;
	p->ts_ns = (uint64_t)sec * 1000000000ull + (uint64_t)frac * (r->nsec ? 1 : 1000);
	return 1;
}

void pcap_close(struct pcap_reader *r)
{
	if (r->own && r->f)
		fclose(r->f);
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

const char *pcap_linktype_name(uint32_t linktype, char *buf, size_t size)
{
	switch (linktype) {
	case PCAP_LINKTYPE_ETHERNET:
		return "Ethernet";
	case PCAP_LINKTYPE_RAW:
		return "raw IP";
	case PCAP_LINKTYPE_IPV4:
		return "raw IPv4";
	case PCAP_LINKTYPE_IPV6:
		return "raw IPv6";
	case 113:
		return "Linux cooked capture (tcpdump -i any)";
	default:
		snprintf(buf, size, "link type %u", linktype);
		return buf;
	}
}

/* ---- writer ---------------------------------------------------------------- */

static void put(struct pcap_writer *w, const void *p, size_t n)
{
	if (w->error || !n)
		return;
	if (fwrite(p, 1, n, w->f) != n)
		w->error = errno ? errno : EIO;
}

int pcap_write_open(struct pcap_writer *w, const char *path, uint32_t linktype, uint32_t snaplen,
                    char *err, size_t errsz)
{
	memset(w, 0, sizeof(*w));
	w->f = fopen(path, "wbe");
	if (!w->f) {
		int e = errno;
		snprintf(err, errsz, "cannot create %s: %s", path, strerror(e));
		return -e;
	}
	struct {
		uint32_t magic;
		uint16_t major, minor;
		int32_t thiszone;
		uint32_t sigfigs, snaplen, linktype;
	} h = {MAGIC_USEC, 2, 4, 0, 0, snaplen, linktype};
	put(w, &h, sizeof(h));
	pcap_flush(w);
	if (w->error) {
		snprintf(err, errsz, "cannot write %s: %s", path, strerror(w->error));
		int e = w->error;
		fclose(w->f);
		w->f = NULL;
		return -e;
	}
	return 0;
}

void pcap_write_packet(struct pcap_writer *w, uint64_t ts_ns, const void *data, uint32_t caplen,
                       uint32_t origlen)
{
	uint32_t rec[4] = {(uint32_t)(ts_ns / 1000000000u), (uint32_t)(ts_ns % 1000000000u / 1000u),
	                   caplen, origlen};
	put(w, rec, sizeof(rec));
	put(w, data, caplen);
}

void pcap_flush(struct pcap_writer *w)
{
	if (!w->error && fflush(w->f))
		w->error = errno ? errno : EIO;
}

int pcap_write_close(struct pcap_writer *w)
{
	if (!w->f)
		return 0;
	pcap_flush(w);
	if (fclose(w->f) && !w->error)
		w->error = errno ? errno : EIO;
	w->f = NULL;
	return w->error;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t pcap_boot_to_epoch_ns(void)
{
	return clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_BOOTTIME);
}

size_t pcap_perf_buffer_pages(uint32_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	return page > 0 && bytes > (uint32_t)page ? bytes / (size_t)page : 1;
}
