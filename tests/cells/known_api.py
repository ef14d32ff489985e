"""Writes src/cells/known_api.txt: the public names of TensorFlow 2.15 and NumPy 1.26 a course's
cell may reach for (`tf.X`, `tf.M.X`, `tf.keras.M.X`, `np.X`, `np.linalg.X`, `np.random.X`,
`np.testing.X`) and the methods of a `tf.Variable` (`tf.Variable.scatter_nd_update`) and of an
`np.ndarray` (`np.ndarray.cumsum`), one per line. gradtape reads it
for messages only: a name TensorFlow or NumPy has but the cell subset lacks is refused as outside
the subset, where a misspelt one is Python's AttributeError.

    TF_CPP_MIN_LOG_LEVEL=3 /tmp/tf/bin/python tests/cells/known_api.py > src/cells/known_api.txt
"""
import types

import numpy as np
import tensorflow as tf

# Modules a cell has no use for (I/O, distribution, serving, internals): their names are left out.
SKIP = {"compat", "raw_ops", "experimental", "estimator", "summary", "distribute", "data",
        "saved_model", "tpu", "lite", "io", "config", "sysconfig", "xla", "types",
        "feature_column", "autograph", "mlir", "queue", "train", "profiler", "tools", "version",
        "graph_util", "core", "lib", "testing", "ma", "polynomial", "f2py", "distutils", "typing",
        "ctypeslib", "char", "rec", "emath", "matrixlib", "fft", "doc", "dtypes", "exceptions",
        "test"}
KERAS = {"activations", "losses", "layers", "optimizers", "initializers", "metrics", "models",
         "backend", "regularizers"}


def public(mod):
    for n in sorted(dir(mod)):
        if not n.startswith("_"):
            try:
                yield n, getattr(mod, n)
            except Exception:
                pass


def names():
    out = set()
    for root, mod in (("tf", tf), ("np", np)):
        for n, v in public(mod):
            out.add(f"{root}.{n}")
            if isinstance(v, types.ModuleType) and n not in SKIP:
                for m, w in public(v):
                    out.add(f"{root}.{n}.{m}")
                    if n == "keras" and m in KERAS and isinstance(w, types.ModuleType):
                        out.update(f"{root}.{n}.{m}.{k}" for k, _ in public(w))
    # tf.dtypes is a cell's module (tf.dtypes.float32), unlike NumPy's
    out.update(f"tf.dtypes.{n}" for n, _ in public(tf.dtypes))
    # np.testing's assertions are a grader's (its other modules are left out with tf.testing's)
    out.update(f"np.testing.{n}" for n, _ in public(np.testing))
    # an array's methods and properties, refused where a cell calls one the subset lacks
    out.update(f"np.ndarray.{n}" for n in dir(np.ndarray) if not n.startswith("_"))
    # a variable's methods and properties (some raise when read eagerly: they are still its own)
    out.update(f"tf.Variable.{n}" for n in dir(tf.Variable(0.0)) if not n.startswith("_"))
    return sorted(out)


if __name__ == "__main__":
    print("\n".join(names()))
