//! A session's cells as cells of one Python process (one Jupyter kernel): `tf.random` goes on
//! from cell to cell, two names for one object are still one object in the next cell, and
//! lambdas, closures, what `assign_add` returns and tapes held by lists live on. Each answer is
//! TensorFlow 2.15's for the same cells run one after another in one process. The module's
//! name has `sessions` in it, so the Redis pass over the session tests runs these too.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{call, test_app};

struct Kernel {
    app: axum::Router,
    base: String,
    auth: String,
}

impl Kernel {
    async fn new() -> Kernel {
        let app = test_app();
        let (st, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
        assert_eq!(st, StatusCode::CREATED, "{created}");
        Kernel {
            app,
            base: format!("/v1/sessions/{}", created["id"].as_str().unwrap()),
            auth: format!("Bearer {}", created["token"].as_str().unwrap()),
        }
    }

    /// Runs a cell that must not raise; its stdout.
    async fn cell(&self, source: &str) -> String {
        let uri = format!("{}/cells", self.base);
        let auth = [("authorization", self.auth.as_str())];
        let (st, out) = call(
            &self.app,
            "POST",
            &uri,
            Some(json!({"source": source})),
            &auth,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{out}");
        assert!(out["error"].is_null(), "{source}: {out}");
        out["stdout"].as_str().unwrap().to_string()
    }
}

#[tokio::test]
async fn tf_random_goes_on_from_cell_to_cell() {
    let k = Kernel::new().await;
    // two layers' weights drawn in two cells are two draws
    k.cell("import tensorflow as tf\na = tf.random.normal((3,))")
        .await;
    let out = k
        .cell("b = tf.random.normal((3,))\nprint(bool(tf.reduce_all(a == b)))")
        .await;
    assert_eq!(out, "False\n");
    // a set_seed in an earlier cell holds for the draws of the next: set_seed(42) again repeats them
    k.cell("tf.random.set_seed(42)").await;
    k.cell("c = tf.random.normal((3,))\nd = tf.random.uniform((2,), seed=1)")
        .await;
    let out = k
        .cell("tf.random.set_seed(42)\ne = tf.random.normal((3,))\nf = tf.random.uniform((2,), seed=1)\nprint(bool(tf.reduce_all(c == e)), bool(tf.reduce_all(d == f)))")
        .await;
    assert_eq!(out, "True True\n");
    // an op seed's kernel moves on from one cell to the next
    let out = k
        .cell("g = tf.random.uniform((2,), seed=1)\nprint(bool(tf.reduce_all(f == g)))")
        .await;
    assert_eq!(out, "False\n");
}

/// TensorFlow's own numbers across cells: the op seeds Python's generator draws and an op
/// seed's kernel both go on where the cell before left them (through the Redis store too, which
/// keeps the generator part way through). TensorFlow 2.15 printed this line for the two cells
/// run one after the other in one process after `tf.random.set_seed(20251201)`.
#[tokio::test]
async fn tf_random_draws_tensorflows_numbers_from_cell_to_cell() {
    let k = Kernel::new().await;
    k.cell(
        "import tensorflow as tf
a = tf.random.normal((3,))
u = tf.random.uniform((2,), seed=5)",
    )
    .await;
    let out = k
        .cell("print(tf.random.normal((2,)).numpy(), tf.random.uniform((2,), seed=5).numpy(), tf.random.truncated_normal((2,), dtype=tf.float64).numpy())")
        .await;
    assert_eq!(
        out,
        "[-0.12395532  0.9554043 ] [0.838292  0.8704412] [-0.79637996 -1.28365251]\n"
    );
}

/// NumPy's global generator goes on from cell to cell, its spare normal too: NumPy 1.26 printed
/// this for the two cells run one after the other in one process.
#[tokio::test]
async fn np_random_goes_on_from_cell_to_cell() {
    let k = Kernel::new().await;
    k.cell("import numpy as np\nnp.random.seed(1)\nW1 = np.random.randn(3) * 0.01")
        .await;
    let out = k
        .cell("print(np.random.randn(2), np.random.randint(0, 100, 3), np.random.rand())")
        .await;
    assert_eq!(
        out,
        "[-1.07296862  0.86540763] [18 84 11] 0.44345289377955666\n"
    );
}

#[tokio::test]
async fn a_cell_on_its_own_still_starts_from_the_same_seed() {
    let app = test_app();
    let cell = json!({"source": "import tensorflow as tf\nx = tf.random.normal((4,))"});
    let (_, first) = call(&app, "POST", "/v1/cells", Some(cell.clone()), &[]).await;
    let (_, again) = call(&app, "POST", "/v1/cells", Some(cell), &[]).await;
    assert_eq!(first["values"]["x"], again["values"]["x"]);
}

#[tokio::test]
async fn two_names_for_one_object_stay_one_object() {
    let k = Kernel::new().await;
    k.cell("import numpy as np\na = [1, 2]\nb = a\nnested = [a, a]\nm = np.zeros(3)\nn = m\narrs = [m]\nlosses = []\nrecord = losses.append\nt = (a, m)")
        .await;
    let out = k
        .cell("b.append(3)\nn[0] = 9\nrecord(1.0)\nnested[1].append(4)\nprint(a, a is b, nested[0] is a, t[0] is a)\nprint(m, arrs[0] is m, t[1] is m)\nprint(losses)")
        .await;
    assert_eq!(
        out,
        "[1, 2, 3, 4] True True True\n[9. 0. 0.] True True\n[1.0]\n"
    );
    let out = k.cell("m += 1\nprint(arrs[0], n)").await;
    assert_eq!(out, "[10.  1.  1.] [10.  1.  1.]\n");
}

#[tokio::test]
async fn lambdas_and_what_assign_returns_live_on() {
    let k = Kernel::new().await;
    k.cell("import tensorflow as tf\ng = lambda t: t * 2\nv = tf.Variable(1.0)\nop = v.assign_add(2.0)\nW = tf.Variable(1.0)\nupdates = [W.assign_sub(0.5), 2]\nacts = [tf.nn.relu, lambda x: x * 0.1]\ndef apply(x, f=lambda y: y + 1):\n    return f(x)")
        .await;
    let out = k
        .cell("print(g(1), len(updates), len(acts))\nprint(op)\nprint(updates[0].numpy(), acts[1](10.0), acts[0](tf.constant(-1.0)).numpy(), apply(2))\nv.assign_add(1.0)\nprint(op.numpy())")
        .await;
    assert_eq!(
        out,
        "2 2 2\n<tf.Variable 'UnreadVariable' shape=() dtype=float32, numpy=3.0>\n0.5 1.0 0.0 3\n4.0\n"
    );
}

#[tokio::test]
async fn closures_keep_the_names_they_captured() {
    let k = Kernel::new().await;
    k.cell("def make_mul(k):\n    def mul(x):\n        return x * k\n    return mul\ndef make_counter():\n    counts = []\n    def count():\n        counts.append(1)\n        return len(counts)\n    return count\ndouble = make_mul(2.0)\ntriple = make_mul(3)\ntick = make_counter()\ntick()")
        .await;
    assert_eq!(
        k.cell("print(double(3.0), triple(2), tick())").await,
        "6.0 6 2\n"
    );
    assert_eq!(k.cell("print(tick(), double(triple(1)))").await, "3 6.0\n");
}

#[tokio::test]
async fn a_tape_a_list_holds_lives_on() {
    let k = Kernel::new().await;
    k.cell("import tensorflow as tf\nw = tf.Variable(2.0)\nwith tf.GradientTape() as g:\n    y = w * w + w\nh = [g]\ndel g")
        .await;
    // dy/dw = 2w + 1 = 5
    assert_eq!(
        k.cell("print(h[0].gradient(y, w))").await,
        "tf.Tensor(5.0, shape=(), dtype=float32)\n"
    );
}

#[tokio::test]
async fn del_of_one_name_leaves_a_tape_something_else_holds() {
    let k = Kernel::new().await;
    k.cell("import tensorflow as tf\nw = tf.Variable(1.0)\nwith tf.GradientTape(persistent=True) as g:\n    y = w * 5.0\nh = [g]\ng2 = g")
        .await;
    // the route is `del g`: h and g2 still hold the tape
    let uri = format!("{}/tapes/g", k.base);
    let auth = [("authorization", k.auth.as_str())];
    let (st, out) = call(&k.app, "DELETE", &uri, None, &auth).await;
    assert!(st.is_success(), "{out}");
    assert_eq!(
        k.cell("print(h[0].gradient(y, w), g2.gradient(y, w).numpy())")
            .await,
        "tf.Tensor(5.0, shape=(), dtype=float32) 5.0\n"
    );
}

#[tokio::test]
async fn numpy_views_stay_views_of_their_base_from_cell_to_cell() {
    let k = Kernel::new().await;
    k.cell("import numpy as np\na = np.zeros((2, 3))\nv = a[1, 1:]\nt = a.T\nc = a[[1]]")
        .await;
    // a write through a view kept from the last cell reaches its base and the base's other
    // views; the advanced-indexing copy sees nothing (NumPy 1.26 in one process prints this)
    let out = k
        .cell("v[0] = 5\nt[0, 0] = 1\nv += 1\nprint(a)\nprint(v, t[1])\nprint(c)")
        .await;
    assert_eq!(
        out,
        "[[1. 0. 0.]\n [0. 6. 1.]]\n[6. 1.] [0. 6.]\n[[0. 0. 0.]]\n"
    );
    let out = k.cell("a[1, 2] = -2\nprint(v, t[2])").await;
    assert_eq!(out, "[ 6. -2.] [ 0. -2.]\n");
}
