"""Writes numpy_float32.json here: NumPy 1.26's bits for float32 `np.log` and `np.exp`, which
NumPy computes with its own SIMD kernels (not correctly rounded), on random inputs over the
ranges cells use, corner values, and inputs where NumPy's answer is not the correctly rounded one.
src/cells/numpy/simd.rs checks every bit.

    /tmp/tf/bin/python tests/conformance/kernels/gen_numpy.py
"""
import json, os
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CORNERS = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 2.0, 0.5, 0.70710677, 0.7071068, 1e-45, 1e-40,
           1.17549435e-38, 3.4028235e38, -1.0, 88.72, 88.7228, 88.723, -87.3, -103.9, -103.97208, -104.0,
           1e-8, -1e-8, 0.01, 1.5, 2.25, 1.2321]


def pairs(f, xs):
    x = np.array(xs, dtype=np.float32)
    y = f(x)
    hexes = lambda a: [format(int(v), "08x") for v in a.view(np.uint32)]
    return [list(p) for p in zip(hexes(x), hexes(y))]


def off_by_rounding(f, xs):
    """The inputs where NumPy's float32 answer differs from the correctly rounded one."""
    x = np.array(xs, dtype=np.float32)
    return x[f(x) != f(x.astype(np.float64)).astype(np.float32)].tolist()


def main():
    rng = np.random.default_rng(20261202)
    logs = np.concatenate([rng.uniform(0.0, 3.0, 3000), rng.uniform(0.0, 100.0, 1000),
                           np.exp(rng.uniform(-80, 80, 1000))]).astype(np.float32)
    exps = np.concatenate([rng.uniform(-5.0, 5.0, 3000), rng.uniform(-100.0, 88.0, 2000)]).astype(np.float32)
    out = {"numpy": np.__version__}
    for name, f, xs in (("log", np.log, logs), ("exp", np.exp, exps)):
        off = off_by_rounding(f, xs)
        chosen = CORNERS + off[:300] + xs[:200].tolist()
        with np.errstate(all="ignore"):
            out[name] = pairs(f, chosen)
        print(name, len(chosen), "inputs,", len(off), "of", len(xs), "random ones not correctly rounded")
    with open(os.path.join(HERE, "numpy_float32.json"), "w") as fh:
        json.dump(out, fh, separators=(",", ":"))


if __name__ == "__main__":
    main()
