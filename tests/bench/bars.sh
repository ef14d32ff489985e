#!/usr/bin/env bash
# The performance bars of the issues in one run, so that the machine's drift falls on every
# figure alike. Four servers on loopback: the bare axum floor (tests/bench/floor.rs), build A and
# build B at RUST_LOG=warn, and build B again at the default level (its access log to a file).
# Each round, in an order that alternates, measures:
#   - W1 at 32 connections (req/s) on A, on B, on B logging, and the bare axum floor's req/s;
#   - W1 and /healthz at one connection (p50) on A and on B;
#   - W2 at one connection (p50) on A and on B;
#   - W1 over /healthz at one connection (p50) on B logging.
# B logging against B quiet is the access log's cost; W1 against /healthz is W1's floor ratio;
# A against B is a change's cost (set A=B to measure one build).
# The one-connection runs pin the server's threads to CPU 0 and wrk to CPU 1 (PIN=0 turns that
# off): unpinned, the scheduler puts them on one core in some runs (a /healthz p50 of ~10 us)
# and on two in others (~65 us, the cross-core wake-up the issue describes), so the W1/healthz
# ratio of one round mixed the two cases.
#
#     A=/tmp/base/gradtape B=./target/release/gradtape FLOOR=./target/release/examples/floor \
#       WORKLOADS=DIR bash tests/bench/bars.sh     # ROUNDS=5 DURATION=5 PORT=18181 (uses PORT..PORT+3)
#     WORKLOADS: W1_seed.json and W2_mlp.json from `cargo bench --bench engine -- --write DIR`
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${A:?the first binary}" "${B:?the second binary}" "${FLOOR:?the floor example binary}"
: "${WORKLOADS:?a directory with W1_seed.json and W2_mlp.json}"
ROUNDS=${ROUNDS:-5}
PIN=${PIN:-1}
DURATION=${DURATION:-5}
PORT=${PORT:-18181}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
work=$(mktemp -d)
cp "$WORKLOADS"/W1_seed.json "$WORKLOADS"/W2_mlp.json "$work"/
P_FLOOR=$PORT P_A=$((PORT + 1)) P_B=$((PORT + 2)) P_LOG=$((PORT + 3))
for p in $P_FLOOR $P_A $P_B $P_LOG; do
  if curl -s -o /dev/null "http://127.0.0.1:$p/"; then
    echo "port $p already answers: stop that server or set PORT" >&2
    exit 1
  fi
done
"$FLOOR" 127.0.0.1:$P_FLOOR > /dev/null 2>&1 &
floor=$!
RUST_LOG=warn "$A" serve --addr 127.0.0.1:$P_A > "$work/a.log" 2>&1 &
a=$!
RUST_LOG=warn "$B" serve --addr 127.0.0.1:$P_B > "$work/b.log" 2>&1 &
b=$!
env -u RUST_LOG "$B" serve --addr 127.0.0.1:$P_LOG > "$work/access.log" 2>&1 &
logged=$!
trap 'kill $floor $a $b $logged 2>/dev/null; rm -rf "$work"' EXIT
for p in $P_A $P_B $P_LOG; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done
for _ in $(seq 50); do curl -s -o /dev/null -d '{}' "http://127.0.0.1:$P_FLOOR/" && break; sleep 0.1; done
echo '{"outputs": []}' > "$work/floor.json"
run() { # body|- connections url -> "rps p50"
  local body="$work/$1" out pin=()
  [ "$1" = - ] && body=
  [ "$2" -eq 1 ] && [ "$PIN" = 1 ] && pin=(taskset -c 1)
  out=$(BODY="$body" "${pin[@]}" wrk -t"$(($2 > 1 ? 2 : 1))" -c"$2" -d"${DURATION}s" -s tests/bench/wrk.lua "$3" | grep RESULT)
  read -r _ rps p50 _ err _ <<<"$out"
  [ "$err" -eq 0 ] || { echo "$1 at $3: $err errors" >&2; exit 1; }
  echo "$rps $p50"
}
ev() { echo "http://127.0.0.1:$1/v1/evaluate"; }
printf '%-5s %-4s %11s %11s %11s %8s %11s %11s %11s %9s\n' round srv "W1 c32" "W1 p50" "hz p50" "W1/hz" "W2 p50" "log c32" "axum c32" "log W1/hz"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  read -r axum _ <<<"$(run floor.json 32 "http://127.0.0.1:$P_FLOOR/")"
  for which in $order; do
    p=$P_A; [ "$which" = B ] && p=$P_B
    logc32=-
    # the logging server goes before B in one round and after it in the next
    if [ "$which" = B ] && [ $((r % 2)) -eq 0 ]; then read -r logc32 _ <<<"$(run W1_seed.json 32 "$(ev $P_LOG)")"; fi
    read -r c32 _ <<<"$(run W1_seed.json 32 "$(ev $p)")"
    if [ "$which" = B ] && [ $((r % 2)) -eq 1 ]; then read -r logc32 _ <<<"$(run W1_seed.json 32 "$(ev $P_LOG)")"; fi
    pid=$a; [ "$which" = B ] && pid=$b
    [ "$PIN" = 1 ] && taskset -a -p -c 0 "$pid" > /dev/null
    read -r _ w1 <<<"$(run W1_seed.json 1 "$(ev $p)")"
    read -r _ hz <<<"$(run - 1 "http://127.0.0.1:$p/healthz")"
    read -r _ w2 <<<"$(run W2_mlp.json 1 "$(ev $p)")"
    [ "$PIN" = 1 ] && taskset -a -p -c "0-$(($(nproc) - 1))" "$pid" > /dev/null
    # B at the default level: the same p50 ratio with its access line a request
    logratio=-
    if [ "$which" = B ]; then
      [ "$PIN" = 1 ] && taskset -a -p -c 0 "$logged" > /dev/null
      read -r _ lw1 <<<"$(run W1_seed.json 1 "$(ev $P_LOG)")"
      read -r _ lhz <<<"$(run - 1 "http://127.0.0.1:$P_LOG/healthz")"
      [ "$PIN" = 1 ] && taskset -a -p -c "0-$(($(nproc) - 1))" "$logged" > /dev/null
      logratio=$(awk "BEGIN{printf \"%.2f\", $lw1/$lhz}")
    fi
    printf '%-5s %-4s %11s %11s %11s %8s %11s %11s %11s %9s\n' "$r" "$which" "$c32" "$w1" "$hz" \
      "$(awk "BEGIN{printf \"%.2f\", $w1/$hz}")" "$w2" "$logc32" "$axum" "$logratio"
  done
done
echo "req/s at 32 connections; p50s in us; log c32 and log W1/hz: B at the default level (an access line a request)"
echo "access log lines written: $(wc -l < "$work/access.log"); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
