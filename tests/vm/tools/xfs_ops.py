#!/usr/bin/env python3
"""xfs_ops.py COMM: make an XFS filesystem on a loop device over a sparse
file in memory (tools/loopdev.py), mount it, and have a child named COMM
open one new file there read-write (one xfs_file_open), write 4 KiB to it
twice (two xfs_file_write_iter), fsync it three times (three
xfs_file_fsync) and read the 8 KiB back with four preads of 2 KiB (four
xfs_file_read_iter); no other process uses the filesystem. The counts
differ so that xfsdist.bt's histograms print in one order, by their
totals. On every way out the filesystem is unmounted and the loop device
detached. The xfs module must be loaded before (the test's RUN loads it,
so that the tool's kprobes find its functions).

mkfs.xfs refuses filesystems under 300 MB, hence 320 MiB, of which it
writes some 65 (the log). Outside the guest it exits 77 before anything
is changed."""
import os
import sys

from loopdev import as_process, exit_unless_in_guest, loop_devices, mounted, run

comm = sys.argv[1]
exit_unless_in_guest()


def known_calls(directory):
    def work():
        fd = os.open(os.path.join(directory, "file"), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            for _ in range(2):
                if os.write(fd, b"x" * 4096) != 4096:
                    raise RuntimeError("short write")
            for _ in range(3):
                os.fsync(fd)
            for i in range(4):
                if os.pread(fd, 2048, i * 2048) != b"x" * 2048:
                    raise RuntimeError("read back something else")
        finally:
            os.close(fd)
    return work


with loop_devices([320]) as (dev,):
    run("mkfs.xfs", "-q", "-K", dev)  # -K: no discard of the whole device first
    with mounted(dev, "xfs") as mnt:
        as_process(comm, known_calls(mnt))
