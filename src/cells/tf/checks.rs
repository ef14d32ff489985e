//! The checks TensorFlow's Python wrappers make before an op runs, with the exception types
//! they raise there (a ValueError or TypeError in Python, not the kernel's
//! InvalidArgumentError).

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::ops::registry::Param;
use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::value::Value;

pub(super) fn arg<'a>(
    bound: &'a [(&'static Param, Option<Value>)],
    name: &str,
) -> Option<&'a Value> {
    bound
        .iter()
        .find(|(p, _)| p.name == name)
        .and_then(|(_, v)| v.as_ref())
}

/// A shape or size given with a float in it: TensorFlow converts it to an int32 tensor, which
/// a float cannot become.
fn float_in(v: &Value) -> bool {
    match v {
        Value::Float(_) => true,
        Value::List(_) | Value::Tuple(_) => v.items().is_some_and(|xs| xs.iter().any(float_in)),
        _ => false,
    }
}

/// Attributes read as TensorFlow's Python reads them, before anything else looks at them:
/// `dtype=` and `output_type=` with `tf.as_dtype` (`float` is float32, `int` a TypeError), an
/// attribute axis with `int()`.
pub(super) fn read_attrs_as_tensorflow(
    op: &str,
    bound: &mut [(&'static Param, Option<Value>)],
) -> Result<(), Raise> {
    truncate_attr_axis(op, bound);
    for (p, v) in bound.iter_mut() {
        if !matches!(p.name, "dtype" | "output_type" | "out_type") {
            continue;
        }
        if let Some(given) = v.as_ref().filter(|v| !matches!(v, Value::None)) {
            if let Some(d) = crate::cells::convert::tf_dtype_of_value(given)? {
                *v = Some(Value::DType(d));
            }
        }
    }
    Ok(())
}

/// Checks on the arguments as given; `tf.concat(t, axis)` with one tensor for `values` reads
/// it as `[t]`, as TensorFlow does.
pub(super) fn before_conversion(
    it: &mut Interp,
    op: &str,
    bound: &mut [(&'static Param, Option<Value>)],
) -> Result<(), Raise> {
    let int_arg = match op {
        "one_hot" => Some("depth"),
        "ones" | "zeros" => Some("shape"),
        _ => None,
    };
    if let Some(v) = int_arg.and_then(|name| arg(bound, name)) {
        if float_in(v) {
            return Err(Raise::type_error(format!(
                "Cannot convert {} to EagerTensor of dtype int32",
                super::super::print::repr(it, v)
            ))
            .with_code(crate::engine::Code::DtypeMismatch));
        }
    }
    float_axis(it, op, bound)?;
    // tf.linspace checks that num is an integer once it is a tensor
    if op == "linspace" {
        let num_dtype = match arg(bound, "num") {
            Some(Value::Float(_)) => Some(DType::F32),
            Some(v @ (Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_))) => {
                it.as_val(v)?.map(|x| x.tensor.dtype())
            }
            _ => None,
        };
        if let (Some(d), Some(num)) = (num_dtype.filter(|d| !d.is_int()), arg(bound, "num")) {
            return Err(Raise::type_error(format!(
                "Argument `tensor` (name: num) must be of type integer. Received `tensor` = {} of dtype: <dtype: '{}'>",
                super::super::print::str(it, num),
                d.name()
            )));
        }
    }
    // tf.linspace converts stop to start's dtype: an integer start takes no float stop
    if op == "linspace" {
        if let (Some(Value::Int(_)), Some(stop @ Value::Float(_))) =
            (arg(bound, "start"), arg(bound, "stop"))
        {
            return Err(Raise::type_error(format!(
                "Cannot convert {} to EagerTensor of dtype int32",
                super::super::print::repr(it, stop)
            )));
        }
    }
    match op {
        "eye" => eye_sizes(it, bound)?,
        "one_hot" => {
            super::one_hot::indices(it, bound)?;
            super::one_hot::values(it, bound)?;
        }
        "tensordot" => tensordot_axes(it, bound)?,
        "range" => range_of_bools(it, bound)?,
        "stack" => {
            if let Some(axis) = arg(bound, "axis").filter(|a| Value::is_tf(a)) {
                if it.as_val(axis)?.expect("tensor").tensor.len() > 1 {
                    // stack compares the axis with the rank in Python: `axis < -n or ...`
                    return Err(Raise::value_error(
                        "The truth value of an array with more than one element is ambiguous. Use a.any() or a.all()",
                    ));
                }
            }
        }
        _ => {}
    }
    if op == "concat" {
        if let Some(axis) = arg(bound, "axis").filter(|a| Value::is_tf(a)) {
            let x = it.as_val(axis)?.expect("tensor");
            let (d, rank) = (x.tensor.dtype(), x.tensor.rank());
            if !d.is_int() {
                return Err(Raise::value_error(format!(
                    "concat_dim: Tensor conversion requested dtype int32 for Tensor with dtype {} (the axis must be an integer; did you mean tf.concat([a, b], axis)?)",
                    d.name()
                )));
            }
            if rank != 0 {
                return Err(Raise::value_error(format!(
                    "Shape {:?} must have rank 0: concat's axis is one integer",
                    x.tensor.shape()
                )));
            }
        }
        for (p, v) in bound.iter_mut() {
            if p.name == "values" {
                if let Some(x) = v.take() {
                    *v = Some(if Value::is_tf(&x) || matches!(x, Value::Array(_)) {
                        Value::list(vec![x])
                    } else {
                        x
                    });
                }
            }
        }
    }
    Ok(())
}

/// Checks on the converted inputs and attributes.
pub(super) fn before_op(op: &str, attrs: &[(String, Lit)], inputs: &[Val]) -> Result<(), Raise> {
    if let [labels, logits] = inputs {
        cross_entropy_shapes(op, &labels.tensor, &logits.tensor)?;
    }
    if op == "stack" {
        let axis = match attrs.iter().find(|(k, _)| k == "axis") {
            Some((_, Lit::Int(a))) => *a,
            _ => 0,
        };
        if let Some(first) = inputs.first() {
            let n = first.tensor.rank() as i64 + 1;
            if axis < -n || axis >= n {
                return Err(Raise::value_error(format!(
                    "Argument `axis` = {axis} not in range [{}, {n})",
                    -n
                )));
            }
        }
    }
    Ok(())
}

/// A Python float where a reduction's, argmax's, concat's or expand_dims' axis goes (or
/// tensordot's axes): their wrappers convert it to an int32 tensor first, which it cannot
/// become. (gather, softmax and friends pass it to the kernel instead; squeeze, stack and
/// one_hot truncate it.)
fn float_axis(
    it: &mut Interp,
    op: &str,
    bound: &[(&'static Param, Option<Value>)],
) -> Result<(), Raise> {
    let name = match op {
        "tensordot" => "axes",
        o if o.starts_with("reduce_") => "axis",
        "argmax" | "argmin" | "concat" | "expand_dims" => "axis",
        _ => return Ok(()),
    };
    match arg(bound, name) {
        Some(v @ Value::Float(_)) => Err(Raise::type_error(format!(
            "Cannot convert {} to EagerTensor of dtype int32",
            super::super::print::repr(it, v)
        ))),
        _ => Ok(()),
    }
}

/// squeeze's, stack's and one_hot's axis is an op attribute, which TensorFlow reads with
/// Python's `int()`: a float axis is truncated.
fn truncate_attr_axis(op: &str, bound: &mut [(&'static Param, Option<Value>)]) {
    if !matches!(op, "squeeze" | "stack" | "one_hot") {
        return;
    }
    fn truncate(v: &Value) -> Value {
        match v {
            Value::Float(f) if f.is_finite() => Value::Int(f.trunc() as i64),
            Value::List(_) | Value::Tuple(_) => {
                Value::list(v.items().unwrap_or_default().iter().map(truncate).collect())
            }
            other => other.clone(),
        }
    }
    for (p, v) in bound.iter_mut() {
        if p.name == "axis" {
            if let Some(x) = v.as_mut() {
                *x = truncate(x);
            }
        }
    }
}

/// `tf.eye` checks in Python that both sizes are integers (num_columns defaults to num_rows).
fn eye_sizes(it: &mut Interp, bound: &[(&'static Param, Option<Value>)]) -> Result<(), Raise> {
    let rows = arg(bound, "num_rows").cloned().unwrap_or(Value::None);
    let cols = match arg(bound, "num_columns") {
        None | Some(Value::None) => rows.clone(),
        Some(c) => c.clone(),
    };
    let integral = |v: &Value| match v {
        Value::Int(_) | Value::Bool(_) => true,
        Value::NpScalar(t) => t.dtype().is_int(),
        v => Value::is_tf(v),
    };
    if integral(&rows) && integral(&cols) {
        return Ok(());
    }
    let (r, c) = (
        super::super::print::str(it, &rows),
        super::super::print::str(it, &cols),
    );
    Err(Raise::type_error(format!(
        "Arguments `num_rows` and `num_columns` must be positive integer values. Received: num_rows={r}, num_columns={c}"
    )))
}

/// `tf.tensordot(a, b, axes=n)` checks n against a's rank in Python, then takes b's first n
/// axes from a Python list of them.
fn tensordot_axes(it: &mut Interp, bound: &[(&'static Param, Option<Value>)]) -> Result<(), Raise> {
    let Some(&Value::Int(n)) = arg(bound, "axes") else {
        return Ok(());
    };
    if n < 0 {
        return Err(Raise::value_error(format!(
            "`axes` must be at least 0. Received: {n}."
        )));
    }
    let (Some(a), Some(b)) = (arg(bound, "a").cloned(), arg(bound, "b").cloned()) else {
        return Ok(());
    };
    let (a, b) = (it.to_val(&a, None)?, it.to_val(&b, None)?);
    let (ra, rb) = (a.tensor.rank() as i64, b.tensor.rank() as i64);
    if n > ra {
        let shown = super::super::print::str(it, &Value::array(a.tensor.as_ref().clone()));
        return Err(Raise::value_error(format!(
            "`axes` must not be larger than the number of dimensions of tensor {shown}.  Received {n}, vs tensor dimensions {ra}."
        )));
    }
    if n > rb {
        return Err(Raise::index_error("list index out of range"));
    }
    Ok(())
}

/// `tf.range(..., dtype=tf.bool)` casts its start (0 when only a limit is given) to bool in
/// Python, which a number cannot become.
fn range_of_bools(it: &mut Interp, bound: &[(&'static Param, Option<Value>)]) -> Result<(), Raise> {
    if !matches!(arg(bound, "dtype"), Some(Value::DType(DType::Bool))) {
        return Ok(());
    }
    let start = match arg(bound, "limit") {
        None | Some(Value::None) => Value::Int(0),
        Some(_) => arg(bound, "start").cloned().unwrap_or(Value::Int(0)),
    };
    Err(Raise::type_error(format!(
        "Cannot convert {} to EagerTensor of dtype bool",
        super::super::print::repr(it, &start)
    )))
}

/// The static shape checks of the cross-entropy wrappers, which raise ValueError before the
/// kernel sees the tensors (the engine's own checks would be the kernel's
/// InvalidArgumentError): sigmoid's labels must have the logits' shape; sparse softmax's
/// logits need a class axis and its labels the logits' shape without it, rank first.
fn cross_entropy_shapes(op: &str, labels: &Tensor, logits: &Tensor) -> Result<(), Raise> {
    use crate::cells::format::tf::shape_str;
    use crate::engine::Code;
    let (ls, gs) = (labels.shape(), logits.shape());
    let detail = match op {
        "sigmoid_cross_entropy_with_logits" if ls != gs => format!(
            "`logits` and `labels` must have the same shape, received ({} vs {}).",
            shape_str(gs),
            shape_str(ls)
        ),
        "sparse_softmax_cross_entropy_with_logits" if gs.is_empty() => {
            return Err(Raise::value_error(format!(
                "`logits` cannot be a scalar. Received logits={}`",
                crate::cells::format::numpy::array_str(logits)
            ))
            .with_code(Code::InvalidArgument));
        }
        "sparse_softmax_cross_entropy_with_logits" if ls.len() + 1 != gs.len() => format!(
            "`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: labels.shape={} of rank {} and logits.shape={} of rank {}",
            shape_str(ls),
            ls.len(),
            shape_str(gs),
            gs.len()
        ),
        "sparse_softmax_cross_entropy_with_logits" if ls != &gs[..gs.len() - 1] => format!(
            "`labels.shape` must equal `logits.shape` except for the last dimension. Received: labels.shape={} and logits.shape={}",
            shape_str(ls),
            shape_str(gs)
        ),
        _ => return Ok(()),
    };
    Err(Raise::value_error(detail).with_code(Code::ShapeMismatch))
}
