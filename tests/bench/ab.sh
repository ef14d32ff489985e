#!/usr/bin/env bash
# Two builds side by side over HTTP: release binaries A and B (say, a commit and the one before
# it, each built in its own worktree) serve on loopback at once, and wrk drives W1 and W2
# (tests/bench/workloads.rs) alternately on each, ROUNDS times, so the machine's drift falls on
# both alike. W1 is measured at one connection (p50) and 32 (req/s), W2 at one connection.
#
#     A=../base/target/release/gradtape B=./target/release/gradtape bash tests/bench/ab.sh
#     WORKLOADS=DIR ...   # W1_seed.json and W2_mlp.json from `cargo bench --bench engine -- --write DIR`
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${A:?the first binary}" "${B:?the second binary}"
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5}
PORT=${PORT:-18181}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
work=$(mktemp -d)
if [ -n "${WORKLOADS:-}" ]; then
  cp "$WORKLOADS"/W1_seed.json "$WORKLOADS"/W2_mlp.json "$work"/   # written before, by the line below
else
  cargo bench --quiet --bench engine -- --write "$work" >/dev/null
fi
RUST_LOG=warn "$A" serve --addr 127.0.0.1:$PORT > "$work/a.log" 2>&1 &
a=$!
RUST_LOG=warn "$B" serve --addr 127.0.0.1:$((PORT + 1)) > "$work/b.log" 2>&1 &
b=$!
trap 'kill $a $b 2>/dev/null; rm -rf "$work"' EXIT
for p in $PORT $((PORT + 1)); do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/healthz" >/dev/null && break; sleep 0.1; done
done
run() { # workload connections port -> "rps p50"
  local out
  out=$(BODY="$work/$1.json" wrk -t"$(($2 > 1 ? 2 : 1))" -c"$2" -d"${DURATION}s" -s tests/bench/wrk.lua \
    "http://127.0.0.1:$3/v1/evaluate" | grep RESULT)
  read -r _ rps p50 _ err _ <<<"$out"
  [ "$err" -eq 0 ] || { echo "$1 on port $3: $err errors" >&2; exit 1; }
  echo "$rps $p50"
}
printf '%-6s %-4s %12s %12s %12s\n' round build "W1 p50 (us)" "W1 c32 req/s" "W2 p50 (us)"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then order="A B"; else order="B A"; fi
  for which in $order; do
    p=$PORT; [ "$which" = B ] && p=$((PORT + 1))
    read -r _ w1p50 <<<"$(run W1_seed 1 $p)"
    read -r w1rps _ <<<"$(run W1_seed 32 $p)"
    read -r _ w2p50 <<<"$(run W2_mlp 1 $p)"
    printf '%-6s %-4s %12s %12s %12s\n' "$r" "$which" "$w1p50" "$w1rps" "$w2p50"
  done
done
