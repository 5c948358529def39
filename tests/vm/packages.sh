#!/bin/sh
# tests/vm/packages.sh BUILD_DIR - the Debian packages CPack makes from
# this build, installed with dpkg in a root that has no sonde: the qemu
# guest of tests/vm/guest.py (Debian's 6.1 kernel, this machine's files
# under a tmpfs overlay that takes dpkg's writes and is gone afterwards).
# The packages are built here, into a directory of this run, and
# tests/vm/packages.test installs them there.
#
# Exits 77 (ctest: skipped) when qemu, the guest kernel, busybox-static,
# cpack or dpkg-deb is missing, or the build links the compiler in (no
# sonde-backend.so to package), except with CI=true, where a missing tool
# is a failure. scripts/bootstrap.sh installs them all.
set -u
build=$1
here=$(cd "$(dirname "$0")" && pwd)
runner=$here/../runtime/runner.py

if [ ! -e "$build/sonde-backend.so" ]; then
	echo "SKIP vm packages: this build links the compiler in (no sonde-backend.so to package)"
	exit 77
fi
missing=""
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86_64 (apt-get install qemu-system-x86)"
ls /boot/vmlinuz-* >/dev/null 2>&1 || missing="$missing a kernel in /boot (apt-get install linux-image-amd64)"
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || missing="$missing busybox (apt-get install busybox-static)"
command -v cpack >/dev/null 2>&1 || missing="$missing cpack (apt-get install cmake)"
command -v dpkg-deb >/dev/null 2>&1 || missing="$missing dpkg-deb"
if [ -n "$missing" ]; then
	case "${CI:-}" in
	true | 1 | yes)
		echo "FAIL vm packages: missing:$missing (CI=true: this tier must run)"
		exit 1
		;;
	esac
	echo "SKIP vm packages: missing:$missing"
	exit 77
fi
pkg=$(mktemp -d /tmp/sonde-packages.XXXXXX) || exit 1
trap 'rm -rf "$pkg"' EXIT INT TERM
if ! cpack -G DEB -B "$pkg" --config "$build/CPackConfig.cmake" >"$pkg/cpack.log" 2>&1; then
	cat "$pkg/cpack.log"
	echo "FAIL vm packages: cpack could not make the packages"
	exit 1
fi
python3 "$here/guest.py" --timeout 600 --env CI="${CI:-}" --env SONDE_PACKAGES="$pkg" -- \
	python3 "$runner" --timeout-factor 4 --sonde "$build/sonde" "$here/packages.test"
