#!/bin/bash
# One model on a time-split world run directory (train.tsv / valid.tsv /
# test.tsv from bench/peers/world_models.sh's 70/15/15 split): trains with
# early stopping on valid.tsv (the only file tuning looks at), then scores
# test.tsv once with `adpilot eval`. Writes OUT/NAME.{apm,json,err,eval.json}
# and appends one line to OUT/results.txt.
# usage: run_model.sh ADPILOT RUN_DIR OUT_DIR NAME THREADS MODEL [train flags...]
set -euo pipefail
bin=$1 run=$2 out=$3 name=$4 threads=$5 model=$6
shift 6
mkdir -p "$out"
s=$(date +%s)
"$bin" --threads "$threads" train --model "$model" --data "$run/train.tsv" --valid "$run/valid.tsv" \
  --format criteo --memory yes --out "$out/$name.apm" --json "$@" > "$out/$name.json" 2> "$out/$name.err"
e=$(date +%s)
"$bin" --quiet --threads "$threads" eval --model "$out/$name.apm" --data "$run/test.tsv" --json > "$out/$name.eval.json"
/usr/bin/python3 - "$out/$name.json" "$out/$name.eval.json" "$name" "$((e - s))" "$model $*" "$(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/results.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); t = json.load(open(sys.argv[2]))
ep = ' '.join('e%d:%.4f/%.5f' % (x['epoch'], x['valid_auc'], x['valid_logloss']) for x in d['epochs'])
print(sys.argv[3], ep, 'best', d['best_epoch'], 'test %.4f/%.5f' % (t['auc'], t['logloss']),
      'secs', sys.argv[4], 'ex/s %.0f' % d.get('examples_per_s', 0), 'load', sys.argv[6], '|', sys.argv[5])
PY
