#!/bin/sh
# tests/vm/core_objects.sh SONDE DIR - compiles core.test's objects on
# this kernel into DIR (and names the kernel in DIR/kernel): tests/vm/run.sh
# runs it here for the guest and in the guest for this machine
set -u
here=$(cd "$(dirname "$0")" && pwd)
uname -r >"$2/kernel" &&
	"$1" --emit-elf "$2/core.o" "$here/../runtime/objects/core.bt" &&
	"$1" --emit-elf "$2/bitfield.o" "$here/../runtime/objects/bitfield.bt" &&
	"$1" --emit-elf "$2/tpcore.o" "$here/../runtime/objects/tpcore.bt" sondetpcore &&
	"$1" --emit-elf "$2/tp.o" -e 'tracepoint:sched:sched_wakeup { print(args.pid); }'
