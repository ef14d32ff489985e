"""Captures the answers openapi/openapi.yaml shows as examples, from a live server, so that every
example in the document is something the server said rather than something written by hand:
a session's whole flow (the seed network built by graph calls on a tape, its gradient, Jacobian
and batch Jacobian, a tensor read back), the service routes, and the main errors of each route.

    ./target/release/gradtape serve --addr 127.0.0.1:8080 &
    python3 tests/docs/capture_examples.py --base-url http://127.0.0.1:8080 > examples.json

Prints one JSON object: for each operationId and status, the request body sent and the answer
(JSON, or text for text answers). Ids and tokens are random on every run.
"""
import argparse
import json
import urllib.error
import urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--base-url", default="http://127.0.0.1:8080")
args = ap.parse_args()

W = [[0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
     [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582]]
captured = {}


def call(op, method, path, body=None, token=None, content_type="application/json", want=None,
         label=None):
    data = None
    headers = {}
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(args.base_url + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req) as r:
            status, ctype, raw = r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        status, ctype, raw = e.code, e.headers.get("Content-Type", ""), e.read()
    if want is not None and status != want:
        raise SystemExit(f"{op}: {method} {path} answered {status}, not {want}: {raw[:300]!r}")
    answer = json.loads(raw) if "json" in ctype and raw else raw.decode(errors="replace")
    captured.setdefault(op, {})[label or str(status)] = {"request": body, "content_type": ctype,
                                                "answer": answer}
    return answer


def service():
    call("healthz", "GET", "/healthz", want=200)
    call("readyz", "GET", "/readyz", want=200)
    call("listActivations", "GET", "/v1/activations", want=200)
    call("activationCurve", "GET", "/v1/activations/swish", want=404)
    call("activationCurve", "GET", "/v1/activations/relu?start=1&stop=-1", want=422)
    call("activationPlot", "GET", "/v1/activations/plot?names=relu&num=3&format=svg", want=200)
    call("activationPlot", "GET", "/v1/activations/plot?names=relu,swish", want=422)
    call("getOp", "GET", "/v1/ops/softmaks", want=404)
    call("docsAsset", "GET", "/docs/app.js", want=404)
    call("evaluate", "POST", "/v1/evaluate", '{"tape": {"persistent": True}}', want=400)
    call("evaluate", "POST", "/v1/evaluate",
         {"setup": [{"name": "x", "op": "constant", "value": [1.0, 2.0]},
                    {"name": "y", "op": "tf.nn.sofmax", "inputs": ["x"]}]}, want=422)
    call("grade", "POST", "/v1/grade",
         {"reference": {"cell": "import tensorflow as tf\nL = tf.constant(0.14506263)\n"},
          "submission": {"values": {"L": 0.145}},
          "checks": [{"name": "loss"}]}, want=422)
    doc = json.load(urllib.request.urlopen(args.base_url + "/openapi.json"))
    seed = doc["paths"]["/v1/evaluate"]["post"]["requestBody"]
    call("evaluate", "POST", "/v1/evaluate",
         seed["content"]["application/json"]["examples"]["seed"]["value"], want=200)
    call("runCell", "POST", "/v1/cells", "import os\n", content_type="text/x-python", want=422)


def session():
    created = call("createSession", "POST", "/v1/sessions", want=201)
    sid, token = created["id"], created["token"]
    s = f"/v1/sessions/{sid}"
    call("createVariable", "POST", s + "/variables", {"name": "W", "value": W}, token, want=201)
    call("createVariable", "POST", s + "/variables", {"name": "b", "from": "bias"}, token,
         want=422)
    call("openTape", "POST", s + "/tapes", {"name": "g", "persistent": True}, token, want=201,
         label="g")
    call("openTape", "POST", s + "/tapes", {"name": "g"}, token, want=422)
    call("runGraph", "POST", s + "/graph",
         {"nodes": [{"name": "x", "op": "constant", "value": [76.0, 120.0, 37.5], "dtype": "float32"},
                    {"name": "y", "op": "constant", "value": [1.0, 0.0], "dtype": "float32"}]},
         token, want=200, label="constants")
    call("watch", "POST", s + "/tapes/g/watch", {"names": ["x"]}, token, want=200)
    call("runGraph", "POST", s + "/graph",
         {"nodes": [{"name": "one", "op": "tf.ones", "shape": [1]},
                    {"name": "xB", "op": "tf.concat", "inputs": ["x", "one"], "axis": 0},
                    {"name": "z", "op": "tf.linalg.matvec", "inputs": ["W", "xB"]},
                    {"name": "a", "op": "tf.nn.softmax", "inputs": ["z"]},
                    {"name": "log_a", "op": "tf.math.log", "inputs": ["a"]},
                    {"name": "terms", "op": "multiply", "inputs": ["y", "log_a"]},
                    {"name": "s", "op": "reduce_sum", "inputs": ["terms"]},
                    {"name": "L", "op": "negative", "inputs": ["s"]}],
         "outputs": ["z", "a", "L"]}, token, want=200, label="network")
    call("runGraph", "POST", s + "/graph",
         {"nodes": [{"name": "p", "op": "matmul", "inputs": ["W", "x"]}]}, token, want=422)
    call("stopTape", "POST", s + "/tapes/g/stop", token=token, want=200)
    call("tapeGradient", "POST", s + "/tapes/g/gradient",
         {"target": "L", "sources": ["W", "x"], "bind": ["dL_dW", "dL_dx"]}, token, want=200)
    call("tapeJacobian", "POST", s + "/tapes/g/jacobian",
         {"target": "a", "sources": "z", "bind": "da_dz"}, token, want=200)
    call("showTensor", "GET", s + "/tensors/dL_dW", token=token, want=200)
    call("showTensor", "GET", s + "/tensors/dL_dw", token=token, want=404)
    call("assignVariable", "POST", s + "/variables/W/assign",
         {"op": "assign_sub", "value": [0.1, 0.1]}, token, want=422)
    # a non-persistent tape: one batch Jacobian, then a second call finds it used up
    call("openTape", "POST", s + "/tapes", {"name": "b"}, token, want=201)
    call("runGraph", "POST", s + "/graph",
         {"nodes": [{"name": "X", "op": "constant", "value": [[1.0, 2.0], [3.0, 4.0]]},
                    {"op": "watch", "inputs": ["X"]},
                    {"name": "Y", "op": "square", "inputs": ["X"]}]}, token, want=200, label="batch")
    call("tapeBatchJacobian", "POST", s + "/tapes/b/batch_jacobian",
         {"target": "Y", "source": "X", "bind": "dY_dX"}, token, want=200)
    call("tapeGradient", "POST", s + "/tapes/b/gradient", {"target": "Y", "sources": "X"}, token,
         want=409)
    call("runSessionCell", "POST", s + "/cells",
         {"source": "lr = 0.001\nW.assign_sub(lr * dL_dW)\nprint(W.numpy())\n", "outputs": ["W"]},
         token, want=200)
    call("runSessionCell", "POST", s + "/cells", "print(W.numpy()\n", token,
         content_type="text/x-python", want=422)
    call("deleteTape", "DELETE", s + "/tapes/b", token=token, want=204)
    call("deleteTape", "DELETE", s + "/tapes/b", token=token, want=404)
    call("showSession", "GET", s, token="0" * 64, want=404)
    call("deleteSession", "DELETE", s, token=token, want=204)
    call("metrics", "GET", "/metrics", want=200)


service()
session()
print(json.dumps(captured, indent=1))
