#!/bin/bash
# One validation run of a deep model on the demo world's split (tuning uses the
# valid file only; the test file is scored afterwards with `adpilot eval`).
# usage: demo_tune.sh ADPILOT RUN_DIR OUT_DIR NAME MODEL [flags...]
#   RUN_DIR holds auctions.{train,valid}.tsv from `adpilot data split`.
# Appends "NAME e1:auc/logloss e2:... best N secs S flags" to OUT_DIR/results.txt.
set -euo pipefail
bin=$1 run=$2 out=$3 name=$4 model=$5
shift 5
mkdir -p "$out"
s=$(date +%s)
"$bin" --threads 1 train --model "$model" --bits 16 --data "$run/auctions.train.tsv" \
  --valid "$run/auctions.valid.tsv" --format criteo --patience 1 --out "$out/$name.apm" --json "$@" \
  > "$out/$name.json" 2> "$out/$name.err"
e=$(date +%s)
/usr/bin/python3 - "$out/$name.json" "$name" "$((e - s))" "$*" >> "$out/results.txt" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ep = ' '.join('e%d:%.4f/%.5f' % (x['epoch'], x['valid_auc'], x['valid_logloss']) for x in d['epochs'])
print(sys.argv[2], ep, 'best', d['best_epoch'], 'secs', sys.argv[3], sys.argv[4])
PY
