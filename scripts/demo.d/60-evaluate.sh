# Evaluate: A/B readout of the generated experiment, uplift targeting advice,
# and attribution of the generated journeys with the truth beside it.
WORLD="$DEMO_DIR/world"
if [ ! -f "$WORLD/experiment.csv" ]; then
  "$ADPILOT" --quiet --seed 7 gen world --out "$WORLD" --scale small
fi
echo "-- A/B readout of experiment.csv (CUPED on pre_revenue)"
"$ADPILOT" --quiet abtest --data "$WORLD/experiment.csv" --variant-col variant --control control \
  --metric converted --metric revenue --covariate pre_revenue
echo
echo "-- uplift: who to target (T-learner, lr, 5 folds; PEHE against uplift_truth.csv)"
"$ADPILOT" --quiet uplift --data "$WORLD/experiment.csv" --treatment-col variant --treatment treatment \
  --control control --outcome converted --exclude revenue --id-col unit_id --learner t --base lr \
  --truth "$WORLD/uplift_truth.csv" --curve "$DEMO_DIR/uplift_curve.csv"
echo
echo "-- attribution of journeys.csv against truth.json (true incremental conversions)"
"$ADPILOT" --quiet attribute --journeys "$WORLD/journeys.csv" --model all --truth "$WORLD/truth.json"
