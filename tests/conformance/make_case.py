#!/usr/bin/env python3
"""Write a conformance case from a program and TensorFlow's answer to it.

    /tmp/tf/bin/python tests/conformance/make_case.py PROGRAM.json NAME "ABOUT"

PROGRAM.json is a /v1/evaluate body, or a fuzz find (`fuzz_programs_tf.py --found`) whose
"program" is one. The answer comes from the TensorFlow oracle (`tf_reference.evaluate`, with
fuzz_programs_tf.py's softsign correction), and the case lands in `cases/NAME.json`, replayed by
`cargo test` (tests/it/conformance.rs) and `run.py`.
"""
import json
import os
import sys

ORACLE = os.environ.get("ORACLE_DIR", "/work/shared/oracle")
sys.path.insert(0, ORACLE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tf_reference  # noqa: E402


def main():
    path, name, about = sys.argv[1:4]
    program = json.load(open(path))
    program = program.get("program", program)
    status, body = tf_reference.evaluate(program)
    case = {"name": name, "about": about, "request": program,
            "expect": {"status": status, "body": body}}
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases", name + ".json")
    with open(out, "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")
    print(out, status, json.dumps(body)[:300])


if __name__ == "__main__":
    main()
