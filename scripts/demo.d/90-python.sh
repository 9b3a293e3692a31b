# The Python module (docs/python.md): examples/python/walkthrough.py at small
# sizes, from a DataFrame to a trained FFM, a budget allocation and an A/B
# readout, with its plots, all through `import adpilot`.
PYDIR="$(dirname "$ADPILOT")/python"
if ! ls "$PYDIR"/adpilot/_core*.so > /dev/null 2>&1; then
  echo "python: skipped (the module is not built: make python, which needs pybind11-dev)"
  exit 0
fi
if ! /usr/bin/python3 -c "import pandas, sklearn, matplotlib" 2> /dev/null; then
  echo "python: skipped (needs Debian's python3-pandas, python3-sklearn, python3-matplotlib)"
  exit 0
fi
mkdir -p "$DEMO_DIR/python"
if ! PYTHONPATH="$PYDIR" /usr/bin/python3 "$ROOT/examples/python/walkthrough.py" "$DEMO_DIR/python" --small \
  > "$DEMO_DIR/python/walkthrough.txt" 2> "$DEMO_DIR/python/walkthrough.err"; then
  echo "python: the walk-through failed:"; tail -3 "$DEMO_DIR/python/walkthrough.err"; exit 1
fi
sed 's/^/  /' "$DEMO_DIR/python/walkthrough.txt"
echo "  plots: $DEMO_DIR/python/{ctr,mmm_curves,allocation,abtest}.png"
