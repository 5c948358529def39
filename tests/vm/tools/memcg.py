"""memcg.py - what oom_in_cgroup.py and swap_in_cgroup.py share: a cgroup2
memory cgroup of a test's own, limited, removed on every way out, and a
child that runs in it under a name of its own."""
import contextlib
import os

ROOT = "/sys/fs/cgroup"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


@contextlib.contextmanager
def memory_cgroup(name, max_bytes, swap_max=None):
    """A cgroup ROOT/NAME with memory.max MAX_BYTES (and memory.swap.max
    SWAP_MAX where the kernel has it); the memory controller is enabled
    for ROOT's children first. Yields its path and removes it after."""
    with open(os.path.join(ROOT, "cgroup.subtree_control")) as f:
        if "memory" not in f.read().split():
            write(os.path.join(ROOT, "cgroup.subtree_control"), "+memory")
    cg = os.path.join(ROOT, name)
    os.mkdir(cg)
    try:
        write(os.path.join(cg, "memory.max"), str(max_bytes))
        swap = os.path.join(cg, "memory.swap.max")
        if swap_max is not None and os.path.exists(swap):
            write(swap, str(swap_max))
        yield cg
    finally:
        os.rmdir(cg)


def run_in(cg, comm, work):
    """Forks a child that joins CG, renames itself COMM and exits with
    WORK()'s status (0 when it returns None); returns the wait status."""
    pid = os.fork()
    if pid == 0:
        try:
            write(os.path.join(cg, "cgroup.procs"), str(os.getpid()))
            write("/proc/self/comm", comm)
            rc = work()
        except BaseException:
            os._exit(2)
        os._exit(rc or 0)
    _, status = os.waitpid(pid, 0)
    return status
