#!/usr/bin/python3
"""Hillstrom uplift benchmark: adpilot's S/T/X/DR learners (lr, gbdt) against
random targeting and a scikit-learn T-learner, in one run, same folds scheme and
the same Qini definition (docs/uplift.md).

    /usr/bin/python3 bench/uplift/hillstrom_bench.py --adpilot build-evaluate/adpilot \
        --data ../shared/data/uplift/hillstrom/hillstrom.csv.gz --seeds 1,2,3 > /tmp/hillstrom.md

adpilot's base models are predict's lr (FTRL) and gbdt (xgboost, 100 rounds of
depth 3: uplift's defaults) through the Model API; the scikit-learn peers are
T-learners with LogisticRegression and HistGradientBoostingClassifier (100
rounds, depth 3), one thread each, in the same process as the timing.

Python is a peer for comparison only; adpilot never needs it at run time."""
import os

# One OpenMP thread for scikit-learn's boosting: on a shared 2-core machine more
# threads spin-wait and make it 10x slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import json
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler

OUTCOMES = ["visit", "conversion", "spend"]


def qini(score, treated, y):
    """Area between the Qini curve and the random line, tied scores as one block
    (same as adpilot::uplift::Evaluate)."""
    order = np.argsort(-score, kind="stable")
    s, t, yy = score[order], treated[order], y[order]
    nt = np.cumsum(t); nc = np.cumsum(1 - t)
    yt = np.cumsum(yy * t); yc = np.cumsum(yy * (1 - t))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(nc > 0, yt - yc * nt / np.maximum(nc, 1), yt)
    n = len(score)
    ends = np.r_[np.nonzero(s[1:] != s[:-1])[0], n - 1]
    x = np.r_[0, (ends + 1) / n]
    qq = np.r_[0, q[ends] / n]
    area = np.sum((x[1:] - x[:-1]) * (qq[1:] + qq[:-1]) / 2)
    return area - q[-1] / n / 2


def features(df):
    X = df.drop(columns=["segment"] + OUTCOMES)
    return pd.get_dummies(X, columns=["history_segment", "zip_code", "channel"], drop_first=True).astype(float).values


def sklearn_t(X, t, y, folds, seed, kind):
    """Out-of-fold uplift and the Qini within each fold's units."""
    out = np.zeros(len(y))
    fold_q = []
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, t):
        preds = []
        for arm in (1, 0):
            idx = train[t[train] == arm]
            if kind == "lr":
                sc = StandardScaler().fit(X[idx])
                m = LogisticRegression(C=1.0, max_iter=1000).fit(sc.transform(X[idx]), y[idx])
                preds.append(m.predict_proba(sc.transform(X[test]))[:, 1])
            else:
                m = HistGradientBoostingClassifier(max_iter=100, max_depth=3, learning_rate=0.1, random_state=seed)
                preds.append(m.fit(X[idx], y[idx]).predict_proba(X[test])[:, 1])
        out[test] = preds[0] - preds[1]
        fold_q.append(qini(out[test], t[test], y[test]))
    return out, fold_q


def run_adpilot(args, path, treatment, outcome, learner, base, seed):
    cmd = [args.adpilot, "--quiet", "--threads", str(args.threads), "--seed", str(seed), "uplift", "--data", path,
           "--treatment-col", "segment", "--treatment", treatment, "--control", "No E-Mail", "--outcome", outcome,
           "--exclude", ",".join(o for o in OUTCOMES if o != outcome), "--learner", learner, "--base", base,
           "--folds", str(args.folds), "--json"]
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"adpilot failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr}")
    j = json.loads(r.stdout)
    return j["qini"], j["qini_folds"], j["auuc"], j["recommendation"], time.time() - t0


def fmt_spread(v):
    return f"{statistics.mean(v):.5f} ± {statistics.stdev(v) if len(v) > 1 else 0:.5f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--adpilot", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--bases", default="lr,gbdt")
    ap.add_argument("--treatments", default="Womens E-Mail,Mens E-Mail")
    ap.add_argument("--outcomes", default="visit,conversion")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    df = pd.read_csv(args.data)
    for treatment in args.treatments.split(","):
        sub = df[df.segment.isin([treatment, "No E-Mail"])].reset_index(drop=True)
        X = features(sub)
        t = (sub.segment == treatment).values.astype(int)
        for outcome in args.outcomes.split(","):
            y = sub[outcome].values.astype(float)
            ate = y[t == 1].mean() - y[t == 0].mean()
            print(f"\n### {treatment} vs No E-Mail, outcome `{outcome}` "
                  f"({len(sub)} customers, ATE {ate:+.5f})\n")
            print(f"| model | Qini (mean ± sd over {len(seeds)} seeds) | per-fold Qini (mean ± sd, {len(seeds)} seeds × {args.folds} folds) "
                  "| AUUC | target share | incr. per 1,000 | seconds/run |")
            print("| --- | --- | --- | --- | --- | --- | --- |")
            rng = np.random.default_rng(0)
            rq = [qini(rng.random(len(y)), t, y) for _ in range(20)]
            print(f"| random targeting (20 draws) | {fmt_spread(rq)} | | {ate / 2:.5f} | | {1000 * ate:+.2f} (all) | |")
            for base in args.bases.split(","):
                for learner in ["s", "t", "x", "dr"]:
                    res = [run_adpilot(args, args.data, treatment, outcome, learner, base, s) for s in seeds]
                    q = [r[0] for r in res]
                    rec = res[0][3]
                    fq = [x for r in res for x in r[1]]
                    print(f"| adpilot {learner.upper()}-learner, {base} | {fmt_spread(q)} | "
                          f"{fmt_spread(fq)} | {statistics.mean(r[2] for r in res):.5f} | "
                          f"{rec['share']:.0%} | {rec['incremental_per_1000']:+.2f} | "
                          f"{statistics.mean(r[4] for r in res):.1f} |")
                    sys.stdout.flush()
                t0 = time.time()
                runs = [sklearn_t(X, t, y, args.folds, s, base) for s in seeds]
                q = [qini(r[0], t, y) for r in runs]
                fq = [x for r in runs for x in r[1]]
                label = "LogisticRegression" if base == "lr" else "HistGradientBoosting"
                print(f"| scikit-learn T-learner, {label} | {fmt_spread(q)} | {fmt_spread(fq)} | | | | "
                      f"{(time.time() - t0) / len(seeds):.1f} |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
