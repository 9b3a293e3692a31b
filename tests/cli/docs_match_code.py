#!/usr/bin/python3
"""Docs that match the code: every `adpilot ...` command line in README.md and
docs/**/*.md must name real commands and flags, checked against the command
tree the binary prints (`adpilot completion bash`, written from the option
declarations), and every repository path they mention must exist.

  docs_match_code.py ADPILOT SOURCE_DIR

Commands are taken from fenced code blocks (lines starting with `adpilot` or
`$ adpilot`, `\\` continuations joined) and from inline code spans; prose is
not read. Placeholders (<FILE>, ..., {run}) stay as values; a line is cut at
the first shell operator (|, >, ;, &&) and at a `#` comment.
"""
import glob
import os
import re
import shlex
import subprocess
import sys

PATH_RE = re.compile(r"(?<![\w./-])((?:src|include|docs|examples|scripts|tests|bench|cmake|web|\.ci)/[\w./+*<>{}-]*[\w/*])")
SKIP_PATH = ("*", "<", "{", "NAME", "XX")


def commands(text):
    out = []
    lines = text.split("\n")
    fenced = False
    i = 0
    while i < len(lines):
        line, n = lines[i], i + 1
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif fenced:
            s = line.strip()
            if s.startswith("$ "):
                s = s[2:]
            if s.startswith("adpilot ") or s == "adpilot":
                while s.endswith("\\") and i + 1 < len(lines):
                    i += 1
                    s = s[:-1] + " " + lines[i].strip()
                out.append((n, s))
        else:
            for m in re.finditer(r"`(adpilot(?: [^`]*)?)`", line):
                out.append((n, m.group(1)))
        i += 1
    return out


def words(cmd):
    cmd = re.sub(r"\s#.*$", "", cmd)
    cmd = re.split(r"\s(?:\||>|2>|&&|;|<)\s?|\s2>&1", cmd)[0]
    cmd = cmd.replace("[", " ").replace("]", " ")
    try:
        w = shlex.split(cmd)
    except ValueError:
        w = cmd.split()
    # `--model last|first|...` lists choices: keep one value.
    return [x.split("|")[0] if "|" in x and not x.startswith("-") else x for x in w]


def command_tree(exe):
    """{path: (subcommands, flags, value_flags)} from `adpilot completion bash`."""
    script = subprocess.run([exe, "completion", "bash"], capture_output=True, text=True, check=True).stdout
    tree = {}
    for i, fn in enumerate(("_adpilot_subcommands", "_adpilot_flags", "_adpilot_value_flags")):
        body = script.split(fn + "() {", 1)[1].split("\n}", 1)[0]
        for path, words_ in re.findall(r'^\s*"([^"]*)"\) echo "([^"]*)" ;;$', body, re.M):
            tree.setdefault(path, [set(), set(), set()])[i] = set(words_.split())
    return tree


def check(tree, w):
    """"" when the words name a command and flags it has, else what is wrong."""
    path, done, i = "", False, 0
    def prefixes(p):
        out = [p]
        while p:
            p = p.rsplit(" ", 1)[0] if " " in p else ""
            out.append(p)
        return out
    while i < len(w):
        x = w[i]
        if x.startswith("-") and x != "-" and not re.match(r"-[\d.]", x):
            flag = x.split("=", 1)[0]
            i += 1
            if flag in ("--help", "-h", "--version") or not flag.startswith("--"):
                continue
            nodes = [tree.get(p, [set(), set(), set()]) for p in prefixes(path)]
            if not any(flag in n[1] for n in nodes):
                return f"'{path or 'adpilot'}' has no option {flag}"
            if "=" not in x and any(flag in n[2] for n in nodes):
                i += 1
            continue
        i += 1
        if done:
            continue
        subs, flags, _ = tree.get(path, [set(), set(), set()])
        nxt = (path + " " + x).strip()
        if x in subs:
            path = nxt
        elif path == "" or flags <= {"--help"}:
            return f"'{path or 'adpilot'}' has no command {x}"
        else:
            done = True
    subs, flags, _ = tree.get(path, [set(), set(), set()])
    return ""


def main():
    exe, root = sys.argv[1], sys.argv[2]
    tree = command_tree(exe)
    files = ["README.md"] + sorted(glob.glob("docs/**/*.md", root_dir=root, recursive=True))
    bad, checked, paths = [], 0, 0
    for f in files:
        text = open(os.path.join(root, f)).read()
        for n, cmd in commands(text):
            w = words(cmd)[1:]
            stop = [k for k, x in enumerate(w) if x in ("...", "<command>")]
            w = w[: stop[0]] if stop else w
            checked += 1
            why = check(tree, w)
            if why:
                bad.append(f"{f}:{n}: `{cmd}`: {why}")
        for n, line in enumerate(text.split("\n"), 1):
            for m in PATH_RE.finditer(line):
                path = m.group(1).rstrip(".")
                last = path.rstrip("/").rsplit("/", 1)[-1]
                # A file (has an extension) or a folder (ends in /); "rows/s" is neither.
                if any(s in path for s in SKIP_PATH) or not (path.endswith("/") or "." in last):
                    continue
                paths += 1
                if not os.path.exists(os.path.join(root, path)):
                    bad.append(f"{f}:{n}: path {path} does not exist")
    for b in bad:
        print(b)
    print(f"{checked} commands and {paths} paths checked in {len(files)} files, {len(bad)} wrong")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
