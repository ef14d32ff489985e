#!/usr/bin/env bash
# Fault test of the replicas stack (docker/compose.replicas.yaml: three gradtape replicas on
# Redis behind nginx): starts the stack under its own project name on a free 127.0.0.1 port,
# waits until every container is healthy, runs docker/fleet_test.py against nginx (a session
# across every replica, a replica killed under load, every replica restarted, Redis restarted
# and killed, Redis down and back), and always tears the stack down (`down -v`), even on failure.
#
#   bash docker/fleet-test.sh                      (uses the image gradtape:latest)
#   GRADTAPE_IMAGE=gradtape:smoke bash docker/fleet-test.sh   (what CI runs after smoke-test.sh)
#
# It does not compile gradtape: the image must exist (docker build -f docker/Dockerfile ...),
# or BUILD=1 builds it through compose. The redis and nginx images are built from Debian
# packages on the local debian:bookworm-slim (a minute or two the first time, then cached).
#
# Environment: GRADTAPE_IMAGE (default gradtape:latest), GRADTAPE_PORT (default: a free port),
#   BUILD=1 (up --build), HEALTH_TIMEOUT (seconds, default 120), KEEP=1 (leave the stack up),
#   BENCH=1 (then docker/fleet_bench.py: gradient latency and scenario throughput through nginx,
#   three replicas against one, measured on the same stack).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
compose_file=$here/compose.replicas.yaml
project=gradtape-fleet-$$
health_timeout=${HEALTH_TIMEOUT:-120}
export GRADTAPE_IMAGE=${GRADTAPE_IMAGE:-gradtape:latest}
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}

t0=$SECONDS
summary=()
step_start=$SECONDS
log() { printf '[fleet %s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - t0))" "$*"; }
begin() { step_start=$SECONDS; log "=== $*"; }
end() { local d=$((SECONDS - step_start)); summary+=("$(printf '%-34s %4d s' "$1" "$d")"); log "--- $1: ${d} s"; }
fail() { log "FAIL: $*"; exit 1; }

if command -v docker-compose >/dev/null; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  fail "neither docker-compose nor the docker compose plugin is installed"
fi
compose+=(-p "$project" -f "$compose_file")

stack_up=0
bench_nginx=""
cleanup() {
  local rc=$?
  [[ -n $bench_nginx ]] && docker rm -f "$bench_nginx" >/dev/null 2>&1
  if ((stack_up)); then
    if ((rc != 0)); then
      log "logs of the stack (last 30 lines of each):"
      "${compose[@]}" logs --no-color --tail 30 2>&1 | sed 's/^/    /' || true
    fi
    if [[ ${KEEP:-0} == 1 ]]; then
      log "KEEP=1: the stack stays up (${compose[*]} down -v)"
    else
      local t=$SECONDS
      "${compose[@]}" down -v --remove-orphans >/dev/null 2>&1 || true
      summary+=("$(printf '%-34s %4d s' "down -v" "$((SECONDS - t))")")
    fi
  fi
  if ((${#summary[@]})); then
    log "timings:"
    printf '    %s\n' "${summary[@]}"
  fi
  if ((rc == 0)); then log "fleet test PASSED in $((SECONDS - t0)) s"; else log "fleet test FAILED (exit $rc) after $((SECONDS - t0)) s"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v python3 >/dev/null || fail "python3 not found"
docker info >/dev/null 2>&1 || fail "the docker engine does not answer"
if [[ ${BUILD:-0} != 1 ]]; then
  docker image inspect "$GRADTAPE_IMAGE" >/dev/null 2>&1 \
    || fail "no image $GRADTAPE_IMAGE: docker build -f docker/Dockerfile -t $GRADTAPE_IMAGE . (or BUILD=1)"
fi
if [[ -z ${GRADTAPE_PORT:-} ]]; then
  GRADTAPE_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
export GRADTAPE_PORT

# The small images (Debian's redis-server and nginx-light with this checkout's configuration),
# built side by side; seconds when the layer cache has them.
begin "${compose[*]} build --parallel redis nginx"
build_log=$(mktemp)
"${compose[@]}" build --parallel redis nginx >"$build_log" 2>&1 \
  || { tail -n 40 "$build_log" | sed 's/^/    /'; fail "building redis and nginx failed"; }
grep -E '^Successfully tagged' "$build_log" | sed 's/^/    /'
rm -f "$build_log"
end "redis and nginx images"

begin "${compose[*]} up -d (image $GRADTAPE_IMAGE, port $GRADTAPE_PORT)"
stack_up=1
up_args=(up -d)
[[ ${BUILD:-0} == 1 ]] && up_args+=(--build)
"${compose[@]}" "${up_args[@]}" 2>&1 | sed 's/^/    /' || fail "compose up failed"
end "compose up"

begin "every container healthy"
services=(redis gradtape1 gradtape2 gradtape3 nginx)
declare -A id
for s in "${services[@]}"; do
  id[$s]=$("${compose[@]}" ps -q "$s")
  [[ -n ${id[$s]} ]] || fail "no container for $s"
done
deadline=$((SECONDS + health_timeout))
while :; do
  states=()
  for s in "${services[@]}"; do states+=("$s=$(docker inspect -f '{{.State.Health.Status}}' "${id[$s]}")"); done
  [[ " ${states[*]} " != *=[!h]* ]] && break   # every state is "healthy"
  ((SECONDS < deadline)) || fail "not healthy after $health_timeout s: ${states[*]}"
  sleep 0.5
done
log "${states[*]}"
end "healthy"

begin "fault checks through nginx (docker/fleet_test.py)"
python3 "$here/fleet_test.py" --base-url "http://127.0.0.1:$GRADTAPE_PORT" --redis "${id[redis]}" \
  --replica "${id[gradtape1]}" --replica "${id[gradtape2]}" --replica "${id[gradtape3]}"
end "fault checks"

if [[ ${BENCH:-0} == 1 ]]; then
  begin "benchmark through nginx: 3 replicas against 1 (docker/fleet_bench.py)"
  # a second nginx on the stack's network, the same configuration with gradtape1 alone
  net=$(docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}' "${id[nginx]}")
  one_conf=$(mktemp)
  sed '/server gradtape[23]:8080/d' "$here/replicas/nginx.conf" >"$one_conf"
  chmod 644 "$one_conf"
  bench_nginx=$project-nginx-one
  docker run -d --name "$bench_nginx" --network "$net" -p 127.0.0.1::80 \
    -v "$one_conf:/etc/nginx/nginx.conf:ro" "$(docker inspect -f '{{.Config.Image}}' "${id[nginx]}")" >/dev/null
  one_port=$(docker port "$bench_nginx" 80/tcp | head -n1); one_port=${one_port##*:}
  for _ in $(seq 100); do
    python3 -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$one_port/readyz', timeout=1)" 2>/dev/null && break
    sleep 0.1
  done
  python3 "$here/fleet_bench.py" --three "http://127.0.0.1:$GRADTAPE_PORT" --one "http://127.0.0.1:$one_port" \
    ${BENCH_ARGS:-}
  rm -f "$one_conf"
  end "benchmark"
fi
