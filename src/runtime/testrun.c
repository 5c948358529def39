/*
 * testrun.c - --test-run FILE.pcap (see testrun.h).
 *
 * Every packet of the file goes, in file order, through every xdp and tc
 * program of the script (in script order), each run once with
 * BPF_PROG_TEST_RUN. The program sees the packet as it would on the
 * interface its probe names: the ifindex of that interface is passed in
 * the context when the kernel accepts it. Packets of raw-IP captures get
 * an Ethernet header first. What each program returned is counted under
 * the verdict's name and printed as
 *
 *   xdp:eth0: 12 packets: pass 9, drop 3
 *   {"type": "test_run", "data": {"probe": "xdp:eth0", "packets": 12,
 *    "verdicts": {"pass": 9, "drop": 3}}}
 *
 * Packets the kernel cannot test-run (shorter than an Ethernet header, or
 * bigger than XDP's one page) are counted as "skipped".
 */
#define _GNU_SOURCE
#include "runtime/testrun.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/pcap.h"
#include "probes/provider.h"
#include "runtime/runtime.h"

/* Counts per name of the provider's verdicts (provider.h), then values
 * with no name, then packets the kernel could not run. */
enum { MAX_NAMES = 16, OTHER = MAX_NAMES, SKIPPED = MAX_NAMES + 1, NCOUNTS = MAX_NAMES + 2 };

struct prog_run {
	const struct probe_desc *pd;
	const struct provider *prov;
	int fd;
	int ifindex;  /* passed in the context while the kernel accepts it */
	uint64_t packets;
	uint64_t counts[NCOUNTS];
	int64_t other_value; /* the last value that has no name */
};

static void count(struct prog_run *pr, int64_t ret)
{
	const struct verdict *names = pr->prov->verdicts;
	for (int i = 0; names[i].name && i < MAX_NAMES; i++) {
		if (names[i].value == ret) {
			/* the first entry with this name holds the count */
			for (int j = 0; j <= i; j++)
				if (!strcmp(names[j].name, names[i].name)) {
					pr->counts[j]++;
					return;
				}
		}
	}
	pr->counts[OTHER]++;
	pr->other_value = ret;
}

/* 0, 1 (the kernel cannot run this packet: skipped), or -errno */
static int run_one(struct prog_run *pr, const uint8_t *data, uint32_t len, int64_t *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = len, .repeat = 1);
	_Alignas(8) unsigned char ctx[256];
	if (pr->ifindex > 0) {
		o.ctx_in = ctx;
		o.ctx_size_in = (uint32_t)pr->prov->test_run_ctx(ctx, sizeof(ctx), len, pr->ifindex);
	}
	int err = bpf_prog_test_run_opts(pr->fd, &o);
	if (err && pr->ifindex > 0 && (errno == EINVAL || errno == ENODEV)) {
		/* a kernel that takes no ifindex here: run as on loopback */
		pr->ifindex = 0;
		return run_one(pr, data, len, ret);
	}
	if (err) {
		if (errno == EINVAL && (len < 14 || len > 3000))
			return 1;
		return -errno;
	}
	*ret = (int32_t)o.retval;
	return 0;
}

static void print_summary(struct printer *p, const struct prog_run *pr)
{
	bool json = p->format == OUT_JSON;
	if (json)
		fprintf(p->out,
			"{\"type\": \"test_run\", \"data\": {\"probe\": \"%s\", \"packets\": %llu, "
			"\"verdicts\": {",
			pr->pd->spec, (unsigned long long)pr->packets);
	else
		fprintf(p->out, "%s: %llu packet%s", pr->pd->spec, (unsigned long long)pr->packets,
			pr->packets == 1 ? "" : "s");
	int shown = 0;
	for (int i = 0; i < NCOUNTS; i++) {
		if (!pr->counts[i])
			continue;
		char other[32];
		const char *name =
			i == OTHER ? other : i == SKIPPED ? "skipped" : pr->prov->verdicts[i].name;
		if (i == OTHER)
			snprintf(other, sizeof(other), "other(%lld)", (long long)pr->other_value);
		if (json)
			fprintf(p->out, "%s\"%s\": %llu", shown ? ", " : "", name,
				(unsigned long long)pr->counts[i]);
		else
			fprintf(p->out, "%s%s %llu", shown ? ", " : ": ", name,
				(unsigned long long)pr->counts[i]);
		shown++;
	}
	fputs(json ? "}}}\n" : "\n", p->out);
}

/* Raw-IP captures: the programs expect Ethernet, so give them a header
 * (zero addresses, the type from the IP version). */
static const uint8_t *as_ethernet(uint32_t linktype, const uint8_t *data, uint32_t len,
				  uint8_t *buf, uint32_t *outlen)
{
	if (linktype == PCAP_LINKTYPE_ETHERNET) {
		*outlen = len;
		return data;
	}
	uint16_t type = linktype == PCAP_LINKTYPE_IPV6 ? 0x86dd : 0x0800;
	if (linktype == PCAP_LINKTYPE_RAW && len && (data[0] >> 4) == 6)
		type = 0x86dd;
	memset(buf, 0, 12);
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
	memcpy(buf + 14, data, len);
	*outlen = len + 14;
	return buf;
}

int testrun_packets(const struct manifest *m, struct bpf_program **progs, const char *path,
		    struct printer *p, bool quiet, const struct testrun_hooks *hooks)
{
	struct prog_run *runs = calloc(m->nprobes + 1, sizeof(*runs));
	uint8_t *ethbuf = malloc(PCAP_MAX_PACKET + 14);
	if (!runs || !ethbuf) {
		free(runs);
		free(ethbuf);
		fprintf(stderr, "sonde: out of memory\n");
		return EXIT_SYSTEM;
	}
	uint32_t nruns = 0;
	for (uint32_t i = 0; i < m->nprobes; i++) {
		const struct provider *prov = provider_find(m->probes[i].provider);
		if (!prov)
			continue;
		if (!prov->test_run_ctx || !prov->verdicts) {
			if (prov->run == RUN_ATTACHED)
				fprintf(stderr,
					"sonde: note: --test-run attaches nothing: probe '%s' (line "
					"%d) does not run\n",
					m->probes[i].spec, m->probes[i].script_line);
			continue;
		}
		struct prog_run *pr = &runs[nruns++];
		pr->pd = &m->probes[i];
		pr->prov = prov;
		pr->fd = bpf_program__fd(progs[i]);
		pr->ifindex = pr->pd->target ? (int)if_nametoindex(pr->pd->target) : 0;
	}
	int rc = EXIT_OK;
	struct pcap_reader r = {0};
	char err[512];
	if (!nruns) {
		fprintf(stderr, "sonde: --test-run runs xdp and tc probes over the packets of a "
				"file, and this script has none\n");
		rc = EXIT_USAGE;
		goto out;
	}
	if (pcap_open(&r, path, err, sizeof(err))) {
		fprintf(stderr, "sonde: --test-run %s: %s\n", path, err);
		rc = EXIT_USAGE;
		goto out;
	}
	if (r.linktype != PCAP_LINKTYPE_ETHERNET && r.linktype != PCAP_LINKTYPE_RAW &&
	    r.linktype != PCAP_LINKTYPE_IPV4 && r.linktype != PCAP_LINKTYPE_IPV6) {
		char buf[32];
		fprintf(stderr,
			"sonde: --test-run %s: the packets are %s; sonde runs Ethernet and raw IP "
			"captures (capture on one interface, not 'any')\n",
			path, pcap_linktype_name(r.linktype, buf, sizeof(buf)));
		rc = EXIT_USAGE;
		goto out;
	}
	if (!quiet && p->format == OUT_TEXT) {
		fprintf(p->out, "Running %u probe%s over the packets of %s...\n", nruns,
			nruns == 1 ? "" : "s", path);
		fflush(p->out);
	}
	struct pcap_packet pkt;
	int got;
	bool stopped = false;
	while (!stopped && (got = pcap_next(&r, &pkt, err, sizeof(err))) == 1) {
		uint32_t len;
		const uint8_t *data = as_ethernet(r.linktype, pkt.data, pkt.caplen, ethbuf, &len);
		if (hooks && hooks->packet)
			hooks->packet(hooks->arg, pkt.ts_ns, pkt.origlen - pkt.caplen);
		for (uint32_t i = 0; i < nruns; i++) {
			struct prog_run *pr = &runs[i];
			int64_t ret = 0;
			int e = run_one(pr, data, len, &ret);
			pr->packets++;
			if (e == 1) {
				pr->counts[SKIPPED]++;
				continue;
			}
			if (e < 0) {
				fprintf(stderr, "sonde: running probe '%s' on packet %llu failed: %s\n",
					pr->pd->spec, (unsigned long long)r.index, strerror(-e));
				rc = EXIT_SYSTEM;
				stopped = true;
				break;
			}
			count(pr, ret);
			if (hooks && hooks->drain)
				hooks->drain(hooks->arg);
			if (hooks && hooks->stop && hooks->stop(hooks->arg)) {
				stopped = true;
				break;
			}
		}
	}
	if (!stopped && got < 0) {
		fprintf(stderr, "sonde: --test-run %s: %s\n", path, err);
		rc = EXIT_USAGE;
	}
	for (uint32_t i = 0; i < nruns; i++)
		print_summary(p, &runs[i]);
	fflush(p->out);
out:
	pcap_close(&r);
	free(runs);
	free(ethbuf);
	return rc;
}
