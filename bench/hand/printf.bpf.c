/* tracepoint:syscalls:sys_enter_getppid /pid == P/ { printf("ev %d\n", tid); }
 * One 8-byte record per event; the loader (-p) formats it in user space. */
#include "common.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int printf_ev(struct sys_enter_getppid *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)(pid_tgid >> 32) != TARGET_PID)
		return 0;
	__u32 *r = bpf_ringbuf_reserve(&events, 8, 0);
	if (!r)
		return 0;
	r[0] = (__u32)pid_tgid;
	r[1] = 0;
	bpf_ringbuf_submit(r, 0);
	return 0;
}
