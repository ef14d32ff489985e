//! TensorFlow functions that TensorFlow's own Python writes as a composition of ops (or whose
//! kernel a composition reproduces value for value), run in a cell the same way so that tapes
//! record them and their gradients come out as TensorFlow's: `tf.clip_by_value` is `minimum`
//! then `maximum`, `tf.norm` is `sqrt(reduce_sum(x * x))`, `tf.split` and `tf.unstack` are
//! slices, `tf.pad` a concat (a gather for the mirror modes), `tf.gather_nd` a gather on the
//! flattened leading axes, `tf.cumsum` a running sum of slices in the kernel's order.
//! `NAMES` lists them; `call` runs one.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::error::Code;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
use super::super::raise::{Raise, RaiseKind};
use super::super::tape::bind_args;
use super::super::value::Value;

/// The `tf.` paths this module answers.
pub const NAMES: &[&str] = &[
    "tf.clip_by_value",
    "tf.norm",
    "tf.linalg.norm",
    "tf.split",
    "tf.unstack",
    "tf.pad",
    "tf.add_n",
    "tf.math.add_n",
    "tf.cumsum",
    "tf.math.cumsum",
    "tf.gather_nd",
    "tf.math.l2_normalize",
    "tf.nn.l2_normalize",
    "tf.math.divide_no_nan",
    "tf.math.is_nan",
    "tf.math.is_inf",
    "tf.math.is_finite",
    "tf.math.logical_xor",
    "tf.math.count_nonzero",
    "tf.linalg.trace",
];

pub fn call(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let short = path.rsplit('.').next().unwrap_or(path);
    match short {
        "clip_by_value" => clip_by_value(it, args, kwargs),
        "norm" => norm(it, args, kwargs),
        "split" => split(it, args, kwargs),
        "unstack" => unstack(it, args, kwargs),
        "pad" => pad(it, args, kwargs),
        "add_n" => add_n(it, args, kwargs),
        "cumsum" => cumsum(it, args, kwargs),
        "gather_nd" => gather_nd(it, args, kwargs),
        "l2_normalize" => l2_normalize(it, args, kwargs),
        "divide_no_nan" => divide_no_nan(it, args, kwargs),
        "is_nan" | "is_inf" | "is_finite" => float_class(it, short, args, kwargs),
        "logical_xor" => logical_xor(it, args, kwargs),
        "count_nonzero" => count_nonzero(it, args, kwargs),
        "trace" => trace(it, args, kwargs),
        _ => Err(Raise::attr_error(format!(
            "module 'tf' has no attribute '{short}'"
        ))),
    }
}

/// The arguments of `what` bound to `names`, the first `required` of them present.
fn bind(
    what: &str,
    names: &[&str],
    required: usize,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Vec<Option<Value>>, Raise> {
    let bound = bind_args(what, names, args, kwargs)?;
    for (name, v) in names.iter().zip(&bound).take(required) {
        if v.is_none() {
            return Err(Raise::type_error(format!(
                "{what}() missing 1 required positional argument: '{name}'"
            )));
        }
    }
    Ok(bound)
}

fn op(
    it: &mut Interp,
    name: &str,
    attrs: Vec<(&str, Lit)>,
    inputs: Vec<Val>,
) -> Result<Val, Raise> {
    let attrs = attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    it.apply(name, attrs, inputs)
}

/// A registry function called as a cell calls it (its operands converted as TensorFlow's
/// wrapper converts them).
fn tf(it: &mut Interp, path: &str, args: Vec<Value>) -> Result<Val, Raise> {
    match super::call(it, path, args, vec![])? {
        Value::Tensor(v) => Ok(v),
        other => Err(Raise::type_error(format!(
            "{path} gave a {} where a tensor was expected",
            other.type_name()
        ))),
    }
}

fn ints(v: &[i64]) -> Lit {
    Lit::List(v.iter().map(|&x| Lit::Int(x)).collect())
}

fn tensor(v: Val) -> Value {
    Value::Tensor(v)
}

fn invalid(detail: String) -> Raise {
    Raise::new(RaiseKind::InvalidArgumentError, detail)
}

/// A Python int (or 0-d integer tensor) argument.
fn int_arg(it: &mut Interp, what: &str, v: &Value) -> Result<i64, Raise> {
    match v {
        Value::Int(i) => Ok(*i),
        Value::Bool(b) => Ok(i64::from(*b)),
        _ => match it.as_val(v)? {
            Some(x) if !x.tensor.dtype().is_float() && x.tensor.rank() == 0 => {
                Ok(x.tensor.to_f64_vec()[0] as i64)
            }
            _ => Err(Raise::type_error(format!(
                "{what} must be an integer, not {}",
                v.type_name()
            ))),
        },
    }
}

/// Integers from a Python list/tuple (nested or not) or an integer tensor, with their shape.
fn int_table(it: &mut Interp, what: &str, v: &Value) -> Result<(Vec<i64>, Vec<usize>), Raise> {
    let t = it.to_val(v, None)?.tensor;
    if t.dtype().is_float() || t.dtype() == DType::Bool {
        return Err(Raise::type_error(format!(
            "{what} must hold integers, not {}",
            t.dtype().name()
        )));
    }
    Ok((
        t.to_f64_vec().into_iter().map(|x| x as i64).collect(),
        t.shape().to_vec(),
    ))
}

/// `axis` of a tensor of `rank`, negative counting from the end, as TensorFlow's kernels check it.
fn axis_of(axis: i64, rank: usize, op: &str) -> Result<usize, Raise> {
    let r = rank as i64;
    if axis < -r.max(1) || axis >= r.max(1) {
        return Err(invalid(format!(
            "Expected axis in the range [{}, {}), but got {axis} [Op:{op}]",
            -r, r
        )));
    }
    Ok(if axis < 0 { axis + r } else { axis } as usize)
}

/// `x[..., start:start+len, ...]` along `axis`.
fn slice_along(
    it: &mut Interp,
    x: &Val,
    axis: usize,
    start: usize,
    len: usize,
) -> Result<Val, Raise> {
    let rank = x.tensor.rank();
    let mut begin = vec![0i64; rank];
    let mut size = vec![-1i64; rank];
    begin[axis] = start as i64;
    size[axis] = len as i64;
    op(
        it,
        "slice",
        vec![("begin", ints(&begin)), ("size", ints(&size))],
        vec![x.clone()],
    )
}

/// `x` through a same-shape reshape, whose gradient is dense: a gather's gradient reaches its
/// params as IndexedSlices, where the op a gather stands in for (MirrorPad, ReverseV2) gives a
/// dense tensor.
pub fn dense_gradient(it: &mut Interp, x: Val) -> Result<Val, Raise> {
    let shape: Vec<i64> = x.tensor.shape().iter().map(|&n| n as i64).collect();
    op(it, "reshape", vec![("shape", ints(&shape))], vec![x])
}

/// A constant of `shape` filled with `value` in `dtype`.
fn filled(it: &mut Interp, shape: &[usize], value: f64, dtype: DType) -> Result<Val, Raise> {
    let n: usize = shape.iter().product();
    let t = Tensor::from_f64s(shape, &vec![value; n], dtype)?;
    Ok(it.ws.ctx.constant(t))
}

/// `tf.clip_by_value(t, clip_value_min, clip_value_max)`: `maximum(minimum(t, max), min)`, with
/// TensorFlow's check that clipping does not broadcast `t` to another shape.
fn clip_by_value(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "clip_by_value",
        &["t", "clip_value_min", "clip_value_max", "name"],
        3,
        args,
        kwargs,
    )?
    .into_iter()
    .flatten();
    let (t, lo, hi) = (b.next().unwrap(), b.next().unwrap(), b.next().unwrap());
    let x = it.to_val(&t, None)?;
    let low = tf(it, "tf.math.minimum", vec![tensor(x.clone()), hi])?;
    let clipped = tf(it, "tf.math.maximum", vec![tensor(low), lo])?;
    if clipped.tensor.shape() != x.tensor.shape() {
        return Err(Raise::value_error(format!(
            "Shapes {} and {} are incompatible",
            py_shape(x.tensor.shape()),
            py_shape(clipped.tensor.shape())
        )));
    }
    Ok(tensor(clipped))
}

fn py_shape(s: &[usize]) -> String {
    super::super::format::tf::shape_str(s)
}

/// A shape as TensorFlow's kernels print it in their errors: `[2,3]`.
fn bracket(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(|n| n.to_string()).collect();
    format!("[{}]", dims.join(","))
}

/// A small Python value as `repr` writes it, for messages.
fn shown(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => super::super::format::py::float_repr(*f),
        other => other.type_name().to_string(),
    }
}

/// The `axis` argument of a reduction-like function: `None`, an int or a list of ints.
fn axes_arg(it: &mut Interp, v: Option<Value>) -> Result<Option<Vec<i64>>, Raise> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(v) => match v.items() {
            Some(items) => items
                .iter()
                .map(|a| int_arg(it, "axis", a))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            None => Ok(Some(vec![int_arg(it, "axis", &v)?])),
        },
    }
}

fn axis_lit(axes: &Option<Vec<i64>>) -> Lit {
    match axes {
        None => Lit::Null,
        Some(a) => ints(a),
    }
}

/// `tf.norm(tensor, ord='euclidean', axis=None, keepdims=None)` as `linalg_impl.norm` computes
/// it: the Euclidean (Frobenius) norm `sqrt(reduce_sum(x * x))`, the 1- and inf-norms of vectors
/// and matrices, and vector p-norms `reduce_sum(|x|^p)^(1/p)`, kept dims squeezed unless
/// `keepdims`. The matrix 2-norm needs singular values and is outside the subset.
fn norm(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut b = bind(
        "norm",
        &["tensor", "ord", "axis", "keepdims", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let ord = b.next().flatten().unwrap_or(Value::str("euclidean"));
    let axes = axes_arg(it, b.next().flatten())?;
    let keepdims = b
        .next()
        .flatten()
        .map(|k| k.truthy())
        .transpose()?
        .unwrap_or(false);
    let matrix = matches!(&axes, Some(a) if a.len() == 2);
    if matches!(&axes, Some(a) if a.is_empty() || a.len() > 2) {
        return Err(Raise::value_error(format!(
            "'axis' must be None, an integer, or a tuple of 2 unique integers, got {}",
            axes.clone()
                .unwrap_or_default()
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    enum Ord {
        Euclid,
        One,
        Inf,
        P(f64),
    }
    let which = match &ord {
        Value::Str(s) if &**s == "euclidean" => Ord::Euclid,
        Value::Str(s) if &**s == "fro" && matrix => Ord::Euclid,
        Value::Int(2) if !matrix => Ord::Euclid,
        Value::Float(f) if *f == 2.0 && !matrix => Ord::Euclid,
        Value::Int(1) => Ord::One,
        Value::Float(f) if *f == 1.0 => Ord::One,
        Value::Float(f) if f.is_infinite() && *f > 0.0 => Ord::Inf,
        Value::Int(p) if !matrix && *p > 0 => Ord::P(*p as f64),
        Value::Float(p) if !matrix && *p > 0.0 => Ord::P(*p),
        Value::Int(2) | Value::Float(_) if matrix => {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                "the matrix 2-norm (singular values) is not in the cell subset; 'fro', 1 and np.inf are",
            ))
        }
        other => {
            let kind = if matrix { "matrix" } else { "vector" };
            return Err(Raise::value_error(format!(
                "'ord' must be a supported {kind} norm, got {}",
                shown(other)
            )));
        }
    };
    let keep = || ("keepdims", Lit::Bool(true));
    let result = match which {
        Ord::Euclid => {
            let sq = op(it, "multiply", vec![], vec![x.clone(), x.clone()])?;
            let s = op(
                it,
                "reduce_sum",
                vec![("axis", axis_lit(&axes)), keep()],
                vec![sq],
            )?;
            op(it, "sqrt", vec![], vec![s])?
        }
        Ord::One | Ord::Inf => {
            let a = op(it, "abs", vec![], vec![x.clone()])?;
            match (&axes, matrix) {
                (Some(ax), true) => {
                    let (sum_axis, max_axis) = match which {
                        Ord::One => (ax[0], ax[1]),
                        _ => (ax[1], ax[0]),
                    };
                    let s = op(
                        it,
                        "reduce_sum",
                        vec![("axis", Lit::Int(sum_axis)), keep()],
                        vec![a],
                    )?;
                    op(
                        it,
                        "reduce_max",
                        vec![("axis", Lit::Int(max_axis)), keep()],
                        vec![s],
                    )?
                }
                _ => {
                    let red = if matches!(which, Ord::One) {
                        "reduce_sum"
                    } else {
                        "reduce_max"
                    };
                    op(it, red, vec![("axis", axis_lit(&axes)), keep()], vec![a])?
                }
            }
        }
        Ord::P(p) => {
            let a = op(it, "abs", vec![], vec![x.clone()])?;
            let d = a.tensor.dtype();
            let pv = filled(it, &[], p, d)?;
            let powed = op(it, "pow", vec![], vec![a, pv])?;
            let s = op(
                it,
                "reduce_sum",
                vec![("axis", axis_lit(&axes)), keep()],
                vec![powed],
            )?;
            let inv = filled(it, &[], 1.0 / p, d)?;
            op(it, "pow", vec![], vec![s, inv])?
        }
    };
    if keepdims {
        return Ok(tensor(result));
    }
    let squeezed = op(it, "squeeze", vec![("axis", axis_lit(&axes))], vec![result])?;
    Ok(tensor(squeezed))
}

/// `tf.split(value, num_or_size_splits, axis=0)`: equal parts or the given sizes (one may be
/// -1, the rest of the axis), as a list of slices.
fn split(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut b = bind(
        "split",
        &["value", "num_or_size_splits", "axis", "num", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let how = b.next().flatten().unwrap();
    let axis_v = b.next().flatten().unwrap_or(Value::Int(0));
    let axis = int_arg(it, "axis", &axis_v)?;
    let rank = x.tensor.rank();
    let ax = axis_of(axis, rank, "Split")?;
    let dim = x.tensor.shape()[ax];
    let sizes: Vec<usize> = match &how {
        Value::Int(k) => {
            let k = *k;
            if k <= 0 || dim as i64 % k != 0 {
                return Err(invalid(format!(
                    "Number of ways to split should evenly divide the split dimension, but got split_dim {ax} (size = {dim}) and num_split {k} [Op:Split] name: split"
                )));
            }
            vec![dim / k as usize; k as usize]
        }
        _ => {
            let (given, _) = int_table(it, "num_or_size_splits", &how)?;
            let known: i64 = given.iter().filter(|&&s| s >= 0).sum();
            let unknown = given.iter().filter(|&&s| s < 0).count();
            let rest = dim as i64 - known;
            if unknown > 1 || (unknown == 0 && rest != 0) || (unknown == 1 && rest < 0) {
                return Err(invalid(format!(
                    "Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified.  Got: {known} [Op:SplitV] name: split"
                )));
            }
            given
                .iter()
                .map(|&s| if s < 0 { rest as usize } else { s as usize })
                .collect()
        }
    };
    let mut parts = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for len in sizes {
        parts.push(tensor(slice_along(it, &x, ax, start, len)?));
        start += len;
    }
    Ok(Value::list(parts))
}

/// `tf.unstack(value, num=None, axis=0)`: the slices along `axis`, that axis dropped.
fn unstack(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "unstack",
        &["value", "num", "axis", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let num = b.next().flatten();
    let axis_v = b.next().flatten().unwrap_or(Value::Int(0));
    let axis = int_arg(it, "axis", &axis_v)?;
    let rank = x.tensor.rank();
    if rank == 0 {
        return Err(Raise::value_error(
            "Cannot infer argument `num` from shape ()",
        ));
    }
    let ax = axis_of(axis, rank, "Unpack").map_err(|_| {
        Raise::value_error(format!(
            "Argument `axis` = {axis} not in range [{}, {rank})",
            -(rank as i64)
        ))
    })?;
    let dim = x.tensor.shape()[ax];
    if let Some(n) = num {
        let n = int_arg(it, "num", &n)?;
        if n != dim as i64 {
            return Err(invalid(format!(
                "Input shape axis {ax} must equal {n}, got shape {} [Op:Unpack]",
                bracket(x.tensor.shape())
            )));
        }
    }
    let mut kept: Vec<i64> = x.tensor.shape().iter().map(|&n| n as i64).collect();
    kept.remove(ax);
    let mut parts = Vec::with_capacity(dim);
    for i in 0..dim {
        let s = slice_along(it, &x, ax, i, 1)?;
        parts.push(tensor(op(
            it,
            "reshape",
            vec![("shape", ints(&kept))],
            vec![s],
        )?));
    }
    Ok(Value::list(parts))
}

/// `tf.pad(tensor, paddings, mode='CONSTANT', constant_values=0)`: constant blocks concatenated
/// on each side; REFLECT and SYMMETRIC as a gather of mirrored indices per axis.
fn pad(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut b = bind(
        "pad",
        &["tensor", "paddings", "mode", "constant_values", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let mut x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let (pads, pshape) = int_table(it, "paddings", &b.next().flatten().unwrap())?;
    let mode = match b.next().flatten() {
        None => "CONSTANT".to_string(),
        Some(Value::Str(s)) => s.to_uppercase(),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "mode must be a string, not {}",
                other.type_name()
            )))
        }
    };
    let fill = match b.next().flatten() {
        None => 0.0,
        Some(v) => {
            let c = it.to_val(&v, Some(x.tensor.dtype()))?;
            if c.tensor.rank() != 0 {
                return Err(invalid(
                    "constant_values must be a scalar. [Op:PadV2]".into(),
                ));
            }
            c.tensor.to_f64_vec()[0]
        }
    };
    if !matches!(mode.as_str(), "CONSTANT" | "REFLECT" | "SYMMETRIC") {
        return Err(Raise::value_error(format!(
            "Value of argument `mode` expected to be one of \"CONSTANT\", \"REFLECT\", or \"SYMMETRIC\". Received `mode` = {mode}"
        )));
    }
    let rank = x.tensor.rank();
    if pshape != [rank, 2] {
        return Err(invalid(format!(
            "The first dimension of paddings must be the rank of inputs{} {} [Op:Pad]",
            bracket(&pshape),
            bracket(x.tensor.shape())
        )));
    }
    if pads.iter().any(|&p| p < 0) {
        return Err(invalid("Paddings must be non-negative [Op:Pad]".into()));
    }
    for ax in 0..rank {
        let (before, after) = (pads[2 * ax] as usize, pads[2 * ax + 1] as usize);
        if before == 0 && after == 0 {
            continue;
        }
        let dim = x.tensor.shape()[ax];
        x = match mode.as_str() {
            "CONSTANT" => {
                let d = x.tensor.dtype();
                let mut parts = Vec::new();
                for n in [before, 0, after] {
                    if n == 0 && !parts.is_empty() {
                        continue;
                    }
                    if parts.is_empty() && n == 0 {
                        parts.push(x.clone());
                        continue;
                    }
                    let mut shape = x.tensor.shape().to_vec();
                    shape[ax] = n;
                    parts.push(filled(it, &shape, fill, d)?);
                    if parts.len() == 1 {
                        parts.push(x.clone());
                    }
                }
                op(it, "concat", vec![("axis", Lit::Int(ax as i64))], parts)?
            }
            "REFLECT" | "SYMMETRIC" => {
                let shift = usize::from(mode == "REFLECT");
                if before + shift > dim || after + shift > dim {
                    return Err(invalid(format!(
                        "paddings must be less than{} the dimension size: {before}, {after} not less than{} {dim} [Op:MirrorPad]",
                        if shift == 1 { "" } else { " or equal to" },
                        if shift == 1 { "" } else { " or equal to" }
                    )));
                }
                let mut idx: Vec<f64> = (0..before).rev().map(|i| (i + shift) as f64).collect();
                idx.extend((0..dim).map(|i| i as f64));
                idx.extend((0..after).map(|i| (dim - 1 - i - shift) as f64));
                let t = Tensor::from_f64s(&[idx.len()], &idx, DType::I32)?;
                let t = it.ws.ctx.constant(t);
                let x = dense_gradient(it, x)?;
                op(it, "gather", vec![("axis", Lit::Int(ax as i64))], vec![x, t])?
            }
            other => {
                return Err(Raise::value_error(format!(
                    "Value of argument `mode` expected to be one of \"CONSTANT\", \"REFLECT\", or \"SYMMETRIC\". Received `mode` = {other}"
                )))
            }
        };
    }
    Ok(tensor(x))
}

/// `tf.add_n(inputs)`: tensors of one shape and dtype added first to last, as the AddN kernel
/// adds up to eight.
fn add_n(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut b = bind("add_n", &["inputs", "name"], 1, args, kwargs)?.into_iter();
    let inputs = b.next().flatten().unwrap();
    let items = inputs.items().unwrap_or_else(|| vec![inputs.clone()]);
    if items.is_empty() {
        return Err(Raise::value_error(
            "Inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape.",
        ));
    }
    let vals = items
        .iter()
        .map(|v| it.to_val(v, None))
        .collect::<Result<Vec<_>, _>>()?;
    let (d, s) = (vals[0].tensor.dtype(), vals[0].tensor.shape().to_vec());
    for (i, v) in vals.iter().enumerate().skip(1) {
        if v.tensor.dtype() != d {
            return Err(invalid(format!(
                "cannot compute AddN as input #{i}(zero-based) was expected to be a {} tensor but is a {} tensor [Op:AddN]",
                super::super::convert::tf_word(d),
                super::super::convert::tf_word(v.tensor.dtype())
            )));
        }
        if v.tensor.shape() != s.as_slice() {
            return Err(invalid(format!(
                "Inputs to operation AddN of type AddN must have the same size and shape.  Input 0: {} != input {i}: {} [Op:AddN]",
                bracket(&s),
                bracket(v.tensor.shape())
            )));
        }
    }
    let mut it_vals = vals.into_iter();
    let mut acc = it_vals.next().expect("one at least");
    for v in it_vals {
        acc = op(it, "add", vec![], vec![acc, v])?;
    }
    Ok(tensor(acc))
}

/// `tf.cumsum(x, axis=0, exclusive=False, reverse=False)`: the kernel's running sum, one slice
/// added after another along the axis.
fn cumsum(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut b = bind(
        "cumsum",
        &["x", "axis", "exclusive", "reverse", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let axis_v = b.next().flatten().unwrap_or(Value::Int(0));
    let axis = int_arg(it, "axis", &axis_v)?;
    let exclusive = b
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(false);
    let reverse = b
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(false);
    let rank = x.tensor.rank();
    if rank == 0 {
        return Err(invalid("input must be at least 1D [Op:Cumsum]".into()));
    }
    let ax = axis_of(axis, rank, "Cumsum")?;
    let dim = x.tensor.shape()[ax];
    const MOST: usize = 4096;
    if dim > MOST {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            format!("a cell's tf.cumsum runs along at most {MOST} elements (this axis has {dim})"),
        ));
    }
    if dim == 0 {
        return Ok(tensor(x));
    }
    let order: Vec<usize> = if reverse {
        (0..dim).rev().collect()
    } else {
        (0..dim).collect()
    };
    let mut shape1 = x.tensor.shape().to_vec();
    shape1[ax] = 1;
    let zero = filled(it, &shape1, 0.0, x.tensor.dtype())?;
    let mut running: Option<Val> = None;
    let mut outs = vec![None; dim];
    for &i in &order {
        let s = slice_along(it, &x, ax, i, 1)?;
        let next = match &running {
            None => s,
            Some(r) => op(it, "add", vec![], vec![r.clone(), s])?,
        };
        outs[i] = Some(if exclusive {
            running.clone().unwrap_or_else(|| zero.clone())
        } else {
            next.clone()
        });
        running = Some(next);
    }
    let parts: Vec<Val> = outs.into_iter().map(|o| o.expect("every index")).collect();
    if parts.len() == 1 {
        return Ok(tensor(parts.into_iter().next().expect("one")));
    }
    Ok(tensor(op(
        it,
        "concat",
        vec![("axis", Lit::Int(ax as i64))],
        parts,
    )?))
}

/// `tf.gather_nd(params, indices)`: each index row picks an element (or a slice) of the
/// leading axes; a gather on those axes flattened into one.
fn gather_nd(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "gather_nd",
        &["params", "indices", "batch_dims", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let p = it.to_val(&b.next().flatten().unwrap(), None)?;
    let (idx, ishape) = int_table(it, "indices", &b.next().flatten().unwrap())?;
    if let Some(bd) = b.next().flatten() {
        if int_arg(it, "batch_dims", &bd)? != 0 {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                "tf.gather_nd's batch_dims is not in the cell subset, which takes it only at its default (0)",
            ));
        }
    }
    let pshape = p.tensor.shape().to_vec();
    let Some((&k, outer)) = ishape.split_last() else {
        return Err(invalid(
            "indices must be at least a vector [Op:GatherNd]".into(),
        ));
    };
    if k > pshape.len() {
        return Err(invalid(format!(
            "index innermost dimension length must be <= params rank; saw: {k} vs. {} [Op:GatherNd]",
            pshape.len()
        )));
    }
    let lead = &pshape[..k];
    let mut linear = Vec::with_capacity(idx.len() / k.max(1));
    for (row_i, row) in idx.chunks(k.max(1)).enumerate() {
        let row = if k == 0 { &[][..] } else { row };
        let mut at = 0i64;
        for (j, &i) in row.iter().enumerate() {
            if i < 0 || i >= lead[j] as i64 {
                let shown: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                return Err(invalid(format!(
                    "indices[{row_i}] = [{}] does not index into param shape {}, node name: GatherNd [Op:GatherNd]",
                    shown.join(", "),
                    bracket(&pshape)
                )));
            }
            at = at * lead[j] as i64 + i;
        }
        linear.push(at as f64);
        if k == 0 {
            break;
        }
    }
    let rows: usize = lead.iter().product();
    let mut flat_shape = vec![rows as i64];
    flat_shape.extend(pshape[k..].iter().map(|&n| n as i64));
    let flat = op(it, "reshape", vec![("shape", ints(&flat_shape))], vec![p])?;
    let t = Tensor::from_f64s(outer, &linear, DType::I64)?;
    let t = it.ws.ctx.constant(t);
    Ok(tensor(op(
        it,
        "gather",
        vec![("axis", Lit::Int(0))],
        vec![flat, t],
    )?))
}

/// `tf.math.l2_normalize(x, axis=None, epsilon=1e-12)`: `x * rsqrt(maximum(reduce_sum(x^2), eps))`.
fn l2_normalize(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "l2_normalize",
        &["x", "axis", "epsilon", "name", "dim"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let axes = axes_arg(it, b.next().flatten())?;
    let eps = b.next().flatten().unwrap_or(Value::Float(1e-12));
    let sq = op(it, "square", vec![], vec![x.clone()])?;
    let s = op(
        it,
        "reduce_sum",
        vec![("axis", axis_lit(&axes)), ("keepdims", Lit::Bool(true))],
        vec![sq],
    )?;
    let m = tf(it, "tf.math.maximum", vec![tensor(s), eps])?;
    let inv = op(it, "rsqrt", vec![], vec![m])?;
    Ok(tensor(op(it, "multiply", vec![], vec![x, inv])?))
}

/// `tf.math.divide_no_nan(x, y)`: `x / y`, and 0 where `y` is 0, gradients included.
fn divide_no_nan(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("div_no_nan", &["x", "y", "name"], 2, args, kwargs)?
        .into_iter()
        .flatten();
    let (xv, yv) = (b.next().unwrap(), b.next().unwrap());
    let mut x = it.to_val(&xv, None)?;
    let mut y = it.to_val(&yv, Some(x.tensor.dtype()))?;
    // integers divide as TensorFlow's truediv divides them, in float64
    if !x.tensor.dtype().is_float() {
        let f64 = || vec![("dtype", Lit::Str("float64".into()))];
        x = op(it, "cast", f64(), vec![x])?;
        y = op(it, "cast", f64(), vec![y])?;
    }
    let d = x.tensor.dtype();
    let zero = filled(it, &[], 0.0, d)?;
    let mask = op(it, "equal", vec![], vec![y.clone(), zero.clone()])?;
    let one = filled(it, &[], 1.0, d)?;
    let safe = op(it, "where", vec![], vec![mask.clone(), one, y])?;
    let q = op(it, "divide", vec![], vec![x, safe])?;
    Ok(tensor(op(it, "where", vec![], vec![mask, zero, q])?))
}

/// `tf.math.is_nan`, `is_inf` and `is_finite` of a float tensor.
fn float_class(
    it: &mut Interp,
    which: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(which, &["x", "name"], 1, args, kwargs)?
        .into_iter()
        .flatten();
    let x = it.to_val(&b.next().unwrap(), None)?;
    let d = x.tensor.dtype();
    if !d.is_float() {
        return Err(Raise::new(
            RaiseKind::InvalidArgumentError,
            format!("Value for attr 'T' of {} is not in the list of allowed values: bfloat16, half, float, double", d.name()),
        )
        .with_code(Code::DtypeMismatch));
    }
    let nan = op(it, "not_equal", vec![], vec![x.clone(), x.clone()])?;
    let a = op(it, "abs", vec![], vec![x])?;
    let inf = filled(it, &[], f64::INFINITY, d)?;
    let is_inf = op(it, "equal", vec![], vec![a, inf])?;
    Ok(tensor(match which {
        "is_nan" => nan,
        "is_inf" => is_inf,
        _ => {
            let either = op(it, "logical_or", vec![], vec![nan, is_inf])?;
            op(it, "logical_not", vec![], vec![either])?
        }
    }))
}

/// `tf.math.logical_xor(x, y)`: `(x or y) and not (x and y)`, as TensorFlow writes it.
fn logical_xor(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("logical_xor", &["x", "y", "name"], 2, args, kwargs)?
        .into_iter()
        .flatten();
    let (xv, yv) = (b.next().unwrap(), b.next().unwrap());
    let either = tf(it, "tf.math.logical_or", vec![xv.clone(), yv.clone()])?;
    let both = tf(it, "tf.math.logical_and", vec![xv, yv])?;
    let not_both = op(it, "logical_not", vec![], vec![both])?;
    Ok(tensor(op(
        it,
        "logical_and",
        vec![],
        vec![either, not_both],
    )?))
}

/// `tf.math.count_nonzero(input, axis=None, keepdims=None, dtype=tf.int64)`.
fn count_nonzero(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "count_nonzero",
        &["input", "axis", "keepdims", "dtype", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let axes = axes_arg(it, b.next().flatten())?;
    let keep = b
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(false);
    let dtype = match b.next().flatten() {
        None => DType::I64,
        Some(Value::DType(d)) => d,
        Some(other) => {
            return Err(Raise::type_error(format!(
                "dtype must be a tf.DType, not {}",
                other.type_name()
            )))
        }
    };
    let zero = filled(it, &[], 0.0, x.tensor.dtype())?;
    let nz = op(it, "not_equal", vec![], vec![x, zero])?;
    let n = op(
        it,
        "cast",
        vec![("dtype", Lit::Str("int64".into()))],
        vec![nz],
    )?;
    let s = op(
        it,
        "reduce_sum",
        vec![("axis", axis_lit(&axes)), ("keepdims", Lit::Bool(keep))],
        vec![n],
    )?;
    Ok(tensor(op(
        it,
        "cast",
        vec![("dtype", Lit::Str(dtype.name().into()))],
        vec![s],
    )?))
}

/// `tf.linalg.trace(x)`: the sum of each matrix's diagonal (`reduce_sum(matrix_diag_part(x))`).
fn trace(it: &mut Interp, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut b = bind("trace", &["x", "name"], 1, args, kwargs)?
        .into_iter()
        .flatten();
    let x = it.to_val(&b.next().unwrap(), None)?;
    let shape = x.tensor.shape().to_vec();
    if shape.len() < 2 {
        return Err(invalid(format!(
            "input must be at least 2-dim, received shape: {} [Op:MatrixDiagPartV3] name: diag_part",
            bracket(&shape)
        ))
        .with_code(Code::ShapeMismatch));
    }
    let (r, c) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let mut flat: Vec<i64> = shape[..shape.len() - 2].iter().map(|&n| n as i64).collect();
    flat.push((r * c) as i64);
    let m = op(it, "reshape", vec![("shape", ints(&flat))], vec![x])?;
    let diag: Vec<f64> = (0..r.min(c)).map(|i| (i * c + i) as f64).collect();
    let t = Tensor::from_f64s(&[diag.len()], &diag, DType::I32)?;
    let t = it.ws.ctx.constant(t);
    let axis = flat.len() as i64 - 1;
    let d = op(it, "gather", vec![("axis", Lit::Int(axis))], vec![m, t])?;
    Ok(tensor(op(
        it,
        "reduce_sum",
        vec![("axis", Lit::Int(-1))],
        vec![d],
    )?))
}

/// `tf.where(condition)` alone: the int64 coordinates of the true elements, one row each, in
/// row-major order.
pub fn where_true(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("where", &["condition", "x", "y", "name"], 1, args, kwargs)?.into_iter();
    let c = it.to_val(&b.next().flatten().unwrap(), None)?.tensor;
    let shape = c.shape().to_vec();
    let flags: Vec<bool> = c.to_f64_vec().iter().map(|&v| v != 0.0).collect();
    let mut coords = Vec::new();
    for (i, _) in flags.iter().enumerate().filter(|(_, &f)| f) {
        let mut rest = i;
        let mut row = vec![0f64; shape.len()];
        for (k, &n) in shape.iter().enumerate().rev() {
            row[k] = (rest % n.max(1)) as f64;
            rest /= n.max(1);
        }
        coords.extend(row);
    }
    let n = coords.len() / shape.len().max(1);
    let n = if shape.is_empty() {
        flags.iter().filter(|&&f| f).count()
    } else {
        n
    };
    let t = Tensor::from_f64s(&[n, shape.len()], &coords, DType::I64)?;
    Ok(tensor(it.ws.ctx.constant(t)))
}
