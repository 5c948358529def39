#!/usr/bin/env python3
"""opens.py FILE:N... - opens each FILE N times for reading and prints one
line per open: "FILE ok" or "FILE ERRNO-NAME" (lsm.test: which opens an lsm
probe denied)."""
import errno
import os
import sys

for arg in sys.argv[1:]:
    path, n = arg.rsplit(":", 1)
    for _ in range(int(n)):
        try:
            os.close(os.open(path, os.O_RDONLY))
            print(os.path.basename(path), "ok")
        except OSError as e:
            print(os.path.basename(path), errno.errorcode.get(e.errno, str(e.errno)))
sys.stdout.flush()
