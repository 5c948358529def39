#!/usr/bin/env python3
"""flowhash.py - sonde's hash() computed here, independently of sonde, and
compared with what sonde's xdp and tc programs compute for the same flows.

    flowhash.py values ARG...     print hash(ARG, ...) (integers, addresses)
    flowhash.py flows SONDE TMP   N distinct UDP flows, each sent twice, in a
                                  pcap run with --test-run: every flow's hash
                                  must be the one computed here both times,
                                  and hash() % 4 must put flows in every
                                  bucket; prints a summary line per check

The function (docs/reference.md, src/backend/builtins/flows.c): each
argument is 64-bit words, an integer its value, an address its family
(AF_INET 2, AF_INET6 10) then its 16 bytes as two big-endian numbers (IPv4:
the 4 bytes alone, then 0); FNV-1a a word at a time, then MurmurHash3's
fmix64.
"""
import os
import re
import socket
import struct
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import netns  # noqa: E402  (eth, ipv4, udp: the packets netns.py writes)

M = (1 << 64) - 1


def words(a):
    if isinstance(a, int):
        return [a & M]
    if ":" in a:
        hi, lo = struct.unpack("!QQ", socket.inet_pton(socket.AF_INET6, a))
        return [10, hi, lo]
    return [2, struct.unpack("!I", socket.inet_aton(a))[0], 0]


def flow_hash(*args):
    h = 0xcbf29ce484222325
    for a in args:
        for w in words(a):
            h = ((h ^ w) * 0x100000001b3) & M
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & M
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & M
    h ^= h >> 33
    return h


def arg(s):
    return s if "." in s or ":" in s else int(s, 0)


def flows(sonde, tmp):
    # 64 flows: 4 sources, 16 source ports each, one destination port
    fl = [("192.0.2.%d" % (10 + i // 16), 20000 + i % 16, 53) for i in range(64)]
    path = os.path.join(tmp, "flows.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i, (src, sport, dport) in enumerate(fl + fl):
            p = netns.eth(netns.ipv4(17, netns.udp(sport, dport), src=src), 0x0800)
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p)
    prog = ("xdp:lo { @x[pkt.saddr, pkt.sport, hash(pkt.saddr, pkt.sport, pkt.dport)] = count(); "
            "@xb[hash(pkt.saddr, pkt.sport, pkt.dport) % 4] = count(); } "
            "tc:lo:ingress { @t[pkt.saddr, pkt.sport, hash(pkt.saddr, pkt.sport, pkt.dport)] = count(); }")
    r = subprocess.run([sonde, "--test-run", path, "-e", prog], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    if r.returncode:
        print("sonde failed (%d):\n%s" % (r.returncode, r.stdout))
        return 1
    for m in ("x", "t"):
        got = {}
        for src, sport, h, n in re.findall(r"^@%s\[([\d.]+), (\d+), (\d+)\]: (\d+)$" % m,
                                           r.stdout, re.M):
            got[(src, int(sport))] = (int(h), int(n))
        want = {(s, sp): (flow_hash(s, sp, dp), 2) for s, sp, dp in fl}
        bad = [(k, got.get(k), want[k]) for k in want if got.get(k) != want[k]]
        extra = [k for k in got if k not in want]
        print("%s: %d flows, %d with the expected hash twice, %d wrong, %d unexpected"
              % (m, len(want), len(want) - len(bad), len(bad), len(extra)))
        for k, g, w in bad[:5]:
            print("  %s:%d: sonde %s, expected %s" % (k[0], k[1], g, w))
    buckets = {int(b): int(n) for b, n in re.findall(r"^@xb\[(\d+)\]: (\d+)$", r.stdout, re.M)}
    want = [0] * 4
    for s, sp, dp in fl:
        want[flow_hash(s, sp, dp) % 4] += 2
    print("buckets: sonde %s, expected %s" % ([buckets.get(i, 0) for i in range(4)], want))
    print("every bucket used: %s" % all(want))
    return 0


def main():
    if sys.argv[1] == "values":
        print(flow_hash(*[arg(a) for a in sys.argv[2:]]))
        return 0
    return flows(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    sys.exit(main())
