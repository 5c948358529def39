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

from memcg import memory_cgroup, run_in

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


def fill_and_read_back():
    chunks = [bytearray(b"\1" * (1 << 20)) for _ in range(48)]
    return 0 if sum(sum(c[::4096]) for c in chunks) == 48 * 256 else 1  # every page


dev = scratch_disk()
if dev is None:
    sys.exit(77)
subprocess.run(["mkswap", dev], check=True, stdout=subprocess.DEVNULL)
subprocess.run(["swapon", dev], check=True)
try:
    with memory_cgroup(comm, 16 << 20) as cg:
        status = run_in(cg, comm, fill_and_read_back)
        if status != 0:
            sys.exit("swap_in_cgroup.py: the child failed (status %#x)" % status)
finally:
    subprocess.run(["swapoff", dev], check=True)
