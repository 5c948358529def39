#!/usr/bin/env python3
"""Checks a large map as sonde printed it (bigmaps.test), reading sonde's
stdout on stdin, and prints one line that says what it found.

    check.py sorted N MUL    @m[k]: k*MUL % N for k in 0..N-1 (MUL prime to
                             N: every value once), in value order
    check.py ties N          @m[k]: 1 for k in 0..N-1, ties in key order
    check.py order N E P     "ev 1".."ev E", and between "ev P" and "ev P+1"
                             the whole of @m[k]: k*MUL % N (MUL 7919)
"""
import re
import sys

ENTRY = re.compile(r"^@m\[(-?\d+)\]: (-?\d+)$")


def map_block(lines, n, mul):
    """Says what is wrong with lines as the map's n entries, or None."""
    got = [ENTRY.match(line) for line in lines]
    if not all(got):
        return "not a map line: " + next(l for l, m in zip(lines, got) if not m)
    pairs = [(int(m.group(1)), int(m.group(2))) for m in got]
    if len(pairs) != n:
        return f"{len(pairs)} entries, not {n}"
    if sorted(k for k, _ in pairs) != list(range(n)):
        return "keys missing or repeated"
    if mul is None:
        if any(v != 1 for _, v in pairs) or [k for k, _ in pairs] != list(range(n)):
            return "not value 1 each in key order"
        return None
    if any(v != k * mul % n for k, v in pairs):
        return "a value that is not its key's"
    if [v for _, v in pairs] != list(range(n)):
        return "not in value order"
    return None


def main():
    mode, n = sys.argv[1], int(sys.argv[2])
    lines = [l for l in sys.stdin.read().splitlines() if l]
    if mode in ("sorted", "ties"):
        mul = int(sys.argv[3]) if mode == "sorted" else None
        entries = [l for l in lines if l.startswith("@m[")]
        err = map_block(entries, n, mul)
        print(err or f"{n} entries, complete and {'in value order' if mul else 'ties in key order'}")
        return
    events, after = int(sys.argv[3]), int(sys.argv[4])
    want = [f"ev {i}" for i in range(1, after + 1)]
    lines = [l for l in lines if l.startswith("ev ") or l.startswith("@m[")]
    if lines[:after] != want:
        print("the events before the print are not first, in order")
        return
    block = lines[after:after + n]
    err = map_block(block, n, 7919)
    if err:
        print("the print: " + err)
        return
    rest = lines[after + n:]
    if rest != [f"ev {i}" for i in range(after + 1, events + 1)]:
        print("the events after the print are not after it, in order")
        return
    print(f"{after} events, the {n} entries, {events - after} events, in order")


if __name__ == "__main__":
    main()
