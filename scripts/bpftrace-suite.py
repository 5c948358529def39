#!/usr/bin/env python3
"""Run bpftrace 0.17's own runtime test suite against bpftrace and sonde.

A measuring tool, not a test of sonde's: ctest and .ci/run never call it.
It needs root (the suite loads BPF programs) and bpftrace's repository
mirrored as a git directory (--bpftrace-git, default
/work/.mirror/bpftrace+bpftrace/repo).

What it does:
  1. extracts tests/runtime, tests/testprogs and tests/testlibs of tag
     v0.17.0 (--tag) with `git archive` into a fresh temporary directory;
     nothing of bpftrace's is kept in sonde's repository;
  2. builds the test programs and libraries with cc the way bpftrace's
     CMake does (-g -O0, programs -no-pie; USDT probes only where
     <sys/sdt.h> is installed, from Debian's systemtap-sdt-dev; without it
     the USDT tests skip themselves);
  3. runs the suite's engine (runtime/engine/*.py, unchanged) once per
     side: the engine runs "$BPFTRACE_RUNTIME_TEST_EXECUTABLE/bpftrace",
     here a two-line shell script that execs /usr/bin/bpftrace (side
     "bpftrace") or build/sonde (side "sonde") with the same arguments
     (so sonde's process is named sonde: tests of comm == "bpftrace" or
     `pidof bpftrace` fail; --as-bpftrace makes the shim a symbolic link,
     naming the process bpftrace as an install in its place would).
     The engine sets __BPFTRACE_NOTIFY_PROBES_ATTACHED=1 and waits for
     that word on the merged stdout/stderr before it starts a test's AFTER
     command; sonde prints it as bpftrace does. A small driver in this
     file calls the engine's Runner.run_test for each test and records
     its status and the output the engine matched EXPECT against;
  4. prints a table: the tests bpftrace passes, how many of those sonde
     passes, and for each one sonde fails the reason and the first lines
     where its output differs from bpftrace's;
  5. kills whatever the run left (processes whose working directory is
     the temporary directory), removes the directory (unless --keep) and
     warns about BPF programs or links that appeared during the run and
     that no process holds (bpftool), i.e. left attached or pinned (other
     users of the machine can cause false alarms: a warning only).

Results are merged into a JSON file (--results, default
build/bpftrace-suite.json): a later `--only sonde` reuses the bpftrace
baseline, and `--filter` reruns only some tests and updates just those.

  sudo python3 scripts/bpftrace-suite.py                 # both sides
  sudo python3 scripts/bpftrace-suite.py --only sonde    # reuse baseline
  sudo python3 scripts/bpftrace-suite.py --only sonde --filter '^call\\.'
  python3 scripts/bpftrace-suite.py --report             # table only

Test names are the engine's SUITE.NAME (the file and the NAME line);
--filter is a regular expression searched in them. Runs are sensitive to
a loaded machine (the engine's timeouts are 5 s): rerun a failing test
alone before concluding that it fails.
"""

import argparse
import contextlib
import difflib
import glob
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIDES = ("bpftrace", "sonde")
# the engine's Runner status codes, by name
STATUS_NAMES = {0: "PASS", 1: "FAIL", 3: "TIMEOUT"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --- preparing the temporary tree ------------------------------------------


def extract(git_dir, tag, tmp):
    src = os.path.join(tmp, "src")
    os.makedirs(src)
    archive = subprocess.Popen(
        ["git", "--git-dir", git_dir, "archive", tag,
         "tests/runtime", "tests/testprogs", "tests/testlibs"],
        stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", src], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        sys.exit("git archive %s failed (--bpftrace-git %s)" % (tag, git_dir))
    # the engine runs from a directory holding runtime/, testprogs/ and
    # testlibs/, as bpftrace's build/tests does
    tests = os.path.join(tmp, "tests")
    os.makedirs(os.path.join(tests, "testprogs"))
    os.makedirs(os.path.join(tests, "testlibs"))
    shutil.copytree(os.path.join(src, "tests", "runtime"),
                    os.path.join(tests, "runtime"))
    # cmake_vars.py is a CMake template: AOT is bpftrace's own, not run here
    with open(os.path.join(tests, "runtime", "engine", "cmake_vars.py"),
              "w") as f:
        f.write("LIBBCC_BPF_CONTAINS_RUNTIME = False\n")
    return src, tests


def have_sdt(cc):
    probe = subprocess.run([cc, "-E", "-x", "c", "-"],
                           input="#include <sys/sdt.h>\n", text=True,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def build_testprogs(src, tests, cc):
    """Builds what bpftrace's tests/CMakeLists.txt builds: every
    testlibs/*.c as lib*.so, every testprogs/*.c as a program."""
    flags = ["-g", "-O0", "-Wno-undef", "-w"]
    if have_sdt(cc):
        flags.append("-DHAVE_SYSTEMTAP_SYS_SDT_H")
    else:
        log("note: no <sys/sdt.h> (systemtap-sdt-dev): USDT tests will skip")
    libsrc = os.path.join(src, "tests", "testlibs")
    libdir = os.path.join(tests, "testlibs")
    failed = []
    for c in sorted(glob.glob(os.path.join(libsrc, "*.c"))):
        name = os.path.splitext(os.path.basename(c))[0]
        out = os.path.join(libdir, "lib%s.so" % name)
        r = subprocess.run([cc] + flags + ["-fPIC", "-shared", "-o", out, c],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failed.append((os.path.basename(c), r.stderr))
        else:
            os.chmod(out, 0o644)  # as bpftrace's CMake leaves it
    progsrc = os.path.join(src, "tests", "testprogs")
    progdir = os.path.join(tests, "testprogs")
    for c in sorted(glob.glob(os.path.join(progsrc, "*.c"))):
        name = os.path.splitext(os.path.basename(c))[0]
        cmd = [cc] + flags + ["-no-pie", "-o", os.path.join(progdir, name), c]
        if name == "usdt_lib":  # the one program linked to a test library
            cmd += ["-fPIC", "-I", libsrc, "-L", libdir, "-lusdt_tp",
                    "-Wl,-rpath," + libdir]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            failed.append((os.path.basename(c), r.stderr))
    for name, err in failed:
        log("note: %s did not build: %s" % (name, err.strip().splitlines()[-1]
                                             if err.strip() else "?"))


def make_shim(tmp, side, target, as_link):
    """The engine runs DIR/bpftrace; this one execs TARGET. As a symbolic
    link instead (--as-bpftrace), the process is named bpftrace, as sonde
    installed in bpftrace's place would be."""
    d = os.path.join(tmp, "bin-" + side)
    os.makedirs(d)
    path = os.path.join(d, "bpftrace")
    if as_link:
        os.symlink(target, path)
        return d
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec '%s' \"$@\"\n" % target)
    os.chmod(path, 0o755)
    return d


def kill_leftovers(tmp):
    """SIGKILLs processes the run left: those whose working directory or
    executable is inside the temporary directory, one pid at a time."""
    me = os.getpid()
    for pid_dir in glob.glob("/proc/[0-9]*"):
        pid = int(os.path.basename(pid_dir))
        if pid == me:
            continue
        try:
            cwd = os.readlink(pid_dir + "/cwd")
            exe = os.readlink(pid_dir + "/exe")
        except OSError:
            continue
        inside = tmp.rstrip("/") + "/"
        if cwd.startswith(inside) or exe.startswith(inside):
            try:
                os.kill(pid, signal.SIGKILL)
                log("note: killed leftover pid %d (%s)" % (pid, exe))
            except OSError:
                pass


def bpf_objects():
    """ids of the kernel's BPF programs and links that no process holds
    (attached or pinned by no one running), or None without bpftool.
    A bpftool or kernel that cannot name holders (no "pids") makes every
    object count: then others' programs started meanwhile show too."""
    ids = set()
    for kind in ("prog", "link"):
        try:
            r = subprocess.run(["bpftool", "-j", kind, "show"],
                               capture_output=True, text=True)
            objs = json.loads(r.stdout or "[]")
        except (OSError, ValueError):
            return None
        ids |= {(kind, o.get("id")) for o in objs if not o.get("pids")}
    return ids


# --- the driver: runs inside the extracted tree, one process per side ------


class _SearchRecorder:
    """Stands in for the engine's `re` module: records the text the engine
    matches a test's EXPECT against, passes everything else on."""

    def __init__(self):
        self.expect = None
        self.output = None

    def __getattr__(self, name):
        return getattr(re, name)

    def search(self, pattern, string, *args, **kwargs):
        if pattern == self.expect:
            self.output = string
        return re.search(pattern, string, *args, **kwargs)


def end_children():
    """SIGKILLs the process groups of this driver's children (the engine
    starts each command in a session of its own), one group at a time."""
    me = os.getpid()
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # not our own group (REQUIRES commands run in it)
        if int(fields[1]) == me and int(fields[2]) != os.getpgid(0):
            try:
                os.killpg(int(fields[2]), signal.SIGKILL)
                log("note: watchdog killed process group %s" % fields[2])
            except OSError:
                pass


def drive(filter_re, out_path):
    sys.path.insert(0, os.path.join(os.getcwd(), "runtime", "engine"))
    import warnings
    warnings.simplefilter("ignore")  # the engine imports distutils
    import parser as engine_parser
    import runner as engine_runner
    recorder = _SearchRecorder()
    engine_runner.re = recorder
    Runner = engine_runner.Runner
    tests = []
    seen = {}
    for _suite, suite_tests in sorted(engine_parser.TestParser.read_all(False)):
        for t in sorted(suite_tests):
            name = "%s.%s" % (t.suite, t.name)
            # a few names repeat within a file: the later ones get a number
            seen[name] = seen.get(name, 0) + 1
            if seen[name] > 1:
                name += " (%d)" % seen[name]
            if not filter_re or re.search(filter_re, name):
                tests.append((name, t))
    results = {}
    for i, (name, t) in enumerate(tests):
        recorder.expect, recorder.output = t.expect, None
        printed = io.StringIO()
        start = time.time()
        # the engine's own timeout did not always end a test here (one of
        # system() under load ran for minutes): past a generous limit the
        # watchdog ends the test's processes, and the test fails
        dog = threading.Timer(3 * (t.timeout or 5) + 30, end_children)
        dog.daemon = True
        dog.start()
        with contextlib.redirect_stdout(printed):
            try:
                status = Runner.run_test(t)
                status = STATUS_NAMES.get(status, "SKIP")
            except Exception as e:  # a broken test must not end the run
                print("driver: %r" % e)
                status = "FAIL"
        dog.cancel()
        secs = time.time() - start
        results[name] = {"status": status, "expect": t.expect,
                         "output": recorder.output, "log": printed.getvalue(),
                         "seconds": round(secs, 1)}
        log("[%d/%d] %-8s %s" % (i + 1, len(tests), status, name))
        # written after every test, so an interrupted run keeps what it did
        with open(out_path, "w") as f:
            json.dump(results, f)


def run_side(side, shim_dir, tests_dir, filter_re, tmp):
    out = os.path.join(tmp, "results-%s.json" % side)
    env = dict(os.environ)
    env["BPFTRACE_RUNTIME_TEST_EXECUTABLE"] = shim_dir
    cmd = [sys.executable, os.path.abspath(__file__), "--_drive", out]
    if filter_re:
        cmd += ["--filter", filter_re]
    log("running bpftrace 0.17's suite against %s" % side)
    try:
        # BEFORE and AFTER commands inherit the driver's stdout: not ours
        subprocess.run(cmd, cwd=tests_dir, env=env, stdout=subprocess.DEVNULL)
    finally:
        kill_leftovers(tmp)
    try:
        with open(out) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


# --- the report ------------------------------------------------------------


def reason(res):
    """One line on why a test failed, from what the engine printed."""
    for line in res.get("log", "").splitlines():
        line = line.strip()
        if line.startswith("Unclean exit code"):
            return line
        if line.startswith("[  TIMEOUT ]"):
            return "timeout"
    if res["status"] == "SKIP":
        return "skipped"
    return "EXPECT not found"


# lines that tell nothing about a difference: the engine's attach notice,
# and bpftrace 0.17's complaint about a memlock limit this kernel ignores
NOISE = re.compile(r"^(__BPFTRACE_NOTIFY_PROBES_ATTACHED$|ERROR: Unknown error "
                   r"-1: couldn't set RLIMIT_MEMLOCK)")


def output_lines(res):
    return [l for l in (res.get("output") or "").splitlines()
            if not NOISE.match(l)]


def difference(base, res, lines):
    exp = (res.get("expect") or "")
    mine = output_lines(res)
    theirs = output_lines(base)
    diff = [d for d in difflib.unified_diff(theirs, mine, "bpftrace", "sonde",
                                            n=0, lineterm="")
            if not d.startswith(("---", "+++", "@@"))]
    shown = ["    EXPECT " + exp]
    shown += ["    " + d[:160] for d in diff[:lines]]
    if len(diff) > lines:
        shown.append("    ... %d more lines differ" % (len(diff) - lines))
    if not diff:
        shown.append("    (same output as bpftrace's)")
    return shown


def report(results, filter_re, lines):
    base = results.get("bpftrace", {})
    mine = results.get("sonde", {})
    names = sorted(n for n in base
                   if not filter_re or re.search(filter_re, n))
    counts = {}
    for n in names:
        counts[base[n]["status"]] = counts.get(base[n]["status"], 0) + 1
    passed = [n for n in names if base[n]["status"] == "PASS"]
    ran = [n for n in passed if n in mine]
    ok = [n for n in ran if mine[n]["status"] == "PASS"]
    bad = [n for n in ran if mine[n]["status"] != "PASS"]
    extra = [n for n in names if base[n]["status"] != "PASS"
             and n in mine and mine[n]["status"] == "PASS"]
    print("bpftrace 0.17's runtime suite%s" %
          (" (tests matching %s)" % filter_re if filter_re else ""))
    print("  %-40s %d" % ("tests", len(names)))
    for st in ("PASS", "FAIL", "TIMEOUT", "SKIP"):
        print("  %-40s %d" % ("bpftrace " + st, counts.get(st, 0)))
    print("  %-40s %d of %d (%d not run)" %
          ("sonde passes of bpftrace's passes", len(ok), len(passed),
           len(passed) - len(ran)))
    print("  %-40s %d" % ("sonde passes, bpftrace does not", len(extra)))
    if bad:
        print("\nbpftrace passes, sonde fails:")
        for n in bad:
            print("  %s %s: %s" % (mine[n]["status"], n, reason(mine[n])))
            for line in difference(base[n], mine[n], lines):
                print(line)
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(
        description="bpftrace 0.17's runtime suite against bpftrace and sonde")
    ap.add_argument("--only", choices=SIDES,
                    help="run one side; the other's results come from --results")
    ap.add_argument("--filter", metavar="REGEX",
                    help="run only tests whose SUITE.NAME matches")
    ap.add_argument("--results", default=os.path.join(REPO, "build",
                                                      "bpftrace-suite.json"),
                    help="JSON file results are merged into (default %(default)s)")
    ap.add_argument("--report", action="store_true",
                    help="run nothing, print the table from --results")
    ap.add_argument("--sonde", default=os.path.join(REPO, "build", "sonde"))
    ap.add_argument("--bpftrace", default="/usr/bin/bpftrace")
    ap.add_argument("--bpftrace-git",
                    default="/work/.mirror/bpftrace+bpftrace/repo")
    ap.add_argument("--tag", default="v0.17.0")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--lines", type=int, default=6,
                    help="differing lines shown per failure")
    ap.add_argument("--as-bpftrace", action="store_true",
                    help="run sonde through a symbolic link named bpftrace, "
                    "so its process name (comm, pidof) is bpftrace's")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temporary directory (printed)")
    ap.add_argument("--_drive", help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a._drive:
        drive(a.filter, a._drive)
        return 0

    results = {}
    if os.path.exists(a.results):
        with open(a.results) as f:
            results = json.load(f)
    if a.report:
        return report(results, a.filter, a.lines)
    if os.geteuid() != 0:
        sys.exit("bpftrace-suite: needs root (the suite loads BPF programs)")
    targets = {"bpftrace": a.bpftrace, "sonde": os.path.abspath(a.sonde)}
    sides = [a.only] if a.only else list(SIDES)
    for s in sides:
        if not os.access(targets[s], os.X_OK):
            sys.exit("bpftrace-suite: %s not found (%s)" % (s, targets[s]))

    orphans_before = bpf_objects()
    tmp = tempfile.mkdtemp(prefix="sonde-bpftrace-suite-")
    try:
        src, tests = extract(a.bpftrace_git, a.tag, tmp)
        build_testprogs(src, tests, a.cc)
        for s in sides:
            shim = make_shim(tmp, s, targets[s], a.as_bpftrace)
            got = run_side(s, shim, tests, a.filter, tmp)
            results.setdefault(s, {}).update(got)
            os.makedirs(os.path.dirname(os.path.abspath(a.results)),
                        exist_ok=True)
            with open(a.results, "w") as f:
                json.dump(results, f, indent=1, sort_keys=True)
    finally:
        kill_leftovers(tmp)
        if a.keep:
            log("kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    # what the run left in the kernel (another user of the machine may
    # have left some too: a warning, not a verdict)
    if orphans_before is not None:
        time.sleep(3)  # the kernel frees a closed program's objects lazily
        left = (bpf_objects() or set()) - orphans_before
        if left:
            log("warning: BPF objects no process holds appeared during the "
                "run: %s" % ", ".join("%s %s" % o for o in sorted(left)))
    return report(results, a.filter, a.lines)


if __name__ == "__main__":
    sys.exit(main())
