//! Methods of Python's numbers a course cell calls: `float.is_integer()` and
//! `int.bit_length()` (a bool is an int).

use super::*;

/// The method names a float has here.
pub const FLOAT_METHODS: &[&str] = &["is_integer"];
/// The method names an int (or a bool) has here.
pub const INT_METHODS: &[&str] = &["bit_length"];

pub fn call(
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let class = if matches!(recv, Value::Float(_)) {
        "float"
    } else {
        "int"
    };
    if !kwargs.is_empty() {
        return Err(Raise::type_error(format!(
            "{class}.{name}() takes no keyword arguments"
        )));
    }
    if !args.is_empty() {
        return Err(Raise::type_error(format!(
            "{class}.{name}() takes no arguments ({} given)",
            args.len()
        )));
    }
    Ok(match recv {
        Value::Float(f) => Value::Bool(f.is_finite() && f.fract() == 0.0),
        Value::Int(i) => Value::Int(i64::from(64 - i.unsigned_abs().leading_zeros())),
        Value::Bool(b) => Value::Int(i64::from(*b)),
        other => {
            return Err(Raise::attr_error(format!(
                "'{}' object has no attribute '{name}'",
                other.type_name()
            )))
        }
    })
}
