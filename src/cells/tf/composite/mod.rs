//! TensorFlow functions that TensorFlow's own Python writes as a composition of ops (or whose
//! kernel a composition reproduces value for value), run in a cell the same way so that tapes
//! record them and their gradients come out as TensorFlow's: `tf.clip_by_value` is `minimum`
//! then `maximum`, `tf.norm` is `sqrt(reduce_sum(x * x))`, `tf.split` and `tf.unstack` are
//! slices, `tf.pad` a concat (a gather for the mirror modes), `tf.gather_nd` a gather on the
//! flattened leading axes, `tf.cumsum` and `tf.math.cumprod` the engine's scan (the
//! kernel's order). `NAMES` lists them; `call` runs one. `shape` holds the ones that cut, pad
//! and pick elements, `math` the arithmetic and reductions; the helpers here are shared by both.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::error::Code;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
// a shape as TensorFlow's kernels print it in their errors: `[2,3]`
use super::super::kernel_errors::dims as bracket;
use super::super::raise::{Raise, RaiseKind};
use super::super::tape::bind_args;
use super::super::value::Value;

mod clip;
pub(super) mod create;
mod grid;
mod math;
mod norm;
mod shape;
mod sort;

pub use shape::where_true;

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
    "tf.math.cumprod",
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
    "tf.clip_by_norm",
    "tf.clip_by_global_norm",
    "tf.linalg.global_norm",
    "tf.meshgrid",
    "tf.sort",
    "tf.argsort",
    "tf.math.top_k",
    "tf.nn.top_k",
];

pub fn call(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let short = path.rsplit('.').next().unwrap_or(path);
    match short {
        "clip_by_value" => math::clip_by_value(it, args, kwargs),
        "norm" => norm::norm(it, args, kwargs),
        "split" => shape::split(it, args, kwargs),
        "unstack" => shape::unstack(it, args, kwargs),
        "pad" => shape::pad(it, args, kwargs),
        "add_n" => math::add_n(it, args, kwargs),
        "cumsum" | "cumprod" => math::scan(it, short, args, kwargs),
        "gather_nd" => shape::gather_nd(it, args, kwargs),
        "l2_normalize" => math::l2_normalize(it, args, kwargs),
        "divide_no_nan" => math::divide_no_nan(it, args, kwargs),
        "is_nan" | "is_inf" | "is_finite" => math::float_class(it, short, args, kwargs),
        "logical_xor" => math::logical_xor(it, args, kwargs),
        "count_nonzero" => math::count_nonzero(it, args, kwargs),
        "trace" => shape::trace(it, args, kwargs),
        "clip_by_norm" => clip::clip_by_norm(it, args, kwargs),
        "clip_by_global_norm" => clip::clip_by_global_norm(it, args, kwargs),
        "global_norm" => clip::global_norm(it, args, kwargs),
        "meshgrid" => grid::meshgrid(it, args, kwargs),
        "sort" | "argsort" => sort::sort(it, short, args, kwargs),
        "top_k" => sort::top_k(it, args, kwargs),
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

fn py_shape(s: &[usize]) -> String {
    super::super::format::tf::shape_str(s)
}

/// A small Python value as `repr` writes it, for messages.
pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::Str(s) => format!("'{s}'"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => super::super::format::py::float_repr(*f),
        Value::Bool(b) => if *b { "True" } else { "False" }.to_string(),
        Value::DType(d) => format!("tf.{}", d.name()),
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
