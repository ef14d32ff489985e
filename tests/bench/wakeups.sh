#!/usr/bin/env bash
# What sets W1's rate at 32 connections when wrk shares the server's cores: per request, the
# server's and wrk's context switches (voluntary: slept; involuntary: preempted) and their user
# and system CPU, for W1 as shipped, with one async worker, W1's body to the bare axum floor,
# /healthz, W1 with the server's threads at nice -5 (needs root), and W1 with wrk under
# SCHED_BATCH (its wake-ups preempt nothing). Alternating rounds, as bars.sh.
#
#     BIN=./target/release/gradtape FLOOR=./target/release/examples/floor \
#       W1=DIR/W1_seed.json bash tests/bench/wakeups.sh      # ROUNDS=3 PORT=18500 (PORT..PORT+2)
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${BIN:?the gradtape binary}" "${FLOOR:?the floor example binary}" "${W1:?W1_seed.json}"
ROUNDS=${ROUNDS:-3}
PORT=${PORT:-18500}
P_ONE=$((PORT + 1)) P_FLOOR=$((PORT + 2))
RUST_LOG=warn "$BIN" serve --addr 127.0.0.1:$PORT > /dev/null 2>&1 &
srv=$!
TOKIO_WORKER_THREADS=1 RUST_LOG=warn "$BIN" serve --addr 127.0.0.1:$P_ONE > /dev/null 2>&1 &
one=$!
"$FLOOR" 127.0.0.1:$P_FLOOR > /dev/null 2>&1 &
floor=$!
trap 'kill $srv $one $floor 2>/dev/null' EXIT
for p in $PORT $P_ONE; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done
sleep 0.5
switches() { # pid -> "voluntary involuntary", summed over its threads
  cat /proc/"$1"/task/*/status | awk '/^voluntary/{v+=$2} /^nonvoluntary/{n+=$2} END{print v, n}'
}
cpu() { awk '{print $14, $15}' /proc/"$1"/stat; }
measure() { # label pid body|- url [wrk prefix...]
  local label=$1 pid=$2 body=$3 url=$4
  shift 4
  [ "$body" = - ] && body=
  BODY="$body" "$@" wrk -t2 -c32 -d4s -s tests/bench/wrk.lua "$url" > /tmp/wakeups.$$ &
  local w=$!
  sleep 0.3
  local wpid
  wpid=$(pgrep -n -x wrk)
  local s0 w0 c0 d0 t0 s1 w1 c1 d1 t1
  s0=$(switches "$pid"); w0=$(switches "$wpid"); c0=$(cpu "$pid"); d0=$(cpu "$wpid"); t0=$(date +%s.%N)
  sleep 3
  s1=$(switches "$pid"); w1=$(switches "$wpid"); c1=$(cpu "$pid"); d1=$(cpu "$wpid"); t1=$(date +%s.%N)
  wait "$w"
  local rps
  rps=$(awk '/RESULT/{print $2}' /tmp/wakeups.$$)
  rm -f /tmp/wakeups.$$
  # clock ticks are 10 ms: ticks * 1e4 / requests = µs a request
  python3 -c "
r = $rps * ($t1 - $t0); s0, s1, w0, w1 = '$s0'.split(), '$s1'.split(), '$w0'.split(), '$w1'.split()
c0, c1, d0, d1 = '$c0'.split(), '$c1'.split(), '$d0'.split(), '$d1'.split()
f = lambda a, b, i: (int(b[i]) - int(a[i])) / r
print(f'%-9s %8d  server: slept %.2f preempted %.2f user %5.1f us sys %5.1f us | wrk: slept %.2f user %4.1f us sys %4.1f us'
      % ('$label', $rps, f(s0, s1, 0), f(s0, s1, 1), f(c0, c1, 0) * 1e4, f(c0, c1, 1) * 1e4,
         f(w0, w1, 0), f(d0, d1, 0) * 1e4, f(d0, d1, 1) * 1e4))"
}
nice_all() { for t in /proc/"$srv"/task/*; do renice -n "$1" -p "${t##*/}" > /dev/null; done; }
ev=http://127.0.0.1:$PORT/v1/evaluate
echo "per request at 32 connections (req/s, then context switches and CPU a request)"
for r in $(seq "$ROUNDS"); do
  echo "round $r"
  measure W1 "$srv" "$W1" "$ev"
  measure 1worker "$one" "$W1" "http://127.0.0.1:$P_ONE/v1/evaluate"
  measure floor "$floor" "$W1" "http://127.0.0.1:$P_FLOOR/"
  measure healthz "$srv" - "http://127.0.0.1:$PORT/healthz"
  if nice_all -5 2>/dev/null; then
    measure nice-5 "$srv" "$W1" "$ev"
    nice_all 0
  fi
  measure wrkbatch "$srv" "$W1" "$ev" chrt -b 0
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
