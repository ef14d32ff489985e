//! `gradtape grade` offline: files in, a result out, exit 0 whatever the student scored; the
//! Gradescope and PrairieLearn layouts; a broken assignment exits 1 with the reason.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const SEED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/assignments/seed");

fn gradtape(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_gradtape"))
        .args(args)
        .output()
        .expect("the gradtape binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("gradtape-grade-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(path: &Path, v: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, v.to_string()).unwrap();
}

fn read(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The TensorFlow answers to the seed assignment, gradL_W with its sign flipped.
fn sign_error() -> Value {
    json!({
        "L": 0.1450626254081726,
        "gradL_yhat": [-1.1561119556427002, -0.0],
        "grada_z": [0.0, 0.0],
        "gradz_W": [[76.0, 120.0, 37.5, 1.0], [76.0, 120.0, 37.5, 1.0]],
        "gradL_W": [[10.262421607971191, 16.20382308959961, 5.063694953918457, 0.13503186404705048],
                    [-10.262423515319824, -16.203826904296875, -5.063695907592773, -0.13503189384937286]],
    })
}

#[test]
fn files_in_a_result_out_exit_zero_whatever_the_score() {
    let d = scratch("files");
    write(&d.join("answer.json"), &sign_error());
    let a = format!("{SEED}/assignment.program.json");
    let out = d.join("out/results.json");
    let (code, _, err) = gradtape(&[
        "grade",
        "--assignment",
        &a,
        "--submission",
        d.join("answer.json").to_str().unwrap(),
        "--format",
        "gradescope",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let r = read(&out);
    assert_eq!(r["score"], json!(4.0));
    assert_eq!(r["tests"][4]["status"], json!("failed"));

    // to standard output, in the assignment's own format (gradtape)
    let (code, stdout, _) = gradtape(&[
        "grade",
        "--assignment",
        &a,
        "--submission",
        d.join("answer.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let r: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (r["score"].clone(), r["max_score"].clone()),
        (json!(4.0), json!(6.0))
    );
}

#[test]
fn a_broken_assignment_exits_1_naming_the_check() {
    let d = scratch("broken");
    let mut a: Value = read(Path::new(&format!("{SEED}/assignment.program.json")));
    a["checks"][1]["name"] = json!("dL_dyhat");
    write(&d.join("a.json"), &a);
    write(&d.join("answer.json"), &sign_error());
    let (code, stdout, err) = gradtape(&[
        "grade",
        "--assignment",
        d.join("a.json").to_str().unwrap(),
        "--submission",
        d.join("answer.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        err.contains("check \"dL_dyhat\" names nothing the reference leaves"),
        "{err}"
    );
}

#[test]
fn the_prairielearn_layout() {
    // /grade as PrairieLearn lays it out: tests/ (the question's), student/ (the files submitted)
    let d = scratch("pl");
    std::fs::create_dir_all(d.join("tests")).unwrap();
    std::fs::copy(
        format!("{SEED}/assignment.program.json"),
        d.join("tests/assignment.json"),
    )
    .unwrap();
    write(&d.join("student/answer.json"), &sign_error());
    let (code, _, err) = gradtape(&["grade", "--prairielearn", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r = read(&d.join("results/results.json"));
    assert_eq!(r["gradable"], json!(true));
    assert!((r["score"].as_f64().unwrap() - 4.0 / 6.0).abs() < 1e-8);
    assert_eq!(r["tests"][4]["points"], json!(0.0));
}

#[test]
fn the_gradescope_layout_with_nothing_submitted() {
    let d = scratch("gs");
    std::fs::create_dir_all(d.join("submission")).unwrap();
    std::fs::create_dir_all(d.join("source")).unwrap();
    std::fs::copy(
        format!("{SEED}/assignment.program.json"),
        d.join("source/assignment.json"),
    )
    .unwrap();
    let (code, _, err) = gradtape(&["grade", "--gradescope", d.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let r = read(&d.join("results/results.json"));
    assert_eq!(r["score"], json!(0.0));
    assert!(
        r["output"]
            .as_str()
            .unwrap()
            .contains("no .ipynb, .py or .json file"),
        "{r}"
    );
    assert!(r["tests"]
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["score"] == json!(0.0)));
}
