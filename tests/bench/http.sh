#!/usr/bin/env bash
# HTTP benchmark: starts the release server on loopback and drives workloads W1-W5 through
# POST /v1/evaluate with wrk: one connection for latency (p50, p99), 32 for throughput.
# `axum_floor` is the issue's HTTP floor, a bare axum endpoint (tests/bench/floor.rs) that
# parses a small JSON body and answers a small JSON; `floor` is the same through gradtape
# (an empty program: its layers, parse, decode and encode).
# Bounded in time (DURATION seconds a run) and aimed at 127.0.0.1 only.
#
#     bash tests/bench/http.sh            # DURATION=5 by default
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5}
PORT=${PORT:-18181}
FLOOR_PORT=$((PORT + 1))
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
work=$(mktemp -d)
cargo build --release --quiet --bin gradtape --example floor
cargo bench --quiet --bench engine -- --write "$work" >/dev/null
for p in $PORT $FLOOR_PORT; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then
    echo "port $p already answers: stop that server or set PORT (this uses PORT and PORT+1)" >&2
    exit 1
  fi
done
RUST_LOG=warn ./target/release/gradtape serve --addr 127.0.0.1:$PORT &
server=$!
./target/release/examples/floor 127.0.0.1:$FLOOR_PORT &
floor=$!
trap 'kill $server $floor 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
for _ in $(seq 50); do curl -s -o /dev/null -d '{}' http://127.0.0.1:$FLOOR_PORT/ && break; sleep 0.1; done

# the HTTP floor: the smallest evaluate (parse a small JSON body, answer a small JSON)
echo '{"outputs": []}' > "$work/floor.json"

printf '%-16s %10s %10s %10s %12s %8s\n' workload "p50 (us)" "p99 (us)" "req/s c1" "req/s c32" errors
for f in axum_floor "$work"/floor.json "$work"/W*.json; do
  name=$(basename "$f" .json)
  url=http://127.0.0.1:$PORT/v1/evaluate
  if [ "$f" = axum_floor ]; then f="$work/floor.json" url=http://127.0.0.1:$FLOOR_PORT/; fi
  one=$(BODY=$f wrk -t1 -c1 -d"${DURATION}s" -s tests/bench/wrk.lua "$url" | grep RESULT)
  many=$(BODY=$f wrk -t2 -c32 -d"${DURATION}s" -s tests/bench/wrk.lua "$url" | grep RESULT)
  read -r _ rps1 p50 p99 err1 _ <<<"$one"
  read -r _ rps32 _ _ err32 _ <<<"$many"
  printf '%-16s %10s %10s %10s %12s %8s\n' "$name" "$p50" "$p99" "$rps1" "$rps32" "$((err1 + err32))"
done

# Mixed load: the seed program from 32 connections while 2 connections send the MLP (W2) and
# 2 more the 512x512 Jacobian (W3); light requests must keep answering, nothing may fail.
echo
echo "mixed load for ${DURATION}s: W1 on 32 connections, W2 and W3 on 2 connections each, /healthz on 1"
BODY="$work/W2_mlp.json" wrk -t1 -c2 -d"${DURATION}s" -s tests/bench/wrk.lua http://127.0.0.1:$PORT/v1/evaluate > "$work/w2.out" &
w2=$!
BODY="$work/W3_jacobian.json" wrk -t1 -c2 -d"${DURATION}s" -s tests/bench/wrk.lua http://127.0.0.1:$PORT/v1/evaluate > "$work/w3.out" &
w3=$!
wrk -t1 -c1 -d"${DURATION}s" --latency http://127.0.0.1:$PORT/healthz > "$work/health.out" &
health=$!
BODY="$work/W1_seed.json" wrk -t2 -c32 -d"${DURATION}s" -s tests/bench/wrk.lua http://127.0.0.1:$PORT/v1/evaluate > "$work/w1.out"
wait $w2 $w3 $health
for w in w1 w2 w3; do
  read -r _ rps p50 p99 err n <<<"$(grep RESULT "$work/$w.out")"
  printf '%-8s %8s req/s  p50 %8s us  p99 %8s us  errors %s of %s\n' "$w" "$rps" "$p50" "$p99" "$err" "$n"
done
printf '%-8s %8s\n' healthz "$(grep -E '^\s+(50|99)%' "$work/health.out" | tr -s ' ' | tr '\n' ' ')"
