//! `int(x, base)` and `int(string)`: Python's arguments (only `base` by name) and its reading
//! of a string of digits in bases 2 to 36, or 0 (the prefix decides).

use super::*;

/// `int()`'s arguments: `x` by position only, `base` by position or name.
pub fn args(
    mut args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<(Option<Value>, Option<Value>), Raise> {
    let given = args.len() + kwargs.len();
    if given > 2 {
        return Err(Raise::type_error(format!(
            "int() takes at most 2 arguments ({given} given)"
        )));
    }
    let mut base = (args.len() == 2).then(|| args.pop()).flatten();
    for (k, v) in kwargs {
        if k != "base" || base.is_some() {
            let why = if k == "base" {
                "argument for int() given by name ('base') and position (2)".to_string()
            } else {
                format!("'{k}' is an invalid keyword argument for int()")
            };
            return Err(Raise::type_error(why));
        }
        base = Some(v);
    }
    Ok((args.pop(), base))
}

/// `int(s, base)` for a string `s`, as Python reads it: whitespace around, a sign, the base's
/// prefix (`0x`, `0o`, `0b`; base 0 takes it from the prefix, else decimal without leading
/// zeros), single underscores between digits.
pub fn parse(it: &mut Interp, v: &Value, s: &str, base: &Value) -> Result<Value, Raise> {
    let b = operator_index(base)?.ok_or_else(|| {
        Raise::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            base.type_name()
        ))
    })?;
    if b != 0 && !(2..=36).contains(&b) {
        return Err(Raise::value_error(
            "int() base must be >= 2 and <= 36, or 0",
        ));
    }
    let invalid = |it: &mut Interp| {
        Raise::value_error(format!(
            "invalid literal for int() with base {b}: {}",
            crate::cells::print::repr(it, v)
        ))
    };
    match digits(s.trim(), b as u32) {
        Some(Ok(n)) => Ok(Value::Int(n)),
        Some(Err(())) => Err(arith::overflow()),
        None => Err(invalid(it)),
    }
}

/// The value of `text` in `base` (0: by prefix); None where Python finds it invalid,
/// `Some(Err)` past 64 bits.
fn digits(text: &str, base: u32) -> Option<Result<i64, ()>> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let lower = body.to_ascii_lowercase();
    let prefixed = |p: &str| lower.starts_with(p) && lower.len() > 2;
    let (base, rest, had_prefix) = match base {
        0 | 16 if prefixed("0x") => (16, &body[2..], true),
        0 | 8 if prefixed("0o") => (8, &body[2..], true),
        0 | 2 if prefixed("0b") => (2, &body[2..], true),
        0 => {
            // base 0 reads a decimal without leading zeros, but zeros alone are 0
            if body.starts_with('0') && body.chars().any(|c| c != '0' && c != '_') {
                return None;
            }
            (10, body, false)
        }
        b => (b, body, false),
    };
    // an underscore may follow the prefix, and sits between digits everywhere else
    let rest = match rest.strip_prefix('_') {
        Some(r) if had_prefix => r,
        Some(_) => return None,
        None => rest,
    };
    if rest.is_empty() || rest.ends_with('_') || rest.contains("__") {
        return None;
    }
    let mut n: i128 = 0;
    for c in rest.chars().filter(|&c| c != '_') {
        n = n * i128::from(base) + i128::from(c.to_digit(base)?);
        if n > i128::from(i64::MAX) + 1 {
            return Some(Err(()));
        }
    }
    let n = if negative { -n } else { n };
    Some(i64::try_from(n).map_err(|_| ()))
}

#[cfg(test)]
mod tests {
    use super::digits;

    #[test]
    fn reads_python_literals() {
        assert_eq!(digits("ff", 16), Some(Ok(255)));
        assert_eq!(digits("0x_1f", 0), Some(Ok(31)));
        assert_eq!(digits("-0o17", 8), Some(Ok(-15)));
        assert_eq!(digits("1_0", 16), Some(Ok(16)));
        assert_eq!(digits("00", 0), Some(Ok(0)));
        assert_eq!(digits("010", 0), None);
        assert_eq!(digits("1__0", 10), None);
        assert_eq!(digits("_10", 16), None);
        assert_eq!(digits("12", 2), None);
        assert_eq!(digits("0x", 16), None);
        assert_eq!(digits("-9223372036854775808", 10), Some(Ok(i64::MIN)));
        assert_eq!(digits("9223372036854775808", 10), Some(Err(())));
    }
}
