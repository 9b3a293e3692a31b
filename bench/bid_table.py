#!/usr/bin/env python3
"""Markdown table of `adpilot bid compare --out <camp>.csv` runs, with the
issue's two checks (best > lin wherever lin wins >= 20 clicks; rlb > lin at
c0 <= 1/8) and what `best` picked per cell.

usage: bid_table.py DIR CAMP [CAMP ...]   (reads DIR/<camp>.csv)
"""
import csv
import sys
from fractions import Fraction

ORDER = ["const", "rand", "mcpc", "lin", "ortb1", "ortb2", "pid", "throttle", "dual", "dqn", "rlb", "rlbx", "best"]


def frac(x):
    f = Fraction(float(x)).limit_denominator(1024)
    return f"{f.numerator}/{f.denominator}"


def main():
    d, camps = sys.argv[1], sys.argv[2:]
    rows = {}
    strategies = []
    for c in camps:
        with open(f"{d}/{c}.csv") as f:
            for r in csv.DictReader(f):
                key = (c, float(r["budget_ratio"]))
                rows.setdefault(key, {})[r["strategy"]] = r
                if r["strategy"] not in strategies:
                    strategies.append(r["strategy"])
    strategies.sort(key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))
    head = ["camp", "c0"] + strategies + ["best picked", "hindsight"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    best_ok, best_miss, rlb_ok, rlb_miss = 0, [], 0, []
    for (c, c0), cell in sorted(rows.items()):
        clicks = {s: int(cell[s]["clicks"]) for s in strategies if s in cell}
        top = max(v for s, v in clicks.items() if s != "best")
        out = [c, frac(c0)]
        for s in strategies:
            v = clicks.get(s)
            out.append("" if v is None else (f"**{v}**" if v >= top and s != "best" else str(v)))
        pick = cell.get("best", {}).get("resolved_strategy", "")
        out += [pick, str(int(float(next(iter(cell.values()))["hindsight_optimal_clicks"])))]
        print("| " + " | ".join(out) + " |")
        lin = clicks.get("lin")
        if lin is not None and "best" in clicks and lin >= 20:
            if clicks["best"] > lin:
                best_ok += 1
            else:
                best_miss.append(f"{c} c0={frac(c0)}: best ({pick}) {clicks['best']} vs lin {lin}")
        if lin is not None and "rlb" in clicks and c0 <= 1 / 8 + 1e-12:
            if clicks["rlb"] > lin:
                rlb_ok += 1
            else:
                rlb_miss.append(f"{c} c0={frac(c0)}: rlb {clicks['rlb']} vs lin {lin}")
    print()
    print(f"best > lin where lin >= 20 clicks: {best_ok}/{best_ok + len(best_miss)}"
          + (f"; misses: {'; '.join(best_miss)}" if best_miss else ""))
    print()
    print(f"rlb > lin at c0 <= 1/8: {rlb_ok}/{rlb_ok + len(rlb_miss)}"
          + (f"; misses: {'; '.join(rlb_miss)}" if rlb_miss else ""))


if __name__ == "__main__":
    main()
