//! The five workloads of issue 7, as `/v1/evaluate` programs, shared by the engine benchmark
//! and the HTTP benchmark script (which asks for them with `--write DIR`). Large tensors travel
//! as base64 bytes both ways (encoding b64), as a client with real data would send them.

use serde_json::{json, Value};

/// A deterministic uniform generator, so every run measures the same numbers.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
    fn data(&mut self, n: usize, scale: f64) -> Vec<f64> {
        (0..n)
            .map(|_| (self.next() * scale * 1e4).round() / 1e4)
            .collect()
    }
}

/// Small tensors as JSON numbers; large ones in the compact form (little-endian bytes in
/// base64), as a client sending real data would.
fn tensor(shape: &[usize], data: Vec<f64>, dtype: &str) -> Value {
    use base64::Engine as _;
    if data.len() <= 4096 && dtype == "int32" {
        let ints: Vec<i64> = data.iter().map(|v| *v as i64).collect();
        return json!({"data": ints, "shape": shape, "dtype": dtype});
    }
    if data.len() <= 4096 {
        return json!({"data": data, "shape": shape, "dtype": dtype});
    }
    let bytes: Vec<u8> = match dtype {
        "float32" => data
            .iter()
            .flat_map(|v| (*v as f32).to_le_bytes())
            .collect(),
        "float64" => data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        "int32" => data
            .iter()
            .flat_map(|v| (*v as i32).to_le_bytes())
            .collect(),
        other => panic!("no {other} workloads"),
    };
    json!({"b64": base64::engine::general_purpose::STANDARD.encode(bytes), "shape": shape, "dtype": dtype})
}

pub fn workloads() -> Vec<(&'static str, Value)> {
    let mut r = Lcg(7);
    let w1 = json!({
        "variables": [{"name": "W", "value": [[0.015110626, 0.0042292206, -0.0041969493, -0.010360372],
                                              [-0.012368279, 0.0047027301, -0.00013974885, 0.011888582]]}],
        "setup": [{"name": "x", "op": "constant", "value": [76, 120, 37.5]},
                  {"name": "y", "op": "constant", "value": [1.0, 0.0]},
                  {"name": "xB", "op": "concat", "inputs": ["x", [1.0]], "axis": 0}],
        "graph": [{"name": "z", "op": "matvec", "inputs": ["W", "xB"]},
                  {"name": "a", "op": "softmax", "inputs": ["z"]},
                  {"name": "l", "op": "log", "inputs": ["a"]},
                  {"name": "t", "op": "multiply", "inputs": ["y", "l"]},
                  {"name": "s", "op": "reduce_sum", "inputs": ["t"]},
                  {"name": "L", "op": "negative", "inputs": ["s"]}],
        "requests": [{"gradient": {"target": "L", "sources": "W"}}]
    });
    let labels: Vec<f64> = (0..256).map(|i| ((i * 7) % 10) as f64).collect();
    let w2 = json!({
        "variables": [{"name": "W1", "value": tensor(&[784, 512], r.data(784 * 512, 0.1), "float32")},
                      {"name": "b1", "value": tensor(&[512], vec![0.0; 512], "float32")},
                      {"name": "W2", "value": tensor(&[512, 10], r.data(5120, 0.1), "float32")},
                      {"name": "b2", "value": tensor(&[10], vec![0.0; 10], "float32")}],
        "setup": [{"name": "X", "op": "constant", "value": tensor(&[256, 784], r.data(256 * 784, 2.0), "float32")},
                  {"name": "idx", "op": "constant", "value": tensor(&[256], labels, "int32")},
                  {"name": "Y", "op": "one_hot", "inputs": ["idx"], "depth": 10}],
        "graph": [{"name": "h", "op": "matmul", "inputs": ["X", "W1"]},
                  {"name": "hb", "op": "add", "inputs": ["h", "b1"]},
                  {"name": "a", "op": "relu", "inputs": ["hb"]},
                  {"name": "o", "op": "matmul", "inputs": ["a", "W2"]},
                  {"name": "logits", "op": "add", "inputs": ["o", "b2"]},
                  {"name": "ce", "op": "softmax_cross_entropy_with_logits", "inputs": ["Y", "logits"]},
                  {"name": "L", "op": "reduce_mean", "inputs": ["ce"]}],
        "requests": [{"gradient": {"target": "L", "sources": ["W1", "b1", "W2", "b2"]}}],
        "encoding": "b64"
    });
    let w3 = json!({
        "variables": [{"name": "x", "value": tensor(&[512], r.data(512, 2.0), "float32")}],
        "setup": [{"name": "W", "op": "constant", "value": tensor(&[512, 512], r.data(512 * 512, 0.1), "float32")}],
        "graph": [{"name": "h", "op": "matvec", "inputs": ["W", "x"]}, {"name": "y", "op": "tanh", "inputs": ["h"]}],
        "requests": [{"jacobian": {"target": "y", "sources": "x"}}],
        "encoding": "b64"
    });
    let w4 = json!({
        "setup": [{"name": "z", "op": "linspace", "start": -10, "stop": 10, "num": 129}],
        "tape": {"persistent": true, "watch": ["z"]},
        "graph": [{"name": "s", "op": "sigmoid", "inputs": ["z"]}, {"name": "t", "op": "tanh", "inputs": ["z"]},
                  {"name": "r", "op": "relu", "inputs": ["z"]}, {"name": "lr", "op": "leaky_relu", "inputs": ["z"], "alpha": 0.01}],
        "outputs": ["z", "s", "t", "r", "lr"],
        "requests": [{"gradient": {"target": "s", "sources": "z"}}, {"gradient": {"target": "t", "sources": "z"}},
                     {"gradient": {"target": "r", "sources": "z"}}, {"gradient": {"target": "lr", "sources": "z"}}]
    });
    let w5 = json!({
        "variables": [{"name": "x", "value": tensor(&[100], r.data(100, 2.0), "float64")}],
        "setup": [{"name": "A", "op": "constant", "value": tensor(&[100, 100], r.data(10000, 0.2), "float64")}],
        "graph": [{"name": "u", "op": "matvec", "inputs": ["A", "x"]}, {"name": "s", "op": "sigmoid", "inputs": ["u"]},
                  {"name": "f", "op": "reduce_sum", "inputs": ["s"]}],
        "requests": [{"hessian": {"target": "f", "sources": "x"}}],
        "encoding": "b64"
    });
    vec![
        ("W1_seed", w1),
        ("W2_mlp", w2),
        ("W3_jacobian", w3),
        ("W4_activations", w4),
        ("W5_hessian", w5),
    ]
}
