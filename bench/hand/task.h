/* task.h - the few task_struct and mm_struct fields the hand-written task
 * programs read, declared for CO-RE: preserve_access_index makes clang
 * record each access by field name, and libbpf rewrites the offsets to the
 * running kernel's at load, as it would from a full vmlinux.h. */
#ifndef BENCH_HAND_TASK_H
#define BENCH_HAND_TASK_H
#include <bpf/bpf_core_read.h>

struct mm_struct {
	unsigned long total_vm;
} __attribute__((preserve_access_index));

struct task_struct {
	int prio;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct mm_struct *mm;
} __attribute__((preserve_access_index));
#endif
