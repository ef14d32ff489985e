"""Writes tests/sessions/cases/*.json: session scenarios with the answers TensorFlow 2.15 gave.

Each case is {"name", "what", "calls", "expected"}: the calls as the shared oracle's
session_diff.py writes them ({"kind", "tape"?, "label"?, "var"?, "name"?, "body"?}), and for
each call the [status, body] that TensorFlow eager, kept across calls as a session keeps it,
answers. `tests/it/session_cases.rs` replays every case against the router; CI never needs
TensorFlow.

Two sources of cases:
- the hand-written scenarios below (one per TensorFlow behaviour a session must keep), with
  the tape calls TF users make beyond the oracle's (stop_recording, resume, reset, a named tape,
  batch_jacobian as its own route);
- disagreements session_diff.py fuzz found and minimized: `--found DIR` copies each one's
  calls and TF's answers (cells in the session included: cells_in_sessions.py runs them).

usage: /tmp/tf/bin/python tests/sessions/make_cases.py [--oracle DIR] [--found DIR ...]
"""
import argparse, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))


def load_oracle(path):
    sys.path.insert(0, path)
    import session_diff as D  # noqa: E402  (imports TensorFlow)
    map_lookup_error(D)
    return D


def map_lookup_error(D):
    """TensorFlow registers no gradient for SoftsignGrad, so a Jacobian through softsign's
    second derivative, or one a recording tape records, raises LookupError, which gradtape
    answers as invalid_argument (README); the shared oracle's emulator lets it escape."""
    D.TF_ERRORS = (*D.TF_ERRORS, LookupError)
    tf_code = D.tf_code
    D.tf_code = lambda e: "invalid_argument" if isinstance(e, LookupError) else tf_code(e)


def extended(D):
    """The oracle's emulator with the tape calls the oracle does not make."""
    import tensorflow as tf

    class TF(D.TFSession):
        def __init__(self):
            super().__init__()
            self.paused = {}  # tape id -> (the tape, the stop_recording() context entered)

        def k_open_tape(self, c):
            b = dict(c.get("body") or {})
            name = b.pop("name", None)
            if name is not None and name in self.tapes:  # the contract: delete it first
                raise D.ApiErr(422, "duplicate_name")
            st, body = super().k_open_tape({**c, "body": b})
            if name is not None:  # the tape is known by its name, as `g` is in Python
                tid = f"t{self.nt}"
                self.tapes[name] = self.tapes.pop(tid)
                self.labels[c["label"]] = name
                self.nt -= 1  # server-chosen ids count the unnamed tapes only
                body = self.tape_body(name)
            return st, body

        def var_id(self, key):
            """One rule on every route: a bound name first, then a variable id."""
            if key in self.env:
                v = self.env[key]
                for vid, x in self.vars.items():
                    if v is x:
                        return vid
                raise D.ApiErr(404, "not_found")
            if key in self.vars:
                return key
            raise D.ApiErr(404, "not_found")

        def k_get_tensor(self, c):
            if c["name"] not in self.env and c["name"] not in self.vars:
                raise D.ApiErr(404, "not_found")  # as an unknown variable or tape
            return super().k_get_tensor(c)

        def _tape_call(self, f):
            try:
                f()
            except RuntimeError as e:
                raise D.ApiErr(409, "tape_exhausted", message=str(e))
            except ValueError as e:
                raise D.ApiErr(422, "invalid_argument", message=str(e))

        def k_stop_recording(self, c):
            tid, g = self.tape(c["tape"])
            cm = g.stop_recording()
            self._tape_call(cm.__enter__)
            # the pause belongs to this tape object: a cell may bind the name to a new tape
            self.paused[tid] = (g, cm)
            return 200, self.tape_body(tid)

        def k_resume(self, c):
            tid, g = self.tape(c["tape"])
            paused_tape, cm = self.paused.pop(tid, (None, None))
            if cm is not None and paused_tape is g and not g._recording:
                self._tape_call(lambda: cm.__exit__(None, None, None))
            else:
                self._tape_call(g._push_tape)  # entering `with g:` again
            return 200, self.tape_body(tid)

        def k_reset(self, c):
            tid, g = self.tape(c["tape"])
            self._tape_call(g.reset)
            return 200, self.tape_body(tid)

        def k_batch_jacobian(self, c):
            b = dict(c["body"])
            b["source"] = b.pop("sources", b.get("source"))
            b["batch"] = True
            return self.k_jacobian({**c, "body": b})

    return TF


def node(name, op, *inputs, **attrs):
    n = {"name": name, "op": op, "inputs": list(inputs)} if name else {"op": op, "inputs": list(inputs)}
    n.update(attrs)
    return n


def graph(*nodes, outputs=None):
    body = {"nodes": list(nodes)}
    if outputs is not None:
        body["outputs"] = outputs
    return {"kind": "graph", "body": body}


def const(name, value, **kw):
    return graph({"name": name, "op": "constant", "value": value, **kw})


def var(value, **body):
    return {"kind": "create_var", "body": {"value": value, **body}}


def tape(label, **body):
    return {"kind": "open_tape", "label": label, "body": body}


def cell(source):
    return {"kind": "cell", "body": {"source": source}}


def on(kind, label, body=None):
    c = {"kind": kind, "tape": label}
    if body is not None:
        c["body"] = body
    return c


SCENARIOS = {
    "stale_gradient_binding": (
        "a gradient bound to a name that comes out None leaves the name None: a training step "
        "that uses it fails as TensorFlow's does, instead of applying the previous gradient",
        [var([1.0, 2.0], name="W"), var([3.0, 4.0], name="U"), tape("T1", persistent=True),
         graph(node("L", "reduce_sum", "W")),
         on("gradient", "T1", {"target": "L", "sources": "W", "bind": "dW"}),
         on("gradient", "T1", {"target": "L", "sources": "U", "bind": "dW"}),
         graph(node("step", "multiply", 0.1, "dW")),
         {"kind": "assign", "var": "W", "body": {"op": "assign_sub", "from": "dW"}},
         {"kind": "get_tensor", "name": "dW"},
         on("gradient", "T1", {"target": "L", "sources": ["W", "U"], "bind": ["gW", "gU"]}),
         graph(node("ok", "multiply", 2.0, "gW")),
         graph(node("bad", "add", "gU", 1.0)),
         graph(node("dW", "multiply", "gW", 1.0)),
         {"kind": "get_tensor", "name": "dW"}]),
    "watch_used_up_tape": (
        "watch on a used-up non-persistent tape is TensorFlow's error; on a stopped tape it "
        "watches, as TensorFlow's does",
        [const("x", [1.0, 2.0]), tape("T1"), on("watch", "T1", {"name": "x"}),
         graph(node("y", "multiply", "x", "x")),
         on("gradient", "T1", {"target": "y", "sources": "x"}),
         on("watch", "T1", {"name": "x"}),
         on("watch", "T1", {"names": ["x"]}),
         tape("T2", persistent=True), on("stop", "T2"),
         on("watch", "T2", {"name": "x"}),
         graph(node("z", "sin", "x")),
         on("gradient", "T2", {"target": "z", "sources": "x"}),
         on("gradient", "T2", {"target": "x", "sources": "x"})]),
    "jacobian_recorded_by_outer_tape": (
        "a Jacobian computed while an outer tape records is recorded by it: the outer gradient "
        "of the Jacobian is the second derivative",
        [const("x", [1.0, 2.0, 3.0]), tape("O", persistent=True), on("watch", "O", {"name": "x"}),
         tape("I"), on("watch", "I", {"name": "x"}),
         graph(node("y", "pow", "x", 3.0)),
         on("jacobian", "I", {"target": "y", "sources": "x", "bind": "J"}),
         graph(node("Jsum", "reduce_sum", "J")),
         on("stop", "O"),
         on("gradient", "O", {"target": "J", "sources": "x"}),
         on("gradient", "O", {"target": "Jsum", "sources": "x"}),
         on("jacobian", "O", {"target": "J", "sources": "x"})]),
    "batch_jacobian_recorded_by_outer_tape": (
        "a batch Jacobian is recorded by an outer tape as a Jacobian is",
        [const("x", [[1.0, 2.0], [0.5, -1.0]]), tape("O", persistent=True),
         on("watch", "O", {"name": "x"}), tape("I"), on("watch", "I", {"name": "x"}),
         graph(node("y", "sin", "x"), node("z", "multiply", "y", "x")),
         on("batch_jacobian", "I", {"target": "z", "sources": "x", "bind": "B"}),
         on("stop", "O"),
         on("gradient", "O", {"target": "B", "sources": "x"})]),
    "variable_dtype_of_a_tensor": (
        "tf.Variable(a, dtype=other) of a tensor or variable of another dtype is refused; the "
        "same dtype is fine",
        [const("a", [1.0, 2.0]), const("i", [1, 2]),
         {"kind": "create_var", "body": {"from": "a", "dtype": "float64"}},
         {"kind": "create_var", "body": {"from": "a", "dtype": "int32"}},
         {"kind": "create_var", "body": {"from": "i", "dtype": "float32"}},
         {"kind": "create_var", "body": {"from": "a", "dtype": "float32", "name": "V"}},
         {"kind": "create_var", "body": {"from": "V", "dtype": "float64"}},
         {"kind": "create_var", "body": {"from": "V", "name": "V2"}},
         {"kind": "info"}]),
    "stop_recording_and_resume": (
        "with g.stop_recording(): what runs inside is not recorded; afterwards it records again",
        [const("x", 2.0), tape("T1", persistent=True), on("watch", "T1", {"name": "x"}),
         graph(node("a", "multiply", "x", "x")),
         on("stop_recording", "T1"),
         graph(node("b", "multiply", "a", "x")),
         on("stop_recording", "T1"),
         on("resume", "T1"),
         graph(node("c", "multiply", "a", "x")),
         on("resume", "T1"),
         on("stop", "T1"),
         on("gradient", "T1", {"target": "b", "sources": "x"}),
         on("gradient", "T1", {"target": "c", "sources": "x"}),
         tape("T2"), on("watch", "T2", {"name": "x"}), graph(node("d", "exp", "x")),
         on("gradient", "T2", {"target": "d", "sources": "x"}),
         on("stop_recording", "T2")]),
    "reenter_a_stopped_tape": (
        "entering `with g:` again (resume after stop) records again with what was watched; a "
        "used-up tape starts afresh",
        [const("x", [1.0, -2.0]), tape("T1"), on("watch", "T1", {"name": "x"}), on("stop", "T1"),
         on("resume", "T1"), graph(node("y", "multiply", "x", "x")), on("stop", "T1"),
         on("gradient", "T1", {"target": "y", "sources": "x"}),
         on("resume", "T1"), on("watch", "T1", {"name": "x"}),
         graph(node("z", "sin", "x")),
         on("gradient", "T1", {"target": "z", "sources": "x"}),
         on("gradient", "T1", {"target": "z", "sources": "x"})]),
    "reset_a_tape": (
        "g.reset() forgets what a recording tape recorded and watched; a stopped tape refuses it",
        [const("x", 3.0), tape("T1", persistent=True), on("watch", "T1", {"name": "x"}),
         graph(node("y", "multiply", "x", "x")),
         on("reset", "T1"),
         on("gradient", "T1", {"target": "y", "sources": "x"}),
         on("watch", "T1", {"name": "x"}),
         graph(node("z", "multiply", "x", 5.0)),
         on("stop", "T1"),
         on("gradient", "T1", {"target": "z", "sources": "x"}),
         on("reset", "T1"),
         tape("T2"), on("gradient", "T2", {"target": "x", "sources": "x"}), on("reset", "T2")]),
    "named_tapes": (
        "a tape named on creation (as `g` names it in Python) is used by its name",
        [var([[0.5, -1.0], [2.0, 0.25]], name="W"), const("v", [1.0, 2.0]),
         tape("T1", name="g", persistent=True), tape("T2", name="h"),
         graph(node("y", "matvec", "W", "v"), node("L", "reduce_sum", "y")),
         on("stop", "T2"), on("stop", "T1"),
         on("gradient", "T1", {"target": "L", "sources": "W"}),
         on("gradient", "T2", {"target": "y", "sources": "W"}),
         on("delete_tape", "T1"), {"kind": "info"}]),
    "batch_jacobian_body": (
        "batch_jacobian as its own route takes the body of jacobian",
        [const("x", [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), tape("T1", persistent=True),
         on("watch", "T1", {"name": "x"}),
         graph(node("y", "square", "x"), node("s", "reduce_sum", "y", axis=1, keepdims=True)),
         on("stop", "T1"),
         on("batch_jacobian", "T1", {"target": "y", "sources": "x"}),
         on("batch_jacobian", "T1", {"target": "s", "source": "x", "bind": "Bs"}),
         on("jacobian", "T1", {"target": "y", "source": "x", "batch": True}),
         {"kind": "get_tensor", "name": "Bs"}]),
    "session_wide_watch_node": (
        "a watch node watches on every tape recording at that point; POST .../watch on one tape",
        [const("x", 1.5), tape("A", persistent=True), tape("B", persistent=True),
         on("stop", "B"),
         graph(node(None, "watch", "x"), node("y", "exp", "x")),
         on("gradient", "A", {"target": "y", "sources": "x"}),
         on("gradient", "B", {"target": "y", "sources": "x"}),
         on("resume", "B"), on("watch", "B", {"name": "x"}),
         graph(node("z", "sin", "x")),
         on("gradient", "B", {"target": "z", "sources": "x"})]),
    "one_rule_for_names": (
        "a name means what it was last bound to on every route, a variable id when no name is "
        "bound; an unknown tensor is not found",
        [var([1.0, 2.0], name="W"), var([5.0], name="Variable"),
         graph(node("W", "multiply", "W", 2.0)),
         {"kind": "get_tensor", "name": "W"},
         {"kind": "get_var", "var": "W"},
         {"kind": "get_var", "var": "v1"},
         {"kind": "get_tensor", "name": "v1"},
         {"kind": "get_var", "var": "v2"},
         graph(node("v2", "negative", "v1")),
         {"kind": "get_var", "var": "v2"},
         {"kind": "get_tensor", "name": "v2"},
         {"kind": "assign", "var": "v2", "body": {"value": [1.0]}},
         {"kind": "get_tensor", "name": "nothing"},
         {"kind": "get_var", "var": "nothing"},
         {"kind": "info"}]),
    "iterators_are_one_pass_across_cells": (
        "zip, enumerate, map and reversed objects kept between cells are used up once: a "
        "training loop over a zip in a second cell sees nothing, a loop that broke leaves the "
        "rest, a map calls its function only as it is walked",
        [cell("import tensorflow as tf\nW = tf.Variable(0.0)\n"
              "data = zip([1.0, 2.0, 3.0], [2.0, 4.0, 6.0])\n"
              "en = enumerate('abcd', 1)\nfor i, ch in en:\n    if i == 2:\n        break\n"
              "calls = []\ndef f(x):\n    calls.append(x)\n    return -x\n"
              "m = map(f, [1, 2, 3])\nrv = reversed([1, 2, 3])\nkept = [m, rv]\n"
              "print(type(data), type(en).__name__, type(rv).__name__, calls)\n"),
         cell("for x, y in data:\n    with tf.GradientTape() as g:\n"
              "        L = (W * x - y) ** 2\n    W.assign_sub(0.01 * g.gradient(L, W))\n"
              "print(W)\nprint(-2 in kept[0], calls, list(en))\n"),
         cell("for x, y in data:\n    with tf.GradientTape() as g:\n"
              "        L = (W * x - y) ** 2\n    W.assign_sub(0.01 * g.gradient(L, W))\n"
              "print(W)\nprint(list(data), list(en), list(m), calls, list(rv), list(kept[1]))\n")]),
    "variable_slices_assign_in_later_cells": (
        "a slice of a variable read in one cell (bound, in a list, or its bound assign) writes "
        "into the variable when a later cell assigns it, as TensorFlow's slice helper does",
        [cell("import tensorflow as tf\nW = tf.Variable([[1.0, 2.0], [3.0, 4.0]])\n"
              "row = W[0]\nparts = [W[1], W[:, 1]]\nf = W[1, 0].assign\n"),
         cell("row.assign([9.0, 9.0])\nprint(W)\nparts[0].assign([5.0, 6.0])\nprint(W)\n"),
         {"kind": "get_var", "var": "W"},
         cell("f(7.0)\nprint(W.numpy())\nparts[1].assign([0.5, 0.5])\nprint(W.numpy(), row)\n"),
         cell("row[0].assign(1.0)\n")]),
    "lambdas_made_in_comprehensions_across_cells": (
        "lambdas made in a list comprehension close over the comprehension's own scope, kept "
        "with them: a later cell's global of the same name does not change what they read",
        [cell("gs = [lambda x: x + k for k in range(3)]\n"
              "ks = [[lambda: j for j in range(2)] for i in range(2)]\n"),
         cell("k = 100\nj = -1\nprint(gs[0](1), [g(0) for g in gs], ks[0][0](), k)\n")]),
}


def run(TF, calls):
    emu = TF()
    try:
        return [emu.call(c) for c in calls]
    finally:
        emu.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oracle", default="/work/shared/oracle")
    ap.add_argument("--found", nargs="*", default=[])
    ap.add_argument("--out", default=os.path.join(HERE, "cases"))
    a = ap.parse_args()
    D = load_oracle(a.oracle)
    sys.path.insert(0, HERE)
    import cells_in_sessions  # noqa: E402

    TF = cells_in_sessions.with_cells(D, extended(D))
    os.makedirs(a.out, exist_ok=True)
    for name, (what, calls) in SCENARIOS.items():
        case = {"name": name, "what": what, "calls": calls, "expected": run(TF, calls)}
        with open(os.path.join(a.out, name + ".json"), "w") as f:
            json.dump(case, f, indent=1)
    for d in a.found:
        for fn in sorted(os.listdir(d)):
            if not fn.endswith(".json"):
                continue
            found = json.load(open(os.path.join(d, fn)))
            name = f"fuzz_{os.path.basename(d.rstrip('/'))}_" + fn[:-5].replace("-", "_")
            case = {"name": name, "what": found.get("what", ""), "seed": found.get("seed"),
                    "calls": found["calls"], "expected": run(TF, found["calls"])}
            with open(os.path.join(a.out, name + ".json"), "w") as f:
                json.dump(case, f, indent=1)
    print("cases in", a.out, len(os.listdir(a.out)))


if __name__ == "__main__":
    main()
