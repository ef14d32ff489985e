//! Session scenarios with the answers TensorFlow 2.15 eager gave (tests/sessions/cases, made by
//! tests/sessions/make_cases.py; the fuzz-found ones by the oracle's session_diff.py), replayed
//! call by call through the router with the comparison of the oracle's sessions.py: status,
//! error code (`*`: any) and TensorFlow's message where it pins one, tensors within the
//! conformance tolerances, tape flags, variables' names, trainability and bound names.

use std::collections::HashMap;
use std::path::Path;

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::conformance::{compare_structure, compare_tensor};
use crate::support::{call, test_app};

/// One session on the router; scenario tape labels map to the ids the server answered.
struct Replay {
    app: axum::Router,
    base: String,
    auth: String,
    tapes: HashMap<String, String>,
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Replay {
    async fn new(app: &axum::Router) -> Replay {
        let (st, body) = call(app, "POST", "/v1/sessions", None, &[]).await;
        assert_eq!(st, StatusCode::CREATED, "{body}");
        Replay {
            app: app.clone(),
            base: format!("/v1/sessions/{}", body["id"].as_str().unwrap()),
            auth: format!("Bearer {}", body["token"].as_str().unwrap()),
            tapes: HashMap::new(),
        }
    }

    fn route(&self, c: &Value) -> (&'static str, String) {
        let field = |k: &str| enc(c[k].as_str().unwrap_or(""));
        let tape = || {
            let label = c["tape"].as_str().unwrap_or("");
            enc(self.tapes.get(label).map_or("t404", String::as_str))
        };
        let kind = c["kind"].as_str().unwrap_or("");
        match kind {
            "create_var" => ("POST", "/variables".into()),
            "get_var" => ("GET", format!("/variables/{}", field("var"))),
            "assign" => ("POST", format!("/variables/{}/assign", field("var"))),
            "open_tape" => ("POST", "/tapes".into()),
            "delete_tape" => ("DELETE", format!("/tapes/{}", tape())),
            "graph" => ("POST", "/graph".into()),
            "get_tensor" => ("GET", format!("/tensors/{}", field("name"))),
            "info" => ("GET", String::new()),
            "cell" => ("POST", "/cells".into()),
            _ => ("POST", format!("/tapes/{}/{kind}", tape())),
        }
    }

    async fn send(&mut self, c: &Value) -> (u16, Value) {
        let (method, path) = self.route(c);
        let body = match (c.get("body"), method) {
            (Some(b), _) if !b.is_null() => Some(b.clone()),
            (_, "POST") => Some(json!({})),
            _ => None,
        };
        let uri = format!("{}{path}", self.base);
        let (st, got) = call(
            &self.app,
            method,
            &uri,
            body,
            &[("authorization", &self.auth)],
        )
        .await;
        if c["kind"] == "open_tape" && st == StatusCode::CREATED {
            let label = c["label"].as_str().unwrap_or("").to_string();
            self.tapes
                .insert(label, got["id"].as_str().unwrap_or("").into());
        }
        (st.as_u16(), got)
    }
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

fn compare_error(exp: &Value, got: &Value) -> Result<(), String> {
    let code = exp["code"].as_str().unwrap_or("*");
    if code != "*" && got["code"].as_str() != Some(code) {
        return Err(format!(
            "error code {}, expected {code}: {}",
            got["code"], got["detail"]
        ));
    }
    if let Some(m) = exp["message"].as_str() {
        if !squeeze(got["detail"].as_str().unwrap_or("")).contains(&squeeze(m)) {
            return Err(format!(
                "detail {} lacks TensorFlow's message {m:?}",
                got["detail"]
            ));
        }
    }
    Ok(())
}

fn compare_variable(exp: &Value, got: &Value, at: &str) -> Result<(), String> {
    for k in ["trainable", "name"] {
        if got[k] != exp[k] {
            return Err(format!("{at}.{k} {}, expected {}", got[k], exp[k]));
        }
    }
    let sorted = |v: &Value| {
        let mut names: Vec<String> = v
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(String::from))
            .collect();
        names.sort();
        names
    };
    if sorted(&got["bound_to"]) != sorted(&exp["bound_to"]) {
        return Err(format!(
            "{at}.bound_to {}, expected {}",
            got["bound_to"], exp["bound_to"]
        ));
    }
    compare_tensor(exp, got, at)
}

fn compare_tape(exp: &Value, got: &Value, at: &str) -> Result<(), String> {
    for k in [
        "persistent",
        "watch_accessed_variables",
        "recording",
        "exhausted",
    ] {
        if got[k] != exp[k] {
            return Err(format!("{at}.{k} {}, expected {}", got[k], exp[k]));
        }
    }
    Ok(())
}

fn compare_info(exp: &Value, got: &Value) -> Result<(), String> {
    let empty = vec![];
    let by_id = |list: &Value| -> HashMap<String, Value> {
        let items = list.as_array().unwrap_or(&empty);
        items
            .iter()
            .map(|v| (v["id"].as_str().unwrap_or("").to_string(), v.clone()))
            .collect()
    };
    let (vars, tapes) = (by_id(&got["variables"]), by_id(&got["tapes"]));
    let expected_vars = exp["variables"].as_object().cloned().unwrap_or_default();
    if vars.len() != expected_vars.len() {
        return Err(format!(
            "variables {:?}, expected {:?}",
            vars.keys(),
            expected_vars.keys()
        ));
    }
    for (id, v) in &expected_vars {
        let g = vars.get(id).ok_or(format!("no variable {id}"))?;
        compare_variable(v, g, &format!("variables.{id}"))?;
    }
    let triples = |list: &Value| {
        let mut t: Vec<String> = list
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|t| format!("{}:{}:{}", t["name"], t["dtype"], t["shape"]))
            .collect();
        t.sort();
        t
    };
    if triples(&got["tensors"]) != triples(&exp["tensors"]) {
        return Err(format!(
            "tensors {}, expected {}",
            got["tensors"], exp["tensors"]
        ));
    }
    let expected_tapes = exp["tapes"].as_object().cloned().unwrap_or_default();
    if tapes.len() != expected_tapes.len() {
        return Err(format!(
            "tapes {:?}, expected {:?}",
            tapes.keys(),
            expected_tapes.keys()
        ));
    }
    for (id, t) in &expected_tapes {
        let g = tapes.get(id).ok_or(format!("no tape {id}"))?;
        compare_tape(t, g, &format!("tapes.{id}"))?;
    }
    Ok(())
}

fn compare_success(call: &Value, exp: &Value, got: &Value) -> Result<(), String> {
    match call["kind"].as_str().unwrap_or("") {
        "delete_tape" => Ok(()),
        "create_var" | "get_var" | "assign" => compare_variable(exp, got, "variable"),
        "get_tensor" => compare_tensor(exp, got, "tensor"),
        "info" => compare_info(exp, got),
        "cell" => {
            // a cell answers as `POST /v1/cells` does: compared as the cell cases are
            let mut case = exp.clone();
            case["source"] = call["body"]["source"].clone();
            crate::cells_compare::compare(&case, 200, got)
        }
        "graph" => {
            if got["bound"] != exp["bound"] {
                return Err(format!("bound {}, expected {}", got["bound"], exp["bound"]));
            }
            let outs = exp["outputs"].as_object().cloned().unwrap_or_default();
            if got["outputs"].as_object().map_or(0, |o| o.len()) != outs.len() {
                return Err(format!(
                    "outputs {}, expected {}",
                    got["outputs"], exp["outputs"]
                ));
            }
            outs.iter().try_for_each(|(n, t)| {
                compare_tensor(t, &got["outputs"][n], &format!("outputs.{n}"))
            })
        }
        "gradient" | "jacobian" | "batch_jacobian" => {
            let key = exp
                .as_object()
                .and_then(|o| o.keys().find(|k| *k != "bound"))
                .cloned();
            let key = key.unwrap_or_default();
            if got["bound"] != exp["bound"] {
                return Err(format!("bound {}, expected {}", got["bound"], exp["bound"]));
            }
            let g = got.get(&key).ok_or(format!("no {key} in {got}"))?;
            compare_structure(&exp[&key], g, &key)
        }
        _ => compare_tape(exp, got, "tape"),
    }
}

async fn replay(app: &axum::Router, case: &Value) -> Result<(), String> {
    let mut s = Replay::new(app).await;
    let calls = case["calls"].as_array().ok_or("no calls")?;
    let expected = case["expected"].as_array().ok_or("no expected")?;
    for (i, (c, e)) in calls.iter().zip(expected).enumerate() {
        let (status, got) = s.send(c).await;
        let (es, eb) = (e[0].as_u64().unwrap_or(0) as u16, &e[1]);
        let kind = c["kind"].as_str().unwrap_or("");
        let result = if status != es {
            Err(format!("HTTP {status}, expected {es} {eb}: {got}"))
        } else if es >= 400 {
            compare_error(eb, &got)
        } else {
            compare_success(c, eb, &got)
        };
        result.map_err(|m| {
            format!(
                "call {i} ({kind} {}): {m}",
                c.get("body").unwrap_or(&Value::Null)
            )
        })?;
    }
    Ok(())
}

#[tokio::test]
async fn every_session_case_answers_as_tensorflow_did() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sessions/cases");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 12, "{} cases in {dir:?}", paths.len());
    let app = test_app();
    let mut failures = vec![];
    for p in &paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
        if let Err(m) = replay(&app, &case).await {
            failures.push(format!("{}: {m}", p.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n")
    );
}
