//! `tf.stack`'s shortcut for constant lists: with axis 0, TensorFlow's `stack` first tries
//! `convert_to_tensor(values)`, so a list of plain Python numbers is one constant whose dtype
//! comes from the whole list (float32 if any item is a float, int64 past int32's range).

use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::value::Value;
use super::checks::arg;
use crate::engine::autodiff::Val;
use crate::engine::ops::registry::Param;

/// The stacked constant, when the axis is 0 and `values` holds only Python numbers and
/// booleans (nested lists and tuples of them); None where TensorFlow falls back to Pack
/// (a tensor or array among the values, another axis, or a list that does not convert).
pub(super) fn as_one_constant(
    it: &mut Interp,
    bound: &[(&'static Param, Option<Value>)],
) -> Result<Option<Val>, Raise> {
    let axis_zero = match arg(bound, "axis") {
        None | Some(Value::Int(0)) | Some(Value::Bool(false)) => true,
        Some(Value::Tensor(x)) => x.tensor.len() == 1 && x.tensor.to_f64_vec()[0] == 0.0,
        Some(_) => false,
    };
    let Some(values) = arg(bound, "values").filter(|v| axis_zero && plain(v)) else {
        return Ok(None);
    };
    // TensorFlow catches the conversion's TypeError or ValueError and packs instead
    Ok(it.to_val(values, None).ok())
}

/// A list or tuple of Python numbers and booleans, nested to any depth.
fn plain(v: &Value) -> bool {
    match v {
        Value::List(_) | Value::Tuple(_) => v.items().is_some_and(|xs| {
            xs.iter()
                .all(|x| matches!(x, Value::Int(_) | Value::Float(_) | Value::Bool(_)) || plain(x))
        }),
        _ => false,
    }
}
