# Schedule: fit the world's marketing mix, recommend a weekly split, and show
# it next to the true optimum from truth.json. Writes $DEMO_DIR/allocation.json.
WORLD="$DEMO_DIR/world"
[ -f "$WORLD/channels.csv" ] || { echo "no $WORLD/channels.csv (run the gen step first)"; exit 0; }
CHANNELS=$(head -1 "$WORLD/channels.csv" | tr ',' '\n' | sed -n '3,$p' | grep -v -e price_index -e competitor_spend -e promo -e kpi | paste -sd, -)
"$ADPILOT" --quiet --threads 2 --seed 7 mmm fit --data "$WORLD/channels.csv" --date-col date --kpi-col kpi \
  --channels "$CHANNELS" --controls price_index,competitor_spend,promo --config "$ROOT/examples/mmm_world.toml" \
  --warmup 300 --draws 300 --out "$DEMO_DIR/world.mmm" --csv-dir "$DEMO_DIR/mmm" --json > "$DEMO_DIR/mmm_fit.json"
BUDGET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mmm"]["oracle"]["budget"])' "$WORLD/truth.json")
"$ADPILOT" --quiet mmm allocate --model "$DEMO_DIR/world.mmm" --budget "$BUDGET" --steady-state \
  --out "$DEMO_DIR/allocation.json" --json > /dev/null
python3 - "$DEMO_DIR/mmm_fit.json" "$DEMO_DIR/allocation.json" "$WORLD/truth.json" <<'PY'
import json, sys
fit, al, truth = (json.load(open(p)) for p in sys.argv[1:4])
mmm = truth["mmm"]
def resp(split):
    t = 0.0
    for n, x in split.items():
        c = mmm["per_channel"][n]
        t += c["beta"] * x ** c["gamma"] / (x ** c["gamma"] + c["K"] ** c["gamma"]) if x > 0 else 0.0
    return t
print(f"fit: R2 {fit['r2']:.3f}, holdout MAPE {fit['holdout']['mape']:.3f}, R-hat max {fit['rhat_max']:.3f}, {fit['seconds']:.1f} s")
print(f"{'channel':<12} {'ROAS (90% CI)':>24} {'true ROAS':>10} {'recommended':>12} {'true optimum':>13}")
for c in fit["channels"]:
    n = c["name"]
    ci = f"{c['roas']:.2f} [{c['roas_low']:.2f}, {c['roas_high']:.2f}]"
    print(f"{n:<12} {ci:>24} {mmm['per_channel'][n]['roas']:>10.2f} {al['allocation'][n]:>12.0f} {mmm['oracle']['split'][n]:>13.0f}")
got, best = resp(al["allocation"]), resp(mmm["oracle"]["split"])
print(f"true weekly response: recommended {got:.0f} = {100 * got / best:.1f}% of the oracle's {best:.0f}")
PY
