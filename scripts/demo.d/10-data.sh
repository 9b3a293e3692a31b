# Data: summary statistics of the built-in sample.
DATA="$ROOT/../shared/data/criteo/wide_resdnn/train.csv.gz"
if [ -f "$DATA" ]; then
  "$ADPILOT" --quiet data stats "$DATA" --format criteo | head -8
fi
