#!/usr/bin/env python3
"""Markdown table of bench/deep/run_model.sh runs: test AUC / logloss of each
NAME (OUT/NAME.eval.json), the gap to the true click model (true pCTR of the
same test rows, RUN/test.rlb) and the validation curve it was selected on.
   /usr/bin/python3 bench/deep/results_table.py RUN_DIR OUT_DIR NAME..."""
import json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, log_loss

run, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]
d = np.loadtxt(f"{run}/test.rlb")
y, p = d[:, 0], d[:, 2]
ta, tl = roc_auc_score(y, p), log_loss(y, p)
print(f"test rows {len(y)}; true click model: AUC {ta:.4f}, logloss {tl:.4f}\n")
print("| model | test AUC | gap to truth | test logloss | valid AUC by epoch | best epoch | train s | examples/s |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for n in names:
    e = json.load(open(f"{out}/{n}.eval.json"))
    t = json.load(open(f"{out}/{n}.json"))
    curve = " / ".join(f"{x['valid_auc']:.4f}" for x in t["epochs"])
    print(f"| {n} | {e['auc']:.4f} | {ta - e['auc']:.4f} | {e['logloss']:.5f} | {curve} | "
          f"{t['best_epoch']} | {t['seconds']:.0f} | {t['examples_per_s']:.0f} |")
print(f"| true pCTR | {ta:.4f} | 0 | {tl:.5f} | | | | |")
