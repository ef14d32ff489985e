"""Times a cell run by TensorFlow 2.15 eager in-process: the cell's Python exec()'d after
TensorFlow is imported and warmed up, as a notebook kernel runs it. Prints the median of
--runs runs in milliseconds and the cell's stdout of the last run.

    /tmp/tf/bin/python tests/bench/cells/tf_inprocess.py tests/bench/cells/logistic_1000.py --runs 5
"""
import argparse
import contextlib
import io
import statistics
import time

import tensorflow as tf  # noqa: F401  (imported before the clock starts, as in a kernel)

ap = argparse.ArgumentParser()
ap.add_argument("cell")
ap.add_argument("--runs", type=int, default=5)
args = ap.parse_args()
source = open(args.cell).read()
code = compile(source, args.cell, "exec")
with contextlib.redirect_stdout(io.StringIO()):
    exec(code, {})  # warm-up: TensorFlow's first op calls build their kernels
times = []
for _ in range(args.runs):
    out = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(out):
        exec(code, {})
    times.append((time.perf_counter() - start) * 1e3)
print(f"tensorflow_eager_ms {statistics.median(times):.1f} (runs: {', '.join(f'{t:.1f}' for t in times)})")
print(out.getvalue(), end="")
