//! `tf.compat.v1.Dimension` (what `x.shape.dims` lists) in operators: with an int or another
//! Dimension, `+ - * // %` give a Dimension again, never below 0, and comparisons compare the
//! sizes; floats and true division are TypeErrors, and a sequence repeats by its `__index__`.

use ruff_python_ast::{CmpOp, Operator};

use super::python::{py_arith, repeat};
use super::{op_symbol, unsupported};
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

/// The size an int, a bool or a Dimension stands for, as `as_dimension` reads it.
fn size(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) | Value::Dimension(n) => Some(*n),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

/// `l op r` where either is a Dimension; None where the other side is a tensor or an array,
/// whose own operators convert the Dimension as the int it holds.
pub fn binary(it: &mut Interp, op: Operator, l: &Value, r: &Value) -> Option<Result<Value, Raise>> {
    let (dim, other) = match (l, r) {
        (Value::Dimension(n), o) | (o, Value::Dimension(n)) => (*n, o),
        _ => return None,
    };
    if Value::is_tf(other) || matches!(other, Value::Array(_) | Value::NpScalar(_)) {
        return None;
    }
    if let (Operator::Mult, Value::List(_) | Value::Tuple(_) | Value::Str(_)) = (op, other) {
        return Some(repeat(it, other, dim));
    }
    Some(match (size(l), size(r), op) {
        (_, _, Operator::Div) => Err(Raise::type_error(format!(
            "unsupported operand type(s) for /: '{}' and '{}', please use // instead",
            l.type_name(),
            r.type_name()
        ))),
        (
            Some(a),
            Some(b),
            Operator::Add | Operator::Sub | Operator::Mult | Operator::FloorDiv | Operator::Mod,
        ) => py_arith(op, &Value::Int(a), &Value::Int(b)).and_then(|v| match v {
            Value::Int(n) if n < 0 => {
                Err(Raise::value_error(format!("Dimension {n} must be >= 0")))
            }
            Value::Int(n) => Ok(Value::Dimension(n)),
            other => Ok(other),
        }),
        (_, _, Operator::Pow) => Err(Raise::type_error(format!(
            "unsupported operand type(s) for ** or pow(): '{}' and '{}'",
            l.type_name(),
            r.type_name()
        ))),
        _ => Err(unsupported(op_symbol(op), l, r)),
    })
}

/// `l op r` of comparisons where either is a Dimension (None otherwise, or beside a tensor):
/// `==` and `!=` with what is no size are False and True, with None they are None (the size
/// of `Dimension(None)` is unknown); an order with what is no size is `as_dimension`'s
/// TypeError.
pub fn compare(it: &mut Interp, op: CmpOp, l: &Value, r: &Value) -> Option<Result<Value, Raise>> {
    let other = match (l, r) {
        (Value::Dimension(_), o) | (o, Value::Dimension(_)) => o,
        _ => return None,
    };
    if Value::is_tf(other) || matches!(other, Value::Array(_) | Value::NpScalar(_)) {
        return None;
    }
    if matches!(other, Value::None) {
        return Some(Ok(Value::None));
    }
    let (Some(a), Some(b)) = (size(l), size(r)) else {
        return Some(match op {
            CmpOp::Eq => Ok(Value::Bool(false)),
            CmpOp::NotEq => Ok(Value::Bool(true)),
            _ => Err(Raise::type_error(format!(
                "Dimension value must be integer or None or have an __index__ method, got value '{}' with type '<class '{}'>'",
                crate::cells::print::repr(it, other),
                other.type_name()
            ))),
        });
    };
    Some(Ok(Value::Bool(match op {
        CmpOp::Eq => a == b,
        CmpOp::NotEq => a != b,
        CmpOp::Lt => a < b,
        CmpOp::LtE => a <= b,
        CmpOp::Gt => a > b,
        _ => a >= b,
    })))
}

/// Python `==` (for `in` and list equality) where either side is a Dimension.
pub fn equal(l: &Value, r: &Value) -> Option<bool> {
    match (l, r) {
        (Value::Dimension(_), _) | (_, Value::Dimension(_)) => {
            Some(matches!((size(l), size(r)), (Some(a), Some(b)) if a == b))
        }
        _ => None,
    }
}
