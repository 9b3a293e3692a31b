# Profile: pretrain a small BERT on the world's user texts (no downloaded
# weights), segment the users with it and show each segment's terms next to
# the true dominant topic of its users.
WORLD="$DEMO_DIR/world"
if [ ! -f "$WORLD/users.jsonl" ]; then
  "$ADPILOT" --quiet gen world --out "$WORLD" --seed 42 >/dev/null
fi
MODEL="$DEMO_DIR/profile/encoder"
mkdir -p "$DEMO_DIR/profile"
# 75 s in all: a short masked LM, then the contrastive stage (halves of a
# user's texts as positives; no labels) that makes the user vectors informative.
"$ADPILOT" --quiet --threads 2 profile pretrain --text "$WORLD/users.jsonl" --out "$MODEL" \
  --max-seconds 75
"$ADPILOT" --quiet --threads 2 profile segment --model "$MODEL" --users "$WORLD/users.jsonl" \
  --k 8 --label-field dominant_topic --top-terms 6 --out "$DEMO_DIR/profile/segments.tsv"
"$ADPILOT" --quiet --threads 2 profile embed --model "$MODEL" --input "$WORLD/users.jsonl" \
  --out "$DEMO_DIR/profile/users.prof"
echo "-- the same segmentation with the TF-IDF baseline, for comparison"
"$ADPILOT" --quiet --threads 2 profile segment --encoder tfidf --users "$WORLD/users.jsonl" \
  --k 8 --label-field dominant_topic --top-terms 6
echo "-- evidence: encoder vs TF-IDF in one run (segment NMI, precision@100 vs true-interest neighbours, kNN AUC)"
"$ADPILOT" --quiet --threads 2 profile evaluate --model "$MODEL" --users "$WORLD/users.jsonl" \
  --truth-field interests --label-field dominant_topic
