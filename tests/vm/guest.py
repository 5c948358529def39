#!/usr/bin/env python3
"""Run one command inside a throw-away qemu guest booting another kernel.

    python3 tests/vm/guest.py [--kernel IMAGE] [--timeout S] [--mem MB]
                              [--disk MB] [--env K=V]... [--export DIR]
                              -- COMMAND [ARG...]

The guest boots IMAGE (default: the newest /boot/vmlinuz-*, Debian's
linux-image-amd64) with a small initramfs: busybox-static as its shell and
tools, and the kernel's own modules for virtio-9p and overlayfs.  This
machine's root filesystem is shared read-only over virtio-9p and a tmpfs
overlay goes on top, so the guest runs the very binaries built here and can
write anywhere (what it writes is gone at power-off).  proc, sysfs,
devtmpfs, tracefs, debugfs, bpffs and cgroup2 are mounted; COMMAND runs as
root in the current directory with stdin from /dev/null.  With --disk MB
the guest also has an empty virtio disk of that size, /dev/vda (a sparse
file in the run's directory, gone with it, serial "sonde-scratch" in
/sys/block/vda/serial), for the block layer's tools.  With --export DIR
the command finds an empty directory in $GUEST_EXPORT whose files are
copied into DIR (on this machine) when it has ended: what the guest made
for this machine to use.

Its stdout and stderr reach ours as they are written (through a second,
writable 9p share: a directory of this run), kernel messages stay in the
console log.  The exit status is COMMAND's; 124 when the guest did not
finish within --timeout seconds; 125 when the guest could not be set up or
stopped without reporting a status (the end of its console is printed).
On every way out -- the command's end, a timeout, SIGINT, SIGTERM, an
error here -- qemu is stopped and the run's temporary directory removed.

Only the Python standard library is used; qemu-system-x86_64, a static
busybox and the kernel's /lib/modules tree must be installed
(scripts/bootstrap.sh installs qemu-system-x86, linux-image-amd64 and
busybox-static).
"""

import argparse
import ctypes
import fcntl
import glob
import lzma
import gzip
import os
import shlex
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time

EXIT_TIMEOUT = 124
EXIT_SETUP = 125

# Modules the guest needs before it can mount this machine's root: the
# virtio PCI transport, 9p over virtio, and overlayfs.  Their dependencies
# come from modules.dep; built-in ones are skipped.
NEEDED_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]
DISK_MODULES = ["virtio_blk"]  # with --disk
DISK_SERIAL = "sonde-scratch"  # /sys/block/vdX/serial: how tests find it

# Variables passed into the guest; the rest of the environment describes
# this machine's session, not the guest's.
PASSED_ENV = ["PATH", "HOME", "LANG", "LC_ALL", "TERM", "CI", "TZ"]

POLL_S = 0.05  # how often the outputs are copied while the guest runs


class SetupError(Exception):
    """Something the guest needs is missing or unusable (exit 125)."""


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


# --------------------------------------------------------------------------
# What to boot


def newest_kernel():
    images = glob.glob("/boot/vmlinuz-*")
    if not images:
        raise SetupError("no kernel in /boot (apt-get install linux-image-amd64)")

    def version_key(path):
        parts = []
        for piece in path.replace("-", ".").split("."):
            parts.append((0, int(piece), "") if piece.isdigit() else (1, 0, piece))
        return parts
    return max(images, key=version_key)


def kernel_release(image):
    """The release string (6.1.0-57-amd64) from a bzImage's setup header:
    the 16-bit field at 0x20e points, from 0x200, to the version text."""
    with open(image, "rb") as f:
        head = f.read(0x10000)
    if head[0x202:0x206] != b"HdrS":
        # not a bzImage: take it from the file name (vmlinuz-RELEASE)
        name = os.path.basename(image)
        return name.split("-", 1)[1] if "-" in name else None
    (ptr,) = struct.unpack_from("<H", head, 0x20E)
    text = head[0x200 + ptr:0x200 + ptr + 256]
    return text.split(b" ", 1)[0].split(b"\0", 1)[0].decode(errors="replace") or None


def is_static_elf(path):
    """True for an ELF executable without a program interpreter."""
    try:
        with open(path, "rb") as f:
            ident = f.read(64)
            if ident[:4] != b"\x7fELF" or ident[4] != 2:  # 64-bit only
                return False
            endian = "<" if ident[5] == 1 else ">"
            phoff, = struct.unpack_from(endian + "Q", ident, 0x20)
            phentsize, phnum = struct.unpack_from(endian + "HH", ident, 0x36)
            f.seek(phoff)
            table = f.read(phentsize * phnum)
    except OSError:
        return False
    for i in range(phnum):
        (ptype,) = struct.unpack_from(endian + "I", table, i * phentsize)
        if ptype == 3:  # PT_INTERP: dynamically linked
            return False
    return True


def find_busybox():
    for path in ("/bin/busybox", "/usr/bin/busybox", "/usr/lib/initramfs-tools/bin/busybox"):
        if os.access(path, os.X_OK) and is_static_elf(path):
            return path
    raise SetupError("no statically linked busybox (apt-get install busybox-static)")


def module_files(moddir, needed):
    """The .ko files to load, dependencies first, as (name, path)."""
    dep_file = os.path.join(moddir, "modules.dep")
    if not os.path.exists(dep_file):
        raise SetupError("no %s: the kernel's modules are not installed" % dep_file)

    def name_of(path):
        base = os.path.basename(path)
        return base.split(".ko", 1)[0].replace("-", "_")
    deps, paths = {}, {}
    with open(dep_file) as f:
        for line in f:
            mod, _, rest = line.partition(":")
            n = name_of(mod)
            paths[n] = os.path.join(moddir, mod)
            deps[n] = [name_of(d) for d in rest.split()]
    builtin = set()
    try:
        with open(os.path.join(moddir, "modules.builtin")) as f:
            builtin = {name_of(line.strip()) for line in f if line.strip()}
    except OSError:
        pass
    order, seen = [], set()

    def visit(n):
        if n in seen:
            return
        seen.add(n)
        if n in builtin:
            return
        if n not in paths:
            raise SetupError("module %s is neither in %s nor built in" % (n, dep_file))
        for d in deps[n]:
            visit(d)
        order.append((n, paths[n]))
    for n in needed:
        visit(n)
    return order


def read_module(path):
    if path.endswith(".xz"):
        return lzma.open(path).read()
    if path.endswith(".gz"):
        return gzip.open(path).read()
    if path.endswith(".zst"):
        return subprocess.run(["zstd", "-dcq", path], check=True, stdout=subprocess.PIPE).stdout
    with open(path, "rb") as f:
        return f.read()


# --------------------------------------------------------------------------
# The guest's side: /init in the initramfs (busybox sh, PID 1)

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
say() { echo "guest init: $*" >/dev/console; }
die() { say "$*"; poweroff -f; }
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules/order); do
	insmod /modules/$m.ko || die "cannot load module $m"
done
# this machine's /, read-only, under a tmpfs that takes the writes
mkdir -p /lower /rw /root
mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose,msize=262144 hostroot /lower ||
	die "cannot mount the 9p share of /"
mount -t tmpfs -o mode=0755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /root ||
	die "cannot mount the overlay"
R=/root
# the kernel asks for modules (a veth, a qdisc) through /sbin/modprobe in
# this initramfs's root, not the command's chroot: hand them to the guest
# system's modprobe and its /lib/modules
mkdir -p /sbin
printf '#!/bin/sh\nexec /bin/chroot /root /sbin/modprobe "$@"\n' >/sbin/modprobe
chmod 0755 /sbin/modprobe
echo /sbin/modprobe >/proc/sys/kernel/modprobe
mount -t proc proc $R/proc
mount -t sysfs sysfs $R/sys
mount -t devtmpfs devtmpfs $R/dev
mkdir -p $R/dev/pts $R/dev/shm
mount -t devpts devpts $R/dev/pts
mount -t tmpfs -o mode=1777 shm $R/dev/shm
ln -sf /proc/self/fd $R/dev/fd
mount -t tmpfs -o mode=0755 run $R/run
mount -t tracefs tracefs $R/sys/kernel/tracing || say "no tracefs"
mount -t debugfs debugfs $R/sys/kernel/debug || say "no debugfs"
mount -t bpf -o mode=0700 bpf $R/sys/fs/bpf || say "no bpffs"
mount -t cgroup2 cgroup2 $R/sys/fs/cgroup || say "no cgroup2"
# the run's directory on the host: the command, its outputs, its status
mkdir -p $R/run/guest
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none xfer $R/run/guest ||
	die "cannot mount the run directory"
ip link set lo up
hostname guest
chroot $R /bin/sh /run/guest/command.sh </dev/null >$R/run/guest/stdout 2>$R/run/guest/stderr
echo $? >$R/run/guest/status.tmp && mv $R/run/guest/status.tmp $R/run/guest/status
sync
poweroff -f
"""


def command_script(argv, cwd, env):
    lines = ["# written by tests/vm/guest.py; run by the guest's /bin/sh"]
    for k, v in env.items():
        lines.append("export %s=%s" % (k, shlex.quote(v)))
    lines.append("cd %s || exit 125" % shlex.quote(cwd))
    lines.append("exec " + " ".join(shlex.quote(a) for a in argv))
    return "\n".join(lines) + "\n"


def cpio_newc(entries):
    """A newc cpio archive of (path, mode, data) entries; directories have
    data None."""
    out = bytearray()
    ino = 1
    for path, mode, data in entries + [("TRAILER!!!", 0, b"")]:
        name = path.encode() + b"\0"
        body = data or b""
        fields = [ino, mode, 0, 0, 1, 0, len(body), 0, 0, 0, 0, len(name), 0]
        out += b"070701" + b"".join(b"%08x" % v for v in fields) + name
        out += b"\0" * (-len(out) % 4)
        out += body
        out += b"\0" * (-len(out) % 4)
        ino += 1
    return bytes(out)


def build_initramfs(busybox, modules):
    entries = [(d, 0o40755, None) for d in ("bin", "dev", "proc", "sys", "modules")]
    with open(busybox, "rb") as f:
        entries.append(("bin/busybox", 0o100755, f.read()))
    entries.append(("init", 0o100755, INIT.encode()))
    for name, path in modules:
        entries.append(("modules/%s.ko" % name, 0o100644, read_module(path)))
    entries.append(("modules/order", 0o100644, "".join(n + "\n" for n, _ in modules).encode()))
    return cpio_newc(entries)


# --------------------------------------------------------------------------
# The host's side


def qemu_argv(qemu, kernel, initrd, rundir, mem, smp, disk):
    # TCG, not KVM: a /dev/kvm that opens can still fail to run a guest
    # (nested virtualisation), and the tests must not depend on the host
    argv = [qemu, "-accel", "tcg", "-cpu", "max"]
    argv += [
        "-m", str(mem), "-smp", str(smp),
        "-nodefaults", "-no-user-config", "-display", "none", "-monitor", "none", "-no-reboot",
        "-kernel", kernel, "-initrd", initrd,
        "-append", "console=ttyS0 rdinit=/init panic=-1 quiet loglevel=4 mitigations=off",
        "-serial", "file:" + os.path.join(rundir, "console.log"),
        "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
        "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
        "-fsdev", "local,id=xfer,path=%s,security_model=none" % os.path.join(rundir, "xfer"),
        "-device", "virtio-9p-pci,fsdev=xfer,mount_tag=xfer",
    ]
    if disk:
        argv += ["-drive", "file=%s,if=none,id=scratch,format=raw" % disk,
                 "-device", "virtio-blk-pci,drive=scratch,serial=%s" % DISK_SERIAL]
    return argv


class SignalsBlocked:
    """Holds SIGINT, SIGTERM and SIGHUP back for the length of a block;
    one that came meanwhile is delivered (and raises) at its end."""
    SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}

    def __enter__(self):
        self.old = signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS)

    def __exit__(self, *exc):
        signal.pthread_sigmask(signal.SIG_SETMASK, self.old)
        return False


class Copier:
    """Copies what the guest appended to a file since the last call."""

    def __init__(self, path, sink):
        self.path = path
        self.sink = sink
        self.offset = 0

    def pump(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        if data:
            self.offset += len(data)
            self.sink.write(data)
            self.sink.flush()


def die_with_us():
    """In qemu before exec: the kernel kills it if this script dies, even
    by SIGKILL (which no clean-up here can catch), so no guest outlives
    its run."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def stop(proc):
    """qemu ends at once on SIGTERM (the guest's disk is a tmpfs); SIGKILL
    if it does not."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def show_console(rundir, why):
    sys.stderr.write("guest.py: %s; the end of the guest's console:\n" % why)
    try:
        with open(os.path.join(rundir, "console.log"), "rb") as f:
            lines = f.read().decode(errors="replace").splitlines()[-30:]
    except OSError:
        lines = ["(no console log)"]
    for line in lines:
        sys.stderr.write("    " + line + "\n")
    try:
        with open(os.path.join(rundir, "qemu.log"), "rb") as f:
            qlog = f.read().decode(errors="replace").strip()
        if qlog:
            sys.stderr.write("guest.py: qemu said:\n" + "".join("    %s\n" % ln for ln in qlog.splitlines()[-10:]))
    except OSError:
        pass


RUNDIR_PREFIX = "sonde-guest-"


def remove_stale_rundirs():
    """Every run holds a lock on its directory's "lock" file while it
    lives; a directory whose lock is free was left by a run that was
    SIGKILLed (qemu died with it: die_with_us) and goes now."""
    for d in glob.glob(os.path.join(tempfile.gettempdir(), RUNDIR_PREFIX + "*")):
        try:
            fd = os.open(os.path.join(d, "lock"), os.O_RDONLY)
        except OSError:
            continue  # not set up yet, or not ours
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            continue  # a live run
        finally:
            os.close(fd)
        shutil.rmtree(d, ignore_errors=True)


def run(opts):
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu:
        raise SetupError("no qemu-system-x86_64 (apt-get install qemu-system-x86)")
    kernel = opts.kernel or newest_kernel()
    if not os.access(kernel, os.R_OK):
        raise SetupError("cannot read the kernel image %s" % kernel)
    release = kernel_release(kernel)
    if not release:
        raise SetupError("cannot tell the release of %s" % kernel)
    if opts.disk < 0:
        raise SetupError("--disk takes a size in MiB, not %d" % opts.disk)
    needed = NEEDED_MODULES + (DISK_MODULES if opts.disk else [])
    modules = module_files(opts.modules or os.path.join("/lib/modules", release), needed)
    busybox = find_busybox()

    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    for kv in opts.env:
        k, sep, v = kv.partition("=")
        if not sep or not k.isidentifier():
            raise SetupError("--env takes NAME=VALUE, not %r" % kv)
        env[k] = v

    remove_stale_rundirs()
    rundir = tempfile.mkdtemp(prefix=RUNDIR_PREFIX)
    proc = None
    try:
        lock = os.open(os.path.join(rundir, "lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when this process ends, however
        xfer = os.path.join(rundir, "xfer")
        os.mkdir(xfer)
        if opts.export:
            os.mkdir(os.path.join(xfer, "export"))
            env["GUEST_EXPORT"] = "/run/guest/export"  # the share, as the guest mounts it
        with open(os.path.join(xfer, "command.sh"), "w") as f:
            f.write(command_script(opts.command, os.getcwd(), env))
        disk = None
        if opts.disk:
            disk = os.path.join(rundir, "disk.img")
            with open(disk, "wb") as f:
                f.truncate(opts.disk << 20)  # sparse: nothing written here
        initrd = os.path.join(rundir, "initrd.cpio")
        with open(initrd, "wb") as f:
            f.write(build_initramfs(busybox, modules))
        # no signal between starting qemu and knowing its pid: a Ctrl-C
        # then would leave it running; a pending one is taken after this
        with open(os.path.join(rundir, "qemu.log"), "wb") as qlog, SignalsBlocked():
            proc = subprocess.Popen(qemu_argv(qemu, kernel, initrd, rundir, opts.mem, opts.smp, disk),
                                    stdin=subprocess.DEVNULL, stdout=qlog, stderr=subprocess.STDOUT,
                                    preexec_fn=die_with_us)
        out = Copier(os.path.join(xfer, "stdout"), sys.stdout.buffer)
        err = Copier(os.path.join(xfer, "stderr"), sys.stderr.buffer)
        deadline = time.monotonic() + opts.timeout
        timed_out = False
        while proc.poll() is None:
            if time.monotonic() > deadline:
                timed_out = True
                stop(proc)
                break
            time.sleep(POLL_S)
            out.pump()
            err.pump()
        out.pump()
        err.pump()
        if timed_out:
            show_console(rundir, "timeout: the guest did not finish within %gs" % opts.timeout)
            return EXIT_TIMEOUT
        if opts.export:
            exported = os.path.join(xfer, "export")
            for name in os.listdir(exported):
                shutil.copy(os.path.join(exported, name), opts.export)
        try:
            with open(os.path.join(xfer, "status")) as f:
                return int(f.read().strip())
        except (OSError, ValueError):
            show_console(rundir, "the guest stopped without reporting the command's status "
                         "(qemu exit %s)" % proc.returncode)
            return EXIT_SETUP
    finally:
        # a second Ctrl-C must not cut the clean-up short
        with SignalsBlocked():
            if proc is not None:
                stop(proc)
            shutil.rmtree(rundir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(usage="%(prog)s [options] -- COMMAND [ARG...]",
                                 description="Run COMMAND in a qemu guest booting another kernel, "
                                 "with this machine's / visible read-only under a tmpfs overlay.")
    ap.add_argument("--kernel", help="kernel image (default: the newest /boot/vmlinuz-*)")
    ap.add_argument("--modules", help="its module tree (default: /lib/modules/RELEASE)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for the whole run (default 600)")
    ap.add_argument("--mem", type=int, default=2048, help="guest memory in MiB (default 2048)")
    ap.add_argument("--disk", type=int, default=0, metavar="MB",
                    help="give the guest an empty virtio disk of MB MiB, /dev/vda (default: none)")
    ap.add_argument("--smp", type=int, default=2, help="guest CPUs (default 2)")
    ap.add_argument("--env", "-e", action="append", default=[], metavar="K=V",
                    help="set a variable in the guest (repeatable)")
    ap.add_argument("--export", metavar="DIR",
                    help="copy the files the command writes into $GUEST_EXPORT to DIR")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    opts = ap.parse_args()
    if opts.command[:1] == ["--"]:
        opts.command = opts.command[1:]
    if not opts.command:
        ap.error("no COMMAND given")

    def interrupted(signum, frame):
        raise Interrupted(signum)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, interrupted)
    try:
        return run(opts)
    except SetupError as e:
        print("guest.py: %s" % e, file=sys.stderr)
        return EXIT_SETUP
    except Interrupted as e:
        print("guest.py: interrupted by %s; guest stopped" % e, file=sys.stderr)
        return 128 + e.signum


if __name__ == "__main__":
    sys.exit(main())
