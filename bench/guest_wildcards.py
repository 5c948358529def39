#!/usr/bin/env python3
"""Start to exit of kernel-function wildcards, sonde against bpftrace, for
the qemu guest (Debian's 6.1 kernel, which has kprobes; this machine's has
none), where bench/run.py's wildcards section cannot run its other set-up:

    flock /tmp/sonde-qemu.lock python3 tests/vm/guest.py --timeout 1100 -- \\
        python3 bench/guest_wildcards.py --reps 3

Each script is `SPEC { @[probe] = count(); }` and a probe that calls exit()
at this driver's first getppid once everything is attached, as in
bench/run.py's section_wildcards: the time is exec, compile, attach, one
event, detach, print and exit. A figure, never a test: the guest is
emulated (TCG), so only the ratio of one run, side by side, means
anything. Prints a markdown table; the raw samples go to stdout as JSON
after it.
"""

import argparse
import json
import os
import re
import select
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPECS = ["kprobe:vfs_*", "kprobe:tcp_*"]


def one_run(argv, timeout):
    """Wall ms from exec to the end of stdout, the output, and the status"""
    t0 = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    fd = p.stdout.fileno()
    os.set_blocking(fd, False)
    out, eof = b"", False
    deadline = t0 + timeout
    while time.perf_counter() < deadline and not eof:
        os.getppid()  # the trigger: the exit probe fires once it is attached
        r, _, _ = select.select([fd], [], [], 0.0005)
        if r:
            chunk = os.read(fd, 1 << 20)
            out += chunk
            eof = not chunk
    if not eof:
        p.kill()
    err = p.stderr.read()
    rc = p.wait()
    return (time.perf_counter() - t0) * 1e3, out, err, rc


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--sonde", default=os.path.join(ROOT, "build", "sonde"))
    ap.add_argument("--bpftrace", default=shutil.which("bpftrace") or "")
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("specs", nargs="*", default=SPECS)
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("guest_wildcards: needs root")
    tools = {"sonde": a.sonde}
    if a.bpftrace:
        tools["bpftrace"] = a.bpftrace
    else:
        print("guest_wildcards: no bpftrace here: sonde alone", file=sys.stderr)
    me = os.getpid()
    uname = os.uname()
    results = {"kernel": uname.release, "cpus": os.cpu_count(), "specs": {}}
    for spec in a.specs:
        script = (f"{spec} {{ @[probe] = count(); }} "
                  f"tracepoint:syscalls:sys_exit_getppid /pid == {me}/ {{ exit(); }}")
        d = results["specs"][spec] = {t: {"ms": [], "keys": [], "errors": []} for t in tools}
        for _ in range(a.reps):
            for name, path in tools.items():
                ms, out, err, rc = one_run([path, "-q", "-e", script], a.timeout)
                if rc != 0:
                    d[name]["errors"].append(f"status {rc}: {err.decode(errors='replace')[-400:]}")
                    continue
                d[name]["ms"].append(ms)
                d[name]["keys"].append(len(re.findall(rb"^@\[kprobe:", out, re.M)))
        # what sonde compiled it into: programs and attach points
        v = subprocess.run([a.sonde, "-v", "--dry-run", "-e", script], capture_output=True)
        d["sonde"]["verbose"] = [l for l in v.stderr.decode(errors="replace").splitlines()
                                 if l.startswith("sonde:")]
    med = lambda xs: statistics.median(xs) if xs else None
    print(f"# kernel {uname.release}, {os.cpu_count()} CPUs, reps={a.reps}")
    print("| script | sonde | bpftrace | sonde/bpftrace | map keys sonde / bpftrace |")
    print("|---|---|---|---|---|")
    for spec, d in results["specs"].items():
        s = med(d["sonde"]["ms"])
        b = med(d["bpftrace"]["ms"]) if "bpftrace" in d else None
        fmt = lambda v: "n/a" if v is None else f"{v:.0f} ms"
        runs = lambda t: ", ".join(f"{x:.0f}" for x in d[t]["ms"]) if t in d else ""
        ratio = f"{s / b:.2f}x" if s and b else "n/a"
        keys = (f'{med(d["sonde"]["keys"])} / '
                f'{med(d["bpftrace"]["keys"]) if "bpftrace" in d else "n/a"}')
        print(f"| `{spec}` | {fmt(s)} ({runs('sonde')}) | {fmt(b)} ({runs('bpftrace')}) "
              f"| {ratio} | {keys} |")
    print(json.dumps(results, indent=1))
    return 1 if any(d[t]["errors"] for d in results["specs"].values() for t in tools) else 0


if __name__ == "__main__":
    sys.exit(main())
