"""Prints notebooks make, for cellgen_notebook.py: tensors and arrays of every dtype and rank as
TensorFlow and NumPy print them (ints, bools, float64, 3-D, rows long enough to wrap, values that
switch NumPy to scientific notation, NaN and inf, -0.0, large tensors NumPy summarizes with ...),
their shapes and dtypes, f-strings and %-formatting of tensors, lists of tensors and of NumPy
scalars, variables of other dtypes.
"""

MAKERS = [  # (expression, what it is)
    "tf.constant([1, 2, 3])", "tf.constant([[1, -2], [30, 4]], dtype=tf.int64)",
    "tf.constant([True, False, True])", "tf.constant([1.5, -2.25], dtype=tf.float64)",
    "tf.reshape(tf.range(24), (2, 3, 4))", "tf.reshape(tf.range(12, dtype=tf.float32), (2, 3, 2)) / 7.0",
    "tf.range(30, dtype=tf.float32) * 0.37", "tf.range(2000)", "tf.zeros((40, 40))",
    "tf.linspace(0.0, 1.0, 7)", "tf.constant([1e-5, 123456.0, 3.0])", "tf.constant([1e10, -2.5])",
    "tf.constant([0.1, 0.2]) + 0.1", "tf.constant(0.1, dtype=tf.float64) * 3",
    "tf.math.log(tf.constant([0.0, -1.0, 1.0]))", "tf.constant([-0.0, 0.0, 1.0])",
    "tf.constant(7)", "tf.constant(2.5)", "tf.constant([[0.001, 1000.0], [5.5, -0.25]])",
    "tf.ones((2, 1, 3), dtype=tf.float64)", "tf.constant([3.14159265358979], dtype=tf.float64)",
    "tf.eye(3)", "tf.range(1, 10, 2)", "tf.fill((2, 3), 9.0)", "tf.constant([[1e-8, 1.0]])",
    "tf.constant([100.0, 2.0, 33.5])", "tf.cast(tf.constant([1.7, -1.7]), tf.int32)",
    "tf.constant(-3.0) / 0.0", "tf.reduce_mean(tf.constant([1, 2]))", "tf.constant([12345678.0, 0.5])",
]

SHOWS = [
    "print({v})", "print({v}.numpy())", "print(repr({v}))", "print(repr({v}.numpy()))", "print({v}.shape, {v}.dtype)",
    "print([{v}, {v}])", "print(f'{{{v}}}')", "print('value:', {v})", "print(str({v}))", "print(tf.shape({v}))",
    "print({v}.numpy().dtype, {v}.numpy().shape)", "print({v}.numpy().tolist())", "print(list({v}.numpy().shape))",
    "print({v}.dtype.name, {v}.dtype == tf.float32)", "print(tf.reduce_sum({v}))", "print({v}.ndim, tf.rank({v}))",
]

SCALAR_SHOWS = [
    "print(f'{{{v}:.3f}}')", "print('%.4f' % {v})", "print(float({v}))", "print({v}.numpy().item())",
    "print(f'{{{v}.numpy():.2e}}')", "print(round(float({v}), 2))", "print(int({v}))", "print('%s' % {v})",
    "print('{{}}'.format({v}))", "print(f'{{float({v})!r}}')",
]


class Prints:
    def f_nb_print(self):
        """A tensor of some dtype and rank, printed in two or three ways."""
        r = self.r
        e = r.choice(MAKERS)
        v = self.fresh("p")
        self.emit(f"{v} = {e}")
        scalar = e in ("tf.constant(7)", "tf.constant(2.5)", "tf.constant(0.1, dtype=tf.float64) * 3",
                       "tf.constant(-3.0) / 0.0", "tf.reduce_mean(tf.constant([1, 2]))")
        opts = SHOWS + (SCALAR_SHOWS if scalar else ["print({v}[0])", "print({v}[-1:])"])
        for _ in range(r.randint(1, 3)):
            self.emit(r.choice(opts).format(v=v))

    def f_nb_print_lists(self):
        """Lists of tensors and of NumPy scalars, and variables of other dtypes, as print shows them."""
        r = self.r
        opts = ["xs = [tf.constant(1.5), tf.constant(2.0)]\nprint(xs)",
                "xs = list(tf.constant([1.0, 2.5]).numpy())\nprint(xs)",
                "xs = [float(v) for v in tf.constant([0.1, 0.7])]\nprint(xs)",
                "xs = tf.constant([[1.0, 2.0], [3.0, 4.0]])\nfor row in xs:\n    print(row)",
                "iv = tf.Variable([1, 2, 3])\nprint(iv)\nprint(iv.assign_add([1, 1, 1]))",
                "dv = tf.Variable(2.5, dtype=tf.float64)\nprint(dv)\nprint(dv * 2)",
                "bv = tf.Variable([True, False])\nprint(bv, bv.dtype)",
                "sv = tf.Variable(3.0)\nprint(sv, sv.numpy(), float(sv))",
                "xs = np.array([1.0, 2.0], dtype=np.float32)\nprint(xs, xs.dtype, xs * 2.5)",
                "xs = np.array([0.5, 1.25]) * tf.constant([2.0, 2.0]).numpy()\nprint(xs, xs.dtype)",
                "xs = (tf.constant([1.0, 2.0]), tf.constant(3))\nprint(xs)",
                "xs = tf.constant([1.0, 2.0]) > 1.5\nprint(xs, xs.numpy())",
                "xs = np.arange(12).reshape(3, 4)\nprint(xs, xs.sum(axis=0))",
                "xs = np.linspace(0, 1, 11)\nprint(xs)", "xs = np.array([1e-7, 1.0])\nprint(xs)",
                "xs = np.array([[1, 2], [3, 4]]) / 3\nprint(xs)", "xs = np.zeros((2, 3), dtype=np.int32)\nprint(xs)"]
        for _ in range(r.randint(1, 2)):
            self.emit(r.choice(opts))

    PRINT_FEATURES = ["f_nb_print", "f_nb_print", "f_nb_print_lists"]
