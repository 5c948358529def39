/*
 * runtime.c - the run loop (see runtime.h).
 *
 * Order of events, as bpftrace users expect: "Attaching N probes...",
 * BEGIN runs (BPF_PROG_TEST_RUN), the other probes attach, ring-buffer
 * records are printed as they arrive, and on exit() or a signal every
 * probe is detached, END runs, the ring buffer is drained and the maps are
 * printed. Signals are blocked for the whole run and read from a signalfd,
 * so a Ctrl-C can never land between creating a link and recording it:
 * every path out of rt_run goes through the same cleanup. SIGUSR1 prints
 * the maps and the run goes on (signals.h).
 */
#define _GNU_SOURCE
#include "runtime/runtime.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "builtins/builtins.h"
#include "front/arena.h"
#include "runtime/dwtables.h"
#include "runtime/exposition.h"
#include "runtime/leftover.h"
#include "runtime/metrics.h"
#include "runtime/loader.h"
#include "runtime/mapfile.h"
#include "runtime/pin.h"
#include "runtime/capture.h"
#include "runtime/skbout.h"
#include "probes/provider.h"
#include "kernel/host.h"
#include "kernel/symbols.h"
#include "runtime/testrun.h"

struct run {
	const struct program *p;
	const struct rt_options *o;
	struct printer pr;
	struct loaded ld;
	struct rt_attachment att;
	struct pin_state pins;
	struct ring_buffer *rb;
	struct skbout *skb; /* skboutput()'s files, NULL when no call makes packets */
	struct capture *cap; /* capture's -w file, NULL when the script has none */
	struct sig_state *sig;
	bool stop;
	bool exit_seen, in_end;
	bool probes_failed; /* --test: a test failed; --bench: a benchmark did */
	int ncpus;
	uint64_t lost_reported;
	uint64_t lost_captures_reported;
	uint32_t skipped; /* probes attach_all() could not attach and went on without */
	/* per map: a keyless aggregation's slot that zero() reset after an
	 * event had reached it; it prints as zeros (bpftrace keeps the entry)
	 * until clear() */
	bool *zeroed;
	/* While a print() reads and writes a map, the ring buffer is still
	 * read (print_map), or the events behind it would be lost once it is
	 * full: the records are kept here, each a size_t and its bytes padded
	 * to 8, and handled in their order once the map is out. */
	struct {
		uint8_t *data;
		size_t len, cap;
	} deferred;
	bool deferring, replaying;
	bool in_consume; /* inside ring_buffer__consume() */
};

/* Reads the signals that came (the output may have read some while it
 * waited); true when one asks sonde to stop. A reader of the output that
 * went away, or output that cannot be written, stops the run too. */
static bool signal_pending_now(struct run *r)
{
	sig_read_pending(r->sig);
	if (r->sig->nstops || (r->o->sink && sink_broken(r->o->sink)))
		r->stop = true;
	return r->stop;
}

/* ---- maps ----------------------------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Reads every entry of a map into flat key and value arrays. A keyless
 * aggregation is a one-slot array whose slot always exists: count() and
 * sum() (a plain u64, AGG_LAYOUT_U64) print their zero as bpftrace does;
 * for the others an all-zero slot means no event reached it, and the map
 * prints as empty. */
static bool untouched_is_empty(const struct map_desc *d)
{
	return d->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY && agg_infos[d->agg].layout != AGG_LAYOUT_U64;
}

/* Keeps the entries read into keys[0..n) and vals[0..n) that count: an
 * untouched keyless slot is no entry (untouched_is_empty). */
static size_t drop_empty(const struct map_desc *d, bool zero_is_empty, uint8_t *keys,
			 uint8_t *vals, size_t n, size_t vslot)
{
	if (!zero_is_empty)
		return n;
	size_t kept = 0;
	for (size_t i = 0; i < n; i++) {
		if (all_zero(vals + i * vslot, vslot))
			continue;
		if (kept != i) {
			memcpy(keys + kept * d->key_size, keys + i * d->key_size, d->key_size);
			memcpy(vals + kept * vslot, vals + i * vslot, vslot);
		}
		kept++;
	}
	return kept;
}

/* Grows keys and vals to hold `cap` entries; false when out of memory. */
static bool grow_entries(uint8_t **keys, uint8_t **vals, size_t cap, size_t key_size,
			 size_t vslot)
{
	uint8_t *nk = realloc(*keys, cap * key_size);
	if (!nk)
		return false;
	*keys = nk;
	uint8_t *nv = realloc(*vals, cap * vslot);
	if (!nv)
		return false;
	*vals = nv;
	return true;
}

/* The whole map with BPF_MAP_LOOKUP_BATCH (Linux 5.6): a syscall per few
 * thousand entries, where a key-by-key walk makes two per entry (and the
 * kernel's get_next_key rescans the key's bucket each time). 0, -ENOMEM,
 * or -EOPNOTSUPP/-EINVAL when the map or kernel cannot (the caller walks
 * key by key then). */
static int read_map_batched(int fd, const struct map_desc *d, size_t vslot, uint8_t **keys,
                            uint8_t **vals, size_t *n_out, const struct printer *pr)
{
	size_t cap = 4096, n = 0;
	/* the batch token: a bucket or index, never larger than 8 bytes or a key */
	size_t token_size = d->key_size > 8 ? d->key_size : 8;
	uint8_t *in = calloc(1, token_size), *out = calloc(1, token_size);
	int err = 0;
	if (!in || !out || !grow_entries(keys, vals, cap, d->key_size, vslot)) {
		err = -ENOMEM;
		goto done;
	}
	bool first = true;
	/* entries a call may return; a hash bucket comes whole, and one
	 * larger than this makes the call fail with ENOSPC */
	size_t want = 4096;
	for (;;) {
		if (n + want > cap) {
			while (n + want > cap)
				cap *= 2;
			if (!grow_entries(keys, vals, cap, d->key_size, vslot)) {
				err = -ENOMEM;
				goto done;
			}
		}
		uint32_t count = (uint32_t)want;
		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		int rc = bpf_map_lookup_batch(fd, first ? NULL : in, out, *keys + n * d->key_size,
					      *vals + n * vslot, &count, &opts);
		int e = rc < 0 ? errno : 0;
		if (rc < 0 && e == ENOSPC && count == 0) {
			/* the next bucket holds more than `want` entries */
			want *= 2;
			if (want > (1u << 24)) {
				err = -ENOSPC;
				goto done;
			}
			continue;
		}
		if (rc < 0 && e != ENOENT) {
			err = -e;
			goto done;
		}
		n += count;
		if (rc < 0) /* ENOENT: that was the last batch */
			break;
		if (pr->busy)
			pr->busy(pr->busy_arg);
		memcpy(in, out, token_size);
		first = false;
	}
	*n_out = n;
done:
	free(in);
	free(out);
	return err;
}

static int read_map(struct run *r, uint32_t index, uint8_t **keys_out, uint8_t **vals_out,
		    size_t *n_out)
{
	const struct map_desc *d = &r->p->m.maps[index];
	int fd = bpf_map__fd(r->ld.maps[index]);
	bool zero_is_empty = untouched_is_empty(d) && !(r->zeroed && r->zeroed[index]);
	size_t vslot = d->percpu ? (size_t)((d->value_size + 7) / 8 * 8) * (size_t)r->ncpus
				 : d->value_size;
	size_t cap = 64, n = 0;
	uint8_t *keys = NULL, *vals = NULL;
	int err = read_map_batched(fd, d, vslot, &keys, &vals, &n, &r->pr);
	if (err == 0) {
		*keys_out = keys;
		*vals_out = vals;
		*n_out = drop_empty(d, zero_is_empty, keys, vals, n, vslot);
		return 0;
	}
	if (err == -ENOMEM)
		goto oom;
	/* no batches here (a kernel before 5.6, or a map type without them):
	 * key by key */
	n = 0;
	uint8_t *cur = malloc(d->key_size), *prev = malloc(d->key_size);
	bool first = true;
	if (!cur || !prev || !grow_entries(&keys, &vals, cap, d->key_size, vslot)) {
		free(cur);
		free(prev);
		goto oom;
	}
	while (bpf_map_get_next_key(fd, first ? NULL : prev, cur) == 0) {
		first = false;
		memcpy(prev, cur, d->key_size);
		if (n == cap) {
			cap *= 2;
			if (!grow_entries(&keys, &vals, cap, d->key_size, vslot)) {
				free(cur);
				free(prev);
				goto oom;
			}
		}
		memcpy(keys + n * d->key_size, cur, d->key_size);
		if (bpf_map_lookup_elem(fd, cur, vals + n * vslot) == 0)
			n++;
	}
	free(prev);
	free(cur);
	*keys_out = keys;
	*vals_out = vals;
	*n_out = drop_empty(d, zero_is_empty, keys, vals, n, vslot);
	return 0;
oom:
	free(keys);
	free(vals);
	return -ENOMEM;
}

static int handle_record(void *ctx, void *data, size_t size);
static void consume(struct run *r);

/* A ring-buffer record that came while a map was being printed, kept
 * for after it (struct run's `deferred`). */
static void defer_record(struct run *r, const void *data, size_t size)
{
	size_t need = sizeof(size_t) + (size + 7) / 8 * 8;
	if (r->deferred.len + need > r->deferred.cap) {
		size_t cap = r->deferred.cap ? r->deferred.cap : 65536;
		while (r->deferred.len + need > cap)
			cap *= 2;
		uint8_t *grown = realloc(r->deferred.data, cap);
		if (!grown)
			sonde_out_of_memory("keeping events while printing a map");
		r->deferred.data = grown;
		r->deferred.cap = cap;
	}
	memcpy(r->deferred.data + r->deferred.len, &size, sizeof(size));
	memcpy(r->deferred.data + r->deferred.len + sizeof(size), data, size);
	r->deferred.len += need;
}

/* The printer's busy hook: what the probes sent meanwhile, kept */
static void keep_reading(void *arg)
{
	struct run *r = arg;
	if (r->rb)
		consume(r);
}

/* The deferred records, in order. One of them may print a map in turn,
 * whose own deferred records come after all of these. */
static void replay_deferred(struct run *r)
{
	r->deferring = false;
	r->replaying = true;
	while (r->deferred.len) {
		uint8_t *data = r->deferred.data;
		size_t len = r->deferred.len;
		r->deferred.data = NULL;
		r->deferred.len = r->deferred.cap = 0;
		for (size_t off = 0; off < len;) {
			size_t size;
			memcpy(&size, data + off, sizeof(size));
			handle_record(r, data + off + sizeof(size), size);
			off += sizeof(size) + (size + 7) / 8 * 8;
		}
		free(data);
	}
	r->replaying = false;
}

/* print(@m), and the maps at exit and at SIGUSR1. A map of a million
 * entries takes a second or more to read, sort and write; meanwhile the
 * printer's busy hook keeps reading the ring buffer (into `deferred`),
 * so that events are not lost behind it, and they print after it, in
 * the order they came. Not from inside ring_buffer__consume() (a
 * system() record's command waits for SIGUSR1's prints): there the ring
 * buffer waits. */
static void print_map(struct run *r, uint32_t index, uint64_t top, uint64_t div)
{
	const struct map_desc *d = &r->p->m.maps[index];
	uint8_t *keys = NULL, *vals = NULL;
	size_t n = 0;
	bool keep_reading_meanwhile = !r->in_consume;
	if (keep_reading_meanwhile) {
		r->deferring = true;
		r->pr.busy = keep_reading;
		r->pr.busy_arg = r;
	}
	if (!r->ld.maps[index] || read_map(r, index, &keys, &vals, &n)) {
		fprintf(stderr, "sonde: cannot read map %s\n", d->name);
	} else {
		struct map_snapshot snap = {
		    .n = n, .keys = keys, .values = vals, .ncpus = (uint32_t)r->ncpus};
		out_map(&r->pr, d, &snap, top, div);
	}
	free(keys);
	free(vals);
	if (!keep_reading_meanwhile)
		return;
	r->deferring = false;
	r->pr.busy = NULL;
	/* a print() among the records being replayed leaves its own to the
	 * replay going on */
	if (!r->replaying)
		replay_deferred(r);
}

static void clear_map(struct run *r, uint32_t index, bool zero_only)
{
	const struct map_desc *d = &r->p->m.maps[index];
	uint8_t *keys = NULL, *vals = NULL;
	size_t n = 0;
	if (!r->ld.maps[index] || read_map(r, index, &keys, &vals, &n))
		return;
	if (r->zeroed && untouched_is_empty(d))
		r->zeroed[index] = zero_only && (n > 0 || r->zeroed[index]);
	int fd = bpf_map__fd(r->ld.maps[index]);
	size_t vslot = d->percpu ? (size_t)((d->value_size + 7) / 8 * 8) * (size_t)r->ncpus
				 : d->value_size;
	uint8_t *zero = calloc(1, vslot);
	for (size_t i = 0; i < n; i++) {
		if ((zero_only || d->bpf_type == BPF_MAP_TYPE_PERCPU_ARRAY) && zero)
			bpf_map_update_elem(fd, keys + i * d->key_size, zero, BPF_EXIST);
		else
			bpf_map_delete_elem(fd, keys + i * d->key_size);
	}
	free(zero);
	free(keys);
	free(vals);
}

/* Maps at exit, in name order as bpftrace prints them. */
static int cmp_map_names(const void *a, const void *b, void *arg)
{
	const struct map_desc *maps = arg;
	return strcmp(maps[*(const uint32_t *)a].name, maps[*(const uint32_t *)b].name);
}

static void print_maps_by_name(struct run *r)
{
	uint32_t n = r->p->m.nmaps;
	if (!n)
		return;
	uint32_t *order = calloc(n, sizeof(*order));
	if (!order)
		return;
	for (uint32_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_map_names, r->p->m.maps);
	for (uint32_t i = 0; i < n; i++)
		/* ratelimit()'s buckets are times, of no use to read */
		if (!r->p->m.maps[order[i]].limiter)
			print_map(r, order[i], 0, 0);
	free(order);
}

static void print_all_maps(struct run *r)
{
	out_maps_begin(&r->pr);
	print_maps_by_name(r);
}

static int run_once(struct run *r, enum provider_run when);

static bool has_probes_run(const struct run *r, enum provider_run when)
{
	for (uint32_t i = 0; i < r->p->m.nprobes; i++) {
		const struct provider *prov = provider_find(r->p->m.probes[i].provider);
		if (prov && prov->run == when)
			return true;
	}
	return false;
}

/* SIGUSR1: the script's self:signal:SIGUSR1 probes when it has some
 * (bpftrace 0.26: the script says what the signal does); otherwise the
 * maps as they are now, without the blank lines of the exit, as bpftrace
 * 0.17 prints them. The run goes on. */
static void serve_print_requests(struct run *r)
{
	unsigned n = r->sig->print_requests;
	if (!n)
		return;
	r->sig->print_requests = 0;
	if (has_probes_run(r, RUN_ON_SIGNAL))
		/* each signal is an event of the probe */
		for (unsigned i = 0; i < n && !r->stop; i++)
			run_once(r, RUN_ON_SIGNAL);
	else
		print_maps_by_name(r);
	fflush(r->pr.out);
}

/* ---- events --------------------------------------------------------------- */

/* Room for at least 4 KiB more after the `n` bytes in *buf (of *cap),
 * doubling; false when memory ran out (*buf is kept). */
static bool buf_room(char **buf, size_t *cap, size_t n)
{
	if (n + 4096 <= *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 8192;
	char *nb = realloc(*buf, ncap);
	if (!nb)
		return false;
	*buf = nb;
	*cap = ncap;
	return true;
}

/* The output of a system() command, read until it ends or a signal asks
 * sonde to stop (then the command gets SIGTERM and what it printed is
 * kept). malloc'd, *len bytes. */
static char *read_command(struct run *r, int fd, pid_t pid, size_t *len)
{
	char *buf = NULL;
	size_t cap = 0, n = 0;
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = r->sig->fd, .events = POLLIN}};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((p[1].revents & POLLIN) && signal_pending_now(r)) {
			kill(pid, SIGTERM);
			break;
		}
		serve_print_requests(r);
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		if (!buf_room(&buf, &cap, n))
			break;
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		n += (size_t)got;
	}
	*len = n;
	return buf;
}

/* system(): the command runs through /bin/sh as the event arrives, with
 * the signals as sonde got them (not blocked); its output is printed
 * (text) or becomes a "syscall" record (json). Once a signal has asked
 * sonde to stop, commands still queued do not run. */
static void run_system(struct run *r, const char *cmd)
{
	if (r->sig->nstops)
		return;
	fflush(r->pr.out);
	int fds[2];
	if (pipe2(fds, O_CLOEXEC)) {
		fprintf(stderr, "sonde: system(\"%s\") failed: %s\n", cmd, strerror(errno));
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "sonde: system(\"%s\") failed: %s\n", cmd, strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		sig_restore_for_child(r->sig);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t len = 0;
	char *out = read_command(r, fds[0], pid, &len);
	close(fds[0]);
	/* a command that outlives a SIGTERM is left to finish on its own */
	waitpid(pid, NULL, r->sig->nstops ? WNOHANG : 0);
	out_text_event(&r->pr, "syscall", out ? out : "", out ? len : 0);
	free(out);
}

/* cat(): prints a file's contents, at most max_cat_bytes of them as in
 * bpftrace (a device like /dev/zero never ends). A file that cannot be
 * read is reported in bpftrace's words, which scripts and its tests look
 * for, and the run goes on. */
static void run_cat(struct run *r, const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "ERROR: failed to open file '%s': %s\n", path, strerror(errno));
		/* bpftrace still emits the (empty) output: a "cat" record in JSON */
		out_text_event(&r->pr, "cat", "", 0);
		return;
	}
	size_t max = r->p->m.max_cat_bytes, len = 0;
	char *out = malloc(max + 1);
	if (out) {
		while (len < max) {
			size_t n = fread(out + len, 1, max - len, f);
			if (!n)
				break;
			len += n;
		}
		if (ferror(f))
			fprintf(stderr, "ERROR: failed to read file '%s': %s\n", path,
				strerror(errno));
	}
	fclose(f);
	out_text_event(&r->pr, "cat", out ? out : "", out ? len : 0);
	free(out);
}

static int handle_record(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	if (size < sizeof(struct event_hdr))
		return 0;
	const struct event_hdr *h = data;
	const uint8_t *payload = (const uint8_t *)data + sizeof(*h);
	size_t plen = size - sizeof(*h);
	/* what arrives after exit() is dropped, as bpftrace does, until END */
	if (r->exit_seen && !r->in_end)
		return 0;
	switch (h->kind) {
	case EV_PRINTF:
		if (h->id < r->p->m.nfmts)
			out_printf(&r->pr, &r->p->m.fmts[h->id], payload, plen);
		break;
	case EV_UNWATCH:
		if (plen >= sizeof(uint64_t)) {
			uint64_t addr;
			memcpy(&addr, payload, sizeof(addr));
			for (size_t i = 0; i < r->att.nwatchers; i++)
				if (r->att.watchers[i].unwatch)
					r->att.watchers[i].unwatch(r->att.watchers[i].arg, addr);
		}
		break;
	case EV_EXIT:
		r->stop = true;
		r->exit_seen = true;
		break;
	case EV_PRINT:
		if (h->id < r->p->m.nmaps && plen >= sizeof(struct ev_print)) {
			const struct ev_print *ep = (const void *)payload;
			print_map(r, h->id, ep->top, ep->div);
		}
		break;
	case EV_CLEAR:
	case EV_ZERO:
		if (h->id < r->p->m.nmaps)
			clear_map(r, h->id, h->kind == EV_ZERO);
		break;
	case EV_PRINT_VALUE:
		if (h->id < r->p->m.nfmts)
			out_value(&r->pr, &r->p->m.fmts[h->id], payload, plen);
		break;
	case EV_TIME:
		if (h->id < r->p->m.nfmts)
			out_time(&r->pr, r->p->m.fmts[h->id].fmt);
		break;
	case EV_HELPER_ERROR:
		if (h->id < r->p->m.nhelper_sites && plen >= 8 &&
		    !(r->p->m.no_warnings && r->o->format != OUT_JSON)) {
			int64_t rc;
			memcpy(&rc, payload, sizeof(rc));
			out_helper_error(&r->pr, &r->p->m.helper_sites[h->id], rc);
		}
		break;
	case EV_JOIN:
		if (h->id < r->p->m.nfmts)
			out_join(&r->pr, &r->p->m.fmts[h->id], payload, plen);
		break;
	case EV_SYSTEM:
	case EV_CAT:
		if (h->id < r->p->m.nfmts) {
			char *text = out_format(&r->p->m.fmts[h->id], payload, plen);
			if (text) {
				if (h->kind == EV_SYSTEM)
					run_system(r, text);
				else
					run_cat(r, text);
			}
			free(text);
		}
		break;
	default:
		break;
	}
	/* a stop request ends the batch: detach first, print the rest after */
	if (!r->stop && (r->sig->nstops || (r->o->sink && sink_broken(r->o->sink)))) {
		r->stop = true;
		return -1;
	}
	return 0;
}

/* The ring buffer's callback, called by ring_buffer__consume(), which
 * must not be called again before it returns (libbpf moves the consumer
 * position on after each callback). So a print() is not done here: its
 * record and the ones after it are kept (`deferred`) and handled once the
 * batch is read (drain), where the print can read the ring buffer while
 * it works. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	if (!r->deferring && size >= sizeof(struct event_hdr) &&
	    ((const struct event_hdr *)data)->kind == EV_PRINT)
		r->deferring = true;
	if (r->deferring) {
		defer_record(r, data, size);
		return 0;
	}
	return handle_record(ctx, data, size);
}

static void consume(struct run *r)
{
	r->in_consume = true;
	ring_buffer__consume(r->rb);
	r->in_consume = false;
}

static void drain(struct run *r)
{
	if (r->rb) {
		consume(r);
		if (!r->replaying)
			replay_deferred(r);
	}
	if (r->skb)
		skbout_drain(r->skb);
	if (r->cap)
		capture_drain(r->cap);
}

/* counters[slot] (manifest.h), read from the mapped .bss (loader.h): no
 * syscall, so the run loop's reads are invisible to the user's probes.
 * 0 when the program has no such slot. */
static uint64_t counter_value(const struct run *r, uint32_t slot)
{
	if (slot >= r->ld.ncounters)
		return 0;
	/* the programs add to them atomically on other CPUs */
	return __atomic_load_n(&r->ld.counter_vals[slot], __ATOMIC_RELAXED);
}

/* exit() also sets a flag, read when the ring buffer is quiet: its record
 * can be lost when the buffer is full, the request must not be. */
static void check_exit_flag(struct run *r)
{
	if (counter_value(r, COUNTER_EXIT))
		r->stop = true;
}

/* Records the kernel could not put in the full ring buffer, reported as
 * bpftrace does. */
static void report_lost(struct run *r)
{
	uint64_t total = counter_value(r, COUNTER_LOST);
	if (total > r->lost_reported) {
		out_lost_events(&r->pr, total - r->lost_reported);
		r->lost_reported = total;
	}
	uint64_t captures = counter_value(r, COUNTER_LOST_CAPTURES);
	if (captures > r->lost_captures_reported) {
		out_lost_captures(&r->pr, captures - r->lost_captures_reported);
		r->lost_captures_reported = captures;
	}
}

/* Hash maps that were full: updates the programs could not make,
 * reported at exit. */
static void report_dropped(struct run *r)
{
	for (uint32_t i = 0; i < r->p->m.nmaps; i++) {
		uint64_t total = counter_value(r, COUNTER_DROPPED + i);
		if (!total)
			continue;
		out_dropped_updates(&r->pr, r->p->m.maps[i].name, total);
		const struct map_desc *d = &r->p->m.maps[i];
		if (d->declared)
			fprintf(stderr,
				"sonde: map '%s' was full: %llu update%s dropped (its declaration "
				"gives it %u entr%s)\n",
				d->name, (unsigned long long)total, total == 1 ? "" : "s",
				d->max_entries, d->max_entries == 1 ? "y" : "ies");
		else
			fprintf(stderr,
				"sonde: map '%s' was full: %llu update%s dropped (raise "
				"--map-entries)\n",
				d->name, (unsigned long long)total, total == 1 ? "" : "s");
	}
}

/* str() results cut to max_strlen, reported at exit. */
static void report_truncated(struct run *r)
{
	uint64_t total = counter_value(r, COUNTER_TRUNCATED);
	if (!total)
		return;
	out_truncated_strings(&r->pr, total);
	fprintf(stderr,
		"sonde: %llu string%s longer than max_strlen %s cut (raise --max-strlen or "
		"config max_strlen)\n",
		(unsigned long long)total, total == 1 ? "" : "s", total == 1 ? "was" : "were");
}

/* ---- probes --------------------------------------------------------------- */

/* SONDE_FAULT=NAME:N (tests): N, or 0 when SONDE_FAULT is not NAME:N.
 *   attach:N        the N-th attach of an attached probe (1-based) fails as
 *                   if the kernel had refused it
 *   attach-untraceable:N  the N-th attach fails with EINVAL, as the kernel
 *                   refuses a function it cannot probe
 *   attach-delay:MS every attach takes MS ms longer, as on a slow or loaded
 *                   machine (a test shows that whoever drives the traced
 *                   system waits for SONDE_READY_FD, not for the banner) */
static unsigned long fault_value(const char *name)
{
	const char *f = getenv("SONDE_FAULT");
	size_t len = strlen(name);
	if (!f || strncmp(f, name, len) || f[len] != ':')
		return 0;
	char *end;
	unsigned long n = strtoul(f + len + 1, &end, 10);
	return *end ? 0 : n;
}

/* Attaching hundreds of probes can take long: on a terminal, once it has
 * taken a second, stderr counts the probes attached (in place, at most
 * ten times a second), and says at the end how far it got. */
struct attach_progress {
	bool on;
	uint32_t total;
	uint64_t start_ns, shown_ns;
	bool shown;
};

static void progress_show(struct attach_progress *pg, uint32_t done, bool last)
{
	if (!pg->on)
		return;
	uint64_t now = sig_now_ns();
	if (!last && (now - pg->start_ns < 1000000000ull ||
		      (pg->shown && now - pg->shown_ns < 100000000ull)))
		return;
	if (last && !pg->shown)
		return;
	fprintf(stderr, "\rsonde: attached %u of %u probes%s", done, pg->total,
		last ? (done < pg->total ? ", stopped\n" : "\n") : "");
	fflush(stderr);
	pg->shown = true;
	pg->shown_ns = now;
}

static int run_once(struct run *r, enum provider_run when)
{
	for (uint32_t i = 0; i < r->p->m.nprobes; i++) {
		const struct probe_desc *pd = &r->p->m.probes[i];
		const struct provider *prov = provider_find(pd->provider);
		if (!prov || prov->run != when)
			continue;
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		int err = bpf_prog_test_run_opts(bpf_program__fd(r->ld.progs[i]), &opts);
		if (err) {
			fprintf(stderr, "sonde: running %s failed: %s\n", pd->spec, strerror(errno));
			return EXIT_SYSTEM;
		}
		/* 0.26 reads what BEGIN printed once every probe is attached,
		 * after its attached_probes record (--test, --bench and
		 * --test-run attach nothing: BEGIN's output comes first) */
		const struct rt_options *o = r->o;
		bool attaches = !o->test_run && !o->run_tests && !o->run_benches;
		if (when != RUN_AT_START || r->pr.version != OUT_V0_26 || !attaches) {
			drain(r);
			fflush(r->pr.out);
		}
		check_exit_flag(r);
		if (r->stop && when == RUN_AT_START)
			break;
	}
	return EXIT_OK;
}

/* ---- --test and --bench ---------------------------------------------------- */

/* Whether probes of this kind run in this run: test: and bench: probes
 * under their option only, and then nothing else but BEGIN and END, as in
 * bpftrace 0.26. */
static bool runs_in_mode(const struct rt_options *o, enum provider_run run)
{
	if (run == RUN_AT_START || run == RUN_AT_EXIT)
		return true;
	if (o->run_tests)
		return run == RUN_TEST;
	if (o->run_benches)
		return run == RUN_BENCH;
	return run != RUN_TEST && run != RUN_BENCH;
}

/* A script of which nothing would run: bpftrace's words when the option
 * to run its test: or bench: probes is missing. EXIT_OK when something runs. */
static int check_something_runs(const struct program *p, const struct rt_options *o)
{
	bool tests = false, benches = false;
	for (uint32_t i = 0; i < p->m.nprobes; i++) {
		const struct provider *prov = provider_find(p->m.probes[i].provider);
		if (!prov)
			continue;
		if (runs_in_mode(o, prov->run))
			return EXIT_OK;
		tests |= prov->run == RUN_TEST;
		benches |= prov->run == RUN_BENCH;
	}
	if (o->run_tests || o->run_benches)
		fprintf(stderr,
		        "sonde: %s runs the script's %s probes (and BEGIN and END), and it has "
		        "none\n",
		        o->run_tests ? "--test" : "--bench", o->run_tests ? "test:" : "bench:");
	else if (tests)
		fprintf(stderr, "ERROR: No probes attached; use --test to run test probes.\n");
	else if (benches)
		fprintf(stderr,
		        "ERROR: No probes attached; use --bench to run benchmark probes.\n");
	else
		return EXIT_OK;
	return EXIT_USAGE;
}

/* exit()'s code since clear_exit_flag: -1 when it was not called */
static int exit_code_called(const struct run *r)
{
	uint64_t flag = counter_value(r, COUNTER_EXIT);
	return flag ? (int)((flag - 1) & 0xff) : -1;
}

/* Forgets an exit() of a test or benchmark: it stands for that one only
 * (the counters' mapping is read-only, the map itself is not) */
static void clear_exit_flag(struct run *r)
{
	if (!counter_value(r, COUNTER_EXIT))
		return;
	size_t size = bpf_map__value_size(r->ld.counters);
	uint64_t *copy = malloc(size);
	if (!copy)
		sonde_out_of_memory("running the tests");
	memcpy(copy, r->ld.counter_vals, size);
	copy[COUNTER_EXIT] = 0;
	uint32_t key = 0;
	if (bpf_map_update_elem(bpf_map__fd(r->ld.counters), &key, copy, BPF_ANY))
		fprintf(stderr, "sonde: cannot reset the exit() flag: %s\n", strerror(errno));
	free(copy);
	r->stop = false;
	r->exit_seen = false;
}

/* One BPF_PROG_TEST_RUN of a test: or bench: program, `repeat` times, on
 * a zeroed Ethernet header (XDP's smallest input). The printer's output
 * goes to `capture` meanwhile, as text (bpftrace captures it as text in
 * every format), and its error count starts from 0. */
static int run_probe_program(struct run *r, uint32_t i, uint32_t repeat, FILE *capture,
                             struct bpf_test_run_opts *opts)
{
	static const uint8_t eth_header[14];
	opts->data_in = eth_header;
	opts->data_size_in = sizeof(eth_header);
	opts->repeat = repeat;
	FILE *out = r->pr.out, *diag = r->pr.diag;
	enum out_format format = r->pr.format;
	r->pr.out = r->pr.diag = capture;
	r->pr.format = OUT_TEXT;
	r->pr.errors = 0;
	int err = bpf_prog_test_run_opts(bpf_program__fd(r->ld.progs[i]), opts);
	int e = errno;
	drain(r);
	fflush(capture);
	r->pr.out = out;
	r->pr.diag = diag;
	r->pr.format = format;
	if (err) {
		fprintf(stderr, "sonde: running %s failed: %s\n", r->p->m.probes[i].spec,
		        strerror(e));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}

/* The probes of kind `run`, by probe index, and their names */
static uint32_t probes_of(const struct run *r, enum provider_run run, uint32_t *index,
                          const char **names)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->p->m.nprobes; i++) {
		const struct provider *prov = provider_find(r->p->m.probes[i].provider);
		if (prov && prov->run == run) {
			index[n] = i;
			names[n++] = r->p->m.probes[i].target;
		}
	}
	return n;
}

/* --test: each test once, in script order. It passes when it returned 0,
 * called no exit() with a code other than 0 and printed no error; what it
 * printed is shown when it fails. */
static int run_tests(struct run *r)
{
	uint32_t n = r->p->m.nprobes;
	uint32_t *index = calloc(n + 1, sizeof(*index));
	const char **names = calloc(n + 1, sizeof(*names));
	bool *passed = calloc(n + 1, sizeof(*passed));
	if (!index || !names || !passed)
		sonde_out_of_memory("running the tests");
	n = probes_of(r, RUN_TEST, index, names);
	out_tests_begin(&r->pr, n);
	int rc = EXIT_OK;
	uint32_t ran = 0;
	for (; ran < n && !signal_pending_now(r); ran++) {
		char *text = NULL;
		size_t len = 0;
		FILE *capture = open_memstream(&text, &len);
		if (!capture)
			sonde_out_of_memory("running the tests");
		LIBBPF_OPTS(bpf_test_run_opts, opts);
		rc = run_probe_program(r, index[ran], 1, capture, &opts);
		fclose(capture);
		if (rc) {
			free(text);
			break;
		}
		passed[ran] = opts.retval == 0 && exit_code_called(r) <= 0 && !r->pr.errors;
		r->probes_failed |= !passed[ran];
		clear_exit_flag(r);
		out_test_result(&r->pr, names[ran], opts.duration, passed[ran], text, len);
		fflush(r->pr.out);
		free(text);
	}
	/* the summary of those that ran (a signal may have stopped the rest) */
	if (rc == EXIT_OK)
		out_tests_end(&r->pr, names, passed, ran);
	free(index);
	free(names);
	free(passed);
	return rc;
}

/* --bench: each benchmark run with a repeat count that grows, as
 * bpftrace grows it, until one run takes a millisecond; its average time
 * then is its result. Their output is not shown. One that returns other
 * than 0 is skipped (bpftrace's way to leave one out); exit() with a code
 * other than 0 or an error fails it and the run. */
static int run_benches(struct run *r)
{
	/* the kernel counts repeats in 32 bits; a program it times at 0 ns
	 * would grow the count for ever */
	enum { MAX_ITERS = 100000000 };
	uint32_t n = r->p->m.nprobes;
	uint32_t *index = calloc(n + 1, sizeof(*index));
	const char **names = calloc(n + 1, sizeof(*names));
	if (!index || !names)
		sonde_out_of_memory("running the benchmarks");
	n = probes_of(r, RUN_BENCH, index, names);
	FILE *discard = fopen("/dev/null", "we");
	if (!discard) {
		fprintf(stderr, "sonde: cannot open /dev/null: %s\n", strerror(errno));
		free(index);
		free(names);
		return EXIT_SYSTEM;
	}
	int rc = EXIT_OK;
	bool header = true;
	for (uint32_t b = 0; b < n && rc == EXIT_OK && !signal_pending_now(r); b++) {
		uint64_t iters = 1;
		for (;;) {
			LIBBPF_OPTS(bpf_test_run_opts, opts);
			rc = run_probe_program(r, index[b], (uint32_t)iters, discard, &opts);
			if (rc)
				break;
			int code = exit_code_called(r);
			clear_exit_flag(r);
			if (code <= 0 && opts.retval != 0)
				break; /* skipped */
			if (code > 0 || r->pr.errors) {
				fflush(r->pr.out);
				fprintf(stderr, "ERROR: Benchmark '%s' failed.\n", names[b]);
				r->probes_failed = true;
				break;
			}
			uint64_t total = (uint64_t)opts.duration * iters;
			uint64_t grow = total < 1000      ? 1000
			                : total < 10000   ? 100
			                : total < 100000  ? 10
			                : total < 1000000 ? 2
			                                  : 1;
			if (grow > 1 && iters * grow <= MAX_ITERS && !signal_pending_now(r)) {
				iters *= grow;
				continue;
			}
			out_bench_result(&r->pr, names, n, names[b], opts.duration, iters, header);
			fflush(r->pr.out);
			header = false;
			break;
		}
	}
	fclose(discard);
	free(index);
	free(names);
	/* records the repeated runs could not put in the ring buffer are
	 * output no one would see: not reported as lost */
	r->lost_reported = counter_value(r, COUNTER_LOST);
	return rc;
}

static bool attached_at_runtime(const struct probe_desc *pd)
{
	const struct provider *prov = provider_find(pd->provider);
	return prov && prov->run == RUN_ATTACHED;
}

/* The i-th probe to attach: first, in script order, those whose programs
 * the kernel runs in attach order, then, in reverse script order, those
 * it runs newest first (provider.h), so that several probes on one event
 * run in script order either way, as in bpftrace. */
static uint32_t attach_order(const struct run *r, uint32_t nth)
{
	uint32_t n = r->p->m.nprobes, seen = 0;
	for (int reversed = 0; reversed < 2; reversed++)
		for (uint32_t k = 0; k < n; k++) {
			uint32_t i = reversed ? n - 1 - k : k;
			const struct provider *prov = provider_find(r->p->m.probes[i].provider);
			if ((prov && prov->fires_newest_first) != (bool)reversed)
				continue;
			if (seen++ == nth)
				return i;
		}
	return nth;
}

/* The attach points sharing probe i's program (probe_desc.shares_program),
 * attached at once by their provider (provider.attach_shared): each one
 * taken gets taken[j] 1 and its result in rcs[j]; the first failure's
 * sentence goes into err and its index into *err_at. None is taken (all
 * stay 0) when the provider attaches them one by one. */
static void attach_shared_group(struct run *r, uint32_t i, signed char *taken, int *rcs, char *err,
                                size_t errsz, uint32_t *err_at)
{
	const struct manifest *m = &r->p->m;
	const struct provider *prov = provider_find(m->probes[i].provider);
	uint32_t *at = calloc(m->nprobes, sizeof(*at));
	const struct probe_desc **pds = calloc(m->nprobes, sizeof(*pds));
	int *results = calloc(m->nprobes, sizeof(*results));
	size_t n = 0;
	for (uint32_t j = 0; at && pds && results && j < m->nprobes; j++)
		if (m->probes[j].shares_program && r->ld.progs[j] == r->ld.progs[i] &&
		    attached_at_runtime(&m->probes[j])) {
			at[n] = j;
			pds[n++] = &m->probes[j];
		}
	int rc = -ENOMEM;
	if (n)
		rc = prov->attach_shared(r->o->host, pds, n, r->ld.progs[i], &r->att, results, err,
		                         errsz);
	if (rc != -EOPNOTSUPP) {
		taken[i] = 1;
		rcs[i] = rc;
		*err_at = i;
		for (size_t k = 0; k < n; k++) {
			taken[at[k]] = 1;
			rcs[at[k]] = rc ? rc : results[k];
			if (rcs[at[k]] && *err_at == i && (rc || results[k]))
				*err_at = at[k];
		}
	}
	free(at);
	free(pds);
	free(results);
}

/* One probe after the other; a signal is read between two, so it stops
 * the attaching within one attach. */
static int attach_all(struct run *r)
{
	unsigned long fault_at = fault_value("attach"), delay_ms = fault_value("attach-delay");
	unsigned long einval_at = fault_value("attach-untraceable");
	unsigned long nth = 0, skipped = 0;
	enum { SKIPPED_SHOWN = 5 }; /* warnings for the first ones, a count for the rest */
	struct attach_progress pg = {.on = !r->o->quiet && isatty(STDERR_FILENO),
				     .start_ns = sig_now_ns()};
	for (uint32_t i = 0; i < r->p->m.nprobes; i++)
		pg.total += attached_at_runtime(&r->p->m.probes[i]);
	int rc = EXIT_OK;
	/* attach points whose shared program their provider attached at once */
	signed char *taken = calloc(r->p->m.nprobes + 1, 1);
	int *taken_rc = calloc(r->p->m.nprobes + 1, sizeof(*taken_rc));
	char group_err[512] = "";
	uint32_t group_err_at = UINT32_MAX;
	if (!taken || !taken_rc) {
		free(taken);
		free(taken_rc);
		fprintf(stderr, "sonde: out of memory\n");
		return EXIT_ATTACH;
	}
	for (uint32_t o = 0; o < r->p->m.nprobes && rc == EXIT_OK; o++) {
		uint32_t i = attach_order(r, o);
		const struct probe_desc *pd = &r->p->m.probes[i];
		if (!attached_at_runtime(pd))
			continue;
		if (signal_pending_now(r))
			break;
		serve_print_requests(r);
		char err[512] = "";
		if (delay_ms) {
			struct timespec ts = {(time_t)(delay_ms / 1000), (long)(delay_ms % 1000) * 1000000};
			while (nanosleep(&ts, &ts) && errno == EINTR)
				;
		}
		if (++nth == fault_at) {
			snprintf(err, sizeof(err), "injected fault: attach %lu failed (SONDE_FAULT=%s)",
				 nth, getenv("SONDE_FAULT"));
			rc = -EIO;
		} else if (nth == einval_at) {
			snprintf(err, sizeof(err),
				 "injected fault: attach %lu failed with EINVAL (SONDE_FAULT=%s)", nth,
				 getenv("SONDE_FAULT"));
			rc = -EINVAL;
		} else {
			const struct provider *prov = provider_find(pd->provider);
			if (pd->shares_program && prov->attach_shared && !taken[i]) {
				group_err[0] = 0;
				attach_shared_group(r, i, taken, taken_rc, group_err,
				                    sizeof(group_err), &group_err_at);
			}
			if (taken[i]) {
				rc = taken_rc[i];
				if (rc && i == group_err_at)
					snprintf(err, sizeof(err), "%s", group_err);
			} else {
				rc = prov->attach(r->o->host, pd, r->ld.progs[i], &r->att, err,
				                  sizeof(err));
			}
		}
		if (rc) {
			enum missing_probes how = (enum missing_probes)r->p->m.missing_probes;
			/* one match of a wildcard the kernel cannot trace there
			 * (not an injected fault, nor a lack of privilege or
			 * memory) does not end the run, as in bpftrace */
			bool untraceable = pd->from_wildcard &&
					   (rc == -EINVAL || rc == -ENOENT || rc == -EOPNOTSUPP ||
					    rc == -524 /* ENOTSUPP */ || rc == -EADDRNOTAVAIL ||
					    rc == -ENXIO);
			if ((how == MISSING_PROBES_ERROR || how == MISSING_PROBES_UNSET) &&
			    !untraceable) {
				progress_show(&pg, (uint32_t)nth - 1, true);
				fprintf(stderr, "sonde: probe '%s' (line %d): %s\n", pd->spec,
					pd->script_line, err[0] ? err : strerror(-rc));
				fprintf(stderr, "sonde: to run without it, set config missing_probes "
						"= warn (or ignore)\n");
				free(taken);
				free(taken_rc);
				return EXIT_ATTACH;
			}
			r->skipped++;
			if (how != MISSING_PROBES_IGNORE && ++skipped <= SKIPPED_SHOWN)
				fprintf(stderr, "sonde: warning: probe '%s' (line %d): %s; skipped\n",
					pd->spec, pd->script_line, err[0] ? err : strerror(-rc));
			rc = EXIT_OK;
			continue;
		}
		progress_show(&pg, (uint32_t)nth, false);
	}
	progress_show(&pg, (uint32_t)nth, true);
	free(taken);
	free(taken_rc);
	if (skipped > SKIPPED_SHOWN)
		fprintf(stderr, "sonde: warning: %lu more probes could not be attached; skipped\n",
			skipped - SKIPPED_SHOWN);
	return EXIT_OK;
}

/* SONDE_READY_FD: whoever waits to drive the traced system (a test, a
 * script) learns that every probe is attached; the "Attaching N probes..."
 * line comes before the attach, so it cannot serve. */
static void notify_ready(int fd)
{
	if (fd < 0)
		return;
	/* a reader that went away must not kill the run with SIGPIPE: the
	 * write fails with EPIPE instead and the signal is taken back */
	sigset_t pipe_set, old;
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	static const char msg[] = "attached\n";
	if (write(fd, msg, sizeof(msg) - 1) != (ssize_t)sizeof(msg) - 1) {
		int e = errno;
		if (e == EPIPE) {
			struct timespec none = {0, 0};
			sigtimedwait(&pipe_set, NULL, &none);
		}
		fprintf(stderr, "sonde: SONDE_READY_FD: cannot write: %s\n", strerror(e));
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(fd);
}

static void detach_all(struct run *r)
{
	rt_attachment_release(&r->att);
}

/* A detached program may still be running on another CPU, preempted
 * inside its run (BPF programs only disable migration): it would write
 * its map after END has cleared it (seen once with 0.26.1's runqlat.bt,
 * an @qtime entry printed that END had cleared). Every such run is an RCU
 * reader, and MEMBARRIER_CMD_GLOBAL waits for an RCU grace period, so
 * after it no probe writes any more. On a kernel that refuses it
 * (nohz_full), END runs as before. */
static void wait_for_detached_runs(void)
{
	(void)syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
}

/* --test-run: packets come from a file instead of an interface */
static void testrun_drain(void *arg)
{
	drain(arg);
}

/* capture writes the packet with its time and length in the file */
static void testrun_packet(void *arg, uint64_t ts_ns, uint32_t cut)
{
	struct run *r = arg;
	if (r->cap)
		capture_set_source(r->cap, ts_ns, cut);
}

static bool testrun_stop(void *arg)
{
	struct run *r = arg;
	return r->stop || signal_pending_now(r);
}

/* --metrics: the maps as they are now, for a scrape (exposition.h) */
static int metrics_read_map(void *arg, uint32_t index, struct map_snapshot *snap)
{
	struct run *r = arg;
	uint8_t *keys = NULL, *vals = NULL;
	size_t n = 0;
	if (!r->ld.maps[index] || read_map(r, index, &keys, &vals, &n))
		return -1;
	*snap = (struct map_snapshot){.n = n, .keys = keys, .values = vals,
	                              .ncpus = (uint32_t)r->ncpus};
	return 0;
}

static uint64_t metrics_counter(void *arg, uint32_t slot)
{
	return counter_value(arg, slot);
}

static void metrics_render(FILE *f, void *arg)
{
	struct run *r = arg;
	struct expo_source src = {metrics_read_map, metrics_counter, r};
	expo_render(f, &r->pr, &r->p->m, &src);
}

static int poll_loop(struct run *r)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0) {
		fprintf(stderr, "sonde: epoll_create1: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	enum { EV_SIGNAL, EV_RING, EV_SKB, EV_CAPTURE, EV_STOP, EV_OUTPUT, EV_METRICS, EV_WATCHER };
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = EV_SIGNAL};
	epoll_ctl(ep, EPOLL_CTL_ADD, r->sig->fd, &ev);
	if (r->rb) {
		ev.data.u32 = EV_RING;
		epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(r->rb), &ev);
	}
	if (r->skb) {
		ev.data.u32 = EV_SKB;
		epoll_ctl(ep, EPOLL_CTL_ADD, skbout_epoll_fd(r->skb), &ev);
	}
	if (r->cap) {
		ev.data.u32 = EV_CAPTURE;
		epoll_ctl(ep, EPOLL_CTL_ADD, capture_epoll_fd(r->cap), &ev);
	}
	if (r->o->stop_fd >= 0) {
		ev.data.u32 = EV_STOP;
		epoll_ctl(ep, EPOLL_CTL_ADD, r->o->stop_fd, &ev);
	}
	if (r->o->metrics) {
		ev.data.u32 = EV_METRICS;
		epoll_ctl(ep, EPOLL_CTL_ADD, metrics_fd(r->o->metrics), &ev);
	}
	/* the attachments' own descriptors: EV_WATCHER + their index */
	size_t unfinished = 0;
	for (size_t i = 0; i < r->att.nwatchers; i++) {
		unfinished += r->att.watchers[i].finishes;
		if (r->att.watchers[i].fd < 0)
			continue;
		ev.data.u32 = EV_WATCHER + (uint32_t)i;
		epoll_ctl(ep, EPOLL_CTL_ADD, r->att.watchers[i].fd, &ev);
	}
	/* `sonde ... | head -1`: the reader's exit ends the run even when
	 * nothing more is written (no events asked for: EPOLLERR and EPOLLHUP
	 * come anyway; files and /dev/null cannot be watched and need not be) */
	int out_fd = r->o->sink ? sink_watch_fd(r->o->sink) : -1;
	if (out_fd >= 0) {
		struct epoll_event oev = {.events = 0, .data.u32 = EV_OUTPUT};
		epoll_ctl(ep, EPOLL_CTL_ADD, out_fd, &oev);
	}
	/* the output may have read a signal while it waited for its reader */
	while (!signal_pending_now(r)) {
		serve_print_requests(r);
		struct epoll_event evs[4];
		int n = epoll_wait(ep, evs, 4, 200);
		if (n == 0) {
			check_exit_flag(r);
			/* closes the scrapers' connections that went idle */
			if (r->o->metrics)
				metrics_serve(r->o->metrics, metrics_render, r);
		}
		if (n < 0 && errno != EINTR) {
			fprintf(stderr, "sonde: epoll_wait: %s\n", strerror(errno));
			close(ep);
			return EXIT_SYSTEM;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u32 == EV_RING || evs[i].data.u32 == EV_SKB ||
			    evs[i].data.u32 == EV_CAPTURE)
				drain(r);
			else if (evs[i].data.u32 == EV_STOP)
				r->stop = true;
			else if (evs[i].data.u32 == EV_OUTPUT)
				sink_hangup(r->o->sink);
			else if (evs[i].data.u32 == EV_METRICS)
				metrics_serve(r->o->metrics, metrics_render, r);
			else if (evs[i].data.u32 >= EV_WATCHER &&
				 evs[i].data.u32 - EV_WATCHER < r->att.nwatchers) {
				struct rt_watcher *w = &r->att.watchers[evs[i].data.u32 - EV_WATCHER];
				if (w->ready(w->arg) && w->finishes) {
					w->finishes = false;
					epoll_ctl(ep, EPOLL_CTL_DEL, w->fd, NULL);
					if (--unfinished == 0) {
						/* what the last objects sent is read before the run ends */
						drain(r);
						r->stop = true;
					}
				}
			}
		}
		/* once per batch of records, not per record: -B full stays cheap */
		fflush(r->pr.out);
		report_lost(r);
	}
	close(ep);
	return EXIT_OK;
}

/* capture needs -w FILE, and -w a script that captures: EXIT_OK or
 * EXIT_USAGE with a message. --dry-run writes nothing and needs none. */
static int check_capture_file(const struct program *p, const struct rt_options *o)
{
	if (p->m.capture_line && !o->capture_path && !o->dry_run) {
		fprintf(stderr,
		        "sonde: the script captures packets (capture at line %u) but no file is "
		        "given for them: add -w FILE.pcap\n",
		        p->m.capture_line);
		return EXIT_USAGE;
	}
	if (o->capture_path && !p->m.capture_line) {
		fprintf(stderr,
		        "sonde: -w %s: the script has no capture statement, so nothing would be "
		        "written\n",
		        o->capture_path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

int rt_run(const struct program *p, const struct rt_options *o, struct diag *d)
{
	struct run r = {.p = p, .o = o, .sig = o->sig};
	out_init(&r.pr, o->out, o->format);
	r.pr.color = o->color;
	r.pr.version = o->output_version;
	/* --dry-run loads every program, test: and bench: ones too */
	int nothing = o->dry_run ? EXIT_OK : check_something_runs(p, o);
	if (nothing)
		return nothing;
	nothing = check_capture_file(p, o);
	if (nothing)
		return nothing;
	/* --test, --bench and --test-run run the programs themselves */
	bool attaches = !o->test_run && !o->run_tests && !o->run_benches;
	r.ncpus = libbpf_num_possible_cpus();
	if (r.ncpus <= 0) {
		fprintf(stderr, "sonde: cannot count the possible CPUs\n");
		return EXIT_SYSTEM;
	}
	r.zeroed = calloc(p->m.nmaps ? p->m.nmaps : 1, sizeof(*r.zeroed));
	if (!r.zeroed)
		sonde_out_of_memory("starting");
	int rc = EXIT_OK;
	unsigned flags = (o->verbose ? LD_VERBOSE : 0) | (o->verifier_log ? LD_VERIFIER_LOG : 0);
	/* dw_ustack: the unwind tables of -p's process, read before loading
	 * since they size the rows map (dwtables.h) */
	struct dw_tables dwt = {0};
	bool dwarf = false;
	for (uint32_t i = 0; i < p->m.naux_maps; i++)
		dwarf |= p->m.aux_maps[i].kind == AUX_MAP_DW_ROWS;
	bool ended = dwarf && o->to_entry && o->to_entry(o->on_attached_arg) == 1;
	if (dwarf && !ended && o->host->target_pid && dw_tables_read(&dwt, o->host->target_pid, stderr))
		sonde_out_of_memory("reading unwind tables");
	for (uint32_t i = 0; dwarf && i < o->host->ndwarf_pids; i++)
		if (dw_tables_read(&dwt, o->host->dwarf_pids[i], stderr))
			sonde_out_of_memory("reading unwind tables");
	int err = ld_load(p, d, flags, dwt.nrows, &r.ld);
	if (!err && dwarf) {
		int pids_fd = -1, rows_fd = -1;
		for (uint32_t i = 0; i < p->m.naux_maps; i++) {
			if (!r.ld.aux_maps[i])
				continue;
			if (p->m.aux_maps[i].kind == AUX_MAP_DW_PIDS)
				pids_fd = bpf_map__fd(r.ld.aux_maps[i]);
			if (p->m.aux_maps[i].kind == AUX_MAP_DW_ROWS)
				rows_fd = bpf_map__fd(r.ld.aux_maps[i]);
		}
		int serr = dw_tables_store(&dwt, pids_fd, rows_fd);
		if (serr)
			fprintf(stderr, "sonde: cannot load the unwind tables of dw_ustack: %s\n",
				strerror(-serr));
	}
	dw_tables_free(&dwt);
	/* from here on something may be left in the kernel to undo: the
	 * signals are read here, between steps, no longer by the watcher */
	sig_watch_end(o->watch);
	if (err) {
		rc = EXIT_LOAD;
		goto out;
	}
	/* stacks and symbols printed as text (symbols.c) */
	struct sym_resolver resolver;
	sym_resolver_init(&resolver, o->host);
	/* the stack-trace maps, one per frame limit (manifest.h) */
	for (uint32_t i = 0; i < p->m.naux_maps; i++) {
		const struct aux_map_desc *am = &p->m.aux_maps[i];
		if (am->kind == AUX_MAP_STACKS && r.ld.aux_maps[i] && am->depth >= 1 &&
		    am->depth <= STACK_MAX_DEPTH)
			resolver.stack_fds[am->depth] = bpf_map__fd(r.ld.aux_maps[i]);
		if (am->kind == AUX_MAP_DW_STACKS && r.ld.aux_maps[i])
			resolver.dw_stacks_fd = bpf_map__fd(r.ld.aux_maps[i]);
	}
	r.pr.resolver = &resolver.base;
	r.pr.str_trailer = p->m.str_trunc_trailer;
	/* what killed runs left (leftover.h) goes before this run pins or
	 * attaches anything: the same pins or interfaces may be wanted again */
	if (!o->dry_run && !o->test_run)
		leftover_sweep();
	if (o->nmap_files) {
		rc = mapfile_fill(&p->m, r.ld.maps, o->map_files, o->nmap_files, stderr);
		if (rc)
			goto out;
	}
	if (o->pin_dir) {
		char perr[512] = "";
		if (pin_maps(&r.pins, o->pin_dir, &p->m, r.ld.maps, o->keep_pins, perr,
			     sizeof(perr))) {
			fprintf(stderr, "sonde: --pin %s: %s\n", o->pin_dir, perr);
			rc = EXIT_SYSTEM;
			goto out;
		}
	}
	if (o->dry_run) {
		if (!o->quiet)
			fprintf(stderr, "sonde: %u probe%s verified and loaded; nothing attached "
					"(--dry-run)\n",
				p->m.nprobes, p->m.nprobes == 1 ? "" : "s");
		goto out;
	}
	if (r.ld.events) {
		r.rb = ring_buffer__new(bpf_map__fd(r.ld.events), on_event, &r, NULL);
		if (!r.rb) {
			fprintf(stderr, "sonde: cannot set up the ring buffer: %s\n", strerror(errno));
			rc = EXIT_SYSTEM;
			goto out;
		}
	}
	/* skboutput(): its files are created (emptied) before anything runs */
	for (uint32_t i = 0; i < p->m.naux_maps; i++) {
		if (p->m.aux_maps[i].kind != AUX_MAP_SKB_OUTPUT || !r.ld.aux_maps[i])
			continue;
		r.skb = skbout_open(&p->m, bpf_map__fd(r.ld.aux_maps[i]));
		if (!r.skb) {
			rc = EXIT_SYSTEM;
			goto out;
		}
	}
	/* capture: the -w file is created (emptied) before anything runs */
	for (uint32_t i = 0; i < p->m.naux_maps; i++) {
		if (p->m.aux_maps[i].kind != AUX_MAP_CAPTURE || !r.ld.aux_maps[i])
			continue;
		r.cap = capture_open(&p->m, bpf_map__fd(r.ld.aux_maps[i]), o->capture_path);
		if (!r.cap) {
			rc = EXIT_SYSTEM;
			goto out;
		}
	}
	/* elapsed: ns since sonde started, measured from here in the kernel's clock */
	for (uint32_t i = 0; i < p->m.naux_maps; i++) {
		if (p->m.aux_maps[i].kind != AUX_MAP_ELAPSED_START || !r.ld.aux_maps[i])
			continue;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint32_t key = 0;
		uint64_t start = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		bpf_map_update_elem(bpf_map__fd(r.ld.aux_maps[i]), &key, &start, BPF_ANY);
	}
	/* -q drops the attached_probes record of -f json too, as in
	 * bpftrace 0.17: `sonde -q -f json` of an exit-time map is one JSON
	 * document */
	/* test: and bench: probes do not run without --test, --bench */
	uint32_t nrun = 0;
	for (uint32_t i = 0; i < p->m.nprobes; i++) {
		const struct provider *prov = provider_find(p->m.probes[i].provider);
		nrun += !prov || runs_in_mode(o, prov->run);
	}
	bool v026 = o->output_version == OUT_V0_26;
	if (!o->quiet && attaches && !v026)
		out_attached(&r.pr, nrun);
	fflush(o->out);
	/* a signal that came right after loading, or output that cannot be
	 * written: nothing runs or attaches */
	if (!signal_pending_now(&r))
		rc = run_once(&r, RUN_AT_START);
	if (o->test_run && rc == EXIT_OK && !r.stop) {
		struct testrun_hooks h = {testrun_packet, testrun_drain, testrun_stop, &r};
		rc = testrun_packets(&p->m, r.ld.progs, o->test_run, &r.pr, o->quiet, &h);
	}
	if (rc == EXIT_OK && !r.stop && o->run_tests)
		rc = run_tests(&r);
	if (rc == EXIT_OK && !r.stop && o->run_benches)
		rc = run_benches(&r);
	if (rc == EXIT_OK && !r.stop && attaches)
		rc = attach_all(&r);
	/* 0.26 counts what it attached, once it has: BEGIN and END too, not
	 * the probes missing_probes let it skip. It attaches even after
	 * BEGIN called exit() (sonde does not), so the line comes then too;
	 * after a signal it does not */
	if (rc == EXIT_OK && attaches && !o->quiet && v026 && !r.sig->nstops) {
		out_attached(&r.pr, nrun - r.skipped);
		fflush(o->out);
	}
	/* -c CMD: the command starts once everything is attached */
	if (rc == EXIT_OK && !r.stop && o->on_attached)
		o->on_attached(o->on_attached_arg);
	if (rc == EXIT_OK && !r.stop && attaches) {
		notify_ready(o->ready_fd);
		if (o->notify_attached) {
			fflush(o->out);
			fprintf(stderr, "__BPFTRACE_NOTIFY_PROBES_ATTACHED\n");
		}
	}
	if (rc == EXIT_OK && !r.stop && attaches)
		rc = poll_loop(&r);
	/* BEGIN and END are no attachments: a BEGIN-only run waits for none */
	bool attached_any = r.att.nlinks || r.att.nfds;
	detach_all(&r);
	if (rc == EXIT_OK || rc == EXIT_ATTACH) {
		if (attached_any)
			wait_for_detached_runs();
		drain(&r); /* records still in flight after exit() are dropped */
		r.in_end = true;
		int end_rc = run_once(&r, RUN_AT_EXIT);
		drain(&r);
		report_lost(&r);
		/* bpftrace prints no maps after tests and benchmarks */
		if (p->m.print_maps_on_exit && !o->run_tests && !o->run_benches)
			print_all_maps(&r);
		fflush(o->out);
		out_lost_total(&r.pr, r.lost_reported);
		report_dropped(&r);
		report_truncated(&r);
		if (rc == EXIT_OK)
			rc = end_rc;
		/* a failed test or benchmark: 1, as in bpftrace */
		if (rc == EXIT_OK && r.probes_failed)
			rc = EXIT_SCRIPT;
		/* exit(code), read after END, whose exit() may set it too */
		uint64_t exit_flag = counter_value(&r, COUNTER_EXIT);
		if (rc == EXIT_OK && exit_flag)
			rc = (int)((exit_flag - 1) & 0xff);
	}
	fflush(o->out);
out:
	detach_all(&r);
	pin_release(&r.pins, o->keep_pins);
	if (skbout_close(r.skb) && rc == EXIT_OK)
		rc = EXIT_SYSTEM;
	if (capture_close(r.cap, o->quiet, counter_value(&r, COUNTER_LOST_CAPTURES)) &&
	    rc == EXIT_OK)
		rc = EXIT_SYSTEM;
	ring_buffer__free(r.rb);
	ld_unload(&r.ld);
	free(r.zeroed);
	free(r.deferred.data);
	return rc;
}
