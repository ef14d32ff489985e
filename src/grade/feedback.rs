//! One check judged: the score, and the first sentence of the spec's list that applies —
//! missing (with similar names), raised (or stopped by a limit), None and why, dtype, shape
//! (with the transpose, squeeze or reshape that would match), flipped sign, constant factor,
//! worst element.
//! A check that is not `visible` never shows an expected value.

use super::compare::{diff, informative_factor, transpose2, unravel, Factor, Tolerance};
use super::{Array, Check, CheckResult, Kind, Outcome, Raised, Value, Written};
use crate::engine::Code;

fn tolerance(c: &Check) -> Tolerance {
    match c.sigfigs {
        Some(d) => Tolerance::SigFigs(d),
        None => Tolerance::RelAbs {
            rtol: c.rtol,
            atol: c.atol,
        },
    }
}

fn result(c: &Check, passed: bool, share: f64, feedback: String) -> CheckResult {
    CheckResult {
        name: c.name.clone(),
        label: c.label.clone().unwrap_or_else(|| c.name.clone()),
        points: if passed { c.points } else { c.points * share },
        max_points: c.points,
        passed,
        feedback,
        max_abs_error: None,
        worst_index: None,
        visibility: c.visibility,
    }
}

/// A check of a submission that could not be run at all.
pub fn not_graded(c: &Check, why: &str) -> CheckResult {
    result(c, false, 0.0, format!("not graded: {why}"))
}

/// Names close to `name`: the same ignoring case and underscores, or one edit away (two for
/// names of eight letters or more); short names would otherwise be "close" to everything.
pub fn similar_names<'a>(name: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let fold = |s: &str| s.to_lowercase().replace('_', "");
    let want = fold(name);
    let mut out: Vec<String> = names
        .filter(|n| *n != name)
        .filter(|n| {
            let allowed = match want.len() {
                0..=3 => 0,
                4..=7 => 1,
                _ => 2,
            };
            fold(n) == want || edits(&fold(n), &want) <= allowed
        })
        .map(|n| format!("`{n}`"))
        .collect();
    out.truncate(5);
    out
}

/// Levenshtein distance (names are short).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

fn shape(s: &[usize]) -> String {
    format!("{s:?}")
}

fn num(x: f64) -> String {
    if x == 0.0 || (1e-4..1e6).contains(&x.abs()) {
        format!("{}", (x * 1e8).round() / 1e8)
    } else {
        format!("{x:.6e}")
    }
}

/// An element of `a` as its dtype holds it: a bool as Python writes it, a float32 as the
/// shortest decimal that is that float32 (-16.2, as TensorFlow prints it, not -16.20000076,
/// the f64 it widens to).
fn element(x: f64, a: &Array) -> String {
    if a.kind == Kind::Bool {
        return if x != 0.0 { "True" } else { "False" }.into();
    }
    if a.dtype == "float32" && x.is_finite() {
        let shortest: f64 = format!("{}", x as f32).parse().unwrap_or(x);
        num(shortest)
    } else {
        num(x)
    }
}

/// `x` to three significant figures (a factor a student reads: 1.25, not 1.2500001).
fn three_figures(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let unit = 10f64.powi(x.abs().log10().floor() as i32 - 2);
    (x / unit).round() * unit
}

/// A wrong answer that is the expected one scaled: a flipped sign, or by which factor.
fn scaled(n: &str, f: &Factor) -> String {
    if f.k == -1.0 {
        return format!("`{n}` has the sign flipped: every element is the negative of the expected one (check the sign of your loss or of a subtraction)");
    }
    let size = match &f.common {
        Some(name) if f.k.abs() < 1.0 => format!("{name} of"),
        Some(name) => format!("{name} times"),
        None => format!("{} times", num(three_figures(f.k.abs()))),
    };
    let sign = if f.k < 0.0 {
        ", with the sign flipped"
    } else {
        ""
    };
    format!("`{n}` is off by a constant factor: yours is {size} the expected value{sign}")
}

/// Judges one check: `expected` is the reference's value, `got` the submission's run, and
/// `reference` the reference's run (a name it also defines is another answer, not a typo).
pub fn judge(c: &Check, expected: &Value, got: &Outcome, reference: &Outcome) -> CheckResult {
    let n = &c.name;
    let Some(value) = got.values.get(n) else {
        return result(c, false, 0.0, missing(n, got, reference));
    };
    if let Some(e) = stopped_by_limit(got) {
        return result(c, false, 0.0, bound_before_limit(n, e, got));
    }
    match (expected, value) {
        (Value::Null { .. }, Value::Null { .. }) => {
            result(c, true, 1.0, "None, as expected".into())
        }
        (Value::Null { .. }, _) if !c.visibility.reveals() => {
            result(c, false, 0.0, format!("`{n}` does not match the reference"))
        }
        (Value::Null { cause, .. }, v) => {
            let msg = super::expected_none::feedback(n, cause.as_ref(), &describe(v));
            result(c, false, 0.0, msg)
        }
        (_, Value::Null { why, .. }) => {
            let why = match why {
                Some(w) => format!(": {w}"),
                None => ": the target does not reach it through watched, recorded, differentiable ops (is it watched, or a Variable?)".into(),
            };
            let msg = format!("`{n}` is None where a value was expected{why}");
            result(c, false, 0.0, msg)
        }
        (_, Value::Other(t)) => {
            let msg = format!("`{n}` is a {t}, not a tensor, array or number");
            result(c, false, 0.0, msg)
        }
        (Value::Other(_), _) => result(c, false, 0.0, format!("`{n}` cannot be compared")),
        (Value::Array(e), Value::Array(g)) => compare(c, e, g, got.written.get(n)),
    }
}

/// Why the submission has no value for `n`: its computation failed, the code raised before
/// assigning it, or the name is not defined (with similar names it does define).
fn missing(n: &str, got: &Outcome, reference: &Outcome) -> String {
    if let Some(e) = got.failed.get(n) {
        return format!("`{n}` could not be computed: {}", e.describe());
    }
    if let Some(e) = &got.error {
        // the exception's own sentence goes last: it may end in advice ("make the loop
        // shorter") that "before ... was assigned" would otherwise run on from
        return format!(
            "your code raised {} before `{n}` was assigned: {}",
            e.place(),
            own_words(e, got)
        );
    }
    let candidates = got
        .values
        .keys()
        .map(String::as_str)
        .filter(|k| !reference.values.contains_key(*k));
    let similar = similar_names(n, candidates);
    let hint = if similar.is_empty() {
        String::new()
    } else {
        format!(" Similar names that exist: {}.", similar.join(", "))
    };
    format!("`{n}` is not defined by your submission.{hint}")
}

/// The exception that stopped the run when it is a limit (steps, time, memory): such a run
/// did not finish, so it earns nothing, as a run that times out on Gradescope or PrairieLearn.
fn stopped_by_limit(got: &Outcome) -> Option<&Raised> {
    got.error
        .as_ref()
        .filter(|e| e.code == Code::LimitExceeded.as_str())
}

/// A name the run bound before a limit stopped it: its value is not graded.
fn bound_before_limit(n: &str, e: &Raised, got: &Outcome) -> String {
    format!(
        "your code raised {} (limit_exceeded) after `{n}` was assigned, and a run stopped by a \
         limit earns no points, as one that times out on an autograder does: {}",
        e.place(),
        own_words(e, got)
    )
}

/// An exception's detail as the sentence that ends feedback, then the output before it.
fn own_words(e: &Raised, got: &Outcome) -> String {
    let before = if got.stdout.is_empty() {
        String::new()
    } else {
        format!(" Output before it:\n{}", clip(&got.stdout, 2000))
    };
    format!("{}.{before}", e.detail.trim_end_matches('.'))
}

fn describe(v: &Value) -> String {
    match v {
        Value::Array(a) => format!(
            "{} {} value of shape {}",
            article(&a.dtype),
            a.dtype,
            shape(&a.shape)
        ),
        Value::Null { .. } => "None".into(),
        Value::Other(t) => format!("a {t}"),
    }
}

fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn compare(c: &Check, e: &Array, g: &Array, written: Option<&Written>) -> CheckResult {
    let n = &c.name;
    let tol = tolerance(c);
    let reveal = c.visibility.reveals();
    if e.kind != g.kind {
        return result(c, false, 0.0, super::dtypes::feedback(n, e, g, written));
    }
    if e.shape != g.shape {
        return result(c, false, 0.0, shape_feedback(n, e, g, tol));
    }
    let d = diff(&g.data, &e.data, tol);
    let share = if c.partial && d.total > 0 {
        d.within as f64 / d.total as f64
    } else {
        0.0
    };
    // a bool is equal or not: no tolerance to name, no factor to find
    let boolean = e.kind == Kind::Bool;
    let within = if boolean {
        String::new()
    } else {
        format!(" ({})", tol.describe())
    };
    let mut r = if d.passed() {
        let how = if boolean {
            "correct".to_string()
        } else {
            format!("correct (within {})", tol.describe())
        };
        result(c, true, 1.0, how)
    } else if !reveal {
        let msg = format!("`{n}`: {}{within}", out_of_tolerance(&d, boolean));
        result(c, false, share, msg)
    } else if transposed_square(e, g, tol) {
        let msg = format!(
            "`{n}` is the transpose of the expected value: its transpose matches{within} (tf.transpose, or .T in NumPy); {CHECK_ORDER}"
        );
        result(c, false, share, msg)
    } else if let Some(f) = (!boolean)
        .then(|| informative_factor(&g.data, &e.data, tol))
        .flatten()
    {
        result(c, false, share, scaled(n, &f))
    } else {
        worst(c, e, g, &d, &within, share)
    };
    if reveal {
        r.max_abs_error = d.max_abs_error;
        r.worst_index = d.worst.map(|w| unravel(w, &e.shape));
    }
    r
}

fn worst(
    c: &Check,
    e: &Array,
    g: &Array,
    d: &super::compare::Diff,
    within: &str,
    share: f64,
) -> CheckResult {
    let w = d.worst.unwrap_or(0);
    let at = if e.shape.is_empty() {
        String::new()
    } else {
        format!(" at index {:?}", unravel(w, &e.shape))
    };
    let (ev, gv) = (
        e.data.get(w).copied().unwrap_or(f64::NAN),
        g.data.get(w).copied().unwrap_or(f64::NAN),
    );
    let count = if d.total > 1 {
        format!("; {}", out_of_tolerance(d, e.kind == Kind::Bool))
    } else {
        String::new()
    };
    // allclose's NaN is never close to NaN: say so, or "expected NaN, got NaN" reads as a bug
    let nan = if ev.is_nan() && gv.is_nan() {
        "; NaN never counts as within rtol/atol (NumPy's allclose, PrairieLearn's relabs), so yours matches TensorFlow's NaN here"
    } else {
        ""
    };
    result(
        c,
        false,
        share,
        format!(
            "`{}`{at}: expected {}, got {}{count}{within}{nan}",
            c.name,
            element(ev, e),
            element(gv, g),
        ),
    )
}

/// "1 of 3 elements is out of tolerance", "2 of 3 elements are ..."; bools "differ".
fn out_of_tolerance(d: &super::compare::Diff, boolean: bool) -> String {
    let bad = d.total - d.within;
    let verb = match (boolean, bad == 1) {
        (false, true) => "is out of tolerance",
        (false, false) => "are out of tolerance",
        (true, true) => "differs",
        (true, false) => "differ",
    };
    format!("{bad} of {} elements {verb}", d.total)
}

/// "a float32 value", "an int value".
fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// What a transposed answer asks the student to check.
const CHECK_ORDER: &str = "check the order of a matmul's operands or of W's dimensions";

/// A square matrix whose transpose, not itself, is within tolerance: the shapes agree, so only
/// the elements tell (a gradient of a square W taken as x W where W x was meant).
fn transposed_square(e: &Array, g: &Array, tol: Tolerance) -> bool {
    match e.shape[..] {
        [r, c] if r == c && r > 1 && e.kind != Kind::Bool => {
            diff(&transpose2(&g.data, r, c), &e.data, tol).passed()
        }
        _ => false,
    }
}

fn shape_feedback(n: &str, e: &Array, g: &Array, tol: Tolerance) -> String {
    let head = format!(
        "`{n}` has shape {} but shape {} is expected",
        shape(&g.shape),
        shape(&e.shape)
    );
    let same = |data: &[f64]| data.len() == e.data.len() && diff(data, &e.data, tol).passed();
    if g.shape.len() == 2
        && g.shape[0] == e.shape.get(1).copied().unwrap_or(0)
        && e.shape.len() == 2
        && g.shape[1] == e.shape[0]
    {
        let t = transpose2(&g.data, g.shape[0], g.shape[1]);
        return if same(&t) {
            format!("{head}: its transpose matches (tf.transpose, or .T in NumPy); {CHECK_ORDER}")
        } else {
            format!("{head}: the transposed shape; {CHECK_ORDER}")
        };
    }
    let squeezed = |s: &[usize]| s.iter().copied().filter(|&d| d != 1).collect::<Vec<_>>();
    if squeezed(&g.shape) == squeezed(&e.shape) {
        let how = if g.shape.len() > e.shape.len() {
            "a squeeze (tf.squeeze)"
        } else {
            "a reshape"
        };
        return if same(&g.data) {
            format!(
                "{head}: only dimensions of size 1 differ, and {how} to {} matches",
                shape(&e.shape)
            )
        } else {
            format!("{head}: only dimensions of size 1 differ ({how} would give the right shape)")
        };
    }
    if g.data.len() == e.data.len() {
        return if same(&g.data) {
            format!(
                "{head}: the same elements in the same order, so a reshape to {} matches",
                shape(&e.shape)
            )
        } else {
            format!(
                "{head}: the same number of elements ({}), so a reshape would give the right shape",
                e.data.len()
            )
        };
    }
    format!(
        "{head} ({} elements, yours has {})",
        e.data.len(),
        g.data.len()
    )
}
