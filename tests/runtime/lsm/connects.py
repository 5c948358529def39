#!/usr/bin/env python3
"""connects.py COMM N - renames itself COMM, then connects a UDP socket to
127.0.0.1 port 9 N times (no packet is sent) and prints one line per
connect(2): "connect ok" or "connect ERRNO-NAME" (lsm.test: the connects
an lsm probe denied)."""
import errno
import socket
import sys

with open("/proc/self/comm", "w") as f:
    f.write(sys.argv[1])
for _ in range(int(sys.argv[2])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("127.0.0.1", 9))
        print("connect ok")
    except OSError as e:
        print("connect", errno.errorcode.get(e.errno, str(e.errno)))
    s.close()
sys.stdout.flush()
