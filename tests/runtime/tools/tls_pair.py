#!/usr/bin/env python3
"""tls_pair.py COMM PORT DIR: in a network namespace of its own, rename
this process COMM, make a throw-away self-signed certificate in DIR with
the openssl command, listen on 127.0.0.1:PORT, and run one TLS 1.3
handshake between a client and a server thread of this process; then the
client sends b"ping" and the server answers b"pong", and both close.

The namespace (unshare(CLONE_NEWNET), then lo up) keeps the connection off
every real interface and makes PORT free whatever else runs.  The
certificate's key is an EC P-256 key, made before the rename: openssl's
own calls are not the trigger's."""
import ctypes
import os
import socket
import ssl
import subprocess
import sys
import threading

CLONE_NEWNET = 0x40000000

comm, port, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost"],
               check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
if ctypes.CDLL(None, use_errno=True).unshare(CLONE_NEWNET) != 0:
    sys.exit("tls_pair.py: unshare(CLONE_NEWNET): " + os.strerror(ctypes.get_errno()))
subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
with open("/proc/self/comm", "w") as f:
    f.write(comm)

server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
server_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
server_ctx.load_cert_chain(cert, key)
client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
client_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
client_ctx.load_verify_locations(cert)

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", port))
listener.listen(1)
failure = []


def serve():
    try:
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as s:
            if s.recv(4) != b"ping":
                failure.append("server: no ping")
            s.sendall(b"pong")
    except Exception as e:  # reported by the main thread
        failure.append("server: %r" % e)


server = threading.Thread(target=serve)
server.start()
with client_ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost") as c:
    c.sendall(b"ping")
    if c.recv(4) != b"pong":
        failure.append("client: no pong")
server.join()
listener.close()
if failure:
    sys.exit("tls_pair.py: " + "; ".join(failure))
