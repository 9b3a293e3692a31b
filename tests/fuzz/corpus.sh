#!/usr/bin/env bash
# Builds the seed corpora of the fuzz targets in OUT/<target>/ (read-only
# input for run.sh; the fuzzers' own growing corpora live elsewhere):
#   - tests/fuzz/seeds/<target>/: small hand-made seeds kept in the repository;
#   - excerpts (a few lines) of ../shared/data, read here and never copied into
#     the repository; skipped with a message when that folder is absent;
#   - the binary seeds fuzz_seeds writes (models, cache, profile store);
#   - examples/*.toml for the config targets.
# usage: corpus.sh SOURCE_DIR FUZZ_SEEDS_BINARY OUT_DIR
set -euo pipefail
src=$1 seeds_bin=$2 out=$3
rm -rf "$out"
mkdir -p "$out"
for d in "$src"/tests/fuzz/seeds/*/; do
  t=$(basename "$d")
  mkdir -p "$out/$t"
  cp "$d"* "$out/$t/"
done
"$seeds_bin" "$out"

# First lines of a (possibly gzipped) file into OUT/<target>/<name>.
excerpt() {  # target name lines file
  mkdir -p "$out/$1"
  if [[ $4 == *.gz ]]; then (zcat "$4" 2>/dev/null || true) | head -n "$3" > "$out/$1/$2"
  else head -n "$3" "$4" > "$out/$1/$2"; fi
}
shared="$src/../shared/data"
if [ -d "$shared" ]; then
  excerpt fuzz_reader_criteo wide_resdnn 4 "$shared/criteo/wide_resdnn/train.csv.gz"
  excerpt fuzz_reader_avazu deepctr 4 "$shared/avazu/deepctr/avazu_sample.txt"
  excerpt fuzz_reader_avazu wide_resdnn 4 "$shared/avazu/wide_resdnn/train.csv.gz"
  excerpt fuzz_reader_ipinyou drsa 3 "$shared/ipinyou/drsa_2259/train.log.txt.gz"
  excerpt fuzz_reader_rlb validation 12 "$shared/ipinyou/rlb_dp/1000/2259.validation.txt.gz"
  excerpt fuzz_reader_rlb theta 6 "$shared/ipinyou/rlb_dp/ipinyou-data/2997.test.theta.txt.gz"
  n=0
  for f in "$shared"/openrtb/*/bid-request/*/*.json; do
    n=$((n + 1))
    mkdir -p "$out/fuzz_serve_request" "$out/fuzz_http"
    cp "$f" "$out/fuzz_serve_request/ortb-$n.json"
    # A bid request, then its win notice at 1.25 and a click, on one connection.
    { printf 'POST /openrtb2/bid HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n' "$(wc -c < "$f")"
      cat "$f"
      printf 'GET $WIN HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n1.25'
      printf 'GET $CLICK HTTP/1.1\r\nHost: x\r\n\r\n'; } > "$out/fuzz_http/ortb-$n"
  done
else
  echo "corpus.sh: $shared absent: seeds from the repository only" >&2
fi
mkdir -p "$out/fuzz_config_run" "$out/fuzz_config_serve"
cp "$src"/examples/demo.toml "$src"/examples/own-data.toml "$out/fuzz_config_run/"
cp "$src"/examples/serve.toml "$out/fuzz_config_serve/"
