#!/usr/bin/env python3
"""Differential tests: every tests/differential/*.bt runs under bpftrace 0.17
and under sonde, in text mode (stdout must be identical byte for byte) and in
json mode (`-f json`: each non-blank stdout line is parsed as JSON and the
values must be equal, line by line).  bpftrace prints map entries with equal
values in the kernel's hash order (for count, sum, min, max and integer
values; hist, lhist, avg and stats ties have a fixed order), which changes
from run to run, so in text mode each run of consecutive `@m[k]: v` lines
with one value is compared as a set (the order between different values is
still compared; multi-line hist entries are compared as they are).  The exit statuses must be equal too.

A script whose first line is `// params: WORD...` runs with those words
after it (and after `--`), as its positional parameters ($1, ...), under
both.

KNOWN_DIFFERENCES.md lists the scripts whose outputs are expected to differ:
under "## Expected differences" where bpftrace 0.17 is wrong or sonde
deliberately differs, under "## SONDE_BUGS" known sonde bugs.  A listed
difference is reported as `XFAIL` and does not fail the run; a listed script
whose outputs are equal is reported as `XPASS` (remove it from the list; with
--strict that fails).  An expected difference may pin sonde's own output with
a golden file expected/NAME.bt.text or expected/NAME.bt.json: sonde's stdout
(text: bytes, json: values) must then equal it.

Python 3 standard library only.  Needs root (the scripts load BPF programs).

  python3 tests/differential/run.py --sonde build/sonde
  python3 tests/differential/run.py --sonde build/sonde -v --filter 'hist'

Prints PASS / FAIL / XFAIL / XPASS / SKIP per script and mode, then a final
line `N passed, N failed, N xfail`.  Exits 1 when something failed, 2 when
KNOWN_DIFFERENCES.md is malformed, 0 otherwise.
"""

import argparse
import concurrent.futures
import difflib
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ATTACHING_RE = re.compile(r"^Attaching \d+ probes?\.\.\.$")
MODES = ("text", "json")
TIMEOUT = 30

# "- `name.bt`: reason" or "- `name.bt` [text]: reason" (also [json]);
# indented lines that follow continue the reason.
ENTRY_RE = re.compile(r"^- `([A-Za-z0-9_.-]+\.bt)`(?: \[(text|json)\])?:\s*(.*)$")


class MalformedList(Exception):
    pass


def parse_known(path, scripts):
    """{(script, mode): (kind, reason)} with kind "expected" or "bug"."""
    known = {}
    if not os.path.exists(path):
        return known
    section = None
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    last = None
    for n, line in enumerate(lines, 1):
        if line.startswith("## "):
            title = line[3:].strip().lower()
            if title.startswith("expected differences"):
                section = "expected"
            elif title.startswith("sonde_bugs"):
                section = "bug"
            else:
                section = None
            last = None
            continue
        m = ENTRY_RE.match(line)
        if m and section:
            name, mode, reason = m.group(1), m.group(2), m.group(3)
            if name not in scripts:
                raise MalformedList("%s:%d: no script %s in %s" % (path, n, name, HERE))
            for md in ([mode] if mode else MODES):
                if (name, md) in known:
                    raise MalformedList("%s:%d: %s [%s] listed twice" % (path, n, name, md))
                known[(name, md)] = [section, reason]
            last = [(name, md) for md in ([mode] if mode else MODES)]
        elif line.startswith((" ", "\t")) and line.strip() and last:
            for k in last:
                known[k][1] += " " + line.strip()
        elif line.startswith("- `") and section:
            raise MalformedList("%s:%d: cannot parse entry: %s" % (path, n, line))
        else:
            last = None
    return {k: tuple(v) for k, v in known.items()}


def run(argv):
    try:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, timeout=TIMEOUT, cwd=HERE)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        return "timeout", e.stdout or b"", e.stderr or b""


def drop_attaching(ref, out):
    """Drop bpftrace's Attaching line when sonde prints none (as runtime/runner.py)."""
    ref_lines = ref.split(b"\n")
    if not any(ATTACHING_RE.match(ln.decode("utf-8", "replace")) for ln in out.split(b"\n")):
        ref_lines = [ln for ln in ref_lines if not ATTACHING_RE.match(ln.decode("utf-8", "replace"))]
    return b"\n".join(ref_lines)


MAP_LINE_RE = re.compile(rb"^(@[A-Za-z0-9_]*)(\[.*\])?: (.*)$")


def unorder_ties(data):
    """Sort each run of consecutive `@m[key]: value` lines of one map with
    equal values (bpftrace's order of ties is the kernel's hash order)."""
    lines = data.split(b"\n")
    out, i = [], 0
    while i < len(lines):
        m = MAP_LINE_RE.match(lines[i])
        j = i + 1
        if m:
            while j < len(lines):
                m2 = MAP_LINE_RE.match(lines[j])
                if not m2 or m2.group(1) != m.group(1) or m2.group(3) != m.group(3):
                    break
                j += 1
        out += sorted(lines[i:j])
        i = j
    return b"\n".join(out)


def json_values(data):
    """Parsed values of the non-blank lines; a line that does not parse is kept
    as ('unparsable', text) so it compares unequal to anything bpftrace printed."""
    vals = []
    for ln in data.decode("utf-8", "replace").split("\n"):
        if not ln.strip():
            continue
        try:
            vals.append(json.loads(ln))
        except ValueError:
            vals.append(("unparsable", ln))
    return vals


def drop_attached_probes(ref_vals, out_vals):
    def is_ap(v):
        return isinstance(v, dict) and v.get("type") == "attached_probes"
    if not any(is_ap(v) for v in out_vals):
        ref_vals = [v for v in ref_vals if not is_ap(v)]
    return ref_vals


def show(title, data):
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    lines = ["  --- %s ---" % title]
    lines += ["  | " + ln for ln in text.split("\n")]
    if text.endswith("\n"):
        lines.pop()
    return lines


def udiff(a, b):
    return ["  " + d.rstrip("\n") for d in difflib.unified_diff(
        a.splitlines(True), b.splitlines(True), "bpftrace", "sonde", n=2)]


def dumps(vals):
    return "".join(json.dumps(v, sort_keys=True) + "\n" for v in vals)


def script_params(path):
    """The positional parameters a script's first line names as
    `// params: WORD...` (split on blanks), given to both runs."""
    with open(path) as f:
        first = f.readline()
    m = re.match(r"//\s*params:(.*)", first)
    return m.group(1).split() if m else []


def compare(script, mode, args):
    """(equal, details, sonde_stdout, sonde_values) for one script and mode."""
    path = os.path.join(HERE, script)
    extra = ["-f", "json"] if mode == "json" else []
    params = script_params(path)
    if params:
        params = ["--"] + params  # a parameter may start with '-'
    brc, bout, berr = run([args.bpftrace] + extra + [path] + params)
    src, sout, serr = run([args.sonde] + extra + [path] + params)
    details = []
    equal = True
    if brc != 0:
        # The corpus is made of programs bpftrace runs: a failing reference
        # run is a broken script, never a pass.
        equal = False
        details.append("  bpftrace itself failed (exit %s): the script must run under bpftrace" % brc)
    if brc != src:
        equal = False
        details.append("  exit status: bpftrace %s, sonde %s" % (brc, src))
    if mode == "text":
        ref = drop_attaching(bout, sout)
        # bpftrace prints equal values in the kernel's hash order, which
        # changes from run to run: compare each run of ties as a set.
        ref, sout = unorder_ties(ref), unorder_ties(sout)
        if ref != sout:
            equal = False
            details.append("  stdout differs (bpftrace -> sonde):")
            details += udiff(ref.decode("utf-8", "replace"), sout.decode("utf-8", "replace"))
        svals = None
    else:
        svals = json_values(sout)
        bvals = drop_attached_probes(json_values(bout), svals)
        if bvals != svals:
            equal = False
            details.append("  JSON values differ (bpftrace -> sonde, one value per line):")
            details += udiff(dumps(bvals), dumps(svals))
    if not equal or args.verbose:
        details += show("bpftrace stdout", bout) + show("bpftrace stderr", berr)
        details += show("sonde stdout", sout) + show("sonde stderr", serr)
    return equal, details, sout, svals


def golden_check(script, mode, sout, svals):
    """None when there is no golden file, else a list of problems (empty: matches)."""
    g = os.path.join(HERE, "expected", "%s.%s" % (script, mode))
    if not os.path.exists(g):
        return None
    with open(g, "rb") as f:
        want = f.read()
    if mode == "text":
        want = unorder_ties(want)
        if want == sout:
            return []
        return ["  sonde stdout differs from %s:" % os.path.relpath(g, HERE)] + \
            ["  " + d.rstrip("\n") for d in difflib.unified_diff(
                want.decode("utf-8", "replace").splitlines(True),
                sout.decode("utf-8", "replace").splitlines(True), "golden", "sonde", n=2)]
    if json_values(want) == svals:
        return []
    return ["  sonde JSON values differ from %s" % os.path.relpath(g, HERE)] + \
        udiff(dumps(json_values(want)), dumps(svals))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sonde", default=os.path.join(HERE, "..", "..", "build", "sonde"))
    ap.add_argument("--bpftrace", default="bpftrace")
    ap.add_argument("--filter", help="regex on script names")
    ap.add_argument("--mode", choices=MODES, help="only this mode")
    ap.add_argument("-j", "--jobs", type=int, default=4)
    ap.add_argument("-v", "--verbose", action="store_true", help="show output of passing scripts too")
    ap.add_argument("--strict", action="store_true", help="XPASS fails")
    ap.add_argument("scripts", nargs="*", help="script names (default: every *.bt here)")
    args = ap.parse_args()
    args.sonde = os.path.abspath(args.sonde)

    scripts = sorted(f for f in os.listdir(HERE) if f.endswith(".bt"))
    try:
        known = parse_known(os.path.join(HERE, "KNOWN_DIFFERENCES.md"), set(scripts))
    except MalformedList as e:
        print("ERROR: %s" % e)
        return 2
    if args.scripts:
        chosen = [os.path.basename(s) for s in args.scripts]
        for s in chosen:
            if s not in scripts:
                print("ERROR: no script %s" % s)
                return 2
        scripts = chosen
    if args.filter:
        scripts = [s for s in scripts if re.search(args.filter, s)]
    modes = [args.mode] if args.mode else list(MODES)

    ci = os.environ.get("CI") == "true"
    missing = None
    if not shutil.which(args.bpftrace):
        missing = "bpftrace not found"
    elif os.geteuid() != 0:
        missing = "needs root"
    elif not os.access(args.sonde, os.X_OK):
        missing = "no sonde binary at %s" % args.sonde
    if missing:
        print("SKIP all: %s" % missing)
        print("0 passed, %d failed, 0 xfail" % (1 if ci else 0))
        return 1 if ci else 0

    jobs = [(s, m) for s in scripts for m in modes]
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        results = list(ex.map(lambda sm: compare(sm[0], sm[1], args), jobs))

    passed = failed = xfail = 0
    for (script, mode), (equal, details, sout, svals) in zip(jobs, results):
        name = "%s [%s]" % (script, mode)
        entry = known.get((script, mode))
        if entry is None:
            if equal:
                passed += 1
                print("PASS %s" % name)
            else:
                failed += 1
                print("FAIL %s" % name)
            if not equal or args.verbose:
                print("\n".join(details))
            continue
        kind, reason = entry
        label = "sonde bug" if kind == "bug" else "expected difference"
        if equal:
            passed += 1
            if args.strict:
                failed += 1
                passed -= 1
            if "timing-dependent" in reason.lower():
                print("XPASS %s: listed as %s (timing-dependent), equal this time" % (name, label))
            else:
                print("XPASS %s: listed as %s in KNOWN_DIFFERENCES.md but the outputs are equal;"
                      " remove the entry" % (name, label))
            continue
        problems = golden_check(script, mode, sout, svals) if kind == "expected" else None
        if problems:
            failed += 1
            print("FAIL %s: expected difference, but sonde's output is not the golden one" % name)
            print("\n".join(problems))
            continue
        xfail += 1
        print("XFAIL %s: %s%s" % (name, label, " (sonde matches its golden output)" if problems == [] else ""))
        if args.verbose:
            print("  reason: %s" % reason)
            print("\n".join(details))

    print("%d passed, %d failed, %d xfail" % (passed, failed, xfail))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
