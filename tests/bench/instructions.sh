#!/usr/bin/env bash
# Instructions a request costs the server, counted by valgrind's callgrind: the server runs under
# callgrind twice, answering N1 and then N2 identical requests on one connection, and the
# difference of the two totals over N2 - N1 is one request's user-space instructions (start-up
# and shutdown cancel out). Unlike a timing, the count does not move with other load on the
# machine, so two builds or two log levels compare to a fraction of a percent; it does not see
# the kernel (socket and log writes) or cache misses.
#
#     BIN=./target/release/gradtape BODY=W1.json RUST_LOG=info bash tests/bench/instructions.sh
#     BIN=./target/release/gradtape bash tests/bench/instructions.sh        # GET /healthz
#     BIN=./target/release/examples/floor ARGS=127.0.0.1:18181 ROUTE=/ BODY=W1.json \
#       bash tests/bench/instructions.sh                                  # the bare axum floor
#
# With BODY the requests are POSTs of it to ROUTE (default /v1/evaluate); without, GETs of ROUTE
# (default /healthz). ARGS replaces the server's arguments (default `serve --addr ...`). With
# OUT=FILE the larger run's profile is kept there, for `callgrind_annotate --inclusive=yes FILE`.
set -euo pipefail
: "${BIN:?the server binary}"
BODY=${BODY:-}
N1=${N1:-200}
N2=${N2:-1200}
PORT=${PORT:-18181}
if [ -n "$BODY" ]; then ROUTE=${ROUTE:-/v1/evaluate}; else ROUTE=${ROUTE:-/healthz}; fi
read -r -a args <<<"${ARGS:-serve --addr 127.0.0.1:$PORT}"
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
total() { # requests -> instructions
  valgrind --tool=callgrind --callgrind-out-file="$work/cg.$1" "$BIN" "${args[@]}" \
    > "$work/server.log" 2>&1 &
  local server=$!
  python3 - "$PORT" "$1" "$ROUTE" "$BODY" <<'PY'
import http.client, sys, time
port, n, route = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
body = open(sys.argv[4], "rb").read() if sys.argv[4] else None
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        c.request("GET", "/healthz"); c.getresponse().read(); break
    except OSError:
        time.sleep(0.1)
for _ in range(n):
    if body is None:
        c.request("GET", route)
    else:
        c.request("POST", route, body, {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
  kill -TERM $server
  wait $server || true
  awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.$1"
}
a=$(total "$N1")
b=$(total "$N2")
[ -z "${OUT:-}" ] || cp "$work/cg.$N2" "$OUT"
echo "$(( (b - a) / (N2 - N1) )) instructions per request (${BODY:+POST }${BODY:-GET} $ROUTE, RUST_LOG=${RUST_LOG:-unset}, $N1 and $N2 requests: $a and $b)"
