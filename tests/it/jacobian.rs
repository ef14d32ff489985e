//! Jacobians are one reverse pass over a batch of one-hot cotangents, split into chunks when
//! the batched intermediates would grow past max_tensor_elements: both must give the same rows.

use gradtape::config::Config;
use gradtape::engine::Limits;
use serde_json::json;

use crate::support::{app_with, call};

fn program() -> serde_json::Value {
    json!({
        "variables": [{"name": "W", "value": {"data": (0..30).map(|i| (i as f64 - 15.0) / 10.0).collect::<Vec<_>>(), "shape": [6, 5], "dtype": "float64"}},
                      {"name": "x", "value": {"value": [0.5, -1.0, 0.25, 2.0, -0.75], "dtype": "float64"}}],
        "tape": {"persistent": true},
        "graph": [{"name": "h", "op": "matvec", "inputs": ["W", "x"]}, {"name": "y", "op": "tanh", "inputs": ["h"]},
                  {"name": "Y", "op": "reshape", "inputs": ["y"], "shape": [2, 3]}],
        "requests": [{"jacobian": {"target": "Y", "sources": ["x", "W"]}},
                     {"batch_jacobian": {"target": "Y", "source": "Y"}}]
    })
}

#[tokio::test]
async fn chunked_and_single_pass_jacobians_agree() {
    let whole = app_with(Config::default());
    // 40 elements: the widest value (W, 30 elements) fits once, so every row is its own pass
    let tiny = Limits {
        max_tensor_elements: 40,
        ..Limits::default()
    };
    let chunked = app_with(Config {
        limits: tiny,
        ..Config::default()
    });
    let (s1, a) = call(&whole, "POST", "/v1/evaluate", Some(program()), &[]).await;
    let (s2, b) = call(&chunked, "POST", "/v1/evaluate", Some(program()), &[]).await;
    assert_eq!((s1.as_u16(), s2.as_u16()), (200, 200), "{a} {b}");
    assert_eq!(a["results"], b["results"]);
    assert_eq!(a["results"][0]["jacobian"][0]["shape"], json!([2, 3, 5]));
    assert_eq!(a["results"][0]["jacobian"][1]["shape"], json!([2, 3, 6, 5]));

    // dY[i,j]/dx_k = (1 - y^2) W[3i+j, k], by hand
    let w: Vec<f64> = (0..30).map(|i| (i as f64 - 15.0) / 10.0).collect();
    let x = [0.5, -1.0, 0.25, 2.0, -0.75];
    let jx = &a["results"][0]["jacobian"][0]["value"];
    for r in 0..6 {
        let h: f64 = (0..5).map(|k| w[r * 5 + k] * x[k]).sum();
        let d = 1.0 - h.tanh().powi(2);
        for k in 0..5 {
            let got = jx[r / 3][r % 3][k].as_f64().unwrap();
            assert!(
                (got - d * w[r * 5 + k]).abs() < 1e-12,
                "J[{r}][{k}] = {got}"
            );
        }
    }
    // batch_jacobian of Y by itself: identity per example, [2, 3, 3]
    assert_eq!(
        a["results"][1]["batch_jacobian"]["value"],
        json!([
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
        ])
    );
}
