#!/bin/sh
# tests/vm/run.sh - runs runtime test files inside a qemu guest booting
# Debian's 6.1 kernel (linux-image-amd64), where kprobes and fentry work,
# in ONE boot: tests/vm/guest.py shares this machine's root filesystem, so
# the guest runs the sonde just built and the same runner.py.
#
#   tests/vm/run.sh SONDE TESTFILE...
#
# Exits 77 (ctest: skipped) with a message when qemu, the kernel package
# or busybox-static is missing, except with CI=true, where that is a
# failure (1). scripts/bootstrap.sh installs all three.
set -u
sonde=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../runtime/runner.py

missing=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86_64 (apt-get install qemu-system-x86)"
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing="$missing a kernel in /boot (apt-get install linux-image-amd64)"
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing="$missing busybox (apt-get install busybox-static)"
if [ -n "$missing" ]; then
	case "${CI:-}" in
	true | 1 | yes)
		echo "FAIL vm tests: missing:$missing (CI=true: the guest kernel tier must run)"
		exit 1
		;;
	esac
	echo "SKIP vm tests: missing:$missing"
	exit 77
fi
# guest.py exits 125 when the guest cannot be set up (a dynamic busybox,
# no modules for the kernel, ...): a failure, never a skip
# core.test's objects, compiled on one kernel to run on the other
# (core_objects.sh): the ones compiled here go to the guest (it sees this
# machine's /tmp as it is now), the guest's come back through guest.py
# --export, and core.test runs here on them once the guest has ended
objs=$(mktemp -d /tmp/sonde-vm-objects.XXXXXX) || exit 1
back=$(mktemp -d /tmp/sonde-vm-objects.XXXXXX) || { rm -rf "$objs"; exit 1; }
sh "$here/core_objects.sh" "$sonde" "$objs" || { rm -rf "$objs" "$back"; exit 1; }
# the guest sees the same files; CI stays set so skips inside fail there
# too; emulated, the guest is several times slower, so the tests' TIMEOUTs
# (hang guards) are stretched. The guest compiles its objects first; when
# it cannot, core.test here finds none and fails
python3 "$here/guest.py" --timeout 2400 --disk 64 --env CI="${CI:-}" \
	--env SONDE_OTHER_KERNEL_OBJECTS="$objs" --export "$back" -- \
	sh -c 'sh "$0/core_objects.sh" "$1" "$GUEST_EXPORT" ||
		echo "vm: the guest cannot compile the objects for core.test" >&2
		shift; exec python3 "$@"' "$here" "$sonde" \
	"$runner" --timeout-factor 4 --sonde "$sonde" "$@"
rc=$?
# the other way: objects compiled on the guest's kernel, run on this one
SONDE_OTHER_KERNEL_OBJECTS="$back" python3 "$runner" --sonde "$sonde" "$here/core.test" || rc=1
rm -rf "$objs" "$back"
exit $rc
