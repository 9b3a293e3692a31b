#!/usr/bin/env bash
# Keyword precision on a generated world (docs/profile.md): for each topic,
# `profile keywords --campaign TOPIC --top 20` and the share of the 20 that are
# the topic's own words (the world's truth.json, topic_words), per encoder.
#   bench/profile/keyword_precision.sh ADPILOT WORLD_DIR OUT_DIR ENCODER...
# An encoder is use-lite, a model folder, or tfidf.
set -euo pipefail
A=$1 W=$2 OUT=$3
shift 3
mkdir -p "$OUT"
topics=$(/usr/bin/python3 -c "import json,sys; print(' '.join(json.load(open(sys.argv[1]))['topic_words']))" "$W/truth.json")
for t in $topics; do
  /usr/bin/python3 -c "import json,sys; print('\n'.join(json.load(open(sys.argv[1]))['topic_words'][sys.argv[2]]))" \
    "$W/truth.json" "$t" > "$OUT/$t.txt"
done
for enc in "$@"; do
  name=$(basename "$enc")
  if [ "$enc" = tfidf ]; then sel=(--encoder tfidf); else sel=(--model "$enc"); fi
  "$A" --quiet --threads 2 profile embed "${sel[@]}" --input "$W/users.jsonl" --out "$OUT/$name.prof"
  sum=0
  for t in $topics; do
    p=$("$A" --quiet --threads 2 profile keywords "${sel[@]}" --users "$W/users.jsonl" --profiles "$OUT/$name.prof" \
      --campaign "$t" --top 20 --relevant "$OUT/$t.txt" --json |
      /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['relevant']['precision'])")
    echo "$name $t $p"
    sum=$(/usr/bin/python3 -c "print($sum + $p)")
  done
  /usr/bin/python3 -c "print('$name mean precision@20 over $(echo $topics | wc -w) topics:', round($sum / $(echo $topics | wc -w), 3))"
done
