//! Decimal digits of f32/f64 values, and NumPy's Dragon4 positional and scientific layouts.
//!
//! Rust's `{:e}` gives the shortest digits that round-trip in the value's own type (what
//! Dragon4's unique mode and Python's `repr` give), and `{:.N}` / `{:.Ne}` round the exact binary
//! value half-to-even (what Dragon4 and CPython's dtoa do past a cutoff). Everything here is built
//! on those two, so float32 prints its own shortest digits, not those of its float64 widening.

use std::fmt::{Display, LowerExp};

/// A float type whose digits can be printed.
pub trait Float: Copy + Display + LowerExp + PartialOrd + Default {
    fn to_f64(self) -> f64;
    fn is_finite(self) -> bool;
    fn is_nan(self) -> bool;
    fn is_sign_negative(self) -> bool;
    fn abs(self) -> Self;
}

macro_rules! float_impl {
    ($t:ty) => {
        impl Float for $t {
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
            fn is_nan(self) -> bool {
                <$t>::is_nan(self)
            }
            fn is_sign_negative(self) -> bool {
                <$t>::is_sign_negative(self)
            }
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
        }
    };
}
float_impl!(f32);
float_impl!(f64);

/// Decimal digits `d0 d1 d2 …` (no trailing zeros) and the power of ten of the first one:
/// the magnitude is `d0.d1d2… × 10^exp`. Zero is `"0"` with `exp` 0.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digits {
    pub digits: String,
    pub exp: i32,
}

impl Digits {
    /// Digits after the decimal point in positional notation.
    pub fn frac_len(&self) -> usize {
        (self.digits.len() as i32 - 1 - self.exp).max(0) as usize
    }

    fn zero() -> Digits {
        Digits {
            digits: "0".into(),
            exp: 0,
        }
    }

    /// Parses Rust's `{:e}` output of a non-negative finite value (`1.25e-3`).
    fn from_sci(s: &str) -> Digits {
        let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
        Digits { digits, exp }.normalized()
    }

    /// Parses Rust's `{:.N}` output of a non-negative finite value (`123.4500`).
    fn from_fixed(s: &str) -> Digits {
        let int_len = s.find('.').unwrap_or(s.len()) as i32;
        let digits: String = s.chars().filter(|c| c.is_ascii_digit()).collect();
        Digits {
            digits,
            exp: int_len - 1,
        }
        .normalized()
    }

    fn normalized(mut self) -> Digits {
        let lead = self.digits.bytes().take_while(|&b| b == b'0').count();
        if lead == self.digits.len() {
            return Digits::zero();
        }
        self.digits.drain(..lead);
        self.exp -= lead as i32;
        let kept = self.digits.trim_end_matches('0').len();
        self.digits.truncate(kept);
        self
    }
}

/// The shortest digits that read back as `v` in its own type (sign ignored; `v` finite).
///
/// Of two shortest candidates equally near `v`, Rust's `{:e}` may take the upper; Dragon4 and
/// CPython's dtoa take the even one, which is `v` rounded half-to-even at that length.
pub fn shortest<F: Float>(v: F) -> Digits {
    let d = Digits::from_sci(&format!("{:e}", v.abs()));
    if d.digits == "0" {
        return d;
    }
    exact_sig(v, d.digits.len())
}

/// `v` rounded half-to-even (on its exact value) to `n` digits after the point.
pub fn exact_frac<F: Float>(v: F, n: usize) -> Digits {
    Digits::from_fixed(&format!("{:.*}", n, v.abs()))
}

/// `v` rounded half-to-even (on its exact value) to `n >= 1` significant digits.
pub fn exact_sig<F: Float>(v: F, n: usize) -> Digits {
    Digits::from_sci(&format!("{:.*e}", n.max(1) - 1, v.abs()))
}

/// Dragon4's trim modes (`trim=` of `np.format_float_positional`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trim {
    /// `'k'`: keep trailing zeros (padding to the precision) and the point.
    Keep,
    /// `'.'`: drop trailing zeros, keep the point (`1.`).
    Dot,
    /// `'0'`: drop trailing zeros but leave one after the point (`1.0`).
    LeaveOneZero,
    /// `'-'`: drop trailing zeros and the point (`1`).
    DotZeros,
}

/// Options of NumPy's `dragon4_positional` / `dragon4_scientific`.
#[derive(Clone, Debug)]
pub struct Dragon {
    /// At most this many digits after the point (positional) or after the first digit.
    pub precision: Option<usize>,
    /// At least this many (in unique mode), rounding the exact value.
    pub min_digits: Option<usize>,
    /// Shortest round-trip digits (true) or the exact value cut at `precision` (false).
    pub unique: bool,
    pub trim: Trim,
    /// Always print a sign.
    pub sign: bool,
    /// Characters (sign included) left of the point, padded with spaces.
    pub pad_left: usize,
    /// Characters right of the point, padded with spaces (positional only).
    pub pad_right: Option<usize>,
    /// At least this many exponent digits (scientific only; 2 when unset).
    pub exp_digits: Option<usize>,
}

impl Default for Dragon {
    fn default() -> Self {
        Dragon {
            precision: None,
            min_digits: None,
            unique: true,
            trim: Trim::Keep,
            sign: false,
            pad_left: 0,
            pad_right: None,
            exp_digits: None,
        }
    }
}

/// `inf`, `-inf` or `nan` as Dragon4 prints them (a NaN's sign is never shown).
fn non_finite<F: Float>(v: F, sign: bool) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    let s = if v.is_sign_negative() {
        "-"
    } else if sign {
        "+"
    } else {
        ""
    };
    format!("{s}inf")
}

fn sign_str<F: Float>(v: F, sign: bool) -> &'static str {
    if v.is_sign_negative() {
        "-"
    } else if sign {
        "+"
    } else {
        ""
    }
}

/// Strips trailing zeros after the point as Dragon4 does for every trim mode but `Keep`,
/// returning the number of fraction digits left.
fn trim_zeros(out: &mut String, mut frac: usize, trim: Trim) -> usize {
    if trim != Trim::Keep && frac > 0 {
        while out.ends_with('0') && frac > 0 {
            out.pop();
            frac -= 1;
        }
        if out.ends_with('.') {
            match trim {
                Trim::LeaveOneZero => {
                    out.push('0');
                    frac += 1;
                }
                Trim::DotZeros => {
                    out.pop();
                }
                _ => {}
            }
        }
    }
    frac
}

/// `np.format_float_positional(v, ...)` with `fractional=True`.
pub fn positional<F: Float>(v: F, o: &Dragon) -> String {
    if !v.is_finite() {
        return non_finite(v, o.sign);
    }
    let d = if o.unique {
        let s = shortest(v);
        match (o.precision, o.min_digits) {
            (Some(p), _) if s.frac_len() > p => exact_frac(v, p),
            (_, Some(m)) if s.frac_len() < m => exact_frac(v, m),
            _ => s,
        }
    } else {
        exact_frac(v, o.precision.unwrap_or(0))
    };
    let sign = sign_str(v, o.sign);
    let mut out = String::from(sign);
    let (whole_len, mut frac) = if d.exp >= 0 {
        let whole = d.exp as usize + 1;
        if d.digits.len() <= whole {
            out.push_str(&d.digits);
            out.extend(std::iter::repeat_n('0', whole - d.digits.len()));
            (whole, 0)
        } else {
            out.push_str(&d.digits[..whole]);
            out.push('.');
            out.push_str(&d.digits[whole..]);
            (whole, d.digits.len() - whole)
        }
    } else {
        let zeros = (-d.exp - 1) as usize;
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', zeros));
        out.push_str(&d.digits);
        (1, zeros + d.digits.len())
    };
    if o.trim != Trim::DotZeros && frac == 0 {
        out.push('.');
    }
    let add = if o.unique { o.min_digits } else { o.precision }.unwrap_or(0);
    if o.trim == Trim::LeaveOneZero {
        if frac == 0 {
            out.push('0');
            frac = 1;
        }
    } else if o.trim == Trim::Keep && add > frac {
        out.extend(std::iter::repeat_n('0', add - frac));
        frac = add;
    }
    frac = trim_zeros(&mut out, frac, o.trim);
    if let Some(right) = o.pad_right {
        if right >= frac {
            if o.trim == Trim::DotZeros && frac == 0 {
                out.push(' ');
            }
            out.extend(std::iter::repeat_n(' ', right - frac));
        }
    }
    let left = whole_len + sign.len();
    if o.pad_left > left {
        out.insert_str(0, &" ".repeat(o.pad_left - left));
    }
    out
}

/// `np.format_float_scientific(v, ...)`.
pub fn scientific<F: Float>(v: F, o: &Dragon) -> String {
    if !v.is_finite() {
        return non_finite(v, o.sign);
    }
    let d = if o.unique {
        let s = shortest(v);
        let frac = s.digits.len() - 1;
        match (o.precision, o.min_digits) {
            (Some(p), _) if frac > p => exact_sig(v, p + 1),
            (_, Some(m)) if frac < m => exact_sig(v, m + 1),
            _ => s,
        }
    } else {
        exact_sig(v, o.precision.unwrap_or(0) + 1)
    };
    let sign = sign_str(v, o.sign);
    let mut out = " ".repeat(o.pad_left.saturating_sub(1 + sign.len()));
    out.push_str(sign);
    out.push_str(&d.digits[..1]);
    let mut frac = d.digits.len() - 1;
    if frac > 0 {
        out.push('.');
        out.push_str(&d.digits[1..]);
    }
    if o.trim != Trim::DotZeros && frac == 0 {
        out.push('.');
    }
    let add = if o.unique { o.min_digits } else { o.precision }.unwrap_or(0);
    if o.trim == Trim::LeaveOneZero {
        if frac == 0 {
            out.push('0');
            frac = 1;
        }
    } else if o.trim == Trim::Keep && add > frac {
        out.extend(std::iter::repeat_n('0', add - frac));
    }
    trim_zeros(&mut out, frac, o.trim);
    let width = o.exp_digits.unwrap_or(2);
    let e = d.exp;
    out.push_str(&format!(
        "e{}{:0width$}",
        if e < 0 { '-' } else { '+' },
        e.abs()
    ));
    out
}
