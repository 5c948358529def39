#!/usr/bin/env python3
"""check_layers.py - probe-type names stay in their providers (issue #14).

What a probe type is and does lives in its provider under src/probes/
(provider.h). This check fails when code elsewhere decides something by a
probe type's name:

  - in src/ outside src/probes/, a string literal that is a provider's name
    or alias ("xdp", "kprobe", "k", ...), or such a name followed by ':'
    ("uprobe:"), compared: an argument of strcmp, strncmp, strcasecmp,
    strncasecmp or memcmp, or an operand of == or !=;
  - in src/ outside src/probes/, an initializer list ("= { ... }") holding
    a provider's name or an alias of two letters or more: a table of probe
    types kept outside the providers (single letters are left out there,
    since "s" or "p" in a table is most often a unit or a format);
  - in grammar/ (lexer and parser), a string literal that is a provider's
    name or alias: the lexer asks the provider table (provider_spec_form).

The names are read from the providers themselves (`.name = "..."` and the
`*_aliases[]` arrays in src/probes/*.c), so a new provider is covered
without touching this file. Comments are ignored; literals elsewhere
(messages, examples) are not comparisons and pass.

  check_layers.py [--root DIR]   check the tree at DIR (default: the tree
                                 this file is in); exit 1 listing each place
  check_layers.py --self-test    check the checker on snippets that must
                                 and must not be reported
"""
import argparse
import os
import re
import sys

COMPARE_CALL = re.compile(r"\b(?:strn?cmp|strn?casecmp|memcmp)\s*\(")
STRING = re.compile(r'"((?:[^"\\\n]|\\.)*)"')
EQUALITY = re.compile(r'"((?:[^"\\\n]|\\.)*)"\s*[!=]=|[!=]=\s*"((?:[^"\\\n]|\\.)*)"')
INITIALIZER = re.compile(r"=\s*\{")
OPTION_TABLE = re.compile(r"\bstruct\s+option\s+\w+\s*\[\s*\]\s*$")


def blank_comments(text):
    """The text with comments replaced by spaces (newlines kept, so line
    numbers stay), string and character literals untouched."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def balanced(text, open_at, opener, closer):
    """The end (exclusive) of the group opened at text[open_at]."""
    depth = 0
    i = open_at
    while i < len(text):
        c = text[i]
        if c == '"':
            m = STRING.match(text, i)
            if m:
                i = m.end()
                continue
        if c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def provider_names(root):
    """Names and aliases of every provider, from src/probes/*.c."""
    names, aliases = set(), set()
    probes = os.path.join(root, "src", "probes")
    for f in sorted(os.listdir(probes)):
        if not f.endswith(".c"):
            continue
        text = blank_comments(open(os.path.join(probes, f)).read())
        names.update(re.findall(r'\.name\s*=\s*"([^"]+)"', text))
        for body in re.findall(r"_aliases\[\]\s*=\s*\{([^}]*)\}", text):
            aliases.update(STRING.findall(body))
    return names, aliases


def probe_type(literal, every):
    """The probe type `literal` names ("kprobe" or "kprobe:..."), or None."""
    if literal in every:
        return literal
    head = literal.split(":", 1)[0]
    if ":" in literal and head in every:
        return head
    return None


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def check_source(path, text, names, aliases):
    """Reports for one file of src/ outside src/probes/."""
    every = names | aliases
    tabled = names | {a for a in aliases if len(a) >= 2}
    code = blank_comments(text)
    found = []
    for m in COMPARE_CALL.finditer(code):
        paren = code.index("(", m.start())
        args = code[paren:balanced(code, paren, "(", ")")]
        for lit in STRING.finditer(args):
            t = probe_type(lit.group(1), every)
            if t:
                found.append((line_of(code, paren + lit.start()),
                              f'"{lit.group(1)}" (probe type {t}) compared in {m.group(0).rstrip("( ")}()'))
    for m in EQUALITY.finditer(code):
        lit = m.group(1) if m.group(1) is not None else m.group(2)
        t = probe_type(lit, every)
        if t:
            found.append((line_of(code, m.start()), f'"{lit}" (probe type {t}) compared with == or !='))
    for m in INITIALIZER.finditer(code):
        # getopt_long's table: its strings are command-line words
        # (--test, --bench), not probe types
        if OPTION_TABLE.search(code[code.rfind(";", 0, m.start()) + 1:m.start()]):
            continue
        brace = code.index("{", m.start())
        body = code[brace:balanced(code, brace, "{", "}")]
        for lit in STRING.finditer(body):
            if probe_type(lit.group(1), tabled):
                found.append((line_of(code, brace + lit.start()),
                              f'"{lit.group(1)}" (a probe type) in a table outside src/probes/'))
    return [(path, line, why) for line, why in found]


def check_grammar(path, text, names, aliases):
    every = names | aliases
    code = blank_comments(text)
    return [(path, line_of(code, m.start()), f'"{m.group(1)}" (a probe type) in the grammar')
            for m in STRING.finditer(code) if m.group(1) in every]


def check_tree(root):
    names, aliases = provider_names(root)
    if not names:
        return [(os.path.join(root, "src", "probes"), 0, "no providers found")]
    found = []
    src = os.path.join(root, "src")
    for dirpath, _, files in os.walk(src):
        rel = os.path.relpath(dirpath, src)
        if rel == "probes" or rel.startswith("probes" + os.sep):
            continue
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                p = os.path.join(dirpath, f)
                found += check_source(os.path.relpath(p, root), open(p).read(), names, aliases)
    grammar = os.path.join(root, "grammar")
    for f in sorted(os.listdir(grammar)):
        if f.endswith((".l", ".y")):
            p = os.path.join(grammar, f)
            found += check_grammar(os.path.relpath(p, root), open(p).read(), names, aliases)
    return sorted(found)


def self_test():
    names, aliases = {"kprobe", "xdp", "tc", "BEGIN"}, {"k", "kr"}
    reported = [
        'if (!strcmp(p->name, "xdp")) x();',
        'if (strncmp(spec, "kprobe:", 7) == 0) x();',
        'x = strcmp(\n\ttype,\n\t"k");',
        'if (name == "tc") x();',
        'static const char *const t[] = {"a", "kprobe", NULL};',
        'static const struct { const char *a, *b; } al[] = {{"kr", "kprobe"}};',
        'static const char *const with_args[] = {"kprobe:", "kr:"};',
        'int x; static const struct option_like t[] = {"kprobe"};',
    ]
    passed = [
        '/* strcmp(p->name, "xdp") in a comment */',
        'fprintf(stderr, "only in xdp and tc probes");',
        'if (!strcmp(kind, LEFTOVER_KIND_TC)) x();',
        'static const char *const units[] = {"s", "k", "k:", NULL};',
        'if (!strcmp(unit, "ms")) x();',
        'if (!strcmp(name, "xdpx")) x();',
        'static const struct option longopts[] = {{"xdp", no_argument, NULL, 1}, {NULL, 0, NULL, 0}};',
    ]
    bad = 0
    for snippet in reported:
        if not check_source("t.c", snippet, names, aliases):
            print(f"self-test: not reported: {snippet}")
            bad += 1
    for snippet in passed:
        r = check_source("t.c", snippet, names, aliases)
        if r:
            print(f"self-test: reported but fine: {snippet}: {r[0][2]}")
            bad += 1
    if not check_grammar("t.l", '<TOP>("kprobe"|"k"):.*\t{ }', names, aliases):
        print("self-test: a probe type in the lexer not reported")
        bad += 1
    if check_grammar("t.l", '/* "kprobe" */ "probe" TOKEN(PROBE);', names, aliases):
        print("self-test: a comment or keyword in the lexer reported")
        bad += 1
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        bad = self_test()
        print("self-test:", "failed" if bad else "ok")
        return 1 if bad else 0
    found = check_tree(args.root)
    for path, line, why in found:
        print(f"{path}:{line}: {why}")
    if found:
        print(f"{len(found)} place(s) decide by a probe type's name outside src/probes/; "
              "make it provider data (src/probes/provider.h)")
        return 1
    print("no probe-type name is compared outside src/probes/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
