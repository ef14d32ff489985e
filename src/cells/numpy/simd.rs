//! NumPy 1.26's own float32 `np.log` and `np.exp`. On x86-64 with AVX2+FMA3 or AVX512F (every
//! machine TensorFlow 2.15's wheels run on) NumPy computes these two with its SIMD kernels
//! (`loops_exponent_log.dispatch.c.src`), for contiguous, strided and one-element inputs alike: a
//! range reduction and a ratio of two minimax polynomials in float32 with fused multiply-adds.
//! They are up to about 4 ulp from the correctly rounded result, which a float64 computation after
//! them carries past float64's tolerance; the same steps here give NumPy's bits.

/// The numerator (p0..p5) and denominator (q0..q5) of log(1 + y) for 1 + y in (sqrt(1/2), sqrt(2)],
/// NumPy's `NPY_COEFF_{P,Q}*_LOGf` as float32 bits.
const LOG_P: [f32; 6] = bits([
    0x0000_0000,
    0x3F80_0000,
    0x4007_361C,
    0x3FBD_70A9,
    0x3EC3_0333,
    0x3CD4_2BCD,
]);
const LOG_Q: [f32; 6] = bits([
    0x3F80_0000,
    0x4027_361C,
    0x401C_FE0D,
    0x3F7C_8AE4,
    0x3E1E_5BF3,
    0x3BC0_83DF,
]);
/// The numerator (p0..p5) and denominator (q0..q2) of exp(r) for |r| <= ln(2)/2.
const EXP_P: [f32; 6] = bits([
    0x3F80_0000,
    0x3F39_CBD5,
    0x3E7D_4C58,
    0x3D51_7D8C,
    0x3BDD_7159,
    0x3A05_3DD8,
]);
const EXP_Q: [f32; 3] = bits([0x3F80_0000, 0xBE8C_6857, 0x3CB0_E832]);
/// ln(2) split in two (Cody and Waite) so that k * ln(2) is subtracted with little rounding.
const LN2_HIGH: f32 = f32::from_bits(0xBF31_7200);
const LN2_LOW: f32 = f32::from_bits(0xB5BF_BE8E);
/// At or above this exp is inf, at or below this it is 0.
const EXP_MAX: f32 = f32::from_bits(0x42B1_7218);
const EXP_MIN: f32 = f32::from_bits(0xC2CF_F1B5);

const fn bits<const N: usize>(b: [u32; N]) -> [f32; N] {
    let mut out = [0.0; N];
    let mut i = 0;
    while i < N {
        out[i] = f32::from_bits(b[i]);
        i += 1;
    }
    out
}

/// `p[n-1] * y^(n-1) + ... + p[0]` as NumPy's kernel evaluates it (Horner, fused).
fn horner(p: &[f32], y: f32) -> f32 {
    let n = p.len();
    let mut acc = p[n - 1].mul_add(y, p[n - 2]);
    for &c in p[..n - 2].iter().rev() {
        acc = acc.mul_add(y, c);
    }
    acc
}

/// x = m * 2^e with m in [0.5, 1) for a finite x > 0 (denormals included), as AVX512's
/// `getmant`/`getexp` (and the AVX2 kernel's bit manipulation) split it.
fn split(x: f32) -> (f32, f32) {
    let (x, bias) = if x < f32::MIN_POSITIVE {
        (x * 2f32.powi(100), 100.0)
    } else {
        (x, 0.0)
    };
    let bits = x.to_bits();
    let e = ((bits >> 23) & 0xff) as i32 - 126;
    let m = f32::from_bits((bits & 0x007f_ffff) | (126 << 23));
    (m, e as f32 - bias)
}

/// NumPy's float32 `np.log(x)`.
pub fn log(x: f32) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    if x < 0.0 {
        return -f32::NAN;
    }
    if x == 0.0 {
        return f32::NEG_INFINITY;
    }
    if x == f32::INFINITY {
        return x;
    }
    let (mut m, mut e) = split(x);
    if m <= std::f32::consts::FRAC_1_SQRT_2 {
        m += m;
        e -= 1.0;
    }
    let y = m - 1.0;
    let poly = horner(&LOG_P, y) / horner(&LOG_Q, y);
    e.mul_add(std::f32::consts::LN_2, poly)
}

/// NumPy's float32 `np.exp(x)`.
pub fn exp(x: f32) -> f32 {
    if x.is_nan() {
        return f32::NAN;
    }
    if x >= EXP_MAX {
        return f32::INFINITY;
    }
    if x <= EXP_MIN {
        return 0.0;
    }
    // k = rint(x / ln 2), by NumPy's magic-number rounding in float32
    let magic = 12_582_912.0f32;
    let k = (x * std::f32::consts::LOG2_E + magic) - magic;
    let r = k.mul_add(LN2_LOW, k.mul_add(LN2_HIGH, x));
    let poly = horner(&EXP_P, r) / horner(&EXP_Q, r);
    // poly * 2^k, rounded once (AVX512's scalef; the AVX2 kernel's exponent add or division)
    (poly as f64 * 2f64.powi(k as i32)) as f32
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// NumPy 1.26.4's own bits (tests/conformance/kernels/numpy_float32.json, gen_numpy.py).
    #[test]
    fn log_and_exp_are_numpys_bits() {
        let data: Value = serde_json::from_str(include_str!(
            "../../../tests/conformance/kernels/numpy_float32.json"
        ))
        .unwrap();
        for (name, f) in [("log", super::log as fn(f32) -> f32), ("exp", super::exp)] {
            let cases = data[name].as_array().unwrap();
            assert!(cases.len() > 100, "{name}: the fixture is missing");
            let mut wrong = Vec::new();
            for pair in cases {
                let bits = |i: usize| u32::from_str_radix(pair[i].as_str().unwrap(), 16).unwrap();
                let (x, want) = (f32::from_bits(bits(0)), f32::from_bits(bits(1)));
                let got = f(x);
                if !(got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan())) {
                    wrong.push(format!("{name}({x:e}) = {got:e}, NumPy {want:e}"));
                }
            }
            assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        }
    }
}
