//! `isinstance` and `type`, over the cell's kinds of value (tensors, variables, arrays included).

use super::*;

/// `isinstance()`.
pub fn isinstance(
    _it: &mut Interp,
    args: Vec<Value>,
    _kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let [x, cls] = <[Value; 2]>::try_from(args)
        .map_err(|_| Raise::type_error("isinstance expected 2 arguments"))?;
    let classes = match &cls {
        Value::Tuple(_) => cls.items().unwrap_or_default(),
        _ => vec![cls],
    };
    let mut yes = false;
    for c in &classes {
        let Value::Builtin(p) = c else {
            return Err(Raise::type_error(
                "isinstance() arg 2 must be a type, a tuple of types, or a union",
            ));
        };
        yes |= match (&**p, &x) {
            ("tf.Tensor", Value::Tensor(_)) => true,
            ("tf.Variable", Value::Variable(_) | Value::UnreadVariable(_)) => true,
            ("np.ndarray", Value::Array(_)) => true,
            ("int", Value::Int(_) | Value::Bool(_)) => true,
            ("float", Value::Float(_)) => true,
            ("float", Value::NpScalar(t)) => t.dtype() == DType::F64,
            ("bool", Value::Bool(_)) => true,
            ("str", Value::Str(_)) => true,
            ("list", Value::List(_)) => true,
            ("tuple", Value::Tuple(_)) => true,
            _ => false,
        };
    }
    Ok(Value::Bool(yes))
}

/// `type()`.
pub fn type_of(
    _it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("type", args, kwargs)?;
    Ok(Value::Type(v.type_name().into()))
}
