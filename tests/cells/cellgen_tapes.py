"""The tape features of cellgen.py's cells: a tape with gradients, a Jacobian, a Hessian from
nested tapes, a small training loop, a function differentiated by a tape, stop_recording and
watched_variables, and a gradient through tf.gather (IndexedSlices).
"""

F = "float32"


class TapeFeatures:
    """Mixed into cellgen.Gen, whose helpers (variable, constant, expr, emit, bind, show) it uses."""

    def sources(self):
        """One to three float32 sources: variables, or constants the tape will watch."""
        r = self.r
        out = []
        for _ in range(r.choice([1, 1, 2, 3])):
            sh = self.shape()
            if r.random() < 0.7:
                out.append(self.variable(sh, trainable=r.random() < 0.9))
            else:
                out.append(self.constant(sh))
        return out

    def forward(self, srcs, ind):
        """Lines inside a tape from the sources to a scalar loss; returns (loss, intermediates)."""
        r = self.r
        mids = []
        for s in srcs:
            t = self.env[s]
            e, sh = self.expr(s, t.shape, r.randint(1, 2))
            y = self.fresh("h")
            self.emit(f"{y} = {e}", ind)
            self.bind(y, "tensor", F, sh)
            mids.append(y)
        terms = [f"{r.choice(['tf.reduce_sum', 'tf.reduce_mean'])}({m})" for m in mids]
        L = self.fresh("L")
        if len(terms) > 1 and r.random() < 0.5:
            self.emit(f"{L} = {terms[0]} * {' + '.join(terms[1:])}", ind)
        else:
            self.emit(f"{L} = {' + '.join(terms)}", ind)
        self.bind(L, "tensor", F, ())
        return L, mids

    def f_tape(self):
        r = self.r
        srcs = self.sources()
        persistent = r.random() < 0.4
        g = self.fresh("g")
        args = []
        if persistent:
            args.append("persistent=True")
        wav = r.random() < 0.1
        if wav:
            args.append("watch_accessed_variables=False")
        self.emit(f"with tf.GradientTape({', '.join(args)}) as {g}:")
        for s in srcs:
            if self.env[s].kind == "tensor" or wav:
                if r.random() < 0.9:
                    self.emit(f"{g}.watch({s})", 1)
        L, mids = self.forward(srcs, 1)
        if r.random() < 0.2:
            self.emit(f"print({L})", 1)
        kw = ""
        if r.random() < 0.15:
            kw = ", unconnected_gradients=tf.UnconnectedGradients.ZERO"
        extra = []
        if r.random() < 0.2:
            extra = [self.constant(self.shape())]
        targets = srcs + extra
        grads = [self.fresh("d") for _ in targets]
        if len(targets) == 1 and r.random() < 0.5:
            self.emit(f"{grads[0]} = {g}.gradient({L}, {targets[0]}{kw})")
        else:
            self.emit(f"{', '.join(grads)} = {g}.gradient({L}, [{', '.join(targets)}]{kw})")
        for d, s in zip(grads, targets):
            self.bind(d, "grad", F, self.env[s].shape)
            if r.random() < 0.7:
                self.emit(f"print({d})" if r.random() < 0.7 else f"print('{d}:', {d})")
        if persistent and r.random() < 0.6:
            m = r.choice(mids)
            s = srcs[mids.index(m)]
            og = ""
            if r.random() < 0.3 and self.env[m].shape:
                og = f", output_gradients=tf.ones_like({m}) * 0.5"
            self.emit(f"print({g}.gradient({m}, {s}{og}))")
        elif not persistent and r.random() < 0.1:
            self.emit(f"print({g}.gradient({L}, {srcs[0]}))")  # the used-up tape raises
            return "raised"
        if persistent and r.random() < 0.3:
            self.emit(f"del {g}")

    def f_jacobian(self):
        r = self.r
        x = self.variable((r.randint(1, 3),)) if r.random() < 0.6 else self.constant((r.randint(1, 3),))
        g = self.fresh("g")
        self.emit(f"with tf.GradientTape(persistent=True) as {g}:")
        if self.env[x].kind == "tensor":
            self.emit(f"{g}.watch({x})", 1)
        e, _ = self.expr(x, self.env[x].shape, r.randint(1, 2))
        y = self.fresh("y")
        self.emit(f"{y} = {e}", 1)
        self.bind(y, "tensor", F, self.env[x].shape)
        J = self.fresh("J")
        self.emit(f"{J} = {g}.jacobian({y}, {x})")
        self.bind(J, "tensor", F, self.env[x].shape * 2)
        self.show(J, force=True)
        if r.random() < 0.3:
            B = self.constant((2, self.env[x].shape[0]))
            z = self.fresh("z")
            self.emit(f"with tf.GradientTape() as {g}b:")
            self.emit(f"{g}b.watch({B})", 1)
            self.emit(f"{z} = tf.sin({B}) * {B}", 1)
            self.emit(f"print({g}b.batch_jacobian({z}, {B}))")

    def f_hessian(self):
        r = self.r
        x = self.variable(r.choice([(), (2,), (3,)]))
        o, i = self.fresh("outer"), self.fresh("inner")
        self.emit(f"with tf.GradientTape() as {o}:")
        self.emit(f"with tf.GradientTape() as {i}:", 1)
        e, _ = self.expr(x, self.env[x].shape, r.randint(1, 3))
        y = self.fresh("f")
        self.emit(f"{y} = tf.reduce_sum({e})", 2)
        self.bind(y, "tensor", F, ())
        d = self.fresh("dy")
        self.emit(f"{d} = {i}.gradient({y}, {x})", 1)
        self.bind(d, "grad", F, self.env[x].shape)
        h = self.fresh("H")
        how = "jacobian" if self.env[x].shape and r.random() < 0.6 else "gradient"
        self.emit(f"{h} = {o}.{how}({d}, {x})")
        self.bind(h, "grad", F, self.env[x].shape * (2 if how == "jacobian" else 1))
        self.emit(f"print({d})")
        self.emit(f"print({h})")

    def f_train(self):
        r = self.r
        n, k = r.randint(1, 3), r.randint(2, 4)
        W = self.variable((n, k))
        xin, yt = self.constant((k,)), self.constant((n,))
        lr = r.choice(["0.1", "0.05", "0.01", "1e-3"])
        act = r.choice(["tf.sigmoid({})", "tf.tanh({})", "{}", "tf.nn.relu({})", "tf.nn.softmax({})"])
        loss = r.choice(["tf.reduce_mean(({} - {}) ** 2)", "tf.reduce_sum(tf.square({} - {}))",
                         "0.5 * tf.reduce_sum(({} - {}) ** 2)", "tf.nn.l2_loss({} - {})"])
        steps = r.randint(2, 6)
        self.emit(f"lr = {lr}")
        self.emit(f"for step in range({steps}):")
        self.emit("with tf.GradientTape() as tape:", 1)
        self.emit(f"yhat = {act.format(f'tf.linalg.matvec({W}, {xin})')}", 2)
        self.emit(f"loss = {loss.format('yhat', yt)}", 2)
        self.emit(f"dW = tape.gradient(loss, {W})", 1)
        self.emit(f"{W}.assign_sub(lr * dW)", 1)
        pr = r.choice(["print(f'step {step}: loss {loss:.5f}')", "print('step', step, 'Loss = %f' % loss)",
                       "print(step, float(loss))", "print(step, loss.numpy())"])
        if r.random() < 0.5:
            self.emit("if step % 2 == 1:", 1)
            self.emit(pr, 2)
        else:
            self.emit(pr, 1)
        for nm, sh in (("yhat", (n,)), ("loss", ()), ("dW", (n, k))):
            self.bind(nm, "tensor", F, sh)
        self.bind("step", "py", "int", ())
        self.show(W, force=True)

    def f_def(self):
        """A small function with a default argument, called twice, its gradient by a tape."""
        r = self.r
        sh = r.choice([(2,), (3,), ()])
        W = self.variable(sh)
        x = self.constant(sh)
        body, _ = self.expr("w", sh, r.randint(1, 2))
        k = self.num(positive=True)
        self.emit(f"def loss(w, x, k={k}):")
        self.emit(f"return tf.reduce_sum(({body}) * x) * k", 1)
        self.emit(f"print(loss({W}, {x}), loss({W}, {x}, k=1.0))")
        self.emit("with tf.GradientTape() as tape:")
        self.emit(f"value = loss({W}, {x})", 1)
        self.emit(f"grad = tape.gradient(value, {W})")
        self.emit(r.choice(["print(value, grad)", "print(f'{float(value):.5f}', grad.numpy())",
                            "print('loss %.4f' % value)"]))
        self.bind("value", "tensor", F, ())
        self.bind("grad", "grad", F, sh)

    def f_pause(self):
        """with g.stop_recording(): inside is a constant to the tape; watched_variables lists reads."""
        r = self.r
        W = self.variable(self.shape())
        g = self.fresh("g")
        self.emit(f"with tf.GradientTape(persistent=True) as {g}:")
        self.emit(f"a = tf.reduce_sum({W} * {W})", 1)
        self.emit(f"with {g}.stop_recording():", 1)
        self.emit(f"b = tf.reduce_sum(tf.sin({W}))", 2)
        self.emit(f"c = a * b + tf.reduce_sum({W})", 1)
        self.emit(f"print({g}.gradient(c, {W}))")
        self.emit(f"print({g}.gradient(b, {W}))")
        if r.random() < 0.5:
            self.emit(f"print(len({g}.watched_variables()))")
        self.bind("a", "tensor", F, ())
        self.bind("c", "tensor", F, ())

    def f_gather(self):
        """A gradient through tf.gather is IndexedSlices, printed as TensorFlow prints it."""
        r = self.r
        E = self.variable((r.randint(2, 4), r.randint(1, 3)))
        g = self.fresh("g")
        self.emit(f"with tf.GradientTape() as {g}:")
        self.emit(f"rows = tf.gather({E}, [0, 1, 0])", 1)
        self.emit("out = tf.reduce_sum(rows ** 2)", 1)
        self.emit(f"dE = {g}.gradient(out, {E})")
        self.emit(r.choice(["print(dE)", "print(tf.convert_to_tensor(dE))", "print(type(dE).__name__)",
                            "print(dE.values, dE.indices)"]))
        self.bind("out", "tensor", F, ())
