#!/usr/bin/env python3
"""Record TensorFlow's answer to a cell case on this CPU, for a case whose answer depends on the
CPU's rcpps/rsqrtps estimate tables or its instruction sets (tests/it/cpu_variants.rs says why).

    TF_ENABLE_ONEDNN_OPTS=1 /tmp/tf/bin/python tests/cells/add_cpu_variant.py NAME FINGERPRINT

FINGERPRINT is this CPU's, as `cargo test` prints it for a case it could not compare here. The
answer (from the oracle's run_cell.py, real TensorFlow 2.15 on this machine) is kept in the
case's "other_cpus" under that fingerprint and this CPU's instruction sets ("isa"), with the
CPU's model name for the reader.
"""
import json
import os
import sys

from make_cell_case import answered, case_path, write_case

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../conformance"))
from run import cpu_model, this_isa  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    name, fingerprint = sys.argv[1:]
    with open(case_path(name)) as f:
        case = json.load(f)
    isa = this_isa()
    variant = {"fingerprint": fingerprint, "isa": isa, "cpu": cpu_model(),
               **answered(case["source"], case.get("outputs"))}
    others = [v for v in case.get("other_cpus", [])
              if (v.get("fingerprint"), v.get("isa", "avx512")) != (fingerprint, isa)]
    case["other_cpus"] = others + [variant]
    write_case(case)


if __name__ == "__main__":
    main()
