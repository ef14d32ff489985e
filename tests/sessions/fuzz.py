"""session_diff.py fuzz with the session contract as it stands here: an unknown name on
GET /tensors/{name} is not found (404, as an unknown variable or tape), and one rule on every
route (a bound name first, then a variable id), a tape named on creation (a name in use is
refused). The scenarios also pause, resume, reset and name tapes and call batch_jacobian's own
route (more_tapes.py), and make notebook patterns on purpose (notebook_routes.py). With --cells,
scenarios also run notebook cells in the session between the other routes
(cells_in_sessions.py, with notebook_cells.py's notebook patterns). Everything else is the
shared oracle's.

usage: /tmp/tf/bin/python tests/sessions/fuzz.py fuzz --base-url URL --n N --seed S --save DIR [--cells]
"""
import os, re, sys

sys.path.insert(0, os.environ.get("ORACLE", "/work/shared/oracle"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import session_diff as D  # noqa: E402
import make_cases  # noqa: E402
import more_tapes  # noqa: E402
import notebook_routes  # noqa: E402

# the generator and the replayer make their emulators by this module-level name
D.TFSession = make_cases.extended(D)
# scenarios also pause, resume, reset and name tapes, and call batch_jacobian's own route
more_tapes.install(D)
# and make the notebook patterns (two-variable training, unconnected Jacobians, ...) on purpose
notebook_routes.install(D)

make_cases.map_lookup_error(D)
S = D.S
S.CLASSES["output-gradients-scalar"] = (
    "a scalar output_gradients for a target of another shape: TensorFlow hands it to the first "
    "backward function as it is; where a gradient would come out in another shape than its "
    "source's, gradtape refuses the request, a difference the README lists (tests/sessions/pending)")
classify = S.classify


def classify_plainly(calls, i, msgs):
    """The oracle's classes, with the scalar output_gradients family named as one class, and the
    names, numbers and quoted text of an unnamed class taken out so that one cause is one class."""
    og = (calls[i].get("body") or {}).get("output_gradients")
    if calls[i]["kind"] == "gradient" and og is not None and not isinstance(og, list):
        return "output-gradients-scalar"
    cls = classify(calls, i, msgs)
    if cls.startswith("other: "):
        cls = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?", "#", cls)
    return cls


S.classify = classify_plainly
if "--cells" in sys.argv:
    sys.argv.remove("--cells")
    import cells_in_sessions  # noqa: E402
    import notebook_cells  # noqa: E402

    cells_in_sessions.install(D)
    notebook_cells.install(D)

if __name__ == "__main__":
    D.main()
