#!/usr/bin/env bash
# Builds gradtape's release binary with profile-guided optimisation (PGO), as the Docker image
# ships it: an instrumented build answers the training run (tests/bench/pgo_train.py: the
# conformance programs and cells, grading, a session, activations and documents), LLVM merges
# the counts, and the release build lays its code out by them. Only the code's layout and
# inlining change, not what it computes; tests/bench/README.md, "Profile-guided optimisation",
# has what it gains and the check that both builds answer alike.
#
#     bash docker/pgo-build.sh            # -> target/pgo/gradtape
#
# Needs python3 and an llvm-profdata of the LLVM major version rustc uses (`rustc -vV`): on
# Debian 12, the llvm-NN package of that version (`apt-get install llvm-22` for rustc 1.95), or
# LLVM_PROFDATA=/path/to/llvm-profdata. PORT (default 18199) is the training server's port.
# Both builds name the host's target triple, so that RUSTFLAGS reach the crates of the binary
# and not the build scripts and proc-macros, whose runs would otherwise write counts too.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-18199}
die() { echo "pgo-build: $*" >&2; exit 1; }

host=$(rustc -vV | sed -n 's/^host: //p')
llvm=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
profdata=
for p in ${LLVM_PROFDATA:-} "llvm-profdata-$llvm" "/usr/lib/llvm-$llvm/bin/llvm-profdata" \
  "$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata" llvm-profdata; do
  if command -v "$p" >/dev/null && "$p" --version | grep "LLVM version $llvm\." >/dev/null; then
    profdata=$p
    break
  fi
done
[ -n "$profdata" ] || die "no llvm-profdata of LLVM $llvm (rustc's): install llvm-$llvm or set LLVM_PROFDATA"
command -v python3 >/dev/null || die "python3 runs the training requests: install it"

# A fixed place (not a temporary one): RUSTFLAGS name it, and cargo rebuilds whatever it
# compiled with other RUSTFLAGS.
counts=$PWD/target/pgo-counts
rm -rf "$counts"
mkdir -p "$counts"
server=
trap '[ -z "$server" ] || kill "$server" 2>/dev/null || true' EXIT
unset CARGO_TARGET_DIR

echo "pgo-build: instrumented build (target/pgo-generate)" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$counts" \
  cargo build --release --locked --bin gradtape --target "$host" --target-dir target/pgo-generate

echo "pgo-build: training run on 127.0.0.1:$PORT" >&2
python3 -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $PORT)) == 0)" \
  || die "port $PORT already answers: stop that server or set PORT"
# the training server takes its settings from here, not from the caller's GRADTAPE_*
mapfile -t unset_own < <(env | sed -n 's/^\(GRADTAPE_[A-Z_]*\)=.*/-u\n\1/p')
env "${unset_own[@]}" RUST_LOG=warn \
  "target/pgo-generate/$host/release/gradtape" serve --addr "127.0.0.1:$PORT" &
server=$!
up=0
for _ in $(seq 100); do
  kill -0 "$server" 2>/dev/null || die "the instrumented server exited at start"
  if python3 -c "import socket, sys; sys.exit(socket.socket().connect_ex(('127.0.0.1', $PORT)) != 0)"; then
    up=1
    break
  fi
  sleep 0.1
done
[ "$up" = 1 ] || die "the instrumented server did not listen on :$PORT within 10 s"
python3 tests/bench/pgo_train.py --base-url "http://127.0.0.1:$PORT" || die "the training run failed"
# the counts are written when the server exits: SIGTERM is its graceful shutdown
kill -TERM "$server"
wait "$server" || die "the instrumented server did not exit cleanly"
server=
shopt -s nullglob
raw=("$counts"/*.profraw)
[ ${#raw[@]} -gt 0 ] || die "the training server wrote no counts into $counts"
"$profdata" merge -o "$counts/merged.profdata" "${raw[@]}" || die "llvm-profdata could not merge the counts"

echo "pgo-build: optimised build (target/pgo)" >&2
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$counts/merged.profdata" \
  cargo build --release --locked --bin gradtape --target "$host" --target-dir target/pgo
install -m 0755 "target/pgo/$host/release/gradtape" target/pgo/gradtape
echo "pgo-build: target/pgo/gradtape" >&2
