"""Writes float32.json and float64.json here: TensorFlow 2.15's bits for the elementwise kernels
that Eigen computes with packet math (8 float32 or 4 float64 lanes, then a scalar tail), on sizes
that exercise full packets, the tail and both, with the corner values (0, -0, inf, NaN,
denormals, range limits) placed in packets and in the tail.

Run with the TensorFlow venv (see tests/conformance/../../README or the oracle README):
    /tmp/tf/bin/python tests/conformance/kernels/gen.py
tests/it/kernels_bits.rs checks every bit of forward and gradient (upstream gradient random).
"""
import json, os
import numpy as np
import tensorflow as tf

HERE = os.path.dirname(os.path.abspath(__file__))
OPS = [  # name, TensorFlow function, range of the random inputs, extra corner values
    ("exp", tf.exp, -20, 20, [88.72, 88.723, 88.8, -87.3, -103.9, -104.0, -104.1, 709.0, -745.0]),
    ("log", tf.math.log, 0.001, 100, [1.0, 0.5, 0.7071067, 0.70710677, 2.0, 1e30, 1e-30]),
    ("log1p", tf.math.log1p, -0.9, 100, [-1.0, -0.99999, 1e-8, -1e-8, 1e-3, 1e30]),
    ("sigmoid", tf.sigmoid, -20, 20, [16.6, 16.7, 30.0, -88.0, -100.0, -104.5, 800.0, -800.0]),
    ("rsqrt", tf.math.rsqrt, 0.01, 100, [1.0, 4.0, 1e-30, 1e20]),
    ("sin", tf.sin, -10, 10, [25965.0, 25967.0, 1e5, -3e6, 18837.0, 18839.0, 1e30, 3.1415927]),
    ("cos", tf.cos, -10, 10, [25965.0, 25967.0, 1e5, -3e6, 18837.0, 18839.0, 1e30, 1.5707964]),
    ("erf", tf.math.erf, -3, 3, [3.8325, 3.8326, -3.9, 1e-20]),
    ("softplus", tf.nn.softplus, -20, 20, [-13.94, -13.95, 13.94, 13.95, 100.0, -100.0]),
    ("elu", tf.nn.elu, -5, 5, [-1e-8, -100.0]),
    ("selu", tf.nn.selu, -5, 5, [-1e-8, -100.0]),
    ("gelu", tf.nn.gelu, -5, 5, [-10.0, 10.0]),
    ("silu", tf.nn.silu, -10, 10, [-100.0, 100.0]),
    ("softsign", tf.nn.softsign, -10, 10, [1e30]),
    ("tanh", tf.tanh, -10, 10, [7.9, 8.0, 1e-5]),
    ("sqrt", tf.sqrt, 0.01, 100, [1e-30, 4.0]),
    ("reciprocal", tf.math.reciprocal, 0.1, 10, [3.0, 1e-30, 1e30, -7.0]),
]
COMMON = [0.0, -0.0, np.inf, -np.inf, np.nan]


def hexbits(a):
    width = 8 if a.dtype == np.float32 else 16
    ints = a.view(np.uint32 if a.dtype == np.float32 else np.uint64)
    return [format(int(v), f"0{width}x") for v in ints]


def inputs(rng, lo, hi, n, corners, dtype):
    x = rng.uniform(lo, hi, n).astype(dtype)
    special = np.array(COMMON + corners, dtype=dtype)
    if n >= 64:  # corners in full packets and in the tail
        k = min(len(special), n // 4)
        x[8 : 8 + k] = special[:k]
        lanes = 8 if dtype == np.float32 else 4
        tail = n - n % lanes
        m = min(n - tail, len(special))
        x[tail : tail + m] = special[:m]
    return x


def case(f, x, rng):
    g = rng.uniform(0.5, 2.0, x.shape).astype(x.dtype)
    v = tf.Variable(x)
    with tf.GradientTape() as tape:
        y = f(v)
    dx = tape.gradient(y, v, output_gradients=tf.constant(g))
    return {"x": hexbits(x), "y": hexbits(y.numpy()), "upstream": hexbits(g), "dx": hexbits(dx.numpy())}


def main():
    for dtype, name, sizes in [(np.float32, "float32", [1, 7, 8, 9, 1003]), (np.float64, "float64", [1, 3, 4, 5, 503])]:
        rng = np.random.default_rng(2015)
        ops = []
        for op, f, lo, hi, corners in OPS:
            cases = [case(f, inputs(rng, lo, hi, n, corners, dtype), rng) for n in sizes]
            ops.append({"op": op, "cases": cases})
        with open(os.path.join(HERE, f"{name}.json"), "w") as out:
            json.dump({"dtype": name, "ops": ops}, out, separators=(",", ":"))
            out.write("\n")


if __name__ == "__main__":
    main()
