//! A Keras optimizer and loss in a session's cells: made in one cell, they train a variable
//! over the next ones, their slots and step count going on from cell to cell, in memory and
//! across the session's bytes (a restart, another replica, the shared store). Each printed
//! number is TensorFlow 2.15's for the same cells run one after another in one process
//! (Keras 2.15's Adam, float32, printed to full precision with `tolist()`).

use axum::http::StatusCode;
use serde_json::json;

use crate::support::{call, test_app};
use gradtape::cells::CellLimits;
use gradtape::engine::Limits;
use gradtape::sessions::{codec, kernel, Session};

const SETUP: &str = "import tensorflow as tf
opt = tf.keras.optimizers.Adam(learning_rate=0.1)
loss_fn = tf.keras.losses.MeanSquaredError()
W = tf.Variable([[1.0, -2.0], [0.5, 0.3]], name='W')
x = tf.constant([[1.0, 2.0], [0.5, -1.0]])
y = tf.constant([[1.0, 0.0], [0.0, 1.0]])
same = opt
def step():
    with tf.GradientTape() as tape:
        loss = loss_fn(y, x @ W)
    opt.apply_gradients(zip(tape.gradient(loss, [W]), [W]))
    return loss
";

const STEP: &str = "print(step().numpy().item(), W.numpy().tolist(), opt.iterations.numpy())";

/// TensorFlow's three steps, one line each.
const STEPS: [&str; 3] = [
    "2.0625 [[0.9000012874603271, -1.9000009298324585], [0.40000098943710327, 0.3999980688095093]] 1\n",
    "1.8062520027160645 [[0.8020707368850708, -1.8004608154296875], [0.3028264343738556, 0.44278383255004883]] 2\n",
    "1.625657081604004 [[0.7089016437530518, -1.7014950513839722], [0.2126130610704422, 0.4215497076511383]] 3\n",
];

const SLOTS: &str =
    "print(same is opt, [v.name for v in opt.variables], opt.variables[2].numpy().tolist())";
const SLOTS_AFTER_THREE: &str = "True ['iteration:0', 'Adam/m/W:0', 'Adam/v/W:0'] [[0.0004329492221586406, 0.0040032584220170975], [0.0015817828243598342, 0.00013384433987084776]]\n";

async fn cell(app: &axum::Router, base: &str, auth: &str, source: &str) -> String {
    let uri = format!("{base}/cells");
    let (st, out) = call(
        app,
        "POST",
        &uri,
        Some(json!({"source": source})),
        &[("authorization", auth)],
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{out}");
    assert!(out["error"].is_null(), "{source}: {out}");
    out["stdout"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn adam_trains_a_variable_over_a_sessions_cells() {
    let app = test_app();
    let (st, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    assert_eq!(st, StatusCode::CREATED, "{created}");
    let base = format!("/v1/sessions/{}", created["id"].as_str().unwrap());
    let auth = format!("Bearer {}", created["token"].as_str().unwrap());
    assert_eq!(cell(&app, &base, &auth, SETUP).await, "");
    for expected in STEPS {
        assert_eq!(cell(&app, &base, &auth, STEP).await, expected);
    }
    // the slots are the optimizer's, its two names still one object
    assert_eq!(cell(&app, &base, &auth, SLOTS).await, SLOTS_AFTER_THREE);
    // W is the session's variable, trained in place
    let (_, w) = call(
        &app,
        "GET",
        &format!("{base}/variables/W"),
        None,
        &[("authorization", &auth)],
    )
    .await;
    assert_eq!(w["shape"], json!([2, 2]), "{w}");
}

#[test]
fn an_optimizer_goes_on_across_the_sessions_bytes() {
    let limits = CellLimits::default();
    let mut s = Session::new(Limits::default());
    let first = format!("{SETUP}{STEP}\n");
    let out = kernel::run_cell(&mut s, &first, &limits, None)
        .unwrap()
        .unwrap();
    assert!(out.error.is_none(), "{out:?}");
    assert_eq!(out.stdout, STEPS[0]);
    // each cell's session is stored and read back before the next, as a shared store does
    for expected in &STEPS[1..] {
        let bytes = codec::encode(&s);
        s = codec::decode(&bytes, &Limits::default()).unwrap();
        let out = kernel::run_cell(&mut s, STEP, &limits, None)
            .unwrap()
            .unwrap();
        assert!(out.error.is_none(), "{out:?}");
        assert_eq!(&out.stdout, expected);
    }
    let mut s = codec::decode(&codec::encode(&s), &Limits::default()).unwrap();
    let out = kernel::run_cell(&mut s, SLOTS, &limits, None)
        .unwrap()
        .unwrap();
    assert_eq!(out.stdout, SLOTS_AFTER_THREE);
}

#[tokio::test]
async fn a_loss_object_lives_on_with_its_arguments() {
    let app = test_app();
    let (_, created) = call(&app, "POST", "/v1/sessions", None, &[]).await;
    let base = format!("/v1/sessions/{}", created["id"].as_str().unwrap());
    let auth = format!("Bearer {}", created["token"].as_str().unwrap());
    cell(
        &app,
        &base,
        &auth,
        "import tensorflow as tf\nbce = tf.keras.losses.BinaryCrossentropy(from_logits=True, reduction='sum', name='b')",
    )
    .await;
    // TensorFlow: 1.9373594522476196 b sum
    let out = cell(
        &app,
        &base,
        &auth,
        "print(bce([[1.0], [0.0]], [[0.5], [1.2]]).numpy().item(), bce.name, bce.reduction)",
    )
    .await;
    assert_eq!(out, "1.9373594522476196 b sum\n");
}

#[test]
fn hyperparameters_keep_their_python_type_across_the_sessions_bytes() {
    let limits = CellLimits::default();
    let mut s = Session::new(Limits::default());
    let first = "import tensorflow as tf
r = tf.keras.optimizers.RMSprop(momentum=True)
r.centered = 1
a = tf.keras.optimizers.Adam(beta_1=0, amsgrad=1.5)
s = tf.keras.optimizers.SGD(momentum=1, nesterov=0.0)
";
    let out = kernel::run_cell(&mut s, first, &limits, None)
        .unwrap()
        .unwrap();
    assert!(out.error.is_none(), "{out:?}");
    let mut s = codec::decode(&codec::encode(&s), &Limits::default()).unwrap();
    let show = "print(r.momentum, r.centered, r.rho, a.beta_1, a.amsgrad, s.momentum, s.nesterov)";
    let out = kernel::run_cell(&mut s, show, &limits, None)
        .unwrap()
        .unwrap();
    // TensorFlow 2.15's print of the same cells run in one process
    assert_eq!(out.stdout, "True 1 0.9 0 1.5 1 0.0\n");
}

#[test]
fn tensor_hyperparameters_stay_tensors_across_the_sessions_bytes() {
    let limits = CellLimits::default();
    let mut s = Session::new(Limits::default());
    let first = "import tensorflow as tf
import numpy as np
r = tf.keras.optimizers.RMSprop(rho=tf.constant(0.9), epsilon=np.float64(1e-3))
rho = r.rho
";
    let out = kernel::run_cell(&mut s, first, &limits, None)
        .unwrap()
        .unwrap();
    assert!(out.error.is_none(), "{out:?}");
    let mut s = codec::decode(&codec::encode(&s), &Limits::default()).unwrap();
    let show = "print(r.rho, r.rho is rho, type(r.epsilon).__name__, r.epsilon)";
    let out = kernel::run_cell(&mut s, show, &limits, None)
        .unwrap()
        .unwrap();
    // TensorFlow 2.15's print of the same cells run in one process
    assert_eq!(
        out.stdout,
        "tf.Tensor(0.9, shape=(), dtype=float32) True float64 0.001\n"
    );
}
