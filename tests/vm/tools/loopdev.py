"""loopdev.py - what xfs_ops.py and md_flush.py share: a guard that keeps
them inside tests/vm/guest.py's guest, and block devices of their own
that are gone on every way out: loop devices over sparse files in a tmpfs
mounted for them alone, and mounts on directories made for them.

No real disk is touched: the backing files live in memory. The guard
still insists on the guest (its scratch disk, serial "sonde-scratch"),
because loop devices, md arrays and mounts made outside it would be made
on the machine running the tests."""
import contextlib
import os
import subprocess
import sys
import tempfile

SERIAL = "sonde-scratch"


def in_guest():
    for name in sorted(os.listdir("/sys/block")):
        try:
            with open("/sys/block/%s/serial" % name) as f:
                if f.read().strip() == SERIAL:
                    return True
        except OSError:
            continue
    return False


def exit_unless_in_guest():
    """Exits 77 (a skip) before anything is changed outside the guest."""
    if not in_guest():
        sys.exit(77)


def run(*argv):
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def mounted(source, fstype, options=None):
    """SOURCE mounted (type FSTYPE) on a new directory; yields its path,
    then unmounts it and removes the directory."""
    where = tempfile.mkdtemp(prefix="sonde-%s-" % fstype)
    try:
        run("mount", "-t", fstype, *(["-o", options] if options else []), source, where)
        try:
            yield where
        finally:
            run("umount", where)
    finally:
        os.rmdir(where)


@contextlib.contextmanager
def loop_devices(sizes_mib):
    """One loop device for each size in SIZES_MIB, each over a sparse file
    (only what is written takes memory) in a tmpfs of their own; yields
    their /dev paths, then detaches them and unmounts the tmpfs."""
    run("modprobe", "loop")
    with mounted("sonde-loop", "tmpfs", "mode=0700") as backing:
        devices = []
        try:
            for i, size in enumerate(sizes_mib):
                path = os.path.join(backing, "disk%d.img" % i)
                with open(path, "wb") as f:
                    f.truncate(size << 20)
                out = subprocess.run(["losetup", "--find", "--show", path], check=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
                devices.append(out.stdout.strip())
            yield devices
        finally:
            for dev in reversed(devices):
                run("losetup", "-d", dev)


def as_process(comm, work):
    """Forks a child that renames itself COMM and runs WORK(); returns
    when it has exited, raising unless it exited 0."""
    pid = os.fork()
    if pid == 0:
        try:
            with open("/proc/self/comm", "w") as f:
                f.write(comm)
            work()
        except BaseException:
            os._exit(2)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError("the child %s failed (wait status %#x)" % (comm, status))
