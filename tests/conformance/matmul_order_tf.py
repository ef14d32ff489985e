"""How TensorFlow 2.15 sums a float32 `matmul` on this machine's CPU, and whether gradtape agrees.

TensorFlow's float32 products run oneDNN's or Eigen's kernels, which pick their order of
additions by the CPU's instruction sets and by the product's shape, so the last bits of a
product differ from one machine kind to another. This script measures both sides on the machine
it runs on (b not transposed; random data; several inner lengths per shape):

  1. For a grid of shapes [m, k] x [k, n], which order each element of TensorFlow's product
     follows: `S` fused multiply-adds in order from +0 (what gradtape's small in-order path
     does), `E` two running sums (even and odd k) added at the end with an odd last term fused
     in after, `?` neither; one letter a column where the column agrees down its rows, `*` where
     its rows differ.
  2. With a live server: of random products, transposed or not, and of batched products, how
     many gradtape answers bit for bit.

    TF_ENABLE_ONEDNN_OPTS=1 /tmp/tf/bin/python tests/conformance/matmul_order_tf.py [URL] [SEED]
    TF_ENABLE_ONEDNN_OPTS=1 /tmp/tf/bin/python tests/conformance/matmul_order_tf.py --record FILE

`--record` writes TensorFlow's bits for a fixed set of products (chosen for this CPU's kind,
`RECORDED`) whose operands both sides generate from a seed (`operand`), for
tests/it/sgemm_order.rs, which replays them through the model of this CPU's kind whatever CPU
the test runs on.
"""
import json
import os
import sys
import urllib.request

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import tensorflow as tf  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import cpu_model, this_isa  # noqa: E402

f32 = np.float32


def fused_in_order(a, b, ks):
    """sum over ks of a[:, k] b[k, :], one fused multiply-add at a time from +0."""
    s = np.zeros((a.shape[0], b.shape[1]), f32)
    for k in ks:
        # a float32 product is exact in float64, so one rounding to float32 is the FMA's
        s = (a[:, k, None].astype(np.float64) * b[None, k, :] + s).astype(f32)
    return s


def even_odd(a, b):
    k = a.shape[1]
    pairs = k - k % 2
    s = (fused_in_order(a, b, range(0, pairs, 2)) + fused_in_order(a, b, range(1, pairs, 2))).astype(f32)
    if k % 2:
        s = (a[:, k - 1, None].astype(np.float64) * b[None, k - 1, :] + s).astype(f32)
    return s


def order_grid(rs, trials=8):
    ns = [1, 2, 3, 4, 8, 12, 16, 17, 20, 32, 33]
    print("TensorFlow's order per column (S in order, E even/odd, ? other, * rows differ):")
    for m in [1, 2, 3, 4, 8, 16, 17, 33]:
        cells = []
        for n in ns:
            s_ok = e_ok = None
            for _ in range(trials):
                k = rs.randint(2, 70)
                a = rs.randn(m, k).astype(f32)
                b = rs.randn(k, n).astype(f32)
                c = tf.matmul(a, b).numpy()
                s = fused_in_order(a, b, range(k)) == c
                e = even_odd(a, b) == c
                s_ok = s if s_ok is None else s_ok & s
                e_ok = e if e_ok is None else e_ok & e
            code = np.where(s_ok, "S", np.where(e_ok, "E", "?"))
            cols = ("".join(code[:, j]) for j in range(n))
            cells.append(f"{n}:" + "".join(c[0] if len(set(c)) == 1 else "*" for c in cols))
        print(f"  m={m:2d}  " + " ".join(cells))


def served_product(url, a, b, ta, tb):
    """gradtape's `matmul` of a and b, as float32, from the server at `url`."""
    prog = {
        "graph": [
            {"name": "a", "op": "constant", "value": {"value": a.tolist(), "dtype": "float32"}},
            {"name": "b", "op": "constant", "value": {"value": b.tolist(), "dtype": "float32"}},
            {"name": "c", "op": "matmul", "inputs": ["a", "b"], "transpose_a": ta, "transpose_b": tb},
        ],
        "outputs": ["c"],
    }
    req = urllib.request.Request(
        url + "/v1/evaluate", json.dumps(prog).encode(), {"content-type": "application/json"}
    )
    return np.array(json.load(urllib.request.urlopen(req))["outputs"]["c"]["value"], f32)


def tally(same, kind, got, want):
    """Counts one product of `kind` in `same` and says whether it agreed bit for bit."""
    agrees = bool(np.array_equal(got.view(np.uint32), want.view(np.uint32)))
    counts = same.setdefault(kind, [0, 0])
    counts[0] += agrees
    counts[1] += 1
    return agrees


def report(title, same):
    """Prints how many products of each kind agreed, then all of them."""
    print(title)
    total = [0, 0]
    for kind, (ok, n) in sorted(same.items()):
        print(f"  {kind}: {ok} of {n}")
        total[0] += ok
        total[1] += n
    print(f"  all: {total[0]} of {total[1]}")


def agreement(url, rs, count=600, long_count=120, wide_count=20):
    same = {}
    for t in range(count + long_count + wide_count):
        big = t % 4 == 3
        m, k, n = (rs.randint(1, 60), rs.randint(1, 300), rs.randint(1, 60)) if big else (
            rs.randint(1, 17), rs.randint(1, 65), rs.randint(1, 17))
        if t >= count:
            # long sums, cut in blocks of terms (384 on AVX-512, 256 or 96 on AVX2)
            big = False
            m, k, n = rs.randint(1, 25), rs.randint(300, 1200), rs.randint(1, 25)
        if t >= count + long_count:
            # vector products past one thread's 256 KiB (gemv_t's threads split the outputs)
            m, k, n = rs.randint(300, 1500), rs.randint(100, 200), 1
            if t % 2:
                m, n = n, m
        if t % 6 == 1:
            n = 1
        if t % 6 == 2:
            m = 1
        ta, tb = bool(rs.randint(2)), bool(rs.randint(2))
        a = rs.randn(*((k, m) if ta else (m, k))).astype(f32)
        b = rs.randn(*((n, k) if tb else (k, n))).astype(f32)
        want = tf.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy()
        got = served_product(url, a, b, ta, tb).reshape(want.shape)
        kind = ("m = 1" if m == 1 else "n = 1" if n == 1 else "other") + (", large" if big else "")
        kind += ", wide" if t >= count + long_count else ", long" if t >= count else ""
        kind += ", transposed " + ("a" if ta else "") + ("b" if tb else "") if ta or tb else ""
        if not tally(same, kind, got, want):
            print(f"  differs: [{m}, {k}] x [{k}, {n}], transpose_a={ta}, transpose_b={tb}")
    report(f"gradtape against TensorFlow, {count + long_count + wide_count} random float32 "
           f"products (up to 17 x 65 x 17, a quarter up to 60 x 300 x 60, {long_count} long ones up "
           f"to 24 x 1200 x 24, and {wide_count} vector products up to 1500 x 200 x 1), bit for bit:",
           same)


def batched_agreement(url, rs, count=150):
    """Batched products (ranks 3 and 4, a broadcast operand among them, up to 2,200 terms):
    how many gradtape answers bit for bit."""
    same = {}
    for t in range(count):
        batch = [rs.randint(1, 4)] + ([rs.randint(1, 3)] if t % 3 == 0 else [])
        m, n = rs.randint(1, 12), rs.randint(1, 12)
        k = rs.randint(1, 2200) if t % 2 else rs.randint(1, 300)
        ta, tb = bool(rs.randint(2)), bool(rs.randint(2))
        a_batch = batch if t % 5 != 4 else []
        a = rs.randn(*a_batch, *((k, m) if ta else (m, k))).astype(f32)
        b = rs.randn(*batch, *((n, k) if tb else (k, n))).astype(f32)
        want = tf.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy()
        got = served_product(url, a, b, ta, tb).reshape(want.shape)
        kind = f"rank {len(batch) + 2}" + (", broadcast a" if not a_batch else "")
        kind += ", more than 1,024 terms" if k > 1024 else ""
        if not tally(same, kind, got, want):
            print(f"  differs: {list(a.shape)} x {list(b.shape)}, transpose_a={ta}, transpose_b={tb}")
    report(f"gradtape against TensorFlow, {count} random batched float32 products, bit for bit:",
           same)


def operand(seed, count):
    """`count` float32 values in [-2, 2) with full mantissas, from a 32-bit xorshift of `seed`;
    tests/it/sgemm_order.rs makes the same ones."""
    state = (seed * 2654435761 + 1) & 0xFFFFFFFF
    out = []
    for _ in range(count):
        state ^= (state << 13) & 0xFFFFFFFF
        state ^= state >> 17
        state ^= (state << 5) & 0xFFFFFFFF
        out.append(f32(state & 0xFFFFFF) / f32(4194304.0) - f32(2.0))
    return np.array(out, f32)


# (m, k, n, transpose_a, transpose_b) for each kind of CPU. AVX2: vector products both ways, the
# nocopy kernel's 16- and 8-column tiles with every row tail, blocks of terms (256, or 96 with a
# transposed a) and of rows (48, or 96 with a transposed b). AVX-512: the small-n kernel (a
# transposed b of 2 to 15 rows, one column included, every tail of 16 terms), vector products,
# and the nocopy kernel's blocks of 384 terms (one, two halves, a whole block and the rest).
RECORDED = {"avx2": [
    (5, 40, 1, False, False), (3, 7, 1, False, True), (9, 300, 1, False, False),
    (1, 33, 6, False, True), (1, 17, 1, True, True), (1, 290, 1, True, False),
    (2, 5, 4, False, False), (3, 31, 5, False, False), (4, 64, 12, False, False),
    (5, 31, 20, False, False), (7, 9, 9, False, False), (8, 40, 17, False, False),
    (13, 64, 33, False, False), (6, 31, 8, False, False), (11, 23, 16, True, False),
    (9, 37, 13, False, True), (10, 29, 7, True, True), (4, 300, 20, False, False),
    (3, 600, 9, False, False), (5, 200, 6, True, False), (80, 10, 3, False, False),
    (80, 12, 5, False, True), (100, 8, 2, True, True),
], "avx512": [
    (2, 5, 6, False, True), (3, 16, 4, False, True), (5, 33, 1, False, True),
    (7, 100, 9, False, True), (8, 17, 20, False, True), (15, 31, 3, False, True),
    (13, 500, 2, False, True), (4, 1, 7, False, True), (16, 7, 8, False, True),
    (1, 40, 7, False, True), (9, 50, 1, False, False), (1, 17, 1, True, True),
    (4, 9, 5, False, False), (17, 65, 17, True, False), (4, 384, 5, False, False),
    (3, 385, 4, True, False), (2, 800, 3, True, True), (20, 1000, 6, False, True),
    (6, 1100, 7, False, False), (30, 120, 40, True, True), (1500, 200, 1, False, False),
    (1, 180, 1200, True, True),
]}

# (batch, m, k, n, transpose_a, transpose_b) of batched products, recorded on AVX-512: blocks of
# 512 terms, of 1,024 past 1,024 terms unless a is transposed, and a one-product batch.
RECORDED_BATCHED = {"avx2": [], "avx512": [
    (2, 3, 700, 4, False, False), (2, 4, 1500, 3, False, True), (3, 2, 1100, 5, True, False),
    (1, 3, 1030, 2, True, True), (2, 5, 40, 1, False, False), (1, 4, 600, 6, False, False),
]}


def record(path):
    isa = this_isa()
    record_products(path, [(None, *p) for p in RECORDED[isa]] + RECORDED_BATCHED[isa])


def record_products(path, products, **header):
    """Writes TensorFlow's bits for `products` ((batch or None, m, k, n, transpose_a,
    transpose_b) each) to `path`, with this machine's CPU and `header` beside them."""
    cases = []
    for seed, (count, m, k, n, ta, tb) in enumerate(products):
        # a batched product's matrices follow one another in its operands
        lead, size = ((), 1) if count is None else ((count,), count)
        a = operand(2 * seed, size * m * k).reshape(lead + ((k, m) if ta else (m, k)))
        b = operand(2 * seed + 1, size * k * n).reshape(lead + ((n, k) if tb else (k, n)))
        c = tf.matmul(a, b, transpose_a=ta, transpose_b=tb).numpy()
        case = {} if count is None else {"batch": count}
        case.update({"m": m, "k": k, "n": n, "transpose_a": ta, "transpose_b": tb,
                     "seed_a": 2 * seed, "seed_b": 2 * seed + 1,
                     "bits": [f"{x:08x}" for x in c.reshape(-1).view(np.uint32)]})
        cases.append(case)
    with open(path, "w") as f:
        json.dump({"cpu": cpu_model(), "isa": this_isa(), **header, "products": cases}, f, indent=0)
        f.write("\n")
    print(f"{len(cases)} products written to {path}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--record":
        record(sys.argv[2])
        sys.exit(0)
    url = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1].startswith("http") else None
    seed = int(sys.argv[-1]) if len(sys.argv) > 1 and not sys.argv[-1].startswith("http") else 0
    rs = np.random.RandomState(seed)
    order_grid(rs)
    if url:
        agreement(url, rs)
        batched_agreement(url, rs)
