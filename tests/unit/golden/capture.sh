#!/bin/sh
# capture.sh - regenerates the golden outputs in this directory from the
# real bpftrace (0.17 on the machine these were taken on; needs root).
# Each case runs a BEGIN-only program once with text output (NAME.txt) and
# once with -f json (NAME.json); test_printer.c rebuilds the same maps and
# records by hand and compares sonde's printer with these files.
set -eu
cd "$(dirname "$0")"
BPFTRACE=${BPFTRACE:-bpftrace}

capture() {
	name=$1
	prog=$2
	"$BPFTRACE" -e "$prog" >"$name.txt" 2>/dev/null
	"$BPFTRACE" -f json -e "$prog" >"$name.json" 2>/dev/null
}

capture scalars 'BEGIN { @a = sum(3); @b = min(4); @c = max(5); @d = avg(7); @e = "str"; @f = (1, "x", (-2, "y")); @i = ntop(0x0100007f); @j = -5; @k = count(); exit(); }'
capture count_keys 'BEGIN { @[5] = count(); @[3] = count(); @[3] = count(); @[3] = count(); @[-1] = count(); @[-1] = count(); @[10] = count(); @[10] = count(); @[10] = count(); @[10] = count(); exit(); }'
capture str_keys 'BEGIN { @x["b"] = sum(7); @x["a"] = sum(-3); @x["ccc"] = sum(100); exit(); }'
capture multi_keys 'BEGIN { @n[2, "b"] = "v1"; @n[1, "b"] = "v2"; @n[2, "a"] = "v3"; @n[1, "c"] = "v4"; @n[10, "a"] = "v5"; exit(); }'
capture int_values 'BEGIN { @[5] = 1; @[3] = 7; @[4] = -2; @[9] = 100; exit(); }'
capture str_values 'BEGIN { @[3] = "x"; @[1] = "y"; @[-2] = "a"; @[256] = "q"; @[10] = "z"; exit(); }'
capture hist 'BEGIN { @h = hist(-1); @h = hist(0); @h = hist(0); @h = hist(1); @h = hist(2); @h = hist(3); @h = hist(5); @h = hist(1000); @h = hist(1024); @h = hist(1500); @h = hist(1048576); @h = hist(3221225472); @h = hist(3221225472); @h = hist(3221225472); @g = hist(16); @g = hist(200); @g = hist(200); @g = hist(200); @g = hist(200); @g = hist(200); @g = hist(200); @g = hist(200); exit(); }'
capture hist_keys 'BEGIN { @[3] = hist(1); @[3] = hist(1); @[3] = hist(1); @[1] = hist(1); @[2] = hist(100); @[2] = hist(100); exit(); }'
capture lhist 'BEGIN { @l = lhist(-5, 0, 100, 10); @l = lhist(0, 0, 100, 10); @l = lhist(35, 0, 100, 10); @l = lhist(99, 0, 100, 10); @l = lhist(100, 0, 100, 10); @l = lhist(1000, 0, 100, 10); @m = lhist(2048, 0, 4096, 1024); @m = lhist(3000, 0, 4096, 1024); @p = lhist(1500000, 0, 2000000, 500000); @q = lhist(1100, 1024, 3024, 500); exit(); }'
capture stats_avg 'BEGIN { @s[3] = stats(1); @s[1] = stats(10); @s[2] = stats(3); @s[2] = stats(4); @s[0] = stats(-100); @a[3] = avg(1); @a[1] = avg(10); @a[2] = avg(3); @a[0] = avg(-5); @a[0] = avg(-4); @t = stats(5); exit(); }'
capture min_max 'BEGIN { @lo[3] = min(1); @lo[1] = min(10); @lo[2] = min(3); @lo[0] = min(-5); @hi["x"] = max(1); @hi["y"] = max(10); @hi["y"] = max(3); exit(); }'
capture print_top_div 'BEGIN { @[1] = sum(15); @[2] = sum(27); @[3] = sum(30); @[4] = sum(41); print(@, 2, 10); print(@, 0, 3); @h[1] = hist(1); @h[2] = hist(2); @h[2] = hist(2); @h[2] = hist(8); print(@h, 1, 2); @s[1] = stats(10); @s[2] = stats(20); print(@s, 1, 3); clear(@); clear(@h); clear(@s); exit(); }'
capture empty 'BEGIN { @z[1] = 1; delete(@z[1]); @h = hist(1); zero(@h); @a[1] = avg(1); clear(@a); @s = stats(2); clear(@s); exit(); }'
capture escapes 'BEGIN { @m["k\"\\\t"] = "v\"\\\n\x01"; @o[1, "x", 3] = 1; exit(); }'
capture printf 'BEGIN { printf("%d|%u|%x|%X|%o|%s|%c|%%|%p\n", -5, -7, 255, 255, 8, "str", 65, 4096); printf("%lu|%llu|%ld|%lld|%lx|%llx|%hd|%hhd|%hu|%zd|%hhx|%jd\n", -1, 2, -3, -4, 255, 4095, 70000, 300, 70000, 5, -300, -6); printf("[%-10s][%10s][%5d][%-5d][%05d][%.2s][%5.3d][%5c][%-5c]\n", "ab", "cd", 42, 42, -42, "xyz", 7, 66, 67); printf("%d %u %lu %x\n", (int8)-1, (int8)-1, (int32)-1, (int16)-1); printf("a\"b\\c\td\x01e\n"); exit(); }'
