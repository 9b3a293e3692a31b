# Deliver: replay lin, dual, pid and rlb on the generated world's auctions under
# a configured budget (c0 = 1/16 of the training CPM per 1000-auction episode),
# tuned on the first half of the stream and replayed on the second half.
LOG="$DEMO_DIR/world/auctions.rlb"
if [ ! -f "$LOG" ]; then
  echo "deliver: skipped (needs $LOG from the gen step)"
  exit 0
fi
"$ADPILOT" --quiet bid compare --log "$LOG" --format world --tune-split 0.5 --episode 1000 \
  --strategies lin,dual,pid,rlb --budget-ratios 1/16 --out "$DEMO_DIR/bid_compare.csv"
echo "table: $DEMO_DIR/bid_compare.csv"
