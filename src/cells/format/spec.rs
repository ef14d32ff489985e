//! Python's format-spec mini-language (`format(x, spec)`, f-string `{x:>8.3f}`) and
//! `str.format` templates.

use super::py::{format_float, repr, str, FmtArg, FmtError, Num};
use crate::engine::tensor::Tensor;

/// Widths and precisions past this are refused (Python would try to build the string).
pub(super) const MAX_WIDTH: usize = 100_000;

/// A parsed `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
#[derive(Clone, Debug, Default)]
struct Spec {
    fill: Option<char>,
    align: Option<char>,
    sign: Option<char>,
    z: bool,
    alt: bool,
    zero: bool,
    width: usize,
    grouping: Option<char>,
    precision: Option<usize>,
    ty: Option<char>,
}

fn parse(spec: &str, type_name: &str) -> Result<Spec, FmtError> {
    let c: Vec<char> = spec.chars().collect();
    let mut s = Spec::default();
    let mut i = 0;
    let is_align = |ch: char| matches!(ch, '<' | '>' | '^' | '=');
    if c.len() >= 2 && is_align(c[1]) {
        s.fill = Some(c[0]);
        s.align = Some(c[1]);
        i = 2;
    } else if !c.is_empty() && is_align(c[0]) {
        s.align = Some(c[0]);
        i = 1;
    }
    if i < c.len() && matches!(c[i], '+' | '-' | ' ') {
        s.sign = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == 'z' {
        s.z = true;
        i += 1;
    }
    if i < c.len() && c[i] == '#' {
        s.alt = true;
        i += 1;
    }
    if i < c.len() && c[i] == '0' {
        s.zero = true;
        i += 1;
    }
    let number = |i: &mut usize| -> Result<Option<usize>, FmtError> {
        let start = *i;
        while *i < c.len() && c[*i].is_ascii_digit() {
            *i += 1;
        }
        if *i == start {
            return Ok(None);
        }
        let text: String = c[start..*i].iter().collect();
        match text.parse::<usize>() {
            Ok(n) if n <= MAX_WIDTH => Ok(Some(n)),
            _ => Err(FmtError::value_error(format!(
                "width or precision {text} is too big: a cell formats at most {MAX_WIDTH} characters"
            ))),
        }
    };
    s.width = number(&mut i)?.unwrap_or(0);
    if i < c.len() && matches!(c[i], ',' | '_') {
        s.grouping = Some(c[i]);
        i += 1;
    }
    if i < c.len() && c[i] == '.' {
        i += 1;
        s.precision = Some(
            number(&mut i)?
                .ok_or_else(|| FmtError::value_error("Format specifier missing precision"))?,
        );
    }
    if i + 1 < c.len() || (i < c.len() && !c[i].is_ascii_alphabetic() && c[i] != '%') {
        return Err(FmtError::value_error(format!(
            "Invalid format specifier '{spec}' for object of type '{type_name}'"
        )));
    }
    s.ty = c.get(i).copied();
    Ok(s)
}

/// `format(x, spec)`: what `f"{x:spec}"` and `"{:spec}".format(x)` write for `x`.
pub fn format_spec(x: &FmtArg, spec: &str) -> Result<String, FmtError> {
    match x {
        FmtArg::Str(s) => format_str(s, &parse(spec, "str")?),
        FmtArg::Int(i) => format_int(*i, &parse(spec, "int")?),
        FmtArg::Bool(b) if spec.is_empty() => Ok(str(&FmtArg::Bool(*b))),
        FmtArg::Bool(b) => format_int(i64::from(*b), &parse(spec, "bool")?),
        FmtArg::Float(f) => format_float_spec(*f, &parse(spec, "float")?),
        FmtArg::Tensor(t) | FmtArg::Array(t) | FmtArg::NpScalar(t) if t.rank() == 0 => {
            format_spec(&item(t), spec)
        }
        // EagerTensor.__format__ formats its NumPy value: an array's str, or nothing with a spec.
        FmtArg::Tensor(t) | FmtArg::Array(t) if spec.is_empty() => Ok(super::numpy::array_str(t)),
        FmtArg::Tensor(_) | FmtArg::Array(_) => Err(FmtError::type_error(
            "unsupported format string passed to numpy.ndarray.__format__",
        )),
        _ if spec.is_empty() => Ok(str(x)),
        _ => Err(FmtError::type_error(format!(
            "unsupported format string passed to {}.__format__",
            x.type_name()
        ))),
    }
}

/// `format(conversion(x), spec)`: an f-string field `{x!r:>10}`; `conversion` is `'r'`,
/// `'s'`, `'a'` or None.
pub fn format_value(x: &FmtArg, conversion: Option<char>, spec: &str) -> Result<String, FmtError> {
    match conversion {
        None => format_spec(x, spec),
        Some('s') => format_spec(&FmtArg::Str(str(x)), spec),
        Some('r') => format_spec(&FmtArg::Str(repr(x)), spec),
        Some('a') => format_spec(&FmtArg::Str(ascii(&repr(x))), spec),
        Some(c) => Err(FmtError::value_error(format!(
            "Unknown conversion specifier {c}"
        ))),
    }
}

/// `ascii()`: `repr` with every non-ASCII character escaped.
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c as u32 {
            n if n < 0x80 => c.to_string(),
            n if n < 0x100 => format!("\\x{n:02x}"),
            n if n < 0x10000 => format!("\\u{n:04x}"),
            n => format!("\\U{n:08x}"),
        })
        .collect()
}

/// The Python value a 0-d tensor's `item()` gives (float32 widens to a Python float).
fn item(t: &Tensor) -> FmtArg {
    let v = t.to_f64_vec().first().copied().unwrap_or(0.0);
    match t {
        Tensor::F32(_) | Tensor::F64(_) => FmtArg::Float(v),
        Tensor::Bool(_) => FmtArg::Bool(v != 0.0),
        _ => FmtArg::Int(t.as_indices().and_then(|i| i.first().copied()).unwrap_or(0)),
    }
}

/// A number's text as sign, prefix (`0x`), integral digits and the rest (`.25e+03%`), laid
/// out with fill, alignment, zero padding and grouping.
fn layout(
    negative: bool,
    prefix: &str,
    digits: &str,
    rest: &str,
    s: &Spec,
    group_len: usize,
) -> String {
    let sign = match (negative, s.sign) {
        (true, _) => "-",
        (false, Some('+')) => "+",
        (false, Some(' ')) => " ",
        _ => "",
    };
    let (fill, align) = match (s.fill, s.align, s.zero) {
        (f, Some(a), _) => (f.unwrap_or(' '), a),
        (None, None, true) => ('0', '='),
        (f, None, _) => (f.unwrap_or(' '), '>'),
    };
    let fixed = sign.len() + prefix.len() + rest.chars().count();
    let digits = match s.grouping {
        Some(sep) if !digits.is_empty() => {
            let min = if fill == '0' && align == '=' {
                s.width.saturating_sub(fixed)
            } else {
                0
            };
            group(digits, sep, group_len, min)
        }
        _ => digits.to_string(),
    };
    let body_len = fixed + digits.chars().count();
    let pad = s.width.saturating_sub(body_len);
    let fills = |n: usize| fill.to_string().repeat(n);
    match align {
        '<' => format!("{sign}{prefix}{digits}{rest}{}", fills(pad)),
        '^' => format!(
            "{}{sign}{prefix}{digits}{rest}{}",
            fills(pad / 2),
            fills(pad - pad / 2)
        ),
        '=' => format!("{sign}{prefix}{}{digits}{rest}", fills(pad)),
        _ => format!("{}{sign}{prefix}{digits}{rest}", fills(pad)),
    }
}

/// CPython's `_PyUnicode_InsertThousandsGrouping`: separators every `len` digits from the
/// right, zero-filled on the left to at least `min_width` characters.
fn group(digits: &str, sep: char, len: usize, mut min_width: usize) -> String {
    let ds: Vec<char> = digits.chars().collect();
    let mut remaining = ds.len();
    let mut groups: Vec<String> = Vec::new();
    loop {
        let l = len.min(remaining.max(min_width).max(1));
        let n_chars = remaining.min(l);
        let n_zeros = l - n_chars;
        let chunk: String = "0".repeat(n_zeros)
            + &ds[remaining - n_chars..remaining]
                .iter()
                .collect::<String>();
        groups.push(chunk);
        remaining -= n_chars;
        min_width = min_width.saturating_sub(len);
        if remaining == 0 && min_width == 0 {
            break;
        }
        min_width = min_width.saturating_sub(1);
    }
    groups.reverse();
    groups.join(&sep.to_string())
}

fn format_str(v: &str, s: &Spec) -> Result<String, FmtError> {
    match s.ty {
        None | Some('s') => {}
        Some(t) => return Err(unknown_code(t, "str")),
    }
    if s.sign.is_some() {
        return Err(FmtError::value_error(
            "Sign not allowed in string format specifier",
        ));
    }
    if s.alt {
        return Err(FmtError::value_error(
            "Alternate form (#) not allowed in string format specifier",
        ));
    }
    if s.align == Some('=') {
        return Err(FmtError::value_error(
            "'=' alignment not allowed in string format specifier",
        ));
    }
    if let Some(g) = s.grouping {
        return Err(FmtError::value_error(format!(
            "Cannot specify '{g}' with 's'."
        )));
    }
    let text: String = match s.precision {
        Some(p) => v.chars().take(p).collect(),
        None => v.to_string(),
    };
    let fill = s.fill.unwrap_or(if s.zero && s.align.is_none() {
        '0'
    } else {
        ' '
    });
    let pad = s.width.saturating_sub(text.chars().count());
    let fills = |n: usize| fill.to_string().repeat(n);
    Ok(match s.align.unwrap_or('<') {
        '>' => format!("{}{text}", fills(pad)),
        '^' => format!("{}{text}{}", fills(pad / 2), fills(pad - pad / 2)),
        _ => format!("{text}{}", fills(pad)),
    })
}

fn unknown_code(t: char, type_name: &str) -> FmtError {
    FmtError::value_error(format!(
        "Unknown format code '{t}' for object of type '{type_name}'"
    ))
}

fn format_int(v: i64, s: &Spec) -> Result<String, FmtError> {
    if matches!(s.ty, Some('e' | 'E' | 'f' | 'F' | 'g' | 'G' | '%')) {
        return format_float_spec(v as f64, s);
    }
    if s.precision.is_some() {
        return Err(FmtError::value_error(
            "Precision not allowed in integer format specifier",
        ));
    }
    let mag = v.unsigned_abs();
    let (prefix, digits, group_len) = match s.ty {
        None | Some('d') | Some('n') => ("", mag.to_string(), 3),
        Some('b') => ("0b", format!("{mag:b}"), 4),
        Some('o') => ("0o", format!("{mag:o}"), 4),
        Some('x') => ("0x", format!("{mag:x}"), 4),
        Some('X') => ("0X", format!("{mag:X}"), 4),
        Some('c') => {
            let c = u32::try_from(v)
                .ok()
                .and_then(char::from_u32)
                .ok_or_else(|| FmtError {
                    kind: super::py::ErrorKind::OverflowError,
                    message: "%c arg not in range(0x110000)".into(),
                })?;
            return format_str(
                &c.to_string(),
                &Spec {
                    ty: None,
                    ..s.clone()
                },
            );
        }
        Some(t) => return Err(unknown_code(t, "int")),
    };
    if s.grouping == Some(',') && group_len == 4 {
        return Err(FmtError::value_error(format!(
            "Cannot specify ',' with '{}'.",
            s.ty.unwrap_or('d')
        )));
    }
    let prefix = if s.alt { prefix } else { "" };
    Ok(layout(v < 0, prefix, &digits, "", s, group_len))
}

fn format_float_spec(v: f64, s: &Spec) -> Result<String, FmtError> {
    let (code, precision, add_dot_0, upper, percent) = match s.ty {
        None if s.precision.is_none() => ('r', 0, true, false, false),
        None => ('g', s.precision.unwrap_or(6), true, false, false),
        Some(t @ ('e' | 'E' | 'f' | 'F' | 'g' | 'G')) => (
            t.to_ascii_lowercase(),
            s.precision.unwrap_or(6),
            false,
            t.is_ascii_uppercase(),
            false,
        ),
        Some('n') => ('g', s.precision.unwrap_or(6), false, false, false),
        Some('%') => ('f', s.precision.unwrap_or(6), false, false, true),
        Some(t) => return Err(unknown_code(t, "float")),
    };
    let x = if percent { v * 100.0 } else { v };
    let mut text = format_float(x, code, precision, s.alt, add_dot_0);
    if upper {
        text = text.to_uppercase();
    }
    let mut negative = text.starts_with('-');
    if negative {
        text.remove(0);
        if s.z && text.chars().all(|c| matches!(c, '0' | '.')) {
            negative = false;
        }
    }
    if percent {
        text.push('%');
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, rest) = text.split_at(split);
    Ok(layout(negative, "", digits, rest, s, 3))
}

impl Num {
    /// The number as a float (`float(x)`).
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}
