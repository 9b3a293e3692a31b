#!/usr/bin/env bash
# One fuzz target under ctest: replays its regression inputs, then fuzzes for
# SECONDS ($FUZZ_SECONDS overrides) from its seeds and its growing corpus in
# WORK/corpus/<target>. A crash, sanitizer report, timeout (> 20 s for one
# input) or out-of-memory (> 2 GB) fails the test, and the input that caused
# it is copied to REGRESSIONS/<target>/ so that every later run replays it:
# commit it with the fix.
# usage: run.sh FUZZER TARGET SECONDS WORK_DIR REGRESSIONS_DIR
set -uo pipefail
bin=$1 name=$2 secs=${FUZZ_SECONDS:-$3} work=$4 reg=$5/$2
# UBSan reports abort (libFuzzer then keeps the input); leaks are checked.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
opts=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=20)
# make test fixes the seed and the number of inputs (FUZZ_SEED, FUZZ_RUNS):
# from a clean clone its round is the same every time, so CI reproduces what
# was run before a change was submitted; make fuzz explores with fresh seeds.
fuzz_opts=()
[ -n "${FUZZ_SEED:-}" ] && fuzz_opts+=(-seed="$FUZZ_SEED")
[ -n "${FUZZ_RUNS:-}" ] && fuzz_opts+=(-runs="$FUZZ_RUNS")

if compgen -G "$reg/*" >/dev/null; then
  echo "run.sh: $name: replaying $(ls "$reg" | wc -l) regression inputs from $reg"
  if ! "$bin" "${opts[@]}" "$reg"/* > "$work/$name.regressions.log" 2>&1; then
    tail -n 60 "$work/$name.regressions.log"
    echo "run.sh: $name: a regression input fails again (log: $work/$name.regressions.log)"
    exit 1
  fi
fi
[ "$secs" -gt 0 ] || exit 0

corpus=$work/corpus/$name artifacts=$work/artifacts/$name
mkdir -p "$corpus" "$artifacts"
dirs=("$corpus")
[ -d "$work/seeds/$name" ] && dirs+=("$work/seeds/$name")
echo "run.sh: $name: fuzzing for ${secs}s (corpus $corpus)"
if "$bin" "${opts[@]}" "${fuzz_opts[@]}" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$artifacts/" \
     "${dirs[@]}" > "$work/$name.log" 2>&1; then
  grep -E "^stat::(number_of_executed_units|new_units_added)|^#[0-9]+.*DONE" "$work/$name.log" | tr '\n' ' '
  echo
  exit 0
fi
tail -n 80 "$work/$name.log"
mkdir -p "$reg"
for f in "$artifacts"/*; do
  [ -f "$f" ] || continue
  cp "$f" "$reg/" && echo "run.sh: $name: kept $(basename "$f") as a regression input in $reg (commit it with the fix)"
  rm -f "$f"
done
echo "run.sh: $name: fuzzing found a failure (log: $work/$name.log)"
exit 1
