/*
 * loader.c - libbpf: open the object from memory, load it, and turn a
 * verifier rejection into a diagnostic at the script line.
 *
 * libbpf reports through a process-wide print callback; the callback keeps
 * the last load log in a buffer handed over through libbpf's only channel
 * for it (a file-scope pointer set for the duration of ld_load).
 */
#define _GNU_SOURCE
#include "runtime/loader.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "probes/provider.h"

struct log_capture {
	char *buf;
	size_t len, cap;
	bool verbose;
};

/* libbpf's print callback takes no user pointer; this is only set while
 * ld_load runs on the CLI's single thread. */
static struct log_capture *current_capture;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct log_capture *cap = current_capture;
	if (cap && cap->verbose) {
		va_list copy;
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (!cap || level == LIBBPF_DEBUG)
		return 0;
	/* the whole message: a verifier log comes as one "%s" of megabytes,
	 * and its last lines (the reason) are the ones that matter */
	va_list copy;
	va_copy(copy, ap);
	int n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n <= 0)
		return 0;
	if (cap->len + (size_t)n + 1 > cap->cap) {
		size_t nc = (cap->cap ? cap->cap * 2 : 65536) + (size_t)n + 1;
		char *p = realloc(cap->buf, nc);
		if (!p)
			return 0;
		cap->buf = p;
		cap->cap = nc;
	}
	vsnprintf(cap->buf + cap->len, (size_t)n + 1, fmt, ap);
	cap->len += (size_t)n;
	return 0;
}

/* Finds the script line the verifier log points at: the last "; text"
 * source annotation before the error, matched against the script. */
static int log_script_line(const char *log, const struct diag_source *src, int *col)
{
	const char *last = NULL;
	for (const char *p = log; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (p[0] == ';' && p[1] == ' ')
			last = p + 2;
	if (!last || !src)
		return 0;
	const char *end = strchr(last, '\n');
	size_t len = end ? (size_t)(end - last) : strlen(last);
	/* newer kernels append " @ file:line" */
	const char *at = NULL;
	for (const char *q = last; q + 3 < last + len; q++)
		if (!strncmp(q, " @ ", 3))
			at = q;
	if (at) {
		const char *colon = NULL;
		for (const char *q = at; q < last + len; q++)
			if (*q == ':')
				colon = q;
		if (colon) {
			int line = atoi(colon + 1);
			/* no column in the log: point at the line's first token */
			const char *p = src->text;
			for (int l = 1; p && l < line; l++) {
				p = strchr(p, '\n');
				p = p ? p + 1 : NULL;
			}
			*col = 1;
			while (p && (p[*col - 1] == ' ' || p[*col - 1] == '\t'))
				(*col)++;
			return line;
		}
		len = (size_t)(at - last);
	}
	while (len && (last[len - 1] == ' ' || last[len - 1] == '\t'))
		len--;
	if (!len)
		return 0;
	int line = 1;
	for (const char *p = src->text; p && *p; line++) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		const char *hit = memmem(p, l, last, len);
		if (hit) {
			*col = (int)(hit - p) + 1;
			return line;
		}
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* The part of the log worth showing: from the last source annotation. */
static void print_log_tail(const char *log)
{
	const char *begin = strstr(log, "-- BEGIN PROG LOAD LOG --");
	const char *end = begin ? strstr(begin, "-- END PROG LOAD LOG --") : NULL;
	if (begin) {
		begin = strchr(begin, '\n');
		begin = begin ? begin + 1 : log;
	} else {
		begin = log;
	}
	size_t len = end ? (size_t)(end - begin) : strlen(begin);
	/* show at most the last 20 lines */
	int lines = 0;
	const char *from = begin + len;
	while (from > begin && lines <= 20) {
		from--;
		if (*from == '\n')
			lines++;
	}
	if (from > begin)
		from++;
	fputs("verifier log (last lines):\n", stderr);
	const char *stop = begin + len;
	while (from < stop) {
		const char *nl = memchr(from, '\n', (size_t)(stop - from));
		size_t l = nl ? (size_t)(nl - from) : (size_t)(stop - from);
		/* libbpf's own messages interleave with the kernel's log */
		if (strncmp(from, "libbpf: ", 8))
			fprintf(stderr, "  %.*s\n", (int)l, from);
		from += l + (nl ? 1 : 0);
	}
}

/* -d: bytes of each program's verifier log */
enum { LOG_SIZE = 4 << 20 };

/* Maps the .bss map that holds the counters (created with
 * BPF_F_MMAPABLE, see ld_load): the run loop reads them after every wake-up,
 * and a bpf() lookup there would be seen by the user's own probes on the
 * bpf syscall or on capability checks, and feed them (issue 12). */
static int map_counters(struct loaded *l)
{
	if (!l->counters)
		return 0;
	size_t size = bpf_map__value_size(l->counters);
	long page = sysconf(_SC_PAGESIZE);
	size_t len = (size + (size_t)page - 1) / (size_t)page * (size_t)page;
	void *mem = mmap(NULL, len, PROT_READ, MAP_SHARED, bpf_map__fd(l->counters), 0);
	if (mem == MAP_FAILED) {
		int e = errno;
		fprintf(stderr,
			"sonde: cannot map the programs' counters (.bss, map flags 0x%x): %s\n",
			bpf_map__map_flags(l->counters), strerror(e));
		return -e;
	}
	l->counter_vals = mem;
	l->ncounters = size / sizeof(uint64_t);
	l->counter_map_len = len;
	return 0;
}

/* The probe libbpf's messages name as the one the kernel refused, or
 * p->m.nprobes when they name none. */
static uint32_t failed_probe(const struct program *p, const char *msgs)
{
	uint32_t bad = p->m.nprobes;
	for (uint32_t i = 0; msgs && i < p->m.nprobes; i++) {
		char needle[64];
		snprintf(needle, sizeof(needle), "prog '%s'", p->m.probes[i].prog_name);
		if (strstr(msgs, needle))
			bad = i;
	}
	return bad;
}

/* A program the kernel refused (probe `bad`, error rc), located in the
 * script from the verifier's log; `msgs` is what libbpf said. */
static void report_rejection(const struct program *p, struct diag *d, unsigned flags,
			     const struct loaded *out, const char *msgs, uint32_t bad, int rc)
{
	/* with -d the kernel's log went to the program's buffer, not
	 * through libbpf's messages */
	const char *log = msgs;
	if ((flags & LD_VERIFIER_LOG) && bad < p->m.nprobes)
		log = out->log_bufs[bad];
	/* the verifier answers a program with too many branches to follow
	 * ("The sequence of N jumps is too complex") with EFAULT: it is
	 * the same limit as the instruction count, E2BIG */
	if (rc == -EFAULT && log && strstr(log, "jumps is too complex"))
		rc = -E2BIG;
	const struct probe_desc *pd = bad < p->m.nprobes ? &p->m.probes[bad] : NULL;
	int col = 1;
	const struct diag_source *src =
		pd && pd->file < d->nsources ? &d->sources[pd->file] : NULL;
	int line = log ? log_script_line(log, src, &col) : 0;
	/* the probe and a for body's callback share 512 bytes of stack
	 * (the backend keeps both well under it; said plainly if not) */
	bool stack = log && strstr(log, "combined stack size");
	const char *why = stack ? ": with its 'for' body it needs more than the 512 bytes "
				  "of stack BPF allows"
			  : rc == -E2BIG || rc == -ENOSPC
				  ? ": the program is too large or too complex to verify"
			  : rc == -EACCES ? ": it could not prove the program safe"
					  : "";
	if (pd) {
		struct loc l = {pd->file, pd->script_line, 1, pd->script_line, 1};
		if (line > 0)
			l = (struct loc){pd->file, line, col, line, col};
		diag_error(d, l, "the kernel's verifier rejected probe '%s'%s (%s)", pd->spec,
			   why, strerror(-rc));
	} else {
		fprintf(stderr, "sonde: loading the BPF object failed: %s\n", strerror(-rc));
	}
	/* -d printed the whole log above */
	if (msgs && !(flags & LD_VERIFIER_LOG))
		print_log_tail(msgs);
}

/* Loading holds a descriptor for every program and map till exit, and
 * attaching more: the soft limit on open files is raised to the hard one
 * (with CAP_SYS_RESOURCE, the hard one too when it is short of what the
 * load needs).
 * A load that would still run out fails here, naming the limit, rather
 * than at whichever program or map is past it. */
static int raise_fd_limit(const struct program *p)
{
	/* stdio, the object's and the kernel's BTF, the ring buffer, ... */
	enum { FDS_BESIDES_OBJECTS = 64 };
	rlim_t need = (rlim_t)p->m.nprobes + p->m.nmaps + p->m.naux_maps + FDS_BESIDES_OBJECTS;
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need) {
		/* twice: attachments take descriptors of their own */
		struct rlimit more = {2 * need, 2 * need};
		if (!setrlimit(RLIMIT_NOFILE, &more))
			return 0;
	}
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= need)
		return 0;
	fprintf(stderr,
	        "sonde: %u programs and %u maps need about %llu open files, more than this "
	        "process may have (%llu: raise the hard limit, ulimit -Hn, which takes "
	        "CAP_SYS_RESOURCE)\n",
	        p->m.nprobes, p->m.nmaps + p->m.naux_maps, (unsigned long long)need,
	        (unsigned long long)rl.rlim_cur);
	return -EMFILE;
}

int ld_load(const struct program *p, struct diag *d, unsigned flags, uint32_t dw_rows,
	    struct loaded *out)
{
	memset(out, 0, sizeof(*out));
	struct log_capture cap = {.verbose = flags & LD_VERBOSE};
	current_capture = &cap;
	libbpf_print_fn_t old = libbpf_set_print(libbpf_print);
	int rc;

	/* kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK */
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
	setrlimit(RLIMIT_MEMLOCK, &rl);
	rc = raise_fd_limit(p);
	if (rc)
		goto fail;

	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "sonde");
	out->obj = bpf_object__open_mem(p->elf, p->elf_size, &opts);
	if (!out->obj) {
		rc = -errno;
		fprintf(stderr, "sonde: libbpf cannot open the generated object: %s\n%s",
			strerror(-rc), cap.buf ? cap.buf : "");
		goto fail;
	}
	out->progs = calloc(p->m.nprobes + 1, sizeof(*out->progs));
	out->maps = calloc(p->m.nmaps + 1, sizeof(*out->maps));
	out->aux_maps = calloc(p->m.naux_maps + 1, sizeof(*out->aux_maps));
	if (flags & LD_VERIFIER_LOG)
		out->log_bufs = calloc(p->m.nprobes + 1, sizeof(*out->log_bufs));
	if (!out->progs || !out->maps || !out->aux_maps || ((flags & LD_VERIFIER_LOG) && !out->log_bufs)) {
		rc = -ENOMEM;
		fprintf(stderr, "sonde: out of memory\n");
		goto fail;
	}
	for (uint32_t i = 0; i < p->m.nprobes; i++) {
		out->progs[i] = bpf_object__find_program_by_name(out->obj, p->m.probes[i].prog_name);
		if (!out->progs[i]) {
			rc = -ENOENT;
			fprintf(stderr, "sonde: internal error: program %s missing from the object\n",
				p->m.probes[i].prog_name);
			goto fail;
		}
		const struct provider *prov = provider_find(p->m.probes[i].provider);
		if (prov && prov->prepare) {
			char err[256] = "";
			int keep = -1;
			rc = prov->prepare(&p->m.probes[i], out->progs[i], &keep, err, sizeof(err));
			if (rc) {
				fprintf(stderr, "sonde: probe '%s' (line %d): %s\n", p->m.probes[i].spec,
					p->m.probes[i].script_line, err[0] ? err : strerror(-rc));
				goto fail;
			}
			if (keep >= 0) {
				int *n = realloc(out->keep_fds, (out->nkeep_fds + 1) * sizeof(*n));
				if (!n) {
					close(keep);
					rc = -ENOMEM;
					fprintf(stderr, "sonde: out of memory\n");
					goto fail;
				}
				out->keep_fds = n;
				out->keep_fds[out->nkeep_fds++] = keep;
			}
		}
		/* the attach points after the first of a shared program (its
		 * cookie 0) have no program of their own */
		bool not_first = p->m.probes[i].shares_program && p->m.probes[i].cookie;
		if ((flags & LD_VERIFIER_LOG) && !not_first) {
			/* -d: the verifier's trace and statistics of every program */
			out->log_bufs[i] = calloc(1, LOG_SIZE);
			if (out->log_bufs[i]) {
				bpf_program__set_log_buf(out->progs[i], out->log_bufs[i], LOG_SIZE);
				bpf_program__set_log_level(out->progs[i], 1 | 4);
			}
		}
	}
	for (uint32_t i = 0; i < p->m.nmaps; i++) {
		out->maps[i] = bpf_object__find_map_by_name(out->obj, p->m.maps[i].elf_name);
		/* the kernel makes an LPM trie only without preallocation */
		if (out->maps[i] && p->m.maps[i].bpf_type == BPF_MAP_TYPE_LPM_TRIE)
			bpf_map__set_map_flags(out->maps[i], bpf_map__map_flags(out->maps[i]) |
			                                         BPF_F_NO_PREALLOC);
	}
	for (uint32_t i = 0; i < p->m.naux_maps; i++) {
		out->aux_maps[i] = bpf_object__find_map_by_name(out->obj, p->m.aux_maps[i].elf_name);
		if (p->m.aux_maps[i].kind == AUX_MAP_DW_ROWS && out->aux_maps[i])
			bpf_map__set_max_entries(out->aux_maps[i], dw_rows ? dw_rows : 1);
	}
	if (p->m.events_map) {
		out->events = bpf_object__find_map_by_name(out->obj, p->m.events_map);
	}
	/* libbpf names the map after the object; ".bss" finds it by section */
	out->counters = bpf_object__find_map_by_name(out->obj, ".bss");
	/* libbpf makes .bss mappable only when BTF describes a global variable
	 * in it, and the counters have no BTF: ask for it (map_counters) */
	if (out->counters)
		bpf_map__set_map_flags(out->counters,
				       bpf_map__map_flags(out->counters) | BPF_F_MMAPABLE);

	rc = bpf_object__load(out->obj);
	/* -d: programs the kernel has seen have a log; after a rejection,
	 * the ones after it were never loaded */
	for (uint32_t i = 0; (flags & LD_VERIFIER_LOG) && i < p->m.nprobes; i++) {
		const char *log = out->log_bufs[i];
		if ((rc && !(log && *log)) ||
		    (p->m.probes[i].shares_program && p->m.probes[i].cookie))
			continue;
		fprintf(stderr, "verifier log of %s (%s):\n%s\n", p->m.probes[i].prog_name,
			p->m.probes[i].spec, log && *log ? log : "(none)");
	}
	if (rc) {
		/* EACCES is also the verifier's verdict on a program it read
		 * (an access it refuses): then there is a log, and the
		 * rejection is reported as one, with its source line */
		bool verifier_read_it = strstr(cap.buf ? cap.buf : "", "BEGIN PROG LOAD LOG") ||
		                        ((flags & LD_VERIFIER_LOG) &&
		                         failed_probe(p, cap.buf) < p->m.nprobes);
		if (rc == -EPERM || (rc == -EACCES && !verifier_read_it)) {
			fprintf(stderr,
				"sonde: the kernel refused to load BPF programs (%s): run as root or "
				"with CAP_BPF and CAP_PERFMON\n",
				strerror(-rc));
			goto fail;
		}
		uint32_t bad = failed_probe(p, cap.buf);
		if (rc == -ENOSPC && (flags & LD_VERIFIER_LOG)) {
			/* The kernel refuses a program whose log did not fit in the
			 * buffer, whatever the verifier found: that verdict is -d's
			 * doing, so the object is loaded again without the log. */
			fprintf(stderr,
				"sonde: -d: the verifier's log of probe '%s' outgrew its %d MiB buffer "
				"(the part kept is above), and the kernel refuses a program whose log it "
				"cut: loading again without the log for the verifier's verdict\n",
				bad < p->m.nprobes ? p->m.probes[bad].spec : "?", LOG_SIZE >> 20);
			libbpf_set_print(old);
			current_capture = NULL;
			free(cap.buf);
			ld_unload(out);
			return ld_load(p, d, flags & ~LD_VERIFIER_LOG, dw_rows, out);
		}
		report_rejection(p, d, flags, out, cap.buf, bad, rc);
		goto fail;
	}
	rc = map_counters(out);
	if (rc)
		goto fail;
	libbpf_set_print(old);
	current_capture = NULL;
	free(cap.buf);
	return 0;
fail:
	libbpf_set_print(old);
	current_capture = NULL;
	free(cap.buf);
	ld_unload(out);
	return rc ? rc : -EINVAL;
}

void ld_unload(struct loaded *l)
{
	if (!l)
		return;
	if (l->counter_vals)
		munmap((void *)l->counter_vals, l->counter_map_len);
	bpf_object__close(l->obj);
	/* after the close: libbpf keeps pointing at them, and refuses
	 * bpf_program__set_log_buf once the object is loaded, so they cannot
	 * be handed back to it */
	for (size_t i = 0; l->log_bufs && l->progs && l->progs[i]; i++)
		free(l->log_bufs[i]);
	free(l->log_bufs);
	for (size_t i = 0; i < l->nkeep_fds; i++)
		close(l->keep_fds[i]);
	free(l->keep_fds);
	free(l->progs);
	free(l->maps);
	free(l->aux_maps);
	memset(l, 0, sizeof(*l));
}
