#!/usr/bin/env bash
# What the access log costs: the same release binary started twice, at the default level (one
# info line per request, written to a file as a log collector would take it) and with
# RUST_LOG=warn (no line), driven alternately with W1 (the seed network's dL/dW) so that the
# machine's drift falls on both alike. Each round measures, on each server, W1 at 32 connections
# (req/s, and the server's CPU time per request, which other load on the machine disturbs far less
# than req/s) and W1 at one connection (p50), and /healthz at one connection (p50) on the default
# one.
#
#     bash tests/bench/access_log.sh                  # ROUNDS=5 DURATION=5 PORT=18181
#     BIN=/path/to/gradtape bash tests/bench/access_log.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
PORT=${PORT:-18181}
QUIET_PORT=$((PORT + 1))
BIN=${BIN:-}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -z "$BIN" ]; then
  cargo build --release --quiet --bin gradtape
  BIN=./target/release/gradtape
fi
work=$(mktemp -d)
for p in $PORT $QUIET_PORT; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then
    echo "port $p already answers: stop that server or set PORT (this uses PORT and PORT+1)" >&2
    exit 1
  fi
done
env -u RUST_LOG "$BIN" serve --addr 127.0.0.1:$PORT > "$work/access.log" 2>&1 &
logged=$!
RUST_LOG=warn "$BIN" serve --addr 127.0.0.1:$QUIET_PORT > "$work/quiet.log" 2>&1 &
quiet=$!
trap 'kill $logged $quiet 2>/dev/null; rm -rf "$work"' EXIT
for p in $PORT $QUIET_PORT; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done

# W1 as tests/bench/workloads.rs writes it
cat > "$work/W1.json" <<'JSON'
{"variables": [{"name": "W", "value": [[0.015110626, 0.0042292206, -0.0041969493, -0.010360372], [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582]]}],
 "setup": [{"name": "x", "op": "constant", "value": [76, 120, 37.5]}, {"name": "y", "op": "constant", "value": [1.0, 0.0]},
           {"name": "xB", "op": "concat", "inputs": ["x", [1.0]], "axis": 0}],
 "graph": [{"name": "z", "op": "matvec", "inputs": ["W", "xB"]}, {"name": "a", "op": "softmax", "inputs": ["z"]},
           {"name": "l", "op": "log", "inputs": ["a"]}, {"name": "t", "op": "multiply", "inputs": ["y", "l"]},
           {"name": "s", "op": "reduce_sum", "inputs": ["t"]}, {"name": "L", "op": "negative", "inputs": ["s"]}],
 "requests": [{"gradient": {"target": "L", "sources": "W"}}]}
JSON
curl -sf -d @"$work/W1.json" -H 'Content-Type: application/json' "http://127.0.0.1:$PORT/v1/evaluate" | grep -q gradient

run() { # connections body|- url -> "rps p50 p99 errors requests"
  local body=$2
  [ "$body" = - ] && body=
  BODY="$body" wrk -t"$(( $1 > 1 ? 2 : 1 ))" -c"$1" -d"${DURATION}s" -s tests/bench/wrk.lua "$3" | grep RESULT | cut -d' ' -f2-
}
cpu_ns() { # the CPU time (user and system) a process has used, its ended threads' included, in ns
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1e9 / hz}' /proc/"$1"/stat
}
declare -A pid=([$PORT]=$logged [$QUIET_PORT]=$quiet)
printf '%-6s %12s %12s %10s %11s %11s %10s %11s %11s %11s\n' round "c32 info" "c32 warn" "info/warn" \
  "cpu/req i" "cpu/req w" "i/w" "p50 info" "p50 warn" "p50 health"
for r in $(seq "$ROUNDS"); do
  # alternate which server goes first, so neither always runs on a warmer machine
  if [ $((r % 2)) -eq 1 ]; then order="$PORT $QUIET_PORT"; else order="$QUIET_PORT $PORT"; fi
  declare -A c32 c1 cpu
  for p in $order; do
    before=$(cpu_ns "${pid[$p]}")
    read -r rps _ _ err n <<<"$(run 32 "$work/W1.json" "http://127.0.0.1:$p/v1/evaluate")"
    after=$(cpu_ns "${pid[$p]}")
    [ "$err" -eq 0 ] || { echo "errors: $err" >&2; exit 1; }
    c32[$p]=$rps
    cpu[$p]=$(awk "BEGIN{printf \"%.2f\", ($after - $before) / 1000 / $n}")
    read -r _ p50 _ <<<"$(run 1 "$work/W1.json" "http://127.0.0.1:$p/v1/evaluate")"
    c1[$p]=$p50
  done
  read -r _ hp50 _ <<<"$(run 1 - "http://127.0.0.1:$PORT/healthz")"
  printf '%-6s %12s %12s %10s %11s %11s %10s %11s %11s %11s\n' "$r" "${c32[$PORT]}" "${c32[$QUIET_PORT]}" \
    "$(awk "BEGIN{printf \"%.3f\", ${c32[$PORT]}/${c32[$QUIET_PORT]}}")" "${cpu[$PORT]}" "${cpu[$QUIET_PORT]}" \
    "$(awk "BEGIN{printf \"%.3f\", ${cpu[$PORT]}/${cpu[$QUIET_PORT]}}")" "${c1[$PORT]}" "${c1[$QUIET_PORT]}" "$hp50"
done
echo "cpu/req: the server's CPU time per W1 request at 32 connections, in us; p50s in us"
echo "access log lines written: $(wc -l < "$work/access.log") (default level), $(wc -l < "$work/quiet.log") (warn)"
