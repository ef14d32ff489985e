//! Element-by-element comparison within a check's tolerance: `|got - expected| <= atol +
//! rtol·|expected|` as NumPy's `allclose` (PrairieLearn's `relabs`), or PrairieLearn's
//! significant-figure comparison (`is_correct_scalar_sf`).

/// A check's tolerance.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tolerance {
    RelAbs { rtol: f64, atol: f64 },
    SigFigs(u32),
}

impl Tolerance {
    /// Whether `got` is within tolerance of `expected`.
    pub fn close(self, got: f64, expected: f64) -> bool {
        if expected.is_nan() {
            // PrairieLearn's sigfig compare accepts NaN for NaN; allclose (equal_nan=False) never.
            return matches!(self, Tolerance::SigFigs(_)) && got.is_nan();
        }
        if expected.is_infinite() {
            return got == expected;
        }
        match self {
            Tolerance::RelAbs { rtol, atol } => {
                (got - expected).abs() <= atol + rtol * expected.abs()
            }
            Tolerance::SigFigs(digits) => {
                // n = digits after the decimal point that `digits` significant figures of the
                // expected value reach; the answer must lie within 0.51 units of the last one.
                let n = if expected == 0.0 {
                    digits as i32 - 1
                } else {
                    -(expected.abs().log10().floor() as i32) + (digits as i32 - 1)
                };
                let eps = 0.51 * 10f64.powi(-n);
                got > expected - eps && got < expected + eps
            }
        }
    }

    pub fn describe(self) -> String {
        match self {
            Tolerance::RelAbs { rtol, atol } => format!("rtol {rtol:e}, atol {atol:e}"),
            Tolerance::SigFigs(d) => format!("{d} significant figures"),
        }
    }
}

/// How two same-shaped arrays differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Diff {
    pub total: usize,
    /// Elements within tolerance.
    pub within: usize,
    /// The flat index of the element furthest out of tolerance (NaN counts as furthest).
    pub worst: Option<usize>,
    /// The largest |got - expected| over all elements (None when one is not finite).
    pub max_abs_error: Option<f64>,
}

impl Diff {
    pub fn passed(&self) -> bool {
        self.within == self.total
    }
}

pub fn diff(got: &[f64], expected: &[f64], tol: Tolerance) -> Diff {
    let mut within = 0;
    let mut worst: Option<(usize, f64)> = None;
    let mut max_abs = Some(0.0f64);
    for (i, (&g, &e)) in got.iter().zip(expected).enumerate() {
        let err = (g - e).abs();
        let err = if g == e { 0.0 } else { err };
        max_abs = match max_abs {
            Some(m) if err.is_finite() => Some(m.max(err)),
            _ => None,
        };
        if tol.close(g, e) {
            within += 1;
            continue;
        }
        let badness = if err.is_nan() { f64::INFINITY } else { err };
        if worst.is_none_or(|(_, w)| badness > w) {
            worst = Some((i, badness));
        }
    }
    Diff {
        total: expected.len(),
        within,
        worst: worst.map(|(i, _)| i),
        max_abs_error: max_abs,
    }
}

/// A flat index as a multi-index into `shape` (row-major).
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for (d, &n) in shape.iter().enumerate().rev() {
        if n > 0 {
            idx[d] = flat % n;
            flat /= n;
        }
    }
    idx
}

/// The transpose of a row-major matrix.
pub fn transpose2(data: &[f64], rows: usize, cols: usize) -> Vec<f64> {
    let mut out = vec![0.0; data.len()];
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = data[r * cols + c];
        }
    }
    out
}

/// The least-squares `c` in `got ≈ c·expected`, when one exists.
pub fn factor(got: &[f64], expected: &[f64]) -> Option<f64> {
    let num: f64 = got.iter().zip(expected).map(|(g, e)| g * e).sum();
    let den: f64 = expected.iter().map(|e| e * e).sum();
    let c = num / den;
    (den > 0.0 && c.is_finite()).then_some(c)
}

/// A constant factor worth telling a student: `got` is `k·expected`, element by element.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    pub k: f64,
    /// How a common factor's size is written ("2", "1/3"), when |k| is one; -1 is a flipped
    /// sign.
    pub common: Option<String>,
}

/// Factors that mistakes make: a flipped sign, a doubled or halved loss, a mean over n taken
/// as a sum (or the reverse), a unit off by a power of ten.
const COMMON: [f64; 12] = [
    1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 100.0, 1000.0,
];

fn common_factors() -> impl Iterator<Item = (f64, String)> {
    let sizes = COMMON.iter().flat_map(|&n| {
        let part = (n != 1.0).then(|| (1.0 / n, format!("1/{n}")));
        std::iter::once((n, format!("{n}"))).chain(part)
    });
    // +1 is the right answer, not a factor
    sizes
        .flat_map(|(k, name)| [(-k, name.clone()), (k, name)])
        .filter(|(k, _)| *k != 1.0)
}

/// How far `got` may stray from `k·expected` and still be that scale of it: a student who
/// flips a sign or doubles a loss usually also rounds (10.26 for 10.2624), so a scale is
/// recognised within 1% of each element, or within 0.1% of the largest element (one that is
/// rounding noise beside the rest), as well as within the check's own tolerance. A wrong
/// answer that is not a scale misses some element by far more than 1%.
const SCALE_RTOL: f64 = 0.01;
const SCALE_FLOOR: f64 = 1e-3;

/// Whether `got` is `k·expected` within `SCALE_RTOL` (or the check's tolerance) everywhere.
fn is_scale(got: &[f64], expected: &[f64], k: f64, tol: Tolerance) -> bool {
    let scaled: Vec<f64> = expected.iter().map(|x| x * k).collect();
    let largest = scaled.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    got.iter().zip(&scaled).all(|(&g, &s)| {
        tol.close(g, s) || (g - s).abs() <= SCALE_RTOL * s.abs() + SCALE_FLOOR * largest
    })
}

/// The factor relating a wrong `got` to `expected`, when saying so informs. `k` is the
/// least-squares `<got, expected> / <expected, expected>`, so rounding in the answer does not
/// hide the scale. A common factor (-1, 2, 1/2, 3, ..., 1000) near it is named; with one
/// non-zero expected element (a scalar, say) any wrong value is some multiple of the right
/// one, so only a common factor is; with two or more, a single k that fits all of them is a
/// scale applied to the whole answer, and is named whatever it is. A k within 1% of 1 is the
/// right answer imprecisely given (the worst element says where), not a factor.
pub fn informative_factor(got: &[f64], expected: &[f64], tol: Tolerance) -> Option<Factor> {
    let k = factor(got, expected)?;
    if k.abs() <= 1e-12 || got.iter().all(|g| tol.close(*g, 0.0)) {
        return None;
    }
    let near = |c: f64| (k - c).abs() <= SCALE_RTOL * c.abs();
    if let Some((c, name)) =
        common_factors().find(|(c, _)| near(*c) && is_scale(got, expected, *c, tol))
    {
        return Some(Factor {
            k: c,
            common: Some(name),
        });
    }
    let nonzero = expected.iter().filter(|x| !tol.close(0.0, **x)).count();
    (nonzero >= 2 && !near(1.0) && is_scale(got, expected, k, tol))
        .then_some(Factor { k, common: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relabs_is_allclose() {
        let t = Tolerance::RelAbs {
            rtol: 1e-4,
            atol: 1e-6,
        };
        // bound at 2.0 is 1e-6 + 2e-4 = 2.01e-4
        assert!(t.close(2.0002, 2.0));
        assert!(!t.close(2.00021, 2.0));
        assert!(t.close(f64::INFINITY, f64::INFINITY));
        assert!(!t.close(f64::NAN, f64::NAN));
    }

    #[test]
    fn sigfigs_as_prairielearn() {
        // 3 sig figs of 0.145063: n = -floor(log10 0.145063) + 2 = 1 + 2 = 3, eps = 0.51e-3
        let t = Tolerance::SigFigs(3);
        assert!(t.close(0.145, 0.145063));
        assert!(t.close(0.1455, 0.145063)); // 0.1455 - 0.145063 = 4.37e-4 < 5.1e-4
        assert!(!t.close(0.1456, 0.145063)); // 5.37e-4 > 5.1e-4
                                             // expected 0 with 2 digits: n = 1, eps = 0.051
        assert!(Tolerance::SigFigs(2).close(0.05, 0.0));
        assert!(!Tolerance::SigFigs(2).close(0.052, 0.0));
        // 120 to 2 sig figs: n = -2 + 1 = -1, eps = 5.1
        assert!(Tolerance::SigFigs(2).close(125.0, 120.0));
        assert!(!Tolerance::SigFigs(2).close(125.2, 120.0));
    }

    #[test]
    fn diff_finds_the_worst_element() {
        let t = Tolerance::RelAbs {
            rtol: 0.0,
            atol: 0.1,
        };
        let d = diff(&[1.0, 2.5, 3.2, 4.0], &[1.0, 2.0, 3.0, 4.05], t);
        assert_eq!((d.within, d.total, d.worst), (2, 4, Some(1)));
        assert_eq!(d.max_abs_error, Some(0.5));
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(
            transpose2(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3),
            vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]
        );
        assert_eq!(factor(&[2.0, 4.0], &[1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn a_factor_is_named_only_when_it_informs() {
        let t = Tolerance::RelAbs {
            rtol: 1e-4,
            atol: 1e-6,
        };
        let k = |g: &[f64], e: &[f64]| informative_factor(g, e, t).map(|f| (f.k, f.common));
        // one non-zero element: any value is some multiple of it
        assert_eq!(k(&[15.0], &[14.0]), None);
        assert_eq!(k(&[-1.2, 0.0], &[-1.156, 0.0]), None);
        assert_eq!(k(&[28.0], &[14.0]), Some((2.0, Some("2".into()))));
        assert_eq!(k(&[7.0], &[21.0]), Some((1.0 / 3.0, Some("1/3".into()))));
        // two or more: one k for all of them is a scale
        assert_eq!(k(&[1.5, 3.0], &[1.0, 2.0]), Some((1.5, None)));
        assert_eq!(k(&[1.5, 3.1], &[1.0, 2.0]), None);
        // a flipped sign or a factor given rounded, as a student writes it: the least-squares
        // k of [-10.26, -16.2] against [10.2624, 16.2038] is -0.99985, and each element is
        // within 0.03% of the negated one
        assert_eq!(
            k(&[-10.26, -16.2, -0.135], &[10.2624, 16.2038, 0.13503]),
            Some((-1.0, Some("1".into())))
        );
        assert_eq!(
            k(&[20.5, 32.4, 0.27], &[10.2624, 16.2038, 0.13503]),
            Some((2.0, Some("2".into())))
        );
        assert_eq!(k(&[-7.0], &[21.0]), Some((-1.0 / 3.0, Some("1/3".into()))));
        // one element not flipped is not a flipped sign, however small beside the rest
        // (0.1% of the largest, 1, is less than its error, 2)
        assert_eq!(k(&[-1000.0, 1.0], &[1000.0, 1.0]), None);
        // within 1% of the answer is the answer imprecisely given, not a factor
        assert_eq!(k(&[1.005, 2.01], &[1.0, 2.0]), None);
        // zeros are no answer at all
        assert_eq!(k(&[0.0, 0.0], &[1.0, 2.0]), None);
    }
}
