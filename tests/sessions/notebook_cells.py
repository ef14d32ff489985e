"""More cell features for `fuzz.py fuzz --cells`: the notebook patterns around a session's routes
that cells_in_sessions.py's features leave out. A route's recording tape records a cell's inner
tape (a second derivative across the two), a cell's persistent tape asked several times and again
from a later cell, jacobian and batch_jacobian in a cell with unconnected sources, tf.stop_gradient
and non-trainable variables between cells and routes, a route's gradient applied by a cell
(`W.assign_sub(lr * dW)`), and NumPy values a cell keeps for the next.

`install(D)` adds them to the generator cells_in_sessions.install(D) made.
"""


def install(D):
    D.Gen = extend_gen(D.Gen)


def extend_gen(Gen):
    class NotebookCells(Gen):
        def f_cell_second(self):
            """A route's persistent tape records a cell's inner tape: outer.gradient(d1, x) is d2."""
            r = self.rng
            x = self.pick_float(max_rank=1)
            if x is None or not x.isidentifier():
                x = self.constant(shape=r.choice([[], [2]]))
            lab = self.open(persistent=True)
            self.watch(lab, [x])
            d1 = self.fresh("cd")
            body = r.choice([f"{x} ** 3", f"tf.sin({x}) * {x}", f"tf.exp(-{x} * {x})", f"tf.tanh({x}) * 2.0",
                             f"tf.stop_gradient({x}) * {x} ** 2"])
            self.cell("with tf.GradientTape() as t1:",
                      f"    t1.watch({x})",
                      f"    y_in = {body}",
                      f"{d1} = t1.gradient(y_in, {x})",
                      r.choice([f"print({d1})", "pass", f"print({d1}.numpy())"]))
            if r.random() < 0.4:
                self.stop(lab)
            self.gradient(lab, d1, x, bind=self.fresh("d2") if r.random() < 0.5 else None)
            if r.random() < 0.5:
                self.gradient(lab, "y_in", x)

        def f_cell_persist(self):
            """A cell's persistent tape asked several times, and again by the next cell."""
            r = self.rng
            x = self.pick_float(max_rank=1) or self.constant(shape=r.choice([[], [2], [3]]))
            g = self.fresh("pg")
            self.cell(f"with tf.GradientTape(persistent=True) as {g}:",
                      f"    {g}.watch({x})",
                      f"    y1 = {x} * {x}",
                      "    z1 = tf.reduce_sum(tf.sin(y1))",
                      f"dz = {g}.gradient(z1, {x})",
                      f"dy = {g}.gradient(y1, {x})",
                      r.choice(["print(dz, dy)", "print(dz.numpy(), dy.numpy())", "pass"]))
            for _ in range(r.randint(0, 2)):
                self.noise()
            self.cell(r.choice([f"print({g}.gradient(z1, y1))", f"print({g}.gradient([y1, z1], {x}))",
                                f"del {g}\nprint(dz)", f"print({g}.gradient(z1, [{x}, y1]))"]))
            if r.random() < 0.5:
                self.do({"kind": "get_tensor", "name": r.choice(["dz", "dy", "z1"])})

        def f_cell_jac(self):
            """jacobian and batch_jacobian in a cell, with a source the target does not use."""
            r = self.rng
            x = self.pick_float(max_rank=1) or self.constant(shape=[2])
            B = self.constant(shape=[r.randint(1, 3), 2])
            zero = r.choice(["", ", unconnected_gradients=tf.UnconnectedGradients.ZERO",
                             ", unconnected_gradients='zero'"])
            self.cell("with tf.GradientTape(persistent=True) as jg:",
                      f"    jg.watch([{x}, {B}])",
                      f"    jy = tf.sin({x}) * 2.0",
                      f"    jZ = tf.square({B}) * 3.0",
                      r.choice([f"J = jg.jacobian(jy, [{x}, {B}]{zero})", f"J = jg.batch_jacobian(jZ, {B}{zero})",
                                f"J = jg.jacobian(jZ, {x}{zero})", f"J = jg.jacobian(jy, {x}{zero})"]),
                      r.choice(["print(J)", "pass", "print(J is None)"]))
            if r.random() < 0.6:
                self.do({"kind": "get_tensor", "name": "J"})

        def f_cell_frozen(self):
            """A route's non-trainable variable and tf.stop_gradient in a cell under a route tape."""
            r = self.rng
            N = self.new_var(shape=r.choice([[], [2]]), dtype="float32", trainable=False, name=self.fresh("N"))
            x = self.source()
            if N is None or x is None or not (N.isidentifier() and x.isidentifier()):
                return
            lab = self.open(persistent=r.random() < 0.7)
            self.cell(r.choice([f"fz = tf.reduce_sum({N} * {x})", f"fz = tf.reduce_sum(tf.stop_gradient({x}) * {N} + {x})",
                                f"fz = tf.reduce_sum(tf.stop_gradient({N} * {x}))"]),
                      r.choice([f"print({N}.trainable, fz)", "pass", f"print({N})"]))
            self.gradient(lab, "fz", [N, x] if r.random() < 0.6 else N,
                          **({"unconnected_gradients": "zero"} if r.random() < 0.3 else {}))

        def f_cell_apply(self):
            """A route's gradient bound to dW, applied by a cell as a training step."""
            r = self.rng
            W = self.new_var(shape=r.choice([[2], [3], [2, 2]]), dtype="float32", trainable=True, name=self.fresh("W"))
            if W is None or not W.isidentifier():
                return
            lab = self.open(persistent=r.random() < 0.3)
            L = self.fresh("L")
            self.graph([{"name": "sq", "op": "square", "inputs": [W]}, {"name": L, "op": "reduce_sum", "inputs": ["sq"]}])
            self.gradient(lab, L, W, bind="dW")
            self.cell("lr = 0.1", f"{W}.assign_sub(lr * dW)",
                      r.choice([f"print({W})", f"print({W}.numpy(), dW.numpy())", "print(f'{float(tf.reduce_sum(dW)):.4f}')"]))
            self.do({"kind": "get_var", "var": W})

        def f_cell_numpy(self):
            """NumPy values a cell keeps live on for the next cell; a tensor made from them is a session name."""
            r = self.rng
            vals = [round(r.uniform(-2, 2), 2) for _ in range(r.randint(2, 3))]
            self.cell(f"arr = np.array({vals})" if r.random() < 0.5 else f"arr = np.array({vals}, dtype=np.float32)",
                      "print(arr * 2, arr.dtype)")
            t = self.fresh("ta")
            self.cell(f"{t} = tf.constant(arr)", r.choice([f"print({t})", f"print({t}.dtype)", "print(np.sum(arr))"]))
            self.do({"kind": "get_tensor", "name": t})
            if r.random() < 0.5:
                self.graph([{"name": self.fresh("y"), "op": "multiply", "inputs": [t, 2.0]}])

        def cell(self, *lines):
            if any("np." in ln for ln in lines):
                lines = ("import numpy as np",) + lines
            return super().cell(*lines)

        FEATURES = Gen.FEATURES + ["f_cell_second", "f_cell_second", "f_cell_persist", "f_cell_jac", "f_cell_jac",
                                   "f_cell_frozen", "f_cell_apply", "f_cell_numpy"]

    return NotebookCells
