//! `str.format` templates: `"{} {:.2f} {name!r}".format(...)`.

use super::py::{str, FmtArg, FmtError};
use super::spec::format_value;

/// `template.format(*args, **kwargs)`: `{}`, `{0}`, `{name}`, `{0[1]}`, `!r`/`!s`/`!a`,
/// `:spec` with nested `{}` fields in the spec, `{{` and `}}`.
pub fn str_format(
    template: &str,
    args: &[FmtArg],
    kwargs: &[(String, FmtArg)],
) -> Result<String, FmtError> {
    let mut auto = 0usize;
    let mut manual = false;
    let mut automatic = false;
    let mut lookup = |name: &str| -> Result<FmtArg, FmtError> {
        resolve(name, args, kwargs, &mut auto, &mut manual, &mut automatic)
    };
    let chars: Vec<char> = template.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '}' {
            if chars.get(i + 1) == Some(&'}') {
                out.push('}');
                i += 2;
                continue;
            }
            return Err(FmtError::value_error(
                "Single '}' encountered in format string",
            ));
        }
        if c != '{' {
            out.push(c);
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            out.push('{');
            i += 2;
            continue;
        }
        let j = field_end(&chars, i)?;
        let field: String = chars[i + 1..j - 1].iter().collect();
        out.push_str(&replace_field(&field, &mut lookup)?);
        FmtError::check_len(&out)?;
        i = j;
    }
    Ok(out)
}

/// The first field of `template` that reads an attribute (`{0.shape}`, `{x.dtype}`), which
/// `str.format` would look up on the object itself: outside the cell subset, where only indexing
/// (`{0[1]}`) is. A malformed template gives None, so running it raises Python's error.
pub fn attribute_field(template: &str) -> Option<String> {
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '{' {
            i += 1;
            continue;
        }
        if chars.get(i + 1) == Some(&'{') {
            i += 2;
            continue;
        }
        let j = field_end(&chars, i).ok()?;
        let field: String = chars[i + 1..j - 1].iter().collect();
        // the field's name ends at its conversion or spec; a '.' inside `[...]` is a key
        let mut in_key = false;
        for c in field.chars() {
            match c {
                '[' => in_key = true,
                ']' => in_key = false,
                '.' if !in_key => return Some(field),
                '!' | ':' if !in_key => break,
                _ => {}
            }
        }
        i = j;
    }
    None
}

/// Just past the `}` that closes the field opened at `open` (a spec may nest one level of
/// braces).
fn field_end(chars: &[char], open: usize) -> Result<usize, FmtError> {
    let mut depth = 1;
    let mut j = open + 1;
    while j < chars.len() && depth > 0 {
        match chars[j] {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        j += 1;
    }
    if depth > 0 {
        return Err(FmtError::value_error("expected '}' before end of string"));
    }
    Ok(j)
}

/// One field's text, `name!conversion:spec` between the braces, formatted.
fn replace_field(
    field: &str,
    lookup: &mut impl FnMut(&str) -> Result<FmtArg, FmtError>,
) -> Result<String, FmtError> {
    let (head, spec) = match field.find(':') {
        Some(k) => (&field[..k], &field[k + 1..]),
        None => (field, ""),
    };
    let (name, conversion) = match head.find('!') {
        Some(k) => {
            let conv: Vec<char> = head[k + 1..].chars().collect();
            if conv.len() != 1 {
                return Err(FmtError::value_error(
                    "expected ':' after conversion specifier",
                ));
            }
            (&head[..k], Some(conv[0]))
        }
        None => (head, None),
    };
    let value = lookup(name)?;
    let spec = if spec.contains('{') {
        let mut nested = String::new();
        let mut rest = spec;
        while let Some(open) = rest.find('{') {
            nested.push_str(&rest[..open]);
            let close = rest[open..]
                .find('}')
                .map(|k| open + k)
                .ok_or_else(|| FmtError::value_error("unmatched '{' in format spec"))?;
            nested.push_str(&str(&lookup(&rest[open + 1..close])?));
            rest = &rest[close + 1..];
        }
        nested.push_str(rest);
        nested
    } else {
        spec.to_string()
    };
    format_value(&value, conversion, &spec)
}

/// The argument a field names: `""` (next automatic), `"0"`, `"name"`, with `[i]` indexing.
fn resolve(
    name: &str,
    args: &[FmtArg],
    kwargs: &[(String, FmtArg)],
    auto: &mut usize,
    manual: &mut bool,
    automatic: &mut bool,
) -> Result<FmtArg, FmtError> {
    let (base, index) = match name.find(['[', '.']) {
        Some(k) => (&name[..k], &name[k..]),
        None => (name, ""),
    };
    let mut value = if base.is_empty() {
        if *manual {
            return Err(FmtError::value_error(
                "cannot switch from manual field specification to automatic field numbering",
            ));
        }
        *automatic = true;
        let n = *auto;
        *auto += 1;
        positional(args, n)?
    } else if let Ok(n) = base.parse::<usize>() {
        if *automatic {
            return Err(FmtError::value_error(
                "cannot switch from automatic field numbering to manual field specification",
            ));
        }
        *manual = true;
        positional(args, n)?
    } else {
        kwargs
            .iter()
            .find(|(k, _)| k == base)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| FmtError {
                kind: super::py::ErrorKind::KeyError,
                message: format!("'{base}'"),
            })?
    };
    let mut rest = index;
    while !rest.is_empty() {
        if let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| FmtError::value_error("Missing ']' in format string"))?;
            let key = &inner[..close];
            let items = match &value {
                FmtArg::List(v) | FmtArg::Tuple(v) => v.clone(),
                other => {
                    return Err(FmtError::type_error(format!(
                        "'{}' object is not subscriptable",
                        other.type_name()
                    )))
                }
            };
            let k: usize = key.parse().map_err(|_| {
                FmtError::type_error(format!(
                    "list indices must be integers or slices, not str ({key})"
                ))
            })?;
            value = items.get(k).cloned().ok_or_else(|| FmtError {
                kind: super::py::ErrorKind::IndexError,
                message: "list index out of range".into(),
            })?;
            rest = &inner[close + 1..];
        } else {
            return Err(FmtError::value_error(format!(
                "attribute access in a format field ('{name}') is not available in a cell"
            )));
        }
    }
    Ok(value)
}

fn positional(args: &[FmtArg], n: usize) -> Result<FmtArg, FmtError> {
    args.get(n).cloned().ok_or_else(|| FmtError {
        kind: super::py::ErrorKind::IndexError,
        message: format!("Replacement index {n} out of range for positional args tuple"),
    })
}
