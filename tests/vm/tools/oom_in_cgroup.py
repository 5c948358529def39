#!/usr/bin/env python3
"""oom_in_cgroup.py COMM: make a memory cgroup of its own (cgroup2, named
COMM) with memory.max 32 MiB and no swap, start a child in it that renames
itself COMM and writes 64 MiB, and check the kernel's OOM killer ended the
child (SIGKILL); the cgroup is removed on every way out (memcg.py).

The OOM kill is the memory cgroup's: oom_kill_process() sees 8192 pages
(32 MiB) as the total, whatever the machine has."""
import os
import signal
import sys

from memcg import memory_cgroup, run_in

comm = sys.argv[1]


def fill():
    chunks = [b"\1" * (1 << 20) for _ in range(64)]
    return 0 if len(chunks) == 64 else 1


with memory_cgroup(comm, 32 << 20, swap_max=0) as cg:
    status = run_in(cg, comm, fill)
    if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGKILL:
        sys.exit("oom_in_cgroup.py: the child was not OOM-killed (status %#x)" % status)
