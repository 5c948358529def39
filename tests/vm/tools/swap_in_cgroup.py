#!/usr/bin/env python3
"""swap_in_cgroup.py COMM: make the scratch disk that tests/vm/guest.py
--disk gives the guest (the virtio disk whose serial is "sonde-scratch")
swap, start a child in a memory cgroup of its own (cgroup2, named COMM)
with memory.max 16 MiB that renames itself COMM, writes 48 MiB and reads
it all back: what went to swap comes back through swap_readpage() in the
child. On every way out the swap is turned off and the cgroup removed.

Only that disk is touched: without it (this script run outside the guest)
it exits 77 before anything is changed."""
import os
import subprocess
import sys

SERIAL = "sonde-scratch"
comm = sys.argv[1]


def scratch_disk():
    for name in sorted(os.listdir("/sys/block")):
        try:
            with open("/sys/block/%s/serial" % name) as f:
                if f.read().strip() == SERIAL:
                    return "/dev/" + name
        except OSError:
            continue
    return None


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


dev = scratch_disk()
if dev is None:
    sys.exit(77)
root = "/sys/fs/cgroup"
cg = os.path.join(root, comm)
subprocess.run(["mkswap", dev], check=True, stdout=subprocess.DEVNULL)
subprocess.run(["swapon", dev], check=True)
try:
    with open(os.path.join(root, "cgroup.subtree_control")) as f:
        if "memory" not in f.read().split():
            write(os.path.join(root, "cgroup.subtree_control"), "+memory")
    os.mkdir(cg)
    try:
        write(os.path.join(cg, "memory.max"), str(16 << 20))
        pid = os.fork()
        if pid == 0:
            write(os.path.join(cg, "cgroup.procs"), str(os.getpid()))
            write("/proc/self/comm", comm)
            chunks = [bytearray(b"\1" * (1 << 20)) for _ in range(48)]
            os._exit(0 if sum(sum(c[::4096]) for c in chunks) == 48 * 256 else 1)  # every page
        _, status = os.waitpid(pid, 0)
        if status != 0:
            sys.exit("swap_in_cgroup.py: the child failed (status %#x)" % status)
    finally:
        os.rmdir(cg)
finally:
    subprocess.run(["swapoff", dev], check=True)
