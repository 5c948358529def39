/*
 * pcap.h - a reader for classic pcap capture files (what tcpdump -w and
 * Wireshark's "pcap" format write): both byte orders, microsecond and
 * nanosecond timestamps. pcapng is recognised and refused with a hint.
 * Used by --test-run (testrun.c) to feed packets to xdp and tc programs.
 * And a writer of the same format, for skboutput() (skbout.c).
 */
#ifndef SONDE_PCAP_H
#define SONDE_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Link types (the network field of the file header) testrun.c accepts. */
enum {
	PCAP_LINKTYPE_ETHERNET = 1,
	PCAP_LINKTYPE_RAW = 101,  /* bare IPv4 or IPv6 packets */
	PCAP_LINKTYPE_IPV4 = 228,
	PCAP_LINKTYPE_IPV6 = 229,
};

/* The largest packet record accepted (the reader refuses bigger ones as
 * a corrupt file rather than allocating what the file asks for). */
enum { PCAP_MAX_PACKET = 256 * 1024 };

struct pcap_reader {
	FILE *f;
	bool own;      /* fclose at pcap_close */
	bool swapped;  /* written on a host of the other byte order */
	bool nsec;     /* timestamps in nanoseconds */
	uint16_t version_major, version_minor;
	uint32_t snaplen;
	uint32_t linktype;
	uint64_t index;  /* packets read so far */
	uint8_t *buf;    /* the current packet, reused */
	size_t cap;
};

struct pcap_packet {
	const uint8_t *data; /* valid until the next pcap_next or pcap_close */
	uint32_t caplen;     /* bytes captured (the length of data) */
	uint32_t origlen;    /* bytes on the wire */
	uint64_t ts_ns;      /* timestamp, ns since the epoch */
};

/* Reads the file header. Returns 0, or -errno with a sentence in err
 * (-EINVAL: not a pcap file). pcap_open takes a path; pcap_open_file a
 * stream it will not close. */
int pcap_open(struct pcap_reader *r, const char *path, char *err, size_t errsz);
int pcap_open_file(struct pcap_reader *r, FILE *f, char *err, size_t errsz);
/* 1 and a packet, 0 at the end of the file, -errno with a sentence in err
 * (a truncated or corrupt record). */
int pcap_next(struct pcap_reader *r, struct pcap_packet *p, char *err, size_t errsz);
void pcap_close(struct pcap_reader *r);

/* Writes a classic pcap file: microsecond timestamps, this host's byte
 * order, the link type given. stdio buffers it: pcap_flush makes what was
 * written readable by others. */
struct pcap_writer {
	FILE *f;
	int error; /* the first write error (errno), kept for pcap_write_close */
};

/* Creates (or truncates) path and writes the file header. 0, or -errno
 * with a sentence in err. */
int pcap_write_open(struct pcap_writer *w, const char *path, uint32_t linktype, uint32_t snaplen,
                    char *err, size_t errsz);
/* One packet of caplen bytes (origlen on the wire) taken at ts_ns, ns
 * since the epoch. */
void pcap_write_packet(struct pcap_writer *w, uint64_t ts_ns, const void *data, uint32_t caplen,
                       uint32_t origlen);
void pcap_flush(struct pcap_writer *w);
/* Closes the file: 0, or the errno of the first write that failed. */
int pcap_write_close(struct pcap_writer *w);

/* For the packets BPF programs send through a perf buffer (capture and
 * skboutput()), stamped with bpf_ktime_get_boot_ns(): what to add to
 * that clock for ns since the epoch, read now. */
uint64_t pcap_boot_to_epoch_ns(void);
/* The pages a CPU of such a perf buffer of `bytes` a CPU: a power of two
 * as the kernel wants (so are the setting and a page), at least one. */
size_t pcap_perf_buffer_pages(uint32_t bytes);

/* A name for a link type in messages ("Ethernet", "raw IP", "linktype 113"). */
const char *pcap_linktype_name(uint32_t linktype, char *buf, size_t size);

#endif
