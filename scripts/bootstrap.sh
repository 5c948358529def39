#!/usr/bin/env bash
# bootstrap.sh — install everything sonde needs on Debian 12 and build it into build/.
#
# Usage: sudo scripts/bootstrap.sh
#
# Idempotent: apt is skipped when every package is already installed, and the
# cmake configure/build steps are incremental, so a second run takes seconds.
# Set SONDE_BUILD_TYPE to change the build type (default RelWithDebInfo) and
# SONDE_SKIP_APT=1 to never touch apt (e.g. on a machine you do not administer).
set -euo pipefail

# Everything the build, the unit tests and the runtime tests use, by Debian 12 name.
#   build:    compiler, cmake, pkg-config, flex/bison for grammar/
#   LLVM:     llvm-19-dev (LLVM-C headers, libLLVM-19.so, llvm-config-19),
#             clang-19 (compiles bpf-runtime/ to BPF bitcode)
#   kernel:   libbpf-dev, libelf-dev, libdw-dev and the compression libraries their
#             pkg-config files require (zlib, liblzma; libzstd for LLVM/libelf)
#   tests:    libcmocka-dev (unit tests), python3 (runtime test runner), bpftool
#             (cleanup checks), bpftrace (output comparison), iproute2 (veth/netns),
#             libc6-dbg (libc's full symbol table, which ustack tests name frames by),
#             tcpdump (reads back the pcap files skboutput() writes), prometheus
#             (the --metrics tests start their own server on a loopback port
#             and check its exposition with promtool; the package's own
#             service is kept from starting and disabled, see below)
#   guest:    qemu-system-x86, linux-image-amd64, busybox-static (tests/vm/guest.py: tests under Debian's 6.1 kernel);
#             xfsprogs and mdadm (mkfs.xfs and an md array in the guest, for xfsdist.bt and mdflush.bt)
PACKAGES=(
	build-essential cmake pkg-config flex bison
	llvm-19-dev clang-19
	libbpf-dev libelf-dev libdw-dev zlib1g-dev liblzma-dev libzstd-dev
	libcmocka-dev python3 bpftool bpftrace iproute2 libc6-dbg openssl tcpdump prometheus
	qemu-system-x86 linux-image-amd64 busybox-static xfsprogs mdadm
	libclang-rt-19-dev valgrind
)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${SONDE_BUILD_DIR:-$ROOT/build}"
BUILD_TYPE="${SONDE_BUILD_TYPE:-RelWithDebInfo}"

log() { printf 'bootstrap: %s\n' "$*" >&2; }

missing_packages() {
	local p status
	for p in "${PACKAGES[@]}"; do
		status="$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)"
		if [ "$status" != "installed" ]; then
			printf '%s\n' "$p"
		fi
	done
}

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		log "need root to run: $*"
		exit 1
	fi
}

install_packages() {
	if [ "${SONDE_SKIP_APT:-0}" = "1" ]; then
		log "SONDE_SKIP_APT=1: not checking packages"
		return
	fi
	if ! command -v dpkg-query >/dev/null 2>&1; then
		log "dpkg-query not found: this script installs packages on Debian 12 only;"
		log "install the equivalents of: ${PACKAGES[*]}"
		return
	fi
	local missing
	missing="$(missing_packages)"
	if [ -z "$missing" ]; then
		log "all ${#PACKAGES[@]} packages already installed"
		return
	fi
	# shellcheck disable=SC2086 # word splitting of the package list is intended
	log "installing:" $missing
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update
	# Debian's prometheus package starts a server on every interface
	# (:9090) when it is installed; the tests want only the binaries. A
	# policy-rc.d of our own (only when the machine has none) keeps it
	# from starting, and the service is disabled afterwards.
	local own_policy=false
	if printf '%s\n' $missing | grep -qx prometheus && ! as_root test -e /usr/sbin/policy-rc.d; then
		as_root sh -c 'printf "#!/bin/sh\n# scripts/bootstrap.sh: prometheus does not start while it installs\nfor a; do [ \"\$a\" = prometheus ] && exit 101; done\nexit 0\n" > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d'
		own_policy=true
	fi
	# shellcheck disable=SC2086
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
	if $own_policy; then
		as_root rm -f /usr/sbin/policy-rc.d
	fi
	if printf '%s\n' $missing | grep -qx prometheus && command -v systemctl >/dev/null; then
		as_root systemctl disable --now prometheus >/dev/null 2>&1 || true
	fi
}

build() {
	local jobs
	jobs="$(nproc 2>/dev/null || echo 2)"
	log "configuring $BUILD_DIR ($BUILD_TYPE)"
	cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE"
	log "building with $jobs jobs"
	cmake --build "$BUILD_DIR" -j"$jobs"
	log "done: $BUILD_DIR/sonde"
}

install_packages
build
