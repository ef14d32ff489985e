//! `print`, `str`, `repr` and `format`: Python's text of a value, as the notebook prints it.

use super::*;

/// `print()`.
pub fn print(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut sep = " ".to_string();
    let mut end = "\n".to_string();
    for (k, v) in kwargs {
        let s = match v {
            Value::None => None,
            Value::Str(s) => Some(s.to_string()),
            other => {
                return Err(Raise::type_error(format!(
                    "{k} must be None or a string, not {}",
                    other.type_name()
                )))
            }
        };
        match k.as_str() {
            "sep" => sep = s.unwrap_or_else(|| " ".into()),
            "end" => end = s.unwrap_or_else(|| "\n".into()),
            "flush" => {}
            _ => {
                return Err(Raise::type_error(format!(
                    "'{k}' is an invalid keyword argument for print()"
                )))
            }
        }
    }
    let mut line = String::new();
    for (k, a) in args.iter().enumerate() {
        if k > 0 {
            line.push_str(&sep);
        }
        line.push_str(&crate::cells::print::str(it, a));
    }
    line.push_str(&end);
    it.write(&line)?;
    Ok(Value::None)
}

/// `str()`.
pub fn str(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if args.is_empty() {
        return Ok(Value::str(""));
    }
    let v = one("str", args, kwargs)?;
    Ok(Value::str(crate::cells::print::str(it, &v)))
}

/// `repr()`.
pub fn repr(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("repr", args, kwargs)?;
    Ok(Value::str(crate::cells::print::repr(it, &v)))
}

/// `format()`.
pub fn format(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args("format", &["value", "format_spec"], args, kwargs)?.into_iter();
    let v = s
        .next()
        .flatten()
        .ok_or_else(|| Raise::type_error("format() takes a value"))?;
    let spec = match s.next().flatten() {
        Some(Value::Str(x)) => x.to_string(),
        None => String::new(),
        Some(_) => return Err(Raise::type_error("format() argument 2 must be str")),
    };
    Ok(Value::str(crate::cells::print::format_value(
        it, &v, None, &spec,
    )?))
}
