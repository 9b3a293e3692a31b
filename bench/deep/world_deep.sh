#!/usr/bin/env bash
# Generated world: deepfm / dcnv2 (with and without user-profile vectors) vs
# lr / ffm on the same rows, against the true click model. Splits auctions.tsv
# in time order 70/15/15 exactly like bench/peers/world_models.sh, then keeps
# the first TRAIN_ROWS of train and VALID_ROWS of valid (0 = all) so the deep
# runs fit a shared 2-core machine; test is always the full last 15%.
# Profile vectors: TF-IDF of each user's texts (adpilot profile embed),
# joined to auctions through C1 = the generator's hex hash of the user id.
#   bench/deep/world_deep.sh ADPILOT WORLD_DIR OUTDIR TRAIN_ROWS VALID_ROWS THREADS "RUNS"
# RUNS: names from lr ffm deepfm dcnv2 deepfm+p dcnv2+p (default: all).
set -euo pipefail
ADPILOT=$1 W=$2 OUT=$3 TRN=${4:-0} VAN=${5:-0} THREADS=${6:-1}
RUNS=${7:-"lr ffm deepfm dcnv2 deepfm+p dcnv2+p"}
mkdir -p "$OUT"
if [ ! -f "$OUT/test.tsv" ]; then
  bash "$(dirname "$0")/split_world.sh" "$W" "$OUT"
  mv "$OUT/train.tsv" "$OUT/train.all.tsv"
  mv "$OUT/valid.tsv" "$OUT/valid.all.tsv"
fi
cap() { if [ "$2" -gt 0 ]; then head -n "$2" "$1"; else cat "$1"; fi; }
[ -f "$OUT/train.$TRN.tsv" ] || cap "$OUT/train.all.tsv" "$TRN" > "$OUT/train.$TRN.tsv"
[ -f "$OUT/valid.$VAN.tsv" ] || cap "$OUT/valid.all.tsv" "$VAN" > "$OUT/valid.$VAN.tsv"
[ -f "$OUT/users.tfidf.prof" ] || "$ADPILOT" --quiet --threads "$THREADS" profile embed --encoder tfidf \
  --input "$W/users.jsonl" --out "$OUT/users.tfidf.prof" > /dev/null
DEEP="--bits 18 --k 8 --hidden 128,64 --batch-size 1024 --epochs 3"
PROF="--profile $OUT/users.tfidf.prof --profile-field C1 --profile-key gen-token"
declare -A ARGS=([lr]="--model lr --bits 20 --epochs 3" [ffm]="--model ffm --bits 18 --k 4 --epochs 3"
  [deepfm]="--model deepfm $DEEP" [dcnv2]="--model dcnv2 $DEEP"
  [deepfm+p]="--model deepfm $DEEP $PROF" [dcnv2+p]="--model dcnv2 $DEEP $PROF")
for r in $RUNS; do
  "$ADPILOT" --quiet --threads "$THREADS" train ${ARGS[$r]} --data "$OUT/train.$TRN.tsv" --format criteo \
    --valid "$OUT/valid.$VAN.tsv" --out "$OUT/$r.$TRN.apm" --json > "$OUT/train.$r.$TRN.json"
  "$ADPILOT" --quiet --threads "$THREADS" eval --model "$OUT/$r.$TRN.apm" --data "$OUT/test.tsv" \
    --json > "$OUT/eval.$r.$TRN.json"
done
