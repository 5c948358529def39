#!/usr/bin/env python3
"""Prints what a pcap file written by sonde's -w holds, for capture.test:

    pcaprecs.py FILE [--near-now]
    pcaprecs.py FILE --cut N OUT


"linktype L snaplen S", then "caplen C origlen O" per record, and with
--near-now whether every timestamp is within 60 s of now (a capture of
this run, in the epoch's clock rather than the boot-time one). The
file must be whole: a record cut short is reported as such. With --cut,
writes a copy of FILE whose records keep N bytes at most and their
original lengths (a capture taken with tcpdump -s N), for --test-run.
"""

import struct
import sys
import time


def main():
    path = sys.argv[1]
    with open(path, "rb") as f:
        data = f.read()
    magic, major, minor, _, _, snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
    if magic != 0xa1b2c3d4 or (major, minor) != (2, 4):
        print("not a little-endian microsecond pcap 2.4: %08x %d.%d" % (magic, major, minor))
        return 1
    cut = int(sys.argv[3]) if sys.argv[2:3] == ["--cut"] else None
    out = bytearray(data[:24]) if cut is not None else None
    if out is None:
        print("linktype %d snaplen %d" % (linktype, snaplen))
    off, near, now = 24, True, time.time()
    while off < len(data):
        if off + 16 > len(data):
            print("record header cut short")
            return 1
        sec, usec, caplen, origlen = struct.unpack("<IIII", data[off:off + 16])
        if off + 16 + caplen > len(data):
            print("record cut short")
            return 1
        if usec >= 1000000 or abs(sec + usec / 1e6 - now) > 60:
            near = False
        if out is not None:
            keep = min(caplen, cut)
            out += struct.pack("<IIII", sec, usec, keep, origlen) + data[off + 16:off + 16 + keep]
        else:
            print("caplen %d origlen %d" % (caplen, origlen))
        off += 16 + caplen
    if out is not None:
        with open(sys.argv[4], "wb") as f:
            f.write(out)
        return 0
    if "--near-now" in sys.argv:
        print("timestamps near now: %s" % ("yes" if near else "no"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
