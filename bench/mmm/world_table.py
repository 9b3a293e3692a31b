#!/usr/bin/python3
"""Markdown table (docs/mmm.md) from the JSON lines world_coverage.py prints.
usage: world_table.py RESULTS.jsonl"""
import json, sys

COLS = [("alloc", "recommended (default: guard 10-90%)"), ("alloc_noguard", "no guard"),
        ("alloc_guard_full_range", "guard min-max"), ("alloc_bounded", "bounds 0.7x-1.3x"),
        ("alloc_52w", "52-week plan (guard)"), ("alloc_risk1", "risk-aware k=1 (guard)"),
        ("alloc_risk1_noguard", "risk-aware k=1, no guard")]


def main():
    rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith('{"seed"')]
    cols = [(k, t) for k, t in COLS if all(k + "_vs_oracle" in r for r in rows)]  # older runs lack some
    pct = lambda x: f"{100 * x:.1f}%"
    print("| seed | true ROAS inside 90% | R-hat max | divergences | R² | " +
          " | ".join(f"{t} / oracle" for _, t in cols) +
          " | current split / oracle | true uplift (weekly KPI) | reported uplift [90%] | guard binds |")
    print("| --- " * (8 + len(cols)) + "|")
    for r in rows:
        print(f"| {r['seed']} | {r['inside']}/{r['channels']} | {r['rhat_max']:.3f} | {r['divergences']} | {r['r2']:.3f} | " +
              " | ".join(pct(r[k + '_vs_oracle']) for k, _ in cols) +
              f" | {pct(r['current_vs_oracle'])} | {r['true_uplift']:+.0f} | "
              f"{r['expected_uplift']:+.0f} [{r['uplift_low']:+.0f}, {r['uplift_high']:+.0f}] | "
              f"{', '.join(r.get('guard_binding', [])) or '-'} |")
    n = len(rows)
    mean = lambda k: sum(r[k] for r in rows) / n
    inside = sum(r["inside"] for r in rows)
    total = sum(r["channels"] for r in rows)
    print()
    print(f"{n} seeds: ROAS coverage {inside}/{total} = {100 * inside / total:.0f}% inside the 90% intervals. "
          "Mean share of the oracle's true KPI (min): " +
          "; ".join(f"{t} {pct(mean(k + '_vs_oracle'))} ({pct(min(r[k + '_vs_oracle'] for r in rows))})" for k, t in cols) +
          f"; current split {pct(mean('current_vs_oracle'))} ({pct(min(r['current_vs_oracle'] for r in rows))}). "
          f"Recommended >= 97%: {sum(r['alloc_vs_oracle'] >= 0.97 for r in rows)}/{n} seeds; "
          f">= current split: {sum(r['alloc_vs_oracle'] >= r['current_vs_oracle'] for r in rows)}/{n}; "
          f"true uplift inside the reported 90% interval: "
          f"{sum(r['uplift_low'] <= r['true_uplift'] <= r['uplift_high'] for r in rows)}/{n}")


if __name__ == "__main__":
    main()
