# Predict: train lr and ffm on the world's auctions (time order: first 70% train,
# next 15% valid for early stopping and calibration, last 15% test), evaluate
# on the test rows, and compare with the AUC of the true click model.
W="$DEMO_DIR/world"
if [ ! -f "$W/auctions.tsv" ]; then
  echo "predict: skipped (needs $W/auctions.tsv from the gen step)"
  exit 0
fi
P="$DEMO_DIR/predict"
mkdir -p "$P"
N=$(wc -l < "$W/auctions.tsv")
NTR=$((N * 70 / 100)); NVA=$((N * 15 / 100)); NTE=$((N - NTR - NVA))
head -n "$NTR" "$W/auctions.tsv" > "$P/train.tsv"
head -n $((NTR + NVA)) "$W/auctions.tsv" | tail -n "$NVA" > "$P/valid.tsv"
tail -n "$NTE" "$W/auctions.tsv" > "$P/test.tsv"
echo "auctions: $NTR train, $NVA valid, $NTE test"
for spec in "lr --bits 20 --epochs 3" "ffm --bits 16 --k 4 --epochs 2"; do
  set -- $spec
  m=$1; shift
  "$ADPILOT" --quiet --threads 2 train --model "$m" "$@" --data "$P/train.tsv" --format criteo \
    --valid "$P/valid.tsv" --calibrate isotonic --out "$P/$m.apm" --json > "$P/train_$m.json"
  "$ADPILOT" --quiet --threads 2 eval --model "$P/$m.apm" --data "$P/test.tsv" --json > "$P/eval_$m.json"
  printf '  %-4s test auc %s  logloss %s  (trained in %ss)\n' "$m" \
    "$(grep -m1 '"auc"' "$P/eval_$m.json" | tr -dc '0-9.')" \
    "$(grep -m1 '"logloss"' "$P/eval_$m.json" | tr -dc '0-9.')" \
    "$(grep -m1 '"seconds"' "$P/train_$m.json" | tr -dc '0-9.' | cut -c1-5)"
done
TRUE_AUC=$(grep -o '"true_auc": *[0-9.]*' "$W/truth.json" | head -1 | tr -dc '0-9.')
echo "  true click model AUC (whole file, truth.json): ${TRUE_AUC:-n/a}"
"$ADPILOT" --quiet explain --model "$P/ffm.apm" --data "$P/test.tsv" --rows 2 --top 5
