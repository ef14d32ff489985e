//! What `tf.constant` and `tf.convert_to_tensor` hand back still connected to the tapes, as
//! TensorFlow 2.15 does: a tensor comes back as itself (the same EagerTensor, so a watched
//! tensor stays watched), `convert_to_tensor` reads a variable into a recorded tensor and packs
//! a list holding tensors with a recorded Pack. `tf.constant` does not pack: its sequence
//! conversion takes the `len()` of the first item down the first items, which a scalar tensor
//! and a variable lack.

use crate::engine::dtype::DType;

use super::super::convert::holds_tf;
use super::super::interp::Interp;
use super::super::print;
use super::super::raise::Raise;
use super::super::value::Value;

/// The connected answer to `tf.constant(value, dtype)` (`shape` given and not the tensor's
/// own: TensorFlow reshapes it unrecorded) or `tf.convert_to_tensor(value, dtype, hint)`;
/// None when the answer is a new constant.
pub(super) fn connected(
    it: &mut Interp,
    path: &str,
    value: &Value,
    (dtype, hint): (Option<DType>, Option<DType>),
    shape: Option<&Value>,
) -> Result<Option<Value>, Raise> {
    let constant = path == "tf.constant";
    let same = |d: DType| dtype.is_none_or(|want| want == d);
    match value {
        Value::Tensor(x) if constant && !same(x.tensor.dtype()) => Err(Raise::type_error(format!(
            "Expected tensor {} with dtype tf.{}, but got dtype tf.{}.",
            print::str(it, &Value::array(x.tensor.as_ref().clone())),
            dtype.expect("a dtype that differs").name(),
            x.tensor.dtype().name()
        ))),
        Value::Tensor(x) if same(x.tensor.dtype()) => {
            let reshaped = shape.is_some_and(|s| {
                super::super::attrs::shape_dims(it, s).ok().as_deref() != Some(x.tensor.shape())
            });
            Ok((!reshaped).then(|| value.clone()))
        }
        Value::Variable(id) | Value::UnreadVariable(id) if !constant => {
            match it.ws.variable(id).map(|v| v.val.tensor.dtype()) {
                Some(d) if same(d) => {
                    let unread = matches!(value, Value::UnreadVariable(_));
                    let read = super::super::variable::read_into_tensor(it, id, unread)?;
                    Ok(Some(Value::Tensor(read)))
                }
                Some(d) => Err(Raise::value_error(format!(
                    "Incompatible type conversion requested to type {} for `tf.Variable of type {}. (Variable: {})",
                    dtype.expect("a dtype that differs").name(),
                    d.name(),
                    print::repr(it, value)
                ))),
                None => Ok(None),
            }
        }
        Value::List(_) | Value::Tuple(_) if holds_tf(value) && constant => Err(unpackable(value)),
        // the hint casts the list's tensors when it converts them all, as TensorFlow tries it
        // first and falls back to the first tensor's dtype
        Value::List(_) | Value::Tuple(_) if holds_tf(value) => {
            Ok(Some(Value::Tensor(match dtype {
                Some(_) => it.autopack_as(value, dtype)?,
                None => it.to_val(value, hint)?,
            })))
        }
        _ => Ok(None),
    }
}

/// `tf.constant` of a list holding tensors: TensorFlow infers the shape from the first items
/// down, so a tensor or variable there has no `len()`; one further on is not the number the
/// first item made it expect.
fn unpackable(v: &Value) -> Raise {
    let mut first = v.clone();
    while matches!(first, Value::List(_) | Value::Tuple(_)) {
        match first.items().and_then(|items| items.into_iter().next()) {
            Some(x) => first = x,
            None => break,
        }
    }
    Raise::value_error(match first {
        Value::Tensor(_) => "TypeError: Scalar tensor has no `len()`",
        Value::Variable(_) | Value::UnreadVariable(_) => {
            "TypeError: object of type 'ResourceVariable' has no len()"
        }
        _ => "Can't convert Python sequence with mixed types to Tensor.",
    })
}
