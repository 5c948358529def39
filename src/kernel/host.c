/*
 * host.c - the per-process record of what was read about the machine
 * (see host.h). Each cache is filled by its own file (btf.c, symbols.c,
 * features.c); this file only says where the real kernel is read and
 * frees it all at the end.
 */
#include "kernel/host.h"

#include <string.h>

static const char *const traceable_files[] = {
	"/sys/kernel/tracing/available_filter_functions",
	"/sys/kernel/debug/tracing/available_filter_functions", NULL};
static const char *const kprobe_blacklist_files[] = {"/sys/kernel/debug/kprobes/blacklist", NULL};

void host_init(struct host *h)
{
	memset(h, 0, sizeof(*h));
	h->kallsyms_path = "/proc/kallsyms";
	h->traceable_paths = traceable_files;
	h->kprobe_blacklist_paths = kprobe_blacklist_files;
}

void host_fini(struct host *h)
{
	btf_host_free(h);
	sym_host_free(h);
	syscalls_host_free(h);
	memset(h, 0, sizeof(*h));
}
