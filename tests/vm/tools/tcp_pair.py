#!/usr/bin/env python3
"""tcp_pair.py COMM PORT: in a network namespace of its own, rename this
process COMM, listen on 127.0.0.1:PORT (backlog 5), connect to it, send
4096 bytes each way, and close both ends.

The namespace (unshare(CLONE_NEWNET), then lo up) keeps the connection off
every real interface and makes PORT free whatever else runs; the kernel
functions the TCP tools trace run the same in any namespace."""
import ctypes
import os
import socket
import subprocess
import sys

CLONE_NEWNET = 0x40000000

comm, port = sys.argv[1], int(sys.argv[2])
if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) != 0:
    sys.exit("tcp_pair.py: unshare(CLONE_NEWNET): " + os.strerror(ctypes.get_errno()))
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
with open("/proc/self/comm", "w") as f:
    f.write(comm)

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", port))
listener.listen(5)
client = socket.create_connection(("127.0.0.1", port))
server, _ = listener.accept()
payload = b"x" * 4096
client.sendall(payload)
got = b""
while len(got) < len(payload):
    got += server.recv(len(payload) - len(got))
server.sendall(payload)
got = b""
while len(got) < len(payload):
    got += client.recv(len(payload) - len(got))
client.close()
server.close()
listener.close()
