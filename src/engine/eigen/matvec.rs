//! TensorFlow 2.15's float32 `MatMul` with oneDNN off (its default on x86 CPUs without AVX-512,
//! `TF_ENABLE_ONEDNN_OPTS=0` anywhere), as `LaunchBatchMatMul` dispatches it. Two matrices with
//! no dimension of 1, alone or large, go through TensorFlow's contraction kernel to oneDNN's
//! `sgemm` in Eigen's blocks; on an AVX-512 CPU, up to 500 terms, that is the nocopy kernel's
//! order ([`through_contraction`]). The rest is Eigen's matrix product, with every `pmadd` a
//! multiply then an add, as the wheel is built:
//!
//! - rows + terms + columns below 20 (`EIGEN_GEMM_TO_COEFFBASED_THRESHOLD`), or one output (a
//!   dot product): coefficient by coefficient, in order from the first product, or, where both
//!   operands' terms are contiguous, Eigen's vectorised `redux` (two 8-lane running sums);
//! - a product with one row or one column whose terms are contiguous (Eigen's row-major
//!   `general_matrix_vector_product`): 8 lanes, the term at p into lane p mod 8, folded
//!   ((0+4)+(2+6))+((1+5)+(3+7)), then the leftover terms one by one; of an odd number of outputs
//!   the last has a 4-lane stage between the two;
//! - one whose terms are not (Eigen's column-major kernel, a column at a time): each element in
//!   order from +0, in blocks of 16 terms once there are 128 or more (of 4 where a column holds
//!   8,000 outputs or more), the blocks added in order.
//!
//! Checked against TensorFlow with oneDNN off by `tests/conformance/onednn_off_tf.py`.

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};

use crate::engine::cpu::Isa;
use crate::engine::gemm::coefficient_product_into;
use crate::engine::onednn_sgemm::{through_contraction, Product};

/// The kernel for `a [m, k] · b [k, n]` (as transposed by the op) with oneDNN off, or `None`
/// where gradtape does not follow TensorFlow's order there.
pub fn product(
    isa: Isa,
    m: usize,
    n: usize,
    k: usize,
    transpose_a: bool,
    transpose_b: bool,
) -> Option<Product> {
    batched_product(isa, 1, m, n, k, transpose_a, transpose_b)
}

/// The kernel for each of `batch` products, as TensorFlow's `LaunchBatchMatMul` picks it: with
/// no dimension of 1, Eigen's tensor contraction (and so oneDNN) for one product or a costly
/// one; otherwise Eigen's matrix product, matrix by matrix.
pub fn batched_product(
    isa: Isa,
    batch: usize,
    m: usize,
    n: usize,
    k: usize,
    transpose_a: bool,
    transpose_b: bool,
) -> Option<Product> {
    if k == 0 {
        return None;
    }
    let smallest = m.min(k).min(n);
    if smallest > 1 && (batch == 1 || m * k * n > 128 * 128) {
        return through_contraction(isa, m, n, k);
    }
    // Eigen's matrix product: coefficient by coefficient below its threshold, and for one
    // output always (a dot product); vectorised where both operands' terms are contiguous
    if m + k + n < 20 || (m == 1 && n == 1) {
        return Some(if !transpose_a && transpose_b {
            vectorized_redux
        } else {
            coefficient_product_into::<f32>
        });
    }
    if m != 1 && n != 1 {
        // Eigen's own gemm: one term (an outer product) is each element from +0, as the
        // contraction's is; more terms take an order gradtape does not model
        return if k == 1 {
            through_contraction(isa, m, n, k)
        } else {
            None
        };
    }
    // the terms lie along a's rows when it is not transposed, along b's columns when it is
    let contiguous = if n == 1 { !transpose_a } else { transpose_b };
    Some(if contiguous { row_major } else { column_major })
}

/// Eigen's vectorised `redux` of the products (`LinearVectorizedTraversal`): two 8-lane running
/// sums of whole packets (the first two packets as they are, then alternate packets added in),
/// added together with a last odd packet, folded, then the leftover terms one by one; fewer
/// than 8 terms in order from the first product.
fn vectorized_redux(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>) {
    let k = a.ncols();
    let (whole, pairs) = (k / 8 * 8, k / 16 * 16);
    for ((i, j), out) in c.indexed_iter_mut() {
        let (x, y) = (a.row(i), b.column(j));
        let packet = |at: usize| -> [f32; 8] { std::array::from_fn(|l| x[at + l] * y[at + l]) };
        let add = |u: [f32; 8], v: [f32; 8]| -> [f32; 8] { std::array::from_fn(|l| u[l] + v[l]) };
        if whole == 0 {
            *out = (1..k).fold(x[0] * y[0], |s, p| s + x[p] * y[p]);
            continue;
        }
        let mut first = packet(0);
        if whole > 8 {
            let mut second = packet(8);
            for at in (16..pairs).step_by(16) {
                first = add(first, packet(at));
                second = add(second, packet(at + 8));
            }
            first = add(first, second);
            if whole > pairs {
                first = add(first, packet(pairs));
            }
        }
        *out = (whole..k).fold(predux8(first), |s, p| s + x[p] * y[p]);
    }
}

/// Eigen's row-major kernel: outputs in groups of 8, 4 and 2 share its loop; of an odd number
/// the last runs alone, with the 4-lane stage.
fn row_major(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>) {
    let count = c.len();
    for (o, ((i, j), out)) in c.indexed_iter_mut().enumerate() {
        let alone = count % 2 == 1 && o + 1 == count;
        *out = dot8(a.row(i), b.column(j), alone);
    }
}

/// `predux` of 8 lanes (`_mm256_extractf128_ps`, then SSE's `movehl` and `shuffle`).
fn predux8(v: [f32; 8]) -> f32 {
    ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))
}

fn predux4(v: [f32; 4]) -> f32 {
    (v[0] + v[2]) + (v[1] + v[3])
}

fn dot8(x: ArrayView1<f32>, y: ArrayView1<f32>, alone: bool) -> f32 {
    let k = x.len();
    let full = k / 8 * 8;
    let mut lanes = [0.0f32; 8];
    for p in 0..full {
        lanes[p % 8] += x[p] * y[p];
    }
    let mut sum = predux8(lanes);
    let mut p = full;
    if alone {
        let half = k / 4 * 4;
        let mut lanes = [0.0f32; 4];
        for q in full..half.max(full) {
            lanes[q % 4] += x[q] * y[q];
        }
        sum += predux4(lanes);
        p = half.max(full);
    }
    for q in p..k {
        sum += x[q] * y[q];
    }
    0.0 + sum
}

/// Eigen's column-major kernel: each output from +0, a block of columns (terms) at a time.
fn column_major(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>) {
    let k = a.ncols();
    let block = if k < 128 {
        k
    } else if c.len() * 4 < 32000 {
        16
    } else {
        4
    };
    for ((i, j), out) in c.indexed_iter_mut() {
        let (x, y) = (a.row(i), b.column(j));
        *out = (0..k).step_by(block).fold(0.0f32, |total, start| {
            let part = (start..k.min(start + block)).fold(0.0f32, |s, p| s + x[p] * y[p]);
            part + total
        });
    }
}
