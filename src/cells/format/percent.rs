//! Python's printf-style `%` formatting of strings (`'Loss = %f' % L`, `'%d/%d' % (i, n)`).

use super::py::{format_float, repr, str, ErrorKind, FmtArg, FmtError, Num};
use super::spec::MAX_WIDTH;

/// `fmt % args`: `args` holds the tuple's items, or the one value when the right operand is
/// not a tuple. Supports `%d %i %u %o %x %X %e %E %f %F %g %G %c %s %r %a %%` with the flags
/// `-+ 0#`, width and precision (numbers or `*`).
pub fn percent(fmt: &str, args: &[FmtArg]) -> Result<String, FmtError> {
    percent_with(fmt, args, None)
}

/// A dict's value for a `%(key)` field, None when the dict has no such key.
pub type Lookup<'a> = &'a mut dyn FnMut(&str) -> Option<FmtArg>;

/// `fmt % args` where the right operand may be a dict (`lookup` reads it, `args` is the dict
/// itself): `%(key)s` formats the dict's value, a field without a key formats the dict, and
/// arguments left over are no error, as in CPython's unicode_format.
pub fn percent_with(
    fmt: &str,
    args: &[FmtArg],
    mut lookup: Option<Lookup<'_>>,
) -> Result<String, FmtError> {
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len());
    let mut supply = Supply {
        args,
        next: 0,
        mapping: lookup.is_some(),
        keyed: None,
    };
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != '%' {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let incomplete = || FmtError::value_error("incomplete format");
        if chars.get(i) == Some(&'(') {
            let Some(lookup) = lookup.as_mut() else {
                return Err(FmtError::type_error("format requires a mapping"));
            };
            let key = mapping_key(&chars, &mut i)?;
            let value = lookup(&key).ok_or_else(|| FmtError {
                kind: ErrorKind::KeyError,
                message: repr(&FmtArg::Str(key)),
            })?;
            supply.keyed = Some(value);
            supply.next = 0;
        }
        let mut flags = Flags::default();
        while let Some(&c) = chars.get(i) {
            match c {
                '-' => flags.left = true,
                '+' => flags.plus = true,
                ' ' => flags.space = true,
                '0' => flags.zero = true,
                '#' => flags.alt = true,
                _ => break,
            }
            i += 1;
        }
        let width = number(&chars, &mut i, &mut supply)?.unwrap_or(0);
        let precision = if chars.get(i) == Some(&'.') {
            i += 1;
            Some(number(&chars, &mut i, &mut supply)?.unwrap_or(0))
        } else {
            None
        };
        if width > MAX_WIDTH || precision.is_some_and(|p| p > MAX_WIDTH) {
            return Err(FmtError::value_error(format!(
                "width or precision is too big: a cell formats at most {MAX_WIDTH} characters"
            )));
        }
        while chars.get(i).is_some_and(|c| matches!(c, 'h' | 'l' | 'L')) {
            i += 1;
        }
        let conv = *chars.get(i).ok_or_else(incomplete)?;
        i += 1;
        if conv == '%' {
            out.push('%');
            continue;
        }
        let arg = supply.next()?;
        let piece = convert(conv, arg, &flags, precision, start)?;
        out.push_str(&pad(piece, width, &flags));
        FmtError::check_len(&out)?;
    }
    if !supply.mapping && supply.next < args.len() {
        return Err(FmtError::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// The key of a `%(key)` field, parentheses inside it balanced as CPython reads them; `i`
/// moves past its closing parenthesis.
fn mapping_key(chars: &[char], i: &mut usize) -> Result<String, FmtError> {
    let mut depth = 1;
    let from = *i + 1;
    let mut k = from;
    while k < chars.len() {
        match chars[k] {
            '(' => depth += 1,
            ')' if depth == 1 => {
                *i = k + 1;
                return Ok(chars[from..k].iter().collect());
            }
            ')' => depth -= 1,
            _ => {}
        }
        k += 1;
    }
    Err(FmtError::value_error("incomplete format key"))
}

/// Where a field's argument comes from: the next of a tuple's items, or for a dict, the
/// dict itself or the value of the field's key, each once.
struct Supply<'a> {
    args: &'a [FmtArg],
    next: usize,
    mapping: bool,
    keyed: Option<FmtArg>,
}

impl Supply<'_> {
    /// The next argument, or the error Python gives when there is none.
    fn next(&mut self) -> Result<&FmtArg, FmtError> {
        let none_left = || FmtError::type_error("not enough arguments for format string");
        if self.mapping {
            if self.next > 0 {
                return Err(none_left());
            }
            self.next = 1;
            return match &self.keyed {
                Some(value) => Ok(value),
                None => self.args.first().ok_or_else(none_left),
            };
        }
        let a = self.args.get(self.next).ok_or_else(none_left)?;
        self.next += 1;
        Ok(a)
    }
}

/// A width or precision: digits, or `*` taking the next argument.
fn number(chars: &[char], i: &mut usize, supply: &mut Supply) -> Result<Option<usize>, FmtError> {
    if chars.get(*i) == Some(&'*') {
        *i += 1;
        // an int or bool only: no other type's `__index__` counts here
        let n = match supply.next()? {
            FmtArg::Int(n) => *n,
            FmtArg::Bool(b) => i64::from(*b),
            _ => return Err(FmtError::type_error("* wants int")),
        };
        return Ok(Some(
            usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX),
        ));
    }
    let s = *i;
    while chars.get(*i).is_some_and(|c| c.is_ascii_digit()) {
        *i += 1;
    }
    if *i == s {
        return Ok(None);
    }
    let text: String = chars[s..*i].iter().collect();
    Ok(Some(text.parse::<usize>().unwrap_or(usize::MAX)))
}

#[derive(Default)]
struct Flags {
    left: bool,
    plus: bool,
    space: bool,
    zero: bool,
    alt: bool,
}

/// A converted field before padding: its sign (or empty), prefix such as `0x`, and body.
struct Piece {
    sign: &'static str,
    prefix: &'static str,
    body: String,
    numeric: bool,
}

fn convert(
    conv: char,
    arg: &FmtArg,
    f: &Flags,
    precision: Option<usize>,
    at: usize,
) -> Result<Piece, FmtError> {
    let text = |body: String| Piece {
        sign: "",
        prefix: "",
        body,
        numeric: false,
    };
    Ok(match conv {
        's' => text(truncate(str(arg), precision)),
        'r' => text(truncate(repr(arg), precision)),
        'a' => text(truncate(ascii(&repr(arg)), precision)),
        'c' => text(char_of(arg)?),
        'd' | 'i' | 'u' => decimal(conv, arg, f, precision)?,
        'o' | 'x' | 'X' => octal_or_hex(conv, arg, f, precision)?,
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' => float(conv, arg, f, precision)?,
        c => {
            return Err(FmtError::value_error(format!(
                "unsupported format character '{c}' (0x{:x}) at index {}",
                c as u32,
                at + 1
            )))
        }
    })
}

/// The sign a number's text starts with: `-`, or what the `+` and space flags ask for.
fn sign_of(negative: bool, f: &Flags) -> &'static str {
    if negative {
        "-"
    } else if f.plus {
        "+"
    } else if f.space {
        " "
    } else {
        ""
    }
}

/// `ascii()`: non-ASCII characters escaped.
fn ascii(repr: &str) -> String {
    repr.chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                c.escape_unicode().to_string()
            }
        })
        .collect()
}

/// `%c`: a one-character string, or the character of a code point.
fn char_of(arg: &FmtArg) -> Result<String, FmtError> {
    if let FmtArg::Str(s) = arg {
        if s.chars().count() == 1 {
            return Ok(s.clone());
        }
    }
    let n = arg
        .strict_index()?
        .ok_or_else(|| FmtError::type_error("%c requires int or char"))?;
    Ok(u32::try_from(n)
        .ok()
        .and_then(char::from_u32)
        .ok_or_else(|| FmtError {
            kind: super::py::ErrorKind::OverflowError,
            message: "%c arg not in range(0x110000)".into(),
        })?
        .to_string())
}

/// `%d`, `%i`, `%u`: a real number's integer part.
fn decimal(
    conv: char,
    arg: &FmtArg,
    f: &Flags,
    precision: Option<usize>,
) -> Result<Piece, FmtError> {
    let n = arg.number().ok_or_else(|| {
        FmtError::type_error(format!(
            "%{conv} format: a real number is required, not {}",
            arg.tp_name()
        ))
    })?;
    let (negative, mut digits) = int_text(n)?;
    if let Some(p) = precision {
        digits = format!("{digits:0>p$}");
    }
    Ok(Piece {
        sign: sign_of(negative, f),
        prefix: "",
        body: digits,
        numeric: true,
    })
}

/// `%o`, `%x`, `%X`: an integer (not a float) in base 8 or 16, `#` adding its prefix.
fn octal_or_hex(
    conv: char,
    arg: &FmtArg,
    f: &Flags,
    precision: Option<usize>,
) -> Result<Piece, FmtError> {
    let n = arg.strict_index()?.ok_or_else(|| {
        FmtError::type_error(format!(
            "%{conv} format: an integer is required, not {}",
            arg.tp_name()
        ))
    })?;
    let m = n.unsigned_abs();
    let mut digits = match conv {
        'o' => format!("{m:o}"),
        'x' => format!("{m:x}"),
        _ => format!("{m:X}"),
    };
    if let Some(p) = precision {
        digits = format!("{digits:0>p$}");
    }
    let prefix = match (f.alt, conv) {
        (false, _) => "",
        (true, 'o') => "0o",
        (true, 'x') => "0x",
        (true, _) => "0X",
    };
    Ok(Piece {
        sign: sign_of(n < 0, f),
        prefix,
        body: digits,
        numeric: true,
    })
}

/// `%e`, `%f`, `%g` and their upper-case forms, 6 digits unless a precision is given.
fn float(conv: char, arg: &FmtArg, f: &Flags, precision: Option<usize>) -> Result<Piece, FmtError> {
    let x = arg
        .number()
        .ok_or_else(|| {
            FmtError::type_error(format!("must be real number, not {}", arg.type_name()))
        })?
        .as_f64();
    let mut body = format_float(
        x,
        conv.to_ascii_lowercase(),
        precision.unwrap_or(6),
        f.alt,
        false,
    );
    if conv.is_ascii_uppercase() {
        body = body.to_uppercase();
    }
    let negative = body.starts_with('-');
    if negative {
        body.remove(0);
    }
    Ok(Piece {
        sign: sign_of(negative, f),
        prefix: "",
        body,
        numeric: true,
    })
}

/// `int(x)` as decimal digits and its sign (floats truncate toward zero).
fn int_text(n: Num) -> Result<(bool, String), FmtError> {
    match n {
        Num::Int(i) => Ok((i < 0, i.unsigned_abs().to_string())),
        Num::Float(x) if x.is_nan() => {
            Err(FmtError::value_error("cannot convert float NaN to integer"))
        }
        Num::Float(x) if x.is_infinite() => Err(FmtError {
            kind: super::py::ErrorKind::OverflowError,
            message: "cannot convert float infinity to integer".into(),
        }),
        Num::Float(x) => {
            let t = x.trunc();
            Ok((t < 0.0, format!("{:.0}", t.abs())))
        }
    }
}

fn truncate(s: String, precision: Option<usize>) -> String {
    match precision {
        Some(p) => s.chars().take(p).collect(),
        None => s,
    }
}

/// Pads to `width`: left-justified with `-`, zero-filled after the sign with `0` (numbers
/// only), else right-justified with spaces.
fn pad(p: Piece, width: usize, f: &Flags) -> String {
    let len = p.sign.len() + p.prefix.len() + p.body.chars().count();
    let fill = width.saturating_sub(len);
    if f.left {
        format!("{}{}{}{}", p.sign, p.prefix, p.body, " ".repeat(fill))
    } else if f.zero && p.numeric {
        format!("{}{}{}{}", p.sign, p.prefix, "0".repeat(fill), p.body)
    } else {
        format!("{}{}{}{}", " ".repeat(fill), p.sign, p.prefix, p.body)
    }
}
