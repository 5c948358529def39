#!/usr/bin/env python3
"""check_docs.py - the reference and the man page name everything a user can
write (issue #16: "docs/reference.md and the man page list the options,
builtins, functions and probes").

What is checked is read from the code, so a new builtin, provider or
option is covered without touching this file:

  - builtins: the SPELLING column of src/builtins/builtins.def. For the
    numbered families (arg0 .. arg9, sarg0 .. sarg9) the first and the last
    of each must be named;
  - probe types: `.name = "..."` of the providers in src/probes/*.c;
  - long options: the `struct option` table of src/main.c.

docs/reference.md must name each in backquotes (`count`, `kprobe:...`,
`--dry-run`); docs/sonde.1 must name each as a word once its roff escapes
are undone (\\- is -, \\fB and \\fR go). The bash completion
(completions/sonde.bash) must offer exactly the probe types.

  check_docs.py [--root DIR]   exit 1 listing what a document leaves out
"""
import argparse
import os
import re
import sys


def read(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as f:
        return f.read()


def builtins(root):
    text = read(root, "src/builtins/builtins.def")
    names = set(re.findall(r'^BUILTIN\(\s*\w+\s*,\s*\w+\s*,\s*"([A-Za-z_0-9]+)"', text, re.M))
    wanted = set()
    for n in names:
        m = re.fullmatch(r"(s?arg)\d", n)
        if m:
            wanted.add(m.group(1) + "0")
            wanted.add(m.group(1) + "9")
        else:
            wanted.add(n)
    return sorted(wanted)


def providers(root):
    names = set()
    pdir = os.path.join(root, "src/probes")
    for fn in sorted(os.listdir(pdir)):
        if fn.endswith(".c"):
            names.update(re.findall(r'^\s*\.name\s*=\s*"([A-Za-z_0-9]+)"', read(root, "src/probes/" + fn), re.M))
    return sorted(names)


def long_options(root):
    text = read(root, "src/main.c")
    m = re.search(r"struct option\s+\w+\[\]\s*=\s*\{(.*?)\n\s*\};", text, re.S)
    if not m:
        sys.exit("check_docs.py: no struct option table in src/main.c")
    return sorted(set(re.findall(r'\{\s*"([a-z][a-z0-9-]*)"', m.group(1))))


def man_words(text):
    text = re.sub(r"\\f[BIRP]|\\f\(\w\w|\\&", "", text)
    text = text.replace("\\-", "-").replace("\\(dq", '"')
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    args = ap.parse_args()
    ref = read(args.root, "docs/reference.md")
    man = man_words(read(args.root, "docs/sonde.1"))
    missing = []
    for kind, names, in_ref, in_man in (
        ("builtin", builtins(args.root),
         lambda n: re.search(r"`" + re.escape(n) + r"\b", ref),
         lambda n: re.search(r"(?<![\w-])" + re.escape(n) + r"\b", man)),
        ("probe type", providers(args.root),
         lambda n: re.search(r"`" + re.escape(n) + r"(\b|:|`)", ref),
         lambda n: re.search(r"(?<![\w-])" + re.escape(n) + r"\b", man)),
        ("option", long_options(args.root),
         lambda n: re.search(r"`--" + re.escape(n) + r"\b", ref),
         lambda n: re.search(r"--" + re.escape(n) + r"\b", man)),
    ):
        for n in names:
            if not in_ref(n):
                missing.append("docs/reference.md does not name the %s %s" % (kind, n))
            if not in_man(n):
                missing.append("docs/sonde.1 does not name the %s %s" % (kind, n))
    completion = read(args.root, "completions/sonde.bash")
    m = re.search(r"^_sonde_probe_types='([^']*)'", completion, re.M)
    offered = sorted(m.group(1).split()) if m else []
    if offered != providers(args.root):
        missing.append("completions/sonde.bash offers the probe types %s, the providers are %s"
                       % (" ".join(offered), " ".join(providers(args.root))))
    for line in missing:
        print(line)
    if missing:
        return 1
    print("check_docs.py: every builtin, probe type and long option is in both documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
