"""Route features for `fuzz.py fuzz`: notebook patterns the shared oracle's generator makes only
now and then, made on purpose. A two-variable training loop (gradients of [W, b] bound to
[dW, db], both applied with assign_sub, for several epochs), Jacobians and batch Jacobians with
a source the target does not use (null, or zeros with "zero"), a second derivative through a
bound Jacobian or gradient of an inner tape, tf.stop_gradient inside a chain, and a
non-trainable variable beside a trainable one in one gradient.

`install(D)` adds them to session_diff.py's generator.
"""


def install(D):
    D.Gen = extend_gen(D.Gen)


def extend_gen(Gen):
    class NotebookRoutes(Gen):
        def f_train_wb(self):
            """Linear model W x + b by hand: a tape per epoch, [dW, db] bound, two assign_subs."""
            r = self.rng
            n_in, n_out = r.randint(1, 3), r.randint(1, 2)
            W = self.new_var(shape=[n_out, n_in], dtype="float32", trainable=True, name="W")
            b = self.new_var(shape=[n_out], dtype="float32", trainable=True, name="b")
            if W is None or b is None:
                return
            xin, yin = self.constant(shape=[n_in]), self.constant(shape=[n_out])
            lr = r.choice([0.1, 0.05, 0.5])
            for _ in range(r.randint(2, 4)):
                t = self.open(persistent=r.random() < 0.2)
                self.graph([{"name": "z", "op": "matvec", "inputs": [W, xin]},
                            {"name": "p", "op": "add", "inputs": ["z", b]},
                            {"name": "e", "op": r.choice(["subtract", "squared_difference"]), "inputs": ["p", yin]},
                            {"name": "L", "op": r.choice(["reduce_mean", "reduce_sum", "l2_loss"]), "inputs": ["e"]}],
                           outputs=["L"] if r.random() < 0.5 else None)
                if r.random() < 0.5:
                    self.stop(t)
                self.gradient(t, "L", [W, b], bind=["dW", "db"])
                self.graph([{"name": "sW", "op": "multiply", "inputs": [lr, "dW"]},
                            {"name": "sb", "op": "multiply", "inputs": ["db", lr]}])
                self.assign(W, op="assign_sub", from_="sW")
                self.assign(b, op="assign_sub", from_="sb")
            self.do({"kind": "get_var", "var": r.choice([W, b])})

        def f_jac_unconnected(self):
            """A Jacobian of a target some sources do not reach: null, or zeros of the right shape."""
            r = self.rng
            x = self.constant(shape=r.choice([[2], [3], []]))
            u = self.new_var(shape=r.choice([[2], []]), dtype="float32", trainable=True)
            B = self.constant(shape=[2, r.randint(1, 3)])
            C = self.constant(shape=[2, r.randint(1, 2)])
            if u is None:
                return
            t = self.open(persistent=True)
            self.watch(t, [x, B, C])
            y, Z = self.fresh("y"), self.fresh("Z")
            self.graph([{"name": y, "op": r.choice(["sin", "square", "tanh"]), "inputs": [x]},
                        {"name": Z, "op": r.choice(["square", "sigmoid"]), "inputs": [B]}])
            if r.random() < 0.5:
                self.stop(t)
            for _ in range(r.randint(1, 3)):
                kw = {"unconnected_gradients": "zero"} if r.random() < 0.5 else {}
                if r.random() < 0.5:
                    self.jacobian(t, y, r.choice([[x, u], u, [u, B]]), **kw)
                else:
                    self.do({"kind": "batch_jacobian", "tape": t,
                             "body": dict({"target": Z, "source": r.choice([C, B])}, **kw)})

        def f_second_bound(self):
            """An inner tape's gradient or Jacobian, bound, differentiated by the outer tape."""
            r = self.rng
            x = self.source(scalar_ok=True)
            if x is None:
                return
            outer = self.open(persistent=r.random() < 0.5)
            inner = self.open(persistent=r.random() < 0.5)
            self.watch(outer, [x])
            self.watch(inner, [x])
            y = self.chain(x, r.randint(1, 2))
            if r.random() < 0.5:
                self.stop(inner)
            d = self.fresh("d")
            if r.random() < 0.5:
                self.gradient(inner, y, x, bind=d)
            else:
                self.jacobian(inner, y, x, bind=d)
            if r.random() < 0.5:
                self.stop(outer)
            if r.random() < 0.5:
                self.gradient(outer, d, x)
            else:
                self.jacobian(outer, d, x)

        def f_stop_chain(self):
            """tf.stop_gradient in the middle of a chain: the gradient sees only the other path."""
            r = self.rng
            x = self.source()
            if x is None:
                return
            t = self.open(persistent=r.random() < 0.5)
            self.watch(t, [x])
            a, s, y = self.fresh("a"), self.fresh("s"), self.fresh("y")
            self.graph([{"name": a, "op": r.choice(["square", "sin", "exp"]), "inputs": [x]},
                        {"name": s, "op": "stop_gradient", "inputs": [a]},
                        {"name": y, "op": r.choice(["multiply", "add"]), "inputs": [s, x]}])
            self.gradient(t, y, x)
            if r.random() < 0.5 and self.emu.tapes[self.emu.labels[t]]._persistent:
                self.gradient(t, y, [x, a], **({"unconnected_gradients": "zero"} if r.random() < 0.5 else {}))

        def f_frozen_beside(self):
            """A non-trainable variable beside a trainable one: its gradient is null unless watched."""
            r = self.rng
            N = self.new_var(shape=[2], dtype="float32", trainable=False, name="N")
            W = self.new_var(shape=[2], dtype="float32", trainable=True, name="W")
            if N is None or W is None:
                return
            t = self.open(persistent=r.random() < 0.5)
            if r.random() < 0.4:
                self.watch(t, [N])
            y = self.fresh("y")
            self.graph([{"name": "m", "op": "multiply", "inputs": [N, W]},
                        {"name": y, "op": "reduce_sum", "inputs": ["m"]}])
            self.gradient(t, y, [N, W], bind=["dN", "dW"] if r.random() < 0.5 else None,
                          **({"unconnected_gradients": "zero"} if r.random() < 0.3 else {}))

        FEATURES = Gen.FEATURES + ["f_train_wb", "f_train_wb", "f_jac_unconnected", "f_jac_unconnected",
                                   "f_second_bound", "f_second_bound", "f_stop_chain", "f_frozen_beside"]

    return NotebookRoutes
