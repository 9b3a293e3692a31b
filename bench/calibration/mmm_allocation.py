#!/usr/bin/python3
"""Do the MMM's allocation and its intervals keep their promises? (docs/calibration.md)

  /usr/bin/python3 bench/calibration/mmm_allocation.py build/adpilot [--markets 52] [--keep DIR] [--reuse]

Each market is a generated world (`gen world --seed s`, five channels, 156
weeks, truth.json holding the true curves and the oracle split), one of four
kinds in turn:

  default       the world as generated (spend_correlation 0.5);
  correlated    spend_correlation 0.9: the channels' weekly spend moves together;
  lift_test     the default world plus a lift test on two channels, fed to the
                fit with --lift-tests (8 test weeks; the measured lift is the
                true incremental KPI over those weeks plus noise of sd 15%, the
                se the test reports);
  misallocated  spend_misallocation 1: the logged split reaches about 0.88 of
                the oracle's KPI, so an allocator has something real to find.

`mmm fit` runs with the defaults a user gets (4 chains, 1,000 warmup, 1,000
draws); `mmm allocate --steady-state` at the oracle's budget (the definition
truth.json's oracle uses), with the current split the mean weekly spend over
the data (truth.json's), under each variant: the default, `--no-guard`, and
`--no-shrink` (the guard without the posterior shrinkage). Every split is
scored under the TRUE steady-state curves. truth.json is read only to score
and to simulate the lift test; the fit and the allocator never see it.

Prints one JSON object: coverage of the 90% ROAS and uplift intervals with
Clopper-Pearson 95% intervals (all markets and per kind), the mean share of the
oracle's KPI of the current split and of each variant, the largest loss of the
default against the current split, and one row per market. With --record it
also writes the summary into docs/calibration.json (the run report's badge).
"""
import argparse
import csv
import json
import os
import random
import sys
import time

from record import rate, record

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mmm"))
from world_coverage import run, true_response  # noqa: E402  (the same scoring as the older harness)

KINDS = ["default", "correlated", "lift_test", "misallocated"]
ALL_VARIANTS = {"default": [], "no_guard": ["--no-guard"], "no_shrink": ["--no-shrink"],
                "no_guard_no_shrink": ["--no-guard", "--no-shrink"], "risk1": ["--risk-aversion", "1"],
                "q10": ["--shrink-quantile", "0.1"], "q20": ["--shrink-quantile", "0.2"],
                "q30": ["--shrink-quantile", "0.3"]}
VARIANTS = {}


def write_lift_tests(world, truth, seed, path):
    """A lift test on the two largest channels: 8 weeks, ending 13 weeks before the data's end."""
    with open(os.path.join(world, "channels.csv")) as f:
        dates = [row["date"] for row in csv.DictReader(f)]
    per = truth["per_channel"]
    names = sorted(per, key=lambda c: -per[c]["total_spend"])[:2]
    rng = random.Random(seed)
    end = len(dates) - 14
    start = end - 7
    with open(path, "w") as f:
        f.write("channel,start,end,lift,se\n")
        for c in names:
            true_lift = sum(per[c]["contribution"][start:end + 1])
            se = 0.15 * true_lift
            f.write(f"{c},{dates[start]},{dates[end]},{true_lift + rng.gauss(0, se):.2f},{se:.2f}\n")


def fit_market(a, seed, kind, d):
    fit_json = os.path.join(d, "fit.json")
    if a.reuse and os.path.exists(fit_json):
        return json.load(open(fit_json))
    knobs = {"correlated": ["--spend-correlation", "0.9"], "misallocated": ["--spend-misallocation", "1"]}
    run([a.adpilot, "--quiet", "--seed", str(seed), "gen", "world", "--out", d, "--auctions", "2000", "--users",
         "100", "--experiment-units", "100", "--journeys", "100"] + knobs.get(kind, []))
    truth = json.load(open(os.path.join(d, "truth.json")))["mmm"]
    extra = []
    if kind == "lift_test":
        write_lift_tests(d, truth, seed, os.path.join(d, "lift_tests.csv"))
        extra = ["--lift-tests", os.path.join(d, "lift_tests.csv")]
    out = run([a.adpilot, "--quiet", "--threads", str(a.threads), "--seed", str(seed), "mmm", "fit", "--data",
               os.path.join(d, "channels.csv"), "--date-col", "date", "--kpi-col", "kpi", "--channels",
               ",".join(truth["per_channel"]), "--controls", "price_index,competitor_spend,promo", "--holdout", "0",
               "--chains", str(a.chains), "--warmup", str(a.warmup), "--draws", str(a.draws), "--out",
               os.path.join(d, "m.mmm"), "--json"] + extra + a.fit_flags.split())
    with open(fit_json + ".tmp", "w") as f:
        f.write(out)
    os.replace(fit_json + ".tmp", fit_json)
    return json.loads(out)


def score_market(a, seed, kind, d, fit):
    truth = json.load(open(os.path.join(d, "truth.json")))["mmm"]
    per = truth["per_channel"]
    oracle = truth["oracle"]
    best = true_response(truth, oracle["split"])
    current = {c: per[c]["mean_spend"] for c in per}
    cur = true_response(truth, current)
    row = {"seed": seed, "kind": kind, "rhat_max": fit["rhat_max"], "divergences": fit["divergences"],
           "current_vs_oracle": cur / best, "roas": []}
    for ch in fit["channels"]:
        t = per[ch["name"]]["roas"]
        row["roas"].append({"channel": ch["name"], "truth": t, "low": ch["roas_low"], "high": ch["roas_high"],
                            "inside": ch["roas_low"] <= t <= ch["roas_high"]})
    for name, flags in VARIANTS.items():
        al = json.loads(run([a.adpilot, "--quiet", "mmm", "allocate", "--model", os.path.join(d, "m.mmm"),
                             "--budget", str(oracle["budget"]), "--current-rows", "100000", "--steady-state",
                             "--json"] + flags))
        got = true_response(truth, al["allocation"])
        # Keeping the current split has an uplift of exactly 0 and an interval [0, 0]; the
        # tolerance absorbs the rounding between truth.json's mean spend and the data's.
        tol = 1e-6 * best
        row[name] = {"vs_oracle": got / best, "true_uplift": got - cur, "uplift": al["uplift"],
                     "uplift_low": al["uplift_low"], "uplift_high": al["uplift_high"],
                     "inside": al["uplift_low"] - tol <= got - cur <= al["uplift_high"] + tol,
                     "shrink": al.get("shrink", {}).get("t")}
    return row


def summarise(rows):
    def block(rs):
        roas = [r for x in rs for r in x["roas"]]
        out = {"markets": len(rs), "roas_coverage": rate(sum(r["inside"] for r in roas), len(roas)),
               "current_vs_oracle_mean": sum(x["current_vs_oracle"] for x in rs) / len(rs)}
        for v in VARIANTS:
            share = [x[v]["vs_oracle"] for x in rs]
            loss = [x["current_vs_oracle"] - x[v]["vs_oracle"] for x in rs]
            out[v] = {"vs_oracle_mean": sum(share) / len(share), "vs_oracle_min": min(share),
                      "uplift_coverage": rate(sum(x[v]["inside"] for x in rs), len(rs)),
                      # Markets whose answer left the current split (shrinkage t > 0, or no shrinkage).
                      "moved": sum(x[v]["shrink"] is None or x[v]["shrink"] > 0 for x in rs),
                      "uplift_coverage_moved": rate(
                          sum(x[v]["inside"] for x in rs if x[v]["shrink"] is None or x[v]["shrink"] > 0),
                          sum(x[v]["shrink"] is None or x[v]["shrink"] > 0 for x in rs)),
                      "beats_current": sum(x[v]["true_uplift"] >= 0 for x in rs),
                      "worst_loss_vs_current": max(loss),
                      "markets_losing_over_1pct": sum(x[v]["vs_oracle"] < 0.99 * x["current_vs_oracle"] for x in rs)}
        return out

    s = block(rows)
    s["per_kind"] = {k: block([r for r in rows if r["kind"] == k]) for k in KINDS if any(r["kind"] == k for r in rows)}
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("adpilot")
    ap.add_argument("--markets", type=int, default=52)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--keep", default="/tmp/adpilot-mmm-calibration", help="worlds and fits (reused with --reuse)")
    ap.add_argument("--reuse", action="store_true", help="reuse the fits already under --keep")
    ap.add_argument("--fit-flags", default="", help="extra `mmm fit` flags, space-separated")
    ap.add_argument("--fit-only", action="store_true", help="fit the markets, allocate nothing")
    ap.add_argument("--variants", default="default,no_guard,no_shrink",
                    help="allocations scored, from: " + ",".join(ALL_VARIANTS))
    ap.add_argument("--check", action="store_true",
                    help="exit 1 unless what a few markets can show holds (the quick version `make test` runs): "
                         "the default never loses more than 1%% to the current split, and at least 65%% of the "
                         "90%% ROAS intervals hold the truth")
    ap.add_argument("--record", action="store_true", help="write the summary into docs/calibration.json")
    a = ap.parse_args()
    VARIANTS.update({v: ALL_VARIANTS[v] for v in a.variants.split(",")})
    t0 = time.time()
    rows = []
    for seed in range(a.first, a.first + a.markets):
        kind = KINDS[(seed - 1) % len(KINDS)]
        d = os.path.join(a.keep, f"m{seed}")
        os.makedirs(d, exist_ok=True)
        fit = fit_market(a, seed, kind, d)
        if a.fit_only:
            print(json.dumps({"seed": seed, "kind": kind, "fit_seconds": fit["seconds"]}), flush=True)
            continue
        rows.append(score_market(a, seed, kind, d, fit))
        print(json.dumps({k: rows[-1][k] for k in ("seed", "kind", "current_vs_oracle")} |
                         {v: rows[-1][v] for v in VARIANTS}), file=sys.stderr, flush=True)
    if a.fit_only:
        return
    out = {"markets": a.markets, "first_seed": a.first, "kinds": KINDS, "nominal": 0.9,
           "sampler": {"chains": a.chains, "warmup": a.warmup, "draws": a.draws},
           "seconds": round(time.time() - t0, 1), "summary": summarise(rows), "rows": rows}
    print(json.dumps(out, indent=1))
    if a.check:
        s = out["summary"]
        problems = []
        for r in rows:
            if r["default"]["vs_oracle"] < 0.99 * r["current_vs_oracle"]:
                problems.append(f"market {r['seed']} ({r['kind']}): the default reached {r['default']['vs_oracle']:.4f} "
                                f"of the oracle, the current split {r['current_vs_oracle']:.4f}")
        cov = s["roas_coverage"]
        if cov["count"] < 0.65 * cov["n"]:
            problems.append(f"{cov['count']} of {cov['n']} ROAS intervals held the truth")
        for p in problems:
            print("mmm_allocation --check:", p, file=sys.stderr)
        if problems:
            raise SystemExit(1)
    if a.record:
        s = out["summary"]
        record("mmm_allocation", {
            "markets": a.markets, "nominal": 0.9, "uplift_covered": s["default"]["uplift_coverage"]["count"],
            "roas_intervals": s["roas_coverage"]["n"], "roas_covered": s["roas_coverage"]["count"],
            "current_vs_oracle": round(s["current_vs_oracle_mean"], 4),
            "default_vs_oracle": round(s["default"]["vs_oracle_mean"], 4),
            "markets_losing_over_1pct": s["default"]["markets_losing_over_1pct"]}, "bench/calibration/mmm_allocation.py")

if __name__ == "__main__":
    main()
