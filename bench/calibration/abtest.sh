#!/usr/bin/env bash
# The A/B readout's promises over simulated experiments (docs/calibration.md):
# 200 experiments per effect (0 and the MDE) for each design, sequential
# (looked at every day) and fixed-horizon, with CUPED on and off.
#   bench/calibration/abtest.sh [ADPILOT] [REPLICATES]   -> one JSON line per design, then a table
set -euo pipefail
ADPILOT=${1:-build/adpilot}
N=${2:-200}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for seq in true false; do
  for cuped in true false; do
    "$ADPILOT" --quiet --threads 2 abtest calibrate --baseline 0.1 --mde 0.01 --units 20000 --days 14 \
      --replicates "$N" --sequential="$seq" --cuped="$cuped" --json | tr -d '\n ' >> "$out"
    echo >> "$out"
  done
done
cat "$out"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
/usr/bin/python3 - "$out" "$ROOT/docs/calibration.json" "$(git -C "$ROOT" rev-parse --short HEAD)" \
  "$(date -u +%Y-%m-%d)" <<'PY'
import json, os, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
# The record the run report's badge reads (docs/calibration.json, copied beside
# the chart libraries by the build).
path, commit, date = sys.argv[2], sys.argv[3], sys.argv[4]
rec = json.load(open(path)) if os.path.exists(path) else {}
seq_null = [s for j in rows if j["sequential"] for s in j["scenarios"] if s["effect"] == 0]
rec["abtest"] = {"experiments": sum(s["coverage"]["n"] for j in rows for s in j["scenarios"]),
                 "covered": sum(s["coverage"]["count"] for j in rows for s in j["scenarios"]),
                 "null_experiments_sequential": sum(s["ship"]["n"] for s in seq_null),
                 "false_ships_sequential": sum(s["ship"]["count"] for s in seq_null),
                 "command": "bench/calibration/abtest.sh", "date": date, "commit": commit}
tmp = path + ".tmp"
json.dump(rec, open(tmp, "w"), indent=1, sort_keys=True)
os.replace(tmp, path)
f = lambda r: f"{r['count']}/{r['n']} ({100*r['rate']:.1f}%, 95% CI {100*r['low']:.1f}-{100*r['high']:.1f}%)"
print("| design | effect | ship | futility stop | interval covers the effect |")
print("| --- | --- | --- | --- | --- |")
for j in rows:
    d = ("sequential, daily looks" if j["sequential"] else "fixed horizon") + (", CUPED" if j["cuped"] else "")
    for s in j["scenarios"]:
        e = "0" if s["effect"] == 0 else f"MDE ({s['effect']})"
        print(f"| {d} | {e} | {f(s['ship'])} | {f(s['futility_stop'])} | {f(s['coverage'])} |")
PY
