#!/usr/bin/env python3
"""Write a conformance case from a program and TensorFlow's answer to it.

    /tmp/tf/bin/python tests/conformance/make_case.py PROGRAM.json NAME "ABOUT"
    /tmp/tf/bin/python tests/conformance/make_case.py --this-cpu NAME

The second form records TensorFlow's answer to an existing case on this machine's CPU, for a
case whose answer depends on the CPU's instruction sets (tests/it/cpu_variants.rs): it lands in
the case's "other_cpus" under this CPU's "isa", which `cargo test` and `run.py` pick on a CPU
like this one.

PROGRAM.json is a /v1/evaluate body, or a fuzz find (`fuzz_programs_tf.py --found`) whose
"program" is one. The answer comes from the TensorFlow oracle (`tf_reference.evaluate`, with
fuzz_programs_tf.py's softsign correction), and the case lands in `cases/NAME.json`, replayed by
`cargo test` (tests/it/conformance.rs) and `run.py`.

TensorFlow does not check `output_gradients`; the spec makes one of the wrong shape an error.
gradtape answers TensorFlow's gradients where each output gradient broadcasts to its target's
shape and every gradient comes out in its source's shape (the gradient functions broadcast it);
where TensorFlow answered such a request otherwise with a gradient, the case expects
`shape_mismatch` in its place (as `fuzz_programs.py` judges it); where TensorFlow raised, its
own code stays.
"""
import copy
import json
import os
import sys

ORACLE = os.environ.get("ORACLE_DIR", "/work/shared/oracle")
sys.path.insert(0, ORACLE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tf_reference  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import cpu_model, nested_shape, this_isa  # noqa: E402


def refuse_wrong_output_gradients(program, body):
    requests = program.get("requests", [])
    for i, r in enumerate(requests):
        spec = r.get("gradient") if isinstance(r, dict) else None
        if not spec or spec.get("output_gradients") is None or "error" in body["results"][i]:
            continue
        targets, ogs = spec["target"], spec["output_gradients"]
        pairs = list(zip(targets, ogs)) if isinstance(targets, list) else [(targets, ogs)]
        probe = copy.deepcopy(program)
        probe["requests"], probe["outputs"] = [], sorted({t for t, _ in pairs})
        srcs = spec["sources"] if isinstance(spec["sources"], list) else [spec["sources"]]
        probe["outputs"] = sorted({t for t, _ in pairs} | set(srcs))
        _, shapes = tf_reference.evaluate(probe)
        shape_of = lambda n: shapes["outputs"][n]["shape"]
        wrong = [(t, g) for t, g in pairs if nested_shape(g) != shape_of(t)]
        if not wrong:
            continue
        grads = body["results"][i]["gradient"]
        grads = grads if isinstance(spec["sources"], list) else [grads]
        broadcasts = all(broadcasts_to(nested_shape(g), shape_of(t)) for t, g in wrong)
        own_shapes = all(g is None or g["shape"] == shape_of(s) for s, g in zip(srcs, grads))
        as_is = all(t not in srcs for t, _ in wrong)
        if not (broadcasts and own_shapes and as_is):
            body["results"][i] = {"error": {"code": "shape_mismatch"}}


def broadcasts_to(shape, to):
    """Whether NumPy broadcasts `shape` to `to` (and not to a larger shape)."""
    if len(shape) > len(to):
        return False
    return all(a in (1, b) for a, b in zip(reversed(shape), reversed(to)))


def answer(program):
    status, body = tf_reference.evaluate(program)
    if status == 200:
        refuse_wrong_output_gradients(program, body)
    return {"status": status, "body": body}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    if sys.argv[1] == "--this-cpu":
        out = os.path.join(here, "cases", sys.argv[2] + ".json")
        case = json.load(open(out))
        isa = this_isa()
        variant = {"isa": isa, "cpu": cpu_model(), "expect": answer(case["request"])}
        others = [v for v in case.get("other_cpus", []) if v.get("isa", "avx512") != isa]
        case["other_cpus"] = others + [variant]
    else:
        path, name, about = sys.argv[1:4]
        program = json.load(open(path))
        program = program.get("program", program)
        case = {"name": name, "about": about, "request": program, "expect": answer(program)}
        out = os.path.join(here, "cases", name + ".json")
    with open(out, "w") as f:
        json.dump(case, f, indent=1)
        f.write("\n")
    print(out, json.dumps(case.get("other_cpus", [case])[-1]["expect"])[:300])


if __name__ == "__main__":
    main()
