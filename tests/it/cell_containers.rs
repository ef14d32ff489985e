//! Lists and tuples a cell nests deep or makes hold themselves: Python prints, compares and
//! frees them, so a cell does too, and none of it may overflow a server thread's stack (the
//! process would abort for every user) or keep memory after the request.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::{call, test_app};

async fn cell(app: &axum::Router, uri: &str, auth: &str, source: &str) -> Value {
    let headers: Vec<(&str, &str)> = if auth.is_empty() {
        vec![]
    } else {
        vec![("authorization", auth)]
    };
    let (st, out) = call(app, "POST", uri, Some(json!({"source": source})), &headers).await;
    assert_eq!(st, StatusCode::OK, "{source}: {out}");
    out
}

/// A list 100,000 deep, made in a function (no walk at each top-level assignment).
const DEEP: &str =
    "def deep(n):\n    a = []\n    for i in range(n):\n        a = [a]\n    return a\n";

#[tokio::test]
async fn a_list_nested_100000_deep_raises_where_python_does_and_is_freed() {
    let app = test_app();
    let src = format!("{DEEP}x = deep(100000)\nprint(len(x))\ns = str(x)\n");
    let out = cell(&app, "/v1/cells", "", &src).await;
    assert_eq!(out["stdout"], "1\n");
    assert_eq!(out["error"]["type"], "RecursionError", "{out}");
    assert_eq!(out["error"]["line"], 8);
    // printed: the same RecursionError, before the text is sized against stdout's limit
    let src = format!("{DEEP}x = deep(400000)\nprint(x)\n");
    let out = cell(&app, "/v1/cells", "", &src).await;
    assert_eq!(
        out["error"]["detail"],
        "maximum recursion depth exceeded while getting the repr of an object"
    );
    // compared with another as deep: Python's RecursionError in comparison
    let src = format!("{DEEP}x = deep(100000)\ny = deep(100000)\nsame = x == y\n");
    let out = cell(&app, "/v1/cells", "", &src).await;
    assert_eq!(
        out["error"]["detail"],
        "maximum recursion depth exceeded in comparison"
    );
    // handed to TensorFlow: refused before any conversion walks it
    let src = format!("import tensorflow as tf\n{DEEP}t = tf.constant(deep(100000))\n");
    let out = cell(&app, "/v1/cells", "", &src).await;
    assert_eq!(out["error"]["type"], "ValueError", "{out}");
}

#[tokio::test]
async fn a_list_that_holds_itself_prints_and_converts_as_python_and_tensorflow_do() {
    let app = test_app();
    let src = "import tensorflow as tf\nc = [1.0]\nc.append(c)\nb = [c, (c,)]\nprint(b, c == [1.0, c])\nx = tf.constant(c)\n";
    let out = cell(&app, "/v1/cells", "", src).await;
    assert_eq!(out["stdout"], "[[1.0, [...]], ([1.0, [...]],)] True\n");
    assert_eq!(
        out["error"]["detail"],
        "Can't convert Python sequence with mixed types to Tensor."
    );
    // the same list times a tensor: the operator's conversion refuses it the same way
    let src = "import tensorflow as tf\nc = [1.0]\nc.append(c)\ny = tf.ones([2]) * c\n";
    let out = cell(&app, "/v1/cells", "", src).await;
    assert_eq!(out["error"]["type"], "ValueError", "{out}");
}

#[tokio::test]
async fn a_session_keeps_a_list_that_holds_itself_and_refuses_one_nested_too_deep() {
    let app = test_app();
    let (_, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let uri = format!("/v1/sessions/{}/cells", created["id"].as_str().unwrap());
    let auth = format!("Bearer {}", created["token"].as_str().unwrap());
    let src = format!("{DEEP}x = deep(20000)\nc = [3]\nc.append(c)\nn = 1\n");
    let out = cell(&app, &uri, &auth, &src).await;
    assert_eq!(out["error"]["code"], "limit_exceeded", "{out}");
    assert!(
        out["error"]["detail"]
            .as_str()
            .unwrap()
            .starts_with("`x` holds lists or tuples nested more than 10000 deep"),
        "{out}"
    );
    // what could be kept was kept, and the session answers on
    let out = cell(&app, &uri, &auth, "print(c, n)\n").await;
    assert_eq!(out["stdout"], "[3, [...]] 1\n", "{out}");
    let out = cell(&app, &uri, &auth, "y = x\n").await;
    assert_eq!(out["error"]["type"], "NameError", "{out}");
}
