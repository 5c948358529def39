/*
 * registers.h - what the front end and the backend both ask about a
 * probe's registers: whether its context is an x86-64 struct pt_regs, and
 * where a register lies in it.
 */
#ifndef SONDE_BUILTINS_REGISTERS_H
#define SONDE_BUILTINS_REGISTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "probes/provider.h"

/* Whether the program of `ap` gets struct pt_regs as its context (or
 * starts with one: a perf event's bpf_perf_event_data): kprobes (not
 * kprobe: probes that fell back to fentry), uprobes, usdt, perf events. */
bool ap_has_pt_regs(const struct attach_point *ap);
/* Whether `ap` reads user memory through its registers (uprobe, usdt). */
bool ap_regs_are_user(const struct attach_point *ap);
/* The offset in struct pt_regs of the register bpftrace calls `name`
 * ("di", "sp", "ip", "r8"), or -1. */
int pt_regs_offset(const char *name);
/* All the names pt_regs_offset knows, NULL-terminated (for messages). */
extern const char *const pt_regs_names[];

enum { PT_REGS_CS = 136 };

#endif
