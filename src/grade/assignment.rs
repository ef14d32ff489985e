//! The assignment JSON: a reference, checks with points and tolerances, and a format,
//! validated with errors that name the member to fix.

use serde_json::{Map, Value};

use super::source::Source;

/// What is wrong with an assignment, and which check (if one) is at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct AssignmentError {
    pub check: Option<String>,
    pub detail: String,
}

impl AssignmentError {
    pub fn new(check: Option<&str>, detail: impl Into<String>) -> AssignmentError {
        AssignmentError {
            check: check.map(str::to_string),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for AssignmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

/// Who sees a check's result on Gradescope; anything but `Visible` also keeps the check's
/// expected values out of every format's feedback.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Visibility {
    Visible,
    Hidden,
    AfterDueDate,
    AfterPublished,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Visible => "visible",
            Visibility::Hidden => "hidden",
            Visibility::AfterDueDate => "after_due_date",
            Visibility::AfterPublished => "after_published",
        }
    }
    fn parse(s: &str) -> Option<Visibility> {
        Some(match s {
            "visible" => Visibility::Visible,
            "hidden" => Visibility::Hidden,
            "after_due_date" => Visibility::AfterDueDate,
            "after_published" => Visibility::AfterPublished,
            _ => return None,
        })
    }
    /// Whether feedback may show this check's expected values.
    pub fn reveals(self) -> bool {
        self == Visibility::Visible
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Gradtape,
    Gradescope,
    PrairieLearn,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s {
            "gradtape" => Format::Gradtape,
            "gradescope" => Format::Gradescope,
            "prairielearn" => Format::PrairieLearn,
            _ => return None,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    pub name: String,
    pub label: Option<String>,
    pub points: f64,
    pub rtol: f64,
    pub atol: f64,
    pub sigfigs: Option<u32>,
    pub expect_null: Option<bool>,
    pub partial: bool,
    pub visibility: Visibility,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assignment {
    pub reference: Source,
    pub checks: Vec<Check>,
    pub format: Format,
}

/// An assignment and, when the JSON carries one, its submission: `Err` there is the reason
/// the submission cannot be graded (a score of 0, not an error).
pub type Parsed = (Assignment, Option<Result<Source, String>>);

fn err(check: Option<&str>, detail: impl Into<String>) -> AssignmentError {
    AssignmentError::new(check, detail)
}

fn number(
    m: &Map<String, Value>,
    key: &str,
    default: f64,
    check: &str,
) -> Result<f64, AssignmentError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 => Ok(x),
            _ => Err(err(
                Some(check),
                format!("check \"{check}\": \"{key}\" must be a non-negative number, not {v}"),
            )),
        },
    }
}

fn boolean(
    m: &Map<String, Value>,
    key: &str,
    check: &str,
) -> Result<Option<bool>, AssignmentError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(err(
            Some(check),
            format!("check \"{check}\": \"{key}\" must be true or false, not {v}"),
        )),
    }
}

const CHECK_KEYS: &[&str] = &[
    "name",
    "label",
    "points",
    "rtol",
    "atol",
    "sigfigs",
    "expect_null",
    "partial",
    "visibility",
];

fn check(i: usize, v: &Value) -> Result<Check, AssignmentError> {
    let Some(m) = v.as_object() else {
        return Err(err(
            None,
            format!("checks[{i}] must be an object like {{\"name\": \"gradL_W\", \"points\": 1}}"),
        ));
    };
    let name = match m.get("name") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => {
            return Err(err(
                None,
                format!("checks[{i}] needs \"name\": the name of a value the reference leaves"),
            ))
        }
    };
    let n = name.as_str();
    if let Some(k) = m.keys().find(|k| !CHECK_KEYS.contains(&k.as_str())) {
        return Err(err(
            Some(n),
            format!(
                "check \"{n}\": unknown member \"{k}\"; a check takes {}",
                CHECK_KEYS.join(", ")
            ),
        ));
    }
    let label = match m.get("label") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            return Err(err(
                Some(n),
                format!("check \"{n}\": \"label\" must be a string, not {v}"),
            ))
        }
    };
    let sigfigs = match m.get("sigfigs") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_u64() {
            Some(d) if (1..=17).contains(&d) => Some(d as u32),
            _ => {
                return Err(err(
                    Some(n),
                    format!(
                        "check \"{n}\": \"sigfigs\" must be a whole number from 1 to 17, not {v}"
                    ),
                ))
            }
        },
    };
    if sigfigs.is_some() && (m.contains_key("rtol") || m.contains_key("atol")) {
        return Err(err(
            Some(n),
            format!("check \"{n}\": give \"sigfigs\" or \"rtol\"/\"atol\", not both"),
        ));
    }
    let visibility = match m.get("visibility") {
        None | Some(Value::Null) => Visibility::Visible,
        Some(Value::String(s)) => Visibility::parse(s).ok_or_else(|| {
            err(Some(n), format!("check \"{n}\": \"visibility\" must be visible, hidden, after_due_date or after_published, not \"{s}\""))
        })?,
        Some(v) => return Err(err(Some(n), format!("check \"{n}\": \"visibility\" must be a string, not {v}"))),
    };
    Ok(Check {
        points: number(m, "points", 1.0, n)?,
        rtol: number(m, "rtol", 1e-4, n)?,
        atol: number(m, "atol", 1e-6, n)?,
        sigfigs,
        expect_null: boolean(m, "expect_null", n)?,
        partial: boolean(m, "partial", n)?.unwrap_or(false),
        visibility,
        label,
        name,
    })
}

/// Parses an assignment. `format` overrides the one the JSON names (the CLI's `--format`).
pub fn parse(v: &Value) -> Result<Parsed, AssignmentError> {
    let Some(m) = v.as_object() else {
        return Err(err(None, "the assignment must be a JSON object with \"reference\", \"checks\" and optionally \"submission\" and \"format\""));
    };
    const KEYS: &[&str] = &["reference", "submission", "checks", "format"];
    if let Some(k) = m.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(
            None,
            format!(
                "unknown member \"{k}\"; an assignment takes {}",
                KEYS.join(", ")
            ),
        ));
    }
    let reference =
        match m.get("reference") {
            None | Some(Value::Null) => return Err(err(
                None,
                "the assignment needs \"reference\": {\"cell\": \"...\"} or {\"program\": {...}}",
            )),
            Some(r) => Source::from_json(r).map_err(|e| err(None, format!("the reference {e}")))?,
        };
    if matches!(reference, Source::Values(_)) {
        return Err(err(None, "\"reference\" must be a cell, notebook or program (values are what a submission gives)"));
    }
    let checks = match m.get("checks") {
        Some(Value::Array(items)) if !items.is_empty() => items
            .iter()
            .enumerate()
            .map(|(i, c)| check(i, c))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(err(None, "the assignment needs \"checks\": a non-empty list like [{\"name\": \"gradL_W\", \"points\": 2}]")),
    };
    for (i, c) in checks.iter().enumerate() {
        if checks[..i].iter().any(|d| d.name == c.name) {
            return Err(err(
                Some(&c.name),
                format!(
                    "check \"{}\" appears twice; give each value one check",
                    c.name
                ),
            ));
        }
    }
    let format = match m.get("format") {
        None | Some(Value::Null) => Format::Gradtape,
        Some(Value::String(s)) => Format::parse(s).ok_or_else(|| {
            err(
                None,
                format!("\"format\" must be gradtape, gradescope or prairielearn, not \"{s}\""),
            )
        })?,
        Some(f) => return Err(err(None, format!("\"format\" must be a string, not {f}"))),
    };
    let submission = m
        .get("submission")
        .filter(|s| !s.is_null())
        .map(Source::from_json);
    Ok((
        Assignment {
            reference,
            checks,
            format,
        },
        submission,
    ))
}
