#!/usr/bin/env python3
"""trig.py NAME - renames itself NAME, then calls kill() on a pid that
cannot exist with a known list of signal numbers (the calls are what
objects.test's tracepoint scripts count; none delivers a signal)."""
import os
import sys

open("/proc/self/comm", "w").write(sys.argv[1])
for sig in [1, 2, 2, 3, 9, 15, 15, 15, 0, 12]:
    try:
        os.kill(999999999, sig)
    except ProcessLookupError:
        pass
