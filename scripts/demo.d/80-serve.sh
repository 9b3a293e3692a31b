# Serve: start the bidder on a free loopback port with examples/serve.toml and
# the demo's model, answer the IAB simple-banner request, settle a win, show
# the metrics, stop. Skipped when no model was trained earlier in the demo.
MODEL="$DEMO_DIR/predict/ffm.apm"
REQ="$ROOT/../shared/data/openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json"
if [ ! -f "$MODEL" ] || [ ! -f "$REQ" ]; then
  echo "serve: skipped (needs $MODEL and $REQ)"
  exit 0
fi
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$ADPILOT" --quiet serve --config "$ROOT/examples/serve.toml" --port "$PORT" \
  --model "$MODEL" --log-dir "$DEMO_DIR/serve-logs" &
PID=$!
trap 'kill $PID 2>/dev/null; wait $PID 2>/dev/null' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
RESP=$(curl -s -H 'Content-Type: application/json' --data-binary @"$REQ" "http://127.0.0.1:$PORT/openrtb2/bid")
echo "bid response: $RESP"
NURL=$(echo "$RESP" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["seatbid"][0]["bid"][0]["nurl"])')
curl -s "${NURL//\$\{AUCTION_PRICE\}/0.5}" && echo
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^adpilot_(bids_total|wins_total|campaign_spend|model_info)'
