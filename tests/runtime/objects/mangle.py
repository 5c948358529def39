#!/usr/bin/env python3
"""mangle.py - damaged copies of an object sonde --emit-elf wrote, for
objects.test: each names what sonde must then refuse.

  mangle.py IN OUT truncate N     the first N bytes of IN
  mangle.py IN OUT flip           one byte of the manifest's body changed
  mangle.py IN OUT format         the object format recorded: 1 more
  mangle.py IN OUT build          the sonde build recorded: one character changed
  mangle.py IN OUT kernel         the kernel release recorded: one character changed
  mangle.py IN OUT boot           the boot id recorded: one character changed
  mangle.py IN OUT strip          the .sonde.manifest section renamed (an ELF without it)
"""
import struct
import sys


def section(data, want):
    """(offset, size, name offset in the name table, name table offset) of
    section `want` in an ELF64 little-endian file."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def hdr(i):
        return struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
    names = hdr(shstrndx)
    for i in range(shnum):
        h = hdr(i)
        start = names[4] + h[0]
        name = data[start:data.index(b"\0", start)].decode()
        if name == want:
            return h[4], h[5], start
    raise SystemExit(f"no section {want}")


def string_at(data, off):
    """(start, length) of the manifest_io string at `off`."""
    n, = struct.unpack_from("<I", data, off)
    return off + 4, n


def main():
    src, dst, how = sys.argv[1:4]
    data = bytearray(open(src, "rb").read())
    off, size, name_at = section(data, ".sonde.manifest")
    build = string_at(data, off + 12)             # after the magic and the format
    release = string_at(data, build[0] + build[1])
    version = string_at(data, release[0] + release[1])
    boot = string_at(data, version[0] + version[1] + 16)
    if how == "truncate":
        data = data[:int(sys.argv[4])]
    elif how == "flip":
        data[off + size - 5] ^= 0x55
    elif how == "format":
        data[off + 8] += 1
    elif how == "build":
        data[build[0] + build[1] - 1] ^= 0x01
    elif how == "kernel":
        data[release[0]] ^= 0x01
    elif how == "boot":
        data[boot[0]] ^= 0x01
    elif how == "strip":
        data[name_at + 1] = ord("x")
    else:
        raise SystemExit(f"unknown mangling {how}")
    open(dst, "wb").write(data)


main()
