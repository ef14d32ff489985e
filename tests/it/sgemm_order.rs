//! TensorFlow 2.15's bits for float32 products on each kind of CPU gradtape models
//! (tests/conformance/kernels/matmul_float32_ISA.json, written by
//! `tests/conformance/matmul_order_tf.py --record` on such a CPU), replayed through gradtape's
//! model of oneDNN's kernels for that kind (`engine::onednn_sgemm`), so each model is checked on
//! whatever CPU the test runs. AVX2: vector products both ways, every tile of the nocopy kernel,
//! and blocks of terms and of rows. AVX-512: the small-n kernel, vector products, the nocopy
//! kernel's blocks of terms, and batched products' blocks. With oneDNN off
//! (`matmul_float32_onednn_off.json`, by `tests/conformance/onednn_off_tf.py --record`): Eigen's
//! vector products and the contraction's.

use ndarray::{Array2, ShapeBuilder};
use serde_json::Value;

use gradtape::engine::cpu::Isa;
use gradtape::engine::eigen::matvec;
use gradtape::engine::onednn_sgemm::{batched_product, product};

/// The operands `matmul_order_tf.py` makes from a seed: float32 values in [-2, 2) with full
/// mantissas from a 32-bit xorshift.
fn operand(seed: u64, count: usize) -> Vec<f32> {
    let mut state = (seed.wrapping_mul(2_654_435_761).wrapping_add(1) & 0xFFFF_FFFF) as u32;
    (0..count)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state & 0xFF_FFFF) as f32 / 4_194_304.0 - 2.0
        })
        .collect()
}

/// `rows x cols` from row-major values, viewed transposed (as the op hands a transposed
/// operand to the kernel) when `transposed`.
fn matrix(values: Vec<f32>, rows: usize, cols: usize, transposed: bool) -> Array2<f32> {
    let stored = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let a = Array2::from_shape_vec(stored, values).unwrap();
    if transposed {
        let mut t = Array2::zeros((rows, cols).f());
        t.assign(&a.t());
        t
    } else {
        a
    }
}

/// How many of the products recorded on a CPU of `isa`'s kind the model for it gets wrong, one
/// line each.
fn replay(isa: Isa, onednn: bool, file: &str) -> Vec<String> {
    let path = format!(
        "{}/tests/conformance/kernels/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let recorded: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let products = recorded["products"].as_array().unwrap();
    assert!(
        products.len() >= 20,
        "the products recorded in {file} are missing"
    );
    let mut failures = vec![];
    for p in products {
        let dim = |key: &str| p[key].as_u64().unwrap() as usize;
        let (m, k, n) = (dim("m"), dim("k"), dim("n"));
        let (ta, tb) = (
            p["transpose_a"].as_bool().unwrap(),
            p["transpose_b"].as_bool().unwrap(),
        );
        // A batched product's matrices follow one another in its operands and its answer.
        let batch = p["batch"].as_u64().map(|b| b as usize);
        let count = batch.unwrap_or(1);
        let kernel = match (batch, onednn) {
            (Some(count), true) => batched_product(isa, count, k, ta),
            (Some(count), false) => matvec::batched_product(isa, count, m, n, k, ta, tb),
            (None, true) => product(isa, m, n, k, ta, tb),
            (None, false) => matvec::product(isa, m, n, k, ta, tb),
        }
        .expect("a modelled product");
        let (a_all, b_all) = (
            operand(p["seed_a"].as_u64().unwrap(), count * m * k),
            operand(p["seed_b"].as_u64().unwrap(), count * k * n),
        );
        let mut got = vec![];
        for i in 0..count {
            let a = matrix(a_all[i * m * k..][..m * k].to_vec(), m, k, ta);
            let b = matrix(b_all[i * k * n..][..k * n].to_vec(), k, n, tb);
            let mut c = Array2::<f32>::zeros((m, n));
            kernel(a.view(), b.view(), c.view_mut());
            got.extend(c.iter().map(|x| format!("{:08x}", x.to_bits())));
        }
        let want: Vec<&str> = p["bits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h.as_str().unwrap())
            .collect();
        let differ = got.iter().zip(&want).filter(|(g, w)| g != w).count();
        if differ > 0 {
            failures.push(format!(
                "[{m}, {k}] x [{k}, {n}] transpose_a={ta} transpose_b={tb}: {differ} of {} elements differ",
                want.len()
            ));
        }
    }
    failures
}

#[test]
fn float32_products_sum_as_onednn_does_on_avx2() {
    let failures = replay(Isa::Avx2, true, "matmul_float32_avx2.json");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn float32_products_sum_as_onednn_does_on_avx512() {
    let failures = replay(Isa::Avx512, true, "matmul_float32_avx512.json");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// With oneDNN off (TensorFlow's default on CPUs without AVX-512): Eigen's vector products,
/// coefficient by coefficient below its threshold, and the contraction's for two matrices.
#[test]
fn float32_products_sum_as_eigen_does_with_onednn_off() {
    let failures = replay(Isa::Avx512, false, "matmul_float32_onednn_off.json");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The operand generator makes the recorder's values (its first three, from Python), so a
/// failure above is the model's and not the fixture's.
#[test]
fn the_operands_are_the_recorders() {
    let bits: Vec<u32> = operand(0, 3).iter().map(|x| x.to_bits()).collect();
    assert_eq!(bits, vec![0xbff7_bfbe, 0xbfef_f3fe, 0x3f99_518a]);
}
