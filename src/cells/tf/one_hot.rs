//! `tf.one_hot`'s checks in TensorFlow's Python and its fast path, made on the arguments as
//! the cell gives them: how the indices convert, and the dtypes of on_value and off_value.

use crate::engine::dtype::DType;
use crate::engine::ops::registry::Param;

use super::super::interp::Interp;
use super::super::kernel_errors::one_hot_indices_text;
use super::super::raise::{Raise, RaiseKind};
use super::super::value::Value;
use super::checks::arg;

/// The eager fast path converts the indices with `TI`'s default, int64: a NumPy array or
/// scalar is cast to it (truncating toward zero), a Python float cannot become it (TypeError),
/// a Python list of bools becomes 0s and 1s, and a Python list holding a float falls back to
/// the op's slow path, which converts the list as float32 and refuses it, without the fast
/// path's ` name: ` at the end.
pub(super) fn indices(
    it: &mut Interp,
    bound: &mut [(&'static Param, Option<Value>)],
) -> Result<(), Raise> {
    let Some(slot) = bound.iter_mut().find(|(p, _)| p.name == "indices") else {
        return Ok(());
    };
    let Some(v) = slot.1.as_ref() else {
        return Ok(());
    };
    match v {
        Value::Float(_) => Err(Raise::type_error(format!(
            "Cannot convert {} to EagerTensor of dtype int64",
            super::super::print::repr(it, v)
        ))
        .with_code(crate::engine::Code::DtypeMismatch)),
        Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(v)?;
            if !matches!(t.dtype(), DType::I32 | DType::I64) {
                slot.1 = Some(Value::array(t.cast(DType::I64)));
            }
            Ok(())
        }
        Value::List(_) | Value::Tuple(_) if python_numbers_only(v) => {
            let t = it.to_val(v, None)?.tensor;
            if t.dtype().is_float() {
                return Err(Raise::new(
                    RaiseKind::InvalidArgumentError,
                    one_hot_indices_text(t.dtype(), None),
                )
                .with_code(crate::engine::Code::DtypeMismatch));
            }
            if t.dtype() == DType::Bool {
                // Python's bools are ints, which int64 takes
                slot.1 = Some(Value::array(t.cast(DType::I64)));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Whether `v` is Python numbers in nested lists and tuples (no tensors or arrays in them).
fn python_numbers_only(v: &Value) -> bool {
    match v {
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => true,
        Value::List(_) | Value::Tuple(_) => v
            .items()
            .is_some_and(|items| items.iter().all(python_numbers_only)),
        _ => false,
    }
}

/// `tf.one_hot` converts on_value and off_value with `dtype` as a hint and checks in Python
/// that they agree with each other and with `dtype`.
pub(super) fn values(
    it: &mut Interp,
    bound: &[(&'static Param, Option<Value>)],
) -> Result<(), Raise> {
    let dtype = match arg(bound, "dtype") {
        Some(Value::DType(d)) => Some(*d),
        _ => None,
    };
    let mut dtype_of = |name: &str| -> Result<Option<DType>, Raise> {
        match arg(bound, name) {
            None | Some(Value::None) => Ok(None),
            Some(v) => Ok(Some(it.to_val(v, dtype)?.tensor.dtype())),
        }
    };
    let (on, off) = (dtype_of("on_value")?, dtype_of("off_value")?);
    let word = |d: DType| format!("<dtype: '{}'>", d.name());
    if let Some(want) = dtype {
        for (name, got) in [("on_value", on), ("off_value", off)] {
            if let Some(got) = got.filter(|&g| g != want) {
                return Err(Raise::type_error(format!(
                    "dtype {} of {name} does not match dtype parameter {}",
                    word(got),
                    word(want)
                )));
            }
        }
    }
    if let (Some(a), Some(b)) = (on, off) {
        if a != b {
            return Err(Raise::type_error(format!(
                "dtype {} of on_value does not match dtype {} of off_value",
                word(a),
                word(b)
            )));
        }
    }
    Ok(())
}
