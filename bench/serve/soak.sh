#!/usr/bin/env bash
# Budget soak (docs/security.md): two `adpilot serve` replicas sharing one
# Redis budget, an open-loop bid load at a fraction of their peak, win notices
# late, out of order, duplicated and forged in set proportions, and Redis
# restarted once half way. Prints the soak's JSON: total spend vs budget
# (must be <= budget + one max bid), spend vs what the "exchange" billed,
# wins charged vs sent, forged notices accepted (must be 0), p99 latency.
#   bench/serve/soak.sh ADPILOT MODEL [SECONDS]
# Environment: LOAD=0.9 (fraction of the measured closed-loop peak), RATE
# (fixed offered rate instead), TTL=5 (reservation_ttl_s), LATE=0.05,
# LATE_MIN=1, LATE_MAX=4 (seconds; within TTL unless you set them past it),
# DUP=0.1, LOSS_FIRST=0.05, FORGE=0.05, WIN=0.2, BUDGET (USD; default: half of
# what the run would win). Loopback only; bounded by SECONDS (default 600)
# plus the drain; everything started here is stopped on exit.
set -euo pipefail
ADPILOT="$(readlink -f "$1")"
MODEL="$(readlink -f "$2")"
SECS="${3:-600}"
BUILD="$(dirname "$ADPILOT")"
SOAK="${SOAK:-$BUILD/bench/soak}"
LOADGEN="${LOADGEN:-$BUILD/bench/loadgen}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BODY="${BODY:-$ROOT/../shared/data/openrtb/mxmcherry_openrtb2/bid-request/2.5/simple-banner.json}"
TTL="${TTL:-5}"
[ -x "$SOAK" ] || { echo "no soak driver at $SOAK (ninja -C BUILD soak)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "redis-server not installed" >&2; exit 1; }
WORK="$(mktemp -d /tmp/adpilot-soak.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT
if [ ! -f "$BODY" ]; then
  BODY="$WORK/req.json"
  echo '{"id":"soak","at":2,"imp":[{"id":"1","bidfloor":0.01,"banner":{"w":300,"h":250}}],"site":{"domain":"www.foobar.com"}}' > "$BODY"
fi
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
RPORT=$(free_port); P1=$(free_port); P2=$(free_port)
mkdir -p "$WORK/redis"
start_redis() {
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
    --dir "$WORK/redis" --loglevel warning --daemonize no > "$WORK/redis.log" 2>&1 &
  echo $! > "$WORK/redis.pid"
  for _ in $(seq 100); do redis-cli -p "$RPORT" ping >/dev/null 2>&1 && return 0; sleep 0.05; done
  return 1
}
start_redis
# The restart the soak runs half way: SIGKILL (no shutdown save; the AOF,
# fsynced on every write, keeps the counters), a pause, and the same port
# again. (With appendfsync everysec a kill loses up to a second of writes.)
cat > "$WORK/restart.sh" <<SH
#!/usr/bin/env bash
kill -9 \$(cat "$WORK/redis.pid"); sleep 1
redis-server --port $RPORT --bind 127.0.0.1 --save "" --appendonly yes --appendfsync always \
  --dir "$WORK/redis" --loglevel warning --daemonize no >> "$WORK/redis.log" 2>&1 &
echo \$! > "$WORK/redis.pid"
SH
chmod +x "$WORK/restart.sh"

config() {  # budget
  sed -e "s|^model = .*|model = \"$MODEL\"|" -e "s|^log_dir = .*|log_dir = \"\"|" \
      -e "s|^daily_budget = .*|daily_budget = $1|" -e "s|^pacing = .*|pacing = \"none\"|" \
      -e "s|^# redis = .*|redis = \"127.0.0.1:$RPORT\"\nredis_prefix = \"soak$RANDOM\"|" \
      -e "s|^notice_secret = .*|notice_secret = \"soak-secret-0123456789\"|" \
      -e "s|^reservation_ttl_s = .*|reservation_ttl_s = $TTL|" -e "s|^notice_ttl_s = .*|notice_ttl_s = $((TTL * 6))|" \
      "$ROOT/examples/serve.toml" > "$WORK/serve.toml"
}
start_replicas() {
  for p in $P1 $P2; do
    "$ADPILOT" --quiet serve --config "$WORK/serve.toml" --port "$p" --threads 2 --replica-id "soak$p" &
    PIDS+=($!)
  done
  for p in $P1 $P2; do
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$p/healthz" && break; sleep 0.1; done
  done
}
stop_replicas() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; PIDS=(); }

if [ -z "${RATE:-}" ]; then
  # Peak: closed loop on both replicas with a budget no run can spend.
  config 1000000000.0
  start_replicas
  # Both replicas loaded at once: they share the machine's cores.
  LG=()
  for p in $P1 $P2; do
    "$LOADGEN" --url "http://127.0.0.1:$p/openrtb2/bid" --body "$BODY" --rate 0 --connections 8 --duration 5 --json \
      > "$WORK/peak-$p.json" &
    LG+=($!)
  done
  wait "${LG[@]}"
  peak=$(cat "$WORK"/peak-*.json | /usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["rate"] for l in sys.stdin if l.strip()))')
  stop_replicas
  RATE=$(echo "$peak ${LOAD:-0.9}" | awk '{printf "%d", $1 * $2}')
  echo "soak: measured peak $peak bids/s over both replicas; offering $RATE" >&2
fi
WIN="${WIN:-0.2}"
# Wins cost more than 0.001 on average with the example's max_cpm: this runs out half way or sooner.
BUDGET="${BUDGET:-$(echo "$RATE $SECS $WIN" | awk '{printf "%.3f", $1 * $2 * $3 * 0.001 * 0.5}')}"
config "$BUDGET"
start_replicas
"$SOAK" --targets "127.0.0.1:$P1,127.0.0.1:$P2" --body "$BODY" --rate "$RATE" --duration "$SECS" \
  --budget "$BUDGET" --win "$WIN" --late "${LATE:-0.05}" --late-min-s "${LATE_MIN:-1}" --late-max-s "${LATE_MAX:-4}" \
  --dup "${DUP:-0.1}" --loss-first "${LOSS_FIRST:-0.05}" --forge "${FORGE:-0.05}" \
  --event-at "$(echo "$SECS" | awk '{print $1 / 2}')" --event "$WORK/restart.sh" --json
