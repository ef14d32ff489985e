//! `POST /v1/sessions/{id}/cells`: a session as a notebook kernel. Names, variables, tapes and
//! functions live on from cell to cell and are the session's for its other routes, and they
//! survive the session's bytes (what a shared store keeps).

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::support::{call, test_app};
use gradtape::cells::CellLimits;
use gradtape::engine::Limits;
use gradtape::sessions::{codec, kernel, Session};

struct S {
    app: axum::Router,
    base: String,
    auth: String,
}

impl S {
    async fn req(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let uri = format!("{}{path}", self.base);
        call(
            &self.app,
            method,
            &uri,
            body,
            &[("authorization", &self.auth)],
        )
        .await
    }
    async fn cell(&self, source: &str) -> Value {
        let (st, out) = self
            .req("POST", "/cells", Some(json!({"source": source})))
            .await;
        assert_eq!(st, StatusCode::OK, "{out}");
        assert!(out["error"].is_null(), "{source}: {out}");
        out
    }
}

#[tokio::test]
async fn a_session_is_a_kernel_its_routes_share() {
    let app = test_app();
    let (_, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let s = S {
        app: app.clone(),
        base: format!("/v1/sessions/{}", created["id"].as_str().unwrap()),
        auth: format!("Bearer {}", created["token"].as_str().unwrap()),
    };
    s.cell("import tensorflow as tf\nW = tf.Variable([[1.0, 2.0]], name='W')\nx = tf.constant([3.0, 4.0])\nn = 5\ndef f(a, k=2.0):\n    return a * k\n").await;
    // the cell's variable and tensor are the session's
    let (_, w) = s.req("GET", "/variables/W", None).await;
    assert_eq!(w["value"], json!([[1.0, 2.0]]));
    let (_, x) = s.req("GET", "/tensors/x", None).await;
    assert_eq!(x["value"], json!([3.0, 4.0]));
    // a tensor the graph route binds is a name in the next cell, beside the kept n and f
    let (st, _) = s
        .req(
            "POST",
            "/graph",
            Some(json!({"nodes": [{"name": "y", "op": "multiply", "inputs": ["x", 2.0]}]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    // y = 2x = [6, 8], f(y) = 2y = [12, 16]
    let out = s.cell("print(f(y).numpy(), n)").await;
    assert_eq!(out["stdout"], "[12. 16.] 5\n");
    // a tape opened in a cell is the session's tape g: L = W x = 11, dL/dW = x
    s.cell("with tf.GradientTape() as g:\n    L = tf.reduce_sum(tf.linalg.matvec(W, x))\n")
        .await;
    let (st, g) = s
        .req(
            "POST",
            "/tapes/g/gradient",
            Some(json!({"target": "L", "sources": "W", "bind": "dW"})),
        )
        .await;
    assert_eq!(
        (st, g["gradient"]["value"].clone()),
        (StatusCode::OK, json!([[3.0, 4.0]]))
    );
    // and a gradient bound by a route is a name in the next cell: W - 0.5 dW = [[-0.5, 0]]
    let out = s.cell("W.assign_sub(0.5 * dW)\nprint(W.numpy())").await;
    assert_eq!(out["stdout"], "[[-0.5  0. ]]\n");
    let (_, w) = s.req("GET", "/variables/W", None).await;
    assert_eq!(w["value"], json!([[-0.5, 0.0]]));
    // `del` in a cell unbinds the session's name
    s.cell("del x").await;
    assert_eq!(
        s.req("GET", "/tensors/x", None).await.0,
        StatusCode::NOT_FOUND
    );
    // a refused cell changes nothing; a wrong token is the same 404 as an unknown session
    let (st, _) = s
        .req("POST", "/cells", Some(json!({"source": "import os"})))
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    let uri = format!("{}/cells", s.base);
    let bad = [("authorization", "Bearer nope")];
    let (st, _) = call(&app, "POST", &uri, Some(json!({"source": "n"})), &bad).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

/// Runs `first` in a new session, stores the session as its bytes and reads it back (as a
/// restart or another replica does), runs `second` there, and gives what `second` printed.
fn across_the_sessions_bytes(first: &str, second: &str) -> String {
    let limits = CellLimits::default();
    let mut s = Session::new(Limits::default());
    let out = kernel::run_cell(&mut s, first, &limits, None)
        .unwrap()
        .unwrap();
    assert!(out.error.is_none(), "{out:?}");
    let bytes = codec::encode(&s);
    let mut back = codec::decode(&bytes, &Limits::default()).unwrap();
    let out = kernel::run_cell(&mut back, second, &limits, None)
        .unwrap()
        .unwrap();
    assert!(out.error.is_none(), "{out:?}");
    out.stdout
}

#[test]
fn a_kernel_survives_the_sessions_bytes() {
    let first = "import tensorflow as tf\nimport numpy as np\nk = 3\na = np.array([1.0, 2.0])\ndef scale(v, by=k):\n    return v * by\nxs = [1, 'two', None]\n";
    // scale's default was evaluated when it was defined: a * 3 = [3, 6]
    let printed = across_the_sessions_bytes(first, "print(scale(a), len(xs), xs[1])");
    assert_eq!(printed, "[3. 6.] 3 two\n");
}

#[test]
fn an_iterator_survives_the_sessions_bytes_where_it_had_got_to() {
    let first = "xs = [1, 2, 3]\nen = enumerate(xs)\nfor i, x in en:\n    break\nz = zip(map(abs, [-4, -5]), en)\n";
    // en gave (0, 1) before the break; z pairs what is left of it, and then it is used up
    let printed = across_the_sessions_bytes(first, "print(list(z), list(en), list(z))");
    assert_eq!(printed, "[(4, (1, 2)), (5, (2, 3))] [] []\n");
}

#[test]
fn a_variable_slice_assigns_after_the_sessions_bytes() {
    let first = "import tensorflow as tf\nW = tf.Variable([[1.0, 2.0], [3.0, 4.0]])\nrow = W[0]\ncols = [W[:, 1]]\n";
    let second = "row.assign([9.0, 8.0])\ncols[0].assign([0.0, 0.0])\nprint(W.numpy())";
    let printed = across_the_sessions_bytes(first, second);
    assert_eq!(printed, "[[9. 0.]\n [3. 0.]]\n");
}

#[test]
fn a_trainable_given_as_a_name_reads_back_after_the_sessions_bytes() {
    // the second positional argument is `trainable`: TensorFlow keeps 'bias' there as given
    let first = "import tensorflow as tf\nb = tf.Variable(1.0, 'bias')\nz = tf.Variable(1.0, 0)\n";
    let second = "with tf.GradientTape() as tape:\n    y = b * 2.0\nprint(repr(b.trainable), z.trainable, tape.gradient(y, b))";
    let printed = across_the_sessions_bytes(first, second);
    assert_eq!(
        printed,
        "'bias' 0 tf.Tensor(2.0, shape=(), dtype=float32)\n"
    );
}

#[test]
fn shape_dims_stay_dimensions_after_the_sessions_bytes() {
    let first = "import tensorflow as tf\ndims = tf.zeros([2, 3]).shape.dims\n";
    let printed = across_the_sessions_bytes(first, "print(dims, dims[0] + 1)");
    assert_eq!(printed, "[Dimension(2), Dimension(3)] 3\n");
}

#[test]
fn an_exception_kept_from_an_except_block_survives_the_sessions_bytes() {
    // `e` itself is unbound after the block, as in Python 3; `err = e` keeps the object
    let first = "try:\n    raise ValueError('bad', 2)\nexcept ValueError as e:\n    err = e\n";
    let second = "print(repr(err), err.args, isinstance(err, LookupError), isinstance(err, Exception))\ntry:\n    raise err\nexcept ValueError as again:\n    print(again)";
    let printed = across_the_sessions_bytes(first, second);
    assert_eq!(
        printed,
        "ValueError('bad', 2) ('bad', 2) False True\n('bad', 2)\n"
    );
}

#[test]
fn a_top_k_result_stays_a_named_tuple_after_the_sessions_bytes() {
    let first = "import tensorflow as tf\nr = tf.math.top_k(tf.constant([1.0, 3.0, 2.0]), 2)\n";
    let printed = across_the_sessions_bytes(first, "print(type(r).__name__, r.indices, r)");
    assert_eq!(
        printed,
        "TopKV2 tf.Tensor([1 2], shape=(2,), dtype=int32) TopKV2(values=<tf.Tensor: shape=(2,), dtype=float32, numpy=array([3., 2.], dtype=float32)>, indices=<tf.Tensor: shape=(2,), dtype=int32, numpy=array([1, 2], dtype=int32)>)\n"
    );
}

#[test]
fn an_rmsprop_keeps_its_slots_after_the_sessions_bytes() {
    // one step in each cell: the velocity the first made is read by the second
    let first = "import tensorflow as tf\nx = tf.Variable([1.0, 2.0])\nopt = tf.keras.optimizers.RMSprop(learning_rate=0.1, momentum=0.5)\nopt.apply_gradients([(tf.constant([1.0, 1.0]), x)])\n";
    let second = "opt.apply_gradients([(tf.constant([1.0, 1.0]), x)])\nprint(type(opt).__name__, [v.name for v in opt.variables], opt.variables[1].numpy(), x.numpy())";
    let one_cell = {
        let limits = CellLimits::default();
        let mut s = Session::new(Limits::default());
        let src = format!("{first}{second}");
        kernel::run_cell(&mut s, &src, &limits, None)
            .unwrap()
            .unwrap()
            .stdout
    };
    assert_eq!(across_the_sessions_bytes(first, second), one_cell);
    assert!(
        one_cell.starts_with(
            "RMSprop ['iteration:0', 'RMSprop/velocity/Variable:0', 'RMSprop/momentum/Variable:0']"
        ),
        "{one_cell}"
    );
}

/// A cell that keeps `np.asarray` of a tensor (read-only), a view of it, a writable copy and a
/// list holding the first, and one that then writes into each (TensorFlow 2.15's stdout for
/// the two run one after the other).
const READ_ONLY_FIRST: &str = "import tensorflow as tf\nimport numpy as np\nt = tf.constant([1.0, 2.0, 3.0])\nv = np.asarray(t)\nw = v[1:]\nc = np.array(t)\nboth = [v, c]\n";
const READ_ONLY_SECOND: &str = "for name, a in [('v', v), ('w', w), ('c', c), ('both[0]', both[0])]:\n    try:\n        a[0] = 7\n        print(name, 'written', a)\n    except ValueError as e:\n        print(name, e)\ntry:\n    v += 1\nexcept ValueError as e:\n    print('v +=', e)\nprint(both[0] is v, v, w, c, t)";
const READ_ONLY_PRINTED: &str = "v assignment destination is read-only\nw assignment destination is read-only\nc written [7. 2. 3.]\nboth[0] assignment destination is read-only\nv += output array is read-only\nTrue [1. 2. 3.] [2. 3.] [7. 2. 3.] tf.Tensor([1. 2. 3.], shape=(3,), dtype=float32)\n";

#[test]
fn a_read_only_array_stays_read_only_after_the_sessions_bytes() {
    let printed = across_the_sessions_bytes(READ_ONLY_FIRST, READ_ONLY_SECOND);
    assert_eq!(printed, READ_ONLY_PRINTED);
}

#[tokio::test]
async fn a_read_only_array_stays_read_only_in_the_next_cell() {
    let app = test_app();
    let (_, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let s = S {
        app,
        base: format!("/v1/sessions/{}", created["id"].as_str().unwrap()),
        auth: format!("Bearer {}", created["token"].as_str().unwrap()),
    };
    s.cell(READ_ONLY_FIRST).await;
    let out = s.cell(READ_ONLY_SECOND).await;
    assert_eq!(out["stdout"], READ_ONLY_PRINTED);
}

#[test]
fn references_stay_dict_keys_after_the_sessions_bytes() {
    let first = "import tensorflow as tf\nt = tf.constant([1.0, 2.0])\nw = tf.Variable(3.0)\nr = t.ref()\nd = {t.ref(): 't', w.ref(): 'w'}\nkeys = [w.ref()]\n";
    let second = "w.assign(5.0)\nprint(d[r], d[w.ref()], d[keys[0]], r.deref() is t, r == t.ref(), keys[0].deref() is w)\nprint(r, keys[0])";
    let printed = across_the_sessions_bytes(first, second);
    // TensorFlow 2.15's stdout for the two cells run one after the other
    assert_eq!(
        printed,
        "t w w True True True\n<Reference wrapping <tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>> <Reference wrapping <tf.Variable 'Variable:0' shape=() dtype=float32, numpy=5.0>>\n"
    );
}
