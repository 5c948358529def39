#!/usr/bin/env python3
"""Packet tests' private network: a network namespace and a veth pair made
for one test, sonde attached to one end, known traffic sent across, and
everything removed afterwards, whatever happens.

    netns.py [options] -- SONDE-ARGS...

The host end of the veth (@IF@) stays in the current namespace, the other
end (@PEER@) goes into a new namespace.  In SONDE-ARGS these are replaced:

    @IF@ @PEER@      interface names (unique per run, "sv" + 8 hex digits)
    @HOST4@ @NS4@    IPv4 addresses of the host and namespace ends
    @HOST6@ @NS6@    IPv6 addresses (only with --ipv6)
    @NET4@ @NET6@    their networks' addresses, a /24 and a /32 (198.18.7.0,
                     fd5e:1234::), as in @NET4@/24
    @OTHER4@ @OTHER6@  an address of those networks that no end has (.9, ::9),
                     for rewritten sources
    @TMP@            a temporary directory, removed afterwards

By default sonde runs in the current namespace (attach it to @IF@) and
traffic goes from the namespace to the host, so the probed interface
receives it.  --inside runs sonde in the namespace (attach to @PEER@) and
sends traffic from the host.  --from overrides the direction (egress tests).

Traffic specs (--send, repeatable, sent in order):
    udp4:N:PORT   N UDP datagrams to PORT (source ports 40000, 40001, ...)
    udp6:N:PORT   the same over IPv6
    udp4z:N:PORT  as udp4, with UDP checksum 0 (none; SO_NO_CHECK)
    udp6hbh:N:PORT  as udp6, behind a hop-by-hop options header
    tcp4:N:PORT   N TCP connections to a listener on PORT, 100 bytes each
    tcp6:N:PORT   the same over IPv6
    tcp4:N:PORT:LPORT  (tcp6: too) the same with the listener on LPORT, not
                  PORT (a port-redirecting probe between them); afterwards
                  "accepted tcp LPORT: COUNT" and "received tcp bytes: B"
    syn4:N:PORT   N connection attempts to PORT where nothing listens
                  (exactly one SYN each, answered by a RST)
    rawsyn4:N:PORT[:HOST]
                  N TCP SYNs to PORT written whole (a raw socket, never
                  retransmitted, whatever happens to them: a flood), from
                  source port 30000, 30001, ...; with HOST from the
                  address of that number in the veth's /24 (a source no
                  interface has, whose answers stay on the veth)
    spoof4:N:PORT N UDP datagrams to PORT, each from a forged source of
                  its own (100.64.0.1, 100.64.0.2, ...: no interface's, and
                  no route leads back to them, so nothing answers), written
                  whole on a raw socket; a fence every 32 keeps the
                  receiving veth's ring from overflowing
    icmp4:N       N echo requests (answered by the kernel)
    icmp6:N       N ICMPv6 echo requests

--recv udp4:PORT[,PORT...] (or udp6:) listens on the receiving end and,
after the traffic, prints "received udp PORT: COUNT" for each port;
udp4:PORT:ADDR listens on ADDR (an address --pre gave the end) instead of
the end's own.

--no-offload turns transmit checksum offload off on both ends of the
veth, so that every packet carries its full checksums and the receiving
kernel checks them (otherwise veth packets are CHECKSUM_PARTIAL, trusted
without a check): a receiver counting a rewritten packet then proves its
checksums valid.

--capture N:FILTER runs tcpdump on the receiving end's interface for the
first N packets matching FILTER (started before sonde, waited for after
the traffic, no timeout involved but the run's own) and prints the
capture read back with tcpdump -vv -n as "capture: LINE" lines.

--pre CMD runs (sh -c, placeholders replaced) after the set-up and before
sonde, --during CMD after the traffic while sonde still runs, --check CMD
after sonde exited and before the tear-down; their output is printed as
"pre: LINE", "during: LINE", "check: LINE", and "pre/during/check status:
N" when a command fails.

--shell SCRIPT runs SCRIPT (sh -c, placeholders replaced) in place of a
single sonde, for tests that need several sondes at once or a sonde
killed mid-run; @NS@ is the namespace's name, and two helpers are there:
    python3 @NETNS@ _send SPEC DST4 DST6   traffic, as --send (run it in
                                           the namespace: ip netns exec @NS@)
    python3 @NETNS@ _until CMD             waits until sh -c CMD succeeds
                                           (20 s at most, then fails)
Its output is copied to ours and its exit status is ours.

Without a network (--no-net) the helper only provides @TMP@ and --pcap.
--pcap FILE:SPEC[;SPEC...] writes a pcap file (before sonde starts) with
crafted Ethernet packets: udp4:N:SPORT:DPORT, tcp4:N:SPORT:DPORT:FLAGS,
icmp4:N, udp6:N:SPORT:DPORT, vlan-udp4:N:VLAN:DPORT,
qinq-udp4:N:VLAN:DPORT (tags VLAN and VLAN + 1), udp6hbh:N:SPORT:DPORT
(behind a hop-by-hop options header), arp:N,
spoof4:N:DPORT (UDP from N forged sources, 10.0.0.1 and up, one packet
each), from4:N:SRC:DPORT (N UDP datagrams from the IPv4 address SRC),
frag-udp4:N:SPORT:DPORT (a non-first IPv4 fragment), and the
format options be (big-endian file) and nsec (nanosecond timestamps).

IPv6 is disabled on the veth unless --ipv6, and neighbours are static, so
the only packets on the wire are the ones sent: counts are exact. With
--ipv6 the kernel also sends MLD reports for the addresses' solicited-node
groups, from the unspecified address :: (there is no link-local address),
at a random time within its report interval: a test that counts every
IPv6 packet leaves out pkt.saddr == ::.

sonde's stdout and stderr are copied to ours, then the receivers' lines;
the exit status is sonde's (or 99 when the set-up itself failed).
"""

import argparse
import os
import random
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.abspath(__file__)


def sh(*argv, check=True, ns=None):
    if ns:
        argv = ("ip", "netns", "exec", ns) + argv
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stderr.decode(errors="replace").strip()))
    return r


class Net:
    def __init__(self, ipv6):
        tag = "%08x" % random.getrandbits(32)
        self.ns = "sonde-" + tag
        self.host_if = "sv%sh" % tag
        self.ns_if = "sv%sn" % tag
        # A /24 of 198.18.0.0/15 that no interface here has yet: the host
        # end's address is in the shared namespace, where receivers and
        # listeners bind it, so two runs at once must not share it.
        used = sh("ip", "-4", "-o", "addr", "show").stdout.decode()
        free = [(a, b) for a in (18, 19) for b in range(256)
                if " 198.%d.%d." % (a, b) not in used]
        a, b = random.choice(free)
        self.host4 = "198.%d.%d.1" % (a, b)
        self.ns4 = "198.%d.%d.2" % (a, b)
        self.host6 = "fd5e:%x::1" % random.getrandbits(16)
        self.ns6 = self.host6[:-1] + "2"
        self.net4 = "198.%d.%d.0" % (a, b)
        self.net6 = self.host6[:-1]
        self.other4 = "198.%d.%d.9" % (a, b)
        self.other6 = self.host6[:-1] + "9"
        self.ipv6 = ipv6
        self.made_ns = False

    def up(self):
        sh("ip", "netns", "add", self.ns)
        self.made_ns = True
        sh("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        sh("ip", "link", "set", self.ns_if, "netns", self.ns)
        hmac = open("/sys/class/net/%s/address" % self.host_if).read().strip()
        nmac = sh("ip", "netns", "exec", self.ns, "cat",
                  "/sys/class/net/%s/address" % self.ns_if).stdout.decode().strip()
        for ns, ifname in ((None, self.host_if), (self.ns, self.ns_if)):
            sh("sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=%d" % (ifname, 0 if self.ipv6 else 1), ns=ns)
            if self.ipv6:
                sh("sysctl", "-qw", "net.ipv6.conf.%s.router_solicitations=0" % ifname, ns=ns)
                sh("ip", "link", "set", ifname, "addrgenmode", "none", ns=ns)
        sh("ip", "addr", "add", self.host4 + "/24", "dev", self.host_if)
        sh("ip", "addr", "add", self.ns4 + "/24", "dev", self.ns_if, ns=self.ns)
        sh("ip", "neigh", "replace", self.ns4, "lladdr", nmac, "dev", self.host_if, "nud", "permanent")
        sh("ip", "neigh", "replace", self.host4, "lladdr", hmac, "dev", self.ns_if, "nud", "permanent",
           ns=self.ns)
        if self.ipv6:
            sh("ip", "-6", "addr", "add", self.host6 + "/64", "dev", self.host_if, "nodad")
            sh("ip", "-6", "addr", "add", self.ns6 + "/64", "dev", self.ns_if, "nodad", ns=self.ns)
            sh("ip", "-6", "neigh", "replace", self.ns6, "lladdr", nmac, "dev", self.host_if,
               "nud", "permanent")
            sh("ip", "-6", "neigh", "replace", self.host6, "lladdr", hmac, "dev", self.ns_if,
               "nud", "permanent", ns=self.ns)
        sh("ip", "link", "set", "lo", "up", ns=self.ns)
        sh("ip", "link", "set", self.ns_if, "up", ns=self.ns)
        sh("ip", "link", "set", self.host_if, "up")
        # let the links come up (and anything they send on their own pass)
        time.sleep(0.3)

    def down(self):
        if os.path.exists("/sys/class/net/" + self.host_if):
            sh("ip", "link", "del", self.host_if, check=False)
        if self.made_ns:
            sh("ip", "netns", "del", self.ns, check=False)

    def subst(self, s, tmp):
        for k, v in (("@IF@", self.host_if), ("@PEER@", self.ns_if), ("@HOST4@", self.host4),
                     ("@NS4@", self.ns4), ("@HOST6@", self.host6), ("@NS6@", self.ns6),
                     ("@NET4@", self.net4), ("@NET6@", self.net6),
                     ("@OTHER4@", self.other4), ("@OTHER6@", self.other6),
                     ("@TMP@", tmp), ("@NS@", self.ns), ("@NETNS@", HERE)):
            s = s.replace(k, v)
        return s


# --------------------------------------------------------------------------
# Traffic (run as `netns.py _send SPEC DST4 DST6 SRC4 SRC6`, in the sending namespace)

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xffff)
    s += s >> 16
    return ~s & 0xffff


def send(spec, dst4, dst6, src4="0.0.0.0", src6="::"):
    parts = spec.split(":")
    kind, n = parts[0], int(parts[1])
    port = int(parts[2]) if len(parts) > 2 else 0
    v6 = kind.endswith("6")
    fam, dst, src = (socket.AF_INET6, dst6, src6) if v6 else (socket.AF_INET, dst4, src4)
    if kind in ("udp4", "udp6", "udp4z", "udp6hbh"):
        fam, dst, src = (socket.AF_INET, dst4, src4) if kind == "udp4z" else (fam, dst, src)
        if kind == "udp6hbh":
            fam, dst, src = socket.AF_INET6, dst6, src6
        for i in range(n):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if kind == "udp4z":
                s.setsockopt(socket.SOL_SOCKET, 11, 1)  # SO_NO_CHECK: checksum 0
            if kind == "udp6hbh":
                # a hop-by-hop options header (PadN) before the UDP header
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
            # this run's own address, not the wildcard: in the host's
            # namespace other programs (other runs) may use these ports
            s.bind((src, 40000 + i))
            s.sendto(b"sonde %d" % i, (dst, port))
            s.close()
    elif kind in ("tcp4", "tcp6"):
        for i in range(n):
            s = socket.create_connection((dst, port), timeout=5)
            s.sendall(b"x" * 100)
            s.shutdown(socket.SHUT_WR)
            while s.recv(4096):
                pass
            s.close()
    elif kind == "syn4":
        for i in range(n):
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.settimeout(5)
            try:
                s.connect((dst, port))
            except (ConnectionRefusedError, OSError):
                pass
            s.close()
    elif kind == "rawsyn4":
        if len(parts) > 3:
            src = "%s.%d" % (src4.rsplit(".", 1)[0], int(parts[3]))
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for i in range(n):
            seg = tcp(30000 + i, port, 0x02)
            pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack(
                "!BBH", 0, 6, len(seg))
            seg = seg[:16] + struct.pack("!H", checksum(pseudo + seg)) + seg[18:]
            s.sendto(ipv4(6, seg, src=src, dst=dst), (dst, 0))
        s.close()
    elif kind == "spoof4":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        for i in range(n):
            forged = socket.inet_ntoa(struct.pack("!I", 0x64400001 + i))
            s.sendto(ipv4(17, udp(1234, port), src=forged, dst=dst), (dst, 0))
            if i % 32 == 31:
                fence()
        s.close()
    elif kind in ("icmp4", "icmp6"):
        proto = socket.IPPROTO_ICMPV6 if v6 else socket.IPPROTO_ICMP
        s = socket.socket(fam, socket.SOCK_RAW, proto)
        s.settimeout(2)
        for i in range(n):
            typ = 128 if v6 else 8
            hdr = struct.pack("!BBHHH", typ, 0, 0, 0x5e, i) + b"sonde"
            if not v6:  # the kernel fills the ICMPv6 checksum
                hdr = hdr[:2] + struct.pack("!H", checksum(hdr)) + hdr[4:]
            s.sendto(hdr, (dst, 0))
            try:
                s.recv(2048)
            except socket.timeout:
                pass
        s.close()
    else:
        raise SystemExit("netns.py: unknown traffic kind %r" % kind)


def drain(p, s, counts):
    try:
        while True:
            s.recv(2048)
            counts[p] += 1
    except BlockingIOError:
        pass


def fence():
    """Returns once the kernel has handled every packet this process sent.
    A packet sent over the veth is handled by the receiving end in a
    softirq, usually before sendto() returns, but under load it can be left
    queued (the CPU's backlog, or the veth's ring when XDP is attached) for
    ksoftirqd; counts read before then (sonde's, the receivers') would be
    short. A datagram to ourselves over lo goes into the same CPU's backlog
    behind them (the process is pinned to one CPU), so when it arrives the
    packets before it have been handled. lo is not an interface under test."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(20)  # only so that a broken lo fails instead of hanging
    s.sendto(b"fence", s.getsockname())
    s.recv(16)
    s.close()


def recv(spec, addr):
    """`netns.py _recv udp4:P1,P2 ADDR`: count datagrams per port until SIGINT."""
    kind, ports = spec.split(":", 2)[:2]
    if spec.count(":") > 1:
        addr = spec.split(":", 2)[2]
    v6 = kind == "udp6"
    counts = {}
    socks = []
    for p in ports.split(","):
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_DGRAM)
        # bound to this run's address, not the wildcard: in the host's
        # namespace another run may listen on the same port at the same time
        s.bind((addr, int(p)))
        s.setblocking(False)
        socks.append((int(p), s))
        counts[int(p)] = 0
    stop = []
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    print("ready", flush=True)
    import select
    while not stop:
        r, _, _ = select.select([s for _, s in socks], [], [], 0.05)
        for p, s in socks:
            if s in r:
                drain(p, s, counts)
    # what arrived after the last select() (or while it was not running, the
    # SIGINT having come first) is in the sockets' queues still
    for p, s in socks:
        drain(p, s, counts)
    for p, _ in socks:
        print("received udp %d: %d" % (p, counts[p]), flush=True)


def tcp_server(port, v6, addr, stop, report=False):
    s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    s.settimeout(0.1)
    print("ready", flush=True)
    accepted = received = 0
    while not stop:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        accepted += 1
        c.settimeout(5)
        while True:
            b = c.recv(4096)
            if not b:
                break
            received += len(b)
        c.close()
    if report:
        print("accepted tcp %d: %d" % (port, accepted), flush=True)
        print("received tcp bytes: %d" % received, flush=True)


def no_offload(ifname):
    """`netns.py _nooffload IF`: transmit checksum offload off
    (ETHTOOL_STXCSUM through SIOCETHTOOL; ethtool(8) may be missing)."""
    import array
    import fcntl
    value = array.array("B", struct.pack("II", 0x17, 0))
    ifr = struct.pack("16sP", ifname.encode(), value.buffer_info()[0])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fcntl.ioctl(s.fileno(), 0x8946, ifr)
    s.close()


# --------------------------------------------------------------------------
# pcap files

def eth(payload, ethertype, vlan=None, outer_vlan=None):
    hdr = bytes.fromhex("020000000002") + bytes.fromhex("020000000001")
    if outer_vlan is not None:
        hdr += struct.pack("!HH", 0x88a8, outer_vlan)
    if vlan is not None:
        hdr += struct.pack("!HH", 0x8100, vlan)
    return hdr + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src="192.0.2.10", dst="192.0.2.20", ttl=64, frag=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, frag, ttl, proto, 0,
                    socket.inet_aton(src), socket.inet_aton(dst))
    h = h[:10] + struct.pack("!H", checksum(h)) + h[12:]
    return h + payload


def ipv6(proto, payload, src="2001:db8::10", dst="2001:db8::20"):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), proto, 64,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + payload


def udp(sport, dport, data=b"sonde"):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, flags):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, flags, 65535, 0, 0)


def pcap_packets(spec):
    out = []
    for item in spec.split(";"):
        f = item.split(":")
        kind = f[0]
        if kind in ("be", "nsec"):
            continue
        n = int(f[1])
        for i in range(n):
            if kind == "udp4":
                out.append(eth(ipv4(17, udp(int(f[2]), int(f[3]))), 0x0800))
            elif kind == "tcp4":
                out.append(eth(ipv4(6, tcp(int(f[2]), int(f[3]), int(f[4], 0)),
                                    src="192.0.2.%d" % (10 + i % 3)), 0x0800))
            elif kind == "icmp4":
                out.append(eth(ipv4(1, struct.pack("!BBHHH", 8, 0, 0, 1, i)), 0x0800))
            elif kind == "udp6":
                out.append(eth(ipv6(17, udp(int(f[2]), int(f[3]))), 0x86dd))
            elif kind == "frag-udp4":
                # a later fragment (offset 1480 bytes): its first bytes are
                # data, not a UDP header, even when they look like one
                out.append(eth(ipv4(17, udp(int(f[2]), int(f[3])), frag=185), 0x0800))
            elif kind == "vlan-udp4":
                out.append(eth(ipv4(17, udp(1234, int(f[3]))), 0x0800, vlan=int(f[2])))
            elif kind == "qinq-udp4":
                # an 802.1ad tag VLAN outside an 802.1Q tag VLAN + 1
                out.append(eth(ipv4(17, udp(1234, int(f[3]))), 0x0800, vlan=int(f[2]) + 1,
                               outer_vlan=int(f[2])))
            elif kind == "udp6hbh":
                # a hop-by-hop options header (PadN) before the UDP header
                hbh = bytes([17, 0, 1, 4, 0, 0, 0, 0])
                out.append(eth(ipv6(0, hbh + udp(int(f[2]), int(f[3]))), 0x86dd))
            elif kind == "spoof4":
                # a flood of forged sources, each new: 10.0.0.1, 10.0.0.2, ...
                src = socket.inet_ntoa(struct.pack("!I", 0x0a000001 + i))
                out.append(eth(ipv4(17, udp(1234, int(f[2])), src=src), 0x0800))
            elif kind == "from4":
                out.append(eth(ipv4(17, udp(1234, int(f[3])), src=f[2]), 0x0800))
            elif kind == "arp":
                out.append(eth(bytes(28), 0x0806))
            else:
                raise SystemExit("netns.py: unknown pcap packet kind %r" % kind)
    return out


def write_pcap(path, spec):
    big = "be" in spec.split(";")
    nsec = "nsec" in spec.split(";")
    e = ">" if big else "<"
    magic = 0xa1b23c4d if nsec else 0xa1b2c3d4
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pcap_packets(spec)):
            f.write(struct.pack(e + "IIII", 1700000000 + i, 5, len(p), len(p)) + p)


# --------------------------------------------------------------------------
# The run


class _ShellDone(Exception):
    """--shell ran: skip the single-sonde run, keep the tear-down."""


def pump(stream, sink):
    for line in iter(stream.readline, b""):
        sink.append(line.decode(errors="replace"))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "_send":
        # One CPU for all of it: then fence() is behind every packet sent
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        for spec in sys.argv[2].split(" "):
            send(spec, *sys.argv[3:7])
        fence()
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_until":
        # a condition, not a delay: polled until it holds
        deadline = time.monotonic() + 20
        while subprocess.run(["/bin/sh", "-c", sys.argv[2]]).returncode:
            if time.monotonic() > deadline:
                print("netns.py: timed out waiting for: %s" % sys.argv[2], file=sys.stderr)
                return 1
            time.sleep(0.02)
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_recv":
        recv(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_tcpd":
        stop = []
        signal.signal(signal.SIGINT, lambda *a: stop.append(1))
        tcp_server(int(sys.argv[2]), sys.argv[3] == "6", sys.argv[4], stop,
                   sys.argv[5:6] == ["report"])
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "_nooffload":
        no_offload(sys.argv[2])
        return 0

    ap = argparse.ArgumentParser(usage="netns.py [options] -- SONDE ARGS...")
    ap.add_argument("--sonde", default=os.environ.get("SONDE", "sonde"))
    ap.add_argument("--inside", action="store_true", help="run sonde in the namespace")
    ap.add_argument("--from", dest="src", choices=("ns", "host"), help="where traffic starts")
    ap.add_argument("--ipv6", action="store_true")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--recv", action="append", default=[])
    ap.add_argument("--pcap", action="append", default=[])
    ap.add_argument("--no-net", action="store_true")
    ap.add_argument("--no-offload", action="store_true")
    ap.add_argument("--capture", help="N:FILTER, tcpdump on the receiving end")
    ap.add_argument("--pre", action="append", default=[])
    ap.add_argument("--during", action="append", default=[])
    ap.add_argument("--check", action="append", default=[])
    ap.add_argument("--wait", help="a line of sonde's to wait for instead of its report that "
                    "every probe is attached (SONDE_READY_FD)")
    ap.add_argument("--no-signal", action="store_true", help="sonde ends by itself")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--shell", help="run this script instead of one sonde")
    ap.add_argument("rest", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    rest = a.rest[1:] if a.rest[:1] == ["--"] else a.rest

    # the runner's SONDE_READY_FD is for a sonde it starts itself; this
    # script's sonde gets its own pipe, and --pre/--during/--check
    # commands (a --emit-elf run) must not see a descriptor they lack
    os.environ.pop("SONDE_READY_FD", None)

    # SIGTERM/SIGHUP (the runner's timeout) must still run the clean-up
    def bail(signum, frame):
        raise SystemExit(98)
    signal.signal(signal.SIGTERM, bail)
    signal.signal(signal.SIGHUP, bail)

    tmp = tempfile.mkdtemp(prefix="sonde-net-")
    net = None if a.no_net else Net(a.ipv6)
    procs = []
    out, err, extra = [], [], []
    status = 99
    try:
        for p in a.pcap:
            path, _, spec = p.partition(":")
            write_pcap(path.replace("@TMP@", tmp), spec)
        if net:
            net.up()
            if a.no_offload:
                sh(sys.executable, HERE, "_nooffload", net.host_if)
                sh(sys.executable, HERE, "_nooffload", net.ns_if, ns=net.ns)
        subst = (lambda s: net.subst(s, tmp)) if net else (lambda s: s.replace("@TMP@", tmp))
        argv = [a.sonde] + [subst(x) for x in rest]

        def run_cmds(kind, cmds):
            for c in cmds:
                r = subprocess.run(["/bin/sh", "-c", subst(c)], stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, env=dict(os.environ, SONDE=a.sonde))
                extra.extend("%s: %s" % (kind, l) for l in r.stdout.decode(errors="replace").splitlines())
                if r.returncode:
                    extra.append("%s status: %d" % (kind, r.returncode))
        run_cmds("pre", a.pre)
        if a.shell:
            p = subprocess.Popen(["/bin/sh", "-c", subst(a.shell)], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True,
                                 env=dict(os.environ, SONDE=a.sonde))
            try:
                o, e = p.communicate(timeout=a.timeout)
            except subprocess.TimeoutExpired:
                # the script and every sonde it started
                os.killpg(p.pid, signal.SIGKILL)
                o, e = p.communicate()
                extra.append("netns.py: the --shell script did not end in time; killed")
            out.append(o.decode(errors="replace"))
            err.append(e.decode(errors="replace"))
            status = p.returncode
            raise _ShellDone()
        src = a.src or ("host" if a.inside else "ns")
        dst_ns = None if src == "ns" else (net.ns if net else None)  # where receivers live
        in_ns = lambda argv, ns: (["ip", "netns", "exec", ns] + argv) if ns else argv
        # the receiving and the sending end's addresses
        if net:
            dst4, dst6 = (net.host4, net.host6) if src == "ns" else (net.ns4, net.ns6)
            src4, src6 = (net.ns4, net.ns6) if src == "ns" else (net.host4, net.host6)
        else:
            dst4, dst6, src4, src6 = "0.0.0.0", "::", "0.0.0.0", "::"

        def start_ready(argv, what):
            p = subprocess.Popen(in_ns(argv, dst_ns), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT)
            procs.append(p)
            line = p.stdout.readline().decode(errors="replace")
            if line != "ready\n":
                raise RuntimeError("%s did not start: %s%s" % (
                    what, line, p.stdout.read().decode(errors="replace")))
            return p

        # receivers and TCP listeners on the receiving end
        receivers = []
        for spec in a.recv:
            spec = subst(spec)
            addr = dst6 if spec.startswith("udp6") else dst4
            receivers.append(start_ready([sys.executable, HERE, "_recv", spec, addr],
                                         "receiver " + spec))
        listeners = []
        for spec in a.send:
            if spec.startswith("tcp"):
                f = spec.split(":")
                v, port = spec[3], f[-1]
                p = start_ready([sys.executable, HERE, "_tcpd", port, v, dst6 if v == "6" else dst4]
                                + (["report"] if len(f) > 3 else []), "listener " + spec)
                if len(f) > 3:
                    listeners.append(p)
        capture = None
        if a.capture and net:
            count, _, filt = subst(a.capture).partition(":")
            cap_path = os.path.join(tmp, "capture.pcap")
            capture = subprocess.Popen(
                in_ns(["tcpdump", "-i", net.host_if if src == "ns" else net.ns_if, "-n", "-U",
                       "-c", count, "-w", cap_path] + filt.split(), dst_ns),
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            procs.append(capture)
            # printed once the capture and its filter are in place
            line = capture.stderr.readline().decode(errors="replace")
            if "listening on" not in line:
                raise RuntimeError("tcpdump did not start: " + line)
        # sonde reports on this pipe once every probe is attached (the
        # "Attaching N probes..." line comes before the attach)
        ready_r, ready_w = os.pipe()
        try:
            sonde = subprocess.Popen(in_ns(argv, net.ns if (net and a.inside) else None),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=dict(os.environ, SONDE_READY_FD=str(ready_w)),
                                     pass_fds=(ready_w,))
        finally:
            os.close(ready_w)
        procs.append(sonde)
        ths = [threading.Thread(target=pump, args=(sonde.stdout, out), daemon=True),
               threading.Thread(target=pump, args=(sonde.stderr, err), daemon=True)]
        for t in ths:
            t.start()
        import re
        deadline = time.monotonic() + a.timeout
        if not a.no_signal:
            if a.wait:
                wait_re = re.compile(a.wait)
                while time.monotonic() < deadline and sonde.poll() is None:
                    if any(wait_re.search(l) for l in out + err):
                        break
                    time.sleep(0.02)
            else:
                # "attached", or EOF when sonde ended before attaching
                with os.fdopen(ready_r, "rb", closefd=False) as ready:
                    ready.readline()
            if sonde.poll() is None:
                if a.send and net:
                    r = subprocess.run(in_ns([sys.executable, HERE, "_send", " ".join(a.send),
                                              dst4, dst6, src4, src6],
                                             net.ns if src == "ns" else None),
                                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
                    if r.returncode:
                        extra.append("netns.py: sending failed: " + r.stdout.decode(errors="replace"))
                # no wait here: _send returns once the kernel has handled
                # all its packets (fence())
                if capture:
                    try:
                        capture.wait(max(0.1, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        extra.append("netns.py: tcpdump did not see %s packets" %
                                     a.capture.partition(":")[0])
                        capture.kill()
                        capture.wait()
                    r = subprocess.run(["tcpdump", "-vv", "-n", "-r", cap_path],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                    extra.extend("capture: " + l
                                 for l in r.stdout.decode(errors="replace").splitlines())
                run_cmds("during", a.during)
                sonde.send_signal(signal.SIGINT)
        try:
            sonde.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            extra.append("netns.py: sonde did not exit in time; killed")
            sonde.kill()
            sonde.wait()
        for t in ths:
            t.join(2)
        status = sonde.returncode
        run_cmds("check", a.check)
        for p in receivers + listeners:
            p.send_signal(signal.SIGINT)
            o, _ = p.communicate(timeout=5)
            extra += [l for l in o.decode(errors="replace").splitlines() if l != "ready"]
    except _ShellDone:
        pass
    except Exception as e:  # noqa: BLE001 - reported, then cleaned up
        extra.append("netns.py: %s" % e)
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
                try:
                    p.wait(3)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
        if net:
            net.down()
        shutil.rmtree(tmp, ignore_errors=True)
    sys.stdout.write("".join(out))
    for l in extra:
        print(l)
    sys.stderr.write("".join(err))
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main())
