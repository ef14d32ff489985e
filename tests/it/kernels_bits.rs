//! TensorFlow 2.15's own bits for the elementwise kernels Eigen computes with packet math
//! (tests/conformance/kernels, written by its gen.py): every forward value, and every gradient
//! under a random upstream gradient, on sizes with and without a scalar tail. NaN matches any NaN.

use ndarray::{ArrayD, IxDyn};
use serde_json::Value;

use gradtape::engine::ops::{Attrs, Op};
use gradtape::engine::{Ctx, Limits, Tensor};

fn load(file: &str) -> Value {
    let path = format!(
        "{}/tests/conformance/kernels/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A tensor from its hex bit patterns, and the same bits back out of one.
trait Bits: Sized + Copy {
    fn tensor(hex: &[Value]) -> Tensor;
    fn hex(t: &Tensor) -> Vec<String>;
}

impl Bits for f32 {
    fn tensor(hex: &[Value]) -> Tensor {
        let v: Vec<f32> = hex
            .iter()
            .map(|h| f32::from_bits(parse(h) as u32))
            .collect();
        Tensor::from_array(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).unwrap())
    }
    fn hex(t: &Tensor) -> Vec<String> {
        let Tensor::F32(a) = t else {
            panic!("not float32")
        };
        a.iter()
            .map(|v| canon(v.is_nan(), format!("{:08x}", v.to_bits())))
            .collect()
    }
}

impl Bits for f64 {
    fn tensor(hex: &[Value]) -> Tensor {
        let v: Vec<f64> = hex.iter().map(|h| f64::from_bits(parse(h))).collect();
        Tensor::from_array(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v).unwrap())
    }
    fn hex(t: &Tensor) -> Vec<String> {
        let Tensor::F64(a) = t else {
            panic!("not float64")
        };
        a.iter()
            .map(|v| canon(v.is_nan(), format!("{:016x}", v.to_bits())))
            .collect()
    }
}

fn parse(h: &Value) -> u64 {
    u64::from_str_radix(h.as_str().unwrap(), 16).unwrap()
}

fn canon(nan: bool, hex: String) -> String {
    if nan {
        "nan".into()
    } else {
        hex
    }
}

fn expected<F: Bits>(hex: &Value) -> Vec<String> {
    F::hex(&F::tensor(hex.as_array().unwrap()))
}

/// The op's forward value and its gradient under `upstream`, as bit patterns.
fn run<F: Bits>(op: &str, x: &Value, upstream: &Value) -> (Vec<String>, Vec<String>) {
    let limits = Limits::default();
    let op = Op::parse(op, &Attrs::new(op, &[]), &limits).unwrap();
    let mut ctx = Ctx::new(limits);
    let tape = ctx.open_tape(false, true);
    let x = ctx.constant(F::tensor(x.as_array().unwrap()));
    ctx.watch(tape, &x).unwrap();
    let y = ctx.apply(&op, &[&x]).unwrap();
    let g = F::tensor(upstream.as_array().unwrap());
    let dx = ctx
        .gradient(tape, std::slice::from_ref(&y), &[x], Some(vec![g]), false)
        .unwrap();
    (F::hex(&y.tensor), F::hex(&dx[0].as_ref().unwrap().tensor))
}

/// Ops whose float32 kernels start from the CPU's `rcpps` / `rsqrtps` estimate (Intel's and
/// AMD's tables differ; TensorFlow and gradtape both take the CPU's own).
const FROM_CPU_ESTIMATES: &[&str] = &["rsqrt", "reciprocal", "log", "log1p"];

/// Whether this CPU's estimates are those of the machine that wrote the file: its `reciprocal`
/// and `rsqrt` forward values come out bit for bit.
fn same_estimates<F: Bits>(data: &Value) -> bool {
    data["ops"].as_array().unwrap().iter().all(|op| {
        let name = op["op"].as_str().unwrap();
        !matches!(name, "rsqrt" | "reciprocal")
            || op["cases"].as_array().unwrap().iter().all(|case| {
                run::<F>(name, &case["x"], &case["upstream"]).0 == expected::<F>(&case["y"])
            })
    })
}

#[track_caller]
fn check<F: Bits>(file: &str) {
    let data = load(file);
    let same_cpu = same_estimates::<F>(&data);
    if !same_cpu {
        eprintln!("{file}: this CPU's rcpps/rsqrtps tables are not the recording machine's; {FROM_CPU_ESTIMATES:?} are not compared");
    }
    let mut failures = Vec::new();
    for op in data["ops"].as_array().unwrap() {
        let name = op["op"].as_str().unwrap();
        if !same_cpu && FROM_CPU_ESTIMATES.contains(&name) {
            continue;
        }
        for case in op["cases"].as_array().unwrap() {
            let (y, dx) = run::<F>(name, &case["x"], &case["upstream"]);
            let n = y.len();
            for (what, got, want) in [("forward", y, &case["y"]), ("gradient", dx, &case["dx"])] {
                let want = expected::<F>(want);
                let bad: Vec<usize> = (0..n).filter(|&i| got[i] != want[i]).collect();
                if let Some(&i) = bad.first() {
                    failures.push(format!(
                        "{name} {what}, size {n}: {} of {n} differ; first at {i}: x = {}, got {}, TensorFlow {}",
                        bad.len(),
                        case["x"][i],
                        got[i],
                        want[i]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn float32_kernels_match_tensorflow_bit_for_bit() {
    check::<f32>("float32.json");
}

#[test]
fn float64_kernels_match_tensorflow_bit_for_bit() {
    check::<f64>("float64.json");
}
