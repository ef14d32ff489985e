"""TensorFlow 2.15 with oneDNN off against a gradtape server started with GRADTAPE_TF_ONEDNN=off:
float32 products and softmaxes, bit for bit.

TensorFlow turns oneDNN off by default on x86 CPUs without AVX-512 and wherever
TF_ENABLE_ONEDNN_OPTS=0; its softmax and its vector products are then Eigen's
(src/engine/eigen/matvec.rs, `eigen_softmax` in src/engine/ops/nn.rs).

    GRADTAPE_TF_ONEDNN=off gradtape serve --addr 127.0.0.1:18302 &
    TF_ENABLE_ONEDNN_OPTS=0 /tmp/tf/bin/python tests/conformance/onednn_off_tf.py URL [SEED]
    TF_ENABLE_ONEDNN_OPTS=0 /tmp/tf/bin/python tests/conformance/onednn_off_tf.py --record FILE

`--record` writes TensorFlow's bits for a fixed set of products whose operands both sides
generate from a seed, for tests/it/sgemm_order.rs.
"""
import json
import os
import sys
import urllib.request

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
if os.environ.get("TF_ENABLE_ONEDNN_OPTS") != "0":
    sys.exit("set TF_ENABLE_ONEDNN_OPTS=0: this script measures TensorFlow with oneDNN off")
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from matmul_order_tf import record_products, report, served_product, tally  # noqa: E402

f32 = np.float32


def products(url, rs, count=500):
    same = {}
    for t in range(count):
        # vector products (both ways, small ones below Eigen's threshold of 20, long ones in
        # blocks of 16 terms) and, a fifth of them, products of two matrices up to 500 terms
        if t % 5 == 4:
            m, k, n = rs.randint(2, 30), rs.randint(1, 501), rs.randint(2, 30)
        else:
            m, k = rs.randint(1, 60), rs.randint(1, 8) if t % 3 == 0 else rs.randint(1, 400)
            m, n = (1, m) if t % 2 else (m, 1)
        ta, tb = bool(rs.randint(2)), bool(rs.randint(2))
        a = rs.randn(*((k, m) if ta else (m, k))).astype(f32)
        b = rs.randn(*((n, k) if tb else (k, n))).astype(f32)
        want = tf.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy()
        got = served_product(url, a, b, ta, tb).reshape(want.shape)
        kind = "row times matrix" if m == 1 else "matrix times column" if n == 1 else "matrices"
        kind += ", transposed " + ("a" if ta else "") + ("b" if tb else "") if ta or tb else ""
        if not tally(same, kind, got, want):
            print(f"  differs: [{m}, {k}] x [{k}, {n}], transpose_a={ta}, transpose_b={tb}")
    report(f"gradtape (oneDNN off) against TensorFlow (oneDNN off), {count} random float32 "
           "products, bit for bit:", same)


def softmaxes(url, rs, count=300):
    special = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0], f32)
    ok = 0
    for t in range(count):
        shape = [rs.randint(1, 4), rs.randint(1, 50)] if t % 2 else [rs.randint(1, 50)]
        x = (rs.randn(*shape) * rs.choice([1, 5, 40])).astype(f32)
        if t % 3 == 0:
            x.reshape(-1)[rs.randint(x.size)] = special[rs.randint(len(special))]
        axis = -1 if t % 4 else 0
        want = tf.nn.softmax(x, axis=axis).numpy()
        enc = np.vectorize(lambda v: "NaN" if np.isnan(v) else "Infinity" if v == np.inf
                           else "-Infinity" if v == -np.inf else float(v), otypes=[object])
        prog = {"graph": [{"name": "x", "op": "constant",
                           "value": {"value": enc(x).tolist(), "dtype": "float32"}},
                          {"name": "s", "op": "softmax", "inputs": ["x"], "axis": axis}],
                "outputs": ["s"]}
        req = urllib.request.Request(url + "/v1/evaluate", json.dumps(prog).encode(),
                                     {"content-type": "application/json"})
        body = json.load(urllib.request.urlopen(req))["outputs"]["s"]["value"]
        dec = np.vectorize(lambda v: {"NaN": np.nan, "Infinity": np.inf, "-Infinity": -np.inf}.get(v, v)
                           if isinstance(v, str) else v, otypes=[float])
        got = dec(np.array(body, dtype=object)).astype(f32).reshape(want.shape)
        # JSON's "NaN" carries no sign or payload: a NaN agrees with any NaN
        both_nan = np.isnan(got) & np.isnan(want)
        if np.array_equal(np.where(both_nan, 0, got.view(np.uint32)),
                          np.where(both_nan, 0, want.view(np.uint32))):
            ok += 1
        else:
            print(f"  differs: softmax of {x.shape} along {axis}")
    print(f"softmax, {count} random tensors (a third with NaN, an infinity or a zero): {ok} of {count}")


# (m, k, n, transpose_a, transpose_b): below Eigen's threshold (coefficient by coefficient, and
# vectorised), one output (a dot product, both ways), outer products, the row-major kernel with
# an even and an odd number of outputs (the last alone), the column-major one in one block and in
# blocks of 16, and products of two matrices.
RECORDED = [
    (5, 8, 1, False, False), (1, 6, 7, False, True), (9, 30, 1, False, False),
    (10, 45, 1, False, False), (1, 45, 11, True, True), (13, 29, 1, True, False),
    (1, 100, 7, False, False), (40, 300, 1, True, True), (1, 200, 33, True, False),
    (6, 100, 5, False, True), (20, 450, 7, True, False), (3, 4, 2, False, False),
    (1, 9, 6, False, True), (1, 300, 1, False, True), (1, 262, 1, False, False),
    (4, 1, 5, False, False), (30, 1, 30, False, False), (7, 200, 1, False, False),
    (1, 20, 1, True, False), (16, 40, 1, True, True),
]


def record(path):
    record_products(path, [(None, *p) for p in RECORDED], onednn=False)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--record":
        record(sys.argv[2])
        sys.exit(0)
    url = sys.argv[1]
    rs = np.random.RandomState(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    products(url, rs)
    softmaxes(url, rs)
