/*
 * skbout.c - skboutput()'s pcap files (see skbout.h).
 *
 * The files are raw IP (link type 101): what bpftrace writes, since the
 * data of an skb starts at its network header in most places it is traced
 * (ip_rcv, tcp_v4_rcv); OFFSET cuts what comes before it elsewhere (14 for
 * an Ethernet header at __dev_queue_xmit). Timestamps are the kernel's
 * boot-time clock at the call, moved to the epoch by the difference of the
 * two clocks when the run started.
 */
#define _GNU_SOURCE
#include "runtime/skbout.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/pcap.h"

/* The largest record written whole; a longer packet keeps its length
 * (origlen) and loses its tail, as tcpdump's readers expect. */
enum { SKBOUT_SNAPLEN = 262144 };

struct skbout_file {
	const char *path;
	struct pcap_writer w;
};

struct skbout {
	const struct manifest *m;
	struct perf_buffer *pb;
	struct skbout_file *files;
	uint32_t nfiles;
	uint32_t *file_of; /* by call id: index in files */
	uint64_t epoch_minus_boot_ns;
	uint64_t lost, malformed;
	size_t pages; /* of the perf buffer, a CPU */
};

static void on_packet(void *ctx, int cpu, void *data, uint32_t size)
{
	(void)cpu;
	struct skbout *s = ctx;
	struct skb_output_hdr h;
	if (size < sizeof(h)) {
		s->malformed++;
		return;
	}
	memcpy(&h, data, sizeof(h));
	if (h.id >= s->m->nskb_outputs || h.caplen > size - sizeof(h)) {
		s->malformed++;
		return;
	}
	uint32_t offset = s->m->skb_outputs[h.id].offset;
	if (offset >= h.caplen)
		return; /* nothing is left of it: bpftrace writes no record either */
	const uint8_t *pkt = (const uint8_t *)data + sizeof(h) + offset;
	uint32_t len = h.caplen - offset;
	pcap_write_packet(&s->files[s->file_of[h.id]].w, h.boot_ns + s->epoch_minus_boot_ns, pkt,
	                  len < SKBOUT_SNAPLEN ? len : SKBOUT_SNAPLEN, len);
}

static void on_lost(void *ctx, int cpu, unsigned long long count)
{
	(void)cpu;
	struct skbout *s = ctx;
	s->lost += count;
}

struct skbout *skbout_open(const struct manifest *m, int map_fd)
{
	struct skbout *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->m = m;
	s->files = calloc(m->nskb_outputs + 1, sizeof(*s->files));
	s->file_of = calloc(m->nskb_outputs + 1, sizeof(*s->file_of));
	if (!s->files || !s->file_of) {
		fprintf(stderr, "sonde: out of memory setting up skboutput()\n");
		skbout_close(s);
		return NULL;
	}
	for (uint32_t i = 0; i < m->nskb_outputs; i++) {
		uint32_t f = 0;
		while (f < s->nfiles && strcmp(s->files[f].path, m->skb_outputs[i].path))
			f++;
		s->file_of[i] = f;
		if (f < s->nfiles)
			continue;
		char err[512];
		if (pcap_write_open(&s->files[f].w, m->skb_outputs[i].path, PCAP_LINKTYPE_RAW,
		                    SKBOUT_SNAPLEN, err, sizeof(err))) {
			fprintf(stderr, "sonde: skboutput(): %s\n", err);
			skbout_close(s);
			return NULL;
		}
		s->files[f].path = m->skb_outputs[i].path;
		s->nfiles++;
	}
	s->epoch_minus_boot_ns = pcap_boot_to_epoch_ns();
	s->pages = pcap_perf_buffer_pages(m->skb_output_bytes);
	s->pb = perf_buffer__new(map_fd, s->pages, on_packet, on_lost, s, NULL);
	if (!s->pb) {
		fprintf(stderr, "sonde: cannot set up the perf buffer of skboutput(): %s\n",
		        strerror(errno));
		skbout_close(s);
		return NULL;
	}
	return s;
}

int skbout_epoll_fd(const struct skbout *s)
{
	return perf_buffer__epoll_fd(s->pb);
}

void skbout_drain(struct skbout *s)
{
	perf_buffer__consume(s->pb);
	for (uint32_t i = 0; i < s->nfiles; i++)
		pcap_flush(&s->files[i].w);
}

int skbout_close(struct skbout *s)
{
	if (!s)
		return 0;
	int rc = 0;
	if (s->pb)
		perf_buffer__consume(s->pb);
	perf_buffer__free(s->pb);
	for (uint32_t i = 0; i < s->nfiles; i++) {
		int e = pcap_write_close(&s->files[i].w);
		if (e) {
			fprintf(stderr, "sonde: skboutput(): cannot write %s: %s\n",
			        s->files[i].path, strerror(e));
			rc = -1;
		}
	}
	if (s->lost)
		fprintf(stderr,
		        "sonde: skboutput(): %llu packet%s lost: the perf buffer (%zu pages a "
		        "CPU, perf_rb_pages) was full\n",
		        (unsigned long long)s->lost, s->lost == 1 ? " was" : "s were", s->pages);
	if (s->malformed)
		fprintf(stderr, "sonde: skboutput(): %llu malformed record%s skipped\n",
		        (unsigned long long)s->malformed, s->malformed == 1 ? "" : "s");
	free(s->files);
	free(s->file_of);
	free(s);
	return rc;
}
