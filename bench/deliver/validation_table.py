#!/usr/bin/env python3
"""Summary of bench/deliver/tuning_halves.sh: clicks summed over the five c0
per campaign and direction, for each strategy, and the picks of `best`.

usage: validation_table.py DIR
"""
import csv
import os
import sys

CAMPS = ["1458", "2259", "2261", "2821", "2997", "3358", "3386"]


def load(path):
    out = {}
    if not os.path.exists(path):
        return out
    for r in csv.DictReader(open(path)):
        out.setdefault(r["strategy"], []).append((int(r["clicks"]), r["resolved_strategy"]))
    return out


def table(d, kind, strategies):
    print(f"\n{kind}: clicks summed over c0 = 1/32 .. 1/2\n")
    print("| camp | " + " | ".join(strategies) + " | best picked |")
    print("|---|" + "---|" * (len(strategies) + 1))
    tot = {s: 0 for s in strategies}
    for c in CAMPS:
        for k in kind.split("+"):
            rows = load(f"{d}/{c}.{k}.csv")
            if not rows:
                continue
            vals = {s: sum(x for x, _ in rows[s]) for s in strategies if s in rows}
            for s, v in vals.items():
                tot[s] += v
            picks = ",".join(p for _, p in rows.get("best", []))
            print(f"| {c} {k} | " + " | ".join(str(vals.get(s, "")) for s in strategies) + f" | {picks} |")
    print("| total | " + " | ".join(str(tot[s]) for s in strategies) + " | |")


def main():
    d = sys.argv[1]
    table(d, "fwd+rev", ["lin", "rlb-paper", "rlb", "rlbx", "dual-raw", "dual", "pid-raw", "pid", "best"])
    table(d, "ti", ["const", "mcpc", "lin", "ortb1", "ortb2", "pid", "throttle", "dual", "dqn", "rlb-paper", "rlb",
                    "rlbx", "best"])


if __name__ == "__main__":
    main()
