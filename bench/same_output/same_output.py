#!/usr/bin/python3
"""Shows that a change left adpilot's outputs on the demo world as they were.

  same_output.py run ADPILOT CONFIG OUT [--text ARGS_CONFIG] [--one-thread]
      runs `ADPILOT run CONFIG --out OUT/run` and writes OUT/normalized/: each
      step's JSON with timings removed and the run folder's path replaced, and
      every text file the steps wrote. With --text, also each step of
      ARGS_CONFIG (a config whose steps are `args` command lines) run again
      without --json, its stdout kept (timings masked). --one-thread runs
      every step with one thread: Hogwild training with several threads is
      not reproducible from run to run (the same binary gives another AUC),
      so only a one-thread run can show two binaries agree.
  same_output.py diff OUT_A OUT_B
      compares two such folders file by file; exit 1 and a unified diff on
      any difference.

Binary files (model files, caches, encoders) are left out: their framing is
allowed to change (a format version); what they hold shows in the outputs of
the steps that read them. Run with Debian's /usr/bin/python3 (tomllib).
"""
import difflib
import json
import os
import re
import subprocess
import sys
import tomllib

TIMING_KEY = re.compile(r"seconds|elapsed|per_sec|_per_s$|throughput|wall|_ms$")
TIMING_TEXT = re.compile(r"\b\d+(\.\d+)?(\s?)(s|ms|sec)\b")
# Text printers' timing rows: "seconds      33.20", "rows/s       7773".
TIMING_ROW = re.compile(r"^(\s*(?:seconds|[\w ]*/s)\s+)\S+", re.M)
TEXT_EXT = (".csv", ".tsv", ".json", ".jsonl", ".txt", ".toml")


def strip_timings(v, run_dir):
    if isinstance(v, dict):
        return {k: strip_timings(x, run_dir) for k, x in v.items() if not TIMING_KEY.search(k)}
    if isinstance(v, list):
        return [strip_timings(x, run_dir) for x in v]
    if isinstance(v, str):
        return v.replace(run_dir, "<run>")
    return v


def expand(s, vars_, run_steps):
    def runtime(m):
        kind, rest = m.group(1), m.group(2)
        src, path = rest.rsplit(":", 1)
        doc = json.load(open(src if kind == "json" else os.path.join(run_steps, src + ".json")))
        for part in path.split("."):
            doc = doc[part]
        return doc if isinstance(doc, str) else json.dumps(doc)
    for _ in range(3):
        s = re.sub(r"\{(\w+)\}", lambda m: vars_.get(m.group(1), m.group(0)), s)
    return re.sub(r"\{@(json|step):([^}]*)\}", runtime, s)


def mask_text(text):
    return TIMING_ROW.sub(r"\1<t>", TIMING_TEXT.sub(r"<t>\2\3", text))


def one_thread(config):
    """A copy of `config` beside it (so {config_dir} still resolves) whose steps use one thread."""
    text = open(config).read()
    text = re.sub(r"(?m)^threads\s*=\s*\d+", "threads = 1", text)
    text = re.sub(r'"--threads",\s*"\d+"', '"--threads", "1"', text)
    copy = config + ".one-thread.toml"
    with open(copy, "w") as f:
        f.write(text)
    return copy


def run(adpilot, config, out, text_config=None, single=False):
    if single:
        config = one_thread(config)
        text_config = one_thread(text_config) if text_config else None
    try:
        run_steps(adpilot, config, out, text_config)
    finally:
        if single:
            for copy in {config, text_config} - {None}:
                os.remove(copy)


def run_steps(adpilot, config, out, text_config):
    run_dir = os.path.abspath(os.path.join(out, "run"))
    norm = os.path.join(out, "normalized")
    os.makedirs(norm, exist_ok=True)
    subprocess.run([adpilot, "--quiet", "run", config, "--out", run_dir, "--force", "--no-report"], check=True,
                   stdout=subprocess.DEVNULL)
    for name in sorted(os.listdir(os.path.join(run_dir, "steps"))):
        if name.endswith(".json"):
            text = open(os.path.join(run_dir, "steps", name)).read()
            doc = strip_timings(json.loads(text), run_dir) if text.strip() else None
            with open(os.path.join(norm, "step." + name), "w") as f:
                json.dump(doc, f, indent=1, sort_keys=True)
    for root, _, files in os.walk(run_dir):
        for name in sorted(files):
            path = os.path.join(root, name)
            rel = os.path.relpath(path, run_dir)
            if rel.startswith("steps" + os.sep) or rel in ("summary.json", "report.html"):
                continue
            if name.endswith(TEXT_EXT):
                with open(os.path.join(norm, "file." + rel.replace(os.sep, "__")), "w") as f:
                    f.write(open(path, errors="replace").read().replace(run_dir, "<run>"))
    if not text_config:
        return
    cfg = tomllib.load(open(text_config, "rb"))
    vars_ = {"run": run_dir, "config_dir": os.path.dirname(os.path.abspath(text_config)), "shared": ""}
    for k, v in cfg.get("vars", {}).items():
        vars_[k] = expand(v if isinstance(v, str) else json.dumps(v), vars_, "")
    for step in cfg["step"]:
        args = [expand(a, vars_, os.path.join(run_dir, "steps")) for a in step["args"]]
        p = subprocess.run([adpilot, "--quiet"] + args, capture_output=True, text=True)
        text = mask_text(p.stdout.replace(run_dir, "<run>"))
        with open(os.path.join(norm, "text." + step["name"] + ".txt"), "w") as f:
            f.write(f"exit {p.returncode}\n{text}")


def diff(a, b):
    na, nb = os.path.join(a, "normalized"), os.path.join(b, "normalized")
    fa, fb = set(os.listdir(na)), set(os.listdir(nb))
    bad = 0
    for name in sorted(fa ^ fb):
        print(f"only in {'A' if name in fa else 'B'}: {name}")
        bad += 1
    for name in sorted(fa & fb):
        ta, tb = open(os.path.join(na, name)).read(), open(os.path.join(nb, name)).read()
        if name.startswith("text."):  # folders written before a mask was added
            ta, tb = mask_text(ta), mask_text(tb)
        if ta != tb:
            bad += 1
            sys.stdout.writelines(difflib.unified_diff(ta.splitlines(True), tb.splitlines(True), "A/" + name,
                                                       "B/" + name, n=2))
    print(f"{len(fa & fb)} outputs compared, {bad} differ")
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "run":
        rest = sys.argv[5:]
        single = "--one-thread" in rest
        rest = [a for a in rest if a != "--one-thread"]
        text = rest[1] if len(rest) > 1 and rest[0] == "--text" else None
        run(sys.argv[2], sys.argv[3], sys.argv[4], text, single)
    elif len(sys.argv) == 4 and sys.argv[1] == "diff":
        sys.exit(diff(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
