/*
 * loader.c - generic libbpf loader for the hand-written side of the bench.
 *
 *   loader [-p] [--once] [--print-map NAME] OBJ
 *   loader --test-run REPEAT [--packet udp4|tcp4|udp6] OBJ
 *
 * Opens and loads OBJ, then for every program:
 *   - BPF_PROG_TYPE_SYSCALL ("BEGIN" equivalent) and, with --test-run,
 *     the BEGIN probe of a sonde --emit-elf object (raw_tp/sonde_BEGIN):
 *     runs it once with BPF_PROG_TEST_RUN, before any other program;
 *   - XDP / SCHED_CLS with --test-run: runs it REPEAT times over a built-in
 *     packet and prints one line per program:
 *       test-run NAME ns=N retval=R
 *     (nothing is attached to any interface);
 *   - otherwise: attaches it the way its SEC() name says (bpf_program__attach).
 * It then prints "attached N" on stdout and, unless --once or --test-run,
 * waits for SIGINT/SIGTERM while consuming every ring-buffer map of the
 * object: it counts the records and, with -p, prints one line per record
 * ("ev V", V the first 4 bytes as an unsigned number), the user-space work
 * a tracer does to print an event. On exit it prints "records N" on stderr,
 * destroys every link and closes the object, so nothing it made outlives it.
 * --print-map NAME: after the links are gone, prints the hash map NAME
 * (u64 keys and values) the way bpftrace prints @NAME at exit: read with
 * BPF_MAP_LOOKUP_BATCH into two flat arrays, sorted by value.
 */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINKS 4096

static volatile sig_atomic_t stop;
static unsigned long long nrecords;
static int print_records;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int on_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	nrecords++;
	if (print_records) {
		unsigned int v = 0;
		memcpy(&v, data, size < sizeof(v) ? size : sizeof(v));
		printf("ev %u\n", v);
	}
	return 0;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN)
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/* A minimal Ethernet frame; the IP/L4 checksums are not checked by XDP. */
static size_t build_packet(const char *kind, unsigned char *p, size_t cap)
{
	memset(p, 0, cap);
	unsigned char *eth = p;
	memcpy(eth, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	size_t off = 14;
	int v6 = strcmp(kind, "udp6") == 0;
	int tcp = strcmp(kind, "tcp4") == 0;
	unsigned char l4proto = tcp ? 6 : 17;
	size_t l4len = tcp ? 20 : 8 + 18;
	if (v6) {
		eth[12] = 0x86, eth[13] = 0xdd;
		unsigned char *ip6 = p + off;
		ip6[0] = 0x60;
		ip6[4] = (unsigned char)(l4len >> 8), ip6[5] = (unsigned char)l4len;
		ip6[6] = l4proto;
		ip6[7] = 64;
		ip6[8] = 0xfd, ip6[23] = 1;  /* fd00::1 */
		ip6[24] = 0xfd, ip6[39] = 2; /* fd00::2 */
		off += 40;
	} else {
		eth[12] = 0x08, eth[13] = 0x00;
		unsigned char *ip = p + off;
		size_t tot = 20 + l4len;
		ip[0] = 0x45;
		ip[2] = (unsigned char)(tot >> 8), ip[3] = (unsigned char)tot;
		ip[8] = 64;
		ip[9] = l4proto;
		memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
		off += 20;
	}
	unsigned char *l4 = p + off;
	l4[0] = 0x30, l4[1] = 0x39; /* sport 12345 */
	l4[2] = 0x00, l4[3] = 0x35; /* dport 53 */
	if (tcp) {
		l4[12] = 0x50;
		l4[13] = 0x02; /* SYN */
	} else {
		l4[4] = (unsigned char)(l4len >> 8), l4[5] = (unsigned char)l4len;
	}
	off += l4len;
	return off < 60 ? 60 : off;
}

/* A SEC("syscall") program; with --test-run, also the BEGIN probe of
 * an object sonde --emit-elf wrote (raw_tp/sonde_BEGIN) */
static int is_begin(struct bpf_program *prog, unsigned int repeat)
{
	if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL)
		return 1;
	return repeat && bpf_program__type(prog) == BPF_PROG_TYPE_RAW_TRACEPOINT &&
	       !strcmp(bpf_program__section_name(prog), "raw_tp/sonde_BEGIN");
}

struct pair {
	unsigned long long key, value;
};

static int cmp_pairs(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Reads the whole of a u64 -> u64 hash map in batches and prints it
 * sorted by value; 0 or -1. */
static int print_map(struct bpf_object *obj, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
	if (!map || bpf_map__key_size(map) != 8 || bpf_map__value_size(map) != 8) {
		fprintf(stderr, "loader: no u64 map %s\n", name);
		return -1;
	}
	size_t cap = bpf_map__max_entries(map), n = 0;
	unsigned long long *keys = malloc(cap * 8), *vals = malloc(cap * 8);
	struct pair *pairs = malloc(cap * sizeof(*pairs));
	unsigned long long in = 0, out = 0;
	int first = 1, rc = 0;
	while (keys && vals && pairs && n < cap) {
		__u32 count = (__u32)(cap - n < 8192 ? cap - n : 8192);
		LIBBPF_OPTS(bpf_map_batch_opts, o);
		int err = bpf_map_lookup_batch(bpf_map__fd(map), first ? NULL : &in, &out, keys + n,
					       vals + n, &count, &o);
		if (err && errno != ENOENT) {
			fprintf(stderr, "loader: batch lookup of %s: %s\n", name, strerror(errno));
			rc = -1;
			break;
		}
		n += count;
		if (err)
			break;
		in = out;
		first = 0;
	}
	if (!keys || !vals || !pairs)
		rc = -1;
	if (!rc) {
		for (size_t i = 0; i < n; i++)
			pairs[i] = (struct pair){keys[i], vals[i]};
		qsort(pairs, n, sizeof(*pairs), cmp_pairs);
		fputs("\n\n", stdout);
		for (size_t i = 0; i < n; i++)
			printf("@%s[%llu]: %llu\n", name, pairs[i].key, pairs[i].value);
		fputs("\n", stdout);
	}
	free(keys);
	free(vals);
	free(pairs);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: loader [-p] [--once] [--print-map NAME] [--test-run REPEAT [--packet udp4|tcp4|udp6]] OBJ\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *packet = "udp4", *map_to_print = NULL;
	int once = 0;
	unsigned int repeat = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-p"))
			print_records = 1;
		else if (!strcmp(argv[i], "--once"))
			once = 1;
		else if (!strcmp(argv[i], "--test-run") && i + 1 < argc)
			repeat = (unsigned int)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--packet") && i + 1 < argc)
			packet = argv[++i];
		else if (!strcmp(argv[i], "--print-map") && i + 1 < argc)
			map_to_print = argv[++i];
		else if (argv[i][0] == '-' || path)
			usage();
		else
			path = argv[i];
	}
	if (!path)
		usage();

	/* Handlers without SA_RESTART so a signal interrupts poll(). */
	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	libbpf_set_print(libbpf_quiet);

	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		fprintf(stderr, "loader: cannot open %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (bpf_object__load(obj)) {
		fprintf(stderr, "loader: cannot load %s: %s\n", path, strerror(errno));
		bpf_object__close(obj);
		return 1;
	}

	static struct bpf_link *links[MAX_LINKS];
	int nlinks = 0, rc = 0;
	struct bpf_program *prog;
	/* the BEGIN equivalents first, whatever their place in the object:
	 * they fill the maps the packet programs read (with --test-run, sonde's
	 * own BEGIN of an --emit-elf object too) */
	bpf_object__for_each_program(prog, obj) {
		if (!is_begin(prog, repeat))
			continue;
		LIBBPF_OPTS(bpf_test_run_opts, o);
		if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o)) {
			fprintf(stderr, "loader: test run of %s: %s\n", bpf_program__name(prog), strerror(errno));
			rc = 1;
		}
	}
	bpf_object__for_each_program(prog, obj) {
		enum bpf_prog_type type = bpf_program__type(prog);
		int fd = bpf_program__fd(prog);
		if (is_begin(prog, repeat))
			continue;
		if (type == BPF_PROG_TYPE_XDP || type == BPF_PROG_TYPE_SCHED_CLS) {
			if (!repeat)
				continue; /* never attach to an interface */
			unsigned char pkt[128], out[256];
			size_t len = build_packet(packet, pkt, sizeof(pkt));
			LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkt, .data_size_in = (unsigned int)len,
				    .data_out = out, .data_size_out = sizeof(out), .repeat = repeat);
			/* best of 5 rounds: the least disturbed by other work */
			double wall = 1e18;
			unsigned int dur = ~0u;
			int err = 0;
			for (int round = 0; round < 5 && !err; round++) {
				struct timespec t0, t1;
				o.data_size_out = sizeof(out);
				clock_gettime(CLOCK_MONOTONIC, &t0);
				err = bpf_prog_test_run_opts(fd, &o);
				clock_gettime(CLOCK_MONOTONIC, &t1);
				double w = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / repeat;
				wall = w < wall ? w : wall;
				dur = o.duration < dur ? o.duration : dur;
			}
			if (err) {
				fprintf(stderr, "loader: test run of %s: %s\n", bpf_program__name(prog), strerror(errno));
				rc = 1;
				continue;
			}
			printf("test-run %s ns=%u wall_ns=%.2f retval=%u\n", bpf_program__name(prog), dur, wall, o.retval);
			continue;
		}
		if (repeat)
			continue;
		if (nlinks == MAX_LINKS) {
			fprintf(stderr, "loader: too many programs\n");
			rc = 1;
			break;
		}
		struct bpf_link *l = bpf_program__attach(prog);
		if (!l) {
			fprintf(stderr, "loader: cannot attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			rc = 1;
			break;
		}
		links[nlinks++] = l;
	}
	printf("attached %d\n", nlinks);
	fflush(stdout);

	struct ring_buffer *rb = NULL;
	if (!rc && !once && !repeat) {
		struct bpf_map *map;
		bpf_object__for_each_map(map, obj) {
			if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
				continue;
			if (!rb)
				rb = ring_buffer__new(bpf_map__fd(map), on_record, NULL, NULL);
			else
				ring_buffer__add(rb, bpf_map__fd(map), on_record, NULL);
		}
		while (!stop) {
			if (rb) {
				int n = ring_buffer__poll(rb, 100);
				if (n > 0)
					fflush(stdout);
				else if (n < 0 && n != -EINTR)
					break;
			} else {
				usleep(20000);
			}
		}
		if (rb)
			ring_buffer__consume(rb);
		fflush(stdout);
	}
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	if (map_to_print && !rc && print_map(obj, map_to_print))
		rc = 1;
	fflush(stdout);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	fprintf(stderr, "records %llu\n", nrecords);
	return rc;
}
