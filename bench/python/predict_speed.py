"""adpilot's Python predict next to scikit-learn's and xgboost's, in one run.

  PYTHONPATH=build/python /usr/bin/python3 bench/python/predict_speed.py [--rows 1000000] [--reps 3]

A 1M-row CSR matrix (20 non-zeros per row over 100,000 columns, one-hot
style, float64 / int32 as scipy builds it) with clicks from a sparse logistic
model. Each library fits on the first 90% of the rows (adpilot: lr, one FTRL
pass; scikit-learn: LogisticRegression(lbfgs); xgboost: 20 rounds, hist; AUC
on the last 10%), then scores all rows:
adpilot `model.predict(X)`, sklearn `predict_proba(X)`, xgboost
`inplace_predict(X)`, interleaved, `--reps` times, the median. Then the cost
of one call at batch 1 (a 1-row CSR matrix), in microseconds. Single thread
everywhere. Prints one JSON object (docs/benchmarks.md, "Python module").
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import scipy.sparse as sp


def timed(fn, reps):
    out = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import adpilot
    import xgboost as xgb
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    n, d, nnz = a.rows, 100_000, 20
    cols = rng.integers(0, d, size=n * nnz).astype(np.int32)
    X = sp.csr_matrix((np.ones(n * nnz), cols, np.arange(0, n * nnz + 1, nnz)), shape=(n, d))
    w = rng.normal(scale=0.3, size=d)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w - 3.0)))).astype(np.float64)
    cut = n - n // 10  # fit on the first 90% of the rows, AUC on the rest
    train, test = slice(0, cut), slice(cut, n)
    out = {"rows": n, "columns": d, "nonzeros_per_row": nnz, "threads": 1, "label_rate": float(y.mean())}

    t = time.perf_counter()
    model, _ = adpilot.train("lr", X[train], y[train], solver="ftrl", epochs=1)
    out["fit_seconds"] = {"adpilot_lr_ftrl_1_pass": time.perf_counter() - t}
    t = time.perf_counter()
    sk = LogisticRegression(max_iter=100).fit(X[train], y[train])
    out["fit_seconds"]["sklearn_lbfgs"] = time.perf_counter() - t
    t = time.perf_counter()
    bst = xgb.train({"tree_method": "hist", "nthread": 1, "objective": "binary:logistic", "max_depth": 6},
                    xgb.DMatrix(X[train], label=y[train]), num_boost_round=20)
    out["fit_seconds"]["xgboost_hist_20_rounds"] = time.perf_counter() - t

    preds = {"adpilot": lambda M: model.predict(M), "sklearn": lambda M: sk.predict_proba(M)[:, 1],
             "xgboost": lambda M: bst.inplace_predict(M)}
    out["test_auc"] = {k: float(roc_auc_score(y[test], f(X[test]))) for k, f in preds.items()}
    # Interleaved: A B C A B C ...
    times = {k: [] for k in preds}
    for _ in range(a.reps):
        for k, f in preds.items():
            times[k].append(timed(lambda: f(X), 1))
    out["predict_rows_per_s"] = {k: n / statistics.median(v) for k, v in times.items()}
    out["ratios"] = {f"adpilot_vs_{k}": out["predict_rows_per_s"]["adpilot"] / out["predict_rows_per_s"][k]
                     for k in ("sklearn", "xgboost")}
    one = X[:1]
    calls = 2000
    out["batch1_us_per_call"] = {k: timed(lambda: [f(one) for _ in range(calls)], a.reps) / calls * 1e6
                                 for k, f in preds.items()}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
