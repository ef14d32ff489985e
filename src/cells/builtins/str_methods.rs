//! A string's methods, as Python 3.11 runs them: `format`, `join`, `split`, `strip`, `replace`,
//! `find`, `count`, `ljust`/`rjust`/`center`/`zfill` (the padding a printed table uses),
//! case changes and tests. Positions count characters, not bytes.

use super::*;

pub const NAMES: &[&str] = &[
    "format",
    "join",
    "upper",
    "lower",
    "title",
    "capitalize",
    "strip",
    "lstrip",
    "rstrip",
    "split",
    "replace",
    "startswith",
    "endswith",
    "find",
    "index",
    "count",
    "ljust",
    "rjust",
    "center",
    "zfill",
    "isdigit",
    "isalpha",
    "isalnum",
    "isspace",
    "isupper",
    "islower",
];

pub fn call(
    it: &mut Interp,
    s: &str,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if name == "format" {
        let text = crate::cells::print::str_format(it, s, &args, &kwargs)?;
        return it.new_str(text);
    }
    if let Some((k, _)) = kwargs.first() {
        if !matches!((name, k.as_str()), ("split", "sep" | "maxsplit")) {
            return Err(Raise::type_error(format!(
                "str.{name}() takes no keyword arguments"
            )));
        }
    }
    let text = |k: usize| match args.get(k) {
        Some(Value::Str(x)) => Ok(Some(x.to_string())),
        None | Some(Value::None) => Ok(None),
        Some(other) => Err(Raise::type_error(format!(
            "must be str, not {}",
            other.type_name()
        ))),
    };
    let chars: Vec<char> = s.chars().collect();
    let made = match name {
        "join" => join(it, s, args.first())?,
        "upper" => Value::str(s.to_uppercase()),
        "lower" => Value::str(s.to_lowercase()),
        "title" => Value::str(title(s)),
        "capitalize" => {
            let mut cs = s.chars();
            let first = cs.next().map(|c| c.to_uppercase().to_string());
            Value::str(first.unwrap_or_default() + &cs.as_str().to_lowercase())
        }
        "strip" | "lstrip" | "rstrip" => {
            let set = text(0)?;
            let strip = |c: char| match &set {
                Some(set) => set.contains(c),
                None => c.is_whitespace(),
            };
            Value::str(match name {
                "strip" => s.trim_matches(strip),
                "lstrip" => s.trim_start_matches(strip),
                _ => s.trim_end_matches(strip),
            })
        }
        "split" => split(s, args, kwargs)?,
        "replace" => {
            let (old, new) = (text(0)?.unwrap_or_default(), text(1)?.unwrap_or_default());
            let n = args
                .get(2)
                .map(crate::cells::numpy::args::int_arg)
                .transpose()?
                .filter(|&n| n >= 0)
                .map_or(usize::MAX, |n| n as usize);
            // its length is known before it is made: every match (every gap, of an empty
            // `old`) gives way to `new`
            let matches = if old.is_empty() {
                chars.len() + 1
            } else {
                s.matches(&*old).count()
            };
            let grown = matches.min(n).saturating_mul(new.len());
            crate::cells::budget::str_fits(s.len().saturating_add(grown))?;
            Value::str(s.replacen(&old, &new, n))
        }
        "startswith" | "endswith" => {
            let options = match args.first() {
                Some(Value::Tuple(t)) => t.to_vec(),
                Some(v) => vec![v.clone()],
                None => Vec::new(),
            };
            let mut hit = false;
            for o in options {
                let Value::Str(p) = o else {
                    return Err(Raise::type_error(format!(
                        "{name} first arg must be str or a tuple of str, not {}",
                        o.type_name()
                    )));
                };
                hit |= if name == "startswith" {
                    s.starts_with(&*p)
                } else {
                    s.ends_with(&*p)
                };
            }
            Value::Bool(hit)
        }
        "find" | "index" | "count" => {
            let sub: Vec<char> = text(0)?.unwrap_or_default().chars().collect();
            let bound = |k: usize, default: usize| -> Result<usize, Raise> {
                let n = chars.len() as i64;
                Ok(match args.get(k) {
                    None | Some(Value::None) => default,
                    Some(v) => {
                        let i = crate::cells::numpy::args::int_arg(v)?;
                        (if i < 0 { (i + n).max(0) } else { i.min(n) }) as usize
                    }
                })
            };
            let (lo, hi) = (bound(1, 0)?, bound(2, chars.len())?);
            let hay = if lo <= hi {
                &chars[lo..hi]
            } else {
                &chars[0..0]
            };
            let at: Vec<usize> = occurrences(hay, &sub);
            match name {
                "count" => Value::Int(at.len() as i64),
                _ => match at.first() {
                    Some(&k) => Value::Int((lo + k) as i64),
                    None if name == "find" => Value::Int(-1),
                    None => return Err(Raise::value_error("substring not found")),
                },
            }
        }
        "ljust" | "rjust" | "center" | "zfill" => {
            let width = match args.first() {
                Some(v) => crate::cells::numpy::args::int_arg(v)?,
                None => {
                    return Err(Raise::type_error(format!(
                        "{name}() takes at least 1 argument (0 given)"
                    )))
                }
            };
            let fill = match text(1)? {
                Some(f) if f.chars().count() == 1 => f.chars().next().unwrap_or(' '),
                Some(_) => {
                    return Err(Raise::type_error(
                        "The fill character must be exactly one character long",
                    ))
                }
                None => ' ',
            };
            let width = width.max(0) as usize;
            crate::cells::budget::str_fits(s.len().max(width.saturating_mul(fill.len_utf8())))?;
            Value::str(pad(s, name, width, fill))
        }
        "isdigit" | "isalpha" | "isalnum" | "isspace" => {
            let test: fn(&char) -> bool = match name {
                "isdigit" => |c| c.is_ascii_digit(),
                "isalpha" => |c| c.is_alphabetic(),
                "isalnum" => |c| c.is_alphanumeric(),
                _ => |c| c.is_whitespace(),
            };
            Value::Bool(!chars.is_empty() && chars.iter().all(test))
        }
        "isupper" | "islower" => {
            let cased: Vec<&char> = chars.iter().filter(|c| c.is_alphabetic()).collect();
            let want = |c: &&char| {
                if name == "isupper" {
                    c.is_uppercase()
                } else {
                    c.is_lowercase()
                }
            };
            Value::Bool(!cased.is_empty() && cased.iter().all(want))
        }
        _ => {
            return Err(Raise::attr_error(format!(
                "'str' object has no attribute '{name}'"
            )))
        }
    };
    // every string and list a method makes counts against the cell's budget
    match &made {
        Value::Str(x) => it.room_for_str(x.len())?,
        Value::List(l) => {
            let n = crate::cells::value::lock(l).len();
            it.room_for_items("list", n)?
        }
        _ => {}
    }
    Ok(made)
}

fn join(it: &mut Interp, s: &str, items: Option<&Value>) -> Result<Value, Raise> {
    let items = match items {
        Some(Value::Str(x)) => x.chars().map(|c| Value::str(c.to_string())).collect(),
        // any iterable, as Python's join takes (a generator, a map, a range)
        Some(a) => iterate(it, a).map_err(|r| match r.kind {
            RaiseKind::TypeError => Raise::type_error("can only join an iterable"),
            _ => r,
        })?,
        None => return Err(Raise::type_error("can only join an iterable")),
    };
    // the joined length is known before anything is copied
    let total = items
        .iter()
        .map(|i| match i {
            Value::Str(x) => x.len(),
            _ => 0,
        })
        .fold(
            s.len().saturating_mul(items.len().saturating_sub(1)),
            usize::saturating_add,
        );
    crate::cells::budget::str_fits(total)?;
    let mut parts = Vec::new();
    for (k, i) in items.into_iter().enumerate() {
        match i {
            Value::Str(x) => parts.push(x.to_string()),
            other => {
                return Err(Raise::type_error(format!(
                    "sequence item {k}: expected str instance, {} found",
                    other.type_name()
                )))
            }
        }
    }
    Ok(Value::str(parts.join(s)))
}

/// `str.split(sep=None, maxsplit=-1)`.
fn split(s: &str, args: Vec<Value>, kwargs: Vec<(String, Value)>) -> Result<Value, Raise> {
    let mut slots = bind_args("split", &["sep", "maxsplit"], args, kwargs)?.into_iter();
    let sep = slots.next().flatten().filter(|v| !matches!(v, Value::None));
    let max = match slots.next().flatten() {
        Some(v) => crate::cells::numpy::args::int_arg(&v)?,
        None => -1,
    };
    let limit = if max < 0 {
        usize::MAX
    } else {
        max as usize + 1
    };
    let parts: Vec<Value> = match sep {
        Some(Value::Str(sep)) if sep.is_empty() => {
            return Err(Raise::value_error("empty separator"))
        }
        Some(Value::Str(sep)) => s.splitn(limit, &*sep).map(Value::str).collect(),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "must be str or None, not {}",
                other.type_name()
            )))
        }
        None => {
            // runs of whitespace separate; the last part keeps its inner whitespace
            let mut out = Vec::new();
            let mut rest = s.trim_start();
            while !rest.is_empty() {
                if out.len() + 1 == limit {
                    out.push(Value::str(rest.trim_end()));
                    break;
                }
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                out.push(Value::str(&rest[..end]));
                rest = rest[end..].trim_start();
            }
            out
        }
    };
    Ok(Value::list(parts))
}

/// Where `sub` starts in `hay`, without overlaps (an empty `sub` is at every position).
fn occurrences(hay: &[char], sub: &[char]) -> Vec<usize> {
    if sub.is_empty() {
        return (0..=hay.len()).collect();
    }
    let mut at = Vec::new();
    let mut k = 0;
    while k + sub.len() <= hay.len() {
        if &hay[k..k + sub.len()] == sub {
            at.push(k);
            k += sub.len();
        } else {
            k += 1;
        }
    }
    at
}

/// Python's `str.title()`: each run of letters starts upper case, the rest lower.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if in_word {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            in_word = true;
        } else {
            out.push(c);
            in_word = false;
        }
    }
    out
}

/// `ljust`, `rjust`, `center` and `zfill` to `width` characters.
fn pad(s: &str, how: &str, width: usize, fill: char) -> String {
    let n = s.chars().count();
    if width <= n {
        return s.to_string();
    }
    let marg = width - n;
    let fills = |k: usize| std::iter::repeat_n(fill, k).collect::<String>();
    match how {
        "ljust" => format!("{s}{}", fills(marg)),
        "rjust" => format!("{}{s}", fills(marg)),
        // CPython's split of the margin: the odd one goes left when the width is odd
        "center" => {
            let left = marg / 2 + (marg & width & 1);
            format!("{}{s}{}", fills(left), fills(marg - left))
        }
        _ => {
            let zeros = "0".repeat(marg);
            match s.strip_prefix(['+', '-']) {
                Some(rest) => format!("{}{zeros}{rest}", &s[..1]),
                None => format!("{zeros}{s}"),
            }
        }
    }
}
