//! The numbers behind a chart: axis ranges, round tick values and their labels, and a curve's
//! points split where it is not finite, with jumps drawn as steps.

/// The finite points of a curve in runs (a NaN or infinity breaks the line), with each jump
/// between two flat stretches drawn as a vertical step rather than a slanted ramp.
pub fn curve(z: &[f64], y: &[f64]) -> Vec<Vec<(f64, f64)>> {
    let n = z.len().min(y.len());
    let mut runs = Vec::new();
    let mut run: Vec<(f64, f64)> = Vec::new();
    for i in 0..n {
        if !(z[i].is_finite() && y[i].is_finite()) {
            if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
            continue;
        }
        if i > 0 && !run.is_empty() && is_jump(z, y, i - 1) {
            let at = jump_at(z[i - 1], z[i]);
            if at != z[i - 1] {
                run.push((at, y[i - 1]));
            }
            if at != z[i] {
                run.push((at, y[i]));
            }
        }
        run.push((z[i], y[i]));
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// Whether y changes between samples `i` and `i + 1` while it is flat on each side of them
/// (relu's gradient going from 0 to 1): a discontinuity, not a slope.
fn is_jump(z: &[f64], y: &[f64], i: usize) -> bool {
    let n = z.len().min(y.len());
    if i + 1 >= n || y[i] == y[i + 1] {
        return false;
    }
    let flat_before = i == 0 || y[i - 1] == y[i];
    let flat_after = i + 2 >= n || y[i + 2] == y[i + 1];
    flat_before && flat_after && (i > 0 || i + 2 < n)
}

/// Where a jump between samples at `a` and `b` is drawn: at the one that lies on a whole number
/// if one does (the activations' kinks sit at 0 and 6), else halfway.
fn jump_at(a: f64, b: f64) -> f64 {
    if a.fract() == 0.0 {
        a
    } else if b.fract() == 0.0 {
        b
    } else {
        (a + b) / 2.0
    }
}

pub fn x_range(z: &[f64]) -> (f64, f64) {
    let finite = || z.iter().copied().filter(|v| v.is_finite());
    let lo = finite().fold(f64::INFINITY, f64::min);
    let hi = finite().fold(f64::NEG_INFINITY, f64::max);
    match (lo.is_finite(), hi > lo) {
        (true, true) => (lo, hi),
        (true, false) => (lo - 1.0, lo + 1.0),
        _ => (-1.0, 1.0),
    }
}

/// The y range of one curve, with room at the top for its legend.
pub fn y_range(z: &[f64], y: &[f64]) -> (f64, f64) {
    let ys = z
        .iter()
        .zip(y)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(_, b)| *b);
    let (lo, hi) = ys.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() {
        return (-1.0, 1.0);
    }
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - 0.08 * span, hi + 0.35 * span)
}

/// About `target` round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) in [lo, hi].
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || target == 0 {
        return vec![];
    }
    let raw = (hi - lo) / target as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            // 0.1 * 3 is 0.30000000000000004: round to the step's own precision
            let digits = (-step.log10().floor()).max(0.0) as i32 + 2;
            let p = 10f64.powi(digits);
            (v * p).round() / p
        })
        .collect()
}

/// Tick labels without float noise: "-10", "0.25", "0.00005", "1.5e-6", "2e6".
pub fn tick(v: f64) -> String {
    fn trim(m: &str) -> &str {
        if m.contains('.') {
            m.trim_end_matches('0').trim_end_matches('.')
        } else {
            m
        }
    }
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() >= 0.95e-5 && v.abs() < 1e6 {
        return trim(&format!("{v:.6}")).to_string();
    }
    let s = format!("{v:.3e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    format!("{}e{exp}", trim(mantissa))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_read_short() {
        assert_eq!(tick(-10.0), "-10");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(1e-5), "0.00001");
        assert_eq!(tick(-0.00009999999999999999), "-0.0001");
        assert_eq!(tick(1.5e-6), "1.5e-6");
        assert_eq!(tick(-5e-4), "-0.0005");
        assert_eq!(tick(0.30000000000000004), "0.3");
        assert_eq!(tick(2e6), "2e6");
    }

    #[test]
    fn ticks_are_round_numbers_inside_the_range() {
        assert_eq!(
            nice_ticks(-10.0, 10.0, 10),
            vec![-10.0, -8.0, -6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0, 8.0, 10.0]
        );
        assert_eq!(nice_ticks(-0.08, 1.35, 5), vec![0.0, 0.5, 1.0]);
        assert_eq!(nice_ticks(0.0, 0.3, 3), vec![0.0, 0.1, 0.2, 0.3]);
        assert!(nice_ticks(1.0, 1.0, 5).is_empty());
    }

    #[test]
    fn a_jump_between_flat_stretches_is_a_vertical_step_at_the_kink() {
        // relu's gradient on a grid through 0: 0 up to and at z = 0, then 1
        let z = [-1.0, -0.5, 0.0, 0.5, 1.0];
        let g = [0.0, 0.0, 0.0, 1.0, 1.0];
        let runs = curve(&z, &g);
        assert_eq!(
            runs,
            vec![vec![
                (-1.0, 0.0),
                (-0.5, 0.0),
                (0.0, 0.0),
                (0.0, 1.0),
                (0.5, 1.0),
                (1.0, 1.0)
            ]]
        );
    }

    #[test]
    fn slopes_stay_slopes_and_non_finite_points_break_the_line() {
        let z = [0.0, 1.0, 2.0, 3.0];
        assert_eq!(curve(&z, &[0.0, 1.0, 2.0, 3.0]).len(), 1);
        assert_eq!(curve(&z, &[0.0, 1.0, 2.0, 3.0])[0].len(), 4);
        let runs = curve(&z, &[0.0, f64::NAN, 2.0, 3.0]);
        assert_eq!(runs, vec![vec![(0.0, 0.0)], vec![(2.0, 2.0), (3.0, 3.0)]]);
    }
}
