//! The checks TensorFlow's Python wrappers make before an op runs, with the exception types
//! they raise there (a ValueError or TypeError in Python, not the kernel's
//! InvalidArgumentError).

use crate::engine::autodiff::Val;
use crate::engine::lit::Lit;
use crate::engine::ops::registry::Param;

use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::value::Value;

fn is_tf(v: &Value) -> bool {
    matches!(
        v,
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
    )
}

fn arg<'a>(bound: &'a [(&'static Param, Option<Value>)], name: &str) -> Option<&'a Value> {
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
                "Cannot convert {} to EagerTensor of dtype int32 ({op} needs integers here)",
                super::super::print::repr(it, v)
            )));
        }
    }
    if op == "concat" {
        if let Some(axis) = arg(bound, "axis").filter(|a| is_tf(a)) {
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
                    *v = Some(if is_tf(&x) || matches!(x, Value::Array(_)) {
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
    if op == "stack" {
        let axis = match attrs.iter().find(|(k, _)| k == "axis") {
            Some((_, Lit::Int(a))) => *a,
            _ => 0,
        };
        if let Some(first) = inputs.first() {
            let n = first.tensor.rank() as i64 + 1;
            if axis < -n || axis >= n {
                return Err(Raise::value_error(format!(
                    "Argument `axis` = {axis} not in range [{}, {n}): stacking tensors of rank {} makes a tensor of rank {n}",
                    -n,
                    n - 1
                )));
            }
        }
    }
    Ok(())
}
