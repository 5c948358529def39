#!/usr/bin/env python3
"""Run an interactive bash on a pseudo-terminal, type each argument as a
command line, then `exit`, and wait for bash to end.

bash reads its input with readline (what bashreadline.bt traces) only when
its input is a terminal; a pipe would bypass readline."""
import os
import pty
import sys

pid, fd = pty.fork()
if pid == 0:
    os.execv("/bin/bash", ["bash", "--norc", "--noprofile", "-i"])
for line in sys.argv[1:] + ["exit"]:
    os.write(fd, line.encode() + b"\n")
# Drain the terminal until bash closes it, so bash never blocks on output.
while True:
    try:
        if not os.read(fd, 4096):
            break
    except OSError:  # EIO once the last holder of the pty's far end exits
        break
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
