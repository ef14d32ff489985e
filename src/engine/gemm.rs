//! f32 and f64 matrix products, written into a preallocated result.
//!
//! ndarray's own product (matrixmultiply) has AVX2 kernels only. The `gemm` crate picks
//! AVX-512 kernels at run time where the CPU has them and splits large products over rayon's
//! threads, which on an AVX-512 machine makes the W2 MLP's products (`tests/bench/README.md`)
//! about a third faster than matrixmultiply.
//!
//! This is the crate's one `unsafe` block: `gemm::gemm` takes raw pointers and strides.
#![allow(unsafe_code)]

use ndarray::{ArrayView2, ArrayViewMut2};
use std::any::TypeId;
use std::sync::atomic::{AtomicBool, Ordering};

/// Below this many multiply-adds a product stays on the calling thread: waking a second core
/// costs ~70 µs on these VMs, more than a product this small takes alone.
const PARALLEL_MIN: usize = 1 << 21;

/// Set while one product runs on rayon's threads. A second large product that arrives then
/// runs on its own thread instead: on two cores, two threaded products at once only add
/// threads that compete with the runtime serving light requests (under the mixed load of
/// tests/bench/http.sh, `/healthz` waits about three times longer without this).
static THREADED_BUSY: AtomicBool = AtomicBool::new(false);

/// Holds the threaded slot for one product; released on drop, even if the product panics.
struct ThreadedSlot;

impl ThreadedSlot {
    fn claim() -> Option<ThreadedSlot> {
        THREADED_BUSY
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| ThreadedSlot)
    }
}

impl Drop for ThreadedSlot {
    fn drop(&mut self) {
        THREADED_BUSY.store(false, Ordering::Release);
    }
}

/// `c = a b` for f32 or f64. `a` is [m, k], `b` is [k, n], `c` is [m, n]; any strides.
///
/// # Panics
/// If the shapes do not agree or `T` is neither f32 nor f64 (callers dispatch on dtype).
pub fn matmul_into<T: num_traits::Float + 'static>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
) {
    assert!(TypeId::of::<T>() == TypeId::of::<f32>() || TypeId::of::<T>() == TypeId::of::<f64>());
    let ((m, k), (k2, n)) = (a.dim(), b.dim());
    assert_eq!(k, k2, "inner dimensions agree");
    assert_eq!(c.dim(), (m, n), "result shape");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        c.fill(T::zero());
        return;
    }
    let slot = if m.saturating_mul(n).saturating_mul(k) >= PARALLEL_MIN {
        ThreadedSlot::claim()
    } else {
        None
    };
    let parallelism = match slot {
        Some(_) => gemm::Parallelism::Rayon(0),
        None => gemm::Parallelism::None,
    };
    let (cs, rs) = (c.strides()[1], c.strides()[0]);
    let dst = c.as_mut_ptr();
    // SAFETY: every pointer and stride comes from a live ndarray view whose dimensions were
    // checked above to be [m, k], [k, n] and [m, n], so gemm reads and writes only elements of
    // those views. `c` is a unique (mutable) borrow, so it aliases neither `a` nor `b`; with
    // `read_dst == false` gemm overwrites `c` without reading it. T is f32 or f64 (asserted),
    // the types gemm dispatches on.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            cs,
            rs,
            false,
            a.as_ptr(),
            a.strides()[1],
            a.strides()[0],
            b.as_ptr(),
            b.strides()[1],
            b.strides()[0],
            T::zero(),
            T::one(),
            false,
            false,
            false,
            parallelism,
        )
    }
}

/// The float64 product TensorFlow's matmul of these shapes runs, as its zeros' signs show (a
/// sum of -0 products is -0 only where the sum starts from its first product): measured on
/// TensorFlow 2.15 for m, n up to 17 and k up to 33, narrow products (n at most 3) of small
/// matrices take Eigen's coefficient-based path, every other one a GEMM that starts from +0.
/// (float32 goes to oneDNN, which like gemm starts from +0.)
pub fn f64_product(
    a: &[usize],
    b: &[usize],
    transpose_a: bool,
    m: usize,
    n: usize,
) -> fn(ArrayView2<f64>, ArrayView2<f64>, ArrayViewMut2<f64>) {
    let k = a[a.len() - if transpose_a { 2 } else { 1 }];
    let coefficient_based = if a.len() > 2 || b.len() > 2 {
        n <= 3 && k + m + n < 20
    } else {
        let (small, large) = (m.min(k), m.max(k));
        (n <= 3 && (small == 1 || n == 1) && large <= 9) || (n == 1 && small == 1 && large <= 17)
    };
    if coefficient_based {
        coefficient_product_into
    } else {
        matmul_from_zero_into
    }
}

/// `c = a b` as TensorFlow's GEMM kernels (oneDNN's for float32, Eigen's for float64) give it:
/// every sum starts from +0, so no element is -0 (gemm may leave one).
pub fn matmul_from_zero_into<T: num_traits::Float + 'static>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
) {
    matmul_into(a, b, c.view_mut());
    c.mapv_inplace(|x| x + T::zero());
}

/// The float32 product TensorFlow's 2-D matmul of these shapes runs: oneDNN's order where
/// `onednn_sgemm` models it on this CPU (Eigen's, `eigen::matvec`, with oneDNN off), else
/// gemm's (which agrees with TensorFlow to the last bit for most products, not all: README).
pub fn f32_product(
    m: usize,
    n: usize,
    k: usize,
    transpose_a: bool,
    transpose_b: bool,
) -> fn(ArrayView2<f32>, ArrayView2<f32>, ArrayViewMut2<f32>) {
    let isa = super::cpu::isa();
    if super::cpu::onednn() {
        super::onednn_sgemm::product(isa, m, n, k, transpose_a, transpose_b)
    } else {
        super::eigen::matvec::product(isa, m, n, k, transpose_a, transpose_b)
    }
    .unwrap_or(matmul_from_zero_into)
}

/// The float32 product each matrix of a batched matmul runs: oneDNN's order where
/// `onednn_sgemm` models it on this CPU (Eigen's or the contraction's with oneDNN off,
/// `eigen::matvec`), else gemm's.
pub fn f32_batched_product(
    batch: usize,
    (m, n, k): (usize, usize, usize),
    transpose_a: bool,
    transpose_b: bool,
) -> fn(ArrayView2<f32>, ArrayView2<f32>, ArrayViewMut2<f32>) {
    let isa = super::cpu::isa();
    if super::cpu::onednn() {
        super::onednn_sgemm::batched_product(isa, batch, k, transpose_a)
    } else {
        super::eigen::matvec::batched_product(isa, batch, m, n, k, transpose_a, transpose_b)
    }
    .unwrap_or(matmul_from_zero_into)
}

/// `c = a b` as Eigen's coefficient-based product: each element sums its products from the
/// first one on, with no accumulator starting at +0, so products that are all -0 sum to -0.
pub fn coefficient_product_into<T: num_traits::Float>(
    a: ArrayView2<T>,
    b: ArrayView2<T>,
    mut c: ArrayViewMut2<T>,
) {
    let k = a.ncols();
    for ((i, j), out) in c.indexed_iter_mut() {
        let first = if k == 0 {
            T::zero()
        } else {
            a[[i, 0]] * b[[0, j]]
        };
        *out = (1..k).fold(first, |s, p| s + a[[i, p]] * b[[p, j]]);
    }
}

#[cfg(test)]
mod tests {
    use super::matmul_into;
    use ndarray::{Array2, ShapeBuilder};

    /// Against ndarray's product, over layouts gemm must handle: row-major, column-major,
    /// transposed views, negative strides, and sizes on both sides of the parallel threshold.
    #[test]
    fn agrees_with_ndarray_dot_on_every_layout() {
        for &(m, k, n) in &[(1, 1, 1), (3, 5, 2), (17, 33, 9), (130, 140, 150)] {
            let a = Array2::from_shape_fn((m, k), |(i, j)| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let b = Array2::from_shape_fn((k, n), |(i, j)| ((i * 5 + j) % 13) as f64 * 0.25);
            let want = a.dot(&b);
            let at = a.t().to_owned(); // [k, m] row-major; at.t() is a column-major view of a
            let mut bf = Array2::zeros((k, n).f());
            bf.assign(&b);
            let mut rev_a = a.clone();
            rev_a.invert_axis(ndarray::Axis(0));
            for (lhs, rhs, flip) in [
                (a.view(), b.view(), false),
                (at.t(), b.view(), false),
                (a.view(), bf.view(), false),
                (rev_a.view(), b.view(), true),
            ] {
                let mut c = Array2::from_elem((m, n), f64::NAN);
                matmul_into(lhs, rhs, c.view_mut());
                if flip {
                    c.invert_axis(ndarray::Axis(0));
                }
                let err = (&c - &want).iter().fold(0.0f64, |e, x| e.max(x.abs()));
                assert!(err < 1e-9, "{m}x{k}x{n}: max error {err}");
            }
            let mut cf = Array2::from_elem((m, n).f(), f32::NAN);
            matmul_into(
                a.mapv(|x| x as f32).view(),
                b.mapv(|x| x as f32).view(),
                cf.view_mut(),
            );
            let err = (&cf.mapv(f64::from) - &want)
                .iter()
                .fold(0.0f64, |e, x| e.max(x.abs()));
            assert!(err < 1e-3 * (k as f64), "f32 {m}x{k}x{n}: max error {err}");
        }
    }

    #[test]
    fn empty_inner_dimension_gives_zeros() {
        let a = Array2::<f32>::zeros((2, 0));
        let b = Array2::<f32>::zeros((0, 3));
        let mut c = Array2::from_elem((2, 3), f32::NAN);
        matmul_into(a.view(), b.view(), c.view_mut());
        assert!(c.iter().all(|&x| x == 0.0));
    }
}
