#!/usr/bin/env python3
"""sonde benchmarks: sonde vs bpftrace 0.17 vs hand-written libbpf C, side by side.

    sudo bench/run.py [--quick] [--reps N] [--sonde PATH] [--bpftrace PATH] [--only SECTIONS] [--cases NAMES]

Sections (all by default, in this order): startup, events, ringbuf, wildcards, compile, xdp,
bigmaps.
Runs are interleaved (sonde, bpftrace, hand C, sonde, ...) and repeated; every
table shows medians and the ratios sonde/bpftrace and sonde/hand-C. The raw
samples go to bench/out/results.json. Needs root (BPF, kernel.bpf_stats_enabled).
Python 3 standard library only. See bench/README.md.
"""

import argparse
import hashlib
import json
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
HAND = os.path.join(BENCH, "hand")
OUT = os.path.join(BENCH, "out")
# the launcher of every run whose peak RSS is reported (rss.c): fork, exec,
# wait4, and the child's ru_maxrss and fork-to-reap time written to an fd
RSS = os.path.join(OUT, "rss")
TOOLS = ("sonde", "bpftrace", "hand")
TP = "tracepoint:syscalls:sys_enter_getppid"

# Per-event cases: name, probe body (same text for sonde and bpftrace), hand C file,
# and options: "call", the system call whose sys_enter tracepoint is probed (trig.c
# makes it; getppid by default), "prelude", text before the probe (sonde's config),
# and "bpftrace": False where bpftrace 0.17 cannot run the script (n/a in the tables).
CASES = [
    ("count", "@ = count();", "count", {}),
    ("sum", "@ = sum(args->__syscall_nr);", "sum", {}),
    ("hist", "@ = hist(nsecs & 0xffff);", "hist", {}),
    ("lhist", "@ = lhist(nsecs & 0xff, 0, 256, 16);", "lhist", {}),
    ("two-key map", "@[tid, cpu] = count();", "twokey", {}),
    ("string key (comm)", "@[comm] = count();", "comm", {}),
    ("printf", 'printf("ev %d\\n", tid);', "printf", {}),
    # issue 20: pointer chasing, several fields of one struct, a string longer
    # than the BPF stack (bpftrace 0.17 allows BPFTRACE_STRLEN up to 200 only)
    ("pointer chase (key)", "@[curtask->real_parent->real_parent->pid] = count();", "ptrchase", {}),
    ("pointer chase (sum)", "$t = curtask; @ = sum($t->mm->total_vm);", "ptrsum", {}),
    ("struct fields (key)", "@[curtask->pid, curtask->tgid, curtask->prio] = count();", "fields", {}),
    ("1 KiB string key", "@[str(args->filename)] = count();", "longstr",
     {"call": "openat", "prelude": "config = { max_strlen = 1024 } ", "bpftrace": False}),
]

# XDP cases: name, sonde script, hand C file.
XDP_CASES = [
    ("proto count", "xdp:lo { @len[pkt.proto] = count(); }", "xdp_proto"),
    ("drop udp/53", "xdp:lo { if (pkt.proto == 17 && pkt.dport == 53) { @drops = count(); drop; } }",
     "xdp_dropdns"),
    ("CIDR blocklist (lpm)",
     "let @block = lpm(1024); BEGIN { @block[192.0.2.0/24] = 1; @block[198.51.100.0/24] = 1; "
     "@block[203.0.113.0/24] = 1; @block[10.0.0.0/8] = 1; @block[2001:db8::/32] = 1; } "
     "xdp:lo { if (pkt.saddr in @block) { @drops = count(); drop; } }",
     "xdp_cidr"),
    # a token bucket per source: one that every packet passes (a swap each),
    # one that every packet after the first 5 is over (a lookup, no swap)
    ("ratelimit, passing", "xdp:lo { if (!ratelimit(@rl[pkt.saddr], 1000000000, 1000000000)) { drop; } }",
     "xdp_rl_pass"),
    ("ratelimit, over", "xdp:lo { if (!ratelimit(@rl[pkt.saddr], 1, 5)) { drop; } }", "xdp_rl_over"),
    ("udp port rewrite", "xdp:lo { if (pkt.proto == 17) { pkt.dport = pkt.dport ^ 1; } }", "xdp_rewrite"),
]
XDP_PACKETS = ("udp4", "tcp4", "udp6")

live = set()          # Popen objects still running: stopped on any exit
results = {}          # everything measured, written as JSON at the end
failures = []         # what did not run although it should have


class Interrupted(Exception):
    pass


def on_signal(sig, frame):
    raise Interrupted()


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def fail(what):
    failures.append(what)
    log("FAIL: " + what)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt(v, unit="", digits=1):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:.{digits}f}{unit}"
    return f"{v}{unit}"


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


def table(title, header, rows):
    """Prints a Markdown table (so it can be pasted into docs/PERFORMANCE.md)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    sys.stdout.flush()


# ---- processes -------------------------------------------------------------

class Dead:
    """Stands for a process that could not be started (poll() says it exited)."""
    pid = -1
    returncode = 127
    stdout = stderr = None
    report = maxrss_kib = fork_ns = reap_ns = None

    def poll(self):
        return 127

    def send_signal(self, sig):
        pass


def mono_ns():
    """CLOCK_MONOTONIC in ns, the clock of the launcher's fork_ns and reap_ns."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def spawn(argv, stdout=subprocess.DEVNULL, stdin=None, env=None, measured=False):
    """Starts argv; measured: under the launcher (rss.c), whose report reap()
    reads into p.maxrss_kib, p.fork_ns and p.reap_ns. The driver's own
    ru_maxrss of a child it starts cannot be used: exec keeps the high-water
    RSS of the image it replaces, and subprocess vforks, so that image is
    this Python's (~17 MiB) for every tool. Signals sent to the launcher
    (SIGINT, SIGTERM, SIGUSR1) reach the tool."""
    report = None
    pass_fds = ()
    if measured:
        report, report_w = os.pipe()
        argv = [RSS, str(report_w)] + argv
        pass_fds = (report_w,)
    try:
        p = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE if stdout == subprocess.PIPE
                             else subprocess.DEVNULL, stdin=stdin, env=env, pass_fds=pass_fds)
    except OSError as e:
        fail(f"cannot start {argv[0]}: {e}")
        if measured:
            os.close(report)
        return Dead()
    finally:
        if measured:
            os.close(report_w)
    p.report = report
    p.maxrss_kib = p.fork_ns = p.reap_ns = None
    live.add(p)
    return p


def reap(p, timeout=15.0):
    """Waits for p (SIGKILL after timeout); returns (exit code, peak RSS in
    KiB), the RSS None unless p was spawned measured."""
    if isinstance(p, Dead):
        return 127, None
    # polled every ms, not p.wait(timeout), whose sleeps grow to 50 ms: the
    # unmeasured wall times (wildcards) are taken around this call
    deadline = time.monotonic() + timeout
    while p.poll() is None:
        if time.monotonic() > deadline:
            p.kill()  # a measured tool goes with its launcher (PR_SET_PDEATHSIG)
            p.wait()
            break
        time.sleep(0.001)
    live.discard(p)
    if getattr(p, "report", None) is not None:
        chunks = []
        while True:
            chunk = os.read(p.report, 4096)
            if not chunk:
                break
            chunks.append(chunk)
        os.close(p.report)
        p.report = None
        m = re.search(rb"maxrss_kib=(\d+) fork_ns=(\d+) reap_ns=(\d+)", b"".join(chunks))
        if m:
            p.maxrss_kib, p.fork_ns, p.reap_ns = (int(x) for x in m.groups())
        elif p.returncode == 0:
            fail(f"no report from the launcher of {' '.join(p.args[2:])}")
            p.returncode = 127
    return p.returncode, getattr(p, "maxrss_kib", None)


def wall_ms(p):
    """The launcher's fork-to-reap time of a measured process, in ms."""
    if p.fork_ns is None or p.reap_ns is None:
        return None
    return (p.reap_ns - p.fork_ns) / 1e6


def stop(p, timeout=15.0):
    if p.poll() is None:
        try:
            p.send_signal(signal.SIGINT)
        except ProcessLookupError:
            pass
    return reap(p, timeout)


def stop_all():
    for p in list(live):
        try:
            if p.returncode is None:
                p.send_signal(signal.SIGINT)
        except (ProcessLookupError, OSError):
            pass
    deadline = time.monotonic() + 5
    for p in list(live):
        try:
            p.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        live.discard(p)


def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


# ---- kernel views ----------------------------------------------------------

def prog_ids_of(pid):
    """Ids of the BPF programs a process holds (from /proc/PID/fdinfo)."""
    ids = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fdinfo")
    except OSError:
        return ids
    for fd in fds:
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                m = re.search(r"^prog_id:\s*(\d+)", f.read(), re.M)
        except OSError:
            continue
        if m:
            ids.add(int(m.group(1)))
    return ids


def prog_stats(ids):
    """{id: bpftool's JSON for that program} for the given ids."""
    out = run(["bpftool", "-j", "prog", "show"]).stdout
    try:
        progs = json.loads(out)
    except json.JSONDecodeError:
        return {}
    return {p["id"]: p for p in progs if p["id"] in ids}


def tracepoint_attached(pid, call="getppid"):
    """True when process pid has a BPF program attached to sys_enter_CALL."""
    try:
        perf = json.loads(run(["bpftool", "-j", "perf", "show"]).stdout or "[]")
    except json.JSONDecodeError:
        return False
    return any(e.get("pid") == pid and e.get("tracepoint") == f"sys_enter_{call}" for e in perf)


def wait_attached(p, timeout=30.0, call="getppid"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        if tracepoint_attached(p.pid, call):
            return True
        time.sleep(0.01)
    return False


# ---- building --------------------------------------------------------------

def build(trig_pid, self_pid):
    os.makedirs(OUT, exist_ok=True)
    cc = os.environ.get("CC", "cc")
    for src, exe, libs in (("loader.c", "loader", ["-lbpf"]), ("trig.c", "trig", []), ("rss.c", "rss", [])):
        r = run([cc, "-O2", "-Wall", "-o", os.path.join(OUT, exe), os.path.join(BENCH, src)] + libs)
        if r.returncode:
            sys.exit(f"bench: cannot build {src}:\n{r.stderr}")
    arch_inc = "/usr/include/" + run(["gcc", "-dumpmachine"]).stdout.strip()
    objs = {}

    def bpf(name, pid, suffix=""):
        obj = os.path.join(OUT, name + suffix + ".bpf.o")
        r = run(["clang-19", "-O2", "-g", "-target", "bpf", f"-DTARGET_PID={pid}", "-I", arch_inc,
                 "-c", os.path.join(HAND, name + ".bpf.c"), "-o", obj])
        if r.returncode:
            sys.exit(f"bench: cannot compile hand/{name}.bpf.c:\n{r.stderr}")
        return obj

    for f in sorted(os.listdir(HAND)):
        if f.endswith(".bpf.c"):
            objs[f[:-6]] = bpf(f[:-6], trig_pid)
    objs["printf_self"] = bpf("printf", self_pid, "_self")
    return objs


class Trig:
    """The event source: one process for the whole run, so its pid is known."""

    def __init__(self, path):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  bufsize=1)
        live.add(self.p)
        line = self.p.stdout.readline().split()
        self.pid = int(line[1])

    def fire(self, n, rate=0, call="getppid"):
        self.p.stdin.write(f"{n} {rate} {call}\n")
        self.p.stdin.flush()
        line = self.p.stdout.readline().split()
        return int(line[1]) / 1e9

    def close(self):
        self.p.stdin.close()
        reap(self.p)


# ---- the tools -------------------------------------------------------------

class Tools:
    def __init__(self, a, objs):
        # A private copy, so that a rebuild of build/sonde during the run
        # cannot pull the binary out from under the bench.
        self.sonde = os.path.join(OUT, "sonde")
        # the compiler's LLVM half (src/backend/backend.h) goes with it when split out
        backend = os.path.join(os.path.dirname(os.path.abspath(a.sonde)), "sonde-backend.so")
        for _ in range(20):
            shutil.copy2(a.sonde, self.sonde)
            if os.path.exists(backend):
                shutil.copy2(backend, os.path.join(OUT, "sonde-backend.so"))
            if run([self.sonde, "-e", "BEGIN { exit(); }"]).returncode == 0:
                break
            time.sleep(1)
        else:
            sys.exit(f"bench: {a.sonde} does not run")
        self.bpftrace = a.bpftrace
        self.loader = os.path.join(OUT, "loader")
        self.objs = objs
        self.env = dict(os.environ, BPFTRACE_MAX_PROBES="20000", BPFTRACE_MAX_BPF_PROGS="20000")

    def argv(self, tool, script, hand_obj, buffering="full", printing=False):
        if tool == "sonde":
            return [self.sonde, "-q", "-B", buffering, "-e", script]
        if tool == "bpftrace":
            return [self.bpftrace, "-q", "-B", "none" if buffering != "full" else "full", "-e", script]
        if hand_obj is None:
            return None
        return [self.loader] + (["-p"] if printing else []) + [hand_obj]


# ---- sections --------------------------------------------------------------

def section_startup(a, t, reps):
    log("== startup")
    begin = {"sonde": [t.sonde, "-q", "-e", "BEGIN { exit(); }"],
             "bpftrace": [t.bpftrace, "-q", "-e", "BEGIN { exit(); }"],
             "hand": [t.loader, "--once", t.objs["begin"]]}
    me = os.getpid()
    attach_script = f'{TP} /pid == {me}/ {{ printf("x\\n"); exit(); }}'
    s = {k: {tool: [] for tool in TOOLS} for k in ("begin_ms", "begin_rss", "attach_ms", "exit_ms", "tp_rss",
                                                   "help_ms", "help_rss", "list_ms",
                                                   "cached_ms", "cached_rss")}
    # the second run of a script under --cache (src/cache.h): the object the
    # first run compiled, from a cache of the bench's own
    cached = [t.sonde, "--cache", "-q", "-e", "BEGIN { exit(); }"]
    cache_env = dict(t.env, SONDE_CACHE_DIR=os.path.join(OUT, "cache"))
    shutil.rmtree(cache_env["SONDE_CACHE_DIR"], ignore_errors=True)
    if run(cached, env=cache_env).returncode != 0:
        fail("startup: sonde --cache BEGIN (the first run, compiling) failed")
    # runs that compile nothing (no hand-C equivalent): sonde must not load LLVM for them
    nothing = {"help": {"sonde": [t.sonde, "--help"], "bpftrace": [t.bpftrace, "--help"]},
               "list": {"sonde": [t.sonde, "-l", TP], "bpftrace": [t.bpftrace, "-l", TP]}}
    # every run here is measured (spawn(measured=True)): wall times are the
    # launcher's fork-to-reap, peak RSS its child's ru_maxrss
    for rep in range(reps):
        for tool in ("sonde", "bpftrace"):
            for what in ("help", "list"):
                p = spawn(nothing[what][tool], stdout=subprocess.DEVNULL, env=t.env, measured=True)
                rc, rss = reap(p)
                if rc != 0:
                    fail(f"startup: {tool} {' '.join(nothing[what][tool][1:])} exit status {rc}")
                    continue
                s[f"{what}_ms"][tool].append(wall_ms(p))
                if what == "help":
                    s["help_rss"][tool].append(rss)
        for tool in TOOLS:
            p = spawn(begin[tool], env=t.env, measured=True)
            rc, rss = reap(p)
            if rc != 0:
                fail(f"startup: {tool} BEGIN exit status {rc}")
                continue
            s["begin_ms"][tool].append(wall_ms(p))
            s["begin_rss"][tool].append(rss)
        p = spawn(cached, env=cache_env, measured=True)
        rc, rss = reap(p)
        if rc != 0:
            fail(f"startup: sonde --cache BEGIN exit status {rc}")
        else:
            s["cached_ms"]["sonde"].append(wall_ms(p))
            s["cached_rss"]["sonde"].append(rss)
        for tool in TOOLS:
            argv = t.argv(tool, attach_script, t.objs["printf_self"], buffering="line", printing=True)
            t0 = time.perf_counter()
            p = spawn(argv, stdout=subprocess.PIPE, env=t.env, measured=True)
            fd = p.stdout.fileno()
            os.set_blocking(fd, False)
            buf, t_line = b"", None
            deadline = t0 + 30
            while time.perf_counter() < deadline and p.poll() is None:
                os.getppid()  # the event: a getppid from this process
                r, _, _ = select.select([fd], [], [], 0.0005)
                if r:
                    buf += os.read(fd, 65536) or b""
                    if re.search(rb"^(x|ev \d+)$", buf, re.M):
                        t_line = mono_ns()
                        break
            if t_line is None:
                fail(f"startup: {tool} never reported the first event: {p.stderr.read(2000)!r}"
                     if p.poll() is not None else f"startup: {tool} never reported the first event")
                stop(p)
                continue
            if tool == "hand":
                # no exit() in hand C: time its SIGINT-to-gone instead, the
                # kernel's detach time plus a minimal user-space exit
                t_seen = mono_ns()
                p.send_signal(signal.SIGINT)
            else:
                t_seen = t_line
            rc, rss = reap(p)
            if rc != 0 or p.fork_ns is None:
                fail(f"startup: {tool} attach script exit status {rc}")
                continue
            # from the launcher's fork, and to its reap: the same clock
            s["attach_ms"][tool].append((t_line - p.fork_ns) / 1e6)
            s["exit_ms"][tool].append((p.reap_ns - t_seen) / 1e6)
            s["tp_rss"][tool].append(rss)
    results["startup"] = s
    rows = []
    names = {"begin_ms": ("`BEGIN { exit(); }` wall", " ms", 1),
             "attach_ms": ("start to first event of a tracepoint (attached)", " ms", 1),
             "exit_ms": ("exit() seen to process gone (hand C: SIGINT to gone)", " ms", 1),
             "begin_rss": ("peak RSS, `BEGIN { exit(); }`", " MiB", 1),
             "cached_ms": ("`BEGIN { exit(); }` wall, second run, `--cache` (hand C: as above)", " ms", 1),
             "cached_rss": ("peak RSS, second run, `--cache` (hand C: as above)", " MiB", 1),
             "tp_rss": ("peak RSS, tracepoint + printf script", " MiB", 1),
             "help_ms": ("`--help` wall (compiles nothing)", " ms", 2),
             "list_ms": (f"`-l {TP}` wall (compiles nothing)", " ms", 1),
             "help_rss": ("peak RSS, `--help`", " MiB", 1)}
    for k in ("begin_ms", "cached_ms", "attach_ms", "exit_ms", "begin_rss", "cached_rss", "tp_rss", "help_ms",
              "list_ms", "help_rss"):
        label, unit, d = names[k]
        scale = 1 / 1024 if "rss" in k else 1
        m = {tool: (med(s[k][tool]) * scale if med(s[k][tool]) is not None else None) for tool in TOOLS}
        if k.startswith("cached_"):
            # bpftrace has no cache; hand C's figure is its one run
            plain = "begin_" + k[len("cached_"):]
            m["hand"] = med(s[plain]["hand"]) * scale if med(s[plain]["hand"]) is not None else None
        rows.append([label] + [fmt(m[tool], unit, d) for tool in TOOLS] +
                    [fmt_ratio(ratio(m["sonde"], m["bpftrace"])), fmt_ratio(ratio(m["sonde"], m["hand"]))])
    table(f"Start-up (median of {reps}); every run under bench/rss.c: wall times from its fork to its "
          f"wait4, peak RSS the tool's own ru_maxrss", ["measure", "sonde", "bpftrace", "hand C", "sonde/bpftrace",
                                           "sonde/hand"], rows)


def section_events(a, t, trig, reps, n):
    log("== per-event kernel cost")
    cases = [c for c in CASES if not a.cases or c[0] in a.cases]
    # one empty program on each probed tracepoint, the baseline of its cases
    calls = sorted({opts.get("call", "getppid") for _, _, _, opts in cases})
    empties, empty_ids = {}, {}
    for call in calls:
        obj = t.objs["empty" if call == "getppid" else f"empty_{call}"]
        empties[call] = spawn([t.loader, obj])
        if not wait_attached(empties[call], call=call):
            fail(f"events: the empty baseline program on sys_enter_{call} did not attach")
            for p in empties.values():
                stop(p)
            return
        empty_ids[call] = prog_ids_of(empties[call].pid)
    samples = {c[0]: {tool: [] for tool in TOOLS} for c in cases}
    xlated = {c[0]: {tool: None for tool in TOOLS} for c in cases}
    for rep in range(reps):
        for name, body, hand, opts in cases:
            call = opts.get("call", "getppid")
            script = f"{opts.get('prelude', '')}tracepoint:syscalls:sys_enter_{call} /pid == {trig.pid}/ {{ {body} }}"
            for tool in TOOLS:
                if tool == "bpftrace" and opts.get("bpftrace", True) is False:
                    continue
                out = tempfile.TemporaryFile()
                p = spawn(t.argv(tool, script, t.objs[hand], printing=True), stdout=out, env=t.env)
                if not wait_attached(p, call=call):
                    fail(f"events: {name}: {tool} did not attach")
                    stop(p)
                    continue
                ids = {i for i, pr in prog_stats(prog_ids_of(p.pid)).items() if pr["type"] == "tracepoint"}
                s0 = prog_stats(ids | empty_ids[call])
                trig.fire(n, call=call)
                s1 = prog_stats(ids | empty_ids[call])
                rc, _ = stop(p)
                if rc != 0:
                    fail(f"events: {name}: {tool} exit status {rc}")

                def per_event(pids):
                    dt = sum(s1[i].get("run_time_ns", 0) - s0[i].get("run_time_ns", 0) for i in pids
                             if i in s0 and i in s1)
                    dc = sum(s1[i].get("run_cnt", 0) - s0[i].get("run_cnt", 0) for i in pids
                             if i in s0 and i in s1)
                    return dt / dc if dc else None, dc

                cost, cnt = per_event(ids)
                base, _ = per_event(empty_ids[call])
                if cost is None or base is None or cnt < n:
                    fail(f"events: {name}: {tool}: program ran {cnt} times for {n} events")
                    continue
                samples[name][tool].append({"ns": cost, "empty_ns": base, "net_ns": cost - base})
                progs = [s1[i] for i in ids if i in s1]
                xlated[name][tool] = {"insns": sum(pr.get("bytes_xlated", 0) for pr in progs) // 8,
                                      "jited_bytes": sum(pr.get("bytes_jited", 0) for pr in progs),
                                      "ids": sorted(ids)}
                out.close()
    for p in empties.values():
        stop(p)
    results["events"] = {"samples": samples, "xlated": xlated, "events_per_run": n}
    rows, xrows = [], []
    for name, _, _, _ in cases:
        m = {tool: med([x["net_ns"] for x in samples[name][tool]]) for tool in TOOLS}
        g = {tool: med([x["ns"] for x in samples[name][tool]]) for tool in TOOLS}
        e = med([x["empty_ns"] for tool in TOOLS for x in samples[name][tool]])
        rows.append([name] + [f"{fmt(m[tool])} ({fmt(g[tool])})" for tool in TOOLS] + [fmt(e)] +
                    [fmt_ratio(ratio(m["sonde"], m["bpftrace"])), fmt_ratio(ratio(m["sonde"], m["hand"]))])
        x = {tool: (xlated[name][tool] or {}).get("insns") for tool in TOOLS}
        xrows.append([name] + [fmt(x[tool]) for tool in TOOLS] +
                     [fmt_ratio(ratio(x["sonde"], x["bpftrace"])), fmt_ratio(ratio(x["sonde"], x["hand"]))])
    table(f"Per-event kernel cost, ns/event net of the empty program (gross in parentheses); "
          f"median of {reps} runs x {n} events",
          ["script", "sonde", "bpftrace", "hand C", "empty prog", "sonde/bpftrace", "sonde/hand"], rows)
    table("xlated instructions of the tracepoint program",
          ["script", "sonde", "bpftrace", "hand C", "sonde/bpftrace", "sonde/hand"], xrows)


def section_ringbuf(a, t, trig, rates, dur, nmax):
    log("== ring-buffer printf throughput")
    script = f'{TP} /pid == {trig.pid}/ {{ printf("ev %d\\n", tid); }}'
    res = {}
    rows = []
    for rate in rates:
        n = nmax if rate == 0 else max(1000, int(rate * dur))
        res[rate] = {}
        for tool in TOOLS:
            with tempfile.NamedTemporaryFile(dir=OUT, prefix="rb-") as out:
                p = spawn(t.argv(tool, script, t.objs["printf"], printing=True), stdout=out, env=t.env)
                if not wait_attached(p):
                    fail(f"ringbuf: {tool} did not attach")
                    stop(p)
                    continue
                elapsed = trig.fire(n, rate)
                # wait for the output to settle, then stop the tool
                last, still = -1, time.monotonic()
                settle_deadline = still + 20
                while time.monotonic() - still < 0.3 and time.monotonic() < settle_deadline:
                    size = os.fstat(out.fileno()).st_size
                    if size != last:
                        last, still = size, time.monotonic()
                    time.sleep(0.05)
                rc, _ = stop(p)
                if rc != 0:
                    fail(f"ringbuf: {tool} exit status {rc}")
                out.seek(0)
                text = out.read().decode(errors="replace")
            got = len(re.findall(r"^ev \d+$", text, re.M))
            lost = re.findall(r"[Ll]ost (\d+) events", text)
            res[rate][tool] = {"events": n, "received": got, "seconds": elapsed,
                               "reported_lost": sum(int(x) for x in lost) if lost else None}
        row = [("max" if rate == 0 else f"{rate:,}/s")]
        for tool in TOOLS:
            r = res[rate].get(tool)
            if not r:
                row.append("n/a")
                continue
            offered = r["events"] / r["seconds"] if r["seconds"] else 0
            loss = 100.0 * (r["events"] - r["received"]) / r["events"]
            row.append(f"{offered / 1e3:,.0f}k/s offered, {loss:.1f}% lost"
                       + (f" (reports {r['reported_lost']})" if r["reported_lost"] else ""))
        rows.append(row)
    results["ringbuf"] = res
    table("printf through the ring buffer (bpftrace 0.17: perf buffer): offered rate and loss",
          ["target rate", "sonde", "bpftrace", "hand C"], rows)


WILDCARDS = ["tracepoint:syscalls:sys_enter_*", "tracepoint:sched:*", "tracepoint:net:*"]


def section_wildcards(a, t, reps, specs):
    """Start to exit of scripts with many tracepoints: sonde serves syscall
    tracepoints from raw_syscalls dispatchers and runs the others as raw
    tracepoints (probes/tracepoint.c); bpftrace 0.17 attaches a perf event
    to each, whose teardown waits for an RCU grace period one event at a
    time. Each script exits at the driver's first getppid once it is
    attached (sys_exit_getppid is outside the wildcards, so every wildcard
    match stays alone on its event)."""
    log("== wildcards")
    me = os.getpid()
    tools = ("sonde", "bpftrace")
    s = {}
    for spec in specs:
        script = (f"{spec} {{ @[probe] = count(); }} "
                  f"tracepoint:syscalls:sys_exit_getppid /pid == {me}/ {{ exit(); }}")
        d = s[spec] = {k: {tool: [] for tool in tools} for k in ("total_ms", "verify_ms", "keys")}
        for rep in range(reps):
            for tool in tools:
                argv = [t.sonde if tool == "sonde" else t.bpftrace, "-q", "-e", script]
                t0 = time.perf_counter()
                p = spawn(argv, stdout=subprocess.PIPE, env=t.env)
                fd = p.stdout.fileno()
                os.set_blocking(fd, False)
                out, eof = b"", False
                deadline = t0 + 120
                # until its stdout closes
                while time.perf_counter() < deadline and not eof:
                    os.getppid()
                    r, _, _ = select.select([fd], [], [], 0.0005)
                    if r:
                        chunk = os.read(fd, 1 << 20)
                        out += chunk
                        eof = not chunk
                rc, _ = reap(p, timeout=120)
                wall = (time.perf_counter() - t0) * 1e3
                keys = len(re.findall(rb"^@\[tracepoint:", out, re.M))
                # no keys is no error: nothing may fire (net:* without traffic)
                if rc != 0:
                    fail(f"wildcards: {tool} {spec}: exit status {rc}")
                    continue
                d["total_ms"][tool].append(wall)
                d["keys"][tool].append(keys)
            # compile + verify + load, nothing attached (bpftrace 0.17 has no real dry run)
            t0 = time.perf_counter()
            rc, _ = reap(spawn([t.sonde, "-q", "--dry-run", "-e", script], env=t.env), timeout=120)
            if rc == 0:
                d["verify_ms"]["sonde"].append((time.perf_counter() - t0) * 1e3)
            else:
                fail(f"wildcards: sonde --dry-run {spec}: exit status {rc}")
    results["wildcards"] = s
    rows = []
    for spec in specs:
        m = {k: {tool: med(s[spec][k][tool]) for tool in tools} for k in s[spec]}
        rows.append([f"`{spec}` start to exit", fmt(m["total_ms"]["sonde"], " ms"),
                     fmt(m["total_ms"]["bpftrace"], " ms"),
                     fmt_ratio(ratio(m["total_ms"]["sonde"], m["total_ms"]["bpftrace"])),
                     fmt(m["verify_ms"]["sonde"], " ms"),
                     f'{fmt(m["keys"]["sonde"], digits=0)} / {fmt(m["keys"]["bpftrace"], digits=0)}'])
    table(f"Wildcards: `SPEC {{ @[probe] = count(); }}` and a probe that exits at the driver's "
          f"first getppid (median of {reps})",
          ["script", "sonde", "bpftrace", "sonde/bpftrace", "sonde --dry-run", "map keys sonde / bpftrace"],
          rows)


# the compile section's script shapes: N probes sharing one map, and N
# probes with a map each (BTF and descriptors per map)
COMPILE_SHAPES = {
    "one map": lambda i: f"{TP} /pid == 1/ {{ @c[{i}] = count(); }}",
    "map per probe": lambda i: f"interval:s:{i + 1} {{ @m{i} = count(); }}",
}


def section_compile(a, t, sizes, reps):
    for shape in a.compile_shapes.split(","):
        compile_shape(a, t, sizes, reps, shape)


def compile_shape(a, t, sizes, reps, shape):
    log(f"== compile time ({shape})")
    line = COMPILE_SHAPES[shape]
    has_emit_elf = "--emit-elf" in run([t.sonde, "--help"]).stdout
    res = {}
    rows = []
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for k in sizes:
            script = "\n".join(line(i) for i in range(k))
            path = os.path.join(tmp, f"s{k}.bt")
            with open(path, "w") as f:
                f.write(script + "\n")
            variants = {"sonde --dry-run": [t.sonde, "-q", "--dry-run", path],
                        "bpftrace --emit-elf": [t.bpftrace, "--emit-elf", os.path.join(tmp, "b.o"), path]}
            if has_emit_elf:
                variants["sonde --emit-elf"] = [t.sonde, "-q", "--dry-run", "--emit-elf",
                                                os.path.join(tmp, "s.o"), path]
            res[k] = {v: [] for v in variants}
            for rep in range(reps):
                for v, argv in variants.items():
                    # measured: the launcher's fork-to-reap and the tool's own peak RSS
                    p = spawn(argv, env=t.env, measured=True)
                    rc, rss = reap(p, timeout=900)
                    if rc != 0:
                        fail(f"compile: {v} with {k} probes: exit status {rc}")
                        continue
                    res[k][v].append({"ms": wall_ms(p), "rss_kib": rss})
    results.setdefault("compile", {})[shape] = res
    variants = list(res[sizes[0]].keys())
    for k in sizes:
        row = [str(k)]
        for v in variants:
            m = med([x["ms"] for x in res[k][v]])
            per = f" ({m / k:.2f}/probe)" if m is not None else ""
            row.append(fmt(m, " ms") + per)
        rows.append(row)
    table(f"Compile time as scripts grow, {shape} (median of {reps}; each run under bench/rss.c, "
          f"its fork to its wait4); sonde --dry-run also verifies and loads every program, "
          f"bpftrace --emit-elf does not load",
          ["probes"] + variants, rows)


def section_xdp(a, t, reps, repeat):
    log("== XDP")
    help_text = run([t.sonde, "--help"]).stdout
    if "--emit-elf" not in help_text:
        print("\n### XDP ns/packet\n\nskipped: this sonde has no --emit-elf yet "
              "(the XDP bench test-runs the object sonde writes).")
        results["xdp"] = "skipped: no --emit-elf"
        return
    objs = {}
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        for name, script, hand in XDP_CASES:
            obj = os.path.join(tmp, hand + ".sonde.o")
            # --dry-run: nothing is attached to any interface
            r = run([t.sonde, "-q", "--dry-run", "--emit-elf", obj, "-e", script])
            if r.returncode != 0:
                msg = (r.stderr.strip().splitlines() or ["?"])[0]
                print(f"\n### XDP ns/packet\n\nskipped: sonde cannot compile `{script}` yet: {msg}")
                results["xdp"] = f"skipped: {msg}"
                return
            objs[name] = obj
        samples = {}
        for rep in range(reps):
            for name, script, hand in XDP_CASES:
                for pkt in XDP_PACKETS:
                    d = samples.setdefault(f"{name} / {pkt}", {"sonde": [], "bpftrace": [], "hand": [],
                                                               "empty": []})
                    for who, obj in (("sonde", objs[name]), ("hand", t.objs[hand]),
                                     ("empty", t.objs["xdp_empty"])):
                        r = run([t.loader, "--test-run", str(repeat), "--packet", pkt, obj])
                        m = re.findall(r"^test-run (\S+) ns=(\d+) wall_ns=([\d.]+) retval=(\d+)", r.stdout, re.M)
                        if r.returncode != 0 or len(m) != 1:
                            fail(f"xdp: {name} {pkt} {who}: {r.stderr.strip() or r.stdout.strip()}")
                            continue
                        d[who].append({"ns": int(m[0][1]), "wall_ns": float(m[0][2]), "retval": int(m[0][3])})
    results["xdp"] = samples
    rows = []
    for key, d in samples.items():
        # the wall time of the test-run call over `repeat` packets: the
        # kernel's own duration is a whole number of ns, too coarse here
        e = med([x["wall_ns"] for x in d["empty"]])
        s = med([x["wall_ns"] for x in d["sonde"]])
        h = med([x["wall_ns"] for x in d["hand"]])
        verdict_ok = {x["retval"] for x in d["sonde"]} == {x["retval"] for x in d["hand"]}
        if not verdict_ok:
            fail(f"xdp: {key}: sonde and hand C return different verdicts")
        net = lambda v: None if v is None or e is None else v - e
        f2 = lambda v: fmt(v, digits=2)
        rows.append([key, f"{f2(net(s))} ({f2(s)})", "n/a", f"{f2(net(h))} ({f2(h)})", f2(e), fmt_ratio(ratio(net(s), net(h))), fmt_ratio(ratio(s, h))])
    table(f"XDP ns/packet (wall time of BPF_PROG_TEST_RUN / repeat, best of 5 rounds of repeat={repeat:,}), "
          f"net of an XDP_PASS program (gross); median of {reps}",
          ["case / packet", "sonde", "bpftrace", "hand C", "empty prog", "sonde/hand net", "sonde/hand gross"],
          rows)


BIG_PER_EVENT = 1000  # keys one fill event adds (a bounded while loop, as hand/bigmap.bpf.c)


def big_fill_script(trig_pid):
    """@big gets PER keys an event of the trigger, @big[k] = k: every value
    once, so the sorted output is the same for every tool, byte for byte.
    bpftrace 0.17 and sonde both run the while loop."""
    per = BIG_PER_EVENT
    return (f"{TP} /pid == {trig_pid}/ {{ $b = @n; @n = @n + 1; $i = 0; "
            f"while ($i < {per}) {{ @big[$b * {per} + $i] = $b * {per} + $i; $i++; }} }} ")


def map_digest(f, prefix, ordered):
    """(count, digest) of the lines of file f that start with prefix, read
    a line at a time: the driver must stay small, since a child's peak RSS
    (wait4) starts from the driver's own at fork. ordered: the lines in
    their order (int keys, every value once: one order for all tools);
    otherwise in any order (string keys that all count 1 print their ties
    in an order of each tool's own)."""
    n, h, total = 0, hashlib.sha256(), 0
    for line in f:
        if not line.startswith(prefix):
            continue
        n += 1
        if ordered:
            h.update(line)
        else:
            total = (total + int.from_bytes(hashlib.sha256(line).digest()[:16], "little")) % (1 << 128)
    return n, (h.hexdigest()[:16] if ordered else f"{total:032x}"[:16])


def settle(out, limit=60.0):
    """Waits until the file stops growing (0.5 s unchanged)."""
    last, still = -1, time.monotonic()
    deadline = still + limit
    while time.monotonic() - still < 0.5 and time.monotonic() < deadline:
        size = os.fstat(out.fileno()).st_size
        if size != last:
            last, still = size, time.monotonic()
        time.sleep(0.05)


def section_bigmaps(a, t, trig, reps, nkeys, nstr, rate, secs):
    """Large maps (issue 20): (a) nkeys integer keys filled by a trigger,
    printed at exit: time from exit() (hand C: SIGINT) to the process
    gone, and peak RSS; (b) nstr string keys (str() of openat's filename,
    the driver opening that many missing paths) printed at exit; (c)
    print(@big) of nkeys keys mid-run while printf events come at `rate`:
    events that never reached the output. bpftrace and sonde take the
    same BPFTRACE_MAP_KEYS_MAX."""
    log("== large maps")
    me = os.getpid()
    env = dict(t.env, BPFTRACE_MAP_KEYS_MAX=str(nkeys + 4096))
    ends = f"tracepoint:syscalls:sys_enter_getpgid /pid == {me}/ {{ delete(@n); exit(); }}"
    cases = {
        "int": big_fill_script(trig.pid) + ends,
        "str": (f"tracepoint:syscalls:sys_enter_openat /pid == {me}/ {{ @s[str(args->filename)] = count(); }} "
                f"tracepoint:syscalls:sys_enter_getpgid /pid == {me}/ {{ exit(); }}"),
    }
    prefix = "/nonexistent-sonde-bench/"
    s = {c: {k: {tool: [] for tool in TOOLS} for k in ("fill_s", "exit_ms", "rss_kib", "keys", "sha")}
         for c in cases}
    for rep in range(reps):
        for case, script in cases.items():
            for tool in TOOLS:
                if tool == "hand" and case != "int":
                    continue  # a hand-written string-keyed reader would be bpftrace's printer again
                argv = ([t.loader, "--print-map", "big", t.objs["bigmap"]] if tool == "hand"
                        else [t.sonde if tool == "sonde" else t.bpftrace, "-q", "-e", script])
                with tempfile.NamedTemporaryFile(dir=OUT, prefix="big-") as out:
                    p = spawn(argv, stdout=out, env=env)
                    probes = (["sys_enter_getppid"] if tool == "hand" else
                              ["sys_enter_getppid" if case == "int" else "sys_enter_openat", "sys_enter_getpgid"])
                    if not wait_tracepoints(p, probes):
                        fail(f"bigmaps: {tool} {case} did not attach")
                        stop(p)
                        continue
                    t0 = time.perf_counter()
                    if case == "int":
                        trig.fire(nkeys // BIG_PER_EVENT)
                    else:
                        for i in range(nstr):
                            try:
                                os.close(os.open(f"{prefix}{i}", os.O_RDONLY))
                            except OSError:
                                pass
                    fill = time.perf_counter() - t0
                    t0 = time.perf_counter()
                    if tool == "hand":
                        p.send_signal(signal.SIGINT)
                    else:
                        os.getpgid(0)
                    rc, rss = reap(p, timeout=300)
                    wall = (time.perf_counter() - t0) * 1e3
                    if rc != 0:
                        fail(f"bigmaps: {tool} {case}: exit status {rc}")
                        continue
                    out.seek(0)
                    keys, digest = map_digest(out, b"@big[" if case == "int" else b"@s[" + prefix.encode(),
                                              ordered=case == "int")
                want = nkeys if case == "int" else nstr
                if keys != want:
                    fail(f"bigmaps: {tool} {case}: printed {keys} keys of {want}")
                d = s[case]
                d["fill_s"][tool].append(fill)
                d["exit_ms"][tool].append(wall)
                d["rss_kib"][tool].append(rss)
                d["keys"][tool].append(keys)
                d["sha"][tool].append(digest)
    results["bigmaps"] = {"at_exit": s}
    rows = []
    for case, what in (("int", f"{nkeys:,} int keys"), ("str", f"{nstr:,} string keys")):
        m = {k: {tool: med(s[case][k][tool]) if k not in ("sha",) else None for tool in TOOLS}
             for k in s[case]}
        same = {tool: (set(s[case]["sha"][tool]) == set(s[case]["sha"]["bpftrace"])
                       if s[case]["sha"][tool] else None) for tool in TOOLS}
        for tool in ("sonde", "hand"):
            if same[tool] is False:
                fail(f"bigmaps: {tool} {case}: the map lines differ from bpftrace's")
        mib = {tool: (m["rss_kib"][tool] / 1024 if m["rss_kib"][tool] else None) for tool in TOOLS}
        rows.append([f"{what}: exit to gone", fmt(m["exit_ms"]["sonde"], " ms", 0),
                     fmt(m["exit_ms"]["bpftrace"], " ms", 0), fmt(m["exit_ms"]["hand"], " ms", 0),
                     fmt_ratio(ratio(m["exit_ms"]["sonde"], m["exit_ms"]["bpftrace"])),
                     fmt_ratio(ratio(m["exit_ms"]["sonde"], m["exit_ms"]["hand"]))])
        rows.append([f"{what}: peak RSS", fmt(mib["sonde"], " MiB"), fmt(mib["bpftrace"], " MiB"),
                     fmt(mib["hand"], " MiB"), fmt_ratio(ratio(mib["sonde"], mib["bpftrace"])),
                     fmt_ratio(ratio(mib["sonde"], mib["hand"]))])
        rows.append([f"{what}: fill (trigger)", fmt(m["fill_s"]["sonde"], " s", 2),
                     fmt(m["fill_s"]["bpftrace"], " s", 2), fmt(m["fill_s"]["hand"], " s", 2), "", ""])
    table(f"Large maps printed at exit (median of {reps}; hand C: loader --print-map, SIGINT to gone; "
          f"map lines identical to bpftrace's: sonde "
          f"{'yes' if not any('differ' in f for f in failures) else 'NO'})",
          ["case", "sonde", "bpftrace", "hand C", "sonde/bpftrace", "sonde/hand"], rows)

    # (c) print() mid-run under a steady printf load
    script = (big_fill_script(me) +
              f"{TP} /pid == {trig.pid}/ {{ printf(\"ev %d\\n\", tid); }} "
              f"tracepoint:syscalls:sys_enter_getpgid /pid == {me}/ {{ print(@big); }} "
              f"tracepoint:syscalls:sys_enter_getsid /pid == {me}/ {{ delete(@n); clear(@big); exit(); }}")
    n = int(rate * secs)
    mid = {tool: [] for tool in ("sonde", "bpftrace")}
    for rep in range(reps):
        for tool in ("sonde", "bpftrace"):
            argv = [t.sonde if tool == "sonde" else t.bpftrace, "-q", "-e", script]
            with tempfile.NamedTemporaryFile(dir=OUT, prefix="bigmid-") as out:
                p = spawn(argv, stdout=out, env=env)
                if not wait_tracepoints(p, ["sys_enter_getppid", "sys_enter_getpgid", "sys_enter_getsid"]):
                    fail(f"bigmaps: {tool} mid-run print did not attach")
                    stop(p)
                    continue
                for _ in range(nkeys // BIG_PER_EVENT):
                    os.getppid()  # the fill, from the driver this time
                done = {}
                th = threading.Thread(target=lambda: done.setdefault("s", trig.fire(n, rate)))
                th.start()
                time.sleep(secs / 4)
                t_print = time.perf_counter()
                os.getpgid(0)
                th.join()
                settle(out, limit=120)
                settled = time.perf_counter() - t_print
                os.getsid(0)
                # bpftrace 0.17 may never see this exit() after the events
                # it lost (it waits in epoll_wait): SIGINT then, which
                # prints @big at exit, uncleared
                interrupted = not gone_within(p, 30.0)
                if interrupted:
                    p.send_signal(signal.SIGINT)
                rc, rss = reap(p, timeout=300)
                if rc != 0:
                    fail(f"bigmaps: {tool} mid-run print: exit status {rc}")
                out.seek(0)
                got = keys = lost = 0
                for line in out:
                    if line.startswith(b"ev "):
                        got += 1
                    elif line.startswith(b"@big["):
                        keys += 1
                    else:
                        m = re.match(rb"[Ll]ost (\d+) events", line)
                        lost += int(m.group(1)) if m else 0
            if interrupted:
                keys -= nkeys  # the print at exit
            if keys != nkeys:
                fail(f"bigmaps: {tool} mid-run print showed {keys} keys of {nkeys}")
            mid[tool].append({"events": n, "received": got, "reported_lost": lost, "keys": keys,
                              "exit_ignored": interrupted,
                              "seconds": done.get("s"), "print_to_settled_s": settled, "rss_kib": rss})
    results["bigmaps"]["mid_run_print"] = mid
    rows = []
    for tool in ("sonde", "bpftrace"):
        r = mid[tool]
        if not r:
            rows.append([tool, "n/a", "n/a", "n/a", "n/a"])
            continue
        missing = med([x["events"] - x["received"] for x in r])
        rows.append([tool, f"{n:,}", fmt(missing, digits=0), fmt(med([x["reported_lost"] for x in r]), digits=0),
                     fmt(med([x["print_to_settled_s"] for x in r]), " s", 1),
                     f'{sum(x["exit_ignored"] for x in r)} of {len(r)}'])
    table(f"print(@big) of {nkeys:,} keys mid-run, printf at {rate:,}/s for {secs:g} s (the print "
          f"{secs / 4:g} s in): events that never reached the output (median of {reps})",
          ["tool", "events", "lost", "reported lost", "print to output settled",
           "exit() after it not acted on (SIGINT)"], rows)


def gone_within(p, seconds):
    """True when p exits within `seconds` (not reaped: reap() gets its rusage)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                return True
        except ChildProcessError:
            return True
        time.sleep(0.05)
    return False


def wait_tracepoints(p, names, timeout=30.0):
    """True once process p has BPF programs on every tracepoint of `names`
    (bpftool perf show)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None:
            return False
        try:
            perf = json.loads(run(["bpftool", "-j", "perf", "show"]).stdout or "[]")
        except json.JSONDecodeError:
            perf = []
        if set(names) <= {e.get("tracepoint") for e in perf if e.get("pid") == p.pid}:
            return True
        time.sleep(0.05)
    return False


# ---- main ------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="tiny configuration for CI (< 60 s)")
    ap.add_argument("--reps", type=int, help="repetitions (default 5, --quick 1)")
    ap.add_argument("--sonde", default=os.path.join(ROOT, "build", "sonde"))
    ap.add_argument("--bpftrace", default=shutil.which("bpftrace") or "bpftrace")
    ap.add_argument("--only", default="startup,events,ringbuf,wildcards,compile,xdp,bigmaps",
                    help="comma-separated sections to run")
    ap.add_argument("--cases", type=lambda v: v.split(","), default=None,
                    help="only these cases of the events section (names, comma-separated)")
    ap.add_argument("--compile-sizes",
                    help="comma-separated probe counts for the compile section (default 1,10,100,1000)")
    ap.add_argument("--compile-shapes", default=",".join(COMPILE_SHAPES),
                    help=f"comma-separated script shapes for the compile section: {', '.join(COMPILE_SHAPES)}")
    ap.add_argument("--compile-reps", type=int, help="repetitions of the compile section (default 3)")
    ap.add_argument("--xdp-repeat", type=int,
                    help="packets per BPF_PROG_TEST_RUN call (default 50M, --quick 1M)")
    a = ap.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench: needs root (run it with sudo)")
    for tool in (a.sonde, a.bpftrace, "bpftool", "clang-19"):
        if not shutil.which(tool) and not os.access(tool, os.X_OK):
            sys.exit(f"bench: {tool} not found")
    sections = set(a.only.split(","))
    reps = a.reps or (1 if a.quick else 5)
    n = 100_000 if a.quick else 1_000_000
    rates = [100_000, 0] if a.quick else [10_000, 100_000, 300_000, 1_000_000, 0]
    rb_dur, rb_max = (0.2, 100_000) if a.quick else (1.0, 1_000_000)
    sizes = [1, 10, 100] if a.quick else [1, 10, 100, 1000]
    if a.compile_sizes:
        sizes = [int(x) for x in a.compile_sizes.split(",")]
    for shape in a.compile_shapes.split(","):
        if shape not in COMPILE_SHAPES:
            sys.exit(f"bench: unknown compile shape {shape!r}")
    # 50M: the programs cost 1 to 7 ns, and the figure needs hundredths
    xdp_repeat = 1_000_000 if a.quick else 50_000_000
    if a.xdp_repeat:
        xdp_repeat = a.xdp_repeat

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    stats_path = "/proc/sys/kernel/bpf_stats_enabled"
    with open(stats_path) as f:
        old_stats = f.read().strip()
    trig = None
    started = time.monotonic()
    try:
        os.makedirs(OUT, exist_ok=True)
        run([os.environ.get("CC", "cc"), "-O2", "-o", os.path.join(OUT, "trig"), os.path.join(BENCH, "trig.c")])
        trig = Trig(os.path.join(OUT, "trig"))
        objs = build(trig.pid, os.getpid())
        t = Tools(a, objs)
        uname = os.uname()
        print(f"# sonde bench: kernel {uname.release}, {os.cpu_count()} CPUs, "
              f"{run([a.bpftrace, '--version']).stdout.strip()}, reps={reps}"
              f"{', --quick' if a.quick else ''}")
        if "startup" in sections:
            section_startup(a, t, reps)
        if "events" in sections:
            # bpf_stats adds two clock reads to every program run: on for this
            # section only (the XDP test runs would pay it too)
            with open(stats_path, "w") as f:
                f.write("1")
            section_events(a, t, trig, reps, n)
            with open(stats_path, "w") as f:
                f.write(old_stats)
        if "ringbuf" in sections:
            section_ringbuf(a, t, trig, rates, rb_dur, rb_max)
        if "wildcards" in sections:
            # --quick: bpftrace needs ~30 s for the 360 syscall tracepoints
            section_wildcards(a, t, reps, WILDCARDS[1:2] if a.quick else WILDCARDS)
        if "compile" in sections:
            section_compile(a, t, sizes, a.compile_reps or (1 if a.quick else 3))
        if "xdp" in sections:
            section_xdp(a, t, min(reps, 3), xdp_repeat)
        if "bigmaps" in sections:
            # bpftrace 0.17 takes ~16 s to print a million keys
            if a.quick:
                section_bigmaps(a, t, trig, 1, 100_000, 10_000, 50_000, 1.0)
            else:
                section_bigmaps(a, t, trig, min(reps, 3), 1_000_000, 100_000, 100_000, 3.0)
    except Interrupted:
        log("bench: interrupted, cleaning up")
        failures.append("interrupted")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all()
        if trig and trig.p.returncode is None:
            try:
                trig.close()
            except (OSError, ValueError):
                pass
        with open(stats_path, "w") as f:
            f.write(old_stats)
    results["failures"] = failures
    results["seconds"] = time.monotonic() - started
    with open(os.path.join(OUT, "results.json"), "w") as f:
        json.dump(results, f, indent=1, default=str)
    log(f"bench: {time.monotonic() - started:.0f} s; raw samples in {os.path.relpath(OUT, os.getcwd())}/results.json")
    if failures:
        log(f"bench: {len(failures)} failure(s):\n  " + "\n  ".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
