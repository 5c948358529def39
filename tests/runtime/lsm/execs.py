#!/usr/bin/env python3
"""execs.py PROGRAM N - runs PROGRAM (no arguments) N times and prints one
line per run: "exec ok" or "exec ERRNO-NAME" when execve failed (lsm.test:
executions an lsm probe denied)."""
import errno
import subprocess
import sys

for _ in range(int(sys.argv[2])):
    try:
        subprocess.run([sys.argv[1]], check=False)
        print("exec ok")
    except OSError as e:
        print("exec", errno.errorcode.get(e.errno, str(e.errno)))
sys.stdout.flush()
