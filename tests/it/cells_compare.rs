//! The comparison of `run_cells.py` (the cell cases' published checker), ported: stdout as text
//! and numbers, values as the evaluate cases compare tensors, errors by type and line.

use serde_json::Value;

use crate::conformance::compare_tensor;

#[derive(Clone, Debug)]
struct Num {
    text: String,
    value: f64,
    stmt: usize,
    bare: bool,
}

impl Num {
    fn is_int(&self) -> bool {
        !self.text.chars().any(|c| ".eEni".contains(c))
    }
    fn decimals(&self) -> Option<usize> {
        if !self.text.contains('.') || self.text.chars().any(|c| "eEni".contains(c)) {
            return None;
        }
        Some(self.text.split('.').nth(1).map_or(0, str::len))
    }
}

#[derive(Clone, Debug)]
enum Tok {
    Text(String, usize),
    Num(Num, usize),
}

fn word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The end of a number starting at `i` (NUMBER of run_cells.py), if one starts there.
fn number_at(s: &[char], i: usize) -> Option<usize> {
    if i > 0 && (word(s[i - 1]) || s[i - 1] == '.') {
        return None;
    }
    let mut j = i;
    if j < s.len() && (s[j] == '-' || s[j] == '+') {
        j += 1;
    }
    let start = j;
    let lit = |j: usize, w: &str| {
        let w: Vec<char> = w.chars().collect();
        s.len() >= j + w.len() && s[j..j + w.len()] == w[..]
    };
    let end = if lit(j, "nan") || lit(j, "inf") {
        j + 3
    } else {
        let mut k = j;
        while k < s.len() && s[k].is_ascii_digit() {
            k += 1;
        }
        let int_digits = k - j;
        let mut frac_digits = 0;
        if k < s.len() && s[k] == '.' {
            let mut m = k + 1;
            while m < s.len() && s[m].is_ascii_digit() {
                m += 1;
            }
            frac_digits = m - k - 1;
            if int_digits > 0 || frac_digits > 0 {
                k = m;
            }
        }
        if int_digits == 0 && frac_digits == 0 {
            return None;
        }
        if k < s.len() && (s[k] == 'e' || s[k] == 'E') {
            let mut m = k + 1;
            if m < s.len() && (s[m] == '-' || s[m] == '+') {
                m += 1;
            }
            let d0 = m;
            while m < s.len() && s[m].is_ascii_digit() {
                m += 1;
            }
            if m > d0 {
                k = m;
            }
        }
        k
    };
    if end == start || (end < s.len() && word(s[end])) {
        return None;
    }
    Some(end)
}

struct Tokenizer {
    toks: Vec<Tok>,
    stmts: Vec<String>,
    cur: String,
    sq: usize,
    par: usize,
    line: usize,
}

impl Tokenizer {
    fn text(&mut self, seg: &[char]) {
        let start_line = self.line;
        let mut chars: Vec<(char, bool)> = Vec::new();
        for &ch in seg {
            if ch == '\n' {
                self.line += 1;
                if self.sq == 0 && self.par == 0 {
                    self.stmts.push(std::mem::take(&mut self.cur));
                }
            } else {
                self.cur.push(ch);
            }
            if ch.is_whitespace() && self.sq > 0 {
                if chars.last() != Some(&(' ', true)) {
                    chars.push((' ', true));
                }
                continue;
            }
            if ch == '[' {
                self.sq += 1;
            } else if ch == '(' {
                self.par += 1;
            } else if ch == ')' {
                self.par = self.par.saturating_sub(1);
            }
            chars.push((ch, self.sq > 0));
            if ch == ']' {
                self.sq = self.sq.saturating_sub(1);
            }
        }
        let mut kept: Vec<(char, bool)> = Vec::new();
        for (i, &(ch, arr)) in chars.iter().enumerate() {
            if ch == ' ' && arr {
                let nxt = chars.get(i + 1);
                let prev_br = kept.last().is_some_and(|&(c, a)| a && "[],".contains(c));
                let next_br = nxt.is_some_and(|&(c, a)| a && "[],".contains(c));
                if prev_br || next_br {
                    continue;
                }
            }
            kept.push((ch, arr));
        }
        let mut t: String = kept.iter().map(|(c, _)| *c).collect();
        t = collapse_wrap(&t, ",", "dtype=");
        t = collapse_wrap(&t, "numpy=", "");
        self.toks.push(Tok::Text(t, start_line));
    }
}

/// `,\s+dtype=` to `, dtype=` and `numpy=\s+` to `numpy=` (WRAPS of run_cells.py).
fn collapse_wrap(t: &str, head: &str, tail: &str) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(i) = rest.find(head) {
        let after = &rest[i + head.len()..];
        let ws = after.len() - after.trim_start().len();
        let body = &after[ws..];
        let matches = if tail.is_empty() {
            ws > 0
        } else {
            ws > 0 && body.starts_with(tail)
        };
        out.push_str(&rest[..i]);
        out.push_str(head);
        if matches {
            if !tail.is_empty() {
                out.push(' ');
            }
            rest = body;
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn tokenize(s: &str) -> (Vec<Tok>, Vec<String>) {
    let chars: Vec<char> = s.chars().collect();
    let mut t = Tokenizer {
        toks: vec![],
        stmts: vec![],
        cur: String::new(),
        sq: 0,
        par: 0,
        line: 0,
    };
    let (mut pos, mut i) = (0, 0);
    while i < chars.len() {
        if let Some(end) = number_at(&chars, i) {
            t.text(&chars[pos..i]);
            let text: String = chars[i..end].iter().collect();
            t.cur.push_str(&text);
            let value = text.parse::<f64>().unwrap_or(f64::NAN);
            let num = Num {
                text,
                value,
                stmt: t.stmts.len(),
                bare: t.sq == 0 && t.par == 0,
            };
            t.toks.push(Tok::Num(num, t.line));
            pos = end;
            i = end;
        } else {
            i += 1;
        }
    }
    t.text(&chars[pos..]);
    let cur = std::mem::take(&mut t.cur);
    t.stmts.push(cur);
    (t.toks, t.stmts)
}

fn merge(toks: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    for t in toks {
        match (&t, out.last_mut()) {
            (Tok::Text(s, _), Some(Tok::Text(prev, _))) => prev.push_str(s),
            (Tok::Text(s, _), _) if s.is_empty() => {}
            _ => out.push(t),
        }
    }
    out
}

fn compare_numbers(e: &Num, g: &Num, (rtol, atol): (f64, f64), random: bool) -> bool {
    if random {
        return true;
    }
    if e.is_int() || g.is_int() {
        return e.text.trim_start_matches('+') == g.text.trim_start_matches('+');
    }
    if !e.value.is_finite() || !g.value.is_finite() {
        return (e.value.is_nan() && g.value.is_nan()) || e.value == g.value;
    }
    if e.text.contains('.') != g.text.contains('.') {
        return false;
    }
    let mut slack = atol + rtol * e.value.abs();
    if e.bare && g.bare && e.decimals().is_some_and(|d| d >= 3) && e.decimals() == g.decimals() {
        slack += 10f64.powi(-(e.decimals().unwrap_or(0) as i32));
    }
    (e.value - g.value).abs() <= slack
}

pub fn compare_stdout(exp: &str, got: &str, random: bool) -> Result<(), String> {
    let ((et, stmts), (gt, _)) = (tokenize(exp), tokenize(got));
    let mut scale = vec![1.0f64; stmts.len() + 1];
    for t in &et {
        if let Tok::Num(n, _) = t {
            if n.value.is_finite() && n.stmt < scale.len() {
                scale[n.stmt] = scale[n.stmt].max(n.value.abs());
            }
        }
    }
    let tol = |k: usize| {
        let text = stmts.get(k).map_or("", String::as_str);
        let (r, a) = if text.contains("float64") && !text.contains("float32") {
            (1e-8, 1e-10)
        } else {
            (1e-4, 1e-5)
        };
        (r, a * scale.get(k).copied().unwrap_or(1.0))
    };
    let (et, gt) = (merge(et), merge(gt));
    for i in 0..et.len().max(gt.len()) {
        match (et.get(i), gt.get(i)) {
            (Some(Tok::Text(a, l)), Some(Tok::Text(b, _))) => {
                if a != b {
                    return Err(format!(
                        "stdout near line {}: expected text {a:?}, got {b:?}",
                        l + 1
                    ));
                }
            }
            (Some(Tok::Num(a, l)), Some(Tok::Num(b, _))) => {
                if !compare_numbers(a, b, tol(a.stmt), random) {
                    return Err(format!(
                        "stdout line {}: number {} differs from expected {}",
                        l + 1,
                        b.text,
                        a.text
                    ));
                }
            }
            (e, g) => return Err(format!("stdout: expected {e:?}, got {g:?}")),
        }
    }
    Ok(())
}

fn is_f32(x: f64) -> bool {
    (x as f32) as f64 == x
}

fn compare_python(exp: &Value, got: &Value, at: &str, random: bool) -> Result<(), String> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_i64() || n.is_u64() => "int",
        Value::Number(_) => "float",
        Value::String(s) if ["NaN", "Infinity", "-Infinity"].contains(&s.as_str()) => "float",
        Value::String(_) => "str",
        _ => "other",
    };
    if kind(exp) != kind(got) {
        return Err(format!("{at}: {got}, expected {exp}"));
    }
    if kind(exp) == "float" {
        if random {
            return Ok(());
        }
        let f = |v: &Value| match v {
            Value::String(s) if s == "NaN" => f64::NAN,
            Value::String(s) if s == "Infinity" => f64::INFINITY,
            Value::String(_) => f64::NEG_INFINITY,
            other => other.as_f64().unwrap_or(f64::NAN),
        };
        let (x, y) = (f(exp), f(got));
        if !x.is_finite() || !y.is_finite() {
            return if (x.is_nan() && y.is_nan()) || x == y {
                Ok(())
            } else {
                Err(format!("{at}: {y}, expected {x}"))
            };
        }
        let (rtol, atol) = if is_f32(x) {
            (1e-4, 1e-5)
        } else {
            (1e-8, 1e-10)
        };
        if (x - y).abs() > atol * x.abs().max(1.0) + rtol * x.abs() {
            return Err(format!("{at}: {y}, expected {x}"));
        }
        return Ok(());
    }
    if kind(exp) == "int" && random {
        return Ok(());
    }
    if exp != got {
        return Err(format!("{at}: {got}, expected {exp}"));
    }
    Ok(())
}

pub fn compare_values(exp: &Value, got: &Value, random: bool) -> Result<(), String> {
    let (Some(e), Some(g)) = (exp.as_object(), got.as_object()) else {
        return Err(format!("values: not an object: {got}"));
    };
    let missing: Vec<&String> = e.keys().filter(|k| !g.contains_key(*k)).collect();
    let extra: Vec<&String> = g.keys().filter(|k| !e.contains_key(*k)).collect();
    if !missing.is_empty() || !extra.is_empty() {
        return Err(format!("values: missing {missing:?}, unexpected {extra:?}"));
    }
    for (name, ev) in e {
        let gv = &g[name];
        let at = format!("values.{name}");
        if ev.is_object() {
            if !gv.is_object() {
                return Err(format!("{at}: expected a tensor, got {gv}"));
            }
            if random && ev["value"] != "*" {
                if gv["dtype"] != ev["dtype"] || gv["shape"] != ev["shape"] {
                    return Err(format!(
                        "{at}: {} {}, expected {} {}",
                        gv["dtype"], gv["shape"], ev["dtype"], ev["shape"]
                    ));
                }
            } else {
                compare_tensor(ev, gv, &at)?;
            }
        } else {
            compare_python(ev, gv, &at, random)?;
        }
    }
    Ok(())
}

pub fn compare_error(exp: &Value, got: &Value) -> Result<(), String> {
    match (exp.is_null(), got.is_null()) {
        (true, true) => Ok(()),
        (true, false) => Err(format!("error: expected none, got {got}")),
        (false, true) => Err(format!("error: expected {exp}, got none")),
        _ if exp["type"] != got["type"] || exp["line"] != got["line"] => Err(format!(
            "error: {} at line {}, expected {} at line {} ({})",
            got["type"], got["line"], exp["type"], exp["line"], got["detail"]
        )),
        _ => Ok(()),
    }
}

/// A case against an answer: every difference, first the error's.
pub fn compare(case: &Value, status: u16, body: &Value) -> Result<(), String> {
    if status != 200 {
        return Err(format!("HTTP {status}: {body}"));
    }
    let random = case["random"].as_bool().unwrap_or(false);
    compare_error(&case["error"], &body["error"])?;
    let got = body["stdout"].as_str().ok_or("stdout is not a string")?;
    compare_stdout(case["stdout"].as_str().unwrap_or(""), got, random)?;
    compare_values(&case["values"], &body["values"], random)
}
