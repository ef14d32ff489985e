//! A report written as gradtape's JSON, Gradescope's `results.json` or PrairieLearn's
//! `results.json`, with only the fields each platform documents, and under PrairieLearn's
//! 1 MB bound.

use serde_json::{json, Value};

use super::{Format, Report};

/// PrairieLearn refuses results past 1 MB; a margin keeps the whole file under it.
pub const PRAIRIELEARN_MAX_BYTES: usize = 1_000_000;
/// Student output kept in a result (the rest is cut with a note): feedback stays readable and
/// a cell printing in a loop cannot push a result past a platform's bound.
const MAX_STDOUT: usize = 64 * 1024;
const MAX_MESSAGE: usize = 8 * 1024;

fn clip(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[... {} more bytes cut]", &s[..end], s.len() - end)
}

fn finite(x: Option<f64>) -> Value {
    x.filter(|x| x.is_finite())
        .map_or(Value::Null, |x| json!(x))
}

/// Rounds away float noise from sums of shares (0.30000000000000004).
fn tidy(x: f64) -> f64 {
    (x * 1e9).round() / 1e9
}

/// The sentence a whole submission gets, above the checks.
pub fn summary(r: &Report) -> String {
    if let Some(why) = &r.ungradable {
        return format!("Your submission could not be graded: {why}");
    }
    let passed = r.checks.iter().filter(|c| c.passed).count();
    let mut s = format!(
        "{passed} of {} checks passed: {} of {} points.",
        r.checks.len(),
        tidy(r.score),
        tidy(r.max_score)
    );
    if let Some(e) = &r.submission.error {
        s.push_str(&format!(" Your code raised {}.", e.describe()));
    }
    for line in &r.submission.skipped_cells {
        s.push('\n');
        s.push_str(line);
    }
    s
}

pub fn render(r: &Report, format: Format) -> Value {
    match format {
        Format::Gradtape => gradtape(r),
        Format::Gradescope => gradescope(r),
        Format::PrairieLearn => prairielearn(r),
    }
}

pub fn gradtape(r: &Report) -> Value {
    let error = r.submission.error.as_ref().map(|e| {
        json!({"type": e.kind, "code": e.code, "line": e.line, "detail": clip(&e.detail, MAX_MESSAGE)})
    });
    let error = match (&r.ungradable, error) {
        (Some(why), _) => {
            json!({"type": "Ungradable", "code": "ungradable", "line": null, "detail": why})
        }
        (None, e) => e.unwrap_or(Value::Null),
    };
    json!({
        "score": tidy(r.score),
        "max_score": tidy(r.max_score),
        "checks": r.checks.iter().map(|c| json!({
            "name": c.name,
            "label": c.label,
            "points": tidy(c.points),
            "max_points": tidy(c.max_points),
            "passed": c.passed,
            "feedback": clip(&c.feedback, MAX_MESSAGE),
            "max_abs_error": finite(c.max_abs_error),
            "worst_index": c.worst_index,
        })).collect::<Vec<_>>(),
        "submission": {
            "stdout": clip(&r.submission.stdout, MAX_STDOUT),
            "error": error,
            "skipped_cells": r.submission.skipped_cells,
        },
    })
}

pub fn gradescope(r: &Report) -> Value {
    let mut output = summary(r);
    if !r.submission.stdout.is_empty() {
        output.push_str("\n\nYour output:\n");
        output.push_str(&clip(&r.submission.stdout, MAX_STDOUT));
    }
    json!({
        "score": tidy(r.score),
        "output": output,
        "visibility": "visible",
        "tests": r.checks.iter().enumerate().map(|(i, c)| json!({
            "name": c.label,
            "number": format!("{}", i + 1),
            "score": tidy(c.points),
            "max_score": tidy(c.max_points),
            // A partly credited check is "failed": Gradescope's status has no middle.
            "status": if c.passed { "passed" } else { "failed" },
            "output": clip(&c.feedback, MAX_MESSAGE),
            "visibility": c.visibility.as_str(),
        })).collect::<Vec<_>>(),
    })
}

/// PrairieLearn's score (0..1): the share of the points earned. Checks worth 0 points in all
/// (practice parts) earn no share, so the score is 1 only when every check passed, else 0: a
/// failing submission never gets full marks.
pub fn share(r: &Report) -> f64 {
    if r.ungradable.is_some() {
        0.0
    } else if r.max_score > 0.0 {
        (r.score / r.max_score).clamp(0.0, 1.0)
    } else if r.checks.iter().all(|c| c.passed) {
        1.0
    } else {
        0.0
    }
}

pub fn prairielearn(r: &Report) -> Value {
    let score = share(r);
    let mut v = json!({
        "gradable": r.ungradable.is_none(),
        "score": tidy(score),
        "message": summary(r),
        "output": clip(&r.submission.stdout, MAX_STDOUT),
        "tests": r.checks.iter().map(|c| json!({
            "name": c.name,
            "description": c.label,
            "points": tidy(c.points),
            "max_points": tidy(c.max_points),
            "message": clip(&c.feedback, MAX_MESSAGE),
            "output": "",
        })).collect::<Vec<_>>(),
    });
    // Many checks with long feedback could still pass the bound: drop the student's output
    // first, then shorten every message, so the file PrairieLearn reads is always accepted.
    if v.to_string().len() > PRAIRIELEARN_MAX_BYTES {
        v["output"] = json!("[output cut: the result must stay under PrairieLearn's 1 MB]");
    }
    if v.to_string().len() > PRAIRIELEARN_MAX_BYTES {
        if let Some(tests) = v["tests"].as_array_mut() {
            let each = PRAIRIELEARN_MAX_BYTES / 2 / tests.len().max(1);
            for t in tests {
                let m = t["message"].as_str().unwrap_or("").to_string();
                t["message"] = json!(clip(&m, each.saturating_sub(64)));
                let d = t["description"].as_str().unwrap_or("").to_string();
                t["description"] = json!(clip(&d, 256));
                let n = t["name"].as_str().unwrap_or("").to_string();
                t["name"] = json!(clip(&n, 256));
            }
        }
    }
    v
}
