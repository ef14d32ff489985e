"""Bit-for-bit check of float sums, means and products against TensorFlow 2.15 in-process.

For 34 lengths (1 to 70,001) and 18 shapes and axis sets, in float32 and float64, with random,
cancelling and constant data, asks a live server for reduce_sum/reduce_mean/reduce_prod and
compares the bytes with what TensorFlow computes:

    TF_ENABLE_ONEDNN_OPTS=1 /tmp/tf/bin/python tests/conformance/reduce_order_tf.py http://127.0.0.1:8080 [SEED]
"""
import json, sys, urllib.request, numpy as np, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import tensorflow as tf
url = sys.argv[1]
rs = np.random.RandomState(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
def ask(prog):
    req = urllib.request.Request(url + "/v1/evaluate", json.dumps(prog).encode(), {"content-type": "application/json"})
    return json.load(urllib.request.urlopen(req))
cases = []
for n in [1, 7, 8, 9, 31, 32, 33, 63, 64, 65, 96, 100, 127, 128, 130, 200, 255, 256, 257, 500, 513, 1000, 1001, 2000, 4096, 5000, 8191, 8192, 8193, 10000, 16385, 20000, 33000, 70001]:
    for dt in ["float32", "float64"]:
        cases.append(([n], dt, None))
for shape, ax in [([1000, 8], 0), ([37, 20], 0), ([20, 5, 4], 0), ([3, 4, 10], [0, 1]), ([17, 9], 0), ([64, 3], 0), ([16, 16], 0), ([15, 16], 0), ([40, 2, 9], [0, 1]), ([3, 100], 1), ([3, 10001], 1), ([5, 4200], 1), ([2, 3, 40], [1, 2]), ([7, 9000], -1), ([4, 2, 4500], [1, 2]), ([100, 3], 0), ([50, 60], None)]:
    for dt in ["float32", "float64"]:
        cases.append((shape, dt, ax))
bad = 0; total = 0
for shape, dt, ax in cases:
    n = int(np.prod(shape))
    kind = rs.randint(4)
    if kind == 3: x = np.resize(np.array([1e8, 1.0, -1e8, 3.0, 0.5]), n)
    elif kind == 0: x = rs.rand(n)
    elif kind == 1: x = rs.randn(n) * 1000
    else: x = np.full(n, 0.1)
    x = x.astype(np.float32 if dt == "float32" else np.float64).reshape(shape)
    for op in ["reduce_sum", "reduce_mean", "reduce_prod"]:
        xx = x if op != "reduce_prod" else (1 + (x - x.mean()) * 1e-3 if x.std() > 0 else x)
        xx = xx.astype(x.dtype)
        node = {"name": "r", "op": op, "inputs": ["x"]}
        if ax is not None: node["axis"] = ax
        prog = {"setup": [{"name": "x", "op": "constant", "value": xx.tolist(), "dtype": dt}], "graph": [node], "outputs": ["r"]}
        got = ask(prog)
        tfv = getattr(tf, op)(tf.constant(xx), axis=ax).numpy()
        try:
            gv = np.array(got["outputs"]["r"]["value"] if "outputs" in got else got["values"]["r"]["value"], dtype=xx.dtype)
        except Exception as e:
            print("??", shape, dt, op, str(got)[:300]); bad += 1; continue
        total += 1
        if not np.array_equal(gv.reshape(-1).view(np.uint8), np.asarray(tfv, dtype=xx.dtype).reshape(-1).view(np.uint8)):
            bad += 1
            print("DIFF", shape, dt, ax, op, kind, np.asarray(tfv).ravel()[:3], gv.ravel()[:3])
print(f"{total - bad}/{total} bit-equal")
