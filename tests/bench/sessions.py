#!/usr/bin/env python3
"""Session store performance, side by side in one run (release build, loopback):

1. latency of one session gradient call (graph forward + tape gradient on a 2x4 weight),
   memory store vs Redis store: p50 and p99 over N calls on a kept-alive connection;
2. scenario throughput (create a session, a variable, a tape, a graph, a gradient, an
   assign_sub) of three Redis-backed replicas against one, with C client threads.

    cargo build --release && python3 tests/bench/sessions.py [--calls 2000] [--seconds 10]

Starts a private redis-server (appendfsync everysec, as a latency floor; the compose stack's
"always" adds an fsync per write) and the gradtape processes itself, and stops them.
"""
import argparse, http.client, json, os, shutil, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "target", "release", "gradtape")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait(port, path="/healthz"):
    for _ in range(200):
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", path)
            if c.getresponse().status == 200: return
        except OSError:
            pass
        time.sleep(0.05)
    sys.exit(f"nothing answered {path} on port {port}")


def start(store, prefix):
    port = free_port()
    env = dict(os.environ, GRADTAPE_ADDR=f"127.0.0.1:{port}", RUST_LOG="error",
               GRADTAPE_SESSION_KEY_PREFIX=prefix, GRADTAPE_MAX_SESSIONS="100000",
               GRADTAPE_MAX_SESSIONS_PER_CLIENT="100000")
    if store: env["GRADTAPE_SESSION_STORE"] = store
    p = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(port)
    return p, port


class Client:
    def __init__(self, port):
        self.c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.auth = {}

    def call(self, method, path, body=None):
        h = {"Content-Type": "application/json", **self.auth}
        self.c.request(method, path, body=None if body is None else json.dumps(body), headers=h)
        r = self.c.getresponse(); data = r.read()
        if r.status >= 300: raise RuntimeError(f"{method} {path}: {r.status} {data[:200]}")
        return json.loads(data) if data else None

    def session(self):
        s = self.call("POST", "/v1/sessions")
        self.auth = {"Authorization": "Bearer " + s["token"]}
        self.base = f"/v1/sessions/{s['id']}"
        self.call("POST", self.base + "/variables", {"name": "W", "value": [[0.1, 0.2, 0.3, 0.4], [0.5, 0.6, 0.7, 0.8]]})
        self.call("POST", self.base + "/graph", {"nodes": [{"name": "x", "op": "constant", "value": [1.0, 2.0, 3.0, 4.0]}]})
        self.tape = self.call("POST", self.base + "/tapes", {"persistent": True})["id"]
        self.call("POST", self.base + "/graph", {"nodes": [
            {"name": "z", "op": "tf.linalg.matvec", "inputs": ["W", "x"]},
            {"name": "L", "op": "tf.reduce_sum", "inputs": ["z"]}]})
        self.call("POST", f"{self.base}/tapes/{self.tape}/stop")

    def gradient(self):
        return self.call("POST", f"{self.base}/tapes/{self.tape}/gradient", {"target": "L", "sources": "W"})


def latency(port, n):
    c = Client(port); c.session()
    for _ in range(50): c.gradient()
    ts = []
    for _ in range(n):
        t = time.perf_counter(); c.gradient(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[int(len(ts) * 0.99)] * 1e3


def scenario(port):
    c = Client(port); c.session(); c.gradient()
    c.call("POST", c.base + "/variables/W/assign", {"op": "assign_sub", "value": [[0.01] * 4] * 2})
    c.call("DELETE", c.base)


def throughput(ports, threads, seconds):
    done = [0] * threads; stop = time.time() + seconds
    def run(i):
        while time.time() < stop:
            scenario(ports[i % len(ports)]); done[i] += 1
    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    [t.start() for t in ts]; [t.join() for t in ts]
    return sum(done) / seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--threads", type=int, default=6)
    a = ap.parse_args()
    if not os.path.exists(BIN): sys.exit("build first: cargo build --release")
    redis_bin = shutil.which("redis-server") or sys.exit("no redis-server (apt-get install redis-server)")
    d = tempfile.mkdtemp(); rport = free_port()
    redis = subprocess.Popen([redis_bin, "--port", str(rport), "--bind", "127.0.0.1", "--dir", d, "--save", "",
                              "--appendonly", "yes", "--appendfsync", "everysec"], stdout=subprocess.DEVNULL)
    procs = []
    try:
        time.sleep(0.3)
        url = f"redis://127.0.0.1:{rport}"
        mem, mport = start(None, "m"); procs.append(mem)
        red, rp = start(url, "bench"); procs.append(red)
        for name, port in [("memory", mport), ("redis", rp)]:
            p50, p99 = latency(port, a.calls)
            print(f"session gradient call, {name:6} store: p50 {p50:.3f} ms  p99 {p99:.3f} ms  ({a.calls} calls)")
        more = [start(url, "bench") for _ in range(2)]; procs += [p for p, _ in more]
        one = throughput([rp], a.threads, a.seconds)
        three = throughput([rp] + [p for _, p in more], a.threads, a.seconds)
        print(f"scenario throughput, redis store, {a.threads} client threads: 1 replica {one:.0f}/s, 3 replicas {three:.0f}/s")
    finally:
        for p in procs: p.kill()
        redis.kill(); shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
