"""Cells as students paste them from course notebooks, beyond cellgen_more.py's features: training
loops over several variables (assign_sub, a list of gradients, zip over variables, losses kept in a
list), second derivatives from nested tapes (the inner gradient inside and outside the outer block),
persistent tapes asked several times, jacobian and batch_jacobian with unconnected_gradients,
tf.stop_gradient, non-trainable variables, NumPy arrays and tensors mixed, and the prints notebooks
make of them (ints, bools, float64, 3-D, long rows that wrap, scientific notation, NaN and inf,
f-strings, lists of tensors and of NumPy scalars).

make_cell(seed) -> the cell's source, as cellgen.make_cell; `fuzz_cells.py --gen notebook` uses it.
Pure Python: no TensorFlow needed to make a cell.
"""
import cellgen
import cellgen_more
from cellgen_prints import Prints

F = "float32"


class Notebook(Prints, cellgen_more.More):
    def data(self, rows, cols):
        """Inputs as notebooks make them: a NumPy array (float32, or float64 by mistake) or a tensor."""
        r = self.r
        lit = self.lit((rows, cols))
        X = self.fresh("X")
        how = r.random()
        if how < 0.4:
            self.emit(f"{X} = tf.constant({lit})")
        elif how < 0.8:
            self.emit(f"{X} = np.array({lit}, dtype=np.float32)")
        elif how < 0.92:
            self.emit(f"{X} = tf.convert_to_tensor(np.array({lit}), dtype=tf.float32)")
        else:
            self.emit(f"{X} = np.array({lit})")  # float64: tf.matmul with a float32 W raises
        return X

    def f_nb_train(self):
        """Linear regression by hand: W, b variables, a tape per step, assign_sub of each gradient."""
        r = self.r
        rows, n_in, n_out = r.randint(2, 4), r.randint(1, 3), r.randint(1, 2)
        X = self.data(rows, n_in)
        self.emit(f"Y = tf.constant({self.lit((rows, n_out))})")
        init = r.choice(["tf.zeros(({}, {}))", "tf.ones(({}, {})) * 0.1", "{lit}"])
        self.emit(f"W = tf.Variable({init.format(n_in, n_out, lit=self.lit((n_in, n_out)))}, name='W')")
        self.emit(f"b = tf.Variable(tf.zeros(({n_out},)), name='b')")
        self.emit(f"lr = {r.choice(['0.1', '0.05', '0.01', '1e-2'])}")
        self.emit("losses = []")
        steps = r.randint(2, 6)
        self.emit(f"for epoch in range({steps}):")
        self.emit("with tf.GradientTape() as tape:", 1)
        self.emit(r.choice([f"pred = tf.matmul({X}, W) + b", f"pred = {X} @ W + b"]), 2)
        self.emit(r.choice(["loss = tf.reduce_mean(tf.square(pred - Y))", "loss = tf.reduce_mean((Y - pred) ** 2)",
                            "loss = tf.reduce_sum(tf.math.squared_difference(pred, Y)) / len(Y)"]), 2)
        how = r.random()
        if how < 0.4:
            self.emit("dW, db = tape.gradient(loss, [W, b])", 1)
            self.emit("W.assign_sub(lr * dW)", 1)
            self.emit("b.assign_sub(lr * db)", 1)
        elif how < 0.75:
            self.emit("grads = tape.gradient(loss, [W, b])", 1)
            self.emit("for g_, v in zip(grads, [W, b]):", 1)
            self.emit("v.assign_sub(lr * g_)", 2)
        else:
            self.emit("dW, db = tape.gradient(loss, [W, b])", 1)
            self.emit("W.assign(W - lr * dW)", 1)
            self.emit("b.assign(b - lr * db)", 1)
        self.emit(r.choice(["losses.append(loss.numpy())", "losses.append(float(loss))",
                            "losses.append(round(float(loss), 4))"]), 1)
        pr = r.choice(["print(f'Epoch {epoch}: loss={loss.numpy():.4f}')", "print('epoch', epoch, 'loss', loss.numpy())",
                       "print(epoch, loss)", "print(f'{epoch:3d} {float(loss):10.6f}')",
                       "print('Loss = %f' % loss)"])
        if r.random() < 0.4:
            self.emit(f"if epoch % {r.choice([2, 3])} == 0:", 1)
            self.emit(pr, 2)
        else:
            self.emit(pr, 1)
        self.emit(r.choice(["print(losses)", "print(len(losses), losses[-1])", "print(W.numpy())", "print(W)",
                            "print(b)", "print(b.numpy(), W.shape)", "print(losses[0] > losses[-1])"]))
        for nm, sh in (("pred", (rows, n_out)), ("loss", ())):
            self.bind(nm, "tensor", F, sh)
        self.bind("W", "var", F, (n_in, n_out))
        self.bind("b", "var", F, (n_out,))

    def f_nb_second(self):
        """A second derivative from nested tapes; the inner gradient inside or outside the outer."""
        r = self.r
        if r.random() < 0.5:
            self.emit(f"x = tf.Variable({self.lit(r.choice([(), (2,), (3,)]))})")
            watch = False
        else:
            self.emit(f"x = tf.constant({self.lit(r.choice([(), (2,)]))})")
            watch = True
        outer_p = r.random() < 0.3
        self.emit(f"with tf.GradientTape({'persistent=True' if outer_p else ''}) as t2:")
        where = r.random()
        if watch and where < 0.85:
            self.emit("t2.watch(x)", 1)
        self.emit("with tf.GradientTape() as t1:", 1)
        if watch:
            self.emit("t1.watch(x)", 2)
        body = r.choice(["x ** 3", "tf.sin(x) * x", "tf.exp(-x * x)", "x * x * x - 2.0 * x", "tf.tanh(x) ** 2",
                         "tf.sigmoid(x)", "tf.math.log(1.0 + x * x)", "tf.stop_gradient(x) * x ** 2"])
        self.emit(f"y = {body}", 2)
        inside = r.random() < 0.8
        self.emit("dy_dx = t1.gradient(y, x)", 1 if inside else 0)
        self.emit("d2y_dx2 = t2.gradient(dy_dx, x)")
        self.emit(r.choice(["print(dy_dx, d2y_dx2)", "print(dy_dx.numpy(), d2y_dx2)",
                            "print('dy/dx:', dy_dx)\nprint('d2y/dx2:', d2y_dx2)", "print(d2y_dx2 is None)"]))
        if outer_p and r.random() < 0.5:
            self.emit("print(t2.gradient(y, x))")
        self.bind("y", "tensor", F, ())

    def f_nb_persistent(self):
        """A persistent tape asked for several gradients, then deleted."""
        r = self.r
        sh = r.choice([(), (2,), (3,)])
        self.emit(f"x = tf.constant({self.lit(sh)})")
        self.emit("with tf.GradientTape(persistent=True) as g:")
        self.emit("g.watch(x)", 1)
        self.emit(r.choice(["y = x * x", "y = tf.sin(x)", "y = x ** 2 + 1.0"]), 1)
        self.emit(r.choice(["z = y * y", "z = tf.reduce_sum(y * x)", "z = tf.exp(y) - y"]), 1)
        asks = r.sample(["dz_dx = g.gradient(z, x)", "dy_dx = g.gradient(y, x)", "dz_dy = g.gradient(z, y)",
                         "both = g.gradient([y, z], x)", "pair = g.gradient(z, [x, y])",
                         "none_ = g.gradient(x, y)"], r.randint(2, 4))
        for a in asks:
            self.emit(a)
            name = a.split(" = ")[0]
            self.emit(r.choice([f"print({name})", f"print('{name} =', {name})", f"print({name} is None)"]))
        if r.random() < 0.5:
            self.emit("del g")
            if r.random() < 0.2:
                self.emit("print(g.gradient(z, x))")  # NameError: g was deleted
                return "raised"

    def f_nb_jac(self):
        """jacobian and batch_jacobian with a source the target does not use: None or zeros."""
        r = self.r
        n = r.randint(1, 3)
        self.emit(f"x = tf.Variable({self.lit((n,))})")
        self.emit(f"u = tf.constant({self.lit((r.randint(1, 3),))})")
        bs, k = r.randint(1, 3), r.randint(1, 3)
        self.emit(f"B = tf.constant({self.lit((bs, k))})")
        self.emit(f"C = tf.constant({self.lit((bs, r.randint(1, 2)))})")
        self.emit(f"with tf.GradientTape(persistent={r.choice(['True', 'True', 'False'])}) as g:")
        self.emit("g.watch([u, B, C])" if r.random() < 0.7 else "g.watch(B)", 1)
        self.emit(r.choice(["y = x * x", "y = tf.sin(x) * 2.0", "y = tf.nn.softmax(x)"]), 1)
        self.emit(r.choice(["Z = tf.tanh(B) * B", "Z = B ** 2", "Z = tf.matmul(B, tf.ones((%d, 2)))" % k]), 1)
        zero = r.choice(["tf.UnconnectedGradients.ZERO", "'zero'", "tf.UnconnectedGradients.NONE", "'none'"])
        kw = f", unconnected_gradients={zero}" if r.random() < 0.8 else ""
        ask = r.choice([f"J = g.jacobian(y, [x, u]{kw})", f"J = g.jacobian(y, u{kw})",
                        f"J = g.batch_jacobian(Z, C{kw})", f"J = g.batch_jacobian(Z, B{kw})",
                        f"J = g.jacobian(Z, [B, C]{kw})", f"J = g.jacobian(y, x{kw})",
                        f"J = g.jacobian(y, x, experimental_use_pfor=False{kw})"])
        self.emit(ask)
        self.emit(r.choice(["print(J)", "print(J is None)", "print(type(J).__name__)",
                            "print([None if j is None else j.shape for j in J] if isinstance(J, list) else J.shape)"]))
        if r.random() < 0.3:
            self.emit(r.choice([f"print(g.batch_jacobian(Z, B{kw}))", f"print(g.jacobian(Z, C{kw}))"]))

    def f_nb_stop(self):
        """tf.stop_gradient and a non-trainable variable: what the tape sees and what it does not."""
        r = self.r
        self.emit(f"w = tf.Variable({self.lit((2,))}, trainable=False)")
        self.emit(f"v = tf.Variable({self.lit((2,))})")
        wav = r.random() < 0.2
        self.emit(f"with tf.GradientTape({'watch_accessed_variables=False' if wav else ''}) as g:")
        if wav or r.random() < 0.3:
            self.emit(r.choice(["g.watch(w)", "g.watch(v)", "g.watch([w, v])"]), 1)
        self.emit(r.choice(["y = tf.reduce_sum(w * v)", "y = tf.reduce_sum(tf.stop_gradient(v) * w + v)",
                            "y = tf.reduce_sum(tf.stop_gradient(w * v) + v ** 2)"]), 1)
        self.emit(r.choice(["dw, dv = g.gradient(y, [w, v])\nprint(dw, dv)",
                            "print(g.gradient(y, [w, v], unconnected_gradients=tf.UnconnectedGradients.ZERO))",
                            "print([x.name for x in g.watched_variables()])",
                            "print(w.trainable, v.trainable, len(g.watched_variables()))"]))
        self.emit(r.choice(["print(w)", "print(v.name, w.name)", "pass"]))

    def f_nb_interop(self):
        """NumPy and TensorFlow mixed as notebooks mix them: dtypes follow each library's rules."""
        r = self.r
        sh = r.choice([(2,), (3,), (2, 2)])
        self.emit(f"a = np.array({self.lit(sh)})")
        self.emit(f"t = tf.constant({self.lit(sh)})")
        for _ in range(r.randint(2, 4)):
            self.emit(r.choice(["print(tf.constant(a))", "print(tf.constant(a).dtype, t.dtype)",
                                "print(t.numpy() + a)", "print((t.numpy() * a).dtype)",
                                "print(tf.convert_to_tensor(a, dtype=tf.float32) + t)",
                                "print(tf.reduce_sum(a), np.sum(t.numpy()))", "print(t * 2 + 1)",
                                "print(np.round(t.numpy(), 2))", "print(tf.cast(a, tf.float32) * t)",
                                "print(t.numpy().tolist(), a.tolist())", "print(np.mean(t.numpy()), a.mean())",
                                "print(tf.square(a))", "print(t.numpy().astype(np.float64) + a)",
                                "print(t + a)", "print(np.dot(a.reshape(-1), t.numpy().reshape(-1)))",
                                "print(t.numpy()[0], a[0])", "print(type(t.numpy()).__name__, a.ndim)"]))

    NEW = ["f_nb_train", "f_nb_train", "f_nb_second", "f_nb_second", "f_nb_persistent", "f_nb_persistent",
           "f_nb_jac", "f_nb_jac", "f_nb_stop", "f_nb_interop", "f_nb_interop"] + Prints.PRINT_FEATURES
    # the notebook features twice over, so that they make most of a cell
    FEATURES = cellgen_more.More.FEATURES + NEW + NEW


def make_cell(seed):
    return cellgen.make_cell(seed, Notebook)
