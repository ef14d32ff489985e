#!/usr/bin/env python3
"""Write a cell case from a cell and TensorFlow's answer to it.

    TF_ENABLE_ONEDNN_OPTS=1 /tmp/tf/bin/python tests/cells/make_cell_case.py CELL.py NAME "ABOUT" [--random]

The answer comes from the oracle's run_cell.py (real TensorFlow 2.15 and NumPy 1.26, in this
process), and the case lands in tests/conformance/cells/NAME.json, replayed by `cargo test`
(tests/it/cells.rs) and by the shared run_cells.py with `--cases tests/conformance/cells`.
`--random` marks a cell that draws from tf.random: its tensors are compared by dtype and shape,
its stdout by text only. This script's own frames count against Python's recursion limit: a
cell that recurses to within a few calls of 1000 is answered differently than by run_cell.py.
"""
import json
import os
import sys

sys.path.insert(0, os.environ.get("ORACLE", "/work/shared/oracle"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import run_cell  # noqa: E402


def answered(source, outputs=None):
    """What TensorFlow answered to `source` on this machine: a case's stdout, values, error."""
    answer = run_cell.run_cell(source, outputs)
    return {k: answer[k] for k in ("stdout", "values", "error")}


def case_path(name):
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.join(here, "..", "conformance", "cells", f"{name}.json")


def write_case(case):
    out = case_path(case["name"])
    with open(out, "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")
    print(out)


def main():
    args = [a for a in sys.argv[1:] if a != "--random"]
    if len(args) != 3:
        sys.exit(__doc__)
    path, name, about = args
    with open(path) as f:
        source = f.read()
    write_case({"name": name, "about": about, "source": source, "random": "--random" in sys.argv,
                **answered(source)})


if __name__ == "__main__":
    main()
