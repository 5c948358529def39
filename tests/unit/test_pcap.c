/*
 * test_pcap.c - unit tests for pcap.c: both byte orders, microsecond and
 * nanosecond files, link types, and the errors for pcapng, garbage,
 * truncated records and absurd record sizes. Files are built in memory
 * and read through fmemopen. The writer (skboutput's) is read back by the
 * reader, byte for byte.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/pcap.h"

struct buf {
	uint8_t d[4096];
	size_t n;
};

static void put32(struct buf *b, uint32_t v, bool be)
{
	for (int i = 0; i < 4; i++)
		b->d[b->n++] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
}

static void put16(struct buf *b, uint16_t v, bool be)
{
	b->d[b->n++] = (uint8_t)(be ? v >> 8 : v);
	b->d[b->n++] = (uint8_t)(be ? v : v >> 8);
}

static void header(struct buf *b, uint32_t magic, bool be, uint32_t linktype)
{
	put32(b, magic, be);
	put16(b, 2, be);
	put16(b, 4, be);
	put32(b, 0, be);
	put32(b, 0, be);
	put32(b, 65535, be);
	put32(b, linktype, be);
}

static void record(struct buf *b, bool be, uint32_t sec, uint32_t frac, uint32_t len,
		   uint32_t orig, uint8_t fill)
{
	put32(b, sec, be);
	put32(b, frac, be);
	put32(b, len, be);
	put32(b, orig, be);
	memset(b->d + b->n, fill, len);
	b->n += len;
}

static FILE *open_buf(struct buf *b)
{
	FILE *f = fmemopen(b->d, b->n, "rb");
	assert_non_null(f);
	return f;
}

static void read_two(bool be, bool nsec)
{
	struct buf b = {0};
	header(&b, nsec ? 0xa1b23c4d : 0xa1b2c3d4, be, 1);
	record(&b, be, 10, 5, 60, 60, 0xaa);
	record(&b, be, 11, 7, 20, 1500, 0xbb);
	FILE *f = open_buf(&b);
	struct pcap_reader r;
	char err[256];
	assert_int_equal(pcap_open_file(&r, f, err, sizeof(err)), 0);
	assert_int_equal(r.linktype, PCAP_LINKTYPE_ETHERNET);
	assert_int_equal(r.swapped, be != (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__));
	assert_int_equal(r.nsec, nsec);
	struct pcap_packet p;
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 1);
	assert_int_equal(p.caplen, 60);
	assert_int_equal(p.origlen, 60);
	assert_int_equal(p.data[0], 0xaa);
	assert_int_equal(p.data[59], 0xaa);
	assert_int_equal(p.ts_ns, 10000000000ull + (nsec ? 5 : 5000));
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 1);
	assert_int_equal(p.caplen, 20);
	assert_int_equal(p.origlen, 1500);
	assert_int_equal(p.data[19], 0xbb);
	assert_int_equal(r.index, 2);
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 0);
	pcap_close(&r);
	fclose(f);
}

static void test_little_usec(void **state)
{
	read_two(false, false);
}

static void test_big_usec(void **state)
{
	read_two(true, false);
}

static void test_little_nsec(void **state)
{
	read_two(false, true);
}

static void test_big_nsec(void **state)
{
	read_two(true, true);
}

static int open_err(struct buf *b, char *err, size_t errsz)
{
	FILE *f = open_buf(b);
	struct pcap_reader r;
	int rc = pcap_open_file(&r, f, err, errsz);
	pcap_close(&r);
	fclose(f);
	return rc;
}

static void test_not_pcap(void **state)
{
	char err[256];
	struct buf b = {.n = 24};
	memcpy(b.d, "hello, this is not pcap", 24);
	assert_int_equal(open_err(&b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a pcap file"));

	struct buf ng = {0};
	put32(&ng, 0x0a0d0d0a, false);
	put32(&ng, 28, false);
	put32(&ng, 0x1a2b3c4d, false);
	ng.n = 28;
	assert_int_equal(open_err(&ng, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "pcapng"));

	struct buf e = {0};
	assert_int_equal(open_err(&e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));

	struct buf shorth = {0};
	put32(&shorth, 0xa1b2c3d4, false);
	put16(&shorth, 2, false);
	assert_int_equal(open_err(&shorth, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "truncated"));
}

static void test_truncated_record(void **state)
{
	struct buf b = {0};
	header(&b, 0xa1b2c3d4, false, 1);
	record(&b, false, 1, 0, 60, 60, 1);
	b.n -= 10; /* the file ends inside the packet */
	FILE *f = open_buf(&b);
	struct pcap_reader r;
	char err[256];
	assert_int_equal(pcap_open_file(&r, f, err, sizeof(err)), 0);
	struct pcap_packet p;
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "packet 1: truncated"));
	pcap_close(&r);
	fclose(f);
}

static void test_huge_record(void **state)
{
	struct buf b = {0};
	header(&b, 0xa1b2c3d4, false, 1);
	put32(&b, 0, false);
	put32(&b, 0, false);
	put32(&b, 0x7fffffff, false);
	put32(&b, 0x7fffffff, false);
	FILE *f = open_buf(&b);
	struct pcap_reader r;
	char err[256];
	assert_int_equal(pcap_open_file(&r, f, err, sizeof(err)), 0);
	struct pcap_packet p;
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "corrupt"));
	pcap_close(&r);
	fclose(f);
}

static void test_linktypes(void **state)
{
	char buf[32];
	struct buf b = {0};
	header(&b, 0xa1b2c3d4, false, 0x10000000 | 101); /* FCS bits are masked */
	FILE *f = open_buf(&b);
	struct pcap_reader r;
	char err[256];
	assert_int_equal(pcap_open_file(&r, f, err, sizeof(err)), 0);
	assert_int_equal(r.linktype, PCAP_LINKTYPE_RAW);
	struct pcap_packet p;
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 0);
	pcap_close(&r);
	fclose(f);
	assert_string_equal(pcap_linktype_name(1, buf, sizeof(buf)), "Ethernet");
	assert_string_equal(pcap_linktype_name(147, buf, sizeof(buf)), "link type 147");
}

static void test_open_missing(void **state)
{
	struct pcap_reader r;
	char err[256];
	assert_int_equal(pcap_open(&r, "/nonexistent/sonde.pcap", err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot open /nonexistent/sonde.pcap"));
	pcap_close(&r);
}

/* what the writer writes, the reader reads: header, timestamps to the
 * microsecond, lengths, bytes; a second open of the path empties it */
static void test_write_read_back(void **state)
{
	(void)state;
	char dir[] = "/tmp/sonde-pcap-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[64];
	snprintf(path, sizeof(path), "%s/w.pcap", dir);
	char err[256];
	struct pcap_writer w;
	assert_int_equal(pcap_write_open(&w, path, PCAP_LINKTYPE_RAW, 262144, err, sizeof(err)),
			 0);
	pcap_write_packet(&w, 1700000000123456789ull, "stale", 5, 5);
	assert_int_equal(pcap_write_close(&w), 0);
	assert_int_equal(pcap_write_open(&w, path, PCAP_LINKTYPE_RAW, 262144, err, sizeof(err)),
			 0);
	const uint8_t ip[] = {0x45, 0, 0, 20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	pcap_write_packet(&w, 1700000001999999999ull, ip, sizeof(ip), 60);
	pcap_write_packet(&w, 5000, ip, 4, 4);
	assert_int_equal(pcap_write_close(&w), 0);

	struct pcap_reader r;
	assert_int_equal(pcap_open(&r, path, err, sizeof(err)), 0);
	assert_int_equal(r.linktype, PCAP_LINKTYPE_RAW);
	assert_int_equal(r.snaplen, 262144);
	assert_false(r.nsec);
	assert_int_equal(r.version_major, 2);
	assert_int_equal(r.version_minor, 4);
	struct pcap_packet p;
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 1);
	assert_int_equal(p.caplen, sizeof(ip));
	assert_int_equal(p.origlen, 60);
	assert_true(p.ts_ns == 1700000001999999000ull);
	assert_memory_equal(p.data, ip, sizeof(ip));
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 1);
	assert_int_equal(p.caplen, 4);
	assert_true(p.ts_ns == 5000);
	assert_int_equal(pcap_next(&r, &p, err, sizeof(err)), 0);
	pcap_close(&r);
	unlink(path);
	rmdir(dir);
}

static void test_write_open_fails(void **state)
{
	(void)state;
	struct pcap_writer w;
	char err[256];
	assert_int_equal(pcap_write_open(&w, "/nonexistent/sonde.pcap", PCAP_LINKTYPE_RAW, 65535,
					 err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "cannot create /nonexistent/sonde.pcap: No such file or directory");
	assert_int_equal(pcap_write_close(&w), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_little_usec),	 cmocka_unit_test(test_big_usec),
		cmocka_unit_test(test_little_nsec),	 cmocka_unit_test(test_big_nsec),
		cmocka_unit_test(test_not_pcap),	 cmocka_unit_test(test_truncated_record),
		cmocka_unit_test(test_huge_record),	 cmocka_unit_test(test_linktypes),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_write_read_back),
		cmocka_unit_test(test_write_open_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
