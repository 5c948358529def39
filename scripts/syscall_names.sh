#!/bin/sh
# syscall_names.sh CC OUT - the system call numbers of the build's target, as
# the C table syscall_name() resolves numbers through at print time:
# { NR, "name" }, one line each, from the __NR_ macros <asm/unistd.h> defines.
printf '#include <asm/unistd.h>\n' | "$1" -dM -E - |
	awk '$1 == "#define" && $2 ~ /^__NR_[a-z0-9_]+$/ && $3 ~ /^[0-9]+$/ {
		printf "{%s, \"%s\"},\n", $3, substr($2, 6)
	}' | sort -t, -k1.2n >"$2"
