#!/usr/bin/env bash
# `make demo`: the main job on built-in data. Runs `adpilot run examples/demo.toml`
# into a run directory (default ./demo-run) and prints it; report.html and
# summary.json are there. A rerun reuses every step whose inputs did not change.
set -euo pipefail
ADPILOT="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
RUN_DIR="${DEMO_DIR:-$ROOT/demo-run}"
"$ADPILOT" run "$ROOT/examples/demo.toml" --out "$RUN_DIR"
echo
echo "run directory: $RUN_DIR"
