#!/usr/bin/env python3
"""syscall_formats.py - core.test's evidence that syscall tracepoints have
one layout on every kernel sonde runs on, which lets an object read their
arguments at constant offsets (src/probes/tracepoint.c, tp_syscall_layout):
after the 8-byte common header, int __syscall_nr at offset 8 (4 bytes),
then each argument in 8 bytes of its own from offset 16 (sys_enter_*), or
long ret at 16 (sys_exit_*). Prints how many formats it read and each one
that differs."""
import glob
import os
import re

tracefs = "/sys/kernel/tracing"
if not os.path.isdir(tracefs + "/events"):
    tracefs = "/sys/kernel/debug/tracing"
field = re.compile(r"\tfield:(.*?);\toffset:(\d+);\tsize:(\d+);")
counts = {"enter": 0, "exit": 0}
for path in sorted(glob.glob(tracefs + "/events/syscalls/sys_*/format")):
    name = path.split("/")[-2]
    kind = "enter" if name.startswith("sys_enter_") else "exit"
    fields = [(decl.split()[-1], int(off), int(size))
              for decl, off, size in field.findall(open(path).read())
              if not decl.split()[-1].startswith("common_")]
    want = [("__syscall_nr", 8, 4)]
    if kind == "enter":
        want += [(f[0], 16 + 8 * i, 8) for i, f in enumerate(fields[1:])]
    else:
        want += [("ret", 16, 8)]
    if fields != want:
        print(f"{name} differs: {fields}")
    counts[kind] += 1
print(f"enter formats: {counts['enter'] > 100}, exit formats: {counts['exit'] > 100}")
