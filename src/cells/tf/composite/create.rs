//! The creation functions whose numbers can come as tensors, built from differentiable ops as
//! TensorFlow 2.15's Python builds them, so a tape records them and a gradient reaches the
//! tensors: `tf.linspace` is `math_ops.linspace_nd` (`start + delta * range`, the ends
//! concatenated, then sliced to `num`), `tf.fill` with a tensor value is that value broadcast
//! (Fill's gradient is the sum of the incoming one), and `tf.random.normal`/`uniform` scale a
//! standard draw: `rnd * stddev + mean`, `rnd * (maxval - minval) + minval`. Plain Python numbers
//! keep the creation ops' own path, whose answers these give bit for bit.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::error::Code;
use crate::engine::lit::Lit;
use crate::engine::ops::registry;
use crate::engine::tensor::Tensor;

use super::super::super::interp::Interp;
use super::super::super::raise::Raise;
use super::super::super::value::Value;
use super::super::default_only::{given, Bound};
use super::{int_arg, ints, invalid, op};

/// The bound arguments back as keywords, for the creation op's own path.
pub(in super::super) fn as_kwargs(bound: Bound) -> Vec<(String, Value)> {
    bound
        .into_iter()
        .filter_map(|(p, v)| v.map(|v| (p.name.to_string(), v)))
        .collect()
}

/// A Python number (or nothing): what the creation ops take as an attribute.
fn plain(v: &Option<Value>) -> bool {
    matches!(
        v,
        None | Some(Value::None | Value::Int(_) | Value::Float(_) | Value::Bool(_))
    )
}

/// `ops.convert_to_tensor(v, dtype=d)`: a tensor of another dtype is TensorFlow's ValueError.
pub(in super::super) fn to_val_exactly(
    it: &mut Interp,
    (name, v): (&str, &Value),
    d: DType,
) -> Result<Val, Raise> {
    let x = it.to_val_as(v, d)?;
    if x.tensor.dtype() != d {
        return Err(Raise::value_error(format!(
            "{name}: Tensor conversion requested dtype {} for Tensor with dtype {}: {}",
            d.name(),
            x.tensor.dtype().name(),
            super::super::super::print::repr(it, &Value::Tensor(x.clone()))
        ))
        .with_code(Code::DtypeMismatch));
    }
    Ok(x)
}

fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let n = a.len().max(b.len());
    let dim = |s: &[usize], k: usize| {
        if k + s.len() < n {
            1
        } else {
            s[k + s.len() - n]
        }
    };
    (0..n)
        .map(|k| match (dim(a, k), dim(b, k)) {
            (x, y) if x == y || y == 1 => Some(x),
            (1, y) => Some(y),
            _ => None,
        })
        .collect()
}

fn broadcast_to(it: &mut Interp, x: Val, shape: &[usize]) -> Result<Val, Raise> {
    if x.tensor.shape() == shape {
        return Ok(x);
    }
    let s: Vec<i64> = shape.iter().map(|&n| n as i64).collect();
    op(it, "broadcast_to", vec![("shape", ints(&s))], vec![x])
}

fn constant(it: &mut Interp, shape: &[usize], vals: &[f64], d: DType) -> Result<Val, Raise> {
    let t = Tensor::from_f64s(shape, vals, d)?;
    Ok(it.ws.ctx.constant(t))
}

/// `tf.linspace(start, stop, num, name=None, axis=0)`.
pub fn linspace(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let def = registry::lookup("tf.linspace").expect("a registry op");
    let mut bound = registry::bind(def, args, kwargs).map_err(|e| Raise::type_error(e.detail))?;
    let (start, stop) = (given(&bound, "start"), given(&bound, "stop"));
    if plain(&start) && plain(&stop) {
        return super::super::op_call(it, "tf.linspace", Vec::new(), as_kwargs(bound));
    }
    super::super::checks::before_conversion(it, "linspace", &mut bound)?;
    let (Some(start), Some(stop), Some(num)) = (start, stop, given(&bound, "num")) else {
        return Err(Raise::type_error(
            "linspace() missing required positional argument: 'start', 'stop' or 'num'",
        ));
    };
    let start = it.to_val(&start, None)?;
    let d = start.tensor.dtype();
    let stop = to_val_exactly(it, ("stop", &stop), d)?;
    let num = int_arg(it, "num", &num)?;
    let axis = match given(&bound, "axis") {
        Some(a) => int_arg(it, "axis", &a)?,
        None => 0,
    };
    if num < 0 {
        // linspace_nd's range(1, -1) is what raises
        return Err(invalid(
            "Requires start <= limit when delta > 0: 1/-1 [Op:Range]".into(),
        ));
    }
    // integer ends divide as Python's `/` does, in float64
    let (start, stop, d) = if d.is_int() {
        let cast = |it: &mut Interp, x: Val| {
            op(
                it,
                "cast",
                vec![("dtype", Lit::Str("float64".into()))],
                vec![x],
            )
        };
        (cast(it, start)?, cast(it, stop)?, DType::F64)
    } else {
        (start, stop, d)
    };
    let (s, e) = (start.tensor.shape().to_vec(), stop.tensor.shape().to_vec());
    let shape = broadcast_shape(&s, &e).ok_or_else(|| {
        invalid(format!(
            "Incompatible shapes: {} vs. {} [Op:BroadcastArgs]",
            super::bracket(&s),
            super::bracket(&e)
        ))
    })?;
    let start = broadcast_to(it, start, &shape)?;
    let stop = broadcast_to(it, stop, &shape)?;
    let ndims = shape.len() as i64 + 1;
    if axis < -ndims || axis >= ndims {
        return Err(invalid(format!(
            "Tried to expand dim index {axis} for tensor with {} dimensions. [Op:ExpandDims]",
            shape.len()
        )));
    }
    let axis = if axis < 0 { axis + ndims } else { axis } as usize;
    let expand = |it: &mut Interp, x: Val| {
        op(
            it,
            "expand_dims",
            vec![("axis", Lit::Int(axis as i64))],
            vec![x],
        )
    };
    let (start, stop) = (expand(it, start)?, expand(it, stop)?);
    let n_steps = (num - 1).max(1);
    let diff = op(it, "subtract", vec![], vec![stop.clone(), start.clone()])?;
    let steps = constant(it, &[], &[n_steps as f64], d)?;
    let delta = op(it, "divide", vec![], vec![diff, steps])?;
    let fill = (num - 2).max(0) as usize;
    let mut range_shape = vec![1; shape.len() + 1];
    range_shape[axis] = fill;
    let range: Vec<f64> = (1..=fill).map(|i| i as f64).collect();
    let range = constant(it, &range_shape, &range, d)?;
    let scaled = op(it, "multiply", vec![], vec![delta, range])?;
    let middle = op(it, "add", vec![], vec![start.clone(), scaled])?;
    let all = op(
        it,
        "concat",
        vec![("axis", Lit::Int(axis as i64))],
        vec![start, middle, stop],
    )?;
    Ok(Value::Tensor(super::slice_along(
        it,
        &all,
        axis,
        0,
        num as usize,
    )?))
}

/// `tf.fill(dims, value)`: with a tensor or variable value, that value broadcast to the shape
/// the op checks and makes, so its gradient is the sum of the incoming one, as Fill's is.
pub fn fill(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let def = registry::lookup("tf.fill").expect("a registry op");
    let mut bound = registry::bind(def, args, kwargs).map_err(|e| Raise::type_error(e.detail))?;
    let Some(value) = given(&bound, "value").filter(Value::is_tf) else {
        return super::super::op_call(it, "tf.fill", Vec::new(), as_kwargs(bound));
    };
    let x = it.as_val(&value)?.expect("tensor-like");
    for (p, v) in bound.iter_mut() {
        if p.name == "value" {
            *v = Some(Value::Tensor(x.clone()));
        }
    }
    let made = super::super::op_call(it, "tf.fill", Vec::new(), as_kwargs(bound))?;
    match made {
        Value::Tensor(t) if t.tensor.dtype() == x.tensor.dtype() && x.tensor.rank() == 0 => {
            let shape = t.tensor.shape().to_vec();
            let s: Vec<i64> = shape.iter().map(|&n| n as i64).collect();
            Ok(Value::Tensor(op(
                it,
                "broadcast_to",
                vec![("shape", ints(&s))],
                vec![x],
            )?))
        }
        other => Ok(other),
    }
}

/// Whether `tf.random.normal`/`uniform` scales its draw with tensors here (a bound that is a
/// tensor, variable, array or list), rather than in the kernel.
pub(in super::super) fn scales_with_tensors(bound: &Bound, normal: bool) -> bool {
    let names = if normal {
        ["mean", "stddev"]
    } else {
        ["minval", "maxval"]
    };
    names.iter().any(|n| !plain(&given(bound, n)))
}

/// A standard draw scaled as TensorFlow's Python scales it: `rnd * stddev + mean`; for a
/// uniform draw `rnd * maxval` when minval is the Python int 0, else
/// `rnd * (maxval - minval) + minval`.
pub(in super::super) fn scale_draw(
    it: &mut Interp,
    rnd: Val,
    normal: bool,
    (a, b): (Option<Value>, Option<Value>),
) -> Result<Value, Raise> {
    let d = rnd.tensor.dtype();
    let out = if normal {
        let mean = to_val_exactly(it, ("mean", &a.unwrap_or(Value::Float(0.0))), d)?;
        let stddev = to_val_exactly(it, ("stddev", &b.unwrap_or(Value::Float(1.0))), d)?;
        let mul = op(it, "multiply", vec![], vec![rnd, stddev])?;
        op(it, "add", vec![], vec![mul, mean])?
    } else {
        let min_is_zero = matches!(a, None | Some(Value::Int(0)));
        let maxval = to_val_exactly(it, ("max", &b.unwrap_or(Value::Int(1))), d)?;
        if min_is_zero {
            op(it, "multiply", vec![], vec![rnd, maxval])?
        } else {
            let minval = to_val_exactly(it, ("min", &a.expect("given")), d)?;
            let width = op(it, "subtract", vec![], vec![maxval, minval.clone()])?;
            let mul = op(it, "multiply", vec![], vec![rnd, width])?;
            op(it, "add", vec![], vec![mul, minval])?
        }
    };
    Ok(Value::Tensor(out))
}

/// `given` for random.rs.
pub(in super::super) fn bound_value(bound: &Bound, name: &str) -> Option<Value> {
    given(bound, name)
}
