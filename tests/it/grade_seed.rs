//! The seed assignment against each of its submissions, checked against TensorFlow: each
//! submission (a cell, or a notebook) is graded as gradtape runs it, and the values TensorFlow
//! 2.15 left for the same code (`tests/assignments/seed/expected/`, made by the oracle's
//! `run_cell.py`; a notebook's code cells as one cell, its plotting lines against a matplotlib that
//! draws nothing) are graded as plain values. The two grades must agree check by check, and the
//! cell must print and raise what TensorFlow printed and raised.

use std::path::{Path, PathBuf};

use gradtape::cells::{self, CellLimits, Kernel};
use gradtape::engine::Limits;
use gradtape::grade::{self, assignment, Source};
use serde_json::Value;

fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assignments/seed")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn graded(source: &Source) -> grade::Report {
    let a = read_json(&seed_dir().join("assignment.json"));
    let (a, _) = assignment::parse(&a).unwrap();
    grade::grade_assignment(a, source, &Limits::default()).unwrap()
}

/// (check name, passed) for every check, and the score.
fn verdicts(r: &grade::Report) -> (Vec<(String, bool)>, f64) {
    let checks = r
        .checks
        .iter()
        .map(|c| (c.name.clone(), c.passed))
        .collect();
    (checks, r.score)
}

/// Submissions whose cells use what cells do not yet run as TensorFlow does (NumPy's
/// pen-and-paper arrays); a test fails when one of them starts agreeing, to take it off.
const PENDING: &[&str] = &[];

fn submissions() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(seed_dir().join("submissions"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_seed_submission_grades_as_tensorflows_values_grade() {
    let mut seen = 0;
    for path in submissions() {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let submission = if path.extension().is_some_and(|e| e == "ipynb") {
            Source::Notebook(serde_json::from_str(&text).unwrap())
        } else {
            Source::Cell(text)
        };
        let tf = read_json(&seed_dir().join(format!("expected/{stem}.json")));
        let tf_values = Source::Values(tf["values"].as_object().unwrap().clone());
        let ours = graded(&submission);
        let theirs = graded(&tf_values);
        if PENDING.contains(&stem.as_str()) {
            assert_ne!(
                verdicts(&ours),
                verdicts(&theirs),
                "{stem} agrees now: take it off PENDING"
            );
            continue;
        }
        assert_eq!(
            verdicts(&ours),
            verdicts(&theirs),
            "{stem}: gradtape's run of the submission and TensorFlow's values grade differently;\n\
             feedback: {:#?}",
            ours.checks.iter().map(|c| &c.feedback).collect::<Vec<_>>()
        );
        // what was wrong is said: every failed check has feedback naming it
        for c in ours.checks.iter().filter(|c| !c.passed) {
            assert!(!c.feedback.is_empty(), "{stem}: {} has no feedback", c.name);
        }
        seen += 1;
    }
    assert_eq!(seen + PENDING.len(), 9, "the nine seed submissions");
}

#[test]
fn seed_submission_cells_print_and_raise_as_tensorflow() {
    for path in submissions()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
    {
        let stem = path.file_stem().unwrap().to_str().unwrap().to_string();
        if PENDING.contains(&stem.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let tf = read_json(&seed_dir().join(format!("expected/{stem}.json")));
        let limits = CellLimits::default();
        let mut kernel = Kernel::new(limits.engine.clone());
        let out = cells::run(&text, &limits, &mut kernel, Some(&[])).unwrap();
        assert_eq!(out.stdout, tf["stdout"].as_str().unwrap(), "{stem}: stdout");
        let ours = out.error.map(|e| (e.kind.to_string(), e.line as u64));
        let theirs = match &tf["error"] {
            Value::Null => None,
            e => Some((
                e["type"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
            )),
        };
        assert_eq!(ours, theirs, "{stem}: the exception and its line");
    }
}

#[test]
fn the_seed_verdicts_are_the_ones_each_submission_was_written_for() {
    // each submission carries one mistake; its checks fail and no others
    let failing = |name: &str| -> Vec<String> {
        let path = seed_dir().join("submissions").join(name);
        let text = std::fs::read_to_string(path).unwrap();
        let r = graded(&Source::Cell(text));
        r.checks
            .iter()
            .filter(|c| !c.passed)
            .map(|c| c.name.clone())
            .collect()
    };
    assert_eq!(failing("correct.py"), Vec::<String>::new());
    assert!(failing("sign_error.py").contains(&"L".to_string()));
    assert!(failing("transposed_W.py").contains(&"gradL_W".to_string()));
}

#[test]
fn a_none_gradient_in_a_submission_says_why_in_its_feedback() {
    // unwatched.py differentiates the constant z = tf.linspace(...) on a tape that never
    // watches it: TensorFlow answers None, and the feedback says which call and what to change
    let text = std::fs::read_to_string(seed_dir().join("submissions/unwatched.py")).unwrap();
    let r = graded(&Source::Cell(text));
    let c = r
        .checks
        .iter()
        .find(|c| c.name == "grada_sigmoid_z")
        .unwrap();
    assert!(!c.passed);
    assert_eq!(
        c.feedback,
        "`grada_sigmoid_z` is None where a value was expected: the gradient call at line 30 gives \
         None for z (not_watched): z is a constant and this tape does not watch it: add it to the \
         tape's watch list (tape.watch(z)) or make it a Variable"
    );
}

#[test]
fn a_none_gradient_in_a_notebook_keeps_its_reason_across_cells() {
    let nb = serde_json::json!({"cells": [
        {"cell_type": "code", "source": "import tensorflow as tf\nz = tf.constant([1.0, 2.0])\n"},
        {"cell_type": "code", "source": "with tf.GradientTape() as g:\n    a = tf.math.sigmoid(z)\ngrada_sigmoid_z = g.gradient(a, z)\n"},
        {"cell_type": "code", "source": "print('done')\n"},
    ]});
    let out = grade::cells::notebook(&nb, &Limits::default(), &[]).unwrap();
    match &out.values["grada_sigmoid_z"] {
        grade::Value::Null { why: Some(w), .. } => {
            assert!(w.contains("line 3") && w.contains("not_watched"), "{w}");
        }
        other => panic!("{other:?}"),
    }
}
