#!/usr/bin/env python3
"""md_flush.py COMM: make a RAID-1 md array, /dev/md42, of two loop devices
over sparse files in memory (tools/loopdev.py), and have a child named
COMM write 4 KiB to the array and fsync it: the fsync sends the array one
flush (blkdev_issue_flush), which reaches md_flush_request() in the
child. The array is made with --assume-clean and no bitmap, so no resync
runs meanwhile. On every way out the array is stopped and the loop
devices detached. md_mod must be loaded before (the test's RUN loads it,
so that the tool's kprobe finds md_flush_request).

Outside the guest it exits 77 before anything is changed."""
import os
import sys

from loopdev import as_process, exit_unless_in_guest, loop_devices, run

ARRAY = "/dev/md42"  # its disk name, md42, is what mdflush.bt prints
ARRAY_SYSFS = "/sys/block/md42"
comm = sys.argv[1]
exit_unless_in_guest()


def write_and_fsync():
    fd = os.open(ARRAY, os.O_WRONLY)
    try:
        if os.write(fd, b"x" * 4096) != 4096:
            raise RuntimeError("short write")
        os.fsync(fd)
    finally:
        os.close(fd)


if os.path.exists(ARRAY_SYSFS):
    sys.exit("md_flush.py: %s exists already; it is not this script's to use or stop" % ARRAY)
run("modprobe", "raid1")
with loop_devices([16, 16]) as members:
    try:
        run("mdadm", "--create", ARRAY, "--run", "--quiet", "--level=1", "--raid-devices=2",
            "--metadata=1.2", "--assume-clean", "--bitmap=none", *members)
        as_process(comm, write_and_fsync)
    finally:
        # also after a --create that failed half-way: the members stay
        # held (and so undetachable) while the array exists at all
        if os.path.exists(ARRAY_SYSFS):
            run("mdadm", "--stop", "--quiet", ARRAY)
