#!/usr/bin/env python3
"""shared/oracle/fuzz_programs.py, with TensorFlow's own answer for a Hessian through softsign.

TensorFlow registers no gradient for SoftsignGrad, so a second derivative through softsign raises
LookupError. fuzz_programs.py catches that and runs softsign as x/(1+|x|) instead; gradtape answers
TensorFlow's error (`invalid_argument`, as cells raise the LookupError). This runs the fuzzer
unchanged except that tf_reference's Hessian turns the LookupError into the error result
TensorFlow's other kernel errors give. Same arguments as fuzz_programs.py:

    /tmp/tf/bin/python tests/conformance/fuzz_programs_tf.py --base-url URL --seed S --count N

`--empty-rate P` (this script's own) puts a zero-size variable or constant into a program with
probability P instead of fuzz_programs.py's 0.04: Jacobians and Hessians through zero-size
tensors are where TensorFlow's pfor mistakes shapes (`src/engine/autodiff/pfor.rs`).
"""
import os
import runpy
import sys

ORACLE = os.environ.get("ORACLE_DIR", "/work/shared/oracle")
sys.path.insert(0, ORACLE)
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
import tf_reference  # noqa: E402

_hessian = tf_reference._hessian


def hessian_raising_as_tensorflow(req, spec):
    try:
        return _hessian(req, spec)
    except Exception as e:  # the Jacobian's graph function wraps the LookupError
        if "gradient registry has no entry for" not in str(e):
            raise
        raise tf.errors.InvalidArgumentError(None, None, "gradient registry has no entry for: SoftsignGrad")


tf_reference._hessian = hessian_raising_as_tensorflow
sys.argv[0] = os.path.join(ORACLE, "fuzz_programs.py")
EMPTY_LINE = "if self.chance(0.04):   # an empty tensor somewhere"
if "--empty-rate" in sys.argv:
    k = sys.argv.index("--empty-rate")
    rate = float(sys.argv[k + 1])
    del sys.argv[k : k + 2]
    source = open(sys.argv[0]).read()
    assert EMPTY_LINE in source, "fuzz_programs.py no longer has the empty-tensor line"
    source = source.replace(EMPTY_LINE, f"if self.chance({rate}):")
    exec(compile(source, sys.argv[0], "exec"), {"__name__": "__main__", "__file__": sys.argv[0]})
else:
    runpy.run_path(sys.argv[0], run_name="__main__")
