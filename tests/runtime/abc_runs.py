#!/usr/bin/env python3
"""Shortens long strings in sonde's output for limits.test.

tests/testprog -S LEN passes a string whose byte i is 'a' + i % 26. Every
run of such bytes that starts with 'a' and follows that pattern exactly is
printed as <abc N>, N its length, so a test can state the exact value of a
string of a thousand bytes in a few characters. A wrong, missing or extra
byte breaks the run and shows.
"""
import re
import sys


def shorten(m):
    run = m.group(0)
    out = []
    while run:
        # the longest prefix that follows the pattern from 'a'
        k = 0
        while k < len(run) and run[k] == chr(ord("a") + k % 26):
            k += 1
        if k < 26:
            out.append(run[: max(k, 1)])
            run = run[max(k, 1):]
            continue
        out.append("<abc %d>" % k)
        run = run[k:]
    return "".join(out)


for line in sys.stdin:
    sys.stdout.write(re.sub(r"[a-z]{26,}", shorten, line))
