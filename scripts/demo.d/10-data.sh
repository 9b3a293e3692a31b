# Data: statistics of the generated world's auctions (Criteo layout, written by
# the gen step) if present, else of the shared Criteo sample; then a libffm
# conversion and a cache build followed by a cache hit, to show the ingestion
# path end to end.
set -euo pipefail
DATA="$DEMO_DIR/world/auctions.tsv"
[ -f "$DATA" ] || DATA="$ROOT/../shared/data/criteo/wide_resdnn/train.csv.gz"
if [ ! -f "$DATA" ]; then
  echo "no generated world and no ../shared/data sample: data step skipped"
  exit 0
fi
"$ADPILOT" --quiet data stats "$DATA" --format criteo | head -14
mkdir -p "$DEMO_DIR/data"
"$ADPILOT" --quiet data convert "$DATA" --format criteo --to libffm --bits 18 --cross C1xC2 \
  --out "$DEMO_DIR/data/auctions.ffm"
for pass in build hit; do
  "$ADPILOT" --quiet data cache "$DATA" --format criteo --bits 18 --cross C1xC2 \
    --cache-dir "$DEMO_DIR/data/cache"
done
