#!/usr/bin/env python3
"""direct_writes.py COMM SIZE COUNT: rename this process COMM, then write
COUNT blocks of SIZE bytes with O_DIRECT to a file on the root file system
(renamed only for the writes) and remove it.

O_DIRECT writes are issued to the block layer by the writing task itself,
one request per write() of an aligned buffer, so a tracer of
block:block_rq_issue sees exactly COUNT requests of SIZE bytes from COMM.
/var/tmp rather than /tmp, which may be a tmpfs without a block device."""
import mmap
import os
import sys
import tempfile

comm, size, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
buf = mmap.mmap(-1, size)  # page-aligned, as O_DIRECT requires
buf.write(b"x" * size)
fd, path = tempfile.mkstemp(dir="/var/tmp")
os.close(fd)
try:
    fd = os.open(path, os.O_WRONLY | os.O_DIRECT)
    # Allocate the blocks first so the writes below need no allocation.
    os.posix_fallocate(fd, 0, size * count)
    os.fsync(fd)
    # Only the writes below carry COMM: fsync's own cache flush does not.
    with open("/proc/self/comm", "w") as f:
        f.write(comm)
    for i in range(count):
        os.pwrite(fd, buf, i * size)
    os.close(fd)
finally:
    os.unlink(path)
