#!/usr/bin/env bash
# Data-parallel scaling on one machine (docs/distributed.md, docs/benchmarks.md):
# rows/s of `mpirun -np 1|2 adpilot train --model lr` streaming a generated
# Criteo-layout file of 1M and 10M rows, the peak memory of each rank (flat as
# the data grows: a rank streams its byte range), and Vowpal Wabbit's
# single-process rate on the same rows (its own text format, converted by
# `adpilot data convert --to vw`), measured in the same run.
#   bench/distributed/scaling.sh build/adpilot [vw binary] [work dir]
set -euo pipefail
ADPILOT="$(realpath "$1")"
VW="${2:-$(command -v vw || true)}"
WORK="${3:-/tmp/adpilot-scaling}"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mkdir -p "$WORK"
cd "$WORK"
[ -f world/auctions.tsv ] || "$ADPILOT" --quiet gen world --out world --seed 7 > /dev/null
base=$(wc -l < world/auctions.tsv)
for rows in 1000000 10000000; do
  f="rows$rows.tsv"
  if [ ! -f "$f" ]; then
    # Whole copies of the world's auctions, then the head: every row is real.
    reps=$(( (rows + base - 1) / base ))
    for _ in $(seq "$reps"); do cat world/auctions.tsv; done | head -n "$rows" > "$f"
  fi
done
printf '| rows | peer | ranks | wall s | rows/s | peak RSS per rank (MiB) |\n| --- | --- | --- | --- | --- | --- |\n'
for rows in 1000000 10000000; do
  f="rows$rows.tsv"
  for np in 1 2; do
    rm -f rss.*
    start=$(date +%s.%N)
    mpirun --oversubscribe -np $np bash -c 'exec /usr/bin/time -f %M -o rss.$OMPI_COMM_WORLD_RANK "$0" "$@"' \
      "$ADPILOT" --quiet --threads 1 train --model lr --bits 22 --epochs 1 --memory no --data "$f" \
      --out lr.apm --json > train.json
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc -l)
    rss=$(for r in rss.*; do echo $(( $(tail -1 "$r") / 1024 )); done | paste -sd/)
    printf '| %s | adpilot lr | %d | %.1f | %.0f | %s |\n' "$rows" $np "$wall" "$(echo "$rows / $wall" | bc -l)" "$rss"
  done
  if [ -n "$VW" ]; then
    v="rows$rows.vw"
    [ -f "$v" ] || "$ADPILOT" --quiet data convert "$f" --format criteo --to vw --bits 22 --out "$v" > /dev/null
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o rss.vw "$VW" --quiet -d "$v" --loss_function logistic -b 22 --ftrl -f vw.model
    end=$(date +%s.%N)
    wall=$(echo "$end - $start" | bc -l)
    printf '| %s | vw --ftrl | 1 | %.1f | %.0f | %s |\n' "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" \
      $(( $(tail -1 rss.vw) / 1024 ))
  fi
done
