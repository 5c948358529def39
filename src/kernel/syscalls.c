/*
 * syscalls.c - which syscall number each syscalls:* trace event is for.
 *
 * A syscalls:sys_enter_NAME event fires for the one native number whose
 * table entry is NAME's SYSCALL_DEFINE (the kernel matches them at boot,
 * init_ftrace_syscalls). The kernel does not say which after boot: the
 * section of syscall records it reads is init data, freed by then, and its
 * own table (syscalls_metadata) is in no symbol /proc/kallsyms lists. So
 * the numbers are the build's <asm/unistd.h> (x86-64's are ABI, never
 * reused), with the names the event takes where it differs from the
 * __NR_ name, and the syscalls newer than the header. An event this table
 * does not name keeps its perf event (probes/tracepoint.c).
 */
#include "kernel/syscalls.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/btf.h"
#include "kernel/host.h"

/* The build's <asm/unistd.h> numbers (scripts/syscall_names.sh): native
 * x86-64 numbers are ABI, the same in every kernel */
static const struct {
	uint32_t nr;
	const char *name;
} unistd_names[] = {
#include "syscall_names.h"
};

/* Where the event's name (the SYSCALL_DEFINE name) is not the __NR_ name
 * (arch/x86/entry/syscalls/syscall_64.tbl: the entry point is not
 * sys_NAME); the __NR_ name itself then names no event */
static const struct {
	const char *nr_name, *event;
} renamed[] = {
    {"stat", "newstat"},       {"fstat", "newfstat"}, {"lstat", "newlstat"},
    {"uname", "newuname"},     {"umount2", "umount"}, {"sendfile", "sendfile64"},
};

/* Syscalls newer than some build hosts' headers (x86-64 numbers), by the
 * kernel's symbol for them, sys_NAME */
static const struct {
	uint32_t nr;
	const char *name;
} newer[] = {
    {335, "sys_uretprobe"},        {336, "sys_uprobe"},          {451, "sys_cachestat"},
    {452, "sys_fchmodat2"},        {453, "sys_map_shadow_stack"}, {454, "sys_futex_wake"},
    {455, "sys_futex_wait"},       {456, "sys_futex_requeue"},    {457, "sys_statmount"},
    {458, "sys_listmount"},        {459, "sys_lsm_get_self_attr"}, {460, "sys_lsm_set_self_attr"},
    {461, "sys_lsm_list_modules"}, {462, "sys_mseal"},            {463, "sys_setxattrat"},
    {464, "sys_getxattrat"},       {465, "sys_listxattrat"},      {466, "sys_removexattrat"},
    {467, "sys_open_tree_attr"},   {468, "sys_file_getattr"},     {469, "sys_file_setattr"},
};

static int add_event(struct syscall_table *t, size_t cap, const char *name, uint32_t nr)
{
	for (uint32_t i = 0; i < t->n; i++)
		if (!strcmp(t->v[i].name, name) || t->v[i].nr == (int)nr)
			return 0;
	if (t->n == cap || !(t->v[t->n].name = strdup(name)))
		return -ENOMEM;
	t->v[t->n++].nr = (int)nr;
	if ((int)nr > t->max_nr)
		t->max_nr = (int)nr;
	return 0;
}

static int member_off(struct host *h, const char *rec, const char *member, uint32_t *off)
{
	int id = btf_find_record(h, rec, false);
	uint32_t type_id, bitfield, bit_off;
	if (id <= 0)
		return -ENOENT;
	return btf_find_member(h, (uint32_t)id, member, off, &type_id, &bitfield, &bit_off);
}

static int cmp_event(const void *a, const void *b)
{
	return strcmp(((const struct syscall_event *)a)->name,
		      ((const struct syscall_event *)b)->name);
}

static int load_table(struct host *h, struct syscall_table *t)
{
#if !defined(__x86_64__)
	(void)h;
	(void)t;
	return -EOPNOTSUPP; /* the saved registers' layout is x86-64's (backend/probe.c) */
#else
	t->status_off = -1;
	/* x86-64's TS_COMPAT (arch/x86/include/asm/thread_info.h): the
	 * kernel's test for a 32-bit syscall, where syscalls:* are silent */
	t->compat_bit = 0x0002;
	uint32_t ti_off, status_off;
	if (!member_off(h, "task_struct", "thread_info", &ti_off) &&
	    !member_off(h, "thread_info", "status", &status_off))
		t->status_off = (int32_t)(ti_off + status_off);
	size_t nunistd = sizeof(unistd_names) / sizeof(unistd_names[0]);
	size_t cap = nunistd + sizeof(newer) / sizeof(newer[0]);
	t->v = calloc(cap, sizeof(*t->v));
	t->max_nr = -1;
	if (!t->v)
		return -ENOMEM;
	for (size_t i = 0; i < nunistd; i++) {
		const char *name = unistd_names[i].name;
		for (size_t j = 0; j < sizeof(renamed) / sizeof(renamed[0]); j++)
			if (!strcmp(name, renamed[j].nr_name))
				name = renamed[j].event;
		if (add_event(t, cap, name, unistd_names[i].nr))
			return -ENOMEM;
	}
	for (size_t i = 0; i < sizeof(newer) / sizeof(newer[0]); i++)
		if (add_event(t, cap, newer[i].name + 4, newer[i].nr))
			return -ENOMEM;
	qsort(t->v, t->n, sizeof(*t->v), cmp_event);
	return t->n ? 0 : -ENOENT;
#endif
}

const struct syscall_table *syscalls_table(struct host *h)
{
	if (!h->syscalls) {
		h->syscalls = calloc(1, sizeof(*h->syscalls));
		if (!h->syscalls)
			return NULL;
		h->syscalls->err = load_table(h, h->syscalls);
	}
	return h->syscalls;
}

int syscalls_nr(struct host *h, const char *name)
{
	const struct syscall_table *t = syscalls_table(h);
	if (!t || t->err)
		return -1;
	struct syscall_event key = {.name = (char *)name};
	const struct syscall_event *e = bsearch(&key, t->v, t->n, sizeof(*t->v), cmp_event);
	return e ? e->nr : -1;
}

void syscalls_host_free(struct host *h)
{
	if (!h->syscalls)
		return;
	for (uint32_t i = 0; i < h->syscalls->n; i++)
		free(h->syscalls->v[i].name);
	free(h->syscalls->v);
	free(h->syscalls);
	h->syscalls = NULL;
}
