#!/usr/bin/env python3
"""Fault test of the running replicas stack (docker/compose.replicas.yaml), through nginx.

Called by docker/fleet-test.sh, which starts the stack and tears it down; by hand:

    python3 docker/fleet_test.py --base-url http://127.0.0.1:8080 \
        --redis CONTAINER --replica C1 --replica C2 --replica C3

Each check prints what it measured; the exit status is 0 when every check passed.
Python's standard library and the docker CLI only.
"""

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid

TIMINGS = []


def log(msg):
    print(f"[fleet {time.strftime('%H:%M:%S', time.gmtime())}] {msg}", flush=True)


def timing(name, seconds):
    TIMINGS.append((name, seconds))
    log(f"    {name}: {seconds:.3f} s")


class Fail(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Fail(msg)


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return f"{self.status} {self.body}"


class Client:
    """One HTTP call per connection, so nginx's round-robin picks a replica for every call."""

    def __init__(self, base_url, auth=None):
        u = urllib.parse.urlsplit(base_url)
        self.host, self.port = u.hostname, u.port or 80
        self.auth = auth

    def call(self, method, path, body=None, headers=None, timeout=15):
        h = {"Content-Type": "application/json", "Connection": "close"}
        if self.auth:
            h["Authorization"] = self.auth
        h.update(headers or {})
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, None if body is None else json.dumps(body), h)
            r = conn.getresponse()
            raw = r.read()
            try:
                parsed = json.loads(raw)
            except ValueError:
                parsed = raw.decode(errors="replace")
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, parsed)
        finally:
            conn.close()

    def ok(self, method, path, body=None, headers=None):
        a = self.call(method, path, body, headers)
        check(200 <= a.status < 300, f"{method} {path}: {a}")
        return a.body


def docker(*args, timeout=120):
    r = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise Fail(f"docker {' '.join(args)}: {r.stderr.strip()}")
    return r.stdout + r.stderr


def health(container):
    return docker("inspect", "-f", "{{.State.Health.Status}}", container).strip()


def wait_healthy(containers, limit=120):
    t0 = time.monotonic()
    while True:
        states = [health(c) for c in containers]
        if all(s == "healthy" for s in states):
            return time.monotonic() - t0
        check(time.monotonic() - t0 < limit, f"not healthy after {limit} s: {states}")
        time.sleep(0.2)


def wait_steady(fn, streak=6, limit=60):
    """Calls fn until it answers 200 `streak` times in a row (through nginx: every replica, twice).

    Meanwhile a call may answer 503 with Retry-After (Redis not answering yet), 502 or 504 from nginx (no replica up yet, or all marked failed
    for fail_timeout), or fail to connect; anything else fails the check. Returns the seconds to
    the first 200, the seconds to the streak, and the 5xx answers seen."""
    t0, first, run, unavailable = time.monotonic(), None, 0, 0
    while run < streak:
        try:
            a = fn()
        except OSError as e:
            a = e
        if getattr(a, "status", None) == 200:
            run += 1
            first = time.monotonic() - t0 if first is None else first
        else:
            run = 0
            if getattr(a, "status", None) == 503:
                check(a.headers.get("retry-after"), f"503 without Retry-After: {a}")
                unavailable += 1
            elif getattr(a, "status", None) in (502, 504):
                unavailable += 1
            elif not isinstance(a, OSError):
                raise Fail(f"neither 200 nor 503: {a}")
            check(time.monotonic() - t0 < limit, f"no steady 200 after {limit} s: {a}")
            time.sleep(0.05)
    return first, time.monotonic() - t0, unavailable


def wait_answer(fn, limit=60):
    """Calls fn until it answers 200; the seconds that took and the last answer."""
    t0 = time.monotonic()
    while True:
        try:
            a = fn()
            if a.status == 200:
                return time.monotonic() - t0, a
        except OSError as e:
            a = e
        check(time.monotonic() - t0 < limit, f"no 200 after {limit} s: {a}")
        time.sleep(0.05)


class Stack:
    def __init__(self, args):
        self.base_url = args.base_url
        self.redis = args.redis
        self.replicas = args.replica
        anon = Client(args.base_url)
        s = anon.ok("POST", "/v1/sessions")
        self.path = f"/v1/sessions/{s['id']}"
        self.http = Client(args.base_url, f"Bearer {s['token']}")
        self.anon = anon
        self.expected_v = 0.0

    def var(self, name):
        return self.http.call("GET", f"{self.path}/variables/{name}")


def check_ready(st):
    a = st.anon.call("GET", "/readyz")
    check(a.status == 200 and a.body.get("session_store") == "redis", f"/readyz: {a}")
    log(f"/readyz through nginx: {a.body}")


def served_by(st, request_ids, wait_s=10.0):
    """Which replica logged each request id (gradtape logs every request with its id, quoted
    because a client chooses it). A line reaches `docker logs` a moment after its response
    reaches the client (the container's stdout goes through Docker's log driver), so the logs
    are read again until every id is found or `wait_s` has passed."""
    deadline = time.monotonic() + wait_s
    while True:
        where = {}
        for c in st.replicas:
            logs = docker("logs", "--since", "10m", c)
            for rid in request_ids:
                if f'id="{rid}"' in logs or f"id={rid}" in logs:
                    where[rid] = c
        if len(where) == len(request_ids) or time.monotonic() >= deadline:
            return where
        time.sleep(0.25)


def check_round_robin(st):
    """A session made through nginx continues on every replica, call after call."""
    t0 = time.monotonic()
    st.http.ok("POST", f"{st.path}/variables", {"name": "w", "value": [1.0, 2.0]})
    tape = st.http.ok("POST", f"{st.path}/tapes", {"persistent": True})
    st.tape = tape["id"]
    graph = {"nodes": [{"name": "y", "op": "multiply", "inputs": ["w", "w"]},
                       {"name": "L", "op": "reduce_sum", "inputs": ["y"]}]}
    st.http.ok("POST", f"{st.path}/graph", graph)
    tag = uuid.uuid4().hex[:8]
    ids = []
    for i in range(9):
        rid = f"fleet-{tag}-{i}"
        ids.append(rid)
        if i % 3 == 2:
            g = st.http.ok("POST", f"{st.path}/tapes/{st.tape}/gradient",
                           {"target": "L", "sources": "w"}, {"X-Request-Id": rid})
            check(g["gradient"]["value"] == [2.0, 4.0], f"gradient: {g}")
        else:
            w = st.http.ok("GET", f"{st.path}/variables/w", headers={"X-Request-Id": rid})
            check(w["value"] == [1.0, 2.0], f"w: {w}")
    took = time.monotonic() - t0
    where = served_by(st, ids)
    names = {c: f"replica{n + 1}" for n, c in enumerate(st.replicas)}
    log("calls of one session through nginx, by replica: "
        + ", ".join(f"{rid.rsplit('-', 1)[1]}->{names.get(where.get(rid), '?')}" for rid in ids))
    check(len(where) == len(ids), f"{len(ids) - len(where)} calls missing from the replicas' logs")
    check(len(set(where.values())) == len(st.replicas),
          f"nginx sent the session's calls to {len(set(where.values()))} replicas, not all")
    timing("one session's 12 calls across the 3 replicas", took)


def adder(st, client_no, calls, results, acks, stop_at):
    """assign_add calls, each resent with its Idempotency-Key until acknowledged."""
    acked, resends, worst = 0.0, 0, 0.0
    for n in range(calls):
        value = float(1 + (client_no + n) % 3)
        key = f"fleet-{client_no}-{n}-{uuid.uuid4().hex[:6]}"
        t0 = time.monotonic()
        while True:
            try:
                a = st.http.call("POST", f"{st.path}/variables/v/assign",
                                 {"op": "assign_add", "value": value},
                                 {"Idempotency-Key": key}, timeout=20)
                if a.status == 200:
                    break
                if a.status not in (502, 503, 504):
                    results.append(("error", f"{a}"))
                    return
                if a.status == 503 and "retry-after" not in a.headers:
                    results.append(("error", f"503 without Retry-After: {a}"))
                    return
            except OSError:
                pass  # the connection broke: resend
            resends += 1
            if time.monotonic() > stop_at:
                results.append(("error", f"client {client_no} call {n} unacknowledged at the deadline"))
                return
            time.sleep(0.05)
        acks.append(time.monotonic())
        worst = max(worst, time.monotonic() - t0)
        acked += value
    results.append(("ok", (acked, resends, worst)))


def check_kill_under_load(st, clients=20, calls=10):
    """docker kill of a replica while clients add; every acknowledged add is there, once."""
    st.http.ok("POST", f"{st.path}/variables", {"name": "v", "value": 0.0})
    total = sum(float(1 + (c + n) % 3) for c in range(clients) for n in range(calls))
    results, acks, t0 = [], [], time.monotonic()
    threads = [threading.Thread(target=adder, args=(st, c, calls, results, acks, t0 + 120))
               for c in range(clients)]
    for t in threads:
        t.start()
    victim = st.replicas[1]
    while True:
        a = st.var("v")
        if a.status == 200 and a.body["value"] >= total / 4:
            break
        check(time.monotonic() - t0 < 60, f"the load did not get going: {a}")
        time.sleep(0.02)
    at_kill = a.body["value"]
    t_kill = time.monotonic()
    docker("kill", victim)
    log(f"docker kill replica2 at v = {at_kill:g} of {total:g}, {t_kill - t0:.2f} s into the load")
    for t in threads:
        t.join()
    took = time.monotonic() - t0
    errors = [r[1] for r in results if r[0] == "error"]
    check(not errors, f"clients failed: {errors[:3]}")
    acked = sum(r[1][0] for r in results)
    resends = sum(r[1][1] for r in results)
    worst = max(r[1][2] for r in results)
    final = st.var("v")
    check(final.status == 200, f"v: {final}")
    log(f"{clients} clients x {calls} assign_add: acknowledged sum {acked:g}, final value "
        f"{final.body['value']:g}, {resends} resends, slowest acknowledged call {worst:.2f} s")
    check(at_kill < total, f"the load ended before the kill ({at_kill:g})")
    check(final.body["value"] == acked == total,
          f"final {final.body['value']} != acknowledged {acked} (of {total})")
    st.expected_v = total
    timing(f"{clients * calls} assign_add under the kill ({clients * calls / took:.0f} calls/s)", took)
    timing("slowest acknowledged assign_add (resends included)", worst)
    after = sorted(t for t in acks if t >= t_kill)
    gaps = [b - a for a, b in zip([t_kill] + after, after)]
    timing("longest time without an acknowledgement after the kill", max(gaps, default=0.0))
    t0 = time.monotonic()
    docker("start", victim)
    timing("killed replica started again, to healthy", wait_healthy([victim]))


def session_is_intact(st):
    w = st.var("w")
    check(w.status == 200 and w.body["value"] == [1.0, 2.0], f"w: {w}")
    v = st.var("v")
    check(v.status == 200 and v.body["value"] == st.expected_v, f"v: {v} (expected {st.expected_v})")
    g = st.http.ok("POST", f"{st.path}/tapes/{st.tape}/gradient", {"target": "L", "sources": "w"})
    check(g["gradient"]["value"] == [2.0, 4.0], f"gradient of the persistent tape: {g}")


def add_one(st):
    st.http.ok("POST", f"{st.path}/variables/v/assign", {"op": "assign_add", "value": 1.0},
               {"Idempotency-Key": uuid.uuid4().hex})
    st.expected_v += 1.0


def recovered(st):
    """After a store outage: the session answers on every replica again, intact."""
    first, steady, unavailable = wait_steady(lambda: st.var("v"))
    timing("then the session's first 200", first)
    timing("then 6 calls in a row answering 200 (every replica)", steady)
    log(f"    503 (Retry-After) or 502/504 answers on the way: {unavailable}")
    session_is_intact(st)


def check_replicas_restarted(st):
    """Every gradtape container stopped at once, then started (a deploy): the session is there."""
    add_one(st)
    t0 = time.monotonic()
    docker("stop", *st.replicas)
    timing("docker stop of the 3 replicas (SIGTERM, drained)", time.monotonic() - t0)
    a = st.anon.call("GET", "/healthz")
    check(a.status >= 500, f"a replica still answers with all stopped: {a}")
    t0 = time.monotonic()
    docker("start", *st.replicas)
    timing("docker start of the 3 replicas", time.monotonic() - t0)
    first, steady, unavailable = wait_steady(lambda: st.var("v"))
    timing("then the session's first 200 through nginx", first)
    timing("then 6 calls in a row answering 200 (every replica)", steady)
    log(f"    502 (nginx: no replica up) or 503 answers on the way: {unavailable}")
    timing("all 3 healthy (docker's healthcheck) after the start", wait_healthy(st.replicas) + steady)
    session_is_intact(st)
    log("after every replica stopped and started: w, v and the persistent tape's gradient as before")


def check_redis_restarted(st, how):
    """Redis restarted (or killed): the session is read back from the append-only file."""
    add_one(st)  # acknowledged just before: appendfsync always has it on disk
    t0 = time.monotonic()
    if how == "kill":
        docker("kill", st.redis)
        docker("start", st.redis)
    else:
        docker("restart", st.redis)
    timing("docker kill + docker start of redis" if how == "kill" else "docker restart of redis",
           time.monotonic() - t0)
    recovered(st)
    log(f"after redis {how}: the write acknowledged just before it is there (v = {st.expected_v:g})")


PROGRAM = {"setup": [{"name": "x", "op": "constant", "value": [1.0, 2.0]}], "outputs": ["x"]}
CELL = {"source": "import tensorflow as tf\nx = tf.constant([1.0, 2.0])\nprint(x * 2)"}


def timed(fn):
    t0 = time.monotonic()
    a = fn()
    return a, time.monotonic() - t0


def check_redis_frozen(st):
    """Redis frozen (docker pause: no answer, no refusal): sessions 503 within 2 s, then recover."""
    t0 = time.monotonic()
    docker("pause", st.redis)
    try:
        worst = 0.0
        for _ in range(3):
            a, dt = timed(lambda: st.var("v"))
            check(a.status == 503 and a.headers.get("retry-after"), f"session GET, redis frozen: {a}")
            worst = max(worst, dt)
        a = st.anon.call("POST", "/v1/evaluate", PROGRAM)
        check(a.status == 200, f"evaluate with redis frozen: {a}")
    finally:
        docker("unpause", st.redis)
    timing("slowest session 503 while redis is frozen", worst)
    check(worst < 2.0, f"a session call took {worst:.2f} s to answer 503")
    log("redis unpaused")
    recovered(st)


def check_redis_down(st, hold=8.0):
    """Redis stopped: sessions 503 + Retry-After fast, stateless routes answer, liveness stays."""
    restarts = {c: docker("inspect", "-f", "{{.RestartCount}}", c).strip() for c in st.replicas}
    t0 = time.monotonic()
    docker("stop", st.redis)
    timing("docker stop of redis", time.monotonic() - t0)
    worst, rounds, t_down = 0.0, 0, time.monotonic()
    while rounds < 3 or time.monotonic() - t_down < hold:
        rounds += 1
        a, dt = timed(lambda: st.var("v"))
        check(a.status == 503 and a.headers.get("retry-after"), f"session GET with redis down: {a}")
        check(a.body.get("code") == "unavailable", f"session GET body: {a}")
        worst = max(worst, dt)
        a, dt = timed(lambda: st.http.call("POST", f"{st.path}/variables/v/assign",
                                           {"op": "assign_add", "value": 1.0},
                                           {"Idempotency-Key": uuid.uuid4().hex}))
        check(a.status == 503 and a.headers.get("retry-after"), f"session POST with redis down: {a}")
        worst = max(worst, dt)
        a = st.anon.call("POST", "/v1/evaluate", PROGRAM)
        check(a.status == 200 and a.body["outputs"]["x"]["value"] == [1.0, 2.0], f"evaluate: {a}")
        a = st.anon.call("POST", "/v1/cells", CELL)
        check(a.status == 200 and "[2. 4.]" in json.dumps(a.body), f"cells: {a}")
        a = st.anon.call("GET", "/readyz")
        check(a.status == 503 and "redis" in json.dumps(a.body).lower(), f"/readyz: {a}")
        a = st.anon.call("GET", "/healthz")
        check(a.status == 200, f"/healthz: {a}")
        time.sleep(0.2)
    check(worst < 2.0, f"a session call took {worst:.2f} s to answer 503")
    log(f"redis down {time.monotonic() - t_down:.1f} s, {rounds} rounds: session GET/POST 503 with "
        "Retry-After, /v1/evaluate and /v1/cells 200, /readyz 503 naming redis, /healthz 200")
    timing("slowest session 503 while redis is down", worst)
    states = {c: health(c) for c in st.replicas}
    after = {c: docker("inspect", "-f", "{{.RestartCount}}", c).strip() for c in st.replicas}
    check(all(s == "healthy" for s in states.values()) and after == restarts,
          f"replicas restarted or unhealthy while redis was down: {states} {restarts} -> {after}")
    log("the replicas stayed healthy (liveness) and were not restarted")
    t0 = time.monotonic()
    docker("start", st.redis)
    timing("docker start of redis", time.monotonic() - t0)
    recovered(st)
    a = st.anon.call("GET", "/readyz")
    check(a.status == 200, f"/readyz after redis came back: {a}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base-url", required=True)
    p.add_argument("--redis", required=True, help="the redis container")
    p.add_argument("--replica", action="append", required=True, help="a gradtape container (3 times)")
    args = p.parse_args()
    checks = [
        ("readiness through nginx", check_ready),
        ("one session across every replica", check_round_robin),
        ("a replica killed under load", check_kill_under_load),
        ("every replica restarted", check_replicas_restarted),
        ("redis restarted", lambda st: check_redis_restarted(st, "restart")),
        ("redis killed (SIGKILL) and started", lambda st: check_redis_restarted(st, "kill")),
        ("redis frozen (docker pause), then unpaused", check_redis_frozen),
        ("redis down, then back", check_redis_down),
    ]
    st = Stack(args)
    t_all = time.monotonic()
    for name, fn in checks:
        log(f"=== {name}")
        t0 = time.monotonic()
        try:
            fn(st)
        except Fail as e:
            log(f"FAIL ({name}): {e}")
            return 1
        log(f"--- {name}: passed in {time.monotonic() - t0:.1f} s")
    log(f"every check passed in {time.monotonic() - t_all:.1f} s; timings:")
    for name, s in TIMINGS:
        print(f"    {name:<62} {s:8.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
