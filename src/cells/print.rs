//! How cell values print: `str`, `repr`, format specs, `%`-formatting and `str.format`.
//! Values are handed to the formatting module as they print; this file only converts.

use super::interp::Interp;
use super::raise::Raise;
use super::value::{lock, Value};

/// Python's `repr` of a float: the shortest digits that round-trip.
pub fn float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let a = x.abs();
    if a != 0.0 && !(1e-4..1e16).contains(&a) {
        let s = format!("{x:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let s = format!("{x:?}");
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

pub fn tuple_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `round(x, n)` as Python rounds a float to n digits.
pub fn round_digits(x: f64, n: i64) -> f64 {
    let n = n.clamp(-300, 300) as i32;
    let s = format!("{:.*}", n.max(0) as usize, x);
    if n >= 0 {
        return s.parse().unwrap_or(x);
    }
    let p = 10f64.powi(-n);
    (x / p).round_ties_even() * p
}

fn tensor_text(t: &crate::engine::tensor::Tensor) -> String {
    fn nest(vals: &[f64], shape: &[usize], float: bool) -> String {
        match shape.split_first() {
            None => {
                let v = vals[0];
                if float {
                    format!("{v}")
                } else {
                    format!("{}", v as i64)
                }
            }
            Some((&n, rest)) => {
                let step: usize = rest.iter().product();
                let parts: Vec<String> = (0..n)
                    .map(|k| nest(&vals[k * step..], rest, float))
                    .collect();
                format!("[{}]", parts.join(" "))
            }
        }
    }
    nest(&t.to_f64_vec(), t.shape(), t.dtype().is_float())
}

/// `str(x)`: what `print(x)` writes.
pub fn str(it: &mut Interp, v: &Value) -> String {
    match v {
        Value::Str(s) => s.to_string(),
        Value::Tensor(x) => format!(
            "tf.Tensor({}, shape={}, dtype={})",
            tensor_text(&x.t),
            tuple_text(x.t.shape()),
            x.t.dtype()
        ),
        Value::Array(t) | Value::NpScalar(t) => tensor_text(t),
        Value::Shape(d) => tuple_text(d),
        Value::DType(d) => format!("<dtype: '{}'>", d.name()),
        Value::NpDType(d) => d.name().to_string(),
        _ => repr(it, v),
    }
}

/// `repr(x)`: how `x` prints inside a list or with `%r`.
pub fn repr(it: &mut Interp, v: &Value) -> String {
    match v {
        Value::None => "None".into(),
        Value::Bool(b) => if *b { "True" } else { "False" }.into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => float_repr(*f),
        Value::Str(s) => format!("'{s}'"),
        Value::List(l) => {
            let items = lock(l).clone();
            format!(
                "[{}]",
                items
                    .iter()
                    .map(|x| repr(it, x))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Value::Tuple(t) if t.len() == 1 => format!("({},)", repr(it, &t[0])),
        Value::Tuple(t) => format!(
            "({})",
            t.iter().map(|x| repr(it, x)).collect::<Vec<_>>().join(", ")
        ),
        Value::Tensor(x) => format!(
            "<tf.Tensor: shape={}, dtype={}, numpy={}>",
            tuple_text(x.t.shape()),
            x.t.dtype(),
            tensor_text(&x.t)
        ),
        Value::Variable(id) => match it.ws.variable(id) {
            Some(var) => format!(
                "<tf.Variable '{}' shape={} dtype={}, numpy={}>",
                var.name,
                tuple_text(var.val.t.shape()),
                var.val.t.dtype(),
                tensor_text(&var.val.t)
            ),
            None => "<tf.Variable (deleted)>".into(),
        },
        Value::Array(t) => format!("array({})", tensor_text(t)),
        Value::NpScalar(t) => tensor_text(t),
        Value::Shape(d) => format!("TensorShape({:?})", d),
        Value::DType(d) => format!("tf.{}", d.name()),
        Value::NpDType(d) => format!("dtype('{}')", d.name()),
        Value::Range(a, b, s) if *s == 1 => format!("range({a}, {b})"),
        Value::Range(a, b, s) => format!("range({a}, {b}, {s})"),
        Value::Type(n) => format!("<class '{n}'>"),
        other => format!("<{}>", other.type_name()),
    }
}

/// A value formatted by an f-string field or `format(x, spec)`.
pub fn format_value(
    it: &mut Interp,
    v: &Value,
    conversion: Option<char>,
    spec: &str,
) -> Result<String, Raise> {
    let base = match conversion {
        Some('r') | Some('a') => return Ok(repr(it, v)),
        Some('s') => return Ok(str(it, v)),
        _ => v.clone(),
    };
    if spec.is_empty() {
        return Ok(str(it, &base));
    }
    if let Some(prec) = spec.strip_prefix('.').and_then(|s| s.strip_suffix('f')) {
        let p: usize = prec.parse().unwrap_or(6);
        let x = match &base {
            Value::Float(f) => *f,
            Value::Int(i) => *i as f64,
            other => it
                .np_tensor(other)?
                .to_f64_vec()
                .first()
                .copied()
                .unwrap_or(f64::NAN),
        };
        return Ok(format!("{x:.p$}"));
    }
    Ok(str(it, &base))
}

/// `fmt % args`.
pub fn percent(it: &mut Interp, fmt: &str, args: &Value) -> Result<String, Raise> {
    let args = match args {
        Value::Tuple(t) => t.to_vec(),
        other => vec![other.clone()],
    };
    let mut out = String::new();
    let mut k = 0;
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = String::new();
        while let Some(&n) = chars.peek() {
            chars.next();
            if n.is_ascii_alphabetic() || n == '%' {
                spec.push(n);
                break;
            }
            spec.push(n);
        }
        if spec == "%" {
            out.push('%');
            continue;
        }
        let arg = args
            .get(k)
            .cloned()
            .ok_or_else(|| Raise::type_error("not enough arguments for format string"))?;
        k += 1;
        let conv = spec.pop().unwrap_or('s');
        match conv {
            'f' | 'e' | 'g' | 'd' | 'i' => {
                let x = match &arg {
                    Value::Float(f) => *f,
                    Value::Int(i) => *i as f64,
                    Value::Bool(b) => f64::from(u8::from(*b)),
                    other => {
                        let t = it.np_tensor(other)?;
                        if t.len() != 1 {
                            return Err(Raise::type_error(
                                "only length-1 arrays can be converted to Python scalars",
                            ));
                        }
                        t.to_f64_vec()[0]
                    }
                };
                let p: usize = spec
                    .rsplit('.')
                    .next()
                    .filter(|_| spec.contains('.'))
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(6);
                out.push_str(&match conv {
                    'f' => format!("{x:.p$}"),
                    'e' => format!("{x:.p$e}"),
                    'd' | 'i' => format!("{}", x.trunc() as i64),
                    _ => float_repr(x),
                });
            }
            'r' => out.push_str(&repr(it, &arg)),
            _ => out.push_str(&str(it, &arg)),
        }
    }
    if k < args.len() {
        return Err(Raise::type_error(
            "not all arguments converted during string formatting",
        ));
    }
    Ok(out)
}

/// `template.format(*args, **kwargs)`.
pub fn str_format(
    it: &mut Interp,
    template: &str,
    args: &[Value],
    _kwargs: &[(String, Value)],
) -> Result<String, Raise> {
    let mut out = String::new();
    let mut k = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let field = &rest[open + 1..open + close];
        let (name, spec) = field.split_once(':').unwrap_or((field, ""));
        let arg = if name.is_empty() {
            k += 1;
            args.get(k - 1)
        } else {
            name.parse::<usize>().ok().and_then(|i| args.get(i))
        };
        let arg = arg.cloned().ok_or_else(|| {
            Raise::new(
                super::raise::RaiseKind::IndexError,
                "Replacement index out of range for positional args tuple",
            )
        })?;
        out.push_str(&format_value(it, &arg, None, spec)?);
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    Ok(out)
}
