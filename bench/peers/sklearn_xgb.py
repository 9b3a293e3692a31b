#!/usr/bin/python3
"""Peers for adpilot's CTR models on the same hashed features.

Reads libsvm files written by `adpilot data convert --to libsvm` (so both
sides see identical features), fits scikit-learn LogisticRegression (C chosen
on the validation set) and xgboost (early stopping on the validation
logloss), and prints one JSON object with the test AUC/logloss per seed.

Run with /usr/bin/python3 (it has sklearn and xgboost):
  /usr/bin/python3 bench/peers/sklearn_xgb.py --train tr.svm --valid va.svm \
      --test te.svm --bits 18 --seeds 1,2,3
"""
import argparse
import json
import time

import numpy as np
import scipy.sparse as sp
import xgboost as xgb
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score


def load(path, n_features):
    # adpilot writes features in field order, not index order, and hash
    # collisions can repeat an index: build the CSR by hand (duplicates summed).
    rows, cols, vals, ys = [], [], [], []
    with open(path) as f:
        for r, line in enumerate(f):
            parts = line.split()
            ys.append(float(parts[0]))
            for t in parts[1:]:
                i, v = t.split(":")
                rows.append(r)
                cols.append(int(i))
                vals.append(float(v))
    x = sp.csr_matrix((vals, (rows, cols)), shape=(len(ys), n_features), dtype=np.float64)
    x.sum_duplicates()
    return x, (np.array(ys) > 0.5).astype(np.float32)


def summary(runs, key):
    v = np.array([r[key] for r in runs])
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
            "min": float(v.min()), "max": float(v.max())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--valid", required=True)
    ap.add_argument("--test", required=True)
    ap.add_argument("--bits", type=int, required=True)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    n = 1 << a.bits
    xtr, ytr = load(a.train, n)
    xva, yva = load(a.valid, n)
    xte, yte = load(a.test, n)
    # Keep the hashed columns seen in training (as adpilot's gbdt does): the
    # same model either way, without 2^bits mostly empty columns.
    keep = np.flatnonzero(xtr.getnnz(axis=0) > 0)
    xtr, xva, xte = xtr[:, keep], xva[:, keep], xte[:, keep]
    seeds = [int(s) for s in a.seeds.split(",")]
    out = {"train_rows": xtr.shape[0], "valid_rows": xva.shape[0], "test_rows": xte.shape[0]}

    runs = []
    for seed in seeds:
        t0 = time.time()
        best = None
        for c in [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]:
            m = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
            m.fit(xtr, ytr)
            ll = log_loss(yva, m.predict_proba(xva)[:, 1])
            if best is None or ll < best[0]:
                best = (ll, c, m)
        p = best[2].predict_proba(xte)[:, 1]
        runs.append({"seed": seed, "C": best[1], "auc": roc_auc_score(yte, p), "logloss": log_loss(yte, p),
                     "seconds": time.time() - t0})
    out["sklearn_lr"] = {"runs": runs, "auc": summary(runs, "auc"), "logloss": summary(runs, "logloss")}

    runs = []
    dtr = xgb.DMatrix(xtr, label=ytr)
    dva = xgb.DMatrix(xva, label=yva)
    dte = xgb.DMatrix(xte, label=yte)
    for seed in seeds:
        t0 = time.time()
        params = {"objective": "binary:logistic", "eval_metric": "logloss", "eta": 0.1, "max_depth": 6,
                  "subsample": 0.9, "colsample_bytree": 0.8, "tree_method": "hist", "seed": seed,
                  "nthread": a.threads}
        b = xgb.train(params, dtr, num_boost_round=300, evals=[(dva, "valid")], early_stopping_rounds=20,
                      verbose_eval=False)
        p = b.predict(dte, iteration_range=(0, b.best_iteration + 1))
        runs.append({"seed": seed, "rounds": b.best_iteration + 1, "auc": roc_auc_score(yte, p),
                     "logloss": log_loss(yte, p), "seconds": time.time() - t0})
    out["xgboost"] = {"runs": runs, "auc": summary(runs, "auc"), "logloss": summary(runs, "logloss")}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
