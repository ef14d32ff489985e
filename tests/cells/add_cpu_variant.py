#!/usr/bin/env python3
"""Record TensorFlow's answer to a cell case on this CPU, for a case whose answer depends on the
CPU's rcpps/rsqrtps estimate tables (tests/it/cpu_estimates.rs says why and which cases).

    TF_ENABLE_ONEDNN_OPTS=1 /tmp/tf/bin/python tests/cells/add_cpu_variant.py NAME FINGERPRINT

FINGERPRINT is this CPU's, as `cargo test` prints it for a case it could not compare here. The
answer (from the oracle's run_cell.py, real TensorFlow 2.15 on this machine) is kept in the
case's "other_cpus" under that fingerprint, with the CPU's model name for the reader.
"""
import json
import os
import sys

sys.path.insert(0, os.environ.get("ORACLE", "/work/shared/oracle"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import run_cell  # noqa: E402


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    name, fingerprint = sys.argv[1:]
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "conformance", "cells", f"{name}.json")
    with open(path) as f:
        case = json.load(f)
    answer = run_cell.run_cell(case["source"], case.get("outputs"))
    variant = {"fingerprint": fingerprint, "cpu": cpu_model(), "stdout": answer["stdout"],
               "values": answer["values"], "error": answer["error"]}
    others = [v for v in case.get("other_cpus", []) if v["fingerprint"] != fingerprint]
    case["other_cpus"] = others + [variant]
    with open(path, "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")
    print(path)


if __name__ == "__main__":
    main()
