#!/usr/bin/env bash
# The installed tree works outside the source tree: `cmake --install` into a
# temporary prefix, then examples/cpp builds against it with find_package and
# with pkg-config, trains and scores, and the installed CLI reads its model.
#   install_test.sh BUILD_DIR SOURCE_DIR [SANITIZERS]
# SANITIZERS (e.g. address,undefined: the build's ADPILOT_SANITIZE) builds the
# example with them too: an instrumented libadpilot needs the runtime.
set -euo pipefail
build=$1 src=$2 san=${3:-}
san_flags=""
[ -n "$san" ] && san_flags="-fsanitize=$san"
tmp=$build/test-tmp/install
rm -rf "$tmp"
mkdir -p "$tmp"
cmake --install "$build" --prefix "$tmp/prefix" > "$tmp/install.log"
prefix=$tmp/prefix
"$prefix/bin/adpilot" --version
test -f "$prefix/include/adpilot/model.h"
test -f "$prefix/lib/cmake/adpilot/adpilotConfig.cmake"
test -f "$prefix/share/adpilot/vega.min.js" || { echo "no chart libraries installed (npm ci in web/)"; exit 1; }

# Criteo layout: label, 13 integers, 26 categoricals; C1 carries the click.
rows() {
  awk -v seed="$1" -v n="$2" 'BEGIN { srand(seed); for (i = 0; i < n; i++) {
    l = rand() < 0.25; printf "%d", l
    for (c = 1; c <= 13; c++) printf "\t%d", int(rand() * 10)
    for (c = 0; c < 26; c++) printf "\t%x", (c == 0 && l && rand() < 0.7 ? 9 + int(rand() * 2) : int(rand() * (c ? 40 : 9)))
    printf "\n" } }'
}
rows 1 3000 > "$tmp/train.tsv"
rows 2 1000 > "$tmp/test.tsv"

cmake -S "$src/examples/cpp" -B "$tmp/ex" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="$san_flags" -DCMAKE_EXE_LINKER_FLAGS="$san_flags" > "$tmp/ex-configure.log"
cmake --build "$tmp/ex" > "$tmp/ex-build.log"
"$tmp/ex/train_and_score" "$tmp/train.tsv" "$tmp/test.tsv" "$tmp/model.apm" | tee "$tmp/out.txt"
grep -q "1000 test rows" "$tmp/out.txt"
# The installed CLI reads the model the library wrote; C1 predicts the click.
"$prefix/bin/adpilot" --quiet eval --model "$tmp/model.apm" --data "$tmp/test.tsv" --json > "$tmp/eval.json"
/usr/bin/python3 -c "import json,sys; a=json.load(open(sys.argv[1]))['auc']; print('auc', a); sys.exit(a < 0.7)" \
  "$tmp/eval.json"

# pkg-config: the same program with plain g++.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
g++ -O1 $san_flags "$src/examples/cpp/train_and_score.cc" $(pkg-config --cflags --libs adpilot) -Wl,-rpath,"$prefix/lib" \
  -o "$tmp/ex-pc"
"$tmp/ex-pc" "$tmp/train.tsv" "$tmp/test.tsv" "$tmp/model-pc.apm" | grep -q "1000 test rows"
# The Debian package holds the same tree under /usr, its Depends from the binaries.
(cd "$build" && cpack -G DEB -B "$tmp/deb" > "$tmp/cpack.log")
deb=$(ls "$tmp"/deb/adpilot_*.deb)
dpkg-deb -c "$deb" > "$tmp/deb-files.txt"
for f in ./usr/bin/adpilot ./usr/include/adpilot/model.h ./usr/share/adpilot/vega.min.js ./usr/lib/pkgconfig/adpilot.pc; do
  grep -q " $f" "$tmp/deb-files.txt" || { echo "$deb lacks $f"; exit 1; }
done
dpkg-deb -f "$deb" Depends | tee "$tmp/depends.txt"
grep -q libxgboost "$tmp/depends.txt"
echo "install tree OK"
