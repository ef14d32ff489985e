//! Feedback for a value of another dtype kind (grading compares kinds: float, int, bool):
//! both dtypes as they are (int32, a Python float), and why the answer has its dtype with how
//! to change it. A `values` submission's dtype comes from how its JSON is written (`2` is
//! int32, `2.0` float32), and a JSON client may drop a decimal point, so its feedback names
//! the literal and the `{"value": ..., "dtype": ...}` form that says the dtype outright.

use super::{Array, Kind, Written};

/// "`gx` has dtype int32 where dtype float32 is expected (any float dtype passes, but not an
/// int): ...".
pub fn feedback(n: &str, expected: &Array, got: &Array, written: Option<&Written>) -> String {
    let passes = match expected.kind {
        Kind::Bool => "only a bool passes".to_string(),
        k => format!(
            "any {} dtype passes, but not {} {}",
            k.name(),
            article(got.kind),
            got.kind.name()
        ),
    };
    let why = match written {
        Some(w) => from_json(n, expected, got, w),
        None => from_code(expected.kind, got.kind),
    };
    format!(
        "`{n}` {} where {} is expected ({passes}): {why}",
        has(got),
        noun(expected)
    )
}

fn has(a: &Array) -> String {
    if a.python {
        format!("is a Python {}", a.dtype)
    } else {
        format!("has dtype {}", a.dtype)
    }
}

fn noun(a: &Array) -> String {
    if a.python {
        format!("a Python {}", a.dtype)
    } else {
        format!("dtype {}", a.dtype)
    }
}

fn article(k: Kind) -> &'static str {
    if k == Kind::Int {
        "an"
    } else {
        "a"
    }
}

/// The dtype to name in `"dtype": ...`: the expected one, or its kind's default for a
/// Python number.
fn wanted(expected: &Array) -> &str {
    match (expected.python, expected.kind) {
        (false, _) => &expected.dtype,
        (true, Kind::Float) => "float32",
        (true, Kind::Int) => "int32",
        (true, Kind::Bool) => "bool",
    }
}

/// Why a values literal has its dtype, and how to write it with the expected one.
fn from_json(n: &str, expected: &Array, got: &Array, w: &Written) -> String {
    let dtype = wanted(expected);
    let text = &w.text;
    if w.dtype_given {
        return format!(
            "{n} gives \"dtype\": \"{}\"; give \"dtype\": \"{dtype}\"",
            got.dtype
        );
    }
    let first = w.first.as_deref().unwrap_or("1");
    match (expected.kind, got.kind) {
        (Kind::Float, Kind::Int) => format!(
            "{n} is {} because {text} has no decimal point; write {first}.0 rather than {first}, \
             or give {{\"value\": {text}, \"dtype\": \"{dtype}\"}}",
            got.dtype
        ),
        (Kind::Int, Kind::Float) => format!(
            "{n} is {} because {text} has a decimal point or an exponent; write whole numbers \
             without one (3, not 3.0)",
            got.dtype
        ),
        (Kind::Bool, _) => format!(
            "{n} is {} because {text} holds numbers; write true and false",
            got.dtype
        ),
        (_, Kind::Bool) => format!(
            "{n} is bool because {text} holds true and false; write numbers, or give \
             {{\"value\": {text}, \"dtype\": \"{dtype}\"}} (true is 1)"
        ),
        _ => format!("give {{\"value\": {text}, \"dtype\": \"{dtype}\"}}"),
    }
}

/// Where a dtype comes from in code, and the cast that changes it.
fn from_code(expected: Kind, got: Kind) -> String {
    match (expected, got) {
        (Kind::Float, Kind::Int) => "check your literals and casts: 1 is an int and 1.0 a float, \
             so tf.constant([1, 2]) is int32; tf.cast(x, tf.float32) converts a tensor"
            .into(),
        (Kind::Int, Kind::Float) => "check your literals and casts: 3.0 and 6 / 2 are floats, \
             3 and 6 // 2 ints; tf.cast(x, tf.int32) converts a tensor"
            .into(),
        (Kind::Bool, _) => "a comparison such as x > 0 gives a bool; tf.cast(x, tf.bool) \
             converts a tensor"
            .into(),
        (_, Kind::Bool) => "a comparison such as x > 0 gives a bool, not a number; \
             tf.cast(b, tf.float32) makes it 1.0 and 0.0"
            .into(),
        _ => "check your literals and casts".into(),
    }
}
