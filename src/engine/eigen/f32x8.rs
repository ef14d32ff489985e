//! One lane of Eigen's float32 AVX packet routines (`Eigen/src/Core/arch/Default/
//! GenericPacketMathFunctions.h`, `arch/AVX/MathFunctions.h`), without FMA: `pmadd(a, b, c)` is
//! `a * b` rounded, then `+ c` rounded, which is what Rust's `a * b + c` computes.

/// `pmin<Packet8f>(a, b)`: `_mm256_min_ps(b, a)`, so `a` when either is NaN.
fn pmin(a: f32, b: f32) -> f32 {
    if b < a {
        b
    } else {
        a
    }
}

/// `pmax<Packet8f>(a, b)`: `_mm256_max_ps(b, a)`, so `a` when either is NaN.
fn pmax(a: f32, b: f32) -> f32 {
    if b > a {
        b
    } else {
        a
    }
}

fn pow2(biased: i32) -> f32 {
    f32::from_bits((biased as u32) << 23)
}

/// `pldexp_generic`: `a * 2^e` as four factors, so no intermediate overflows.
pub fn pldexp(a: f32, e: f32) -> f32 {
    let e = e.clamp(-278.0, 278.0) as i32;
    let b = e >> 2;
    let c = pow2(b + 127);
    let out = a * c * c * c;
    out * pow2(e - 3 * b + 127)
}

/// `pfrexp_generic`: the mantissa in [0.5, 1) and the exponent, as floats; zero, inf and NaN
/// give themselves and exponent 0.
pub fn pfrexp(a: f32) -> (f32, f32) {
    let denormal = a.abs() < f32::MIN_POSITIVE;
    let normalized = if denormal { a * 16_777_216.0 } else { a };
    let offset = if denormal { -126.0 - 24.0 } else { -126.0 };
    let biased = (normalized.abs().to_bits() >> 23) as f32;
    if a == 0.0 || biased == 255.0 {
        return (a, 0.0);
    }
    let m = f32::from_bits((normalized.to_bits() & !0x7f80_0000) | 0.5f32.to_bits());
    (m, biased + offset)
}

/// `pexp_float`: Cephes' range reduction and a degree-6 polynomial, 0 below -104.
pub fn pexp(x0: f32) -> f32 {
    let x = pmin(x0, 88.723);
    let m = (x * std::f32::consts::LOG2_E + 0.5).floor();
    let r = m * -0.693_359_4 + x;
    let r = m * 2.121_944_4e-4 + r;
    let r2 = r * r;
    let p_even = r2 * 1.374_496_4e-3 + 4.166_965_2e-2;
    let p_odd = r2 * 8.368_945e-3 + 0.166_665_18;
    let p_even = r2 * p_even + 0.499_999_88;
    let p_low = r + 1.0;
    let y = r * p_odd + p_even;
    let y = r2 * y + p_low;
    if x0 < -104.0 {
        return 0.0;
    }
    pmax(pldexp(y, m), x0)
}

/// `plog_impl_float` (natural): a (3,3) rational approximation of log(1 + x) around 1.
pub fn plog(x0: f32) -> f32 {
    let (m, e) = pfrexp(x0);
    let below = m < std::f32::consts::FRAC_1_SQRT_2;
    let x = m - 1.0 + if below { m } else { 0.0 };
    let e = e - if below { 1.0 } else { 0.0 };
    let p = x * 0.182_562_96 + 1.0;
    let p = x * p + 1.0;
    let p = x * p;
    let q = x * 0.049_616_247 + 0.599_232_5;
    let q = x * q + 1.5;
    let q = x * q + 1.0;
    let x = e * std::f32::consts::LN_2 + p / q;
    if x0 == 0.0 {
        f32::NEG_INFINITY
    } else if x0 < 0.0 || x0.is_nan() {
        // Eigen ORs the all-ones invalid mask into the packet: a NaN with its sign bit set,
        // which tf.print shows as -nan
        f32::from_bits(u32::MAX)
    } else if x0 == f32::INFINITY {
        f32::INFINITY
    } else {
        x
    }
}

/// `generic_plog1p`: Kahan's `x * log(u) / (u - 1)` with `u = 1 + x`.
pub fn plog1p(x: f32) -> f32 {
    let u = x + 1.0;
    let log_u = plog(u);
    if u == 1.0 || u == log_u {
        x
    } else {
        x * (log_u / (u - 1.0))
    }
}

/// `generic_fast_erf_float` (Eigen uses it for the scalar path too): a (9, 12) rational
/// approximation, exactly +-1 from |x| >= 3.8325069.
// Eigen's alpha_1 (1.128379143519084f) is one ulp below the float32 2/sqrt(pi)
#[allow(clippy::approx_constant)]
pub fn erf(x: f32) -> f32 {
    const ALPHA: [f32; 5] = [
        1.128_379_1,
        0.185_208_32,
        0.050_955_694,
        0.003_408_291,
        0.000_229_050_65,
    ];
    const BETA: [f32; 7] = [
        1.0,
        0.497_469_25,
        0.110_985_05,
        0.014_070_47,
        0.001_017_962_6,
        0.000_023_547_966,
        -1.179_160_3e-7,
    ];
    let x2 = x * x;
    let mut p = x2 * ALPHA[4] + ALPHA[3];
    for c in ALPHA[..3].iter().rev() {
        p = x2 * p + c;
    }
    let p = x * p;
    let mut q = x2 * BETA[6] + BETA[5];
    for c in BETA[..5].iter().rev() {
        q = x2 * q + c;
    }
    if x.abs() >= 3.832_507 {
        if x > 0.0 {
            1.0
        } else {
            -1.0
        }
    } else {
        p / q
    }
}

/// 192 bits of 2/pi, replicated so each read is aligned on 8 bits (`trig_reduce_huge`).
const TWO_OVER_PI: [u32; 26] = [
    0x00000028, 0x000028be, 0x0028be60, 0x28be60db, 0xbe60db93, 0x60db9391, 0xdb939105, 0x9391054a,
    0x91054a7f, 0x054a7f09, 0x4a7f09d5, 0x7f09d5f4, 0x09d5f47d, 0xd5f47d4d, 0xf47d4d37, 0x7d4d3770,
    0x4d377036, 0x377036d8, 0x7036d8a5, 0x36d8a566, 0xd8a5664f, 0xa5664f10, 0x664f10e4, 0x4f10e410,
    0x10e41000, 0xe4100000,
];

/// `trig_reduce_huge`: Payne-Hanek reduction of a finite |x| >= 2^14, in 2.62 fixed point;
/// the remainder and the quadrant.
fn trig_reduce_huge(xf: f32) -> (f32, i32) {
    const PIO2_62: f64 = 3.406_121_580_086_554_5e-19;
    let bits = xf.to_bits();
    let e = (bits >> 23).wrapping_sub(118);
    let xi = ((bits & 0x007f_ffff) | 0x0080_0000) << (e & 7);
    let i = (e >> 3) as usize;
    let (t1, t2, t3) = (TWO_OVER_PI[i - 1], TWO_OVER_PI[i + 3], TWO_OVER_PI[i + 7]);
    let p = u64::from(xi) * u64::from(t3);
    let p = u64::from(xi) * u64::from(t2) + (p >> 32);
    let p = (u64::from(xi.wrapping_mul(t1)) << 32).wrapping_add(p);
    let q = p.wrapping_add(1 << 61) >> 62;
    let p = p.wrapping_sub(q << 62);
    ((p as i64 as f64 * PIO2_62) as f32, q as i32)
}

/// `psincos_float` without FMA: the quadrant by the 1.5 * 2^23 rounding trick, a four-part
/// Cody-Waite reduction (Payne-Hanek from 25966 for sin, 18838 for cos), and both polynomials.
pub fn psincos(x0: f32, sine: bool) -> f32 {
    let huge = if sine { 25966.0 } else { 18838.0 };
    let x = x0.abs();
    let y_round = x * 0.636_619_75 + 12_582_912.0;
    let mut quadrant = y_round.to_bits() as i32;
    let y = y_round - 12_582_912.0;
    let x = y * -1.570_312_5 + x;
    let x = y * -0.000_483_989_72 + x;
    let x = y * 1.628_650_4e-7 + x;
    let mut x = y * 5.564_431_6e-11 + x;
    if x0.abs() >= huge && x0.is_finite() {
        (x, quadrant) = trig_reduce_huge(x0.abs());
    }
    let sign = if sine {
        x0.to_bits() ^ ((quadrant as u32) << 30)
    } else {
        (quadrant.wrapping_add(1) as u32) << 30
    } & 0x8000_0000;
    let x2 = x * x;
    let c = 2.437_226_6e-5 * x2 - 0.001_388_652;
    let c = c * x2 + 0.041_666_62;
    let c = c * x2 - 0.5;
    let c = c * x2 + 1.0;
    let s = -0.000_195_923_4 * x2 + 0.008_332_687;
    let s = s * x2 - 0.166_666_63;
    let s = s * x2;
    let s = s * x + x;
    let even = quadrant & 1 == 0;
    let y = if sine == even { s } else { c };
    f32::from_bits(y.to_bits() ^ sign)
}

/// `psin_float`.
pub fn psin(x: f32) -> f32 {
    psincos(x, true)
}

/// `pcos_float`.
pub fn pcos(x: f32) -> f32 {
    psincos(x, false)
}

/// The CPU's `rcpps` estimate (12 bits; Intel and AMD tables differ, TensorFlow takes whichever
/// it runs on, and so does this).
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub fn rcp_estimate(a: f32) -> f32 {
    use std::arch::x86_64::{_mm_cvtss_f32, _mm_rcp_ss, _mm_set_ss};
    // SAFETY: SSE is part of the x86_64 baseline, so these instructions always exist.
    unsafe { _mm_cvtss_f32(_mm_rcp_ss(_mm_set_ss(a))) }
}

#[cfg(not(target_arch = "x86_64"))]
pub fn rcp_estimate(a: f32) -> f32 {
    1.0 / a
}

/// The CPU's `rsqrtps` estimate, as [`rcp_estimate`].
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
pub fn rsqrt_estimate(a: f32) -> f32 {
    use std::arch::x86_64::{_mm_cvtss_f32, _mm_rsqrt_ss, _mm_set_ss};
    // SAFETY: SSE is part of the x86_64 baseline, so these instructions always exist.
    unsafe { _mm_cvtss_f32(_mm_rsqrt_ss(_mm_set_ss(a))) }
}

#[cfg(not(target_arch = "x86_64"))]
pub fn rsqrt_estimate(a: f32) -> f32 {
    1.0 / a.sqrt()
}

/// `preciprocal<Packet8f>` under EIGEN_FAST_MATH: `rcpps` and one Newton step
/// (`generic_reciprocal_newton_step`), the estimate itself where the step is NaN (0, inf).
pub fn preciprocal(a: f32) -> f32 {
    let x = rcp_estimate(a);
    let t = -(a * x) + 2.0;
    if t.is_nan() {
        x
    } else {
        x * t
    }
}

/// `prsqrt<Packet8f>` under EIGEN_FAST_MATH: `rsqrtps` and one Newton step
/// (`generic_rsqrt_newton_step`), the estimate itself where the step is NaN.
pub fn prsqrt(a: f32) -> f32 {
    let est = rsqrt_estimate(a);
    let r2 = a * est;
    let half_r = est * -0.5;
    let h = r2 * est + -1.0;
    let r = half_r * h + est;
    if r.is_nan() {
        est
    } else {
        r
    }
}
