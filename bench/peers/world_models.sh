#!/usr/bin/env bash
# Generated world: lr, fm, ffm (and optionally gbdt) against the true click
# model. Splits auctions.tsv in time order 70/15/15 (train/valid/test), trains
# with early stopping on valid, evaluates on test, and computes the AUC of
# true_pctr (auctions.rlb, same lines) on the same test rows.
# Hyperparameters are the models' defaults (chosen on the valid split only).
# Ends with the truth-based references of world_truth_reference.py (what the
# true model reaches when its per-user parts must be learnt from the data).
#   bench/peers/world_models.sh ADPILOT WORLD_DIR OUTDIR [THREADS] [MODELS] [EPOCHS]
set -euo pipefail
ADPILOT=$1 W=$2 OUT=$3 THREADS=${4:-2} MODELS=${5:-"lr fm ffm"} EPOCHS=${6:-10}
bash "$(dirname "$0")/../deep/split_world.sh" "$W" "$OUT"
# ffm keeps the 15 strongest field pairs after its first pass (--keep-pairs,
# chosen on the valid split of a 500k-row subset; docs/predict.md).
declare -A ARGS=([lr]="--bits 20" [fm]="--bits 20 --k 8" [ffm]="--bits 18 --k 4 --keep-pairs 15" [gbdt]="--bits 20")
for m in $MODELS; do
  "$ADPILOT" --quiet --threads "$THREADS" train --model "$m" ${ARGS[$m]} --epochs "$EPOCHS" --memory yes --data "$OUT/train.tsv" \
    --format criteo --valid "$OUT/valid.tsv" --out "$OUT/$m.apm" --json > "$OUT/train.$m.json"
  "$ADPILOT" --quiet --threads "$THREADS" eval --model "$OUT/$m.apm" --data "$OUT/test.tsv" --json > "$OUT/eval.$m.json"
done
/usr/bin/python3 - "$OUT" "$MODELS" <<'PY'
import json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, log_loss
out, models = sys.argv[1], sys.argv[2].split()
d = np.loadtxt(f"{out}/test.rlb")
y, p = d[:, 0], d[:, 2]
ta, tl = roc_auc_score(y, p), log_loss(y, p)
print(f"test rows {len(y)}; true click model: AUC {ta:.4f}, logloss {tl:.4f}")
print("| model | test AUC | gap to truth | test logloss | epochs (best) | train s |")
print("| --- | --- | --- | --- | --- | --- |")
for m in models:
    e = json.load(open(f"{out}/eval.{m}.json")); t = json.load(open(f"{out}/train.{m}.json"))
    print(f"| {m} | {e['auc']:.4f} | {ta - e['auc']:.4f} | {e['logloss']:.4f} | {t['epochs_run']} ({t['best_epoch']}) | {t['seconds']:.1f} |")
print(f"| true pCTR | {ta:.4f} | 0 | {tl:.4f} | | |")
PY
/usr/bin/python3 "$(dirname "$0")/world_truth_reference.py" "$W"
