"""More of the cell subset than cellgen.py's features reach: NumPy arrays built and assigned into,
integer tensors with // and %, Python control flow and builtins (comprehensions, enumerate, zip,
str.format, isinstance, type names, conditional expressions), variables' methods and attributes,
shapes and ranks, and the tape's rarer calls (output_gradients of the target's shape,
batch_jacobian, reset, watched_variables, a list of targets).

make_cell(seed) -> the cell's source, as cellgen.make_cell; `fuzz_cells.py --gen more` uses it.
Pure Python: no TensorFlow needed to make a cell.
"""
import cellgen

F = "float32"


class More(cellgen.Gen):
    def f_np_build(self):
        """NumPy arrays made by np.zeros/ones/eye/arange/linspace, assigned into and reduced."""
        r = self.r
        n = r.randint(2, 4)
        a = self.fresh("N")
        self.emit(f"{a} = " + r.choice([f"np.zeros(({n}, {n}))", f"np.ones(({n}, 2))", f"np.eye({n})",
                                        f"np.identity({n})", f"np.arange({n * 2}).reshape({n}, 2) * 0.5",
                                        f"np.linspace(-1.0, 1.0, {n * 2}).reshape(({n}, 2))"]))
        self.emit(r.choice([f"{a}[0] = {self.num()}", f"{a}[:, 1] = {self.num()}", f"{a}[-1, 0] = {self.num()}",
                            f"{a}[range(2), 1] = [{self.num()}, {self.num()}]", f"{a}[1:] *= 2.0",
                            f"{a}[0, :] += {self.num()}"]))
        b = self.fresh("M")
        self.emit(f"{b} = " + r.choice([f"{a}.astype(np.float32)", f"{a}.T @ {a}", f"np.sqrt(np.abs({a}))",
                                        f"{a}.flatten()", f"np.exp(-{a})", f"{a}.reshape(-1, 1).squeeze()",
                                        f"np.dot({a}.T, {a})", f"np.abs({a} - 0.25)"]))
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice([f"print({a})", f"print({b})", f"print({b}.shape, {b}.dtype, np.size({b}))",
                                f"print(np.sum({a}, axis=1), np.mean({a}, axis=0))", f"print(np.max({b}))",
                                f"print(np.allclose({a}, {a} + 1e-9), np.allclose({a}, {b}.sum()))",
                                f"print(np.round({b}, 3).tolist())", f"print(repr({a}))",
                                f"print(tf.constant({a}))", f"print(tf.reduce_sum({b}))",
                                f"print({a} @ np.ones(({a}.shape[1],)))", f"print(np.outer({a}[0], {a}[-1]))"]))

    def f_ints(self):
        """Integer tensors: // and % as TensorFlow floors them, casts, ranges and integer reductions."""
        r = self.r
        n = r.randint(2, 5)
        xs = [r.randint(-9, 9) for _ in range(n)]
        k = r.choice([2, 3, -2, 4])
        i = self.fresh("i")
        self.emit(f"{i} = tf.constant({xs}" + r.choice(["", ", dtype=tf.int32", ", dtype=tf.int64"]) + ")")
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice([f"print({i} // {k}, {i} % {k})", f"print(tf.math.floordiv({i}, {k}))",
                                f"print(tf.math.floormod({i}, {k}))", f"print({i} * {i} - {k})",
                                f"print(tf.cast({i}, tf.float32) / {float(k)})", f"print(tf.reduce_sum({i}))",
                                f"print(tf.reduce_max({i}), tf.argmax({i}))", f"print(tf.range({n}) * {k})",
                                f"print(tf.abs({i}), -{i})", f"print({i} ** 2)", f"print({i} / {k})",
                                f"print(tf.reduce_mean({i}))", f"print({i}.numpy() // {k}, {i}.numpy() % {k})",
                                f"print(tf.size({i}), tf.rank({i}), tf.shape({i}))"]))

    def f_pyflow(self):
        """Python control flow and builtins around tensors."""
        r = self.r
        x = self.pick_or_make(min_rank=1)
        n = self.env[x].shape[0]
        self.emit(r.choice([f"sq = [float(v) ** 2 for v in {x}.numpy().reshape(-1)]",
                            f"sq = [i * 0.5 for i in range({n}) if i % 2 == 0]",
                            f"sq = [round(float(tf.reduce_sum(v)), 3) for v in {x}]"]))
        self.emit(r.choice(["for k, v in enumerate(sq):\n    print(k, v)",
                            "for a, b in zip(sq, sq[1:]):\n    print('{} -> {:.3f}'.format(a, b))",
                            "print(len(sq), sum(sq), sorted(sq, reverse=True))",
                            "total = 0\nfor v in sq:\n    if v > 1.0:\n        total += v\n    elif v < 0.1:\n"
                            "        continue\n    else:\n        total -= v\nprint(total)"]))
        self.emit(r.choice([f"print(isinstance({x}, tf.Tensor), isinstance({x}, tf.Variable))",
                            f"print(type({x}).__name__)", f"print({x}.shape, {x}.ndim, len({x}.shape))",
                            f"print('big' if float(tf.reduce_max({x})) > 1.0 else 'small')",
                            f"print({x}.shape[0], list({x}.shape), {x}.dtype.name)",
                            "print('{:.2f} and {}'.format(1.5, [1, 2]), str(3.0), repr('a'))",
                            f"print(None is None, {x} is None, 2 in [1, 2], not {n} > 3)",
                            f"print(abs(-{n}), min(3, {n}), max([1.5, {n}]), int(2.7), bool(0))"]))
        self.env["sq"] = cellgen.T("py", "list", ())

    def f_varops(self):
        """A variable's methods and attributes, as a notebook uses them between steps."""
        r = self.r
        sh = self.shape()
        W = self.variable(sh, dtype=r.choice([F, F, "float64"]))
        dt = self.env[W].dtype
        lit = self.lit(sh)
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice([f"{W}.assign_add({lit})", f"{W}.assign_sub(tf.ones_like({W}) * 0.5)",
                                f"{W}.assign({W} * 2.0)", f"print({W}.read_value())",
                                f"print({W}.name, {W}.trainable, {W}.shape, {W}.dtype)", f"print({W})",
                                f"print({W}.numpy())", f"print(repr({W}.assign_add({lit})))",
                                f"print({W} + 1.0, {W} * {W})"]))
        if dt == F and r.random() < 0.4:
            self.emit(f"z = tf.Variable({W})")
            self.emit(r.choice(["print(z)", "print(z.name)", f"print(z is {W})"]))

    def f_tape_rare(self):
        """The tape's rarer calls: output_gradients, batch_jacobian, reset, watched_variables."""
        r = self.r
        rows, cols = r.randint(1, 3), r.randint(1, 3)
        X = self.constant((rows, cols))
        W = self.variable((cols,))
        g = self.fresh("g")
        self.emit(f"with tf.GradientTape(persistent=True) as {g}:")
        self.emit(f"{g}.watch({X})", 1)
        e, _ = self.expr(X, (rows, cols), r.randint(1, 2))
        self.emit(f"y = ({e}) * {W}", 1)
        self.emit(f"s = tf.reduce_sum(y, axis=1)", 1)
        self.bind("y", "tensor", F, (rows, cols))
        self.bind("s", "tensor", F, (rows,))
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice([f"print({g}.gradient(y, {W}, output_gradients=tf.ones_like(y) * 2.0))",
                                f"print({g}.gradient(s, [{X}, {W}], output_gradients=tf.constant({self.lit((rows,))})))",
                                f"print({g}.batch_jacobian(y, {X}))", f"print({g}.jacobian(s, {W}))",
                                f"print([v.name for v in {g}.watched_variables()])",
                                f"print({g}.gradient([y, s], {W}))",
                                f"print({g}.gradient(s, {X}, unconnected_gradients=tf.UnconnectedGradients.ZERO))"]))
        if r.random() < 0.4:
            self.emit(f"{g}.reset()")
            self.emit(f"print({g}.gradient(s, {W}))")

    FEATURES = cellgen.Gen.FEATURES + ["f_np_build", "f_np_build", "f_ints", "f_ints", "f_pyflow",
                                       "f_pyflow", "f_varops", "f_varops", "f_tape_rare", "f_tape_rare"]


def make_cell(seed):
    return cellgen.make_cell(seed, More)
