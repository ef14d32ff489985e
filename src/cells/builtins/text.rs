//! `print`, `str`, `repr` and `format`: Python's text of a value, as the notebook prints it.

use super::*;

/// `print()`, checked in Python's order: an unknown keyword, then `flush`'s truth (any value;
/// an ambiguous array raises), then `sep` and `end` (None or a string), then `file` (None, the
/// notebook's output; anything else has no `write` in the subset). Output is never buffered,
/// so a true `flush` has nothing left to do.
pub fn print(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut given: [Option<Value>; 4] = Default::default();
    for (k, v) in kwargs {
        let slot = match k.as_str() {
            "sep" => 0,
            "end" => 1,
            "file" => 2,
            "flush" => 3,
            _ => {
                return Err(Raise::type_error(format!(
                    "'{k}' is an invalid keyword argument for print()"
                )))
            }
        };
        given[slot] = Some(v);
    }
    let [sep, end, file, flush] = given;
    if let Some(f) = &flush {
        it.truth(f)?;
    }
    let text = |name: &str, v: Option<Value>, default: &str| match v {
        None | Some(Value::None) => Ok(default.to_string()),
        Some(Value::Str(s)) => Ok(s.to_string()),
        Some(other) => Err(Raise::type_error(format!(
            "{name} must be None or a string, not {}",
            other.type_name()
        ))),
    };
    let sep = text("sep", sep, " ")?;
    let end = text("end", end, "\n")?;
    if let Some(f) = file.filter(|f| !matches!(f, Value::None)) {
        // Python looks up `file.write` before writing anything
        crate::cells::attrs::get(it, f, "write")?;
        return Err(Raise::type_error(
            "print(file=...) is not available in a cell: print writes to the cell's output",
        ));
    }
    let mut line = String::new();
    for (k, a) in args.iter().enumerate() {
        if k > 0 {
            line.push_str(&sep);
        }
        // Python's RecursionError for a value nested too deep comes before anything is sized
        crate::cells::print::nested_printable(it, a)?;
        // what print writes meets stdout's limit before it is written out
        let at_least =
            crate::cells::budget::printed_len(it, a, crate::cells::budget::MAX_ITEMS + 1);
        it.write_room(line.len() + at_least)?;
        line.push_str(&crate::cells::print::checked_str(it, a)?);
        it.write_room(line.len())?;
    }
    line.push_str(&end);
    it.write(&line)?;
    Ok(Value::None)
}

/// `str()`, `str(object=x)`. The subset has no bytes, so an `encoding` or `errors` (checked
/// to be strings, as Python checks them first) leaves nothing it could decode.
pub fn str(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let given = args.len() + kwargs.len();
    if given > 3 {
        return Err(Raise::type_error(format!(
            "str() takes at most 3 arguments ({given} given)"
        )));
    }
    let names = ["object", "encoding", "errors"];
    let mut slots: [Option<Value>; 3] = Default::default();
    for (slot, a) in slots.iter_mut().zip(args) {
        *slot = Some(a);
    }
    for (k, v) in kwargs {
        let Some(at) = names.iter().position(|n| *n == k) else {
            return Err(Raise::type_error(format!(
                "'{k}' is an invalid keyword argument for str()"
            )));
        };
        if slots[at].is_some() {
            return Err(Raise::type_error(format!(
                "argument for str() given by name ('{k}') and position ({})",
                at + 1
            )));
        }
        slots[at] = Some(v);
    }
    let [object, encoding, errors] = slots;
    for (name, v) in [("encoding", &encoding), ("errors", &errors)] {
        if let Some(v) = v.as_ref().filter(|v| !matches!(v, Value::Str(_))) {
            return Err(Raise::type_error(format!(
                "str() argument '{name}' must be str, not {}",
                v.type_name()
            )));
        }
    }
    let Some(v) = object else {
        return Ok(Value::str(""));
    };
    if encoding.is_some() || errors.is_some() {
        let why = match v {
            Value::Str(_) => "decoding str is not supported".to_string(),
            other => format!(
                "decoding to str: need a bytes-like object, {} found",
                other.type_name()
            ),
        };
        return Err(Raise::type_error(why));
    }
    let text = crate::cells::print::checked_str(it, &v)?;
    it.new_str(text)
}

/// `repr()`.
pub fn repr(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("repr", args, kwargs)?;
    let text = crate::cells::print::checked_repr(it, &v)?;
    it.new_str(text)
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
    let text = crate::cells::print::format_value(it, &v, None, &spec)?;
    it.new_str(text)
}
