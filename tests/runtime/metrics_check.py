#!/usr/bin/env python3
"""metrics_check.py - drives `sonde --metrics` for metrics.test.

  metrics_check.py scrape SONDE TRIG N -- SONDE_ARGS...
      runs sonde with --metrics 127.0.0.1:0 and SONDE_ARGS, waits for the
      address it serves at, makes N getppid() calls from a process named
      TRIG, then prints the body of GET /metrics, the status and type of
      the response, and the answers to / and a path that is not there;
      ends sonde with SIGINT and prints its exit status.

  metrics_check.py prometheus SONDE TRIG N -- SONDE_ARGS...
      the same sonde and trigger, then starts Debian's prometheus on a
      loopback port with a scrape job for sonde (1 s interval) and asks
      its HTTP query API, until it has them, for the QUERY lines read
      from stdin; prints each query and the value Prometheus answers.

Nothing here waits for a time: every wait is for a condition (a line on
sonde's stderr, a query that has an answer), under a deadline that only
a broken setup reaches. Everything started is stopped at the end, on
failure too.
"""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

DEADLINE_S = 120


def wait_ready(ready_r):
    data = os.read(ready_r, 64)
    os.close(ready_r)
    if not data.startswith(b"attached"):
        sys.exit("sonde did not attach")


def trigger(trig, n):
    pid = os.fork()
    if pid == 0:
        with open("/proc/self/comm", "w") as f:
            f.write(trig)
        for _ in range(n):
            os.getppid()
        os._exit(0)
    os.waitpid(pid, 0)


def get(addr, path):
    try:
        with urllib.request.urlopen("http://%s%s" % (addr, path), timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read().decode()


def stop_sonde(proc):
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=DEADLINE_S)
    return proc.returncode, out, err


def run_sonde(sonde, args):
    """sonde with SONDE_READY_FD, so the trigger runs once it is attached"""
    ready_r, ready_w = os.pipe()
    os.set_inheritable(ready_w, True)
    os.environ["SONDE_READY_FD"] = str(ready_w)
    proc = subprocess.Popen([sonde, "--metrics", "127.0.0.1:0"] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, pass_fds=(ready_w,))
    os.close(ready_w)
    del os.environ["SONDE_READY_FD"]
    addr = None
    seen = []
    while addr is None:
        line = proc.stderr.readline()
        if not line:
            proc.wait()
            sys.exit("sonde ended before serving metrics (status %s): %s"
                     % (proc.returncode, "".join(seen)))
        seen.append(line)
        m = re.search(r"serving metrics at http://(\S+)/metrics", line)
        if m:
            addr = m.group(1)
            print(re.sub(r":\d+/", ":PORT/", line.rstrip("\n")))
    wait_ready(ready_r)
    return proc, addr


def scrape(sonde, trig, n, args):
    proc, addr = run_sonde(sonde, args)
    try:
        trigger(trig, n)
        status, ctype, body = get(addr, "/metrics")
        print("status %d, %s" % (status, ctype))
        sys.stdout.write(body)
        for path in ("/", "/nothing"):
            status, _, text = get(addr, path)
            print("%s: %d %s" % (path, status, text.strip()))
    finally:
        rc, out, err = stop_sonde(proc)
    print("sonde exited %d" % rc)
    sys.stderr.write(err)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def query(port, q):
    url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            doc = json.load(r)
    except (urllib.error.URLError, ConnectionError, OSError):
        return None
    result = doc.get("data", {}).get("result", [])
    return result[0]["value"][1] if result else None


def prometheus(sonde, trig, n, args):
    queries = [l.strip() for l in sys.stdin if l.strip()]
    proc, addr = run_sonde(sonde, args)
    prom = None
    tmp = tempfile.mkdtemp(prefix="sonde-prom-")
    try:
        trigger(trig, n)
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "scrape_configs:\n  - job_name: sonde\n    static_configs:\n"
                    "      - targets: ['%s']\n" % addr)
        deadline = time.monotonic() + DEADLINE_S
        answers = {}
        # a port another process took between free_port() and the bind
        # makes prometheus exit: another port is tried
        while len(answers) < len(queries):
            if prom is None or prom.poll() is not None:
                if time.monotonic() > deadline:
                    sys.exit("prometheus did not start")
                port = free_port()
                prom = subprocess.Popen(
                    ["prometheus", "--config.file=" + config,
                     "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                     "--web.listen-address=127.0.0.1:%d" % port],
                    stdout=subprocess.DEVNULL, stderr=open(os.path.join(tmp, "log"), "w"),
                    start_new_session=True)
            for q in queries:
                if q not in answers:
                    v = query(port, q)
                    if v is not None:
                        answers[q] = v
            if len(answers) < len(queries):
                if time.monotonic() > deadline:
                    with open(os.path.join(tmp, "log")) as f:
                        sys.stderr.write(f.read()[-4000:])
                    sys.exit("no answer from prometheus for: %s"
                             % [q for q in queries if q not in answers])
                time.sleep(0.2)  # polling for the first scrape, not a synchronisation
        for q in queries:
            print("%s = %s" % (q, answers[q]))
    finally:
        if prom is not None and prom.poll() is None:
            os.killpg(prom.pid, signal.SIGTERM)
            prom.wait(timeout=DEADLINE_S)
        rc, out, err = stop_sonde(proc)
        subprocess.run(["rm", "-rf", tmp])
    print("sonde exited %d" % rc)


def main():
    if len(sys.argv) < 6 or sys.argv[5] != "--":
        sys.exit(__doc__)
    mode, sonde, trig, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    args = sys.argv[6:]
    if mode == "scrape":
        scrape(sonde, trig, n, args)
    elif mode == "prometheus":
        prometheus(sonde, trig, n, args)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
