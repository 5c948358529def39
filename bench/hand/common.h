/* common.h - shared by the hand-written BPF programs of the bench. */
#ifndef BENCH_HAND_COMMON_H
#define BENCH_HAND_COMMON_H
#include <linux/bpf.h>
#include <linux/types.h>
#include <bpf/bpf_helpers.h>

#ifndef TARGET_PID
#error "compile with -DTARGET_PID=<pid of the bench's event source>"
#endif

/* /sys/kernel/tracing/events/syscalls/sys_enter_getppid/format */
struct sys_enter_getppid {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 __syscall_nr;
};

/* /sys/kernel/tracing/events/syscalls/sys_enter_openat/format */
struct sys_enter_openat {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 __syscall_nr;
	__u64 dfd;
	const char *filename;
	__u64 flags;
	__u64 mode;
};

#define FROM_TARGET() ((__u32)(bpf_get_current_pid_tgid() >> 32) == TARGET_PID)

char LICENSE[] SEC("license") = "GPL";
#endif
