/*
 * syscalls.h - the kernel's own numbering of its syscall trace events.
 *
 * The syscalls:sys_enter_NAME / sys_exit_NAME events fire for one native
 * syscall number each, the one the kernel recorded in NAME's struct
 * syscall_metadata at boot. Knowing it, one raw_syscalls program can serve
 * many syscall events by dispatching on the number, as the kernel itself
 * does (probes/tracepoint.c).
 */
#ifndef SONDE_SYSCALLS_H
#define SONDE_SYSCALLS_H

#include <stdint.h>

struct host;

struct syscall_event {
	char *name; /* "openat": the NAME of sys_enter_NAME */
	int nr;     /* the native syscall number the event fires for */
};

struct syscall_table {
	struct syscall_event *v;
	uint32_t n;
	int max_nr;
	int err; /* -errno when the kernel's records could not be read */
	/* task_struct's thread_info.status and the bit saying the task is
	 * in a 32-bit (compat) syscall, for which the kernel emits no
	 * syscalls:* event; status_off -1 when BTF does not say */
	int32_t status_off;
	uint32_t compat_bit;
};

/* The table, made once per host; ->err set when there is none (not
 * x86-64). */
const struct syscall_table *syscalls_table(struct host *h);
/* The number of event NAME ("openat"), -1 when the table has none. */
int syscalls_nr(struct host *h, const char *name);
void syscalls_host_free(struct host *h);

#endif
