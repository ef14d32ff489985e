//! `try`/`except` in a cell catches Python's and TensorFlow's exceptions, never gradtape's own
//! limits: a loop that swallows every exception still stops with `limit_exceeded`, and no
//! `finally` runs after a limit.

use serde_json::{json, Value};

use crate::support::{app_with, call};
use gradtape::config::Config;

/// Runs `source` on an app whose cells take at most 20,000 steps (quick in a debug build).
async fn run_small(source: &str) -> Value {
    let app = app_with(Config {
        max_cell_steps: 20_000,
        ..Config::default()
    });
    let (status, body) = call(
        &app,
        "POST",
        "/v1/cells",
        Some(json!({ "source": source })),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[track_caller]
fn assert_limit(body: &Value) {
    assert_eq!(body["error"]["type"], "RuntimeError", "{body}");
    assert_eq!(body["error"]["code"], "limit_exceeded", "{body}");
}

#[tokio::test]
async fn no_handler_catches_a_limit() {
    let cells = [
        // the step limit, met in the body of a try that catches everything
        "while True:\n    try:\n        pass\n    except:\n        pass\n",
        "while True:\n    try:\n        x = 1\n    except BaseException:\n        pass\n",
        "while True:\n    try:\n        x = 1\n    except Exception as e:\n        pass\n    finally:\n        pass\n",
        // a limit raised inside a function, inside nested trys
        "def spin():\n    while True:\n        pass\ntry:\n    try:\n        spin()\n    except RuntimeError:\n        pass\nexcept:\n    pass\n",
        // a finally that would return cannot swallow it either
        "def f():\n    try:\n        while True:\n            pass\n    finally:\n        return 1\nwhile True:\n    f()\n",
        // stdout's bound
        "while True:\n    try:\n        print('x' * 1000)\n    except:\n        pass\n",
        // a tensor past the engine's size limit
        "import tensorflow as tf\ntry:\n    z = tf.zeros((100000, 100000))\nexcept Exception:\n    z = None\n",
        // a string past the bound on one Python value
        "s = 'x'\ntry:\n    for i in range(40):\n        s = s + s\nexcept:\n    pass\n",
        // an exception whose repr would be gigabytes is refused when it is made
        "s = 'x' * 1000000\ntry:\n    e = ValueError(s, s, s)\nexcept:\n    pass\n",
    ];
    for cell in cells {
        let body = run_small(cell).await;
        assert_limit(&body);
    }
}

#[tokio::test]
async fn a_finally_does_not_run_after_a_limit() {
    let body =
        run_small("try:\n    while True:\n        pass\nfinally:\n    print('cleaned up')\n").await;
    assert_limit(&body);
    assert_eq!(body["stdout"], "", "{body}");
}

#[tokio::test]
async fn python_errors_are_caught_as_python_catches_them() {
    // RecursionError is Python's own and caught: the frames that met the bound are gone
    let body = run_small(
        "def f(n):\n    return f(n + 1)\ntry:\n    f(0)\nexcept RecursionError as e:\n    print(type(e).__name__)\n",
    )
    .await;
    assert_eq!(body["error"], Value::Null, "{body}");
    assert_eq!(body["stdout"], "RecursionError\n", "{body}");
    // an InvalidArgumentError is an OpError, not a ValueError
    let body = run_small(
        "import tensorflow as tf\ntry:\n    tf.constant([1, 2]) + tf.constant([1, 2, 3])\nexcept ValueError:\n    print('value')\nexcept tf.errors.OpError as e:\n    print(type(e).__name__)\n",
    )
    .await;
    assert_eq!(body["stdout"], "InvalidArgumentError\n", "{body}");
}
