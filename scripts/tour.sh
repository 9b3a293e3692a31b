#!/usr/bin/env bash
# `make tour`: a guided tour of each stage's commands, printing each result next
# to the generated world's truth. Each stage adds one step in
# scripts/demo.d/NN-<stage>.sh (run in name order) with these variables set:
#   ADPILOT   path to the adpilot binary
#   DEMO_DIR  the tour's directory (printed at the end)
set -euo pipefail
ADPILOT="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEMO_DIR="${DEMO_DIR:-$ROOT/tour-run}"
mkdir -p "$DEMO_DIR"
export ADPILOT DEMO_DIR ROOT
for step in "$ROOT"/scripts/demo.d/*.sh; do
  [ -e "$step" ] || continue
  echo "== $(basename "$step" .sh)"
  bash "$step"
done
echo
echo "tour directory: $DEMO_DIR"
