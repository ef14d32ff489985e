"""Random notebook cells in the cell subset: what students write around tf.GradientTape.

make_cell(seed) -> the cell's source. A cell is a few features (constants and variables, chains
of ops, reductions, shape ops and slices, a tape with gradients, a Jacobian, a Hessian from nested
tapes, a small training loop, NumPy arithmetic, Python numbers and lists, prints of every kind),
sometimes ending in a statement that raises (a shape or dtype mismatch, a used-up tape, a typo).
The generator tracks each name's kind, dtype and shape so that most cells run to the end.
Pure Python: no TensorFlow needed to make a cell.
"""
import random

from cellgen_tapes import TapeFeatures

F = "float32"


class T:
    """What the generator knows of a bound name."""

    def __init__(self, kind, dtype, shape):
        self.kind, self.dtype, self.shape = kind, dtype, tuple(shape)


UNARY = [  # (call, needs a positive input, keeps the input's domain small)
    ("tf.sin({})", False), ("tf.cos({})", False), ("tf.tanh({})", False), ("tf.sigmoid({})", False),
    ("tf.nn.relu({})", False), ("tf.square({})", False), ("tf.abs({})", False),
    ("tf.exp({})", False), ("tf.math.log({})", True), ("tf.sqrt({})", True), ("tf.nn.softplus({})", False),
    ("-{}", False), ("tf.nn.elu({})", False), ("tf.math.erf({})", False), ("tf.nn.leaky_relu({})", False),
    ("tf.math.log1p({})", True), ("tf.math.rsqrt({})", True), ("tf.nn.relu6({})", False),
    ("tf.math.reciprocal({})", True), ("tf.nn.selu({})", False), ("tf.nn.softsign({})", False),
    ("tf.nn.silu({})", False), ("tf.nn.gelu({})", False), ("{} ** 2", False), ("{} ** 3", False),
    ("tf.pow({}, 2.0)", False), ("tf.math.floor({})", False), ("tf.math.sign({})", False),
]
BINARY = ["{} + {}", "{} - {}", "{} * {}", "tf.maximum({}, {})", "tf.minimum({}, {})",
          "tf.add({}, {})", "tf.multiply({}, {})", "tf.subtract({}, {})",
          "tf.math.squared_difference({}, {})", "{} / (tf.abs({}) + 1.0)"]
REDUCE = ["tf.reduce_sum", "tf.reduce_mean", "tf.reduce_max", "tf.reduce_min", "tf.reduce_prod",
          "tf.math.reduce_std", "tf.reduce_logsumexp", "tf.math.reduce_variance"]


class Gen(TapeFeatures):
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.lines = ["import tensorflow as tf", "import numpy as np", ""]
        self.env = {}
        self.n = 0

    # -- helpers
    def fresh(self, base):
        self.n += 1
        return f"{base}{self.n}"

    def emit(self, line, indent=0):
        self.lines.append("    " * indent + line)

    def num(self, lo=-3.0, hi=3.0, positive=False):
        r = self.r
        x = round(r.uniform(0.1 if positive else lo, hi), r.choice([1, 1, 2, 3]))
        if r.random() < 0.1:
            x = float(r.randint(-3, 3)) if not positive else float(r.randint(1, 3))
        return x

    def lit(self, shape, positive=False, ints=False):
        if not shape:
            return str(self.r.randint(-4, 5) if ints else self.num(positive=positive))
        return "[" + ", ".join(self.lit(shape[1:], positive, ints) for _ in range(shape[0])) + "]"

    def shape(self, max_rank=2):
        r = self.r
        rank = r.choice([0, 1, 1, 2, 2][: 2 + 2 * max_rank - 1])
        return tuple(r.randint(1, 4) for _ in range(rank))

    def names(self, dtype=F, kinds=("tensor", "var"), shape=None, min_rank=0):
        return [n for n, t in self.env.items() if t.dtype == dtype and t.kind in kinds
                and (shape is None or t.shape == tuple(shape)) and len(t.shape) >= min_rank]

    def bind(self, name, kind, dtype, shape):
        self.env[name] = T(kind, dtype, shape)
        return name

    # -- values
    def constant(self, shape=None, dtype=F, positive=False):
        shape = self.shape() if shape is None else shape
        name = self.fresh(self.r.choice(["x", "a", "c", "t"]))
        ints = dtype.startswith("int")
        d = "" if dtype == F and self.r.random() < 0.7 else f", dtype=tf.{dtype}"
        self.emit(f"{name} = tf.constant({self.lit(shape, positive, ints)}{d})")
        return self.bind(name, "tensor", dtype, shape)

    def variable(self, shape=None, dtype=F, trainable=True):
        shape = self.shape() if shape is None else shape
        name = self.fresh(self.r.choice(["W", "w", "b", "v"]))
        extra = "" if trainable else ", trainable=False"
        if dtype != F:
            extra += f", dtype=tf.{dtype}"
        if self.r.random() < 0.2:
            extra += f", name='{name}'"
        self.emit(f"{name} = tf.Variable({self.lit(shape)}{extra})")
        return self.bind(name, "var", dtype, shape)

    def operand(self, shape, dtype=F):
        """A name of this shape and dtype, or a literal that TF types to it."""
        r = self.r
        same = self.names(dtype, shape=shape)
        if same and r.random() < 0.6:
            return r.choice(same)
        if not shape and r.random() < 0.7:
            return str(self.num())
        lit = self.lit(shape)
        return f"tf.constant({lit}, dtype=tf.{dtype})" if dtype != F or shape else lit

    def expr(self, src, shape, depth, dtype=F):
        """A random elementwise expression of `src` (a name of `shape`): (text, shape)."""
        r = self.r
        e = src
        for _ in range(depth):
            k = r.random()
            if k < 0.5:
                call, pos = r.choice(UNARY)
                inner = f"tf.abs({e}) + 0.5" if pos else e
                if call.startswith("tf.exp"):
                    inner = f"tf.tanh({inner})"  # keeps float32 exp finite and in tolerance
                e = call.format(inner if call.startswith("tf.") else f"({inner})")
            elif k < 0.85:
                other_shape = shape if r.random() < 0.7 else ()
                o = self.operand(other_shape, dtype)
                pat = r.choice(BINARY)
                a, b = (e, o) if r.random() < 0.7 else (o, e)
                if pat.startswith("{} /"):
                    a, b = e, o
                e = pat.format(f"({a})", f"({b})") if pat.startswith("{}") else pat.format(a, b)
            else:
                e = f"{r.choice(['tf.nn.softmax', 'tf.nn.log_softmax'])}({e})" if shape else f"tf.tanh({e})"
        return e, shape

    # -- features
    def f_chain(self):
        x = self.pick_or_make(dtype="float64" if self.r.random() < 0.15 else F)
        t = self.env[x]
        e, sh = self.expr(x, t.shape, self.r.randint(1, 3), t.dtype)
        y = self.fresh("y")
        self.emit(f"{y} = {e}")
        self.bind(y, "tensor", t.dtype, sh)
        self.show(y)

    def pick_or_make(self, dtype=F, min_rank=0):
        have = self.names(dtype, min_rank=min_rank)
        if have and self.r.random() < 0.6:
            return self.r.choice(have)
        shape = self.shape()
        while len(shape) < min_rank:
            shape = shape + (self.r.randint(1, 3),)
        return self.constant(shape, dtype) if self.r.random() < 0.6 else self.variable(shape, dtype)

    def f_reduce(self):
        x = self.pick_or_make(min_rank=1)
        t = self.env[x]
        r = self.r
        op = r.choice(REDUCE)
        rank = len(t.shape)
        axis = r.choice([None, None] + list(range(-rank, rank)))
        keep = r.random() < 0.3
        args = x
        if axis is not None:
            args += f", axis={axis}"
        if keep:
            args += ", keepdims=True"
        if axis is None:
            sh = (1,) * rank if keep else ()
        else:
            a = axis % rank
            sh = t.shape[:a] + ((1,) if keep else ()) + t.shape[a + 1:]
        y = self.fresh("s")
        self.emit(f"{y} = {op}({args})")
        self.bind(y, "tensor", t.dtype, sh)
        self.show(y)

    def f_shape_ops(self):
        x = self.pick_or_make(min_rank=1)
        t, r = self.env[x], self.r
        sh = t.shape
        size = 1
        for d in sh:
            size *= d
        choices = [(f"tf.reshape({x}, [-1])", (size,)), (f"tf.expand_dims({x}, 0)", (1,) + sh),
                   (f"tf.concat([{x}, {x}], axis=0)", (2 * sh[0],) + sh[1:]),
                   (f"tf.stack([{x}, {x} * 2.0])", (2,) + sh), (f"{x}[0]", sh[1:]),
                   (f"{x}[::-1]", sh), (f"{x}[1:]", (sh[0] - 1,) + sh[1:]),
                   (f"tf.tile({x}, [2] + [1] * {len(sh) - 1})", (2 * sh[0],) + sh[1:]),
                   (f"tf.gather({x}, [0, 0])", (2,) + sh[1:])]
        if len(sh) == 2:
            choices += [(f"tf.transpose({x})", sh[::-1]), (f"{x}[:, 0]", sh[:1]),
                        (f"{x}[..., -1]", sh[:1]), (f"tf.reshape({x}, [{sh[1]}, {sh[0]}])", sh[::-1]),
                        (f"{x}[:, tf.newaxis, :]", (sh[0], 1, sh[1])), (f"tf.squeeze(tf.expand_dims({x}, 1))", None)]
        e, s = r.choice(choices)
        if s is None:
            s = tuple(d for d in (sh[0], 1, sh[1]) if d != 1)
        y = self.fresh("r")
        self.emit(f"{y} = {e}")
        self.bind(y, "tensor", t.dtype, s)
        self.show(y)

    def f_matmul(self):
        r = self.r
        m, k, n = r.randint(1, 3), r.randint(1, 4), r.randint(1, 3)
        A = self.pick_shape((m, k))
        if r.random() < 0.5:
            v = self.pick_shape((k,))
            e, sh = r.choice([(f"tf.linalg.matvec({A}, {v})", (m,)),
                              (f"tf.squeeze(tf.matmul({A}, tf.reshape({v}, [-1, 1])))", None)])
            if sh is None:
                sh = (m,) if m > 1 else ()
        else:
            B = self.pick_shape((k, n))
            e, sh = r.choice([(f"tf.matmul({A}, {B})", (m, n)), (f"{A} @ {B}", (m, n)),
                              (f"tf.matmul({B}, {A}, transpose_a=True, transpose_b=True)", (n, m))])
        y = self.fresh("m")
        self.emit(f"{y} = {e}")
        self.bind(y, "tensor", F, sh)
        self.show(y)

    def pick_shape(self, shape):
        have = self.names(F, shape=shape)
        if have and self.r.random() < 0.5:
            return self.r.choice(have)
        return self.constant(shape) if self.r.random() < 0.5 else self.variable(shape)

    def show(self, name, force=False):
        """Prints of a name in one of the ways notebooks print."""
        r = self.r
        if not force and r.random() < 0.35:
            return
        t = self.env[name]
        opts = [f"print({name})", f"print({name}.numpy())", f"print({name}.shape, {name}.dtype)",
                f"print(repr({name}))", f"print([{name}])", f"print('{name} =', {name})"]
        if t.kind == "np":
            opts = [f"print({name})", f"print(repr({name}))", f"print({name}.shape, {name}.dtype)",
                    f"print({name}.tolist())", f"print(np.round({name}, 3))"]
        elif not t.shape:
            opts += [f"print(f'{{float({name}):.4f}}')", f"print('%.5f' % {name})", f"print(float({name}))",
                     f"print(f'{name}={{{name}:.3f}}')"]
        else:
            opts += [f"print({name}.numpy().tolist())", f"print({name}[0])",
                     f"print(f'{{float(tf.reduce_sum({name})):.6f}}')"]
        self.emit(r.choice(opts))

    # -- NumPy and Python
    def f_numpy(self):
        r = self.r
        sh = r.choice([(2,), (3,), (2, 2), (2, 3)])
        a, b = self.fresh("A"), self.fresh("B")
        self.emit(f"{a} = np.array({self.lit(sh)})")
        self.emit(f"{b} = np.array({self.lit(sh)}{', dtype=np.float32' if r.random() < 0.2 else ''})")
        self.bind(a, "np", "float64", sh)
        self.bind(b, "np", "float64", sh)
        c = self.fresh("C")
        e = r.choice([f"{a} * {b} + 1.0", f"np.exp(-np.abs({a})) - {b}", f"np.maximum({a}, 0) * {b}",
                      f"{a} ** 2 / (1 + np.abs({b}))", f"np.sqrt(np.abs({a})) + {b} / 2",
                      f"np.tanh({a}) - np.log(1 + {b} ** 2)"])
        self.emit(f"{c} = {e}")
        self.bind(c, "np", "float64", sh)
        self.show(c, force=True)
        opts = [f"print(np.sum({c}), np.mean({c}), np.max({c}))", f"print({c}.sum(), {c}.mean())",
                f"print(np.sum({c}, axis=0))", f"print({c}.reshape(-1))", f"print({c}.T)",
                f"print(tf.constant({c}))", f"print(tf.reduce_sum(tf.constant({c}, dtype=tf.float32)))",
                f"print(np.round({c}, 2))", f"print({c}.flatten().tolist())"]
        if len(sh) == 1:
            opts += [f"print(np.dot({a}, {b}))", f"print(np.outer({a}, {b}))"]
        else:
            opts += [f"print({a} @ {b}.T)", f"print(np.matmul({a}, {b}.T))"]
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice(opts))
        if r.random() < 0.4:
            t = self.fresh("tc")
            self.emit(f"{t} = tf.constant({c}, dtype=tf.float32) * 2.0")
            self.bind(t, "tensor", F, sh)
            self.show(t)

    def f_python(self):
        r = self.r
        xs = [self.num() for _ in range(r.randint(2, 4))]
        self.emit(f"vals = {xs}")
        self.emit(r.choice(["total = sum(vals)", "total = 0.0\nfor v in vals:\n    total += v * v",
                            "total = max(vals) - min(vals)", "total = sum([v ** 2 for v in vals]) / len(vals)"]))
        self.emit(r.choice(["print(total)", "print(f'{total:.3f}')", "print(round(total, 2), len(vals))",
                            "print('total = %.4f' % total)", "print(sorted(vals))"]))
        self.env["total"] = T("py", "float", ())
        if r.random() < 0.5:
            t = self.fresh("tv")
            self.emit(f"{t} = tf.constant(vals)")
            self.bind(t, "tensor", F, (len(xs),))
            self.show(t)

    # -- a statement that raises, last
    def f_error(self):
        r = self.r
        x = self.pick_or_make(min_rank=1)
        sh = self.env[x].shape
        bad = tuple(d + 1 for d in sh)
        opts = [f"z = {x} + tf.constant({self.lit(bad)})",
                f"z = tf.matmul(tf.reshape({x}, [1, -1]), tf.ones(({sh[0] + sum(sh) + 1}, 1)))",
                f"z = {x} + tf.constant(1.0, dtype=tf.float64)",
                f"z = tf.constant([1, 2]) * 0.5",
                f"z = tf.reshape({x}, [{sum(sh) * 7 + 1}])",
                f"print({x}_typo)",
                f"z = {x}[{sh[0] + 2}]",
                f"z = {x}.numpy()[{sh[0] + 1}]",
                f"z = tf.concat([{x}, tf.zeros(({sh[0]}, {sh[-1] + 2}, 9))], axis=0)",
                f"z = 1 / 0",
                f"z = tf.Variable({self.lit(sh)}).assign({self.lit(bad)})"]
        self.emit(r.choice(opts))
        return "raised"

    def f_logic(self):
        """Casts, comparisons, tf.where, argmax and one_hot: what classification cells do."""
        r = self.r
        x = self.pick_or_make(min_rank=1)
        t = self.env[x]
        opts = [f"print(tf.cast({x} > 0, tf.float32))", f"print(tf.where({x} > 0, {x}, 0.1 * {x}))",
                f"print(tf.argmax({x}, axis=-1))", f"print(tf.one_hot(tf.argmax({x}, axis=-1), 3))",
                f"print(tf.cast({x} * 10, tf.int32))", f"print({x} >= 0.5, tf.reduce_any({x} > 1.0))",
                f"print(tf.reduce_sum(tf.cast({x} < 0, tf.int32)))", f"print(tf.round({x} * 4) / 4)",
                f"print(tf.cast({x}, tf.float64) / 3)", f"print(tf.math.argmin({x}, axis=0))"]
        if len(t.shape) == 2 and r.random() < 0.5:
            labels = self.fresh("labels")
            self.emit(f"{labels} = tf.one_hot({self.lit((t.shape[0],), ints=True).replace('-', '')}, {t.shape[1]})")
            self.emit(f"xe = tf.nn.softmax_cross_entropy_with_logits(labels={labels}, logits={x})")
            self.bind("xe", "tensor", F, t.shape[:1])
            self.show("xe", force=True)
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice(opts))

    FEATURES = ["f_def", "f_logic", "f_pause", "f_gather", "f_chain", "f_chain", "f_reduce", "f_shape_ops", "f_matmul", "f_tape", "f_tape",
                "f_tape", "f_jacobian", "f_hessian", "f_train", "f_numpy", "f_python"]


def make_cell(seed, gen=Gen):
    g = gen(seed)
    r = g.r
    for _ in range(r.randint(0, 2)):
        g.constant() if r.random() < 0.5 else g.variable()
    for f in r.sample(gen.FEATURES, r.randint(1, 4)):
        if getattr(g, f)() == "raised":
            break
    else:
        if r.random() < 0.15:
            g.f_error()
    return "\n".join(g.lines) + "\n"
