#!/usr/bin/env bash
# Load test of `adpilot serve` next to nginx answering a static 204, both on
# loopback, driven by wrk (docs/benchmarks.d/80-serve.md has the figures).
#   bench/serve/run_wrk.sh ADPILOT MODEL [SECONDS]
# MODEL: an adpilot model file (the figures use the demo's ffm model).
# Runs: peak rate (closed loop, CONNS connections), then about 50% of that
# peak (wrk delay() pacing) for p50/p99, for adpilot and for nginx. Bounded:
# each run lasts SECONDS (default 10) and everything stops at the end.
set -euo pipefail
ADPILOT="$(readlink -f "$1")"
MODEL="$(readlink -f "$2")"
SECS="${3:-10}"
CONNS="${CONNS:-32}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BODY="${BODY:-$ROOT/../shared/data/openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json}"
WORK="$(mktemp -d /tmp/adpilot-wrk.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
APORT=$(free_port)
NPORT=$(free_port)

# The example config with the bench's model, a budget no run can spend, no pacing.
sed -e "s|^model = .*|model = \"$MODEL\"|" -e "s|^log_dir = .*|log_dir = \"\"|" \
    -e "s|^daily_budget = .*|daily_budget = 1000000000.0|" -e "s|^pacing = .*|pacing = \"none\"|" \
    "$ROOT/examples/serve.toml" > "$WORK/serve.toml"
"$ADPILOT" --quiet serve --config "$WORK/serve.toml" --port "$APORT" --threads 2 &
PIDS+=($!)

mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<NGX
worker_processes 2;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NPORT; location / { return 204; } }
}
NGX
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)

for i in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$APORT/healthz" && curl -s -o /dev/null "http://127.0.0.1:$NPORT/" && break
  sleep 0.1
done
code=$(curl -s -o "$WORK/resp.json" -w '%{http_code}' -H 'Content-Type: application/json' --data-binary @"$BODY" "http://127.0.0.1:$APORT/openrtb2/bid")
echo "adpilot answers the request with HTTP $code: $(head -c 300 "$WORK/resp.json")"
[ "$code" = 200 ] || { echo "expected a bid (200) on the bench request" >&2; exit 1; }

export BODY_FILE="$BODY" WRK_CONNS="$CONNS"
run() {  # name url rate
  local out rps
  out=$(WRK_RATE="$3" wrk -t1 -c"$CONNS" -d"${SECS}s" --latency -s "$ROOT/bench/serve/post.lua" "$2" 2>&1)
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  local p50 p99
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  echo "$1 rate=${3:-peak} req/s=$rps p50=$p50 p99=$p99 $(echo "$out" | grep -o 'requests=.*')" >&2
  echo "$rps"
}
echo "== $(nproc) cores, wrk -t1 -c$CONNS -d${SECS}s; adpilot 2 threads, nginx 2 workers"
A_PEAK=$(run adpilot "http://127.0.0.1:$APORT/openrtb2/bid" 0)
N_PEAK=$(run nginx "http://127.0.0.1:$NPORT/" 0)
A_HALF=$(/usr/bin/python3 -c "print(int(float('$A_PEAK')/2))")
N_HALF=$(/usr/bin/python3 -c "print(int(float('$N_PEAK')/2))")
run adpilot-half "http://127.0.0.1:$APORT/openrtb2/bid" "$A_HALF" >/dev/null
run nginx-half "http://127.0.0.1:$NPORT/" "$N_HALF" >/dev/null
curl -s "http://127.0.0.1:$APORT/metrics" | grep -E '^adpilot_(bids_total|nobids_total\{reason="(bad_request|budget)"\}|bid_latency_seconds_(sum|count))' >&2
