# Deliver: replay lin, dual, pid, rlb and best on the generated world's auctions,
# tuned on the first half of the stream and replayed on the second half. The
# budget is c0 = 1/16 of the training CPM per 1000-auction episode, scaled by
# the schedule stage's allocated / current spend of the display channel when
# 40-schedule.sh left $DEMO_DIR/allocation.json.
LOG="$DEMO_DIR/world/auctions.rlb"
if [ ! -f "$LOG" ]; then
  echo "deliver: skipped (needs $LOG from the gen step)"
  exit 0
fi
BUDGET_ARGS=()
if [ -f "$DEMO_DIR/allocation.json" ]; then
  BUDGET_ARGS=(--budget-from "$DEMO_DIR/allocation.json" --channel display)
fi
"$ADPILOT" --quiet bid compare --log "$LOG" --format world --tune-split 0.5 --episode 1000 \
  --strategies lin,dual,pid,rlb,best --budget-ratios 1/16 "${BUDGET_ARGS[@]}" --out "$DEMO_DIR/bid_compare.csv"
echo "table: $DEMO_DIR/bid_compare.csv"
