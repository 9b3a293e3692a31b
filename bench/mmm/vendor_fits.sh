#!/usr/bin/env bash
# Fits adpilot's MMM to the vendors' public datasets in ../shared/data/mmm and
# prints one JSON summary line per dataset (docs/mmm.md quotes these).
#   bench/mmm/vendor_fits.sh ADPILOT [OUT_DIR] [extra fit flags...]
set -euo pipefail
ADPILOT="$1"; OUT="${2:-/tmp/mmm_vendor}"; shift $(( $# >= 2 ? 2 : 1 ))
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA="$ROOT/../shared/data/mmm"
mkdir -p "$OUT"
summ() {  # name json
  /usr/bin/python3 - "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[2]))
print(json.dumps({"dataset": sys.argv[1], "seconds": round(j["seconds"], 2), "r2": round(j["r2"], 4),
  "holdout": {k: round(v, 4) if isinstance(v, float) else v for k, v in j["holdout"].items()},
  "rhat_max": round(j["rhat_max"], 4), "ess_min": round(j["ess_min"], 1), "divergences": j["divergences"],
  "mean_tree_depth": round(j["mean_tree_depth"], 2),
  "roas": {c["name"]: [round(c["roas"], 3), round(c["roas_low"], 3), round(c["roas_high"], 3)] for c in j["channels"]},
  "share": {c["name"]: round(c["contribution_share"], 3) for c in j["channels"]},
  "warnings": j["warnings"]}))
PY
}
# Robyn: revenue vs five paid channels; competitor sales and newsletter as controls.
"$ADPILOT" --quiet --threads 2 --seed 1 mmm fit --data "$DATA/robyn/dt_simulated_weekly.csv" --date-col DATE \
  --kpi-col revenue --channels tv_S,ooh_S,print_S,facebook_S,search_S --controls competitor_sales_B,newsletter \
  --out "$OUT/robyn.mmm" --csv-dir "$OUT/robyn" --json "$@" > "$OUT/robyn.json"
summ robyn "$OUT/robyn.json"
# PyMC-Marketing: the example's model is geometric adstock (8 lags) + logistic saturation.
"$ADPILOT" --quiet --threads 2 --seed 1 mmm fit --data "$DATA/pymc_marketing/mmm_example.csv" --date-col date_week \
  --kpi-col y --channels x1,x2 --controls event_1,event_2 --saturation logistic \
  --out "$OUT/pymc.mmm" --csv-dir "$OUT/pymc" --json "$@" > "$OUT/pymc.json"
summ pymc_marketing "$OUT/pymc.json"
# Meridian national: revenue = conversions x revenue_per_conversion (Meridian's ROI is on revenue).
/usr/bin/python3 - "$DATA/meridian" "$OUT" <<'PY'
import csv, sys
src, out = sys.argv[1], sys.argv[2]
for name in ("national_all_channels", "national_media"):
    rows = list(csv.DictReader(open(f"{src}/{name}.csv")))
    with open(f"{out}/{name}_revenue.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()) + ["revenue"])
        w.writeheader()
        for r in rows:
            r["revenue"] = float(r["conversions"]) * float(r["revenue_per_conversion"])
            w.writerow(r)
PY
"$ADPILOT" --quiet --threads 2 --seed 1 mmm fit --data "$OUT/national_all_channels_revenue.csv" --date-col time \
  --kpi-col revenue --channels Channel0_spend,Channel1_spend,Channel2_spend,Channel3_spend,Channel4_spend \
  --controls competitor_sales_control,sentiment_score_control,Promo,Organic_channel0_impression \
  --out "$OUT/meridian_all.mmm" --csv-dir "$OUT/meridian_all" --json "$@" > "$OUT/meridian_all.json"
summ meridian_national_all_channels "$OUT/meridian_all.json"
"$ADPILOT" --quiet --threads 2 --seed 1 mmm fit --data "$OUT/national_media_revenue.csv" --date-col time \
  --kpi-col revenue --channels Channel0_spend,Channel1_spend,Channel2_spend,Channel3_spend \
  --controls competitor_activity_score_control,sentiment_score_control \
  --out "$OUT/meridian_media.mmm" --csv-dir "$OUT/meridian_media" --json "$@" > "$OUT/meridian_media.json"
summ meridian_national_media "$OUT/meridian_media.json"
