#!/usr/bin/env bash
# Criteo / Avazu samples: lr, fm, ffm, gbdt, deepfm, dcnv2 side by side, same
# setup as bench/peers/compare_real.sh (train on train, early-stop on dev,
# report test; 2^BITS hashed buckets, log-binned numerics), several seeds
# (row shuffle, initialisation, dropout, xgboost subsampling). Deep settings
# were chosen once for small data (k 8, hidden 64,32, batch 256, dropout 0.2),
# not tuned on test. Prints a table of mean ± sd.
#   bench/deep/compare_real_deep.sh ADPILOT DATASET_DIR FORMAT BITS "SEEDS" OUTDIR [THREADS]
set -euo pipefail
ADPILOT=$1 DIR=$2 FORMAT=$3 BITS=$4 SEEDS=$5 OUT=$6 THREADS=${7:-1}
mkdir -p "$OUT"
TR="$DIR/train.csv.gz" VA="$DIR/dev.csv.gz" TE="$DIR/test.csv.gz"
DEEP="--k 8 --hidden 64,32 --batch-size 256 --dropout 0.2 --patience 2"
declare -A ARGS=([lr]="" [fm]="" [ffm]="" [gbdt]="" [deepfm]="$DEEP" [dcnv2]="$DEEP")
MODELS="lr fm ffm gbdt deepfm dcnv2"
for m in $MODELS; do
  for s in $SEEDS; do
    "$ADPILOT" --quiet --threads "$THREADS" --seed "$s" train --model "$m" ${ARGS[$m]} --data "$TR" --valid "$VA" \
      --format "$FORMAT" --bits "$BITS" --out "$OUT/$m.$s.apm" --json > "$OUT/train.$m.$s.json"
    "$ADPILOT" --quiet --threads "$THREADS" eval --model "$OUT/$m.$s.apm" --data "$TE" --json > "$OUT/eval.$m.$s.json"
  done
done
/usr/bin/python3 - "$OUT" "$SEEDS" "$MODELS" <<'PY'
import json, sys, statistics as st
out, seeds, models = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
sd = lambda v: st.stdev(v) if len(v) > 1 else 0.0
print("| model | test AUC (mean ± sd) | test logloss (mean ± sd) | epochs (best) | train s |")
print("| --- | --- | --- | --- | --- |")
for m in models:
    a = [json.load(open(f"{out}/eval.{m}.{s}.json")) for s in seeds]
    t = [json.load(open(f"{out}/train.{m}.{s}.json")) for s in seeds]
    auc, ll = [x["auc"] for x in a], [x["logloss"] for x in a]
    ep = "/".join(f"{x['epochs_run']}({x['best_epoch']})" for x in t)
    print(f"| {m} | {st.mean(auc):.4f} ± {sd(auc):.4f} | {st.mean(ll):.4f} ± {sd(ll):.4f} | {ep} | "
          f"{st.mean(x['seconds'] for x in t):.2f} |")
PY
