#!/usr/bin/env bash
# Cells against programs, and against TensorFlow itself:
# 1. the seed network as a cell (cells/seed_cell.py, text/x-python to POST /v1/cells) beside the
#    same network as a program (cells/seed_program.json to POST /v1/evaluate): wrk, one
#    connection, p50 and req/s of each, in the same run;
# 2. a 1,000-step logistic regression cell (cells/logistic_1000.py): gradtape over HTTP against
#    TensorFlow 2.15 eager running the same Python in-process (cells/tf_inprocess.py; needs the
#    oracle's venv, PYTHON=/tmp/tf/bin/python by default; skipped without it). gradtape's answer
#    must print what TensorFlow printed (cells/logistic_1000.stdout.json).
#
#     bash tests/bench/cells.sh            # DURATION=5, RUNS=5 by default
#     BIN=/tmp/gradtape.old bash tests/bench/cells.sh   # another build of the server, as it is
set -euo pipefail
cd "$(dirname "$0")/../.."
DURATION=${DURATION:-5}
RUNS=${RUNS:-5}
PORT=${PORT:-18191}
PYTHON=${PYTHON:-/tmp/tf/bin/python}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet --bin gradtape
  BIN=./target/release/gradtape
fi
work=$(mktemp -d)
RUST_LOG=warn "$BIN" serve --addr 127.0.0.1:$PORT &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done

printf '%-22s %10s %10s %10s %8s\n' workload "p50 (us)" "p99 (us)" "req/s c1" errors
for w in "seed_program application/json /v1/evaluate tests/bench/cells/seed_program.json" \
         "seed_cell text/x-python /v1/cells tests/bench/cells/seed_cell.py"; do
  read -r name ctype path body <<<"$w"
  status=$(curl -s -o "$work/$name.out" -w '%{http_code}' -H "Content-Type: $ctype" --data-binary @"$body" http://127.0.0.1:$PORT$path)
  if [ "$status" != 200 ] || grep -q '"error":{' "$work/$name.out"; then
    echo "$name answered $status: $(head -c 300 "$work/$name.out")" >&2; exit 1
  fi
  read -r _ rps p50 p99 err <<<"$(CTYPE=$ctype BODY=$body wrk -t1 -c1 -d"${DURATION}s" -s tests/bench/wrk.lua http://127.0.0.1:$PORT$path | grep RESULT)"
  printf '%-22s %10s %10s %10s %8s\n' "$name" "$p50" "$p99" "$rps" "$err"
done

echo
echo "1,000-step logistic regression (cells/logistic_1000.py), median of $RUNS runs"
times=()
for _ in $(seq "$RUNS"); do
  t=$(curl -s -o "$work/logistic.json" -w '%{time_total}' -H 'Content-Type: text/x-python' \
        --data-binary @tests/bench/cells/logistic_1000.py http://127.0.0.1:$PORT/v1/cells)
  times+=("$t")
done
python3 - "$work/logistic.json" tests/bench/cells/logistic_1000.stdout.json "${times[@]}" <<'PY'
import json, statistics, sys
answer, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if answer["error"] is not None or answer["stdout"] != want:
    sys.exit(f"gradtape's answer differs from TensorFlow's: {answer['stdout']!r} {answer['error']}")
ms = [float(t) * 1e3 for t in sys.argv[3:]]
print(f"gradtape_http_ms {statistics.median(ms):.1f} (runs: {', '.join(f'{t:.1f}' for t in ms)})")
PY
if [ -x "$PYTHON" ] && "$PYTHON" -c "import tensorflow" 2>/dev/null; then
  "$PYTHON" tests/bench/cells/tf_inprocess.py tests/bench/cells/logistic_1000.py --runs "$RUNS" 2>/dev/null | head -1
else
  echo "no TensorFlow at $PYTHON: the TensorFlow side is skipped" >&2
fi
