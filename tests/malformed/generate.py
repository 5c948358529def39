#!/usr/bin/env python3
"""generate.py - writes the malformed-input corpus tests/malformed/cases/.

Every file is a script sonde must reject with exit status 1 and a located
error (FILE:LINE:COL: error: ..., the source line, a caret line); run.py
checks that. The corpus is deterministic: running this again rewrites the
same bytes, so the generated files are committed and a diff shows what
changed. File names are NNN-category-what.sd; cases/INDEX lists them with a
one-line description.

    python3 tests/malformed/generate.py     # rewrites tests/malformed/cases/

Categories: truncated programs, unbalanced < > { } ( ) [ ], bad probe
specs, wrong types, unknown names, bad integer literals, misplaced
statements, deep nesting (10000 levels), very long lines, NUL bytes,
invalid UTF-8, 1 MB scripts, empty and comment-only files, assorted syntax
errors, and (issue12-*) input that used to get through: doubling macro
chains, int64-limit bounds, bad buf/ntop arguments, config misuse, CR-only
line ends.
"""
import pathlib
import shutil

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "cases"

cases = []  # (category, name, description, bytes)


def add(category, name, desc, text):
    data = text if isinstance(text, bytes) else text.encode()
    cases.append((category, name, desc, data))


# ---- truncated programs --------------------------------------------------
# Single-probe programs, so that no proper prefix is itself a whole program.
TRUNCATE = [
    ("printf", 'BEGIN { printf("%d %s\\n", 42, "str"); exit(); }\n'),
    ("map", 'BEGIN { @m["key", 2] = count(); @x = 1 + 2 * 3; }\n'),
    ("while", "BEGIN { $i = 0; while ($i < 5) { $i++; } exit(); }\n"),
    ("angle", "probe BEGIN < if (3 > 2) < @a = 1; > else < @b = 2; > >\n"),
    ("pred", "interval:ms:100 /pid == 1 && cpu > 0/ { @c[cpu] = hist(nsecs); }\n"),
    ("lhist", "profile:hz:99 { @l = lhist(nsecs % 100, 0, 100, 10); }\n"),
    ("ternary", "BEGIN { $x = (uint8)300; @y = $x > 2 ? $x : -$x; }\n"),
    ("multiline", "BEGIN\n{\n\t$s = str(\"abc\");\n\tif ($s == \"abc\") {\n\t\t@ok = 1;\n\t}\n}\n"),
]
for tag, prog in TRUNCATE:
    body = prog.rstrip("\n")
    n = len(body)
    # Cut points spread over the program, always strictly shorter than the
    # whole (the closing bracket missing at least), never empty.
    cuts = sorted({max(1, n * k // 9) for k in range(1, 9)} | {n - 1})
    for cut in cuts:
        add("truncated", f"{tag}-at-{cut}", f"{tag!r} program cut after {cut} of {n} bytes",
            body[:cut] + "\n")

# ---- unbalanced brackets -------------------------------------------------
UNBALANCED = [
    ("brace-open", "BEGIN { exit();\n"),
    ("brace-open-two", "BEGIN { if (1) { exit(); }\n"),
    ("brace-close-extra", "BEGIN { exit(); } }\n"),
    ("brace-close-only", "}\n"),
    ("brace-open-only", "{\n"),
    ("brace-close-first", "BEGIN } exit(); {\n"),
    ("angle-open", "probe BEGIN < exit();\n"),
    ("angle-open-nested", "probe BEGIN < if (1) < exit(); >\n"),
    ("angle-close-extra", "probe BEGIN < exit(); > >\n"),
    ("angle-close-only", ">\n"),
    ("angle-mixed-brace", "probe BEGIN < exit(); }\n"),
    ("brace-mixed-angle", "BEGIN { exit(); >\n"),
    ("angle-in-brace-unclosed", "BEGIN { if (1) < @a = 1; }\n"),
    ("paren-open", "BEGIN { printf(\"x\\n\"; }\n"),
    ("paren-close-extra", "BEGIN { @a = (1 + 2)); }\n"),
    ("paren-open-expr", "BEGIN { @a = ((1 + 2); }\n"),
    ("paren-in-pred", "BEGIN /(pid == 1/ { exit(); }\n"),
    ("paren-close-in-pred", "BEGIN /pid == 1)/ { exit(); }\n"),
    ("paren-if", "BEGIN { if (1 { exit(); } }\n"),
    ("bracket-open", "BEGIN { @m[1 = 2; }\n"),
    ("bracket-close-extra", "BEGIN { @m[1]] = 2; }\n"),
    ("bracket-mismatch-paren", "BEGIN { @m[1) = 2; }\n"),
    ("paren-mismatch-bracket", "BEGIN { @m = count(]; }\n"),
    ("pred-unclosed", "BEGIN /pid == 1 { exit(); }\n"),
    ("pred-empty", "BEGIN // { exit(); }\n"),
    ("all-open", "BEGIN { ( [ < {\n"),
    ("all-close", "BEGIN { exit(); } ) ] > }\n"),
    ("brace-close-before-probe", "} BEGIN { exit(); }\n"),
]
for name, text in UNBALANCED:
    add("unbalanced", name, "unbalanced brackets", text)

# ---- bad probe specs -----------------------------------------------------
SPECS = [
    ("unknown-type", "bogus:foo { }"),
    ("unknown-type-kprobe-typo", "kprobee:vfs_read { }"),
    ("empty-type", ":foo { }"),
    ("colon-only", ": { }"),
    ("begin-with-arg", "BEGIN:foo { }"),
    ("tracepoint-empty", "tracepoint: { }"),
    ("tracepoint-no-event", "tracepoint:syscalls { }"),
    ("tracepoint-trailing-colon", "tracepoint:syscalls: { }"),
    ("tracepoint-unknown", "tracepoint:syscalls:sys_enter_nosuch { }"),
    ("tracepoint-unknown-category", "tracepoint:nosuchcategory:nosuchevent { }"),
    ("tracepoint-too-many-parts", "tracepoint:syscalls:sys_enter_read:extra { }"),
    ("tracepoint-wildcard-nothing", "tracepoint:syscalls:sys_enter_nosuch* { }"),
    ("tracepoint-path-escape", "tracepoint:../../..:etc { }"),
    ("tracepoint-slash", "tracepoint:syscalls/sys_enter_read { }"),
    ("interval-empty", "interval: { }"),
    ("interval-no-value", "interval:ms: { }"),
    ("interval-bad-unit", "interval:fortnights:1 { }"),
    ("interval-not-number", "interval:ms:abc { }"),
    ("interval-zero", "interval:ms:0 { }"),
    ("interval-negative", "interval:ms:-5 { }"),
    ("interval-huge", "interval:ms:99999999999999999999999 { }"),
    ("interval-hex-garbage", "interval:s:0xzz { }"),
    ("interval-extra", "interval:s:1:2 { }"),
    ("profile-bad-unit", "profile:parsecs:1 { }"),
    ("profile-hz-zero", "profile:hz:0 { }"),
    ("profile-no-value", "profile:hz { }"),
    ("rawtracepoint-empty", "rawtracepoint: { }"),
    ("spec-then-comma-nothing", "BEGIN, { }"),
    ("spec-list-bad-second", "BEGIN, bogus:x { }"),
    ("spec-no-body", "BEGIN"),
    ("spec-no-body-two", "BEGIN END"),
    ("probe-keyword-no-spec", "probe { }"),
    ("number-as-spec", "123 { }"),
    ("string-as-spec", '"BEGIN" { }'),
]
for name, text in SPECS:
    add("spec", name, "bad probe spec", text + "\n")

# ---- wrong types ---------------------------------------------------------
TYPES = [
    ("map-int-then-string", 'BEGIN { @m = 1; @m = "text"; }'),
    ("map-string-then-int", 'BEGIN { @m = "text"; @m = 1; }'),
    ("map-key-int-then-string", 'BEGIN { @m[1] = 1; @m["x"] = 2; }'),
    ("map-key-arity", "BEGIN { @m[1] = 1; @m[1, 2] = 2; }"),
    ("map-keyed-then-scalar", "BEGIN { @m[1] = 1; @m = 2; }"),
    ("agg-then-assign", "BEGIN { @m = count(); @m = 1; }"),
    ("assign-then-agg", "BEGIN { @m = 1; @m = count(); }"),
    ("count-then-sum", "BEGIN { @m = count(); @m = sum(1); }"),
    ("hist-then-lhist", "BEGIN { @m = hist(1); @m = lhist(1, 0, 10, 1); }"),
    ("var-int-then-string", 'BEGIN { $x = 1; $x = "s"; }'),
    ("string-plus-int", 'BEGIN { @a = "a" + 1; }'),
    ("string-times-string", 'BEGIN { @a = "a" * "b"; }'),
    ("string-negate", 'BEGIN { @a = -"a"; }'),
    ("string-bitnot", 'BEGIN { @a = ~"a"; }'),
    ("string-compare-int", 'BEGIN { @a = "a" < 1; }'),
    ("string-condition", 'BEGIN { if ("s") { exit(); } }'),
    ("string-in-predicate", 'BEGIN /"s"/ { exit(); }'),
    ("printf-not-string", "BEGIN { printf(1); }"),
    ("printf-too-few", 'BEGIN { printf("%d %d\\n", 1); }'),
    ("printf-too-many", 'BEGIN { printf("%d\\n", 1, 2); }'),
    ("printf-d-of-string", 'BEGIN { printf("%d\\n", "s"); }'),
    ("printf-bad-conversion", 'BEGIN { printf("%q\\n", 1); }'),
    ("printf-lone-percent", 'BEGIN { printf("100%", 1); }'),
    ("printf-format-from-var", 'BEGIN { $f = "%d"; printf($f, 1); }'),
    ("hist-of-string", 'BEGIN { @h = hist("s"); }'),
    ("sum-of-string", 'BEGIN { @h = sum("s"); }'),
    ("lhist-arity", "BEGIN { @h = lhist(1, 2); }"),
    ("lhist-nonconst", "BEGIN { $a = 1; @h = lhist(1, $a, 10, 1); }"),
    ("lhist-zero-step", "BEGIN { @h = lhist(1, 0, 10, 0); }"),
    ("lhist-max-below-min", "BEGIN { @h = lhist(1, 10, 0, 1); }"),
    ("count-with-arg", "BEGIN { @h = count(1); }"),
    ("str-of-string-arity", 'BEGIN { @s = str("a", 1, 2); }'),
    ("str-len-string", 'BEGIN { @s = str("a", "b"); }'),
    ("exit-with-arg", 'BEGIN { exit("now"); }'),
    ("clear-not-map", "BEGIN { clear(1); }"),
    ("delete-not-map", "BEGIN { $x = 1; delete($x); }"),
    ("print-no-args", "BEGIN { print(); }"),
    ("agg-as-value", "BEGIN { $x = count(); }"),
    ("agg-in-expression", "BEGIN { @x = count() + 1; }"),
    ("compound-on-string", 'BEGIN { $s = "a"; $s += 1; }'),
    ("increment-string", 'BEGIN { $s = "a"; $s++; }'),
    ("cast-string", 'BEGIN { @a = (uint8)"s"; }'),
    ("assign-to-literal", "BEGIN { 1 = 2; }"),
    ("assign-to-call", "BEGIN { count() = 2; }"),
    ("increment-literal", "BEGIN { 5++; }"),
]
for name, text in TYPES:
    add("types", name, "type error", text + "\n")

# ---- unknown names -------------------------------------------------------
NAMES = [
    ("function", "BEGIN { nosuchfn(); }"),
    ("function-typo", "BEGIN { @c = cuont(); }"),
    ("function-printf-typo", 'BEGIN { prinft("x\\n"); }'),
    ("builtin", 'BEGIN { printf("%d\\n", nosuchbuiltin); }'),
    ("builtin-typo", "BEGIN { @p = ppid + pdi; }"),
    ("variable-unset", "BEGIN { @a = $never; }"),
    ("variable-positional", "BEGIN { @a = $0; }"),
    ("variable-other-probe", "BEGIN { $x = 1; } END { @a = $x; }"),
    ("map-print-unknown", "BEGIN { print(@nosuch); }"),
    ("map-clear-unknown", "BEGIN { clear(@nosuch); }"),
    ("map-delete-unknown", "BEGIN { delete(@nosuch[1]); }"),
    ("map-read-never-written", "BEGIN { @a = @never; }"),
    ("macro-unknown", "BEGIN { @a = nosuchmacro(1, 2); }"),
    ("macro-wrong-arity", "macro add($a, $b) { $a + $b } BEGIN { @a = add(1); }"),
    ("macro-recursive", "macro f($a) { f($a) } BEGIN { @a = f(1); }"),
    ("macro-mutual", "macro f($a) { g($a) } macro g($a) { f($a) } BEGIN { @a = f(1); }"),
    ("macro-param-twice", "macro f(a, a) { a } BEGIN { @a = f(1, 2); }"),
    # found by fuzz_codegen: sema accepted it, codegen crashed (map_key)
    ("map-keyed-read-unkeyed-same-stmt", "BEGIN { @m[1] = @m; }"),
    ("map-keyed-read-unkeyed-zero", "probe BEGIN < @m[1] =(@m); zero(@m); >"),
    ("struct-unknown", "BEGIN { @a = sizeof(struct nosuch_struct_xyz); }"),
    ("type-unknown", "BEGIN { @a = (uint7)1; }"),
    ("args-in-begin", "BEGIN { @a = args.foo; }"),
    ("retval-in-begin", "BEGIN { @a = retval; }"),
    ("arg0-in-interval", "interval:s:1 { @a = arg0; }"),
    ("tracepoint-field", 'tracepoint:syscalls:sys_enter_openat { printf("%s\\n", str(args.filenam)); }'),
    ("tracepoint-field-arrow", "tracepoint:syscalls:sys_enter_openat { @a = args->nosuchfield; }"),
    ("pkt-outside-packet", 'BEGIN { printf("%d\\n", pkt.len); }'),
    ("verdict-outside-packet", "BEGIN { drop; }"),
    ("field-of-int", "BEGIN { $a = 1; @b = $a.field; }"),
    ("arrow-of-int", "BEGIN { $a = 1; @b = $a->field; }"),
    ("config-unknown-key", "config = { nosuch_option = 1 } BEGIN { exit(); }"),
    ("unsafe-system", 'BEGIN { system("true"); }'),
    ("unsafe-signal", 'BEGIN { signal("KILL"); }'),
    ("unsafe-signal-number", 'BEGIN { signal(9); }'),
]
for name, text in NAMES:
    add("names", name, "unknown or unavailable name", text + "\n")

# ---- integer literals ----------------------------------------------------
INTS = [
    ("decimal-20-digits", "99999999999999999999"),
    ("decimal-2^64", "18446744073709551616"),
    ("decimal-100-digits", "9" * 100),
    ("decimal-5000-digits", "7" * 5000),
    ("hex-17-digits", "0x1ffffffffffffffff"),
    ("hex-no-digits", "0x"),
    ("hex-bad-digit", "0xfg"),
    ("octal-bad-digit", "09"),
    ("binary-unsupported", "0b102"),
    ("float", "1.5"),
    ("exponent-fraction", "1.5e3"),
    ("suffix-letters", "123abc"),
    ("trailing-underscore", "1_"),
    ("double-underscore", "1__000"),
    ("char-empty", "''"),
    ("char-two", "'ab'"),
    ("char-unterminated", "'a"),
    ("char-bad-escape", "'\\q'"),
    ("negative-overflow", "-99999999999999999999"),
    ("lhist-bounds-huge", "lhist(1, 0, 99999999999999999999, 1)"),
]
for name, lit in INTS:
    add("literal", name, "bad or out-of-range literal", f"BEGIN {{ @a = {lit}; }}\n")
add("literal", "string-unterminated", "unterminated string", 'BEGIN { printf("abc); }\n')
add("literal", "string-newline", "string across a newline", 'BEGIN { printf("ab\ncd"); }\n')
add("literal", "string-bad-escape", "unknown string escape", 'BEGIN { printf("\\q"); }\n')
add("literal", "string-hex-escape-empty", "\\x without digits", 'BEGIN { printf("\\x"); }\n')
add("literal", "string-trailing-backslash", "string ends in a backslash",
    'BEGIN { printf("abc\\')
add("literal", "string-too-long-for-map",
    "string literal longer than the string size",
    'BEGIN { @s = str("' + "x" * 5000 + '", 1, 2); }\n')
add("literal", "comment-unterminated", "unterminated block comment",
    "BEGIN { exit(); } /* never closed\n")

# ---- misplaced statements and assorted syntax errors --------------------
SYNTAX = [
    ("missing-expression", "BEGIN { @x = ; }"),
    ("missing-operand", "BEGIN { @x = 1 + ; }"),
    ("double-operator", "BEGIN { @x = 1 * / 2; }"),
    ("missing-semicolon-between", "BEGIN { @x = 1 @y = 2; }"),
    ("stray-semicolon-in-spec-list", "BEGIN; END { exit(); }"),
    ("stray-token-top", "BEGIN { exit(); } 42"),
    ("stray-word-top", "hello"),
    ("keyword-as-map-key", "BEGIN { @m[if] = 1; }"),
    ("else-without-if", "BEGIN { else { exit(); } }"),
    ("if-without-block", "BEGIN { if (1) exit(); }"),
    ("if-empty-condition", "BEGIN { if () { exit(); } }"),
    ("while-no-body", "BEGIN { while (1) }"),
    ("unroll-nonconst", "BEGIN { $n = 3; unroll ($n) { @a = 1; } }"),
    ("unroll-zero", "BEGIN { unroll (0) { @a = 1; } }"),
    ("unroll-huge", "BEGIN { unroll (100000) { @a = 1; } }"),
    ("break-outside-loop", "BEGIN { break; }"),
    ("continue-outside-loop", "BEGIN { continue; }"),
    ("ternary-missing-colon", "BEGIN { @a = 1 ? 2; }"),
    ("ternary-missing-else", "BEGIN { @a = 1 ? 2 : ; }"),
    ("call-missing-comma", 'BEGIN { printf("%d %d\\n" 1 2); }'),
    ("call-trailing-comma", 'BEGIN { printf("x\\n",); }'),
    ("map-empty-key", "BEGIN { @m[] = 1; }"),
    ("map-name-digit", "BEGIN { @1 = 1; }"),
    ("variable-no-name", "BEGIN { $ = 1; }"),
    ("dollar-space", "BEGIN { $ x = 1; }"),
    ("assign-chain-bad", "BEGIN { @a = @b = ; }"),
    ("compound-no-rhs", "BEGIN { $a = 1; $a += ; }"),
    ("backtick", "BEGIN { `ls`; }"),
    ("stray-at-sign", "BEGIN { @a = 1 @; }"),
    ("stray-backslash", "BEGIN { \\ }"),
    ("stray-dollar-top", "$x"),
    ("macro-no-body", "macro m($a) BEGIN { exit(); }"),
    ("macro-bad-params", "macro m(1) { 1 } BEGIN { exit(); }"),
    ("config-garbage", "config = { = } BEGIN { exit(); }"),
    ("two-predicates", "BEGIN /1/ /2/ { exit(); }"),
    ("predicate-after-body", "BEGIN { exit(); } /1/"),
    ("sizeof-nothing", "BEGIN { @a = sizeof(); }"),
    ("cast-nothing", "BEGIN { @a = (uint8); }"),
    ("arrow-nothing", "BEGIN { @a = curtask->; }"),
    ("dot-nothing", "BEGIN { @a = curtask.; }"),
    ("return-top", "return;"),
    ("many-errors", "\n".join(f"BEGIN {{ @x{i} = ; }}" for i in range(50))),
    ("crlf-error-line-2", "BEGIN {\r\n  @x = ;\r\n}\r\n"),
    ("tab-before-error", "BEGIN {\n\t\t\t@x = ;\n}\n"),
    ("formfeed-vtab", "BEGIN {\f\v @x = ; }"),
]
for name, text in SYNTAX:
    add("syntax", name, "syntax error", text + "\n")

# ---- deep nesting (10000 levels) -----------------------------------------
D = 10000
add("deep", "parens-10000", "10000 nested parentheses",
    "BEGIN { @a = " + "(" * D + "1" + ")" * D + "; }\n")
add("deep", "parens-10000-unclosed", "10000 open parentheses, never closed",
    "BEGIN { @a = " + "(" * D + "1; }\n")
add("deep", "braces-10000", "10000 nested { } blocks",
    "BEGIN " + "{ " * D + "exit();" + " }" * D + "\n")
add("deep", "braces-10000-unclosed", "10000 open braces",
    "BEGIN " + "{ " * D + "exit();\n")
add("deep", "if-10000", "10000 nested if statements",
    "BEGIN { " + "if (1) { " * D + "@a = 1;" + " }" * D + " }\n")
add("deep", "if-angle-10000", "10000 nested if < > blocks",
    "probe BEGIN < " + "if (1) < " * D + "@a = 1;" + " >" * D + " >\n")
add("deep", "unary-minus-10000", "10000 unary minus signs",
    "BEGIN { @a = " + "- " * D + "1; }\n")
add("deep", "not-10000", "10000 logical nots", "BEGIN { @a = " + "!" * D + "1; }\n")
add("deep", "bitnot-10000", "10000 bitwise nots", "BEGIN { @a = " + "~" * D + "1; }\n")
add("deep", "ternary-10000", "10000 nested ternaries",
    "BEGIN { @a = " + "1 ? " * D + "1" + " : 0" * D + "; }\n")
add("deep", "sum-chain-10000", "a + b + ... with 10000 terms (deep left spine)",
    "BEGIN { @a = " + " + ".join(["1"] * D) + "; }\n")
add("deep", "assign-chain-10000", "10000 chained assignments",
    "BEGIN { " + "@a = " * D + "1; }\n")
add("deep", "map-key-10000", "map key nested 10000 times",
    "BEGIN { @a = " + "@m[" * D + "1" + "]" * D + "; }\n")
add("deep", "call-10000", "str(str(... 10000 levels",
    "BEGIN { @a = " + "str(" * D + '"x"' + ")" * D + "; }\n")
add("deep", "while-10000", "10000 nested while loops",
    "BEGIN { " + "while (1) { " * D + "break;" + " }" * D + " }\n")
add("deep", "angle-10000-unclosed", "10000 open < blocks",
    "probe BEGIN < " + "if (1) < " * D + "\n")

# ---- very long lines -----------------------------------------------------
add("long", "identifier-100k", "a 100 000-character function name",
    "BEGIN { " + "f" * 100000 + "(); }\n")
add("long", "map-name-100k", "a 100 000-character map name, then an error",
    "BEGIN { @" + "m" * 100000 + " = ; }\n")
add("long", "variable-name-100k", "a 100 000-character variable name, unset",
    "BEGIN { @a = $" + "v" * 100000 + "; }\n")
add("long", "spaces-then-error-100k", "100 000 spaces before the error on one line",
    "BEGIN {" + " " * 100000 + "@x = ; }\n")
add("long", "string-100k-unterminated", "a 100 000-byte unterminated string",
    'BEGIN { printf("' + "s" * 100000 + "\n")
add("long", "spec-100k", "a 100 000-character tracepoint spec",
    "tracepoint:" + "x" * 50000 + ":" + "y" * 50000 + " { }\n")
add("long", "statements-one-line", "20 000 statements on one line, then an error",
    "BEGIN { " + "@a = 1; " * 20000 + "@x = ; }\n")
add("long", "error-at-column-500k", "an unknown function at column ~500 000",
    "BEGIN { " + "$a = 1; " * 62500 + "nosuchfn(); }\n")

# ---- NUL bytes ------------------------------------------------------------
add("nul", "only-nul", "a single NUL byte", b"\0")
add("nul", "nul-before-program", "NUL before a valid program", b"\0BEGIN { exit(); }\n")
add("nul", "nul-in-spec", "NUL inside the probe spec", b"BEG\0IN { exit(); }\n")
add("nul", "nul-in-block", "NUL between statements", b"BEGIN { @a = 1;\0 exit(); }\n")
add("nul", "nul-in-string", "NUL inside a string literal", b'BEGIN { printf("a\0b\\n"); exit(); }\n')
add("nul", "nul-in-comment", "NUL in a comment, then an error",
    b"// comment \0 here\nBEGIN { @x = ; }\n")
add("nul", "nul-in-identifier", "NUL inside a function name", b"BEGIN { ex\0it(); }\n")
add("nul", "nul-after-program", "a valid program followed by NUL", b"BEGIN { exit(); }\n\0")
add("nul", "nul-1000", "1000 NUL bytes", b"\0" * 1000)
add("nul", "nul-line-2", "NUL on line 2 column 3", b"BEGIN {\n  \0@a = 1;\n}\n")

# ---- invalid UTF-8 ---------------------------------------------------------
UTF8 = [
    ("lone-continuation", b"\x80"),
    ("overlong-slash", b"\xc0\xaf"),
    ("truncated-2", b"\xc3"),
    ("truncated-3", b"\xe2\x82"),
    ("truncated-4", b"\xf0\x9f\x98"),
    ("surrogate", b"\xed\xa0\x80"),
    ("too-large", b"\xf4\x90\x80\x80"),
    ("ff-fe", b"\xff\xfe"),
    ("bom", b"\xef\xbb\xbf"),
    ("valid-nonascii-ident", "ünknown".encode()),
]
for name, seq in UTF8:
    add("utf8", f"{name}-top", "non-ASCII or invalid UTF-8 at the top level",
        seq + b" BEGIN { exit(); }\n")
    add("utf8", f"{name}-expr", "non-ASCII or invalid UTF-8 in an expression",
        b"BEGIN { @a = 1 " + seq + b" 2; }\n")
add("utf8", "invalid-in-string-plus-error", "invalid UTF-8 in a string, error after it",
    b'BEGIN { printf("\xff\xfe\xc0\n"); @x = ; }\n')
add("utf8", "multibyte-before-error", "valid multi-byte text in a comment on the error line",
    "BEGIN { /* héllo wörld ☃ */ @x = ; }\n".encode())
add("utf8", "latin1-file", "a Latin-1 encoded identifier", b"BEGIN { @caf\xe9 = 1; }\n")

# ---- 1 MB scripts --------------------------------------------------------
MB = 1 << 20
ok_probe = "BEGIN { @a = 1; }\n"
add("big", "1mb-then-error", "1 MB of valid probes, then a syntax error on the last line",
    ok_probe * ((MB - 40) // len(ok_probe)) + "BEGIN { @x = ; }\n")
add("big", "1mb-garbage", "1 MB of printable garbage (deterministic)",
    bytes((i * 7919 + 13) % 94 + 33 for i in range(MB)))
# The rest are a quarter of that, to keep the committed corpus small.
Q = MB // 4
add("big", "256k-errors", "256 KB of lines that are each a syntax error",
    "BEGIN { @x = ; }\n" * (Q // 17))
add("big", "256k-one-line", "256 KB on one line inside a block, with an error at the end",
    "BEGIN { " + "@a = 1; " * ((Q - 40) // 8) + "@x = ; }\n")
add("big", "256k-comment-unterminated", "a 256 KB block comment that never ends",
    "BEGIN { exit(); }\n/*" + "c" * Q + "\n")

# ---- empty and comment-only files ----------------------------------------
EMPTY = [
    ("empty", ""),
    ("newline", "\n"),
    ("whitespace", "  \t\n\n   \n"),
    ("line-comment", "// nothing here\n"),
    ("block-comment", "/* nothing\n   here */\n"),
    ("hash-comment", "# nothing here\n"),
    ("comments-mixed", "// a\n/* b */\n# c\n   // d\n"),
    ("comment-no-newline", "// no newline at the end"),
    ("only-semicolons", ";;;\n"),
    ("only-macro", "macro m(a) { a }\n"),
    ("only-config", "config = { max_strlen = 32 }\n"),
]
for name, text in EMPTY:
    add("empty", name, "no probes at all", text)

# ---- bad input that used to get through (issue 12) ------------------------
# Appended last so the numbers of the cases above stay as they were.
def macro_chain(levels):
    """Each macro calls the next twice: 2^levels copies of m0 if expanded."""
    text = "macro m0($x) { $x + 1 }\n"
    for i in range(1, levels + 1):
        text += f"macro m{i}($x) {{ m{i - 1}($x) + m{i - 1}($x) }}\n"
    return text + f"BEGIN {{ @a = m{levels}(1); exit(); }}\n"


add("issue12", "macro-chain-22", "macro chain doubling 22 times (was 3 GB, 10 s): over the budget",
    macro_chain(22))
add("issue12", "macro-chain-40", "macro chain doubling 40 times (was out of memory): too deep, once",
    macro_chain(40))
ISSUE12 = [
    ("lhist-int64-range", "BEGIN { @l = lhist(1, -9223372036854775808, 9223372036854775807, 1); }"),
    ("lhist-max-over-int64", "BEGIN { @l = lhist(1, 0, 18446744073709551615, 1); }"),
    ("lhist-min-under-int64", "BEGIN { @l = lhist(1, -9223372036854775809, 0, 1); }"),
    ("unroll-int64-min", "BEGIN { unroll(-9223372036854775808) { @x = 1; } }"),
    ("unroll-over-int64", "BEGIN { unroll(18446744073709551615) { @x = 1; } }"),
    ("buf-negative-length", "BEGIN { @b = buf(0, -1); }"),
    ("buf-huge-length", "BEGIN { @b = buf(0, 18446744073709551615); }"),
    ("str-over-int64-length", "BEGIN { @s = str(0, 18446744073709551615); }"),
    ("ntop-unknown-family", "BEGIN { @a = ntop(99, 1); }"),
    ("ntop-inet6-integer", "BEGIN { @a = ntop(AF_INET6, 1); }"),
    ("config-key-twice", "config = { max_strlen = 32; max_strlen = 64 } BEGIN { exit(); }"),
    ("config-after-probe", "BEGIN { exit(); } config = { max_strlen = 32 }"),
    ("interval-period-bit-63", "interval:s:9223372037 { exit(); }"),
    ("software-period-bit-63", "software:cpu-clock:9223372036854775808 { exit(); }"),
    ("profile-hz-huge", "profile:hz:18446744073709551615 { exit(); }"),
]
for name, text in ISSUE12:
    add("issue12", name, "bad input that used to get through", text + "\n")
add("issue12", "cr-only-error-line-3", "CR-only line ends, error on line 3",
    "BEGIN {\r  @x = 1;\r  @y = ;\r}\r")
add("issue12", "cr-only-comment-then-error", "CR-only: a // comment ends at the CR",
    "// comment\rBEGIN { @x = ; }\r")
add("issue12", "cr-mixed-line-ends", "LF, CRLF and lone CR mixed, error on line 4",
    "BEGIN {\n  @x = 1;\r\n  @y = 2;\r  @z = ;\n}\n")


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    names = set()
    index = []
    for i, (cat, name, desc, data) in enumerate(cases, 1):
        fname = f"{i:03d}-{cat}-{name}.sd"
        assert fname not in names, fname
        names.add(fname)
        (OUT / fname).write_bytes(data)
        index.append(f"{fname}\t{desc}\n")
    (OUT / "INDEX").write_text("".join(index))
    print(f"{len(cases)} cases in {OUT.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
