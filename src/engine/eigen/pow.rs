//! One lane of Eigen's `generic_pow` (TensorFlow 2.15's `Pow` on whole AVX packets of float32
//! or float64): `2^(y log2 x)` with log2 and the product in double-word arithmetic, then the
//! special cases of IEEE `pow` chosen by masks. Without FMA, `twoprod` is Dekker's with
//! Veltkamp splitting, and every `pmadd` rounds twice.

use num_traits::Float;

use super::{f32x8, f64x4};

/// What differs between the float32 and float64 lanes.
pub trait PowLane: Float {
    /// `2^ceil(digits / 2) + 1`, Veltkamp's splitting factor.
    const SPLIT: Self;
    /// `max_exponent * ln 2 / epsilon`: from here on every finite `x != 1` overflows or
    /// underflows.
    const HUGE_EXPONENT: Self;
    /// The largest float below 0.5, which `pround` adds before truncating.
    const PREV_HALF: Self;
    /// 1/sqrt 2, below which a mantissa is doubled before its log.
    const SQRT_HALF: Self;
    fn pfrexp(self) -> (Self, Self);
    fn pldexp(self, e: Self) -> Self;
    /// `accurate_log2<Scalar>` of a mantissa in [1/sqrt 2, sqrt 2], as a double word.
    fn accurate_log2(self) -> (Self, Self);
    /// `fast_accurate_exp2<Scalar>` on [-0.5, 0.5].
    fn accurate_exp2(self) -> Self;
}

/// `pround`: half away from zero, as `trunc(x + copysign(PREV_HALF, x))`.
fn pround<F: PowLane>(x: F) -> F {
    (x + F::PREV_HALF.copysign(x)).trunc()
}

fn fast_twosum<F: Float>(x: F, y: F) -> (F, F) {
    let s = x + y;
    let t = s - x;
    (s, y - t)
}

fn veltkamp<F: PowLane>(x: F) -> (F, F) {
    let gamma = F::SPLIT * x;
    let rho = x - gamma;
    let hi = rho + gamma;
    (hi, x - hi)
}

/// `twoprod(x, y)` without FMA (Dekker).
fn twoprod<F: PowLane>(x: F, y: F) -> (F, F) {
    let (xh, xl) = veltkamp(x);
    let (yh, yl) = veltkamp(y);
    let hi = x * y;
    let lo = xh * yh + -hi;
    let lo = xh * yl + lo;
    let lo = xl * yh + lo;
    (hi, xl * yl + lo)
}

/// `twoprod` of a double word and a float.
fn twoprod_dw<F: PowLane>((xh, xl): (F, F), y: F) -> (F, F) {
    let (ch, cl1) = twoprod(xh, y);
    let cl2 = xl * y;
    let (th, tl1) = fast_twosum(ch, cl2);
    fast_twosum(th, tl1 + cl1)
}

/// `twoprod` of two double words.
fn twoprod_dw2<F: PowLane>(x: (F, F), (yh, yl): (F, F)) -> (F, F) {
    fast_twosum_dw(twoprod_dw(x, yh), twoprod_dw(x, yl))
}

/// `fast_twosum` of two double words, |x| >= |y|.
fn fast_twosum_dw<F: Float>((xh, xl): (F, F), (yh, yl): (F, F)) -> (F, F) {
    let (rh, rl) = fast_twosum(xh, yh);
    fast_twosum(rh, yl + rl + xl)
}

/// `fast_twosum` of a float and a double word, |x| >= |y|.
fn fast_twosum_fdw<F: Float>(x: F, (yh, yl): (F, F)) -> (F, F) {
    let (rh, rl) = fast_twosum(x, yh);
    fast_twosum(rh, yl + rl)
}

/// `twosum` of two double words in either order of magnitude.
fn twosum<F: Float>((xh, xl): (F, F), (yh, yl): (F, F)) -> (F, F) {
    let x_greater = yh.abs() < xh.abs();
    let (rh1, rl1) = fast_twosum(xh, yh);
    let (rh2, rl2) = fast_twosum(yh, xh);
    let rh = if x_greater { rh1 } else { rh2 };
    let s = if x_greater {
        yl + rl1 + xl
    } else {
        xl + rl2 + yl
    };
    fast_twosum(rh, s)
}

/// `doubleword_div_fp`: a double word divided by a float.
fn div_dw<F: PowLane>((xh, xl): (F, F), y: F) -> (F, F) {
    let th = xh / y;
    let (pih, pil) = twoprod(th, y);
    let delta = xh - pih - pil + xl;
    fast_twosum(th, delta / y)
}

// Eigen's Sollya coefficients, written as its source writes them
#[allow(clippy::excessive_precision, clippy::approx_constant)]
impl PowLane for f32 {
    const SPLIT: f32 = 4097.0;
    const HUGE_EXPONENT: f32 = 128.0 * std::f32::consts::LN_2 / f32::EPSILON;
    const PREV_HALF: f32 = 0.499_999_97;
    const SQRT_HALF: f32 = std::f32::consts::FRAC_1_SQRT_2;

    fn pfrexp(self) -> (f32, f32) {
        f32x8::pfrexp(self)
    }
    fn pldexp(self, e: f32) -> f32 {
        f32x8::pldexp(self, e)
    }

    fn accurate_log2(self) -> (f32, f32) {
        const P: [f32; 7] = [
            0.2885761857032,
            -0.2404672354459,
            0.2050433009862,
            -0.1789081543684,
            0.1720575392246,
            -0.1690667718648,
            9.703654795885e-2,
        ];
        const C: [(f32, f32); 4] = [
            (1.44269502163, 2.01711713999e-08),
            (-0.721347510815, -4.84483164698e-09),
            (0.480897903442, -1.44861207474e-08),
            (-0.360674142838, -6.13283912543e-09),
        ];
        let x = self - 1.0;
        let x2 = x * x;
        let p_even = P[6] * x2 + P[4];
        let p_even = p_even * x2 + P[2];
        let p_even = p_even * x2 + P[0];
        let p_odd = P[5] * x2 + P[3];
        let p_odd = p_odd * x2 + P[1];
        let p = p_odd * x + p_even;
        let mut q = fast_twosum_dw(C[3], twoprod(p, x));
        for c in C[..3].iter().rev() {
            q = fast_twosum_dw(*c, twoprod_dw(q, x));
        }
        twoprod_dw(q, x)
    }

    fn accurate_exp2(self) -> f32 {
        const P: [f32; 5] = [
            0.2402264923,
            5.550328270e-2,
            9.618283249e-3,
            1.340007293e-3,
            1.539513905e-4,
        ];
        let x = self;
        let x2 = x * x;
        let p_even = P[4] * x2 + P[2];
        let p_odd = P[3] * x2 + P[1];
        let p_even = p_even * x2 + P[0];
        let p = p_odd * x + p_even;
        let q1 = twosum(twoprod(p, x), (0.6931471825, 2.36836577e-08));
        let (q2h, q2l) = twoprod_dw(q1, x);
        let (q3h, q3l) = fast_twosum(1.0, q2h);
        q3h + (q2l + q3l)
    }
}

// Eigen's Sollya coefficients, written as its source writes them
#[allow(clippy::excessive_precision, clippy::approx_constant)]
impl PowLane for f64 {
    const SPLIT: f64 = 134_217_729.0;
    const HUGE_EXPONENT: f64 = 1024.0 * std::f64::consts::LN_2 / f64::EPSILON;
    const PREV_HALF: f64 = 0.499_999_999_999_999_94;
    const SQRT_HALF: f64 = std::f64::consts::FRAC_1_SQRT_2;

    fn pfrexp(self) -> (f64, f64) {
        f64x4::pfrexp(self)
    }
    fn pldexp(self, e: f64) -> f64 {
        f64x4::pldexp(self, e)
    }

    fn accurate_log2(self) -> (f64, f64) {
        const Q: [f64; 7] = [
            2.88543873228900172e-3,
            2.47556738444535513e-4,
            2.31271023278625638e-5,
            2.27279857398537278e-6,
            2.31032094540014656e-7,
            2.38957980901884082e-8,
            2.87074255468000586e-9,
        ];
        let t = twoprod_dw((2.88539008177792677, 4.07660016854549667e-17), self - 1.0);
        let r = div_dw(t, self + 1.0);
        let r2 = twoprod_dw2(r, r);
        let (r4h, _) = twoprod_dw2(r2, r2);
        let q_even = Q[6] * r4h + Q[4];
        let q_odd = Q[5] * r4h + Q[3];
        let q_even = q_even * r4h + Q[2];
        let q_odd = q_odd * r4h + Q[1];
        let q_even = q_even * r4h + Q[0];
        let q = q_odd * r2.0 + q_even;
        let p = twoprod_dw(r2, q);
        let p1 = fast_twosum_dw((0.0400377511598501157, -4.77726582251425391e-19), p);
        let p2 = twoprod_dw2(r2, p1);
        let p3 = fast_twosum_fdw(1.0, p2);
        twoprod_dw2(p3, r)
    }

    fn accurate_exp2(self) -> f64 {
        const P: [f64; 10] = [
            0.240226506959101332,
            5.550410866481961247e-2,
            9.618129107593478832e-3,
            1.333355814685869807e-3,
            1.540353045780084423e-4,
            1.525273342728892877e-5,
            1.321543498017646657e-6,
            1.017822306737031311e-7,
            7.073829923303358410e-9,
            4.431642109085495276e-10,
        ];
        let x = self;
        let x2 = x * x;
        let p_even = P[8] * x2 + P[6];
        let p_odd = P[9] * x2 + P[7];
        let p_even = p_even * x2 + P[4];
        let p_odd = p_odd * x2 + P[5];
        let p_even = p_even * x2 + P[2];
        let p_odd = p_odd * x2 + P[3];
        let p_even = p_even * x2 + P[0];
        let p_odd = p_odd * x2 + P[1];
        let p = p_odd * x + p_even;
        let q1 = twosum(
            twoprod(p, x),
            (0.693147180559945286, 4.81927865669806721e-17),
        );
        let (q2h, q2l) = twoprod_dw(q1, x);
        let (q3h, q3l) = fast_twosum(1.0, q2h);
        q3h + (q2l + q3l)
    }
}

/// `generic_pow_impl`: `|x|^y` for x > 0 as `2^(y log2 x)`.
fn pow_impl<F: PowLane>(x: F, y: F) -> F {
    let two = F::one() + F::one();
    let (m, e) = x.pfrexp();
    let scale = m < F::SQRT_HALF;
    let m = if scale { two * m } else { m };
    let e = if scale { e - F::one() } else { e };
    let rx = m.accurate_log2();
    let f1 = twoprod(e, y);
    let f2 = twoprod_dw(rx, y);
    let (fh, fl) = fast_twosum_dw(f1, f2);
    let n = pround(fh);
    let r = fh - n + fl;
    let nr = pround(r);
    let r = r - nr;
    r.accurate_exp2().pldexp(n + nr)
}

/// `generic_pow`: IEEE `pow`'s special cases by masks, else [`pow_impl`] of |x| with the sign
/// an odd integer power of a negative x gives.
pub fn ppow<F: PowLane>(x: F, y: F) -> F {
    let (zero, one, inf) = (F::zero(), F::one(), F::infinity());
    let abs_x = x.abs();
    let abs_x_is_zero = abs_x == zero;
    let x_signbit = x.is_sign_negative();
    let x_is_neg = x_signbit && !abs_x_is_zero;
    let x_is_neg_zero = x_signbit && abs_x_is_zero;
    let abs_x_is_inf = abs_x == inf;
    let abs_x_is_one = abs_x == one;
    let abs_x_gt_one = one < abs_x;
    let abs_x_lt_one = abs_x < one;
    let x_is_one = abs_x_is_one && !x_is_neg;
    let x_is_neg_one = abs_x_is_one && x_is_neg;

    let abs_y_is_zero = y.abs() == zero;
    let y_is_neg = y < zero;
    // true for a NaN y too, as the mask arithmetic has it
    let y_is_pos = !(abs_y_is_zero || y_is_neg);
    let abs_y_is_inf = y.abs() == inf;
    let abs_y_is_huge = F::HUGE_EXPONENT <= y.abs();
    let y_is_int = y.floor() == y;
    let half_y = y * (one / (one + one));
    let y_is_even = pround(half_y) == half_y;

    let invalid_negative_x = x_is_neg && !abs_x_is_inf && !y_is_int && !abs_y_is_inf;
    let is_nan = invalid_negative_x || x.is_nan() || y.is_nan();
    let is_one = x_is_one
        || abs_y_is_zero
        || (x_is_neg_one && (abs_y_is_inf || (y_is_even && !invalid_negative_x)));
    let is_zero = (abs_x_is_zero && y_is_pos)
        || (abs_x_is_inf && y_is_neg)
        || (abs_x_lt_one && abs_y_is_huge && y_is_pos)
        || (abs_x_gt_one && abs_y_is_huge && y_is_neg);
    let is_inf = (abs_x_is_zero && y_is_neg)
        || (abs_x_is_inf && y_is_pos)
        || (abs_x_lt_one && abs_y_is_huge && y_is_neg)
        || (abs_x_gt_one && abs_y_is_huge && y_is_pos);
    let odd = y_is_int && !y_is_even;
    let is_neg_zero =
        odd && ((y_is_neg && abs_x_is_inf && x_is_neg) || (y_is_pos && x_is_neg_zero));
    let neg_inf = odd && ((abs_x_is_inf && x_is_neg) || (x_is_neg_zero && y_is_neg));

    if y == one {
        x
    } else if is_one {
        one
    } else if is_nan {
        F::nan()
    } else if is_inf {
        if neg_inf {
            -inf
        } else {
            inf
        }
    } else if is_neg_zero {
        -zero
    } else if is_zero {
        zero
    } else {
        let p = pow_impl(abs_x, y);
        if x_is_neg && !y_is_even {
            -p
        } else {
            p
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_squares_minus_1_56_as_tensorflow_does() {
        // TensorFlow 2.15: tf.constant([-1.56] * 8) ** 2 is 2.4336 (0x401bc01a) in a packet,
        // where glibc's powf gives 2.4335997 (0x401bc019).
        assert_eq!(ppow(-1.56f32, 2.0).to_bits(), 0x401b_c01a);
        assert_eq!((-1.56f32).powf(2.0).to_bits(), 0x401b_c019);
    }

    #[test]
    fn special_cases_follow_ieee_pow() {
        assert!(ppow(-8.0f32, 1.0 / 3.0).is_nan());
        assert_eq!(ppow(-0.0f64, -3.0), f64::NEG_INFINITY);
        assert_eq!(ppow(-1.0f32, f32::INFINITY), 1.0);
        assert_eq!(ppow(f64::NAN, 0.0), 1.0);
        assert_eq!(ppow(2.0f32, 200.0), f32::INFINITY);
        assert_eq!(ppow(-2.0f64, 3.0), -8.0);
    }
}
