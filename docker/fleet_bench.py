#!/usr/bin/env python3
"""Through nginx, the replicas stack against itself with one replica (BENCH=1 bash docker/fleet-test.sh):

1. latency of one session gradient call (graph forward + tape gradient on a 2x4 weight, the call
   tests/bench/sessions.py times) on a kept-alive connection: p50 and p99 over N calls;
2. scenario throughput (create a session, a variable, a tape, a graph, a gradient, an assign_sub,
   delete it) with C client threads, each call on its own connection (nginx picks a replica).

    python3 docker/fleet_bench.py --three http://127.0.0.1:P3 --one http://127.0.0.1:P1

Both URLs are nginx in front of the same Redis: --three balances over gradtape1..3, --one sends
everything to gradtape1. Python's standard library only.
"""
import argparse
import http.client
import json
import sys
import threading
import time
import urllib.parse


class Client:
    def __init__(self, url, keep_alive):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.keep_alive = u.hostname, u.port or 80, keep_alive
        self.conn = None
        self.auth = {}

    def call(self, method, path, body=None):
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        h = {"Content-Type": "application/json", **self.auth}
        if not self.keep_alive:
            h["Connection"] = "close"
        self.conn.request(method, path, None if body is None else json.dumps(body), h)
        r = self.conn.getresponse()
        data = r.read()
        if not self.keep_alive:
            self.conn.close()
            self.conn = None
        if r.status >= 300:
            raise RuntimeError(f"{method} {path}: {r.status} {data[:200]}")
        return json.loads(data) if data else None

    def session(self):
        s = self.call("POST", "/v1/sessions")
        self.auth = {"Authorization": "Bearer " + s["token"]}
        self.base = f"/v1/sessions/{s['id']}"
        self.call("POST", self.base + "/variables",
                  {"name": "W", "value": [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]})
        self.call("POST", self.base + "/graph",
                  {"nodes": [{"name": "x", "op": "constant", "value": [1.0, 2.0, 3.0, 4.0]}]})
        self.tape = self.call("POST", self.base + "/tapes", {"persistent": True})["id"]
        self.call("POST", self.base + "/graph", {"nodes": [
            {"name": "z", "op": "tf.linalg.matvec", "inputs": ["W", "x"]},
            {"name": "L", "op": "tf.reduce_sum", "inputs": ["z"]}]})
        self.call("POST", f"{self.base}/tapes/{self.tape}/stop")

    def gradient(self):
        return self.call("POST", f"{self.base}/tapes/{self.tape}/gradient",
                         {"target": "L", "sources": "W"})


def latency(url, n):
    c = Client(url, keep_alive=True)
    c.session()
    for _ in range(50):
        c.gradient()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        c.gradient()
        ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[int(len(ts) * 0.99)] * 1e3


def scenario(url):
    c = Client(url, keep_alive=False)
    c.session()
    c.gradient()
    c.call("POST", c.base + "/variables/W/assign", {"op": "assign_sub", "value": [[0.01] * 4] * 2})
    c.call("DELETE", c.base)


def throughput(url, threads, seconds):
    done, errors = [0] * threads, []
    stop = time.monotonic() + seconds

    def run(i):
        while time.monotonic() < stop:
            try:
                scenario(url)
                done[i] += 1
            except Exception as e:  # counted and shown: a failed scenario is not a completed one
                errors.append(repr(e))

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(done) / seconds, errors


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--three", required=True, help="nginx over the three replicas")
    ap.add_argument("--one", required=True, help="nginx over gradtape1 only")
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=2, help="1 then 3 replicas, this many times")
    a = ap.parse_args()
    failed = False
    # alternated, so that a change in the machine's load shows as a difference between rounds
    configs = [("1 replica ", a.one), ("3 replicas", a.three)] * a.rounds
    for name, url in configs:
        p50, p99 = latency(url, a.calls)
        print(f"session gradient call through nginx, {name}: p50 {p50:.3f} ms  p99 {p99:.3f} ms  "
              f"({a.calls} calls, one kept-alive connection)", flush=True)
    for name, url in configs:
        rate, errors = throughput(url, a.threads, a.seconds)
        print(f"scenario throughput through nginx, {name}: {rate:.1f} scenarios/s "
              f"({a.threads} client threads, {a.seconds:g} s, {len(errors)} failed)", flush=True)
        if errors:
            print(f"    first failure: {errors[0]}")
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
