#!/usr/bin/env bash
# End-to-end smoke test of the container image (docker/Dockerfile).
#
# Why: the image is what users run, and none of the Rust tests exercise it. This
# builds it exactly as users do (`docker build -f docker/Dockerfile .`), runs it,
# and checks what the Dockerfile promises: the HEALTHCHECK turns healthy, the
# service answers the black-box conformance suite (tests/conformance/run.py), it
# runs as a non-root user, and `docker stop` (SIGTERM) ends it cleanly with exit
# code 0 within a few seconds. Meant to be called from .ci/run:
#
#   bash docker/smoke-test.sh
#
# On machines without a reachable container registry (this project's), it first
# builds the base images from Debian packages with docker/local-base-images.sh
# (skipped for images that already exist; SKIP_BASE_IMAGES=1 skips the step).
# The container publishes port 8080 on 127.0.0.1 only, on a free port docker picks,
# and is always removed at the end. Exit status: 0 when every check passed.
#
# Environment: IMAGE (tag to build, default gradtape:smoke), HEALTH_TIMEOUT
# (seconds to wait for healthy, default 120), STOP_MAX (seconds allowed for
# docker stop, default 5), SKIP_BASE_IMAGES=1, DOCKER_BUILDKIT (default 0: the
# classic builder, which uses local base images and never pulls).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
image=${IMAGE:-gradtape:smoke}
health_timeout=${HEALTH_TIMEOUT:-120}
stop_max=${STOP_MAX:-5}
name=gradtape-smoke-$$
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}

t0=$SECONDS
summary=()
step_start=$SECONDS
log() { printf '[smoke %s +%ss] %s\n' "$(date -u +%H:%M:%S)" "$((SECONDS - t0))" "$*"; }
begin() { step_start=$SECONDS; log "=== $*"; }
end() { local d=$((SECONDS - step_start)); summary+=("$(printf '%-34s %4d s' "$1" "$d")"); log "--- $1: ${d} s"; }
fail() { log "FAIL: $*"; exit 1; }

container_started=0
cleanup() {
  local rc=$?
  if ((container_started)); then
    if ((rc != 0)); then
      log "container logs (last 40 lines):"
      docker logs --tail 40 "$name" 2>&1 | sed 's/^/    /' || true
    fi
    docker rm -f "$name" >/dev/null 2>&1 || true
  fi
  if ((${#summary[@]})); then
    log "timings:"
    printf '    %s\n' "${summary[@]}"
  fi
  if ((rc == 0)); then log "smoke test PASSED in $((SECONDS - t0)) s"; else log "smoke test FAILED (exit $rc) after $((SECONDS - t0)) s"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v docker >/dev/null || fail "docker not found"
command -v python3 >/dev/null || fail "python3 not found"
docker info >/dev/null 2>&1 || fail "the docker engine does not answer (is dockerd running?)"
cd "$root"

# 1. Base images (local, from Debian packages) where no registry can provide them.
if [[ ${SKIP_BASE_IMAGES:-0} != 1 ]]; then
  begin "base images (docker/local-base-images.sh)"
  bash "$here/local-base-images.sh"
  end "base images"
fi

# 2. The image, built as a user would, never pulling.
begin "docker build -f docker/Dockerfile -t $image ."
docker build --pull=false --force-rm -f docker/Dockerfile -t "$image" . \
  || fail "docker build failed"
end "image build"
size=$(docker image inspect -f '{{.Size}}' "$image")
log "image $image: $((size / 1000000)) MB"
user=$(docker image inspect -f '{{.Config.User}}' "$image")
[[ -n $user && ${user%%:*} != 0 && ${user%%:*} != root ]] \
  || fail "the image's USER is '${user}', expected a non-root user"
[[ -n $(docker image inspect -f '{{if .Config.Healthcheck}}yes{{end}}' "$image") ]] \
  || fail "the image has no HEALTHCHECK"

# 3. Start it, published on 127.0.0.1 only, on a port docker chooses.
begin "container start until healthy"
docker run -d --name "$name" -p 127.0.0.1::8080 "$image" >/dev/null
container_started=1
port=$(docker port "$name" 8080/tcp | awk -F: '/^127\.0\.0\.1:/ { print $NF; exit }')
[[ $port =~ ^[0-9]+$ ]] || fail "no published port for 8080/tcp: $(docker port "$name")"
base_url=http://127.0.0.1:$port
log "container $name listening at $base_url"
deadline=$((SECONDS + health_timeout))
while :; do
  state=$(docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$name")
  case $state in
    "running healthy") break ;;
    "running unhealthy") fail "the HEALTHCHECK reports unhealthy: $(docker inspect -f '{{json .State.Health.Log}}' "$name")" ;;
    running*) ;;
    *) fail "the container is no longer running ($state)" ;;
  esac
  ((SECONDS < deadline)) || fail "not healthy after ${health_timeout} s (state: $state)"
  sleep 1
done
end "start to healthy"

# 4. The black-box conformance suite against the container.
begin "conformance suite against $base_url"
set +e
python3 tests/conformance/run.py --base-url "$base_url"
conformance_rc=$?
set -e
((conformance_rc == 0)) || fail "conformance suite failed (exit $conformance_rc)"
end "conformance suite"

# 5. Runs as non-root, and gradtape itself is PID 1 (so it receives SIGTERM).
begin "non-root and PID 1 checks"
uid=$(docker exec "$name" id -u)
[[ $uid =~ ^[0-9]+$ && $uid != 0 ]] || fail "the service runs as uid '$uid', expected non-root"
pid1=$(docker exec "$name" cat /proc/1/comm)
[[ $pid1 == gradtape ]] || fail "PID 1 is '$pid1', expected gradtape (exec-form ENTRYPOINT)"
log "uid $uid, PID 1 is $pid1"
end "non-root checks"

# 6. Graceful stop: SIGTERM, exit code 0, within STOP_MAX seconds.
begin "docker stop (SIGTERM)"
stop_start=$(date +%s%N)
docker stop -t 20 "$name" >/dev/null
stop_ms=$((($(date +%s%N) - stop_start) / 1000000))
read -r exit_code oom < <(docker inspect -f '{{.State.ExitCode}} {{.State.OOMKilled}}' "$name")
log "stopped in ${stop_ms} ms with exit code $exit_code"
((exit_code == 0)) || fail "exit code $exit_code after docker stop, expected 0 (137 means SIGKILL after the timeout)"
[[ $oom == false ]] || fail "the container was OOM-killed"
((stop_ms <= stop_max * 1000)) || fail "docker stop took ${stop_ms} ms, more than ${stop_max} s"
docker logs "$name" 2>&1 | grep -q 'shutting down' \
  || fail "the log has no 'shutting down' line: SIGTERM did not reach gradtape's handler"
end "graceful stop"

# 7. The image as a PrairieLearn external-grading image: /grade laid out as PrairieLearn lays it
#    (tests/ holds the question's assignment.json, student/ the submitted file), no network,
#    `gradtape grade --prairielearn` as the command; results/results.json must be gradable.
begin "PrairieLearn external grading (gradtape grade --prairielearn)"
pl=$(mktemp -d)
mkdir -p "$pl/tests" "$pl/student" "$pl/data"
cp tests/assignments/seed/assignment.program.json "$pl/tests/assignment.json"
cat > "$pl/student/answer.json" <<'JSON'
{"L": 0.14506263, "gradL_yhat": [-1.156112, -0.0], "grada_z": [0.0, 0.0],
 "gradz_W": [[76.0, 120.0, 37.5, 1.0], [76.0, 120.0, 37.5, 1.0]],
 "gradL_W": [[10.262422, 16.203823, 5.063695, 0.13503186], [-10.2624235, -16.203827, -5.063696, -0.1350319]]}
JSON
echo '{"params": {}, "submitted_answers": {}}' > "$pl/data/data.json"
# PrairieLearn does not create /grade/results; the image's user must be able to.
chmod -R a+rwX "$pl"
docker run --rm --network none -v "$pl:/grade" "$image" grade --prairielearn \
  || fail "gradtape grade --prairielearn exited non-zero"
python3 - "$pl/results/results.json" <<'PY' || fail "results.json is not what PrairieLearn expects"
import json, os, sys
path = sys.argv[1]
assert os.path.getsize(path) <= 1_000_000, "over PrairieLearn's 1 MB"
r = json.load(open(path))
assert r["gradable"] is True, r
assert abs(r["score"] - 4 / 6) < 1e-6, r["score"]          # dL/dW with its sign flipped: 4 of 6 points
assert [t["points"] for t in r["tests"]] == [1, 1, 1, 1, 0], r["tests"]
assert "sign flipped" in r["tests"][4]["message"], r["tests"][4]
print(f"results.json: gradable, score {r['score']:.4f}, {len(r['tests'])} tests")
PY
rm -rf "$pl"
end "PrairieLearn grading"

# 8. docker/compose.yaml at least parses (starting it would need host port 8080).
if command -v docker-compose >/dev/null; then
  docker-compose -f docker/compose.yaml config -q || fail "docker/compose.yaml does not validate"
  log "docker/compose.yaml validates (docker-compose config)"
elif docker compose version >/dev/null 2>&1; then
  docker compose -f docker/compose.yaml config -q || fail "docker/compose.yaml does not validate"
  log "docker/compose.yaml validates (docker compose config)"
fi
