#!/usr/bin/env python3
"""oom_in_cgroup.py COMM: make a memory cgroup of its own (cgroup2, named
COMM) with memory.max 32 MiB and no swap, start a child in it that renames
itself COMM and writes 64 MiB, and check the kernel's OOM killer ended the
child (SIGKILL); the cgroup is removed on every way out.

The OOM kill is the memory cgroup's: oom_kill_process() sees 8192 pages
(32 MiB) as the total, whatever the machine has."""
import os
import signal
import sys

comm = sys.argv[1]
root = "/sys/fs/cgroup"
cg = os.path.join(root, comm)


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


with open(os.path.join(root, "cgroup.subtree_control")) as f:
    if "memory" not in f.read().split():
        write(os.path.join(root, "cgroup.subtree_control"), "+memory")
os.mkdir(cg)
try:
    write(os.path.join(cg, "memory.max"), str(32 << 20))
    if os.path.exists(os.path.join(cg, "memory.swap.max")):
        write(os.path.join(cg, "memory.swap.max"), "0")
    pid = os.fork()
    if pid == 0:
        write(os.path.join(cg, "cgroup.procs"), str(os.getpid()))
        write("/proc/self/comm", comm)
        chunks = [b"\1" * (1 << 20) for _ in range(64)]
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if not os.WIFSIGNALED(status) or os.WTERMSIG(status) != signal.SIGKILL:
        sys.exit("oom_in_cgroup.py: the child was not OOM-killed (status %#x)" % status)
finally:
    os.rmdir(cg)
