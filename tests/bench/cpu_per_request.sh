#!/usr/bin/env bash
# The server's own CPU a request at one connection, user and system apart: the server's threads
# pinned to CPU 0 and wrk to CPU 1 (the cross-core case bars.sh measures), the server's
# utime/stime from /proc/PID/stat before and after a wrk run of D seconds (clock ticks of
# 10 ms, so runs of a few seconds).
#
#     bash tests/bench/cpu_per_request.sh PORT BODY|- PATH     # D=4
#     bash tests/bench/cpu_per_request.sh 18181 W1_seed.json /v1/evaluate
#     bash tests/bench/cpu_per_request.sh 18181 - /healthz
set -euo pipefail
cd "$(dirname "$0")/../.."
port=$1 body=$2 path=$3
pid=$(pgrep -f "addr 127.0.0.1:$port" | head -1)
[ "$body" = - ] && body=
taskset -a -p -c 0 "$pid" > /dev/null
read -r ut st < <(awk '{print $14, $15}' "/proc/$pid/stat")
out=$(BODY=$body taskset -c 1 wrk -t1 -c1 -d"${D:-4}"s -s tests/bench/wrk.lua "http://127.0.0.1:$port$path" | grep RESULT)
read -r ut2 st2 < <(awk '{print $14, $15}' "/proc/$pid/stat")
taskset -a -p -c "0-$(($(nproc) - 1))" "$pid" > /dev/null
n=$(awk '{print $6}' <<<"$out")
echo "$out user_us=$(((ut2 - ut) * 10000000 / n / 1000)) sys_us=$(((st2 - st) * 10000000 / n / 1000))"
