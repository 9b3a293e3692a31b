"""Coverage of the MMM's 90% ROAS intervals over simulated markets (docs/calibration.md).

  PYTHONPATH=build/python /usr/bin/python3 bench/calibration/mmm_roas.py [--markets 50] [--chains 4 --warmup 1000 --draws 1000]

Each market is `gen world --seed s` (156 weeks of spend on five channels with
the world's adstock, saturation and controls; truth.json holds each channel's
true ROAS, its contribution over its spend). `mmm fit` with the given sampler
settings; an interval covers when roas_low <= true ROAS <= roas_high. Prints
one JSON object: coverage over all channel intervals and per channel, with
Clopper-Pearson 95% intervals, and how far the misses fall. Unlike
bench/mmm/world_coverage.py (the allocation's scoring, with each world's own
adstock family), it fits what a user gets by default, on more markets.
"""
import argparse
import json
import os
import tempfile

import pandas as pd
import adpilot
from record import rate, record


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--markets", type=int, default=50)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    hits, per_channel, misses = 0, {}, []
    total = 0
    with tempfile.TemporaryDirectory() as d:
        for s in range(1, a.markets + 1):
            w = os.path.join(d, f"w{s}")
            adpilot.run("gen world", seed=s, out=w, auctions=2000, users=100, experiment_units=100, journeys=100)
            truth = json.load(open(os.path.join(w, "truth.json")))["mmm"]["per_channel"]
            weeks = pd.read_csv(os.path.join(w, "channels.csv"))
            channels = [c for c in truth if c in weeks.columns]
            controls = [c for c in ("price_index", "competitor_spend", "promo") if c in weeks.columns]
            fit = adpilot.mmm.fit(weeks, os.path.join(w, "mmm.apm"), "date", "kpi", channels, controls,
                                  threads=a.threads, seed=s, chains=a.chains, warmup=a.warmup, draws=a.draws)
            for c in fit["channels"]:
                t = truth[c["name"]]["roas"]
                ok = c["roas_low"] <= t <= c["roas_high"]
                hits += ok
                total += 1
                k, n = per_channel.get(c["name"], (0, 0))
                per_channel[c["name"]] = (k + ok, n + 1)
                if not ok:
                    side = "above" if t > c["roas_high"] else "below"
                    misses.append({"market": s, "channel": c["name"], "truth": t, "low": c["roas_low"],
                                   "high": c["roas_high"], "truth_is": side})
    out = {"markets": a.markets, "sampler": {"chains": a.chains, "warmup": a.warmup, "draws": a.draws},
           "nominal": 0.9, "coverage": rate(hits, total),
           "per_channel": {k: rate(*v) for k, v in per_channel.items()},
           "misses_truth_above": sum(m["truth_is"] == "above" for m in misses),
           "misses_truth_below": sum(m["truth_is"] == "below" for m in misses), "misses": misses}
    print(json.dumps(out, indent=1))
    # The record the run report's badge reads (docs/calibration.json).
    record("mmm_roas", {"markets": a.markets, "intervals": total, "covered": hits, "nominal": 0.9},
           "bench/calibration/mmm_roas.py")

if __name__ == "__main__":
    main()
