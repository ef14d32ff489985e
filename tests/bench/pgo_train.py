#!/usr/bin/env python3
"""The training run of the profile-guided build (docker/pgo-build.sh): what gradtape's users send,
to an instrumented server, so that the compiler lays out the code their requests take.

Every program case of the conformance suite (tests/conformance/cases) to /v1/evaluate, every cell
case (tests/conformance/cells) to /v1/cells, the seed assignment's submissions to /v1/grade in
each format, one session's routes, the activation curves and plots, the op reference, the
documents and the probes. Each request is sent once: the suite already holds the seed network in
several forms, and repeating one body would lay the code out for that body alone.

The answers' bodies are not compared here (the conformance runners do that), but every status
is: a run whose requests were refused trains the code that refuses them, so any status other
than the case's own fails the run, as does a connection the server drops (every request goes on
one kept-alive connection, as a grader's client sends them).

usage: pgo_train.py --base-url http://127.0.0.1:18199 [--repo DIR]
Python standard library only.
"""
import argparse, glob, http.client, json, os, sys, urllib.parse


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--repo", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    args = ap.parse_args()
    url = urllib.parse.urlparse(args.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=600)
    sent = 0
    wrong = []  # "what: status, expected status"
    auth = {}  # the session's bearer token, while one is open

    def call(method, route, body=None, want=200, what=None, ctype="application/json"):
        nonlocal sent
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()  # http.client would send a str as Latin-1
        conn.request(method, route, body=body, headers={"Content-Type": ctype, **auth})
        r = conn.getresponse()
        data = r.read()
        sent += 1
        if r.status != want:
            wrong.append(f"{what or method + ' ' + route}: {r.status}, expected {want}")
        return r.status, data

    def each(pattern):
        for path in sorted(glob.glob(os.path.join(args.repo, pattern))):
            with open(path) as f:
                yield os.path.basename(path), (json.load(f) if path.endswith(".json") else f.read())

    for name, case in each("tests/conformance/cases/*.json"):
        call("POST", "/v1/evaluate", case["request"], case["expect"]["status"], name)
    for name, case in each("tests/conformance/cells/*.json"):
        call("POST", "/v1/cells", case["source"], 200, name, "text/x-python")

    assignment = next(each("tests/assignments/seed/assignment.json"))[1]
    for name, cell in each("tests/assignments/seed/submissions/*.py"):
        for fmt in ("gradtape", "gradescope", "prairielearn"):
            body = {**assignment, "format": fmt, "submission": {"cell": cell}}
            call("POST", "/v1/grade", body, 200, f"grade {name} {fmt}")

    status, data = call("POST", "/v1/sessions", {}, 201)
    if status == 201:
        session = json.loads(data)
        s = "/v1/sessions/" + session["id"]
        auth["Authorization"] = "Bearer " + session["token"]
        call("POST", s + "/variables", {"name": "W", "value": [[0.5, -0.25], [1.5, 2.0]]}, 201)
        call("POST", s + "/graph", {"nodes": [{"name": "x", "op": "constant", "value": [1.0, 2.0]}]})
        status, data = call("POST", s + "/tapes", {"persistent": True}, 201)
        tape = s + "/tapes/" + json.loads(data)["id"] if status == 201 else None
        call("POST", s + "/graph", {"nodes": [
            {"name": "z", "op": "matvec", "inputs": ["W", "x"]},
            {"name": "L", "op": "reduce_sum", "inputs": ["z"]}]})
        if tape:
            call("POST", tape + "/stop", {})
            call("POST", tape + "/gradient", {"target": "L", "sources": ["W", "x"]})
            call("POST", tape + "/jacobian", {"target": "z", "source": "W"})
        cell = "print(W.numpy())\nv = W * 2.0\nprint(tf.reduce_sum(v))"
        call("POST", s + "/cells", cell, ctype="text/x-python")
        call("GET", s)
        call("GET", s + "/tensors/z")
        call("POST", s + "/variables/W/assign", {"value": [[1.0, 0.0], [0.0, 1.0]]})
        call("DELETE", s, want=204)
        auth.clear()

    call("GET", "/v1/activations")
    for name in ("sigmoid", "tanh", "relu", "leaky_relu"):
        call("GET", f"/v1/activations/{name}?num=101")
    for fmt in ("svg", "png"):
        call("GET", f"/v1/activations/plot?names=sigmoid,relu&format={fmt}")
    call("GET", "/v1/ops")
    call("GET", "/v1/ops/matvec")
    call("GET", "/", want=307)
    for route in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        call("GET", route)
    print(f"pgo_train: {sent} requests, {len(wrong)} with another status than expected")
    if wrong:
        sys.exit("pgo_train: " + "; ".join(wrong[:10]))


if __name__ == "__main__":
    main()
