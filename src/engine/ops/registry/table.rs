//! The table of every op: TensorFlow 2.15's signature of each (checked with
//! `inspect.signature` on every path), gradtape's reading of it, and a one-line summary.
//! Adding an op starts here; `tests/it/registry.rs` says what else must agree.

use super::AttrKind::{
    Axis, Bool, DType as Dt, Float, Int, Ints, Number, Shape, Str, TensordotAxes, Value,
};
use super::ParamDefault::{self as D, Required};
use super::{
    attr, ext, name_default, python_only, tensor, tensor_or_none, tensors, unsupported, Family,
    OpDef, Param, NAME,
};
use crate::engine::dtype::DType::{self, Bool as B, F32, F64, I32, I64};

const FLOAT: &[DType] = &[F32, F64];
const NUMBER: &[DType] = &[F32, F64, I32, I64];
const ANY: &[DType] = &[F32, F64, I32, I64, B];
const BOOL: &[DType] = &[B];
const LAYOUT: Param = unsupported("layout", Str, D::None);

/// One op of a family with the common fields filled in; `paths` and `params` vary.
const fn op(
    family: Family,
    name: &'static str,
    paths: &'static [&'static str],
    params: &'static [Param],
    dtypes: &'static [DType],
    differentiable: bool,
    summary: &'static str,
) -> OpDef {
    OpDef {
        name,
        paths,
        aliases: &[],
        family,
        params,
        dtypes,
        differentiable,
        activation: false,
        summary,
    }
}

const fn with_aliases(mut d: OpDef, aliases: &'static [&'static str]) -> OpDef {
    d.aliases = aliases;
    d
}

/// An op served by `/v1/activations` (listed there in this table's order).
const fn activation(mut d: OpDef) -> OpDef {
    d.activation = true;
    d
}

use Family::{Binary as Bin, Create, Linalg, Logic, Nn, Reduce as Red, Shape as Shp, Unary as Un};

const X: &[Param] = &[tensor("x"), NAME];
const FEATURES: &[Param] = &[tensor("features"), NAME];
const INPUT: &[Param] = &[tensor("input"), NAME];
const XY: &[Param] = &[tensor("x"), tensor("y"), NAME];
const REDUCE: &[Param] = &[
    tensor("input_tensor"),
    attr("axis", Axis, D::None),
    attr("keepdims", Bool, D::Bool(false)),
    NAME,
];
const ARG: &[Param] = &[
    tensor("input"),
    attr("axis", Int, D::None),
    unsupported("output_type", Dt, D::DType(I64)),
    NAME,
];
const ONES: &[Param] = &[
    attr("shape", Shape, Required),
    attr("dtype", Dt, D::DType(F32)),
    NAME,
    LAYOUT,
];
const LIKE: &[Param] = &[
    tensor("input"),
    unsupported("dtype", Dt, D::None),
    NAME,
    LAYOUT,
];
const SOFTMAX: &[Param] = &[tensor("logits"), attr("axis", Int, D::None), NAME];
const MATVEC: &[Param] = &[
    tensor("a"),
    tensor("b"),
    python_only(attr("transpose_a", Bool, D::Bool(false))),
    unsupported("adjoint_a", Bool, D::Bool(false)),
    unsupported("a_is_sparse", Bool, D::Bool(false)),
    unsupported("b_is_sparse", Bool, D::Bool(false)),
    NAME,
];
const MATMUL: &[Param] = &[
    tensor("a"),
    tensor("b"),
    python_only(attr("transpose_a", Bool, D::Bool(false))),
    python_only(attr("transpose_b", Bool, D::Bool(false))),
    unsupported("adjoint_a", Bool, D::Bool(false)),
    unsupported("adjoint_b", Bool, D::Bool(false)),
    unsupported("a_is_sparse", Bool, D::Bool(false)),
    unsupported("b_is_sparse", Bool, D::Bool(false)),
    unsupported("output_type", Dt, D::None),
    NAME,
];

/// Every op, grouped by family; within the unary family the activations come in the order
/// `/v1/activations` lists them.
// One op per line group, as TensorFlow writes each signature: rustfmt would spread every call
// over a dozen lines and bury the table.
#[rustfmt::skip]
pub(super) static OPS: &[OpDef] = &[
    // creation
    with_aliases(op(Create, "constant", &["tf.constant"], &[
        attr("value", Value, Required),
        attr("dtype", Dt, D::None),
        unsupported("shape", Shape, D::None),
        name_default("Const"),
    ], ANY, false, "A tensor from a literal; Python's typing (37.5 is float32, 120 int32) unless dtype is given."),
        &["convert_to_tensor"]),
    op(Create, "ones", &["tf.ones"], ONES, ANY, false, "A tensor of ones of the given shape."),
    op(Create, "zeros", &["tf.zeros"], ONES, ANY, false, "A tensor of zeros of the given shape."),
    op(Create, "fill", &["tf.fill"], &[
        attr("dims", Shape, Required),
        attr("value", Value, Required),
        NAME,
        LAYOUT,
        ext("dtype", Dt, D::None),
    ], ANY, false, "A tensor of the given shape filled with one scalar value (\"shape\" is accepted for dims)."),
    op(Create, "ones_like", &["tf.ones_like"], LIKE, ANY, false, "Ones of the input's shape and dtype."),
    op(Create, "zeros_like", &["tf.zeros_like"], LIKE, ANY, false, "Zeros of the input's shape and dtype."),
    with_aliases(op(Create, "linspace", &["tf.linspace"], &[
        attr("start", Number, Required),
        attr("stop", Number, Required),
        attr("num", Int, Required),
        NAME,
        unsupported("axis", Int, D::Int(0)),
        ext("dtype", Dt, D::None),
    ], FLOAT, false, "num evenly spaced values from start to stop inclusive (Python ints give float64, floats float32)."),
        &["lin_space"]),
    op(Create, "range", &["tf.range"], &[
        attr("start", Number, Required),
        attr("limit", Number, D::None),
        attr("delta", Number, D::Int(1)),
        attr("dtype", Dt, D::None),
        name_default("range"),
    ], NUMBER, false, "start, start + delta, ... up to limit (exclusive); range(n) alone counts from 0 to n."),
    op(Create, "eye", &["tf.eye", "tf.linalg.eye"], &[
        attr("num_rows", Int, Required),
        attr("num_columns", Int, D::None),
        unsupported("batch_shape", Shape, D::None),
        attr("dtype", Dt, D::DType(F32)),
        NAME,
    ], ANY, false, "An identity matrix (num_columns defaults to num_rows)."),
    op(Create, "one_hot", &["tf.one_hot"], &[
        tensor("indices"),
        attr("depth", Int, Required),
        attr("on_value", Value, D::None),
        attr("off_value", Value, D::None),
        unsupported("axis", Int, D::None),
        attr("dtype", Dt, D::None),
        NAME,
    ], &[I32, I64], false, "One-hot rows of length depth for integer indices (on_value 1, off_value 0)."),
    op(Create, "random_normal", &["tf.random.normal"], &[
        attr("shape", Shape, Required),
        attr("mean", Float, D::Float(0.0)),
        attr("stddev", Float, D::Float(1.0)),
        attr("dtype", Dt, D::DType(F32)),
        attr("seed", Int, D::None),
        NAME,
    ], FLOAT, false, "Normally distributed values: TensorFlow's own numbers for a seed (its Philox generator)."),
    op(Create, "truncated_normal", &["tf.random.truncated_normal"], &[
        attr("shape", Shape, Required),
        attr("mean", Float, D::Float(0.0)),
        attr("stddev", Float, D::Float(1.0)),
        attr("dtype", Dt, D::DType(F32)),
        attr("seed", Int, D::None),
        NAME,
    ], FLOAT, false, "Normally distributed values redrawn until within two standard deviations of the mean, TensorFlow's own numbers for a seed."),
    op(Create, "random_uniform", &["tf.random.uniform"], &[
        attr("shape", Shape, Required),
        attr("minval", Number, D::Int(0)),
        attr("maxval", Number, D::None),
        attr("dtype", Dt, D::DType(F32)),
        attr("seed", Int, D::None),
        NAME,
    ], NUMBER, false, "Uniform values in [minval, maxval) (maxval defaults to 1 for floats and is required for integers): TensorFlow's own numbers for a seed."),
    // elementwise unary
    op(Un, "identity", &["tf.identity"], INPUT, ANY, true, "The input unchanged."),
    op(Un, "stop_gradient", &["tf.stop_gradient"], INPUT, ANY, false, "The input, with no gradient flowing through it."),
    op(Un, "negative", &["tf.math.negative", "tf.negative"], X, NUMBER, true, "-x"),
    op(Un, "abs", &["tf.abs", "tf.math.abs"], X, NUMBER, true, "|x| (gradient sign(x), 0 at 0)"),
    op(Un, "sign", &["tf.math.sign", "tf.sign"], X, NUMBER, true, "-1, 0 or 1 (gradient zero)"),
    op(Un, "exp", &["tf.exp", "tf.math.exp"], X, FLOAT, true, "e^x"),
    op(Un, "log", &["tf.math.log"], X, FLOAT, true, "Natural logarithm."),
    op(Un, "log1p", &["tf.math.log1p"], X, FLOAT, true, "log(1 + x), accurate near 0."),
    op(Un, "sqrt", &["tf.math.sqrt", "tf.sqrt"], X, FLOAT, true, "Square root."),
    op(Un, "rsqrt", &["tf.math.rsqrt"], X, FLOAT, true, "1 / sqrt(x)"),
    op(Un, "square", &["tf.math.square", "tf.square"], X, NUMBER, true, "x^2"),
    op(Un, "reciprocal", &["tf.math.reciprocal"], X, FLOAT, true, "1 / x"),
    op(Un, "sin", &["tf.math.sin", "tf.sin"], X, FLOAT, true, "Sine."),
    op(Un, "cos", &["tf.math.cos", "tf.cos"], X, FLOAT, true, "Cosine."),
    activation(op(Un, "sigmoid", &["tf.math.sigmoid", "tf.nn.sigmoid", "tf.sigmoid"], X, FLOAT, true, "1 / (1 + e^-x)")),
    activation(op(Un, "tanh", &["tf.math.tanh", "tf.nn.tanh", "tf.tanh"], X, FLOAT, true, "Hyperbolic tangent.")),
    op(Un, "erf", &["tf.math.erf"], X, FLOAT, true, "The error function."),
    op(Un, "floor", &["tf.math.floor", "tf.floor"], X, FLOAT, false, "Rounds down (no gradient)."),
    op(Un, "ceil", &["tf.math.ceil"], X, FLOAT, false, "Rounds up (no gradient)."),
    op(Un, "round", &["tf.math.round", "tf.round"], X, NUMBER, false, "Rounds half to even (no gradient)."),
    activation(op(Un, "relu", &["tf.nn.relu"], FEATURES, NUMBER, true, "max(x, 0)")),
    activation(op(Un, "leaky_relu", &["tf.nn.leaky_relu"], &[
        tensor("features"),
        python_only(attr("alpha", Float, D::Float(0.2))),
        NAME,
    ], NUMBER, true, "x if x > 0 else alpha * x (alpha is rounded to float32, as TensorFlow does; integers become float32)")),
    activation(op(Un, "elu", &["tf.nn.elu"], FEATURES, FLOAT, true, "x if x > 0 else e^x - 1")),
    activation(op(Un, "selu", &["tf.nn.selu"], FEATURES, FLOAT, true, "Scaled elu: scale * (x if x > 0 else alpha (e^x - 1)).")),
    activation(op(Un, "gelu", &["tf.nn.gelu"], &[
        tensor("features"),
        attr("approximate", Bool, D::Bool(false)),
        NAME,
    ], FLOAT, true, "0.5 x (1 + erf(x / sqrt 2)), or the tanh approximation")),
    activation(op(Un, "softplus", &["tf.math.softplus", "tf.nn.softplus"], FEATURES, FLOAT, true, "log(1 + e^x)")),
    activation(op(Un, "softsign", &["tf.nn.softsign", "tf.math.softsign"], FEATURES, FLOAT, true, "x / (1 + |x|)")),
    activation(with_aliases(op(Un, "silu", &["tf.nn.silu", "tf.nn.swish"], &[
        tensor("features"),
        unsupported("beta", Float, D::Float(1.0)),
    ], FLOAT, true, "x * sigmoid(x) (tf.nn.silu takes no name=)"), &["swish"])),
    activation(op(Un, "relu6", &["tf.nn.relu6"], FEATURES, NUMBER, true, "min(max(x, 0), 6)")),
    // elementwise binary, broadcasting
    op(Bin, "add", &["tf.add", "tf.math.add"], XY, NUMBER, true, "x + y"),
    op(Bin, "subtract", &["tf.math.subtract", "tf.subtract"], XY, NUMBER, true, "x - y"),
    op(Bin, "multiply", &["tf.math.multiply", "tf.multiply"], XY, NUMBER, true, "x * y"),
    with_aliases(op(Bin, "divide", &["tf.divide", "tf.math.divide", "tf.math.truediv", "tf.truediv"], XY, NUMBER, true, "x / y (integers give float64, as Python's /)"), &["truediv"]),
    op(Bin, "pow", &["tf.math.pow", "tf.pow"], XY, NUMBER, true, "x^y"),
    op(Bin, "maximum", &["tf.math.maximum", "tf.maximum"], XY, NUMBER, true, "Elementwise max (the gradient goes to x on ties)."),
    op(Bin, "minimum", &["tf.math.minimum", "tf.minimum"], XY, NUMBER, true, "Elementwise min (the gradient goes to x on ties)."),
    op(Bin, "squared_difference", &["tf.math.squared_difference"], XY, NUMBER, true, "(x - y)^2"),
    op(Bin, "floordiv", &["tf.math.floordiv"], XY, NUMBER, false, "x // y: floor(x / y), Python's floor division (no gradient; integer division by zero is an error)."),
    op(Bin, "floormod", &["tf.math.floormod", "tf.math.mod"], XY, NUMBER, true, "x % y: x - floor(x / y) y, taking y's sign, as Python's % (gradient 1 for x, -floor(x / y) for y)."),
    // comparison, logic, selection
    op(Logic, "greater", &["tf.greater", "tf.math.greater"], XY, NUMBER, false, "x > y (bool)"),
    op(Logic, "greater_equal", &["tf.greater_equal", "tf.math.greater_equal"], XY, NUMBER, false, "x >= y (bool)"),
    op(Logic, "less", &["tf.less", "tf.math.less"], XY, NUMBER, false, "x < y (bool)"),
    op(Logic, "less_equal", &["tf.less_equal", "tf.math.less_equal"], XY, NUMBER, false, "x <= y (bool)"),
    op(Logic, "equal", &["tf.equal", "tf.math.equal"], XY, ANY, false, "x == y (bool)"),
    op(Logic, "not_equal", &["tf.math.not_equal", "tf.not_equal"], XY, ANY, false, "x != y (bool)"),
    op(Logic, "logical_and", &["tf.math.logical_and", "tf.logical_and"], XY, BOOL, false, "x and y"),
    op(Logic, "logical_or", &["tf.math.logical_or", "tf.logical_or"], XY, BOOL, false, "x or y"),
    op(Logic, "logical_not", &["tf.math.logical_not", "tf.logical_not"], X, BOOL, false, "not x"),
    with_aliases(op(Logic, "where", &["tf.where"], &[
        tensor("condition"),
        tensor_or_none("x"),
        tensor_or_none("y"),
        NAME,
    ], ANY, true, "x where condition is true, else y, broadcasting (the one-argument form is not supported)."), &["where_v2"]),
    op(Logic, "cast", &["tf.cast", "tf.dtypes.cast"], &[tensor("x"), attr("dtype", Dt, Required), NAME], ANY, true, "The input converted to dtype (floats to integers truncate toward zero)."),
    // reductions
    op(Red, "reduce_sum", &["tf.math.reduce_sum", "tf.reduce_sum"], REDUCE, NUMBER, true, "Sum over axis (all axes by default)."),
    op(Red, "reduce_mean", &["tf.math.reduce_mean", "tf.reduce_mean"], REDUCE, NUMBER, true, "Mean over axis (integer means truncate)."),
    op(Red, "reduce_max", &["tf.math.reduce_max", "tf.reduce_max"], REDUCE, NUMBER, true, "Max over axis (the gradient is shared among ties)."),
    op(Red, "reduce_min", &["tf.math.reduce_min", "tf.reduce_min"], REDUCE, NUMBER, true, "Min over axis (the gradient is shared among ties)."),
    op(Red, "reduce_prod", &["tf.math.reduce_prod", "tf.reduce_prod"], REDUCE, NUMBER, true, "Product over axis."),
    op(Red, "reduce_logsumexp", &["tf.math.reduce_logsumexp", "tf.reduce_logsumexp"], REDUCE, FLOAT, true, "log(sum(exp(x))) over axis, computed stably."),
    op(Red, "argmax", &["tf.argmax", "tf.math.argmax"], ARG, ANY, false, "Index of the largest value along axis (default 0), int64."),
    op(Red, "argmin", &["tf.argmin", "tf.math.argmin"], ARG, ANY, false, "Index of the smallest value along axis (default 0), int64."),
    // shape
    op(Shp, "reshape", &["tf.reshape"], &[tensor("tensor"), attr("shape", Ints, Required), NAME], ANY, true, "The same values in a new shape (one -1 is inferred)."),
    op(Shp, "transpose", &["tf.transpose"], &[
        tensor("a"),
        attr("perm", Ints, D::None),
        unsupported("conjugate", Bool, D::Bool(false)),
        name_default("transpose"),
    ], ANY, true, "Permutes the axes (reverses them by default)."),
    op(Shp, "expand_dims", &["tf.expand_dims"], &[tensor("input"), attr("axis", Int, Required), NAME], ANY, true, "Inserts a length-1 axis at axis."),
    op(Shp, "squeeze", &["tf.squeeze"], &[tensor("input"), python_only(attr("axis", Axis, D::None)), NAME], ANY, true, "Removes length-1 axes (all of them by default)."),
    op(Shp, "concat", &["tf.concat"], &[tensors("values"), attr("axis", Int, Required), name_default("concat")], ANY, true, "Joins tensors along an existing axis."),
    op(Shp, "stack", &["tf.stack"], &[tensors("values"), attr("axis", Int, D::Int(0)), name_default("stack")], ANY, true, "Joins same-shape tensors along a new axis."),
    op(Shp, "tile", &["tf.tile"], &[tensor("input"), attr("multiples", Ints, Required), NAME], ANY, true, "Repeats the input multiples[i] times along axis i."),
    op(Shp, "broadcast_to", &["tf.broadcast_to"], &[tensor("input"), attr("shape", Shape, Required), NAME], ANY, true, "Broadcasts the input to shape."),
    op(Shp, "slice", &["tf.slice"], &[
        tensor("input_"),
        attr("begin", Ints, Required),
        attr("size", Ints, Required),
        NAME,
    ], ANY, true, "The block starting at begin of the given size (-1: to the end of the axis)."),
    op(Shp, "gather", &["tf.gather"], &[
        tensor("params"),
        tensor("indices"),
        unsupported("validate_indices", Bool, D::None),
        attr("axis", Int, D::None),
        unsupported("batch_dims", Int, D::Int(0)),
        NAME,
    ], ANY, true, "Slices of params at integer indices along axis (default 0)."),
    // linear algebra
    op(Linalg, "matmul", &["tf.linalg.matmul", "tf.matmul"], MATMUL, NUMBER, true, "Matrix product over the last two axes, batching the rest."),
    op(Linalg, "matvec", &["tf.linalg.matvec"], MATVEC, NUMBER, true, "Matrix-vector product over the last axes, batching the rest."),
    op(Linalg, "tensordot", &["tf.linalg.tensordot", "tf.tensordot"], &[
        tensor("a"),
        tensor("b"),
        attr("axes", TensordotAxes, Required),
        NAME,
    ], NUMBER, true, "Sums products over axes: an integer n (a's last n with b's first n) or a pair of axis lists."),
    // neural-network ops
    op(Nn, "softmax", &["tf.nn.softmax", "tf.math.softmax"], SOFTMAX, FLOAT, true, "e^x / sum(e^x) along axis (default the last)."),
    op(Nn, "log_softmax", &["tf.math.log_softmax", "tf.nn.log_softmax"], SOFTMAX, FLOAT, true, "x - log(sum(e^x)) along axis (default the last)."),
    op(Nn, "softmax_cross_entropy_with_logits", &["tf.nn.softmax_cross_entropy_with_logits"], &[
        tensor("labels"),
        tensor("logits"),
        attr("axis", Int, D::Int(-1)),
        NAME,
    ], FLOAT, true, "Cross-entropy of labels (a distribution per row) against softmax(logits)."),
    op(Nn, "sparse_softmax_cross_entropy_with_logits", &["tf.nn.sparse_softmax_cross_entropy_with_logits"], &[
        tensor("labels"),
        tensor("logits"),
        NAME,
    ], FLOAT, true, "Cross-entropy of integer class labels against softmax(logits)."),
    op(Nn, "sigmoid_cross_entropy_with_logits", &["tf.nn.sigmoid_cross_entropy_with_logits"], &[
        tensor_or_none("labels"),
        tensor_or_none("logits"),
        NAME,
    ], FLOAT, true, "Elementwise cross-entropy of labels against sigmoid(logits), computed stably."),
    op(Nn, "l2_loss", &["tf.nn.l2_loss"], &[tensor("t"), NAME], FLOAT, true, "sum(t^2) / 2"),
];
