//! One lane of Eigen's float64 AVX packet routines (`pexp_double`, `plog_impl_double`), without
//! FMA. Only exp, log and pow (`pow.rs`) have float64 packets in TensorFlow 2.15's Eigen; the
//! other float64 functions run glibc's libm on every element.

/// `pmin<Packet4d>(a, b)`: `_mm256_min_pd(b, a)`, so `a` when either is NaN.
fn pmin(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

/// `pmax<Packet4d>(a, b)`: `_mm256_max_pd(b, a)`, so `a` when either is NaN.
fn pmax(a: f64, b: f64) -> f64 {
    if b > a {
        b
    } else {
        a
    }
}

fn pow2(biased: i64) -> f64 {
    f64::from_bits((biased as u64) << 52)
}

/// `pldexp<Packet4d>`: `a * 2^e` with e clamped to +-2099, as four factors.
pub fn pldexp(a: f64, e: f64) -> f64 {
    let e = e.clamp(-2099.0, 2099.0).round_ties_even() as i64;
    let b = e >> 2;
    let c = pow2(b + 1023);
    let out = a * c * c * c;
    out * pow2(e - 3 * b + 1023)
}

/// `pfrexp_generic` for doubles: the mantissa in [0.5, 1) and the exponent.
pub fn pfrexp(a: f64) -> (f64, f64) {
    let denormal = a.abs() < f64::MIN_POSITIVE;
    let normalized = if denormal {
        a * 9_007_199_254_740_992.0
    } else {
        a
    };
    let offset = if denormal { -1022.0 - 53.0 } else { -1022.0 };
    let biased = (normalized.abs().to_bits() >> 52) as f64;
    if a == 0.0 || biased == 2047.0 {
        return (a, 0.0);
    }
    let m = f64::from_bits((normalized.to_bits() & !0x7ff0_0000_0000_0000) | 0.5f64.to_bits());
    (m, biased + offset)
}

/// `pexp_double`: Cephes' exp, a (2,3) rational approximation of exp on [-ln2/2, ln2/2].
pub fn pexp(x0: f64) -> f64 {
    let x = pmin(x0, 709.784);
    let fx = (std::f64::consts::LOG2_E * x + 0.5).floor();
    let x = x - fx * 0.693_145_751_953_125;
    let x = x - fx * 1.428_606_820_309_417_2e-6;
    let x2 = x * x;
    let px = 1.261_771_930_748_105_9e-4 * x2 + 3.029_944_077_074_419_6e-2;
    let px = px * x2 + 1.0;
    let px = px * x;
    let qx = 3.001_985_051_386_644_5e-6 * x2 + 2.524_483_403_496_841e-3;
    let qx = qx * x2 + 2.272_655_482_081_550_3e-1;
    let qx = qx * x2 + 2.0;
    let x = px / (qx - px);
    let x = 2.0 * x + 1.0;
    if x0 < -709.784 {
        return 0.0;
    }
    pmax(pldexp(x, fx), x0)
}

/// `plog_impl_double` (natural): Cephes' log, `x - x^2/2 + x^3 P(x)/Q(x)` around 1.
pub fn plog(x0: f64) -> f64 {
    const P: [f64; 6] = [
        1.018_756_638_045_809_3e-4,
        0.497_494_994_976_747,
        4.705_791_198_788_817,
        1.449_892_253_416_109_3e1,
        1.793_686_785_078_198_2e1,
        7.708_387_337_558_854,
    ];
    const Q: [f64; 6] = [
        1.0,
        11.287_358_718_916_746,
        45.227_914_583_753_225,
        8.298_752_669_127_766e1,
        7.115_447_506_185_639e1,
        2.312_516_201_267_653_4e1,
    ];
    let (m, e) = pfrexp(x0);
    let below = m < std::f64::consts::FRAC_1_SQRT_2;
    let x = m - 1.0 + if below { m } else { 0.0 };
    let e = e - if below { 1.0 } else { 0.0 };
    let x2 = x * x;
    let x3 = x2 * x;
    let ratio = |c: &[f64; 6]| {
        let y = c[0] * x + c[1];
        let y1 = c[3] * x + c[4];
        let y = y * x + c[2];
        let y1 = y1 * x + c[5];
        y * x3 + y1
    };
    let y = ratio(&P) * x3 / ratio(&Q);
    let y = -0.5 * x2 + y;
    let x = x + y;
    let x = e * std::f64::consts::LN_2 + x;
    if x0 == 0.0 {
        f64::NEG_INFINITY
    } else if x0 < 0.0 || x0.is_nan() {
        // the all-ones invalid mask, as in float32's `plog`
        f64::from_bits(u64::MAX)
    } else if x0 == f64::INFINITY {
        f64::INFINITY
    } else {
        x
    }
}

#[cfg(unix)]
#[allow(unsafe_code)]
mod system {
    extern "C" {
        pub fn erf(x: f64) -> f64;
    }
    /// The C library's `erf`.
    pub fn libm_erf(x: f64) -> f64 {
        // SAFETY: a pure function of one double, in the libm every Unix build of std links.
        unsafe { erf(x) }
    }
}

/// `std::erf` (Eigen has no float64 erf packet): the C library's, whose last bits differ
/// from the `libm` crate's port in about 4% of inputs.
#[cfg(unix)]
pub use system::libm_erf;

#[cfg(not(unix))]
pub fn libm_erf(x: f64) -> f64 {
    libm::erf(x)
}
