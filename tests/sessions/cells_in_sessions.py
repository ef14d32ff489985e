"""Scenario features for notebook cells run in a session (`POST /v1/sessions/{id}/cells`), mixed
with the other routes as a notebook and its kernel would be: a cell sees the session's tensors,
variables, None names and tapes (a route tape by its id or name), and what it binds is the
session's for the routes after it; Python values and functions live on from cell to cell.

The emulator runs a cell as run_cell.py does (its stdout, values and error), but in one
namespace made from the session: kept Python values, then tapes, then bindings (a binding wins).
After the cell each name goes back where its value belongs: tensors, variables and None are
bindings, tapes are tapes, anything else is kept; a name the cell deleted is gone, and a tape no
name holds is dropped, as the kernel does. A variable the cell makes gets the id the service
gives it ("{name}#{count}", count being the session's variables with it), a contract choice.

`install(D)` adds the route, the comparison (run_cells.py's) and the features.
"""
import builtins, contextlib, io, os, sys

sys.path.insert(0, os.environ.get("CONFORMANCE", "/work/shared/conformance"))


def with_cells(D, TF):
    """The emulator TF that also runs cells (make_cases.py replays found cases with it)."""
    import run_cell as RC  # the oracle's cell runner (imports TensorFlow)
    return extend_tf(TF, D, RC, D.tf)


def install(D):
    from run_cells import compare as compare_cell
    S = D.S
    S.ROUTES["cell"] = ("POST", "/cells")
    compare = S.compare_call

    def compare_call(call, exp, got):
        if call["kind"] == "cell" and exp[0] == got[0] == 200:
            case = {"source": call["body"]["source"], "random": False, **exp[1]}
            return compare_cell(case, got[0], got[1])
        return compare(call, exp, got)

    S.compare_call = compare_call
    D.TFSession = with_cells(D, D.TFSession)
    D.Gen = extend_gen(D.Gen, D.tf)


def extend_tf(Base, D, RC, tf):
    class WithCells(Base):
        def __init__(self):
            super().__init__()
            self.kept = {}  # names a cell left that are not bindings or tapes
            self.seeded = False  # tf.random starts seeded at a session's first cell, then goes on

        def cell_namespace(self):
            ns = {"__name__": "__cell__", "__builtins__": builtins}
            ns.update(self.kept)
            ns.update(self.tapes)
            ns.update(self.env)
            return ns

        def k_cell(self, c):
            src = c["body"]["source"]
            try:
                code = compile(src, RC.CELL_FILE, "exec")
            except SyntaxError:
                raise D.ApiErr(422, "syntax_error")
            ns = self.cell_namespace()
            if not self.seeded:
                tf.random.set_seed(RC.GLOBAL_SEED)
                self.seeded = True
            out, error = io.StringIO(), None
            try:
                with contextlib.redirect_stdout(out):
                    exec(code, ns)
            except Exception as e:  # what the cell raised, under what it printed
                error = RC.encode_error(e, src)
            values = {}
            for k, v in ns.items():
                if not k.startswith("__"):
                    enc = RC.encode_value(v)
                    if enc is not RC.SKIP:
                        values[k] = enc
            self.take_back(ns)
            return 200, {"stdout": out.getvalue(), "values": values, "error": error}

        def take_back(self, ns):
            """Each name the cell left goes where its value belongs, as the kernel puts it."""
            env, tapes, kept = {}, {}, {}
            known = {id(v) for v in self.vars.values()}
            for k, v in ns.items():
                if k.startswith("__"):
                    continue
                if v is None or isinstance(v, (tf.Tensor, tf.Variable)):
                    env[k] = v
                    if isinstance(v, tf.Variable) and id(v) not in known:
                        vid = f"{v.name.split(':')[0]}#{len(self.vars) + 1}"
                        self.vars[vid] = v
                        known.add(id(v))
                elif isinstance(v, tf.GradientTape):
                    tapes[k] = v
                else:
                    kept[k] = v
            for tid, g in self.tapes.items():
                if tid not in tapes and g._recording:
                    g._pop_tape()  # a tape no name holds is gone
            self.env, self.tapes, self.kept = env, tapes, kept
            # a label stays its tape's id in the URL: a tape the routes deleted answers 404 until
            # a cell binds that id's name to a tape, which the route then finds by its name


    return WithCells


def extend_gen(Gen, tf):
    class CellGen(Gen):
        def cell(self, *lines):
            # each cell imports as a notebook's first cell does (the kernel then keeps tf)
            src = "\n".join(("import tensorflow as tf",) + lines) + "\n"
            return self.do({"kind": "cell", "body": {"source": src}})

        def tape_name(self, lab):
            return self.emu.labels.get(lab)

        def pick_float(self, vars_only=False, max_rank=2):
            names = [n for n in self.float_names(vars_only=vars_only) if n.isidentifier()
                     and len(self.info(n)[1]) <= max_rank and self.info(n)[0] == tf.float32]
            return self.rng.choice(names) if names else None

        def f_cell_compute(self):
            """A cell computes from the session's names; the routes use what it bound."""
            r = self.rng
            x = self.pick_float() or self.constant(shape=r.choice([[2], [3], [2, 2]]))
            y, s = self.fresh("cy"), self.fresh("cs")
            un = r.choice(["tf.sin", "tf.tanh", "tf.square", "tf.exp", "tf.nn.relu", "tf.sigmoid"])
            self.cell(f"{y} = {un}({x}) * {round(r.uniform(0.5, 2), 2)}",
                      f"{s} = tf.reduce_sum({y})",
                      r.choice([f"print({s})", f"print({y}.numpy())", f"print(f'{{float({s}):.4f}}')", "pass"]))
            for _ in range(r.randint(1, 3)):
                self.noise()
            if r.random() < 0.5:
                self.do({"kind": "get_tensor", "name": r.choice([y, s])})

        def f_cell_route_tape(self):
            """A route's tape is a name in a cell: the cell takes its gradient, or records on it."""
            r = self.rng
            x = self.source()
            if x is None or not x.isidentifier():
                return
            lab = self.open(persistent=r.random() < 0.6)
            self.watch(lab, [x])
            if r.random() < 0.5:
                y = self.chain(x, r.randint(1, 2))
            else:  # the ops of a cell run under the route's recording tape
                y = self.fresh("cy")
                self.cell(f"{y} = tf.reduce_sum(tf.sin({x}) * {x})")
            if r.random() < 0.5:
                self.stop(lab)
            tid = self.tape_name(lab)
            d = self.fresh("cd")
            self.cell(f"{d} = {tid}.gradient({y}, {x})",
                      r.choice([f"print({d})", f"print({d} is None)", f"print({tid}.gradient({y}, {x}))"]))
            if r.random() < 0.5:
                self.gradient(lab, y, x, bind=self.fresh("g"))

        def f_cell_tape(self):
            """A cell opens a tape; the next cell (or a route) still has its tape and names."""
            r = self.rng
            W = self.pick_float(vars_only=True) or self.new_var(shape=r.choice([[2], [3], []]), dtype="float32",
                                                                 trainable=True)
            if W is None or not W.isidentifier():
                return
            g, L = self.fresh("g"), self.fresh("L")
            pers = r.random() < 0.5
            self.cell(f"with tf.GradientTape({'persistent=True' if pers else ''}) as {g}:",
                      f"    {L} = tf.reduce_sum({W} * {W} + tf.sin({W}))",
                      f"d{L} = {g}.gradient({L}, {W})",
                      r.choice([f"print(d{L})", "pass", f"print(d{L}.numpy())"]))
            for _ in range(r.randint(0, 2)):
                self.noise()
            self.cell(r.choice([f"print({g}.gradient({L}, {W}))", f"print(d{L} * 2.0, {L})",
                                f"{W}.assign_sub(0.1 * d{L})\nprint({W})", f"del {g}\nprint({L})"]))
            if r.random() < 0.5:
                self.do({"kind": "info"})

        def f_cell_none(self):
            """A route binds a None gradient; a cell sees None (and fails as Python does using it)."""
            r = self.rng
            W = self.pick_float(vars_only=True) or self.new_var(shape=[2], dtype="float32", trainable=True)
            if W is None or not W.isidentifier():
                return
            c = self.constant(shape=self.info(W)[1])
            lab = self.open(persistent=r.random() < 0.5)
            y = self.chain(c, 1)
            d = self.fresh("dn")
            self.gradient(lab, y, W, bind=d)
            self.cell(r.choice([f"print({d} is None, {d})", f"{W}.assign_sub(0.1 * {d})",
                                f"print(tf.reduce_sum({d}))", f"{d} = tf.zeros_like({W})\nprint({d})"]))
            if r.random() < 0.5:
                self.do({"kind": "get_tensor", "name": d})

        def f_cell_train(self):
            """A training loop in a cell on a route's variable; the routes read and use it after."""
            r = self.rng
            W = self.new_var(shape=r.choice([[2], [3]]), dtype="float32", trainable=True, name=self.fresh("W"))
            if W is None or not W.isidentifier():
                return
            n = self.info(W)[1][0]
            tgt = [round(r.uniform(-1, 1), 2) for _ in range(n)]
            self.cell(f"target = tf.constant({tgt})",
                      f"lr = {r.choice([0.1, 0.05, 0.2])}",
                      f"for step in range({r.randint(1, 4)}):",
                      "    with tf.GradientTape() as tape:",
                      f"        loss = tf.reduce_sum(({W} - target) ** 2)",
                      f"    dW = tape.gradient(loss, {W})",
                      f"    {W}.assign_sub(lr * dW)",
                      r.choice(["print(loss.numpy())", "print(f'{float(loss):.5f}', step)", "pass"]))
            self.do({"kind": "get_var", "var": W})
            for _ in range(r.randint(0, 2)):
                self.noise()
            self.cell(r.choice(["print(lr * 2, step)", "del tape", f"print({W}.numpy(), dW)", "lr = lr / 2"]))

        def f_cell_python(self):
            """Python values and functions live on from cell to cell, beside the routes."""
            r = self.rng
            x = self.pick_float() or self.constant(shape=[2])
            k = round(r.uniform(0.5, 2), 2)
            self.cell(f"n = {r.randint(1, 4)}", f"vals = [{k}, {-k}, 1.5]",
                      "def scale(a, k=2.0):", "    return a * k",
                      r.choice(["print(len(vals), n)", "pass", "print(sum(vals) / len(vals))"]))
            for _ in range(r.randint(0, 2)):
                self.noise()
            z = self.fresh("cz")
            self.cell(f"{z} = scale({x}, k=n) + sum(vals)", r.choice([f"print({z})", "vals.append(n)\nprint(vals)"]))
            if r.random() < 0.5:
                self.graph([{"name": self.fresh("y"), "op": "multiply", "inputs": [z, 2.0]}])

        def f_cell_var(self):
            """A cell makes and changes variables; the variable routes see them by their names."""
            r = self.rng
            V = self.fresh("V")
            shape = r.choice([[2], [3], [2, 2]])
            named = r.random() < 0.5
            self.cell(f"{V} = tf.Variable({self.rval(shape)}{f', name={V!r}' if named else ''})",
                      r.choice([f"{V}.assign_add(tf.ones_like({V}))", f"print({V})", f"print({V}.name, {V}.shape)",
                                "pass"]))
            self.do({"kind": "get_var", "var": V})
            if r.random() < 0.6:
                self.assign(V)
            if r.random() < 0.5:
                self.do({"kind": "info"})
            self.cell(r.choice([f"print({V}.numpy())", f"print({V})", f"del {V}"]))
            if r.random() < 0.5:
                self.do({"kind": "get_var", "var": V})

        def f_cell_del(self):
            """`del` in a cell: the name is gone for the routes too."""
            r = self.rng
            x = self.pick_float() or self.constant(shape=[2])
            y = self.fresh("cy")
            self.cell(f"{y} = {x} * 3.0")
            self.cell(f"del {r.choice([y, x])}")
            self.do({"kind": "get_tensor", "name": r.choice([y, x])})
            if r.random() < 0.5:
                self.graph([{"name": self.fresh("y"), "op": "sin", "inputs": [y]}])

        def noise(self):
            r = self.rng
            if r.random() < 0.06:
                x = self.pick_float()
                if x is not None:
                    return self.cell(r.choice([f"print({x})", f"print({x}.shape, {x}.dtype)",
                                               f"print(tf.reduce_sum({x}).numpy())", f"print(repr({x}))"]))
            return super().noise()

        FEATURES = Gen.FEATURES + ["f_cell_compute", "f_cell_route_tape", "f_cell_tape", "f_cell_none",
                                   "f_cell_train", "f_cell_python", "f_cell_var", "f_cell_del"]

    return CellGen
