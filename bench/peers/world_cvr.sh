#!/usr/bin/env bash
# Post-click CVR on the generated world: the clicked rows of the 70/15/15 time
# split (conversion = column 6 of auctions.meta.tsv pasted on), lr / fm / ffm /
# gbdt trained with --target conversion --clicked-only, early-stopped on the
# valid clicked rows, scored on the test clicked rows; then the truth-based
# references of world_cvr_reference.py.
#   bench/peers/world_cvr.sh ADPILOT WORLD_DIR OUTDIR ["MODEL[:FLAGS] ..."]
set -euo pipefail
ADPILOT=$1 W=$2 OUT=$3
RUNS=${4:-"lr lr:--l1=8 fm ffm gbdt gbdt:--max-depth=3"}
mkdir -p "$OUT"
N=$(wc -l < "$W/auctions.tsv")
NTR=$((N * 70 / 100)); NVA=$((N * 15 / 100))
paste "$W/auctions.tsv" <(cut -f6 "$W/auctions.meta.tsv") | awk -F'\t' -v a="$NTR" -v b="$((NTR + NVA))" -v o="$OUT" \
  '$1 == 1 { f = NR <= a ? "train" : (NR <= b ? "valid" : "test"); print > (o "/clicked_" f ".tsv") }'
{
  echo 'delimiter = "\t"'; echo 'header = false'
  printf 'columns = ["click"'; for i in $(seq 1 13); do printf ', "I%d"' $i; done
  for i in $(seq 1 26); do printf ', "C%d"' $i; done; echo ', "conv"]'
  echo 'label = "click"'; echo 'conversion = "conv"'
  printf 'numeric = ["I1"'; for i in $(seq 2 13); do printf ', "I%d"' $i; done; echo ']'
  printf 'categorical = ["C1"'; for i in $(seq 2 26); do printf ', "C%d"' $i; done; echo ']'
} > "$OUT/conv.toml"
echo "| model (flags) | valid AUC | test AUC | test logloss |"
echo "| --- | --- | --- | --- |"
for run in $RUNS; do
  m=${run%%:*}; flags=""; [ "$run" != "$m" ] && flags=$(echo "${run#*:}" | tr '=' ' ')
  tag=$(echo "$run" | tr -c 'a-zA-Z0-9\n' '_')
  "$ADPILOT" --quiet --threads 1 train --model "$m" $flags --data "$OUT/clicked_train.tsv" --valid "$OUT/clicked_valid.tsv" \
    --format csv --schema "$OUT/conv.toml" --target conversion --clicked-only --out "$OUT/$tag.apm" --json > "$OUT/train.$tag.json"
  "$ADPILOT" --quiet eval --model "$OUT/$tag.apm" --data "$OUT/clicked_test.tsv" --schema "$OUT/conv.toml" --json > "$OUT/eval.$tag.json"
  /usr/bin/python3 -c "import json,sys; t=json.load(open(sys.argv[1])); e=json.load(open(sys.argv[2])); print(f\"| {sys.argv[3]} | {t['valid_auc']:.4f} | {e['auc']:.4f} | {e['logloss']:.4f} |\")" \
    "$OUT/train.$tag.json" "$OUT/eval.$tag.json" "$run"
done
/usr/bin/python3 "$(dirname "$0")/world_cvr_reference.py" "$W"
