#!/usr/bin/env python3
"""Run sonde's end-to-end tests: one or more .test files, each holding tests
written in a small directive format (see tests/runtime/README.md).

A test starts sonde as a user would (loading real BPF programs, so it needs
root), optionally waits until the probes are attached, drives the kernel with
AFTER commands, optionally sends a signal, and then checks sonde's exit code
and output.  After every test the BPF programs and links that exist in the
kernel are compared with those that existed before it, so a test fails when
sonde leaves anything behind.

Prints one line per test (PASS / FAIL / SKIP), details for failures, and a
last line "N passed, N failed, N skipped".  Exits 1 when a test failed, 2 on a
usage or syntax error in a .test file, 0 otherwise.

Only the Python standard library is used.
"""

import argparse
import json
import os
import random
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

DEFAULT_TIMEOUT = 10.0  # seconds, per test
# bpftrace prints this line on stderr once its probes are attached when
# the variable of the same name is set; the line is not part of its output
BPFTRACE_ATTACHED = "__BPFTRACE_NOTIFY_PROBES_ATTACHED"
KILL_GRACE = 3.0  # seconds between SIGINT and SIGKILL on timeout
LEAK_SETTLE = 3.0  # seconds the kernel gets to free programs after exit
MAX_SHOWN_LINES = 120  # of stdout/stderr shown on failure

SIGNALS = {"INT": signal.SIGINT, "TERM": signal.SIGTERM, "HUP": signal.SIGHUP,
           "QUIT": signal.SIGQUIT, "KILL": signal.SIGKILL, "USR1": signal.SIGUSR1}

ATTACHING_RE = re.compile(r"^Attaching \d+ probes?\.\.\.$")


class TestFileError(Exception):
    """A malformed .test file; reported with file:line."""


class Test:
    def __init__(self, name, path, line):
        self.name = name
        self.path = path  # the .test file
        self.line = line  # line of NAME
        self.prog = None
        self.run = None
        self.args = []
        self.env = {}
        self.wait_for = None
        self.after = []
        self.signal = None  # (signum, name, delay_ms)
        self.stdout_expect = []  # ("line"|"regex", text); lines are ordered
        self.stderr_expect = []  # ("line"|"regex", text); lines are ordered
        self.stdout_none = []  # ("line"|"regex", text)
        self.stderr_none = []
        self.expect_empty = False
        self.expect_stderr_empty = False
        self.expect_file = None
        self.exit = 0
        self.timeout = DEFAULT_TIMEOUT
        self.requires = []  # (command, optional)
        self.skip_if = []
        self.cleanup_check = True
        self.unprivileged = False
        self.compare_bpftrace = None  # list of extra bpftrace args, or None

    @property
    def where(self):
        return "%s:%d" % (self.path, self.line)


# --------------------------------------------------------------------------
# Parsing

DIRECTIVES = {
    "NAME", "PROG", "RUN", "ARGS", "ENV", "WAIT_FOR", "SETTLE", "AFTER", "SIGNAL",
    "EXPECT", "EXPECT_REGEX", "EXPECT_NONE", "EXPECT_NONE_REGEX",
    "EXPECT_STDERR", "EXPECT_STDERR_REGEX", "EXPECT_STDERR_NONE",
    "EXPECT_STDERR_NONE_REGEX", "EXPECT_EMPTY", "EXPECT_STDERR_EMPTY",
    "EXPECT_FILE", "EXIT", "TIMEOUT", "REQUIRES", "REQUIRES_OPTIONAL", "SKIP_IF",
    "CLEANUP_CHECK", "UNPRIVILEGED", "COMPARE_BPFTRACE",
}

HEREDOC_RE = re.compile(r"^<<\s*([A-Za-z_][A-Za-z0-9_]*)$")
SIGNAL_RE = re.compile(r"^(?:SIG)?([A-Z0-9]+)(?:\s+after\s+(\d+)\s*(ms|s))?$")


def parse_file(path):
    """Return the list of Test objects in PATH; raise TestFileError."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tests = []
    cur = None
    i = 0
    while i < len(lines):
        lineno = i + 1
        raw = lines[i]
        i += 1
        if raw.startswith("#"):
            continue
        if raw.strip() == "":
            cur = None  # a blank line ends the test's directive block
            continue
        # One space or tab separates a directive from its value; the value
        # is the rest of the line verbatim (leading spaces matter to EXPECT).
        m = re.match(r"^([A-Z_]+)(?:[ \t](.*))?$", raw)
        if not m or m.group(1) not in DIRECTIVES:
            raise TestFileError("%s:%d: unknown directive: %s" % (path, lineno, raw))
        key, value = m.group(1), (m.group(2) or "")
        hd = HEREDOC_RE.match(value.strip())
        if hd and key in ("PROG", "RUN", "AFTER", "ARGS"):
            term = hd.group(1)
            body = []
            while True:
                if i >= len(lines):
                    raise TestFileError("%s:%d: heredoc not closed by '%s'" % (path, lineno, term))
                text = lines[i]
                i += 1
                if text == term:
                    break
                body.append(text)
            value = "\n".join(body)
        if key == "NAME":
            if not value.strip():
                raise TestFileError("%s:%d: NAME needs a name" % (path, lineno))
            cur = Test(value.strip(), path, lineno)
            tests.append(cur)
            continue
        if cur is None:
            raise TestFileError("%s:%d: %s outside a test (start a test with NAME; a blank "
                                "line ends a test)" % (path, lineno, key))
        try:
            apply_directive(cur, key, value)
        except ValueError as e:
            raise TestFileError("%s:%d: %s: %s" % (path, lineno, key, e))
    names = set()
    for t in tests:
        if t.name in names:
            raise TestFileError("%s: duplicate test name: %s" % (t.where, t.name))
        names.add(t.name)
        if (t.prog is None) == (t.run is None):
            raise TestFileError("%s: test '%s' needs exactly one of PROG or RUN" % (t.where, t.name))
        if t.compare_bpftrace is not None and t.prog is None:
            raise TestFileError("%s: COMPARE_BPFTRACE needs PROG" % t.where)
        if t.args and t.run is not None:
            raise TestFileError("%s: ARGS goes with PROG; with RUN, write the arguments in the command"
                                % t.where)
    return tests


def need_value(value):
    if not value.strip():
        raise ValueError("needs a value")
    return value


def apply_directive(t, key, value):
    v = value.strip()
    if key == "PROG":
        if t.prog is not None:
            raise ValueError("only one PROG per test")
        t.prog = value if "\n" in value else v
    elif key == "RUN":
        if t.run is not None:
            raise ValueError("only one RUN per test")
        t.run = need_value(value)
    elif key == "ARGS":
        t.args += shlex.split(value)
    elif key == "ENV":
        k, sep, val = v.partition("=")
        if not sep or not k:
            raise ValueError("expected KEY=VALUE")
        t.env[k] = val
    elif key == "WAIT_FOR":
        re.compile(need_value(v))
        t.wait_for = v
    elif key == "SETTLE":
        # A pause after "Attaching N probes..." raced the attach (that line
        # comes before it); the runner now waits for sonde's own report.
        raise ValueError("SETTLE is gone: AFTER and SIGNAL start once sonde reports every "
                         "probe attached (SONDE_READY_FD); wait for a condition, not a time")
    elif key == "AFTER":
        t.after.append(need_value(value))
    elif key == "SIGNAL":
        m = SIGNAL_RE.match(v)
        if not m or m.group(1) not in SIGNALS:
            raise ValueError("expected 'SIGNAL INT|TERM|... [after N ms]'")
        delay = int(m.group(2) or 0) * (1000 if m.group(3) == "s" else 1)
        t.signal = (SIGNALS[m.group(1)], "SIG" + m.group(1), delay)
    elif key == "EXPECT":
        t.stdout_expect.append(("line", value))
    elif key == "EXPECT_REGEX":
        re.compile(need_value(value))
        t.stdout_expect.append(("regex", value))
    elif key == "EXPECT_NONE":
        t.stdout_none.append(("line", value))
    elif key == "EXPECT_NONE_REGEX":
        re.compile(need_value(value))
        t.stdout_none.append(("regex", value))
    elif key == "EXPECT_STDERR":
        t.stderr_expect.append(("line", value))
    elif key == "EXPECT_STDERR_REGEX":
        re.compile(need_value(value))
        t.stderr_expect.append(("regex", value))
    elif key == "EXPECT_STDERR_NONE":
        t.stderr_none.append(("line", value))
    elif key == "EXPECT_STDERR_NONE_REGEX":
        re.compile(need_value(value))
        t.stderr_none.append(("regex", value))
    elif key == "EXPECT_EMPTY":
        t.expect_empty = True
    elif key == "EXPECT_STDERR_EMPTY":
        t.expect_stderr_empty = True
    elif key == "EXPECT_FILE":
        t.expect_file = os.path.join(os.path.dirname(os.path.abspath(t.path)), need_value(v))
    elif key == "EXIT":
        t.exit = int(need_value(v))
    elif key == "TIMEOUT":
        t.timeout = float(need_value(v))
    elif key == "REQUIRES":
        t.requires.append((need_value(v), False))
    elif key == "REQUIRES_OPTIONAL":
        t.requires.append((need_value(v), True))
    elif key == "SKIP_IF":
        t.skip_if.append(need_value(v))
    elif key == "CLEANUP_CHECK":
        if v.lower() in ("", "on", "yes", "true"):
            t.cleanup_check = True
        elif v.lower() in ("off", "no", "false"):
            t.cleanup_check = False
        else:
            raise ValueError("expected on or off")
    elif key == "UNPRIVILEGED":
        t.unprivileged = True
    elif key == "COMPARE_BPFTRACE":
        t.compare_bpftrace = shlex.split(value)


# --------------------------------------------------------------------------
# Running processes


class Proc:
    """A child in its own session (so signals reach the whole process
    group), with stdout and stderr read line by line by two threads.

    It is "attached" when a line matching WAIT_RE appears (on either
    stream) or, with READY, when sonde writes "attached" to the pipe it
    finds in SONDE_READY_FD: sonde does that once every probe is attached,
    after the "Attaching N probes..." line.  Lines equal to HIDE_LINE (a
    notice of bpftrace's) are matched but not kept."""

    def __init__(self, argv, env, cwd, wait_re=None, ready=False, hide_line=None):
        self.argv = argv
        self.out = []
        self.err = []
        self.lock = threading.Lock()
        self.wait_re = re.compile(wait_re) if wait_re else None
        self.hide_line = hide_line
        self.matched = threading.Event()
        self.start = time.monotonic()
        self.ready_r = None
        pass_fds = ()
        if ready:
            self.ready_r, ready_w = os.pipe()
            env = dict(env, SONDE_READY_FD=str(ready_w))
            pass_fds = (ready_w,)
        try:
            self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, env=env, cwd=cwd,
                                      start_new_session=True, pass_fds=pass_fds)
        finally:
            if ready:
                os.close(ready_w)  # only the child's copy remains
        self.threads = [threading.Thread(target=self._read, args=(self.p.stdout, self.out), daemon=True),
                        threading.Thread(target=self._read, args=(self.p.stderr, self.err), daemon=True)]
        if ready:
            self.threads.append(threading.Thread(target=self._read_ready, daemon=True))
        for th in self.threads:
            th.start()

    def _read(self, stream, sink):
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", errors="replace")
            if self.wait_re and not self.matched.is_set() and \
                    self.wait_re.search(line.rstrip("\n")):
                self.matched.set()
            if self.hide_line is not None and line.rstrip("\n") == self.hide_line:
                continue
            with self.lock:
                sink.append(line)
        stream.close()

    def _read_ready(self):
        """Until EOF: every process holding the write end (sonde, and what
        a RUN shell started) has closed it or exited."""
        data = b""
        while True:
            chunk = os.read(self.ready_r, 64)
            if not chunk:
                break
            data += chunk
            if b"attached\n" in data:
                self.matched.set()
        os.close(self.ready_r)

    def wait_attached(self, deadline):
        """Wait until attached (the WAIT_FOR line, or sonde's report); False
        if the process exited or the deadline passed first."""
        while time.monotonic() < deadline:
            if self.matched.wait(0.02):
                return True
            if self.p.poll() is not None:
                # Let the readers drain what was written before the exit.
                for th in self.threads:
                    th.join(0.5)
                return self.matched.is_set()
        return False

    def kill(self, sig):
        try:
            os.killpg(self.p.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def finish(self, deadline):
        """Wait for exit until DEADLINE, then SIGINT, then SIGKILL.
        Returns True when the process had to be stopped (a timeout)."""
        timed_out = False
        try:
            self.p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
            self.kill(signal.SIGINT)
            try:
                self.p.wait(KILL_GRACE)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.p.wait()
        # Give children that share the pipes a moment to finish writing;
        # then anything still in the group (left behind by the command, so
        # holding the pipes open) is killed: nothing of a test outlives it.
        for th in self.threads:
            th.join(max(0.0, min(1.0, deadline + KILL_GRACE - time.monotonic())))
        self.kill(signal.SIGKILL)
        for th in self.threads:
            th.join(2.0)
        return timed_out

    @property
    def stdout(self):
        with self.lock:
            return "".join(self.out)

    @property
    def stderr(self):
        with self.lock:
            return "".join(self.err)


def describe_status(code):
    if code is None:
        return "did not exit"
    if code < 0:
        try:
            return "killed by %s" % signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit %d" % code


def run_shell(cmd, env, cwd, timeout):
    """Run CMD with /bin/sh -c in its own session; returns (status, output)."""
    p = subprocess.Popen(["/bin/sh", "-c", cmd], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, env=env, cwd=cwd, start_new_session=True)
    try:
        out, _ = p.communicate(timeout=max(0.1, timeout))
        return p.returncode, out.decode("utf-8", errors="replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = p.communicate()
        return None, out.decode("utf-8", errors="replace") + "\n(timed out after %gs)" % timeout


# --------------------------------------------------------------------------
# Leak check: programs and links in the kernel before and after a test


class BpfState:
    def __init__(self, sonde):
        self.bpftool = shutil.which("bpftool")
        self.sonde_real = os.path.realpath(sonde)

    def _show(self, what):
        # bpftool fails when an object it is listing disappears between
        # finding its id and opening it (another process detaching at that
        # moment): retry a few times before calling it an error.
        for attempt in range(5):
            r = subprocess.run([self.bpftool, "-j", what, "show"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=30)
            if r.returncode == 0:
                break
            time.sleep(0.1)
        if r.returncode != 0:
            raise RuntimeError("bpftool %s show failed: %s" % (what, r.stderr.decode(errors="replace").strip()))
        text = r.stdout.decode(errors="replace").strip()
        return json.loads(text) if text else []

    def _perf_attached(self):
        """bpftool perf show: [{"pid", "fd", "prog_id", ...}], [] when it fails
        (then only fdinfo tells the holders)."""
        r = subprocess.run([self.bpftool, "-j", "perf", "show"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        try:
            return json.loads(r.stdout.decode(errors="replace") or "[]") if r.returncode == 0 else []
        except ValueError:
            return []

    def snapshot(self):
        """{("prog"|"link", id): object} for everything in the kernel now."""
        snap = {}
        for what in ("prog", "link"):
            for obj in self._show(what):
                snap[(what, obj.get("id"))] = obj
        return snap

    def _is_sonde(self, pid):
        try:
            return os.path.realpath("/proc/%d/exe" % pid) == self.sonde_real
        except (OSError, TypeError):
            return False

    def leftovers(self, before, ours):
        """Objects created since BEFORE that still exist after a grace period
        and belong to the test: held by no process (attached or pinned, so
        the kernel keeps them), by a process the test started, or by any
        process running the sonde binary under test (a leaked daemon).
        Objects that other live processes hold are somebody else's."""
        deadline = time.monotonic() + LEAK_SETTLE
        while True:
            now = self.snapshot()
            left = []
            candidates = []
            for key, obj in sorted(now.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
                if key in before:
                    continue
                candidates.append((key, obj))
            holders = {}
            if candidates:
                holders = fd_holders()
                # a program attached through a perf event (a tracepoint,
                # a uprobe) is held by that event's fd, which fdinfo does
                # not name; bpftool perf show does
                for ev in self._perf_attached():
                    holders.setdefault(("prog", ev.get("prog_id")), set()).add(ev.get("pid"))
                # a program that a link holds belongs to the link's holders
                for (kind, _), link in now.items():
                    if kind == "link" and ("link", link.get("id")) in holders:
                        holders.setdefault(("prog", link.get("prog_id")), set()).update(
                            holders[("link", link.get("id"))])
            for key, obj in candidates:
                pids = {p.get("pid") for p in obj.get("pids", [])} | holders.get(key, set())
                if pids and not (pids & ours) and not any(self._is_sonde(p) for p in pids):
                    continue
                left.append(describe_obj(key[0], obj, pids))
            if not left or time.monotonic() >= deadline:
                return left
            time.sleep(0.1)


def fd_holders():
    """{("prog"|"link", id): {pid, ...}}: which processes hold a BPF program
    or link through an open file descriptor, read from /proc/PID/fdinfo
    (bpftool only reports "pids" when built with BPF skeletons)."""
    held = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        fddir = "/proc/%s/fd" % pid
        try:
            fds = os.listdir(fddir)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fddir, fd))
            except OSError:
                continue
            if target == "anon_inode:bpf-prog":
                field, kind = "prog_id:", "prog"
            elif target == "anon_inode:bpf_link":
                field, kind = "link_id:", "link"
            else:
                continue
            try:
                with open("/proc/%s/fdinfo/%s" % (pid, fd)) as f:
                    for ln in f:
                        if ln.startswith(field):
                            held.setdefault((kind, int(ln.split()[1])), set()).add(int(pid))
            except (OSError, ValueError, IndexError):
                continue
    return held


def comm_of(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return "?"


def describe_obj(kind, obj, pids):
    parts = ["%s %s" % (kind, obj.get("id"))]
    for k in ("type", "name", "prog_id", "tag"):
        if obj.get(k) not in (None, ""):
            parts.append("%s=%s" % (k, obj[k]))
    if pids:
        parts.append("held by " + ",".join("%d(%s)" % (p, comm_of(p)) for p in sorted(pids)))
    else:
        parts.append("held by no process (attached or pinned)")
    return " ".join(str(p) for p in parts)


# --------------------------------------------------------------------------
# Checking output


def line_matches(kind, pattern, line):
    if kind == "line":
        return line == pattern
    return re.search(pattern, line) is not None


def check_expected(expects, lines, stream):
    """Exact lines must appear in the order they are written, each after the
    previous exact line's match; regexes may match anywhere."""
    problems = []
    pos = 0
    for kind, pattern in expects:
        if kind == "regex":
            if not any(line_matches(kind, pattern, ln) for ln in lines):
                problems.append("missing %s line matching regex %r" % (stream, pattern))
            continue
        for j in range(pos, len(lines)):
            if line_matches(kind, pattern, lines[j]):
                pos = j + 1
                break
        else:
            already = any(line_matches(kind, pattern, ln) for ln in lines[:pos])
            problems.append("missing %s line %r%s" % (stream, pattern,
                                                       " (it appears, but before an earlier expected line)"
                                                       if already else ""))
    return problems


def check_none(nones, lines, stream):
    problems = []
    for kind, pattern in nones:
        for ln in lines:
            if line_matches(kind, pattern, ln):
                problems.append("unexpected %s line %r (forbidden by %s %r)" %
                                (stream, ln, "EXPECT_NONE" if kind == "line" else "EXPECT_NONE_REGEX", pattern))
                break
    return problems


def split_lines(text):
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def show_block(title, text):
    lines = split_lines(text)
    if not lines:
        return ["  %s: (empty)" % title]
    out = ["  %s:" % title]
    if len(lines) > MAX_SHOWN_LINES:
        half = MAX_SHOWN_LINES // 2
        lines = lines[:half] + ["... (%d lines left out) ..." % (len(lines) - 2 * half)] + lines[-half:]
    out += ["    | " + ln for ln in lines]
    return out


def unified_diff(expected, actual, a, b):
    import difflib
    return list(difflib.unified_diff(split_lines(expected), split_lines(actual), a, b, lineterm=""))


# --------------------------------------------------------------------------
# One test


class Runner:
    def __init__(self, sonde, ci, verbose, timeout_factor=1.0):
        self.sonde = sonde
        self.ci = ci
        self.verbose = verbose
        self.timeout_factor = timeout_factor
        self.bpf = BpfState(sonde)
        self.is_root = os.geteuid() == 0
        self.trig = "trig"

    def subst(self, text, tmpdir, testdir, quote=True):
        """Replace {{SONDE}}, {{TMPDIR}} and {{DIR}} (quoted for the shell
        unless QUOTE is false, for argv elements) and {{TRIG}}."""
        q = shlex.quote if quote else (lambda s: s)
        return (text.replace("{{TRIG}}", self.trig).replace("{{SONDE}}", q(self.sonde))
                .replace("{{TMPDIR}}", q(tmpdir))
                .replace("{{DIR}}", q(testdir)))

    def skip_reason(self, t, env, testdir):
        """Returns (reason, is_failure_in_ci) or None."""
        if not t.unprivileged and not self.is_root:
            return ("needs root (tests load BPF programs)", True)
        if t.compare_bpftrace is not None and not shutil.which("bpftrace"):
            return ("requires bpftrace", True)
        for cmd, optional in t.requires:
            if " " not in cmd and "/" not in cmd:
                ok = shutil.which(cmd) is not None
            else:
                status, _ = run_shell(cmd, env, testdir, 10)
                ok = status == 0
            if not ok:
                return ("requires %s" % cmd, not optional)
        for cmd in t.skip_if:
            status, _ = run_shell(cmd, env, testdir, 10)
            if status == 0:
                return ("skip_if %s" % cmd, False)
        if t.cleanup_check and self.is_root and not self.bpf.bpftool:
            return ("requires bpftool (for the cleanup check)", True)
        return None

    def command(self, t, tmpdir, testdir, program=None):
        """argv for sonde (or bpftrace when PROGRAM is given) and a display string."""
        if program is not None:
            argv = [program] + t.compare_bpftrace + ["-e", t.prog.replace("{{TRIG}}", self.trig)]
        elif t.prog is not None:
            args = [self.subst(a, tmpdir, testdir, quote=False) for a in t.args]
            argv = [self.sonde] + args + ["-e", t.prog.replace("{{TRIG}}", self.trig)]
        else:
            argv = ["/bin/sh", "-c", self.subst(t.run, tmpdir, testdir)]
        shown = argv[2] if argv[0] == "/bin/sh" else " ".join(shlex.quote(a) for a in argv)
        return argv, shown

    def execute(self, t, argv, env, tmpdir, testdir, problems, drive=True):
        """Run one process through the test's script: wait for attach, AFTER,
        SIGNAL, then the exit.  Appends problems; returns the Proc."""
        needs_attach = drive and (t.after or t.signal)
        start = time.monotonic()
        timeout = t.timeout * self.timeout_factor
        deadline = start + timeout
        is_bpftrace = argv[0] == "bpftrace"
        if t.wait_for:
            what = "a line matching WAIT_FOR %r" % t.wait_for
            proc = Proc(argv, env, testdir, wait_re=t.wait_for)
        elif is_bpftrace:
            what = "bpftrace's %s line" % BPFTRACE_ATTACHED
            proc = Proc(argv, dict(env, **{BPFTRACE_ATTACHED: "1"}), testdir,
                        wait_re="^%s$" % BPFTRACE_ATTACHED, hide_line=BPFTRACE_ATTACHED)
        else:
            what = "sonde's report that its probes are attached (SONDE_READY_FD)"
            proc = Proc(argv, env, testdir, ready=True)
        proc.after_log = []
        if needs_attach:
            if not proc.wait_attached(deadline):
                if proc.p.poll() is not None:
                    problems.append("exited (%s) before %s; AFTER/SIGNAL not run" %
                                    (describe_status(proc.p.returncode), what))
                else:
                    problems.append("no %s within %gs" % (what, timeout))
            else:
                for cmd in t.after:
                    cmd = self.subst(cmd, tmpdir, testdir)
                    status, out = run_shell(cmd, env, testdir, deadline - time.monotonic())
                    proc.after_log.append((cmd, status, out))
                    if status != 0:
                        problems.append("AFTER command failed (%s): %s" %
                                        ("timed out" if status is None else describe_status(status), cmd))
                        break
                if t.signal and proc.p.poll() is None:
                    signum, name, delay = t.signal
                    time.sleep(delay / 1000.0)
                    proc.kill(signum)
        if proc.finish(deadline):
            problems.append("timed out after %gs (sent SIGINT, then SIGKILL after %gs if needed)" %
                            (timeout, KILL_GRACE))
        return proc

    def run(self, t):
        """Returns ("PASS"|"FAIL"|"SKIP", detail lines)."""
        testdir = os.path.dirname(os.path.abspath(t.path))
        # A process name unique to this run of this test, for triggers to
        # take (comm is at most 15 characters) and probes to filter on, so
        # that counts stay exact even when other tests run on the machine.
        self.trig = "trig-%08x" % random.getrandbits(32)
        env = dict(os.environ)
        env.update({k: v.replace("{{TRIG}}", self.trig) for k, v in t.env.items()})
        env["SONDE"] = self.sonde
        env["SONDE_TRIG"] = self.trig
        skip = self.skip_reason(t, env, testdir)
        if skip:
            reason, fatal_in_ci = skip
            if self.ci and fatal_in_ci:
                return "FAIL", ["  %s, and CI=true turns this skip into a failure "
                                "(use REQUIRES_OPTIONAL for optional tools)" % reason], reason
            return "SKIP", [], reason

        problems = []
        details = []
        # Without root nothing can be loaded, and bpftool cannot list.
        cleanup_check = t.cleanup_check and self.is_root
        with tempfile.TemporaryDirectory(prefix="sonde-test-") as tmpdir:
            env["TMPDIR_TEST"] = tmpdir
            try:
                before = self.bpf.snapshot() if cleanup_check else None
            except Exception as e:  # noqa: BLE001 — reported as a failure
                return "FAIL", ["  cleanup check: %s" % e], None
            ours = set()

            reference = None
            if t.compare_bpftrace is not None:
                bargv, bshown = self.command(t, tmpdir, testdir, program="bpftrace")
                bproblems = []
                bproc = self.execute(t, bargv, env, tmpdir, testdir, bproblems)
                ours.add(bproc.p.pid)
                if bproc.p.returncode != t.exit:
                    bproblems.append("bpftrace: expected exit %d, got %s" % (t.exit, describe_status(bproc.p.returncode)))
                if bproblems:
                    problems += ["bpftrace reference run: " + p for p in bproblems]
                    details += ["  bpftrace command: " + bshown]
                    details += show_block("bpftrace stdout", bproc.stdout)
                    details += show_block("bpftrace stderr", bproc.stderr)
                else:
                    reference = bproc.stdout

            argv, shown = self.command(t, tmpdir, testdir)
            proc = self.execute(t, argv, env, tmpdir, testdir, problems)
            ours.add(proc.p.pid)
            out, err = proc.stdout, proc.stderr
            out_lines, err_lines = split_lines(out), split_lines(err)

            if proc.p.returncode != t.exit:
                problems.append("expected exit %d, got %s" % (t.exit, describe_status(proc.p.returncode)))
            def trig(pairs):
                return [(k, p.replace("{{TRIG}}", self.trig)) for k, p in pairs]
            problems += check_expected(trig(t.stdout_expect), out_lines, "stdout")
            problems += check_expected(trig(t.stderr_expect), err_lines, "stderr")
            problems += check_none(trig(t.stdout_none), out_lines, "stdout")
            problems += check_none(trig(t.stderr_none), err_lines, "stderr")
            if t.expect_empty and out:
                problems.append("expected empty stdout")
            if t.expect_stderr_empty and err:
                problems.append("expected empty stderr")
            if t.expect_file:
                try:
                    with open(t.expect_file, encoding="utf-8") as f:
                        golden = f.read()
                except OSError as e:
                    problems.append("EXPECT_FILE: %s" % e)
                else:
                    if golden != out:
                        problems.append("stdout differs from %s" % os.path.relpath(t.expect_file))
                        details += ["  diff (golden -> stdout):"] + ["    " + d for d in
                                                                    unified_diff(golden, out, "golden", "stdout")]
            if reference is not None:
                if not any(ATTACHING_RE.match(ln) for ln in out_lines):
                    reference = "".join(ln for ln in reference.splitlines(keepends=True)
                                        if not ATTACHING_RE.match(ln.rstrip("\n")))
                if reference != out:
                    problems.append("stdout differs from bpftrace's")
                    details += ["  diff (bpftrace -> sonde):"] + ["    " + d for d in
                                                                  unified_diff(reference, out, "bpftrace", "sonde")]

            if cleanup_check:
                try:
                    left = self.bpf.leftovers(before, ours)
                except Exception as e:  # noqa: BLE001
                    left = []
                    problems.append("cleanup check: %s" % e)
                if left:
                    problems.append("left behind in the kernel after the test:")
                    problems += ["    " + x for x in left]

        if problems or self.verbose:
            details = (["  command: " + shown] + ["  problem: " + p for p in problems] + details
                       + show_block("stdout", out) + show_block("stderr", err))
            for cmd, status, aout in proc.after_log:
                if status != 0 or self.verbose:
                    details.append("  AFTER %s -> %s" % (cmd, "timed out" if status is None else describe_status(status)))
                    details += ["    | " + ln for ln in split_lines(aout)[:MAX_SHOWN_LINES]]
        return ("FAIL" if problems else "PASS"), details, None


# --------------------------------------------------------------------------


def normal_priority():
    """Run the tests at nice 0, as a user's shell does: a task's scheduling
    weight (curtask->se.load, which values.test prints whole) follows its
    nice value, so a runner started under `nice` would see other numbers.
    Only root may lower it; others keep what they have."""
    try:
        if os.getpriority(os.PRIO_PROCESS, 0) != 0:
            os.setpriority(os.PRIO_PROCESS, 0, 0)
    except OSError:
        pass


def main():
    normal_priority()
    ap = argparse.ArgumentParser(description="Run sonde runtime tests (.test files).")
    ap.add_argument("--sonde", required=True, help="path to the sonde binary")
    ap.add_argument("--filter", help="run only tests whose name matches this regex")
    ap.add_argument("-v", "--verbose", action="store_true", help="show output of passing tests too")
    ap.add_argument("--timeout-factor", type=float, default=1.0, metavar="F",
                    help="multiply every TIMEOUT by F (a hang guard, not a race: the qemu "
                    "guest of tests/vm/ runs everything several times slower)")
    ap.add_argument("files", nargs="+", metavar="FILE.test")
    opts = ap.parse_args()

    sonde = os.path.abspath(opts.sonde)
    ci = os.environ.get("CI", "").lower() in ("true", "1", "yes")
    runner = Runner(sonde, ci, opts.verbose, opts.timeout_factor)

    all_tests = []
    try:
        for path in opts.files:
            all_tests += parse_file(path)
    except (OSError, TestFileError) as e:
        print("runner: %s" % e, file=sys.stderr)
        return 2
    if opts.filter:
        all_tests = [t for t in all_tests if re.search(opts.filter, t.name)]

    passed = failed = skipped = 0
    for t in all_tests:
        if not os.path.exists(sonde) and (t.prog is not None or "{{SONDE}}" in (t.run or "")):
            status, details, reason = "FAIL", ["  sonde binary not found: %s" % sonde], None
        else:
            try:
                status, details, reason = runner.run(t)
            except Exception as e:  # noqa: BLE001 — one broken test must not stop the rest
                status, details, reason = "FAIL", ["  runner error: %r" % e], None
        if status == "PASS":
            passed += 1
            print("PASS %s" % t.name)
        elif status == "SKIP":
            skipped += 1
            print("SKIP %s: %s" % (t.name, reason))
        else:
            failed += 1
            print("FAIL %s" % t.name)
            details = ["  at: %s" % t.where] + details
        for d in details:
            print(d)
        sys.stdout.flush()

    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
