//! The published conformance cases (computed by TensorFlow 2.15), run through the router with
//! the same comparison as `tests/conformance/run.py`: dtype and shape exact, floats within
//! rtol 1e-4 (float32) / 1e-8 (float64) plus an absolute tolerance scaled by the tensor's size.

use serde_json::Value;
use std::path::Path;

use crate::support::{call, test_app};

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => match s.as_str() {
            "NaN" => Some(f64::NAN),
            "Infinity" => Some(f64::INFINITY),
            "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        },
        Value::Bool(b) => Some(*b as u8 as f64),
        _ => None,
    }
}

fn flat(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|x| flat(x, out)),
        other => out.push(other.clone()),
    }
}

fn nested_shape(v: &Value) -> Vec<usize> {
    let mut shape = vec![];
    let mut cur = v;
    while let Value::Array(items) = cur {
        shape.push(items.len());
        match items.first() {
            Some(f) => cur = f,
            None => break,
        }
    }
    shape
}

pub(crate) fn compare_tensor(exp: &Value, got: &Value, at: &str) -> Result<(), String> {
    if exp.is_null() || got.is_null() {
        return if exp.is_null() && got.is_null() {
            Ok(())
        } else {
            Err(format!("{at}: expected {exp}, got {got}"))
        };
    }
    if got.get("dtype") != exp.get("dtype") {
        return Err(format!(
            "{at}: dtype {:?}, expected {:?}",
            got.get("dtype"),
            exp.get("dtype")
        ));
    }
    if got.get("shape") != exp.get("shape") {
        return Err(format!(
            "{at}: shape {:?}, expected {:?}",
            got.get("shape"),
            exp.get("shape")
        ));
    }
    let shape: Vec<usize> = exp["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let (mut e, mut g) = (vec![], vec![]);
    flat(&exp["value"], &mut e);
    flat(&got["value"], &mut g);
    if exp["value"] == "*" {
        // random values: the first two moments
        let g: Vec<f64> = g.iter().filter_map(num).collect();
        let n = g.len() as f64;
        let mean = g.iter().sum::<f64>() / n;
        let sd = (g.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
        let (m, s) = (
            exp["moments"][0].as_f64().unwrap(),
            exp["moments"][1].as_f64().unwrap(),
        );
        if (mean - m).abs() > 0.05 * s + 1e-12 || (sd - s).abs() > 0.05 * s {
            return Err(format!("{at}: mean {mean} sd {sd}, expected {m} {s}"));
        }
        return Ok(());
    }
    // nesting cannot show the dimensions after a zero ([0, 4] is written [])
    let shown = shape
        .iter()
        .position(|&d| d == 0)
        .map_or(&shape[..], |z| &shape[..=z]);
    if !shape.is_empty() && nested_shape(&got["value"]) != shown {
        return Err(format!(
            "{at}: nesting {:?} does not match shape {shape:?}",
            nested_shape(&got["value"])
        ));
    }
    if e.len() != g.len() {
        return Err(format!("{at}: {} elements, expected {}", g.len(), e.len()));
    }
    let tol = match exp["dtype"].as_str() {
        Some("float32") => Some((1e-4, 1e-5)),
        Some("float64") => Some((1e-8, 1e-10)),
        _ => None,
    };
    match tol {
        Some((rtol, atol)) => {
            let scale = e
                .iter()
                .filter_map(num)
                .filter(|x| x.is_finite())
                .map(f64::abs)
                .fold(1.0, f64::max);
            for (i, (x, y)) in e.iter().zip(&g).enumerate() {
                let (x, y) = (
                    num(x).unwrap(),
                    num(y).ok_or_else(|| format!("{at}[{i}]: {y} is not a number"))?,
                );
                let ok = if x.is_finite() {
                    (x - y).abs() <= atol * scale + rtol * x.abs()
                } else {
                    x == y || (x.is_nan() && y.is_nan())
                };
                if !ok {
                    return Err(format!("{at}[{i}]: {y}, expected {x}"));
                }
            }
        }
        None if e != g => return Err(format!("{at}: values {g:?}, expected {e:?}")),
        None => {}
    }
    Ok(())
}

pub(crate) fn compare_structure(exp: &Value, got: &Value, at: &str) -> Result<(), String> {
    match exp {
        Value::Array(items) => {
            let got = got
                .as_array()
                .filter(|g| g.len() == items.len())
                .ok_or_else(|| format!("{at}: expected a list of {}", items.len()))?;
            items
                .iter()
                .zip(got)
                .enumerate()
                .try_for_each(|(i, (x, y))| compare_structure(x, y, &format!("{at}[{i}]")))
        }
        _ => compare_tensor(exp, got, at),
    }
}

fn compare(case: &Value, status: u16, body: &Value) -> Result<(), String> {
    let exp = &case["expect"];
    if exp["status"] != status {
        return Err(format!("HTTP {status}, expected {}: {body}", exp["status"]));
    }
    let eb = &exp["body"];
    if status != 200 {
        if body["code"] != eb["code"] {
            return Err(format!("code {}, expected {}", body["code"], eb["code"]));
        }
        if eb.get("node").is_some() && body.get("node") != eb.get("node") {
            return Err(format!(
                "node {:?}, expected {:?}",
                body.get("node"),
                eb.get("node")
            ));
        }
        return Ok(());
    }
    for (name, t) in eb["outputs"].as_object().unwrap() {
        compare_tensor(t, &body["outputs"][name], &format!("outputs.{name}"))?;
    }
    let (er, gr) = (
        eb["results"].as_array().unwrap(),
        body["results"].as_array().cloned().unwrap_or_default(),
    );
    if er.len() != gr.len() {
        return Err(format!("{} results, expected {}", gr.len(), er.len()));
    }
    for (i, (e, g)) in er.iter().zip(&gr).enumerate() {
        let (kind, ev) = e.as_object().unwrap().iter().next().unwrap();
        if kind == "error" {
            if g["error"]["code"] != ev["code"] {
                return Err(format!(
                    "results[{i}]: expected error {}, got {g}",
                    ev["code"]
                ));
            }
        } else {
            let gv = g
                .get(kind)
                .ok_or_else(|| format!("results[{i}]: expected a {kind} result, got {g}"))?;
            compare_structure(ev, gv, &format!("results[{i}].{kind}"))?;
        }
    }
    Ok(())
}

/// The cases `GRADTAPE_CASE` selects: case names (file stems) separated by spaces (names hold
/// commas), each exact or ending in `*` for a prefix; unset or empty, every case.
fn selected(stem: &str, filter: &str) -> bool {
    filter.trim().is_empty()
        || filter
            .split_whitespace()
            .any(|f| match f.strip_suffix('*') {
                Some(prefix) => stem.starts_with(prefix),
                None => stem == f,
            })
}

#[test]
fn the_case_filter_selects_by_name_or_prefix() {
    assert!(selected("tanh_clamp", ""));
    assert!(selected("tanh_clamp", "relu tanh_clamp"));
    assert!(selected("reduce_sum_axis[0,2]", "reduce_sum_axis[0,2]"));
    assert!(selected("tanh_clamp", "tanh*"));
    assert!(!selected("tanh_clamp", "tanh"));
    assert!(!selected("binary_add", "tanh* relu"));
}

/// Runs every case under tests/conformance/cases, or those `GRADTAPE_CASE` names:
/// `GRADTAPE_CASE=batch_jacobian cargo test conformance -- --nocapture` runs one alone.
#[tokio::test]
async fn every_published_case_matches_tensorflow() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases");
    let mut all: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    all.sort();
    assert!(
        all.len() >= 190,
        "the conformance cases are missing from {dir:?}"
    );
    let filter = std::env::var("GRADTAPE_CASE").unwrap_or_default();
    let files: Vec<_> = all
        .into_iter()
        .filter(|f| selected(&f.file_stem().unwrap().to_string_lossy(), &filter))
        .collect();
    assert!(
        !files.is_empty(),
        "GRADTAPE_CASE={filter} names no case in {dir:?}"
    );
    let app = test_app();
    let mut failures = vec![];
    for f in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let case = crate::cpu_variants::program_for_this_cpu(&case);
        let (status, body) = call(
            &app,
            "POST",
            "/v1/evaluate",
            Some(case["request"].clone()),
            &[],
        )
        .await;
        if let Err(m) = compare(&case, status.as_u16(), &body) {
            let stem = f.file_stem().unwrap().to_string_lossy();
            let cpu = crate::cpu_variants::hint(&case, "`make_case.py --this-cpu`");
            failures.push(format!("{stem}: {m}{cpu}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from TensorFlow (run one alone with GRADTAPE_CASE=<name>):\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
