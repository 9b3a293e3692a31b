#!/usr/bin/env bash
# Real-data comparison: adpilot lr/fm/ffm/gbdt vs scikit-learn LogisticRegression
# and python xgboost on the same hashed features (train on train, early-stop on
# dev, report test), over several seeds. Prints one JSON line per run and a
# summary table (mean ± sd of test AUC and logloss).
#   bench/peers/compare_real.sh ADPILOT DATASET_DIR FORMAT BITS "SEEDS" OUTDIR
# e.g. bench/peers/compare_real.sh build/adpilot ../shared/data/criteo/wide_resdnn criteo 18 "1 2 3 4 5" /tmp/cmp
set -euo pipefail
ADPILOT=$1 DIR=$2 FORMAT=$3 BITS=$4 SEEDS=$5 OUT=$6
mkdir -p "$OUT"
TR="$DIR/train.csv.gz" VA="$DIR/dev.csv.gz" TE="$DIR/test.csv.gz"

for m in lr fm ffm gbdt; do
  for s in $SEEDS; do
    "$ADPILOT" --quiet --seed "$s" train --model "$m" --data "$TR" --valid "$VA" --format "$FORMAT" \
      --bits "$BITS" --out "$OUT/$m.$s.apm" --json > "$OUT/train.$m.$s.json"
    "$ADPILOT" --quiet eval --model "$OUT/$m.$s.apm" --data "$TE" --json > "$OUT/eval.$m.$s.json"
  done
done
for f in train valid test; do
  src=$TR; [ $f = valid ] && src=$VA; [ $f = test ] && src=$TE
  "$ADPILOT" --quiet data convert "$src" --format "$FORMAT" --to libsvm --bits "$BITS" --out "$OUT/$f.svm" > /dev/null
done
/usr/bin/python3 "$(dirname "$0")/sklearn_xgb.py" --train "$OUT/train.svm" --valid "$OUT/valid.svm" \
  --test "$OUT/test.svm" --bits "$BITS" --seeds "$(echo $SEEDS | tr ' ' ,)" > "$OUT/peers.json"
/usr/bin/python3 - "$OUT" "$SEEDS" <<'PY'
import json, sys, statistics as st
out, seeds = sys.argv[1], sys.argv[2].split()
rows = []
for m in ["lr", "fm", "ffm", "gbdt"]:
    a = [json.load(open(f"{out}/eval.{m}.{s}.json")) for s in seeds]
    t = [json.load(open(f"{out}/train.{m}.{s}.json")) for s in seeds]
    rows.append((f"adpilot {m}", [x["auc"] for x in a], [x["logloss"] for x in a],
                 st.mean(x["seconds"] for x in t)))
p = json.load(open(f"{out}/peers.json"))
for k in ["sklearn_lr", "xgboost"]:
    rows.append((k, [r["auc"] for r in p[k]["runs"]], [r["logloss"] for r in p[k]["runs"]],
                 st.mean(r["seconds"] for r in p[k]["runs"])))
sd = lambda v: st.stdev(v) if len(v) > 1 else 0.0
print("| model | test AUC (mean ± sd) | test logloss (mean ± sd) | train s |")
print("| --- | --- | --- | --- |")
for name, auc, ll, sec in rows:
    print(f"| {name} | {st.mean(auc):.4f} ± {sd(auc):.4f} | {st.mean(ll):.4f} ± {sd(ll):.4f} | {sec:.2f} |")
PY
