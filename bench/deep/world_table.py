#!/usr/bin/env python3
"""Table of bench/deep/world_deep.sh results: test AUC/logloss and the gap to
the true click model (true_pctr of the same test rows, auctions.rlb).
   /usr/bin/python3 bench/deep/world_table.py OUTDIR TRAIN_ROWS"""
import json, os, sys
import numpy as np
from sklearn.metrics import roc_auc_score, log_loss

out, trn = sys.argv[1], sys.argv[2]
d = np.loadtxt(f"{out}/test.rlb")
y, p = d[:, 0], d[:, 2]
ta, tl = roc_auc_score(y, p), log_loss(y, p)
print(f"train rows {trn}; test rows {len(y)}; true click model: AUC {ta:.4f}, logloss {tl:.4f}\n")
print("| model | test AUC | gap to truth | test logloss | epochs (best) | train s | train examples/s |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in ["lr", "ffm", "deepfm", "dcnv2", "deepfm+p", "dcnv2+p"]:
    if not os.path.exists(f"{out}/eval.{r}.{trn}.json"):
        continue
    e = json.load(open(f"{out}/eval.{r}.{trn}.json"))
    t = json.load(open(f"{out}/train.{r}.{trn}.json"))
    name = r.replace("+p", " + profile")
    print(f"| {name} | {e['auc']:.4f} | {ta - e['auc']:.4f} | {e['logloss']:.4f} | "
          f"{t['epochs_run']} ({t['best_epoch']}) | {t['seconds']:.0f} | {t['examples_per_s']:.0f} |")
print(f"| true pCTR | {ta:.4f} | 0 | {tl:.4f} | | | |")
