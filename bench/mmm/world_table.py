#!/usr/bin/python3
"""Markdown table (docs/mmm.md) from the JSON lines world_coverage.py prints.
usage: world_table.py RESULTS.jsonl"""
import json, sys


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"seed"')]
    pct = lambda x: f"{100 * x:.1f}%"
    print("| seed | channels inside 90% | R-hat max | divergences | R² | allocation / oracle | "
          "bounded 0.7x-1.3x / oracle | 52-week plan / oracle | current split / oracle | true uplift (weekly KPI) | "
          "reported uplift [90%] |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(f"| {r['seed']} | {r['inside']}/{r['channels']} | {r['rhat_max']:.3f} | {r['divergences']} | {r['r2']:.3f} | "
              f"{pct(r['alloc_vs_oracle'])} | {pct(r['alloc_bounded_vs_oracle'])} | {pct(r['alloc_52w_vs_oracle'])} | "
              f"{pct(r['current_vs_oracle'])} | {r['true_uplift']:+.0f} | "
              f"{r['expected_uplift']:+.0f} [{r['uplift_low']:+.0f}, {r['uplift_high']:+.0f}] |")
    n = len(rows)
    mean = lambda k: sum(r[k] for r in rows) / n
    inside = sum(r["inside"] for r in rows)
    total = sum(r["channels"] for r in rows)
    print()
    print(f"{n} seeds: coverage {inside}/{total} = {100 * inside / total:.0f}%; allocation/oracle mean "
          f"{pct(mean('alloc_vs_oracle'))} (min {pct(min(r['alloc_vs_oracle'] for r in rows))}); bounded mean "
          f"{pct(mean('alloc_bounded_vs_oracle'))}; 52-week plan mean {pct(mean('alloc_52w_vs_oracle'))}; "
          f"current split mean {pct(mean('current_vs_oracle'))}; seeds with allocation >= 97%: "
          f"{sum(r['alloc_vs_oracle'] >= 0.97 for r in rows)}/{n}; allocation >= current split: "
          f"{sum(r['alloc_vs_oracle'] >= r['current_vs_oracle'] for r in rows)}/{n}; true uplift over the current "
          f"split inside the reported 90% interval: {sum(r['uplift_low'] <= r['true_uplift'] <= r['uplift_high'] for r in rows)}/{n}")


if __name__ == "__main__":
    main()
