#!/usr/bin/env python3
"""Prints how much BPF stack the programs of a sonde --emit-elf object use.

usage: stack_depth.py OBJECT

For each program section it prints "SECTION N" (the deepest r10 offset its
instructions touch), then "callbacks N" for the static functions in .text
(for loop bodies), and "combined ok" when every program plus the deepest
callback stays within the 512 bytes the verifier allows for a call chain,
else "combined N". An offset is found where an instruction loads or
stores at r10 - N, or adds -N to a register copied from r10.
"""
import struct
import sys

BPF_LDX, BPF_ST, BPF_STX, BPF_ALU64 = 0x01, 0x02, 0x03, 0x07
BPF_MEM, BPF_MOV, BPF_ADD, BPF_X, BPF_K = 0x60, 0xB0, 0x00, 0x08, 0x00


def sections(data):
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    hdrs = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    strtab = hdrs[shstrndx][4]
    for h in hdrs:
        name = data[strtab + h[0]:data.index(b"\0", strtab + h[0])].decode()
        if h[1] == 1 and h[2] & 4:  # PROGBITS, executable
            yield name, data[h[4]:h[4] + h[5]]


def depth(code):
    deepest, from_r10 = 0, {}
    for i in range(0, len(code), 8):
        op, regs, off, imm = struct.unpack_from("<BBhi", code, i)
        dst, src = regs & 0xF, regs >> 4
        cls = op & 0x07
        if cls in (BPF_ST, BPF_STX) and dst == 10 and off < 0:
            deepest = max(deepest, -off)
        elif cls == BPF_LDX and src == 10 and off < 0:
            deepest = max(deepest, -off)
        if cls == BPF_ALU64 and op & 0xF0 == BPF_MOV and op & BPF_X and src == 10:
            from_r10[dst] = 0
            continue
        if cls == BPF_ALU64 and op & 0xF0 == BPF_ADD and not op & BPF_X and dst in from_r10:
            from_r10[dst] += imm
            deepest = max(deepest, -from_r10[dst])
            continue
        if cls in (BPF_ALU64, 0x04, BPF_LDX) or op == 0x85:  # writes dst, or a call
            from_r10.pop(dst, None)
            if op == 0x85:
                for r in range(6):
                    from_r10.pop(r, None)
    return deepest


progs, callbacks = {}, 0
for name, code in sections(open(sys.argv[1], "rb").read()):
    if name == ".text":
        callbacks = depth(code)
    else:
        progs[name] = depth(code)
for name in sorted(progs):
    print(name, progs[name])
print("callbacks", callbacks)
worst = max(progs.values(), default=0) + callbacks
print("combined ok" if worst <= 512 else "combined %d" % worst)
