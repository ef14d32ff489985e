//! TensorFlow 2.15's float32 `MatMul` and `BatchMatMulV2` as its x86 wheel runs them: a 2-D
//! product goes to oneDNN's `sgemm` (3.2), single-threaded for a product whose operands fit in a
//! core's L2 cache, a batched one to oneDNN's `matmul`, and the order a kernel adds an element's
//! terms in depends on the product's shape and on the instruction sets of the CPU (`cpu::isa`,
//! the one gradtape answers as). oneDNN, in its
//! row-major terms, computes `c^T = b^T a^T`, so its `m` is the product's columns and its `n`
//! the product's rows.
//!
//! - **A matrix times one column, or one row times a matrix** (`jump_to_gemv`): the kernel
//!   `jit_avx_gemv_t_f32_kern` (any AVX2 CPU) takes a dot product 16 terms at a time into eight
//!   lanes (term p into lane p mod 8, by fused multiply-adds), adds the lanes in a fixed tree, then
//!   the leftover 8, 4, 2 and 1 terms each as its own tree; or `jit_sse41_gemv_n_f32_kern`, which
//!   adds each element's terms in order with fused multiply-adds. Which one is taken depends on
//!   which operand is transposed ([`gemv`]).
//! - **On an AVX-512 CPU, a transposed b of 2 to 15 rows of product** (`jump_to_gemm_smalln_tn`,
//!   checked before the vector kernels, at any size): each element's terms in 16 lanes, the term
//!   at p into lane p mod 16 by fused multiply-adds, the lanes added in a fixed tree.
//! - **Other products on an AVX-512 CPU** (`jit_avx512_common_gemm_f32`, whatever the
//!   transposes): each element's terms in order with fused multiply-adds from +0, in blocks of
//!   384 terms added in order.
//! - **Batched products on an AVX-512 CPU** (`BatchMatMulV2`, oneDNN's brgemm `matmul`): in
//!   order with fused multiply-adds from +0, in blocks of 512 or 1,024 terms ([`batched_product`]).
//! - **Other products on a CPU with AVX2 but not AVX-512** (`jit_avx_gemm_f32`, the "nocopy"
//!   kernels): the product is cut into tiles of 16 (or, for a last 8 columns or fewer, 8)
//!   columns by 6 rows (the last rows of a block of 48 in tiles of what is left). A tile of 4
//!   to 6 rows and 16 columns adds each element's terms in order; every other tile keeps two
//!   running sums, the even and the odd terms, and adds them at the end, the last term of an odd
//!   count after; tiles of 1 or 2 rows multiply and add separately (no fused multiply-add).
//!   The terms are cut in blocks of 256 (96 with a transposed), each summed so, and the blocks
//!   added in order.
//!
//! Checked bit for bit against TensorFlow 2.15 with oneDNN by
//! `tests/conformance/matmul_order_tf.py` on each kind of CPU: the AVX2 orders on an AMD EPYC
//! with AVX2 only (1,800 of 1,800 random products), the AVX-512 ones on an Intel Xeon with
//! AVX-512 (FUZZ.md has the counts).

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};

use super::cpu::Isa;

/// A kernel: `c = a b`, `c` of the right shape.
pub type Product = fn(ArrayView2<f32>, ArrayView2<f32>, ArrayViewMut2<f32>);

/// Operands that fit this many bytes run on one thread in TensorFlow, whatever oneDNN's own
/// thread checks would choose (`ExecuteSingleThreadedGemm` compares them with the L2 cache,
/// 256 KiB or more on x86 CPUs with AVX2); a threaded product splits its work in ways gradtape
/// does not model.
const ONE_THREAD_BYTES: usize = 256 << 10;

/// The kernel for `a [m, k] · b [k, n]` (as transposed by the op) on `isa`, or `None` where
/// gradtape does not follow oneDNN's order (the caller then uses the `gemm` crate).
pub fn product(
    isa: Isa,
    m: usize,
    n: usize,
    k: usize,
    transpose_a: bool,
    transpose_b: bool,
) -> Option<Product> {
    if k == 0 {
        return None;
    }
    // oneDNN's first check, `jump_to_gemm_smalln_tn` (its n is our m, its transposed a our
    // transposed b), at any size: its threads split the product's columns, never the terms.
    if isa == Isa::Avx512 && transpose_b && !transpose_a && (2..16).contains(&m) {
        return Some(smalln_tn_into);
    }
    let one_thread = one_thread(m, n, k);
    match gemv(m, n, transpose_a, transpose_b) {
        // gemv_t's threads split the outputs, never an output's terms: its order holds at any
        // size. gemv_n's split the terms of a short, wide matrix.
        Some(Gemv::T) => return Some(gemv_t_into),
        Some(Gemv::N) if one_thread => return Some(fused_in_order_into),
        Some(Gemv::N) => return None,
        None if !one_thread => return None,
        None => {}
    }
    Some(match (isa, transpose_a, transpose_b) {
        (Isa::Avx512, _, _) => nocopy_avx512,
        (Isa::Avx2, false, false) => nocopy_avx2::<false, false>,
        (Isa::Avx2, false, true) => nocopy_avx2::<false, true>,
        (Isa::Avx2, true, false) => nocopy_avx2::<true, false>,
        (Isa::Avx2, true, true) => nocopy_avx2::<true, true>,
    })
}

/// With oneDNN off, TensorFlow's contraction kernel hands a product of two matrices to
/// oneDNN's `sgemm` in Eigen's blocks, whose size depends on the CPU's caches: on an AVX-512 CPU
/// a product of up to 500 terms (one block) sums as the nocopy kernel does, whatever the
/// transposes (the operands come packed). `None` for the rest.
pub fn through_contraction(isa: Isa, m: usize, n: usize, k: usize) -> Option<Product> {
    (isa == Isa::Avx512 && k <= 500 && one_thread(m, n, k)).then_some(nocopy_avx512 as Product)
}

/// Whether TensorFlow runs a float32 product of these sizes on one thread.
fn one_thread(m: usize, n: usize, k: usize) -> bool {
    4 * (m * n + k * (m + n)) <= ONE_THREAD_BYTES
}

/// oneDNN's two matrix-vector kernels: `jit_avx_gemv_t_f32_kern` and `jit_sse41_gemv_n_f32_kern`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Gemv {
    T,
    N,
}

/// oneDNN's `jump_to_gemv`, in the product's terms: the kernel a shape with one row or one
/// column goes to, `None` where it is an ordinary product.
fn gemv(m: usize, n: usize, ta: bool, tb: bool) -> Option<Gemv> {
    let transposed = if m == 1 {
        // oneDNN's n = 1: its `a` (our b) transposed takes gemv_t, else gemv_n.
        tb
    } else if n == 1 {
        // oneDNN's m = 1, checked after its n = 1.
        !ta
    } else {
        return None;
    };
    Some(if transposed { Gemv::T } else { Gemv::N })
}

/// `c = a b` with each element `fma(a[i, p], b[p, j], acc)` for p in order, from +0.
fn fused_in_order_into(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>) {
    for ((i, j), out) in c.indexed_iter_mut() {
        *out = (0..a.ncols()).fold(0.0, |acc, p| a[[i, p]].mul_add(b[[p, j]], acc));
    }
}

/// `c = a b` with each element a dot product as `jit_avx_gemv_t_f32_kern` takes it.
fn gemv_t_into(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
    run(Loop::GemvT, a, b, c);
}

#[inline(always)]
fn gemv_t_body(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>) {
    for ((i, j), out) in c.indexed_iter_mut() {
        *out = gemv_t_dot(a.row(i), b.column(j));
    }
}

/// Eight lanes of one AVX register.
type Ymm = [f32; 8];

/// `vhaddps`, `vperm2f128` and `vaddps`, then `vhaddps`: the lanes' sum as the kernel folds it.
#[inline(always)]
fn hsum(v: Ymm) -> f32 {
    let low = (v[0] + v[1]) + (v[4] + v[5]);
    let high = (v[2] + v[3]) + (v[6] + v[7]);
    low + high
}

/// One output of the transposed gemv kernel: 16 terms at a time into eight lanes (the term at
/// p into lane p mod 8, the first 8 then the next), the lanes folded into the output (which
/// starts at +0), then each leftover group of 8, 4, 2 and 1 terms folded into it alike.
#[inline(always)]
fn gemv_t_dot(x: ArrayView1<f32>, y: ArrayView1<f32>) -> f32 {
    let k = x.len();
    let mut out = 0.0f32;
    let whole = k / 16 * 16;
    if whole > 0 {
        let mut acc: Ymm = [0.0; 8];
        for p in (0..whole).step_by(8) {
            for (lane, sum) in acc.iter_mut().enumerate() {
                *sum = x[p + lane].mul_add(y[p + lane], *sum);
            }
        }
        out += hsum(acc);
    }
    let mut p = whole;
    for width in [8, 4, 2, 1] {
        if (k - whole) & width != 0 {
            let mut acc: Ymm = [0.0; 8];
            for (lane, sum) in acc.iter_mut().enumerate().take(width) {
                *sum = x[p + lane].mul_add(y[p + lane], 0.0);
            }
            out += hsum(acc);
            p += width;
        }
    }
    out
}

/// `c = a b` as `jit_avx512_core_gemm_smalln_tn_f32` sums it: each element's terms in 16
/// lanes (the term at p into lane p mod 16, by fused multiply-adds from +0), the lanes added in
/// the tree its shuffles (`reduction_16x16`) build.
fn smalln_tn_into(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
    run(Loop::SmallN, a, b, c);
}

#[inline(always)]
fn smalln_tn_body(a: ArrayView2<f32>, b: ArrayView2<f32>, mut c: ArrayViewMut2<f32>) {
    for ((i, j), out) in c.indexed_iter_mut() {
        let (x, y) = (a.row(i), b.column(j));
        let mut lane = [0.0f32; 16];
        for p in 0..x.len() {
            lane[p % 16] = x[p].mul_add(y[p], lane[p % 16]);
        }
        let pair = |l: usize| lane[l] + lane[l + 8];
        let even = (pair(0) + pair(4)) + (pair(2) + pair(6));
        let odd = (pair(1) + pair(5)) + (pair(3) + pair(7));
        *out = even + odd;
    }
}

/// `c = a b` as oneDNN's AVX-512 nocopy sgemm (`jit_avx512_common_gemm_f32`) sums it, whatever
/// the transposes: the terms in blocks of 384 (cut as [`blocks`] does), each block's terms in
/// order by fused multiply-adds from +0, and the blocks added in order.
fn nocopy_avx512(a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
    in_order_blocks(a, b, c, &blocks(a.ncols(), 384, 384));
}

/// `c = a b` with the terms cut in `blocks` (start, length), each block's terms in order by
/// fused multiply-adds from +0, and the blocks added in order.
fn in_order_blocks(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
    blocks: &[(usize, usize)],
) {
    run(Loop::InOrder(blocks), a, b, c);
}

#[inline(always)]
fn in_order_blocks_body(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
    blocks: &[(usize, usize)],
) {
    // b's rows as slices (a transposed b comes as a view with strided rows).
    let b = b.as_standard_layout();
    let b = b.as_slice().expect("standard layout");
    let n = c.ncols();
    let mut part = vec![0.0f32; n];
    for (first, &(start, len)) in blocks.iter().enumerate() {
        for (a_row, mut c_row) in a.rows().into_iter().zip(c.rows_mut()) {
            // Row by row, so that a row of b is read in order and a row's columns go through
            // the vector unit together; each element still takes its terms in order.
            part.fill(0.0);
            for p in start..start + len {
                let x = a_row[p];
                for (sum, &y) in part.iter_mut().zip(&b[p * n..(p + 1) * n]) {
                    *sum = x.mul_add(y, *sum);
                }
            }
            for (out, &sum) in c_row.iter_mut().zip(&part) {
                *out = if first == 0 { sum } else { *out + sum };
            }
        }
    }
}

/// The loop of a kernel, for [`run`].
#[derive(Clone, Copy)]
enum Loop<'a> {
    GemvT,
    SmallN,
    InOrder(&'a [(usize, usize)]),
}

/// Runs `body`, compiled for AVX2 and FMA where this CPU has them (every CPU whose oneDNN
/// kernels these model has): `mul_add` is then one instruction, where it is otherwise a call
/// into the C library, and loops over independent outputs go through the vector unit. Each
/// output takes its terms in the same order either way.
fn run(body: Loop, a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        return with_fma::run(body, a, b, c);
    }
    run_portable(body, a, b, c);
}

#[inline(always)]
fn run_portable(body: Loop, a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
    match body {
        Loop::GemvT => gemv_t_body(a, b, c),
        Loop::SmallN => smalln_tn_body(a, b, c),
        Loop::InOrder(blocks) => in_order_blocks_body(a, b, c, blocks),
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod with_fma {
    use super::Loop;
    use ndarray::{ArrayView2, ArrayViewMut2};

    pub fn run(body: Loop, a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
        // SAFETY: the caller has checked that this CPU has AVX2 and FMA.
        unsafe { compiled(body, a, b, c) }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn compiled(body: Loop, a: ArrayView2<f32>, b: ArrayView2<f32>, c: ArrayViewMut2<f32>) {
        super::run_portable(body, a, b, c)
    }
}

/// The kernel for each product of a batched float32 `matmul` (TensorFlow's `BatchMatMulV2`,
/// which runs oneDNN's brgemm `matmul` primitive) of `batch` products `a [m, k] · b [k, n]`, or
/// `None` where gradtape does not follow its order. On AVX-512 the primitive cuts the terms in
/// blocks of 512, or 1,024 when there are more than 1,024 and a is not transposed
/// (`compute_blocking_heuristic_avx512`), sums each in order with fused multiply-adds from +0
/// and adds the blocks in order; its threads split batches, rows and columns, except for one
/// product with a transposed a and 2,048 terms or more, whose terms they split.
pub fn batched_product(isa: Isa, batch: usize, k: usize, transpose_a: bool) -> Option<Product> {
    if isa != Isa::Avx512 || k == 0 || (batch == 1 && transpose_a && k >= 2048) {
        return None;
    }
    Some(if k > 1024 && !transpose_a {
        brgemm_blocks::<1024>
    } else {
        brgemm_blocks::<512>
    })
}

/// `c = a b` in whole blocks of `BLOCK` terms and a last block of what is left.
fn brgemm_blocks<const BLOCK: usize>(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    c: ArrayViewMut2<f32>,
) {
    let k = a.ncols();
    let cuts: Vec<(usize, usize)> = (0..k)
        .step_by(BLOCK)
        .map(|start| (start, BLOCK.min(k - start)))
        .collect();
    in_order_blocks(a, b, c, &cuts);
}

/// How a tile of oneDNN's AVX2 nocopy kernel sums one element's terms.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum TileSum {
    /// In order, fused multiply-adds from +0 (16 columns by 4 to 6 rows).
    InOrder,
    /// Even and odd terms apart, fused, added at the end, an odd last term fused in after.
    EvenOddFused,
    /// The same with each product rounded before it is added (tiles of 1 or 2 rows).
    EvenOddUnfused,
}

impl TileSum {
    /// The tile `columns` wide (16 or 8) and `rows` high (1 to 6).
    fn of(columns: usize, rows: usize) -> TileSum {
        match (columns, rows) {
            (_, 1 | 2) => TileSum::EvenOddUnfused,
            (16, 4..) => TileSum::InOrder,
            _ => TileSum::EvenOddFused,
        }
    }

    fn dot(self, x: ArrayView1<f32>, y: ArrayView1<f32>) -> f32 {
        let k = x.len();
        let add = |acc: f32, p: usize| match self {
            TileSum::EvenOddUnfused => acc + x[p] * y[p],
            _ => x[p].mul_add(y[p], acc),
        };
        if self == TileSum::InOrder {
            return (0..k).fold(0.0, add);
        }
        let (mut even, mut odd) = (0.0f32, 0.0f32);
        for p in (0..k & !1).step_by(2) {
            even = add(even, p);
            odd = add(odd, p + 1);
        }
        let sum = even + odd;
        if k % 2 == 1 {
            add(sum, k - 1)
        } else {
            sum
        }
    }
}

/// oneDNN's cut of `total` into blocks of `block`: whole blocks while twice a block is left,
/// then the rest in one piece, or in two halves (the first rounded up) where it exceeds
/// `split_above`.
fn blocks(total: usize, block: usize, split_above: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < total {
        let left = total - start;
        let size = if left >= 2 * block {
            block
        } else if left > split_above {
            left.div_ceil(2)
        } else {
            left
        };
        out.push((start, size));
        start += size;
    }
    out
}

/// The tile width (16 or 8) of each of `columns` columns: 16-wide tiles, then the last 9 to
/// 15 columns as one masked 16-wide tile and a last 8 or fewer as an 8-wide one.
fn column_tiles(columns: usize) -> impl Iterator<Item = usize> {
    let whole = columns / 16 * 16;
    let last = if columns - whole > 8 { 16 } else { 8 };
    (0..columns).map(move |j| if j < whole { 16 } else { last })
}

/// The tile height (1 to 6) of each of `rows` rows: tiles of 6, the last of what is left.
fn row_tiles(rows: usize) -> impl Iterator<Item = usize> {
    let whole = rows / 6 * 6;
    (0..rows).map(move |i| if i < whole { 6 } else { rows - whole })
}

/// `c = a b` as oneDNN's AVX2 nocopy sgemm sums it (module docs). `TA` and `TB` are the op's
/// transposes, which set the block sizes (a transposed b cuts rows by 96, not 48; a transposed
/// a cuts terms by 96, not 256).
fn nocopy_avx2<const TA: bool, const TB: bool>(
    a: ArrayView2<f32>,
    b: ArrayView2<f32>,
    mut c: ArrayViewMut2<f32>,
) {
    let (m, k) = a.dim();
    let n = b.ncols();
    let (row_block, term_block) = (if TB { 96 } else { 48 }, if TA { 96 } else { 256 });
    let mut sums = vec![TileSum::InOrder; m * n];
    for (col_start, cols) in blocks(n, 4032, 4032 + 2016) {
        for (row_start, rows) in blocks(m, row_block, row_block + row_block / 2) {
            for (i, height) in row_tiles(rows).enumerate() {
                for (j, width) in column_tiles(cols).enumerate() {
                    sums[(row_start + i) * n + col_start + j] = TileSum::of(width, height);
                }
            }
        }
    }
    c.fill(0.0);
    for (first, (start, len)) in blocks(k, term_block, term_block).into_iter().enumerate() {
        let (a, b) = (
            a.slice(ndarray::s![.., start..start + len]),
            b.slice(ndarray::s![start..start + len, ..]),
        );
        for ((i, j), out) in c.indexed_iter_mut() {
            let part = sums[i * n + j].dot(a.row(i), b.column(j));
            *out = if first == 0 { part } else { *out + part };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cut_as_onednn_does() {
        assert_eq!(blocks(100, 256, 256), vec![(0, 100)]);
        assert_eq!(blocks(300, 256, 256), vec![(0, 150), (150, 150)]);
        assert_eq!(
            blocks(600, 256, 256),
            vec![(0, 256), (256, 172), (428, 172)]
        );
        assert_eq!(blocks(80, 48, 72), vec![(0, 40), (40, 40)]);
        assert_eq!(blocks(70, 48, 72), vec![(0, 70)]);
    }

    #[test]
    fn tiles_follow_the_kernel_table() {
        let widths: Vec<usize> = column_tiles(20).collect();
        assert_eq!(&widths[..16], &[16; 16]);
        assert_eq!(&widths[16..], &[8; 4]);
        assert!(column_tiles(12).all(|w| w == 16));
        assert_eq!(
            row_tiles(8).collect::<Vec<_>>(),
            vec![6, 6, 6, 6, 6, 6, 2, 2]
        );
        assert_eq!(TileSum::of(16, 5), TileSum::InOrder);
        assert_eq!(TileSum::of(16, 3), TileSum::EvenOddFused);
        assert_eq!(TileSum::of(8, 6), TileSum::EvenOddFused);
        assert_eq!(TileSum::of(16, 2), TileSum::EvenOddUnfused);
    }
}
