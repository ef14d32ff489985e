#!/usr/bin/env python3
"""Load test of POST /v1/grade: N submissions of the seed assignment, graded concurrently over
HTTP, every answer compared with the answer the same submission gets alone.

    cargo build --release && ./target/release/gradtape serve --addr 127.0.0.1:18090 &
    python3 tests/bench/grade.py --base-url http://127.0.0.1:18090 --n 500 --concurrency 32

Prints submissions per second and the p50 / p99 latency of the concurrent run, and exits 1 on any
error or any answer that differs. With --python PY it also times one `PY` process starting and
running the seed cell with TensorFlow (what a Python grader pays per submission).
Standard library only.
"""
import argparse, copy, json, os, statistics, subprocess, sys, time, urllib.request
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = os.path.join(HERE, "..", "assignments", "seed")

W = [[-10.262421607971191, -16.20382308959961, -5.063694953918457, -0.13503186404705048],
     [10.262423515319824, 16.203826904296875, 5.063695907592773, 0.13503189384937286]]


def submissions(n):
    """n submissions cycling through the kinds a deadline brings (right, sign, transposed, ...)."""
    base = {"L": 0.1450626254081726, "gradL_yhat": [-1.1561119556427002, -0.0],
            "grada_z": [0.0, 0.0], "gradz_W": [[76.0, 120.0, 37.5, 1.0]] * 2, "gradL_W": W}
    kinds = [
        lambda v: v,
        lambda v: {**v, "gradL_W": [[-x for x in r] for r in W]},
        lambda v: {**v, "gradL_W": [list(c) for c in zip(*W)]},
        lambda v: {**v, "gradL_W": [[2 * x for x in r] for r in W]},
        lambda v: {k: x for k, x in v.items() if k != "gradL_W"} | {"gradl_w": W},
        lambda v: {**v, "grada_z": None, "L": 0.1451},
    ]
    out = []
    for i in range(n):
        v = kinds[i % len(kinds)](copy.deepcopy(base))
        # each submission differs a little, so no two bodies are the same
        v["L"] = v["L"] + (i % 7) * 1e-7
        out.append({"values": v})
    return out


def post(url, body):
    data = json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req, timeout=60) as r:
        status, text = r.status, r.read()
    return status, json.loads(text), time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", default="http://127.0.0.1:18090")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--format", default="gradescope")
    ap.add_argument("--python", help="a python3 with TensorFlow 2.15, to time one grader process")
    a = ap.parse_args()
    assignment = json.load(open(os.path.join(SEED, "assignment.program.json")))
    assignment["format"] = a.format
    bodies = [dict(assignment, submission=s) for s in submissions(a.n)]
    url = a.base_url.rstrip("/") + "/v1/grade"

    alone = []
    for b in bodies:
        status, v, _ = post(url, b)
        if status != 200:
            sys.exit(f"one by one: status {status}: {v}")
        alone.append(v)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(a.concurrency) as pool:
        together = list(pool.map(lambda b: post(url, b), bodies))
    wall = time.perf_counter() - t0
    bad = [i for i, (s, v, _) in enumerate(together) if s != 200 or v != alone[i]]
    lat = sorted(t for _, _, t in together)
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    scores = statistics.mean(v["score"] for _, v, _ in together)
    print(f"{a.n} submissions, {a.concurrency} at a time: {a.n / wall:.0f} submissions/s, "
          f"p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, mean score {scores:.2f}; "
          f"{len(bad)} differ from grading one by one")
    if a.python:
        cell = os.path.join(SEED, "reference.py")
        t = time.perf_counter()
        subprocess.run([a.python, "-c", "import tensorflow as tf, numpy as np\n" + open(cell).read()],
                       check=True, capture_output=True)
        print(f"one {a.python} process importing TensorFlow and running the seed cell: "
              f"{(time.perf_counter() - t) * 1000:.0f} ms")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
