#!/usr/bin/env python3
"""syn_retrans.py PORT: in a network namespace of its own, make lo drop
every packet (netem loss 100%), and connect to 127.0.0.1:PORT with
TCP_SYNCNT 1: the kernel sends the SYN, retransmits it exactly once, and
connect() fails with ETIMEDOUT.

The namespace (unshare(CLONE_NEWNET)) keeps the lossy lo and the
connection off every real interface; it goes with this process."""
import ctypes
import errno
import os
import socket
import subprocess
import sys

CLONE_NEWNET = 0x40000000
TCP_SYNCNT = 7

port = int(sys.argv[1])
if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) != 0:
    sys.exit("syn_retrans.py: unshare(CLONE_NEWNET): " + os.strerror(ctypes.get_errno()))
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
subprocess.run(["tc", "qdisc", "add", "dev", "lo", "root", "netem", "loss", "100%"], check=True)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.IPPROTO_TCP, TCP_SYNCNT, 1)
try:
    s.connect(("127.0.0.1", port))
    sys.exit("syn_retrans.py: connect() succeeded through a lo that drops everything")
except OSError as e:
    if e.errno != errno.ETIMEDOUT:
        sys.exit("syn_retrans.py: connect(): %s, not ETIMEDOUT" % e)
