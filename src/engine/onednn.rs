//! TensorFlow 2.15's float32 `Softmax` as its x86 wheel runs it: the op is rewritten to oneDNN,
//! whose JIT kernel computes each row lane by lane (16 lanes on an AVX-512 CPU, 8 on one with
//! AVX2 only: `cpu::isa`), bit for bit:
//!
//! - a running `maxps` over the row's 16-lane vectors (the last one masked), then a butterfly of
//!   `maxps` across lanes; `maxps(a, b)` is `a > b ? a : b`, so a NaN is kept or dropped by
//!   position and each lane may end with a different maximum;
//! - `e = exp(x - max)` with oneDNN's polynomial `exp`, which clamps a NaN argument to
//!   `ln(FLT_MAX)` and so answers +inf for it (a NaN logit makes its row's sum inf, its own
//!   output inf * 0 = NaN and every other output 0);
//! - a running per-lane sum of `e`, the same butterfly with adds, `1 / sum` per lane;
//! - `e * (1 / sum)` with the element's own lane.
//!
//! TensorFlow runs its kernels with denormals flushed to zero, which this `exp` reproduces.
//! Checked against the oracle on 600 random rows of 1 to 49 elements with NaN and infinities.

const LOG2E: u32 = 0x3fb8aa3b;
const LN_FLT_MAX: u32 = 0x42b17218;
const LN_FLT_MIN: u32 = 0xc2aeac50;
const LN2: u32 = 0x3f317218;
/// p1..p5 of oneDNN's `exp` polynomial (p0 is 1).
const EXP_POLY: [u32; 5] = [0x3f7ffffb, 0x3efffee3, 0x3e2aad40, 0x3d2b9d0d, 0x3c07cfce];

/// `maxps`: the first operand if it is greater, else the second (a NaN anywhere picks the second).
fn maxps(a: f32, b: f32) -> f32 {
    if a > b {
        a
    } else {
        b
    }
}

fn minps(a: f32, b: f32) -> f32 {
    if a < b {
        a
    } else {
        b
    }
}

fn flush_denormal(y: f32) -> f32 {
    if y.is_subnormal() {
        0.0
    } else {
        y
    }
}

/// oneDNN's `exp_compute_vector_fwd` for one lane.
pub fn exp(x: f32) -> f32 {
    let lo = f32::from_bits(LN_FLT_MIN);
    let below = x < lo;
    let x = maxps(minps(x, f32::from_bits(LN_FLT_MAX)), lo);
    let fx = x * f32::from_bits(LOG2E) + 0.5;
    let n = fx.floor();
    let r = (-n).mul_add(f32::from_bits(LN2), x);
    // 2^(n-1), built from the exponent bits; zero below ln(FLT_MIN)
    let pow2 = if below {
        0.0
    } else {
        let e = (n - 1.0) as i32 + 127;
        f32::from_bits(((e & 0xff) as u32) << 23)
    };
    let p = EXP_POLY[..4]
        .iter()
        .rev()
        .fold(f32::from_bits(EXP_POLY[4]), |p, &c| {
            p.mul_add(r, f32::from_bits(c))
        })
        .mul_add(r, 1.0);
    flush_denormal(p * pow2) * 2.0
}

/// The cross-lane butterfly `get_horizontal_op` over a vector's `L` lanes: each lane with the
/// one half the vector away (256-bit halves on AVX-512), then a quarter away, down to pairs.
fn horizontal<const L: usize>(mut v: [f32; L], op: impl Fn(f32, f32) -> f32) -> [f32; L] {
    let mut apart = L / 2;
    while apart > 0 {
        let tmp = v;
        for (i, x) in v.iter_mut().enumerate() {
            *x = op(*x, tmp[i ^ apart]);
        }
        apart /= 2;
    }
    v
}

/// Softmax of one row (the last axis), written into `out`, with this CPU's vector width.
pub fn softmax_row(x: &[f32], out: &mut [f32]) {
    match super::cpu::isa() {
        super::cpu::Isa::Avx2 => softmax_row_lanes::<8>(x, out),
        _ => softmax_row_lanes::<16>(x, out),
    }
}

/// Softmax of one row in vectors of `L` lanes. On AVX2 (8 lanes) a last, partial vector has
/// -FLT_MAX blended into its unused lanes and maxed into every lane, where AVX-512 masks them
/// out; `maxps` of a NaN and -FLT_MAX answers -FLT_MAX, so that step drops a NaN (and turns
/// -inf into -FLT_MAX) in the lanes the partial vector does not reach.
pub fn softmax_row_lanes<const L: usize>(x: &[f32], out: &mut [f32]) {
    let mut vmax = [-f32::MAX; L];
    for (j, &v) in x.iter().enumerate() {
        vmax[j % L] = maxps(vmax[j % L], v);
    }
    let tail = x.len() % L;
    if L == 8 && tail > 0 {
        for lane in &mut vmax[tail..] {
            *lane = maxps(*lane, -f32::MAX);
        }
    }
    let vmax = horizontal(vmax, maxps);
    let mut vsum = [0.0; L];
    for (j, (&v, o)) in x.iter().zip(out.iter_mut()).enumerate() {
        *o = exp(v - vmax[j % L]);
        vsum[j % L] += *o;
    }
    let vsum = horizontal(vsum, |a, b| a + b);
    for (j, o) in out.iter_mut().enumerate() {
        *o *= 1.0 / vsum[j % L];
    }
}

/// Softmax over the last axis of a row-major buffer whose rows have `len` elements.
pub fn softmax_rows(x: &[f32], len: usize) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    if len == 0 {
        return out;
    }
    for (row, o) in x.chunks(len).zip(out.chunks_mut(len)) {
        softmax_row(row, o);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nan_logit_is_nan_and_zeroes_the_rest_of_its_row() {
        let mut out = [0.0; 2];
        softmax_row_lanes::<16>(&[f32::NAN, 0.9655], &mut out);
        assert!(out[0].is_nan());
        assert_eq!(out[1], 0.0);
        softmax_row_lanes::<16>(&[f32::NEG_INFINITY, f32::INFINITY], &mut out);
        assert_eq!(out[0], 0.0);
        assert!(out[1].is_nan());
    }

    #[test]
    fn a_nan_in_the_tail_spoils_the_lane_the_butterfly_leaves_it_in() {
        // TensorFlow: [0, 0, 0, 0, 0, 0, 0, NaN, NaN]
        let x = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, f32::NAN];
        let mut out = [0.0; 9];
        softmax_row_lanes::<16>(&x, &mut out);
        assert!(out[..7].iter().all(|&v| v == 0.0));
        assert!(out[7].is_nan() && out[8].is_nan());
    }

    #[test]
    fn on_avx2_a_partial_last_vector_drops_a_nan_from_the_lanes_it_does_not_reach() {
        // TensorFlow 2.15 on an AMD EPYC with AVX2: the NaN's own output only
        let x = [
            4.061536,
            2.7681715,
            3.409878,
            -3.1509638,
            f32::NAN,
            0.594_292_16,
            -0.762_635_05,
            0.211_008_95,
            -4.718398,
        ];
        let mut out = [0.0; 9];
        softmax_row_lanes::<8>(&x, &mut out);
        assert!(out[4].is_nan());
        assert!(out.iter().enumerate().all(|(i, &v)| i == 4 || v == 0.0));
    }

    #[test]
    fn eight_lane_rows_match_tensorflow_on_avx2_bit_for_bit() {
        let x: Vec<f32> = (0..20).map(|i| i as f32 * 0.37 - 3.1).collect();
        let mut out = [0.0; 20];
        softmax_row_lanes::<8>(&x, &mut out);
        let want: [u32; 20] = [
            0x398f930a, 0x39cfdb8b, 0x3a16761b, 0x3a59d3fe, 0x3a9dadb9, 0x3ae446da, 0x3b253df7,
            0x3b6f3a0d, 0x3bad2b1b, 0x3bfab3ac, 0x3c357991, 0x3c835d1f, 0x3cbe2e09, 0x3d09aa3a,
            0x3d474d6a, 0x3d9044ba, 0x3dd0dcc9, 0x3e17304c, 0x3e5ae18c, 0x3e9e70de,
        ];
        assert_eq!(out.map(f32::to_bits), want);
    }

    #[test]
    fn finite_rows_match_tensorflow_bit_for_bit() {
        // tf.nn.softmax([[1., 2., 3.]]) in TensorFlow 2.15 (float32)
        let mut out = [0.0; 3];
        softmax_row_lanes::<16>(&[1.0, 2.0, 3.0], &mut out);
        let bits = out.map(f32::to_bits);
        assert_eq!(bits, [0x3db861f2, 0x3e7a9a1a, 0x3f2a4d3a]);
    }
}
