/*
 * table.c - the list of probe providers, and what they share: the
 * listing of one probe line, the attachment bookkeeping.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <fnmatch.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "probes/provider.h"

extern const struct provider provider_begin, provider_end, provider_tracepoint,
	provider_rawtracepoint, provider_interval, provider_profile;
extern const struct provider provider_kprobe, provider_kretprobe, provider_fentry, provider_fexit,
	provider_uprobe, provider_uretprobe, provider_usdt, provider_software, provider_hardware;
extern const struct provider provider_xdp;
extern const struct provider provider_tc;
extern const struct provider provider_watchpoint, provider_asyncwatchpoint;
extern const struct provider provider_iter;
extern const struct provider provider_lsm;
extern const struct provider provider_self;
extern const struct provider provider_test, provider_bench;

const struct provider *const provider_table[] = {
	&provider_begin,	  &provider_end,      &provider_tracepoint,
	&provider_rawtracepoint, &provider_interval, &provider_profile,
	&provider_xdp,
	&provider_tc,
	&provider_kprobe, &provider_kretprobe, &provider_fentry, &provider_fexit,
	&provider_uprobe, &provider_uretprobe, &provider_usdt, &provider_software, &provider_hardware,
	&provider_watchpoint, &provider_asyncwatchpoint,
	&provider_iter,
	&provider_lsm,
	&provider_self,
	&provider_test, &provider_bench,
	NULL,
};

const struct provider *provider_find(const char *name)
{
	for (int i = 0; provider_table[i]; i++) {
		const struct provider *p = provider_table[i];
		if (!strcmp(p->name, name))
			return p;
		for (const char *const *al = p->aliases; al && *al; al++)
			if (!strcmp(*al, name))
				return p;
	}
	return NULL;
}

const struct verdict *provider_verdict(const struct provider *p, const char *name)
{
	for (const struct verdict *v = p->verdicts; v && v->name; v++)
		if (v->statement && !strcmp(v->name, name))
			return v;
	return NULL;
}

bool provider_any_verdict(const char *name)
{
	for (int i = 0; provider_table[i]; i++)
		if (provider_verdict(provider_table[i], name))
			return true;
	return false;
}

enum spec_form provider_spec_form(const char *name, size_t len)
{
	char buf[64];
	if (len >= sizeof(buf))
		return SPEC_FIELDS;
	memcpy(buf, name, len);
	buf[len] = 0;
	const struct provider *p = provider_find(buf);
	return p ? p->form : SPEC_FIELDS;
}

bool probe_list_line(struct probe_lister *l, const char *line)
{
	if (l->glob && fnmatch(l->glob, line, 0))
		return false;
	if (!l->args_only)
		fprintf(l->out, "%s\n", line);
	l->n++;
	return true;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, nc * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = nc;
	return 0;
}

int rt_attachment_add_link(struct rt_attachment *a, struct bpf_link *link)
{
	if (grow((void **)&a->links, &a->cap_links, a->nlinks, sizeof(*a->links))) {
		bpf_link__destroy(link);
		return -ENOMEM;
	}
	a->links[a->nlinks++] = link;
	return 0;
}

int rt_attachment_add_fd(struct rt_attachment *a, int fd)
{
	if (grow((void **)&a->fds, &a->cap_fds, a->nfds, sizeof(*a->fds)))
		return -ENOMEM;
	a->fds[a->nfds++] = fd;
	return 0;
}

int rt_attachment_add_cleanup(struct rt_attachment *a, void (*fn)(void *arg), void *arg)
{
	if (grow((void **)&a->cleanups, &a->cap_cleanups, a->ncleanups, sizeof(*a->cleanups))) {
		fn(arg);
		return -ENOMEM;
	}
	a->cleanups[a->ncleanups++] = (struct rt_cleanup){fn, arg};
	return 0;
}

int rt_attachment_add_watcher(struct rt_attachment *a, const struct rt_watcher *w)
{
	if (grow((void **)&a->watchers, &a->cap_watchers, a->nwatchers, sizeof(*a->watchers)))
		return -ENOMEM;
	a->watchers[a->nwatchers++] = *w;
	return 0;
}

/* Closing a tracepoint's perf event waits for the kernel to unregister it
 * (about 80 ms each here), and the waits of different events overlap:
 * many links are destroyed by several threads at once, each taking every
 * n-th link, so Ctrl-C on hundreds of probes takes a second, not half a
 * minute. */
enum { DESTROY_THREADS = 16, DESTROY_SERIAL_BELOW = 8 };

struct destroy_slice {
	struct bpf_link **links;
	size_t n, first, step;
};

static void *destroy_slice(void *arg)
{
	struct destroy_slice *s = arg;
	for (size_t i = s->first; i < s->n; i += s->step)
		bpf_link__destroy(s->links[i]);
	return NULL;
}

static void destroy_links(struct bpf_link **links, size_t n)
{
	pthread_t threads[DESTROY_THREADS];
	struct destroy_slice slices[DESTROY_THREADS];
	size_t nthreads = n < DESTROY_SERIAL_BELOW ? 0 : n / 4;
	if (nthreads > DESTROY_THREADS)
		nthreads = DESTROY_THREADS;
	size_t started = 0;
	/* signals stay with the main thread (its signalfd) */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (; started < nthreads; started++) {
		slices[started] = (struct destroy_slice){links, n, started, nthreads};
		if (pthread_create(&threads[started], NULL, destroy_slice, &slices[started]))
			break;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (started == nthreads && nthreads) {
		for (size_t t = 0; t < started; t++)
			pthread_join(threads[t], NULL);
		return;
	}
	/* no threads (few links, or none could start): the rest, newest first */
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	for (size_t i = n; i > 0; i--)
		if (!nthreads || (i - 1) % nthreads >= started)
			bpf_link__destroy(links[i - 1]);
}

void rt_attachment_release(struct rt_attachment *a)
{
	destroy_links(a->links, a->nlinks);
	for (size_t i = a->ncleanups; i > 0; i--)
		a->cleanups[i - 1].fn(a->cleanups[i - 1].arg);
	for (size_t i = 0; i < a->nfds; i++)
		close(a->fds[i]);
	free(a->links);
	free(a->fds);
	free(a->cleanups);
	free(a->watchers);
	memset(a, 0, sizeof(*a));
}
