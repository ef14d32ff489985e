//! The OpenAPI document is the contract: every routed method and path is in it and nothing
//! else is, and real responses validate against its schemas.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::support::{call, test_app};

pub fn spec() -> Value {
    serde_norway::from_str(include_str!("../../openapi/openapi.yaml")).expect("openapi.yaml parses")
}

#[test]
fn every_route_is_documented_and_every_documented_route_exists() {
    let doc = spec();
    assert_eq!(doc["openapi"], "3.1.0");
    // an unquoted comma inside a YAML flow mapping silently splits a description into null keys
    fn no_nulls(v: &Value, at: &str) {
        match v {
            // A response example may hold a real null (grade's `worst_index`): those examples are
            // compared with the server's answers (grade::the_documented_examples_answer_as_documented).
            Value::Null
                if at.contains("/responses/")
                    && (at.contains("/examples/") || at.contains("/example/")) => {}
            Value::Null => panic!("openapi.yaml has a null at {at} (quote strings with commas)"),
            Value::Object(m) => m
                .iter()
                .for_each(|(k, x)| no_nulls(x, &format!("{at}/{k}"))),
            Value::Array(a) => a
                .iter()
                .enumerate()
                .for_each(|(i, x)| no_nulls(x, &format!("{at}[{i}]"))),
            _ => {}
        }
    }
    no_nulls(&doc, "");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| *k != "parameters")
                .map(move |m| (m.to_uppercase(), p.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> = gradtape::api::routes()
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(
        missing.is_empty(),
        "routes missing from openapi.yaml: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "openapi.yaml documents routes the server does not have: {extra:?}"
    );
}

/// A small JSON Schema checker for the keywords openapi.yaml and the graders' result schemas
/// (tests/assignments/schemas) use.
pub fn check(doc: &Value, schema: &Value, v: &Value, at: &str) -> Result<(), String> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let target = r
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |node, key| &node[key]);
        return check(doc, target, v, at);
    }
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "number" => v.is_number(),
            "integer" => v.is_i64() || v.is_u64(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            return Err(format!("{at}: {v} is not of type {t}"));
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            return Err(format!("{at}: {v} is not one of {e:?}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            return Err(format!("{at}: {v} is not {c}"));
        }
    }
    if let Some(x) = v.as_f64() {
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if x < min {
                return Err(format!("{at}: {x} is below the minimum {min}"));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if x > max {
                return Err(format!("{at}: {x} is above the maximum {max}"));
            }
        }
    }
    if let Some(s) = v.as_str() {
        if let Some(p) = schema.get("pattern").and_then(Value::as_str) {
            if !regex::Regex::new(p).unwrap().is_match(s) {
                return Err(format!("{at}: {s:?} does not match {p}"));
            }
        }
        if let Some(n) = schema.get("minLength").and_then(Value::as_u64) {
            if (s.chars().count() as u64) < n {
                return Err(format!("{at}: {s:?} is shorter than {n}"));
            }
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for s in all {
            check(doc, s, v, at)?;
        }
    }
    if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
        let n = one.iter().filter(|s| check(doc, s, v, at).is_ok()).count();
        if n != 1 {
            return Err(format!(
                "{at}: {v} matches {n} of the oneOf alternatives, not exactly one"
            ));
        }
    }
    if let Value::Object(m) = v {
        let props = schema.get("properties").and_then(Value::as_object);
        for r in schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if !m.contains_key(r.as_str().unwrap()) {
                return Err(format!("{at}: missing required member {r}"));
            }
        }
        for (k, x) in m {
            match props.and_then(|p| p.get(k)) {
                Some(s) => check(doc, s, x, &format!("{at}.{k}"))?,
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => return Err(format!("{at}: unexpected member {k}")),
                    Some(s @ Value::Object(_)) => check(doc, s, x, &format!("{at}.{k}"))?,
                    _ => {}
                },
            }
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64) {
            if m.len() as u64 > max {
                return Err(format!("{at}: more than {max} members"));
            }
        }
    }
    if let (Value::Array(items), Some(s)) = (v, schema.get("items")) {
        for (i, x) in items.iter().enumerate() {
            check(doc, s, x, &format!("{at}[{i}]"))?;
        }
    }
    Ok(())
}

/// The response schema the document gives for `method path` answering `status`.
pub fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not documented");
    let responses = &op["responses"];
    let r = responses
        .get(status.to_string())
        .unwrap_or(&responses["default"]);
    let r = match r.get("$ref").and_then(Value::as_str) {
        Some(rf) => rf
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |n, k| &n[k]),
        None => r,
    };
    let content = r["content"]
        .as_object()
        .unwrap_or_else(|| panic!("{method} {path} {status} has no content"));
    &content.values().next().unwrap()["schema"]
}

#[tokio::test]
async fn real_responses_match_the_documented_schemas() {
    let doc = spec();
    let app = test_app();
    let example = |name: &str| {
        doc["paths"]["/v1/evaluate"]["post"]["requestBody"]["content"]["application/json"]
            ["examples"][name]["value"]
            .clone()
    };
    let seed = example("seed");
    let (st, _) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    assert_eq!(st, 201);
    let (_, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let sid = created["id"].as_str().unwrap().to_string();
    let auth = format!("Bearer {}", created["token"].as_str().unwrap());
    let s = |p: &str| format!("/v1/sessions/{sid}{p}");
    // (method, documented path, concrete uri, body, expected status)
    let calls: Vec<(&str, &str, String, Option<Value>, u16)> = vec![
        (
            "POST",
            "/v1/evaluate",
            "/v1/evaluate".into(),
            Some(seed),
            200,
        ),
        (
            "POST",
            "/v1/evaluate",
            "/v1/evaluate".into(),
            Some(example("why_null")),
            200,
        ),
        (
            "POST",
            "/v1/evaluate",
            "/v1/evaluate".into(),
            Some(example("log_softmax_underflow")),
            200,
        ),
        (
            "POST",
            "/v1/evaluate",
            "/v1/evaluate".into(),
            Some(json!({"setup": [{"name": "e", "op": "exp", "inputs": [[1, 2]]}]})),
            422,
        ),
        (
            "POST",
            "/v1/evaluate",
            "/v1/evaluate".into(),
            Some(json!([1, 2])),
            400,
        ),
        (
            "POST",
            "/v1/sessions/{session}/variables",
            s("/variables"),
            Some(json!({"name": "W", "value": [[0.5, -1.0]]})),
            201,
        ),
        (
            "POST",
            "/v1/sessions/{session}/graph",
            s("/graph"),
            Some(json!({"nodes": [{"name": "x", "op": "constant", "value": [1.0, 2.0]}]})),
            200,
        ),
        (
            "POST",
            "/v1/sessions/{session}/tapes",
            s("/tapes"),
            Some(json!({"persistent": true})),
            201,
        ),
        (
            "POST",
            "/v1/sessions/{session}/graph",
            s("/graph"),
            Some(json!({"nodes": [{"name": "L", "op": "matvec", "inputs": ["W", "x"]}]})),
            200,
        ),
        (
            "POST",
            "/v1/sessions/{session}/tapes/{tape}/stop",
            s("/tapes/t1/stop"),
            None,
            200,
        ),
        (
            "POST",
            "/v1/sessions/{session}/tapes/{tape}/gradient",
            s("/tapes/t1/gradient"),
            Some(json!({"target": "L", "sources": ["W", "x"], "check": true})),
            200,
        ),
        (
            "POST",
            "/v1/sessions/{session}/tapes/{tape}/jacobian",
            s("/tapes/t1/jacobian"),
            Some(json!({"target": "L", "sources": "W"})),
            200,
        ),
        (
            "POST",
            "/v1/sessions/{session}/tapes/{tape}/watch",
            s("/tapes/t1/watch"),
            Some(json!({"names": ["x"]})),
            200,
        ),
        (
            "POST",
            "/v1/sessions/{session}/variables/{variable}/assign",
            s("/variables/W/assign"),
            Some(json!({"op": "assign_add", "value": [[1.0, 1.0]]})),
            200,
        ),
        (
            "GET",
            "/v1/sessions/{session}/variables/{variable}",
            s("/variables/v1"),
            None,
            200,
        ),
        (
            "GET",
            "/v1/sessions/{session}/tensors/{name}",
            s("/tensors/L"),
            None,
            200,
        ),
        ("GET", "/v1/sessions/{session}", s(""), None, 200),
        (
            "GET",
            "/v1/sessions/{session}/tensors/{name}",
            s("/tensors/nothing"),
            None,
            404,
        ),
        (
            "GET",
            "/v1/sessions/{session}",
            "/v1/sessions/unknown".into(),
            None,
            404,
        ),
        ("GET", "/v1/ops", "/v1/ops".into(), None, 200),
        (
            "GET",
            "/v1/ops/{op}",
            "/v1/ops/tf.nn.softmax".into(),
            None,
            200,
        ),
        ("GET", "/v1/ops/{op}", "/v1/ops/softmaks".into(), None, 404),
    ];
    for (method, path, uri, body, want) in calls {
        let (st, v) = call(&app, method, &uri, body, &[("authorization", &auth)]).await;
        assert_eq!(st.as_u16(), want, "{method} {uri}: {v}");
        let schema = response_schema(&doc, method, path, st.as_u16());
        check(&doc, schema, &v, &format!("{method} {uri}")).unwrap_or_else(|e| panic!("{e}"));
    }
    // the checker is not vacuous: a malformed problem and a tensor without a shape are refused
    let problem = json!({"$ref": "#/components/schemas/Problem"});
    assert!(check(
        &doc,
        &problem,
        &json!({"type": "x", "title": "t", "status": 422, "detail": "d", "code": "oops"}),
        "p"
    )
    .is_err());
    let tensor = json!({"$ref": "#/components/schemas/Tensor"});
    assert!(check(
        &doc,
        &tensor,
        &json!({"dtype": "float32", "value": 1.0}),
        "t"
    )
    .is_err());
    let (st, v) = call(&app, "GET", "/openapi.json", None, &[]).await;
    assert_eq!((st.as_u16(), &v), (200, &doc));
}

/// The examples of one media type: its `example` and every `examples` entry's `value`.
fn examples_of(media: &Value) -> Vec<(String, &Value)> {
    let single = media.get("example").map(|e| ("example".to_string(), e));
    let named = media
        .get("examples")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(name, e)| (name.clone(), &e["value"]));
    single.into_iter().chain(named).collect()
}

/// A response or request body, with its `$ref` to a component followed.
fn resolve<'a>(doc: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .trim_start_matches("#/")
            .split('/')
            .fold(doc, |node, key| &node[key]),
        None => v,
    }
}

fn operations(doc: &Value) -> Vec<(String, String, &Value)> {
    doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .unwrap()
                .iter()
                .filter(|(m, _)| *m != "parameters")
                .map(move |(m, op)| (m.to_uppercase(), path.clone(), op))
        })
        .collect()
}

#[test]
fn every_response_example_matches_its_schema() {
    let doc = spec();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            continue;
        };
        for (status, r) in responses {
            let r = resolve(&doc, r);
            let Some(content) = r.get("content").and_then(Value::as_object) else {
                continue;
            };
            for (media_type, media) in content {
                for (name, example) in examples_of(media) {
                    let at = format!("{method} {path} {status} {media_type} {name}");
                    check(&doc, &media["schema"], example, &at)
                        .unwrap_or_else(|e| panic!("the example of {at}: {e}"));
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 60, "only {checked} response examples checked");
}

#[test]
fn every_request_example_matches_its_schema() {
    let doc = spec();
    let mut checked = 0;
    for (method, path, op) in operations(&doc) {
        let Some(body) = op.get("requestBody") else {
            continue;
        };
        for (media_type, media) in resolve(&doc, body)["content"].as_object().unwrap() {
            for (name, example) in examples_of(media) {
                let at = format!("{method} {path} {media_type} {name}");
                check(&doc, &media["schema"], example, &at)
                    .unwrap_or_else(|e| panic!("the request example of {at}: {e}"));
                checked += 1;
            }
        }
    }
    assert!(checked >= 19, "only {checked} request examples checked");
}

/// Every operation shows a request for each body it takes and every answer it documents: its
/// success (a 204, or a redirect, has no body to show) and its errors, in at least one of each
/// answer's media types (a PNG has none to show where the same answer's SVG has one).
#[test]
fn every_operation_has_a_request_and_an_answer_example() {
    let doc = spec();
    let mut missing = vec![];
    for (method, path, op) in operations(&doc) {
        if let Some(body) = op.get("requestBody") {
            for (media_type, media) in resolve(&doc, body)["content"].as_object().unwrap() {
                if examples_of(media).is_empty() {
                    missing.push(format!(
                        "{method} {path}: no request example for {media_type}"
                    ));
                }
            }
        }
        let mut successes = 0;
        for (status, r) in op["responses"].as_object().unwrap() {
            let Some(content) = resolve(&doc, r).get("content").and_then(Value::as_object) else {
                continue;
            };
            successes += usize::from(status.starts_with('2'));
            if content.values().all(|m| examples_of(m).is_empty()) {
                missing.push(format!(
                    "{method} {path}: no example of its {status} answer"
                ));
            }
        }
        let answers_nothing = op["responses"]
            .as_object()
            .unwrap()
            .keys()
            .any(|s| s == "204" || s.starts_with('3'));
        if successes == 0 && !answers_nothing {
            missing.push(format!("{method} {path}: no documented success"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
