"""session_diff.py fuzz with the session contract as it stands here: an unknown name on
GET /tensors/{name} is not found (404, as an unknown variable or tape), and one rule on every
route (a bound name first, then a variable id), a tape named on creation (a name in use is
refused). The scenarios also pause, resume, reset and name tapes and call batch_jacobian's own
route (more_tapes.py). Everything else is the shared oracle's.

usage: /tmp/tf/bin/python tests/sessions/fuzz.py fuzz --base-url URL --n N --seed S --save DIR
"""
import os, sys

sys.path.insert(0, os.environ.get("ORACLE", "/work/shared/oracle"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import session_diff as D  # noqa: E402
import make_cases  # noqa: E402
import more_tapes  # noqa: E402

# the generator and the replayer make their emulators by this module-level name
D.TFSession = make_cases.extended(D)
# scenarios also pause, resume, reset and name tapes, and call batch_jacobian's own route
more_tapes.install(D)

if __name__ == "__main__":
    D.main()
