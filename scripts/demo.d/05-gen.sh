# Gen: the simulated world (seed 7, small scale) that the later demo steps use.
"$ADPILOT" --quiet --seed 7 gen world --out "$DEMO_DIR/world" --scale small
ls -l "$DEMO_DIR/world" | awk 'NR > 1 {printf "  %-20s %12s bytes\n", $9, $5}'
