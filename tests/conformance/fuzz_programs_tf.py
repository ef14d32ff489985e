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
`--only-error KIND` makes every deliberate error of that kind (with `--error-rate 1.0`, every
program has one): `og_shape` sends each a wrong `output_gradients`
(`src/engine/autodiff/wrong_cotangent.rs`).
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
SHUFFLE_LINE = "self.r.shuffle(kinds)"


def take_option(name):
    if name not in sys.argv:
        return None
    k = sys.argv.index(name)
    value = sys.argv[k + 1]
    del sys.argv[k : k + 2]
    return value


rate = take_option("--empty-rate")
only_error = take_option("--only-error")
if rate is None and only_error is None:
    runpy.run_path(sys.argv[0], run_name="__main__")
else:
    source = open(sys.argv[0]).read()
    if rate is not None:
        assert EMPTY_LINE in source, "fuzz_programs.py no longer has the empty-tensor line"
        source = source.replace(EMPTY_LINE, f"if self.chance({float(rate)}):")
    if only_error is not None:
        assert SHUFFLE_LINE in source, "fuzz_programs.py no longer shuffles its error kinds"
        source = source.replace(SHUFFLE_LINE, f"kinds = [{only_error!r}]")
    exec(compile(source, sys.argv[0], "exec"), {"__name__": "__main__", "__file__": sys.argv[0]})
