#!/usr/bin/env python3
"""Markdown table of `adpilot bid compare --out <camp>.csv` runs, with the
issue's two checks (best > lin wherever lin wins >= 20 clicks; rlb > lin at
c0 <= 1/8), what `best` picked per cell, and, where `DIR/<camp>.json` holds
per-episode traces (`bid compare --traces --json`), a paired comparison of
rlb and best against lin over the test episodes: episodes won/lost/tied and
a bootstrap 95% interval of the click difference (resampling episodes).
"pCTR foresight" (from the JSON) is the clicks realised by an oracle that
knows every auction's price and pCTR in advance and buys the best pCTR per
unit of money: what the pCTRs themselves allow. A second table repeats the
two checks on expected clicks (sum of the won auctions' pCTR) next to that
oracle's expected-click bound.

usage: bid_table.py DIR CAMP [CAMP ...] [--base DIR2]
  reads DIR/<camp>.csv; rows of strategies missing there come from DIR2/<camp>.csv
"""
import csv
import json
import os
import random
import sys
from fractions import Fraction

ORDER = ["const", "rand", "mcpc", "lin", "ortb1", "ortb2", "pid", "throttle", "dual", "dqn",
         "rlb-paper", "rlb", "rlbx", "best"]


def frac(x):
    f = Fraction(float(x)).limit_denominator(1024)
    return f"{f.numerator}/{f.denominator}"


def load_csv(path, rows, strategies, only_missing=False):
    if not os.path.exists(path):
        return
    with open(path) as f:
        for r in csv.DictReader(f):
            key = (path.split("/")[-1].split(".")[0], round(float(r["budget_ratio"]), 9))
            cell = rows.setdefault(key, {})
            if only_missing and r["strategy"] in cell:
                continue
            cell[r["strategy"]] = r
            if r["strategy"] not in strategies:
                strategies.append(r["strategy"])


def load_cells(path):
    """{c0: {strategy: row}} from `bid compare --json` (empty when the file is absent)."""
    if not os.path.exists(path):
        return {}
    with open(path) as f:
        rows = json.load(f).get("rows", [])
    cells = {}
    for r in rows:
        cells.setdefault(round(float(r["budget_ratio"]), 9), {})[r["strategy"]] = r
    return cells


def traces(cells):
    """{(c0, strategy): [clicks per episode]} where the run had --traces."""
    return {(c0, s): [e["clicks"] for e in r["episode_trace"]]
            for c0, cell in cells.items() for s, r in cell.items() if "episode_trace" in r}


def foresight_clicks(cells):
    """{c0: clicks the pCTR-foresight oracle's purchase realises}."""
    return {c0: r["pctr_foresight"]["clicks"] for c0, cell in cells.items() for r in cell.values()
            if "pctr_foresight" in r}


def paired(a, b, reps=4000, seed=1):
    """a - b over episodes: (wins, losses, ties, diff, lo, hi) with a bootstrap 95% interval."""
    d = [x - y for x, y in zip(a, b)]
    rng = random.Random(seed)
    sums = sorted(sum(rng.choice(d) for _ in d) for _ in range(reps))
    return (sum(x > 0 for x in d), sum(x < 0 for x in d), sum(x == 0 for x in d), sum(d),
            sums[int(0.025 * reps)], sums[int(0.975 * reps) - 1])


def check(what, ok, misses):
    print()
    print(f"{what}: {ok}/{ok + len(misses)}" + (f"; misses: {'; '.join(misses)}" if misses else ""))


def main():
    args = sys.argv[1:]
    base = None
    if "--base" in args:
        i = args.index("--base")
        base = args[i + 1]
        del args[i:i + 2]
    d, camps = args[0], args[1:]
    rows, strategies = {}, []
    for c in camps:
        load_csv(f"{d}/{c}.csv", rows, strategies)
        if base:
            load_csv(f"{base}/{c}.csv", rows, strategies, only_missing=True)
    strategies.sort(key=lambda s: ORDER.index(s) if s in ORDER else len(ORDER))
    json_cells = {c: load_cells(f"{d}/{c}.json") for c in camps}
    foresight = {c: foresight_clicks(json_cells[c]) for c in camps}
    head = ["camp", "c0"] + strategies + ["best picked", "pCTR foresight", "hindsight"]
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
        fs = foresight.get(c, {}).get(c0)
        out += [pick, "" if fs is None else str(int(fs)),
                str(int(float(next(iter(cell.values()))["hindsight_optimal_clicks"])))]
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
    check("best > lin where lin >= 20 clicks", best_ok, best_miss)
    check("rlb > lin at c0 <= 1/8", rlb_ok, rlb_miss)

    # The same checks on expected clicks (the sum of the won auctions' pCTR):
    # what a bidder that believes its pCTRs controls, free of click luck.
    exp_rows, eb_ok, eb_miss, er_ok, er_miss = [], 0, [], 0, []
    for c in camps:
        for c0, cell in sorted(json_cells[c].items()):
            if not all(s in cell for s in ("lin", "rlb", "best")):
                continue
            e = {s: cell[s]["expected_clicks"] for s in ("lin", "rlb", "best")}
            bound = cell["best"].get("pctr_foresight", {}).get("expected_clicks", float("nan"))
            exp_rows.append(f"| {c} | {frac(c0)} | {e['lin']:.1f} | {e['rlb']:.1f} | {e['best']:.1f} | {bound:.1f} "
                            f"| {100 * e['best'] / bound:.0f}% |")
            if int(cell["lin"]["clicks"]) >= 20:
                (eb_miss.append(f"{c} {frac(c0)}") if e["best"] <= e["lin"] else None)
                eb_ok += e["best"] > e["lin"]
            if c0 <= 1 / 8 + 1e-12:
                (er_miss.append(f"{c} {frac(c0)}") if e["rlb"] <= e["lin"] else None)
                er_ok += e["rlb"] > e["lin"]
    if exp_rows:
        print()
        print("| camp | c0 | lin expected | rlb expected | best expected | pCTR foresight bound | best / bound |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(exp_rows))
        check("expected clicks, best > lin where lin >= 20 clicks", eb_ok, eb_miss)
        check("expected clicks, rlb > lin at c0 <= 1/8", er_ok, er_miss)

    # Paired per-episode comparisons where traces exist.
    lines = []
    for c in camps:
        tr = traces(json_cells[c])
        for (c0, s) in sorted(tr):
            if s not in ("rlb", "best") or (c0, "lin") not in tr:
                continue
            if s == "rlb" and c0 > 1 / 8 + 1e-12:
                continue
            if s == "best" and sum(tr[(c0, "lin")]) < 20:
                continue
            w, l, t, diff, lo, hi = paired(tr[(c0, s)], tr[(c0, "lin")])
            lines.append(f"| {c} | {frac(c0)} | {s} | {diff:+d} | {w}/{l}/{t} | [{lo:+d}, {hi:+d}] |")
    if lines:
        print()
        print("| camp | c0 | strategy | clicks - lin | episodes won/lost/tied | bootstrap 95% |")
        print("|---|---|---|---|---|---|")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
