//! Python dicts in cells: a session keeps them from cell to cell (shared, holding themselves,
//! holding variables and views), and a dict growing in a loop meets the cell's limits rather
//! than the server's memory; nesting and cycles through dicts cost no stack.

use serde_json::{json, Value};

use crate::support::{app_with, call, run_cell, test_app};
use gradtape::config::Config;

async fn session(app: &axum::Router) -> (String, String) {
    let (_, created) = call(app, "POST", "/v1/sessions", None, &[]).await;
    let uri = format!("/v1/sessions/{}/cells", created["id"].as_str().unwrap());
    let auth = format!("Bearer {}", created["token"].as_str().unwrap());
    (uri, auth)
}

async fn session_cell(app: &axum::Router, uri: &str, auth: &str, source: &str) -> Value {
    let (st, out) = call(
        app,
        "POST",
        uri,
        Some(json!({"source": source})),
        &[("authorization", auth)],
    )
    .await;
    assert_eq!(st, 200, "{source}: {out}");
    out
}

#[tokio::test]
async fn a_session_keeps_dicts_from_cell_to_cell() {
    let app = test_app();
    let (uri, auth) = session(&app).await;
    let first = "import tensorflow as tf\n\
        W = tf.Variable(1.0)\n\
        history = {'loss': [], 'acc': []}\n\
        params = {'W': W, 1: (2, 'x')}\n\
        alias = history\n\
        d = {}\n\
        d['self'] = d\n\
        ks = history.keys()\n";
    let out = session_cell(&app, &uri, &auth, first).await;
    assert!(out["error"].is_null(), "{out}");
    // dicts are not values of a cell, as lists are not
    assert!(out["values"].get("history").is_none(), "{out}");
    let second = "history['loss'].append(0.5)\n\
        params['W'].assign_add(1.0)\n\
        print(history, params, d, ks, alias is history, d['self'] is d)\n";
    let out = session_cell(&app, &uri, &auth, second).await;
    assert!(out["error"].is_null(), "{out}");
    assert_eq!(
        out["stdout"],
        "{'loss': [0.5], 'acc': []} {'W': <tf.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>, 1: (2, 'x')} {'self': {...}} dict_keys(['loss', 'acc']) True True\n"
    );
    // the view kept is live: it sees a key added two cells after it was made
    let third = "history['new'] = 1\nfor k, v in history.items():\n    print(k, v)\nprint(ks, len(alias))\n";
    let out = session_cell(&app, &uri, &auth, third).await;
    assert!(out["error"].is_null(), "{out}");
    assert_eq!(
        out["stdout"],
        "loss [0.5]\nacc []\nnew 1\ndict_keys(['loss', 'acc', 'new']) 3\n"
    );
    let out = session_cell(&app, &uri, &auth, "x = params[2]\n").await;
    assert_eq!(out["error"]["type"], "KeyError", "{out}");
    assert_eq!(out["error"]["detail"], "2", "{out}");
}

#[tokio::test]
async fn a_dict_growing_in_a_loop_meets_the_cell_s_budget() {
    let config = Config {
        max_cell_python_bytes: 1 << 20,
        ..Config::default()
    };
    let app = app_with(config);
    let grow = "d = {}\ni = 0\nwhile True:\n    d[i] = i\n    i += 1\n";
    let (_, body) = call(
        &app,
        "POST",
        "/v1/cells",
        Some(json!({"source": grow})),
        &[],
    )
    .await;
    assert_eq!(body["error"]["code"], "limit_exceeded", "{body}");
    assert_eq!(body["error"]["line"], 4, "{body}");
    let detail = body["error"]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("GRADTAPE_MAX_CELL_PYTHON_BYTES"),
        "{detail}"
    );
    // a key set again takes no more room: many assignments to a few keys stay within it
    let same = "d = {}\nfor i in range(100000):\n    d[i % 10] = i\nn = len(d)\n";
    let (_, body) = call(
        &app,
        "POST",
        "/v1/cells",
        Some(json!({"source": same})),
        &[],
    )
    .await;
    assert!(body["error"].is_null(), "{body}");
    assert_eq!(body["values"]["n"], 10);
    // and a session's cells meet the budget too
    let (uri, auth) = session(&app).await;
    let out = session_cell(&app, &uri, &auth, grow).await;
    assert_eq!(out["error"]["code"], "limit_exceeded", "{out}");
}

#[tokio::test]
async fn dicts_nested_deep_or_holding_themselves_cost_no_stack() {
    // 100,000 dicts each inside the next: printing raises RecursionError, as Python's repr
    // does, comparing too, and the cell's end frees them without recursing
    let deep =
        "def deep(n):\n    a = {}\n    for i in range(n):\n        a = {'a': a}\n    return a\n";
    let body = run_cell(&format!("{deep}x = deep(100000)\ns = str(x)\n")).await;
    assert_eq!(body["error"]["type"], "RecursionError", "{body}");
    let body = run_cell(&format!(
        "{deep}x = deep(100000)\ny = deep(100000)\nsame = x == y\n"
    ))
    .await;
    assert_eq!(
        body["error"]["detail"], "maximum recursion depth exceeded in comparison",
        "{body}"
    );
    // a tuple key nested as deep is Python's RecursionError, not a crash
    let tuples = "t = ()\nfor i in range(100000):\n    t = (t,)\nd = {t: 1}\n";
    let body = run_cell(tuples).await;
    assert_eq!(body["error"]["type"], "RecursionError", "{body}");
    // two dicts holding each other and themselves are freed with the cell
    let body = run_cell("a = {}\nb = {'a': a}\na['b'] = b\na['a'] = a\nprint(a)\n").await;
    assert_eq!(
        body["stdout"], "{'b': {'a': {...}}, 'a': {...}}\n",
        "{body}"
    );
    // a session refuses to keep a dict nested past what it revives
    let app = test_app();
    let (uri, auth) = session(&app).await;
    let out = session_cell(
        &app,
        &uri,
        &auth,
        &format!("{deep}x = deep(20000)\nn = 1\n"),
    )
    .await;
    assert_eq!(out["error"]["code"], "limit_exceeded", "{out}");
    let out = session_cell(&app, &uri, &auth, "print(n)\n").await;
    assert_eq!(out["stdout"], "1\n", "{out}");
}
