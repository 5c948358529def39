#!/usr/bin/env python3
"""run.py - the malformed-input test (ctest: `malformed`).

Runs `sonde --dry-run FILE` on every tests/malformed/cases/*.sd (written by
generate.py) from inside cases/, so FILE is the bare file name, and requires
for each:

  - it finishes within --timeout seconds (default 10) and was not killed by
    a signal;
  - exit status 1 (a script error);
  - nothing on stdout;
  - stderr starts with a located error and shows the source:
        FILE:LINE:COL: ERROR: message
        LINE | the source line (as in the file; NUL shown as a space)
             | ^ caret under COL
    LINE must be a line of the file (or one past the last, for end of input).
    The only line allowed before it is sonde's note that it mounted tracefs;
  - no sanitizer or valgrind report on stderr (AddressSanitizer,
    LeakSanitizer, UndefinedBehaviorSanitizer "runtime error:").

Python 3 standard library only. Prints PASS/FAIL per file (FAIL with the
reason and the start of stderr), then a summary; exits 1 if any failed.

    python3 tests/malformed/run.py --sonde build/sonde
    python3 tests/malformed/run.py --sonde build-asan/sonde --filter deep -v
"""
import argparse
import concurrent.futures
import os
import pathlib
import re
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
CASES = HERE / "cases"

SANITIZER_MARKERS = [
    b"AddressSanitizer",
    b"LeakSanitizer",
    b"UndefinedBehaviorSanitizer",
    b"runtime error:",
    b"ERROR: Memcheck",
    b"Invalid read of size",
    b"Invalid write of size",
]
PREAMBLE = re.compile(rb"^sonde: mounted \S+ at \S+$")
SOURCE_LINE = re.compile(rb"^ *(\d+) \| (.*)$", re.S)
CARET_LINE = re.compile(rb"^      \| [ \t]*\^~*$")


def file_line(data, n):
    """Line n (1-based) of data as diag.c shows it, or None."""
    # a line ends at LF, CRLF, or a CR alone (old Mac files), as sonde counts
    lines = re.split(rb"\r\n|\n|\r", data)
    if n < 1 or n > len(lines):
        return None
    return lines[n - 1].replace(b"\0", b" ")


def check(sonde, path, timeout):
    """Returns (ok, reason, seconds, stderr)."""
    data = path.read_bytes()
    start = time.monotonic()
    try:
        p = subprocess.run([sonde, "--dry-run", path.name], cwd=CASES, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return False, f"did not finish within {timeout} s", timeout, e.stderr or b""
    secs = time.monotonic() - start
    err = p.stderr
    for m in SANITIZER_MARKERS:
        if m in err:
            return False, f"sanitizer/valgrind report ({m.decode()})", secs, err
    if p.returncode < 0:
        return False, f"killed by signal {-p.returncode}", secs, err
    if p.returncode != 1:
        return False, f"exit status {p.returncode}, expected 1", secs, err
    if p.stdout:
        return False, "printed something on stdout", secs, err
    lines = err.split(b"\n")
    while lines and PREAMBLE.match(lines[0]):
        lines.pop(0)
    if len(lines) < 3:
        return False, "stderr has fewer than three lines", secs, err
    head = re.match(rb"^" + re.escape(path.name.encode()) + rb":(\d+):(\d+): ERROR: \S", lines[0])
    if not head:
        return False, "stderr does not start with 'FILE:LINE:COL: ERROR: '", secs, err
    line_no, col = int(head.group(1)), int(head.group(2))
    if col < 1:
        return False, f"column {col} is not 1-based", secs, err
    src = SOURCE_LINE.match(lines[1])
    if not src:
        return False, "second line of stderr is not 'LINE | source'", secs, err
    if int(src.group(1)) != line_no:
        return False, f"source line shown is {src.group(1).decode()}, error is on {line_no}", \
            secs, err
    expected = file_line(data, line_no)
    if expected is None:
        return False, f"line {line_no} is past the end of the file", secs, err
    # long lines are shown as a window around the caret, "..." marking
    # the parts left out
    shown = src.group(2)
    windowed = shown.startswith(b"...") or shown.endswith(b"...")
    inner = shown[3 if shown.startswith(b"...") else 0:]
    inner = inner[:-3] if shown.endswith(b"...") else inner
    if shown != expected and not (windowed and inner in expected):
        return False, f"the source line shown is not line {line_no} of the file", secs, err
    if not CARET_LINE.match(lines[2]):
        return False, "third line of stderr is not a caret line", secs, err
    return True, "", secs, err


def excerpt(err, limit=800):
    text = err[:limit].decode("utf-8", "backslashreplace")
    lines = text.split("\n")[:12]
    return "\n".join("    " + ln[:200] for ln in lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sonde", required=True, help="the sonde binary to test")
    ap.add_argument("--filter", help="only files whose name matches this regex")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds per file")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("-v", action="store_true", help="also show stderr of passing files")
    args = ap.parse_args()

    sonde = os.path.abspath(args.sonde)
    files = sorted(CASES.glob("*.sd"))
    if args.filter:
        files = [f for f in files if re.search(args.filter, f.name)]
    if not files:
        print(f"no cases in {CASES}; run tests/malformed/generate.py", file=sys.stderr)
        return 2

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda f: (f, check(sonde, f, args.timeout)), files))

    failed = 0
    slowest = max(results, key=lambda r: r[1][2])
    for f, (ok, reason, secs, err) in results:
        if ok:
            print(f"PASS {f.name} ({secs:.2f} s)")
            if args.v:
                print(excerpt(err))
        else:
            failed += 1
            print(f"FAIL {f.name}: {reason}")
            print(excerpt(err))
    print(f"{len(results) - failed} passed, {failed} failed "
          f"(slowest: {slowest[0].name}, {slowest[1][2]:.2f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
