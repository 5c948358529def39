#!/usr/bin/env python3
"""make_corpus.py - writes the seed corpus fuzz/corpus/ (deterministic).

Seeds are every PROG of tests/runtime/*.test (one-line and <<EOF forms,
with {{TRIG}} replaced), every script in examples/, and the hand-written
seeds below that reach grammar the tests do not (angle blocks, macros,
unroll/for, casts, ternaries, escapes). Files are named by the SHA-1 of
their content, as libFuzzer names the inputs it adds.

    python3 fuzz/make_corpus.py          # rewrites fuzz/corpus/
"""
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"

EXTRA = [
    "BEGIN { $x = (uint8)300; $y = $x > 2 ? 1 : 0; printf(\"%d %d\\n\", $x, $y); exit(); }",
    "BEGIN { unroll (4) { @u = count(); } exit(); }",
    "BEGIN { $i = 0; while ($i < 10) { if ($i == 5) { break; } $i++; continue; } }",
    "macro add(a, b) { a + b } BEGIN { @ = add(1, 2); exit(); }",
    "BEGIN < $a = 1 << 3; $b = $a >> 1; if ($a > $b) < @x = $a; > else < @y = $b; > >",
    "probe BEGIN < @m[1] = 1; > END < print(@m); clear(@m); zero(@m); >",
    "BEGIN { printf(\"\\x41\\101\\n\\t\\\\\"); @c = 'a' + '\\n' + '\\x7f'; }",
    "BEGIN { @ = 0x7fffffffffffffff; @b = 0777; @c = 1_000_000; @d = -9223372036854775807 - 1; }",
    "BEGIN { $s = str(\"abc\", 2); @[$s] = sum(3); @a = avg(4); @mn = min(5); @mx = max(6); }",
    "BEGIN { @x = !1 || ~2 && 3 | 4 ^ 5 & 6 == 7 != 8 <= 9 >= 10 < 11; }",
    "BEGIN { $a = 1; $a += 1; $a -= 1; $a *= 2; $a /= 2; $a %= 3; $a &= 1; $a |= 2; $a ^= 3; $a <<= 1; $a >>= 1; }",
    "BEGIN { @t[1, 2, \"x\"] = count(); delete(@t[1, 2, \"x\"]); print(@t, 10); print(@t, 10, 2); }",
    "interval:ms:10 { @[cpu] = lhist(nsecs % 100, 0, 100, 10); @h = hist(elapsed); }",
    "i:s:1 { printf(\"%d %d %d %s\\n\", pid, tid, uid, comm); exit(); }",
    "p:hz:49 { @[probe] = count(); } END { print(@); }",
    "/* comment */ BEGIN { // line comment\n  exit(); # not a comment here\n}\n",
    "# shell comment\nBEGIN\n{\n\texit();\n}\n",
    "BEGIN { $p = (struct task_struct *)curtask; @s = sizeof(uint64); }",
    "BEGIN, END { printf(\"both\\n\"); }",
    "BEGIN /1/ { exit(); } END /pid == 0/ { }",
    "rawtracepoint:sched_switch { @ = count(); }",
    # CO-RE: a member chain, a bitfield and a nested struct's member; the
    # runs that compile it more than once in a process (libFuzzer's leak
    # check, the valgrind replay) reach LLVM's relocation globals again
    "BEGIN { printf(\"%d %d %d\\n\", curtask->real_parent->tgid, curtask->sched_reset_on_fork, curtask->se.on_rq); exit(); }",
    "BEGIN { for ($i : 0..5) { @f = count(); } return; }",
    "config = { max_strlen = 32 } BEGIN { exit(); }",
    # issue 12: constant arithmetic at the int64 limits (UBSan found signed
    # overflow in lhist bounds and a negated INT64_MIN), out-of-range shifts,
    # bad buf/ntop arguments, CR-only line ends, config misuse, and a macro
    # chain that doubles at each level
    "BEGIN { @l = lhist(1, -9223372036854775808, 9223372036854775807, 1); }",
    "BEGIN { @l = lhist(1, -9223372036854775807, 9223372036854775807, 1); }",
    "BEGIN { @l = lhist(1, 0, 9223372036854775807, 4611686018427387904); exit(); }",
    "BEGIN { @l = lhist(9223372036854775806, 9223372036854775806, 9223372036854775807, 1); }",
    "BEGIN { @l = lhist(1, -9223372036854775809, 18446744073709551615, 1); }",
    "BEGIN { unroll(-9223372036854775808) { @x = 1; } unroll(18446744073709551615) { @y = 1; } }",
    "BEGIN { $s = str(0, -9223372036854775808); @p = 1; print(@p, 18446744073709551615); }",
    "BEGIN { @a = 1 << 64; @b = 1 << -1; @c = -8 >> 64; $n = 65; @d = 2 >> $n; @e <<= 64; }",
    "BEGIN { $b = buf(0, -1); $c = buf(0, 18446744073709551615); $d = buf(\"ab\", 4097); }",
    "BEGIN { $a = ntop(99, 1); $b = ntop(AF_INET6, 1); $c = ntop(AF_INET, \"0123456789abcde\"); }",
    "// comment\rBEGIN {\r  @x = 1; # c\r  @y = ;\r}\r",
    "BEGIN {\r\n  @x = 1;\r  $s = \"a\rb\";\n}\r\n",
    "config = { max_strlen = 32; max_strlen = 64 } BEGIN { exit(); } config = { map_entries = 2 }",
    "interval:s:9223372037 { exit(); } profile:hz:18446744073709551615 { exit(); }",
    "software:cpu-clock:9223372036854775808 { exit(); }",
    "".join("macro m%d($x) { m%d($x) + m%d($x) }\n" % (i, i - 1, i - 1) for i in range(1, 23))
    + "macro m0($x) { $x + 1 }\nBEGIN { @a = m22(1); }\n",
]


def progs_from_test(path):
    lines = path.read_text(errors="replace").splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("PROG "):
            value = line[5:]
            m = re.fullmatch(r"<<(\w+)", value.strip())
            if m:
                body = []
                i += 1
                while i < len(lines) and lines[i] != m.group(1):
                    body.append(lines[i])
                    i += 1
                value = "\n".join(body) + "\n"
            yield value.replace("{{TRIG}}", "trig-fuzz0000")
        i += 1


def main():
    seeds = []
    for t in sorted((ROOT / "tests" / "runtime").glob("*.test")):
        seeds.extend(progs_from_test(t))
    for ex in sorted((ROOT / "examples").glob("**/*")):
        if ex.is_file() and ex.suffix in (".sd", ".bt"):
            seeds.append(ex.read_text(errors="replace"))
    seeds.extend(EXTRA)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    for s in dict.fromkeys(seeds):
        data = s.encode()
        (OUT / hashlib.sha1(data).hexdigest()).write_bytes(data)
    print(f"{len(list(OUT.iterdir()))} seeds in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
