/*
 * capture.c - capture's pcap file (see capture.h).
 *
 * The file's link type is Ethernet: xdp and tc programs see the frame
 * from its Ethernet header on (tc on a device without one, such as a
 * tun or wireguard interface, starts at the IP header, which tcpdump
 * would misread: sonde's pkt fields assume Ethernet there too). Its
 * snaplen is the most bytes a capture of the script takes. Timestamps
 * are the kernel's boot-time clock at the capture, moved to the epoch by
 * the difference of the two clocks when the run started; under
 * --test-run, the packet's own time in the file it came from.
 *
 * Records are written as they are read; capture_drain flushes them, so
 * the file is whole after every drain and at exit, however the run
 * ends (Ctrl-C, SIGTERM, exit()).
 */
#define _GNU_SOURCE
#include "runtime/capture.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime/pcap.h"

struct capture {
	const char *path;
	struct pcap_writer w;
	struct perf_buffer *pb;
	uint64_t epoch_minus_boot_ns;
	uint64_t written, malformed;
	size_t pages; /* of the perf buffer, a CPU */
	/* --test-run: the file's packet the programs are running on */
	bool from_file;
	uint64_t file_ts_ns;
	uint32_t file_cut;
};

static void on_packet(void *ctx, int cpu, void *data, uint32_t size)
{
	(void)cpu;
	struct capture *c = ctx;
	struct capture_hdr h;
	if (size < sizeof(h)) {
		c->malformed++;
		return;
	}
	memcpy(&h, data, sizeof(h));
	if (h.caplen > size - sizeof(h) || h.caplen > h.origlen) {
		c->malformed++;
		return;
	}
	uint64_t ts = c->from_file ? c->file_ts_ns : h.boot_ns + c->epoch_minus_boot_ns;
	uint32_t origlen = c->from_file ? h.origlen + c->file_cut : h.origlen;
	pcap_write_packet(&c->w, ts, (const uint8_t *)data + sizeof(h), h.caplen, origlen);
	c->written++;
}

/* The programs count what the helper could not send (manifest.h's
 * COUNTER_LOST_CAPTURES): the kernel's lost records come late, or not at
 * all for the last losses of a run. */
static void on_lost(void *ctx, int cpu, unsigned long long count)
{
	(void)ctx;
	(void)cpu;
	(void)count;
}

struct capture *capture_open(const struct manifest *m, int map_fd, const char *path)
{
	struct capture *c = calloc(1, sizeof(*c));
	if (!c) {
		fprintf(stderr, "sonde: out of memory setting up capture\n");
		return NULL;
	}
	c->path = path;
	char err[512];
	uint32_t snaplen = m->capture_snaplen ? m->capture_snaplen : CAPTURE_MAX_BYTES;
	if (pcap_write_open(&c->w, path, PCAP_LINKTYPE_ETHERNET, snaplen, err, sizeof(err))) {
		fprintf(stderr, "sonde: -w: %s\n", err);
		free(c);
		return NULL;
	}
	c->epoch_minus_boot_ns = pcap_boot_to_epoch_ns();
	c->pages = pcap_perf_buffer_pages(m->skb_output_bytes);
	c->pb = perf_buffer__new(map_fd, c->pages, on_packet, on_lost, c, NULL);
	if (!c->pb) {
		fprintf(stderr, "sonde: cannot set up the perf buffer of capture: %s\n",
		        strerror(errno));
		capture_close(c, true, 0);
		return NULL;
	}
	return c;
}

int capture_epoll_fd(const struct capture *c)
{
	return perf_buffer__epoll_fd(c->pb);
}

void capture_set_source(struct capture *c, uint64_t ts_ns, uint32_t cut)
{
	c->from_file = true;
	c->file_ts_ns = ts_ns;
	c->file_cut = cut;
}

void capture_drain(struct capture *c)
{
	perf_buffer__consume(c->pb);
	pcap_flush(&c->w);
}

int capture_close(struct capture *c, bool quiet, uint64_t lost)
{
	if (!c)
		return 0;
	int rc = 0;
	if (c->pb)
		perf_buffer__consume(c->pb);
	perf_buffer__free(c->pb);
	int e = pcap_write_close(&c->w);
	if (e) {
		fprintf(stderr, "sonde: -w: cannot write %s: %s\n", c->path, strerror(e));
		rc = -1;
	} else if (!quiet) {
		fprintf(stderr, "sonde: %llu packet%s written to %s\n",
		        (unsigned long long)c->written, c->written == 1 ? "" : "s", c->path);
	}
	if (lost)
		fprintf(stderr,
		        "sonde: capture: %llu packet%s lost: the perf buffer (%zu page%s a CPU, "
		        "--ringbuf-size) was full\n",
		        (unsigned long long)lost, lost == 1 ? " was" : "s were", c->pages,
		        c->pages == 1 ? "" : "s");
	if (c->malformed)
		fprintf(stderr, "sonde: capture: %llu malformed record%s skipped\n",
		        (unsigned long long)c->malformed, c->malformed == 1 ? "" : "s");
	free(c);
	return rc;
}
