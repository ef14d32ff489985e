//! `tf.Variable`'s methods (`assign`, `assign_add`, `assign_sub`, `read_value`, ...) and the
//! checks TensorFlow makes of what a variable is given: at creation and at every update.

use std::sync::Arc;

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::error::Code;
use crate::engine::ops::{Op, Unary};

use super::arith::np_wrap;
use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::tape::bind_args;
use super::value::Value;

/// Where TensorFlow places every variable and tensor of a CPU-only process (`v.device`).
pub const CPU_DEVICE: &str = "/job:localhost/replica:0/task:0/device:CPU:0";

/// `v.name(...)` for a variable (`unread`: the object `assign` returned, which TensorFlow
/// names `UnreadVariable` in its messages).
pub fn method(
    it: &mut Interp,
    id: &Arc<str>,
    unread: bool,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let var = it
        .ws
        .variable(id)
        .ok_or_else(|| Raise::value_error("the variable no longer exists"))?;
    let cur = var.val.tensor.as_ref().clone();
    let vname = if unread {
        "UnreadVariable".to_string()
    } else {
        var.tf_name()
    };
    match name {
        "numpy" => {
            // `numpy()` is `read_value().numpy()`: an access, but not through an update's result
            if !unread {
                it.read_var(id)?;
            }
            Ok(np_wrap(cur))
        }
        // `value()` is the ReadVariableOp itself, `read_value()` an identity of it: of an int
        // or bool variable the tape records the read but not the identity
        "value" => Ok(Value::Tensor(read_into_tensor(it, id, unread)?)),
        "read_value" => {
            let read = read_into_tensor(it, id, unread)?;
            Ok(Value::Tensor(it.apply("identity", vec![], vec![read])?))
        }
        "get_shape" => Ok(Value::Shape(cur.shape().to_vec())),
        "assign" | "assign_add" | "assign_sub" => {
            let first = if name == "assign" { "value" } else { "delta" };
            let slots = bind_args(
                &format!("BaseResourceVariable.{name}"),
                &[first, "use_locking", "name", "read_value"],
                args,
                kwargs,
            )?;
            let mut slots = slots.into_iter();
            let value = slots.next().flatten().ok_or_else(|| {
                Raise::type_error(format!(
                    "BaseResourceVariable.{name}() missing 1 required positional argument: '{first}'"
                ))
            })?;
            let read_value = match slots.nth(2).flatten() {
                Some(r) => r.truthy()?,
                None => true,
            };
            let x = converted(it, &value, cur.dtype())?;
            if x.shape() != cur.shape() {
                return Err(shape_error(name, &vname, cur.shape(), x.shape()));
            }
            let new = match name {
                "assign" => x,
                "assign_add" => it.compute("add", vec![], &[&cur, &x])?,
                _ => it.compute("subtract", vec![], &[&cur, &x])?,
            };
            it.ws.assign(id, new)?;
            it.note_assign(id, &value);
            if read_value {
                lazy_read_access(it, id)?;
            }
            Ok(unread_or_none(id, read_value))
        }
        _ => Err(Raise::attr_error(format!(
            "'ResourceVariable' object has no attribute '{name}'"
        ))),
    }
}

/// A read through what an update returned (TensorFlow's `_UnreadVariable`): its
/// `_read_variable_op` skips `variable_accessed`, so no tape starts watching the variable.
/// A recording tape that already watches the variable records the read; with none, the read
/// is a new tensor unlinked from the variable, as a ReadVariableOp no tape records.
pub fn read_unread(it: &mut Interp, id: &str) -> Result<Val, Raise> {
    let val = it
        .ws
        .variable(id)
        .map(|v| v.val.clone())
        .ok_or_else(|| Raise::value_error(format!("the variable {id} no longer exists")))?;
    if it.ws.ctx.traced_by_a_recording_tape(&val) {
        return Ok(val);
    }
    let read = it.ws.ctx.constant(val.tensor.as_ref().clone());
    // the read still comes from the variable: why-null notes follow it back
    let float = read.tensor.dtype().is_float();
    let identity = Op::Unary(Unary::Identity);
    it.ws.ctx.prov.record(read.id, &identity, &[&val], float);
    Ok(read)
}

/// `v.value()`, `tf.convert_to_tensor(v)` (`unread`: of what an update returned, which
/// watches nothing by itself).
pub fn read_into_tensor(it: &mut Interp, id: &str, unread: bool) -> Result<Val, Raise> {
    if !unread {
        return it.read_into_tensor(id);
    }
    let val = read_unread(it, id)?;
    match it.ws.variable(id).is_some_and(|v| v.val.id == val.id) {
        true => it.apply_resource("identity", vec![], vec![val]),
        false => Ok(val),
    }
}

/// An update that returns its `_UnreadVariable` goes through TensorFlow's `_lazy_read`,
/// which counts as an access of the variable: a recording tape that watches accessed
/// variables watches it from then on.
pub fn lazy_read_access(it: &mut Interp, id: &str) -> Result<(), Raise> {
    it.read_var(id).map(|_| ())
}

/// What an update gives back: a new `_UnreadVariable` object of the same variable (so
/// `v.assign(x) is v` is False), or None with `read_value=False`.
pub fn unread_or_none(id: &str, read_value: bool) -> Value {
    if read_value {
        // a fresh allocation: `is` tells each returned object apart
        Value::UnreadVariable(Arc::from(id))
    } else {
        Value::None
    }
}

/// `value` converted to a variable's dtype, as TensorFlow's `convert_to_tensor(value,
/// dtype=var.dtype)` does before it updates: a tensor of another dtype is a ValueError.
pub fn converted(
    it: &mut Interp,
    value: &Value,
    d: DType,
) -> Result<crate::engine::tensor::Tensor, Raise> {
    let x = it.to_val_as(value, d)?;
    if x.tensor.dtype() != d {
        return Err(Raise::value_error(format!(
            "Tensor conversion requested dtype {} for Tensor with dtype {}: {}",
            d.name(),
            x.tensor.dtype().name(),
            super::print::repr(it, &Value::Tensor(x.clone()))
        ))
        .with_code(Code::DtypeMismatch));
    }
    Ok(x.into_tensor())
}

/// An update of the wrong shape: `assign` checks in Python (ValueError); `assign_add` and
/// `assign_sub` reach their kernels, which refuse any other shape, a scalar included.
fn shape_error(name: &str, vname: &str, var: &[usize], given: &[usize]) -> Raise {
    if name == "assign" {
        return Raise::value_error(format!(
            "Cannot assign value to variable ' {vname}': Shape mismatch.The variable shape {}, and the assigned value shape {} are incompatible.",
            super::print::tuple_text(var),
            super::print::tuple_text(given)
        ))
        .with_code(Code::ShapeMismatch);
    }
    let op = if name == "assign_add" {
        "AssignAddVariableOp"
    } else {
        "AssignSubVariableOp"
    };
    Raise::new(
        RaiseKind::InvalidArgumentError,
        format!(
            "{{{{function_node __wrapped__{op}_device_{CPU_DEVICE}}}}} Cannot update variable with shape {} using a Tensor with shape {}, shapes must be equal. [Op:{op}] name: ",
            kernel_shape(var),
            kernel_shape(given)
        ),
    )
    .with_code(Code::ShapeMismatch)
}

/// A shape as TensorFlow's kernels write it: `[2,3]`, `[]`.
pub fn kernel_shape(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(","))
}

/// `tf.Variable(initial_value, dtype=d)`: a tensor or variable of another dtype is not
/// converted (TensorFlow's ValueError); Python numbers, lists and arrays are.
pub fn initial_value_dtype(it: &mut Interp, value: &Value, d: DType) -> Result<(), Raise> {
    let (have, variable) = match value {
        Value::Tensor(x) => (x.tensor.dtype(), false),
        Value::Variable(id) | Value::UnreadVariable(id) => match it.ws.variable(id) {
            Some(v) => (v.val.tensor.dtype(), true),
            None => return Ok(()),
        },
        _ => return Ok(()),
    };
    if have == d {
        return Ok(());
    }
    let shown = super::print::repr(it, value);
    let detail = if variable {
        format!(
            "Incompatible type conversion requested to type {} for `tf.Variable of type {}. (Variable: {shown})",
            d.name(),
            have.name()
        )
    } else {
        format!(
            "initial_value: Tensor conversion requested dtype {} for Tensor with dtype {}: {shown}",
            d.name(),
            have.name()
        )
    };
    Err(Raise::value_error(detail).with_code(Code::DtypeMismatch))
}
