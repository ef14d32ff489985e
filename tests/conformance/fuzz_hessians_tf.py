"""Random Hessians (or Jacobians) of short chains over special values, TensorFlow 2.15 against a
live server.

    /tmp/tf/bin/python tests/conformance/fuzz_hessians_tf.py --base-url http://127.0.0.1:18112 \
        --seed S --n 400

Each program is a variable of 3 or 2x2 float32 values drawn from a pool rich in -0, 0 and
infinities, one to three steps (an activation, leaky_relu, x * x, a reduction) and a last
reduction, and a Hessian of the result over the variable: where TensorFlow's pfor'd Jacobian
runs in a graph function and Grappler folds constant zeros, the signs of zeros and the NaNs an
infinity makes are where gradtape can differ. Each answer is classed `same` (bit for bit, zero
signs and NaNs included), `lastbit` (finite values a few float32 ulps apart, the order of a
sum), or printed as `REAL` with its program and both answers.
"""
import argparse
import json
import random
import sys
import urllib.request

import numpy as np
import tensorflow as tf

ap = argparse.ArgumentParser()
ap.add_argument("--base-url", required=True)
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--n", type=int, default=300)
ap.add_argument("--kind", choices=["hessian", "jacobian", "gradient"], default="hessian",
                help="a Hessian of a reduced chain, or the Jacobian or gradient of the chain itself")
args = ap.parse_args()
URL, SEED, N, KIND = args.base_url, args.seed, args.n, args.kind
rng = random.Random(SEED)
def enc(x):
    x = float(x)
    return "NaN" if np.isnan(x) else ("Infinity" if x == np.inf else ("-Infinity" if x == -np.inf else x))
def dec(x):
    return {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}.get(x, x) if isinstance(x, str) else x
ACTS = {"relu": tf.nn.relu, "relu6": tf.nn.relu6, "elu": tf.nn.elu, "selu": tf.nn.selu, "softplus": tf.nn.softplus,
        "tanh": tf.math.tanh, "sigmoid": tf.math.sigmoid, "abs": tf.math.abs, "sign": tf.math.sign, "exp": tf.math.exp,
        "square": tf.math.square, "sqrt": tf.math.sqrt, "negative": tf.math.negative, "softsign": None, "log1p": tf.math.log1p}
REDS = {"reduce_prod": tf.reduce_prod, "reduce_sum": tf.reduce_sum, "reduce_max": tf.reduce_max, "reduce_min": tf.reduce_min,
        "reduce_mean": tf.reduce_mean, "reduce_logsumexp": tf.reduce_logsumexp}
BIN = {"add": tf.add, "subtract": tf.subtract, "multiply": tf.multiply, "divide": tf.divide,
       "maximum": tf.maximum, "minimum": tf.minimum, "squared_difference": tf.math.squared_difference,
       "pow": tf.pow}
POOL = [-0.573, -1.33, 2.0, 0.5, -0.0, 0.0, np.inf, -np.inf, 1.5, -2.0, 7.0, 3.0]
def gen():
    shape = rng.choice([[3], [2, 2]])
    vals = np.array([rng.choice(POOL) for _ in range(int(np.prod(shape)))], np.float32).reshape(shape)
    cur = tuple(shape)
    chain = []
    for _ in range(rng.randint(1, 3)):
        k = rng.random()
        if k < 0.35: chain.append(("act", rng.choice([a for a in ACTS if a != "softsign"])))
        elif k < 0.45: chain.append(("leaky", rng.choice([0.2, 0.3])))
        elif k < 0.55: chain.append(("mulself", None))
        elif k < 0.8:
            cshape = cur if rng.random() < 0.7 else ()
            c = np.array([rng.choice(POOL) for _ in range(int(np.prod(cshape)))], np.float32).reshape(cshape)
            chain.append(("bin", rng.choice(list(BIN)), c, rng.random() < 0.5))
        elif k < 0.88 and len(cur) >= 1:
            chain.append(("softmax", rng.choice(["softmax", "log_softmax"])))
        else:
            axis = rng.choice([None, 0]) if len(cur) >= 1 else None
            chain.append(("red", rng.choice(list(REDS)), axis))
            cur = () if axis is None else cur[1:]
    if KIND == "hessian":
        chain.append(("red", rng.choice(list(REDS)), None))
    return vals, chain
def tfrun(vals, chain):
    v = tf.Variable(vals)
    with tf.GradientTape(persistent=True) as t2:
        with tf.GradientTape() as t1:
            x = v
            for c in chain:
                if c[0] == "act": x = ACTS[c[1]](x)
                elif c[0] == "leaky": x = tf.nn.leaky_relu(x, c[1])
                elif c[0] == "mulself": x = x * x
                elif c[0] == "bin": x = BIN[c[1]](tf.constant(c[2]), x) if c[3] else BIN[c[1]](x, tf.constant(c[2]))
                elif c[0] == "softmax": x = getattr(tf.nn, c[1])(x)
                else: x = REDS[c[1]](x, axis=c[2])
        if KIND == "gradient":
            g = t1.gradient(x, v)
            return "none" if g is None else np.array(g.numpy(), np.float32)
        g = t1.gradient(x, v) if KIND == "hessian" else x
    if g is None: return "none"
    return np.array(t2.jacobian(g, v).numpy(), np.float32)
def prog(vals, chain):
    graph = []; prev = "v"; setup = []
    for i, c in enumerate(chain):
        n = f"n{i}"
        if c[0] == "act": node = {"name": n, "op": c[1], "inputs": [prev]}
        elif c[0] == "leaky": node = {"name": n, "op": "tf.nn.leaky_relu", "inputs": [prev], "alpha": c[1]}
        elif c[0] == "bin":
            setup.append({"name": f"c{i}", "op": "constant",
                          "value": {"value": np.vectorize(enc, otypes=[object])(c[2]).tolist() if c[2].ndim else enc(c[2]), "dtype": "float32"}})
            node = {"name": n, "op": c[1], "inputs": [f"c{i}", prev] if c[3] else [prev, f"c{i}"]}
        elif c[0] == "softmax": node = {"name": n, "op": c[1], "inputs": [prev]}
        elif c[0] == "mulself": node = {"name": n, "op": "multiply", "inputs": [prev, prev]}
        else:
            node = {"name": n, "op": c[1], "inputs": [prev]}
            if c[2] is not None: node["axis"] = c[2]
        graph.append(node); prev = n
    return {"variables": [{"name": "v", "value": {"value": np.vectorize(enc, otypes=[object])(vals).tolist(), "dtype": "float32"}}],
            "setup": setup, "graph": graph, "requests": [{KIND: {"target": prev, "sources": "v"}}]}
def ours(p):
    r = urllib.request.urlopen(urllib.request.Request(URL + "/v1/evaluate", json.dumps(p).encode(), {"content-type": "application/json"}))
    body = json.loads(r.read())["results"][0]
    if KIND not in body: return body
    return np.array(np.vectorize(dec, otypes=[float])(np.array(body[KIND]["value"], dtype=object)), np.float32)
def classify(a, b):
    if isinstance(b, dict) or isinstance(a, str): return "other"
    if a.shape != b.shape: return "shape"
    exact = True; lastbit = True
    for x, y in zip(a.ravel(), b.ravel()):
        if np.isnan(x) and np.isnan(y): continue
        if x == y and np.signbit(x) == np.signbit(y): continue
        exact = False
        if np.isnan(x) or np.isnan(y) or np.isinf(x) or np.isinf(y) or (x == 0 and y == 0) or np.signbit(x) != np.signbit(y):
            lastbit = False; continue
        if abs(int(np.float32(x).view(np.int32)) - int(np.float32(y).view(np.int32))) > 8: lastbit = False
    return "same" if exact else ("lastbit" if lastbit else "REAL")
counts = {}
for i in range(N):
    vals, chain = gen()
    try:
        t = tfrun(vals, chain)
    except Exception as e:
        continue
    p = prog(vals, chain)
    try:
        o = ours(p)
    except Exception as e:
        o = {"http": str(e)}
    c = classify(t, o)
    counts[c] = counts.get(c, 0) + 1
    if c in ("REAL", "shape", "other"):
        print(c, json.dumps(p), "TF", t.tolist() if not isinstance(t, str) else t, "US", o.tolist() if isinstance(o, np.ndarray) else o)
print(counts)
