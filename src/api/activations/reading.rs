//! One sentence per activation that says what its gradient does to the backward signal, built
//! from the numbers of the grid actually computed, so it stays true when the grid changes.

use super::curve::{Curve, VANISHING};

/// `0.25` not `0.250000`, `1.0507` not `1.0507009873554805`.
fn num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let s = if v.abs() >= 0.001 {
        format!("{v:.5}")
    } else {
        format!("{v:.2e}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

fn pct(share: f64) -> String {
    format!("{:.1}%", 100.0 * share)
}

/// How many `n`-fold a gradient of at most `max` shrinks a signal: "4-fold", "3.9-fold".
fn fold(max: f64) -> String {
    let k = 1.0 / max;
    if (k - k.round()).abs() < 1e-9 {
        format!("{}-fold", k.round())
    } else {
        format!("{k:.1}-fold")
    }
}

struct Facts<'a> {
    g: Vec<f64>,
    z: Vec<f64>,
    c: &'a Curve,
}

impl Facts<'_> {
    fn share(&self, pred: impl Fn(f64, f64) -> bool) -> f64 {
        let n = self
            .g
            .iter()
            .zip(&self.z)
            .filter(|(&g, &z)| pred(z, g))
            .count();
        if self.g.is_empty() {
            0.0
        } else {
            n as f64 / self.g.len() as f64
        }
    }
    fn vanishing(&self) -> String {
        format!(
            "|gradient| < {VANISHING} on {} of the grid",
            pct(self.c.summary.vanishing_share)
        )
    }
    fn peak(&self) -> String {
        let s = &self.c.summary;
        format!(
            "at most {} (at z = {})",
            num(s.max_abs_gradient),
            num(s.argmax_z)
        )
    }
    /// What the largest gradient does to a signal passing back through one layer.
    fn effect(&self) -> String {
        let max = self.c.summary.max_abs_gradient;
        if !max.is_finite() {
            "which this grid's numbers cannot bound".into()
        } else if max == 0.0 {
            "so no signal at all passes back on this grid".into()
        } else if (max - 1.0).abs() < 1e-12 {
            "so at best it passes the backward signal unchanged".into()
        } else if (max - 1.0).abs() < 0.01 {
            "so at best it passes the backward signal almost unchanged".into()
        } else if max < 1.0 {
            format!(
                "so each layer shrinks the backward signal at least {}",
                fold(max)
            )
        } else {
            format!("so it can amplify the backward signal up to {}x", num(max))
        }
    }
    fn dip(&self) -> Option<String> {
        let s = &self.c.summary;
        (s.min_gradient < 0.0).then(|| {
            format!(
                "it turns negative (down to {} at z = {}), flipping the signal there",
                num(s.min_gradient),
                num(s.argmin_z)
            )
        })
    }
}

/// The sentence for a computed curve.
pub fn reading(c: &Curve) -> String {
    let f = Facts {
        g: c.gradient.to_f64_vec(),
        z: c.z.to_f64_vec(),
        c,
    };
    let name = c.name;
    if f.g.is_empty() {
        return format!("{name}: the grid is empty, so there is nothing to read");
    }
    let ones = f.share(|_, g| g == 1.0);
    let zeros = f.share(|_, g| g == 0.0);
    match name {
        "relu" => format!(
            "relu's gradient is exactly 1 on {} of the grid (z > 0) and exactly 0 on {} (z <= 0): the first part passes the backward signal unchanged, the rest kills it",
            pct(ones),
            pct(zeros)
        ),
        "relu6" => format!(
            "relu6's gradient is exactly 1 on {} of the grid (0 < z < 6) and exactly 0 on {}: it passes the signal unchanged inside that window and blocks it where the unit is off or capped",
            pct(ones),
            pct(zeros)
        ),
        "leaky_relu" => {
            let alpha = c.alpha.unwrap_or(super::curve::DEFAULT_ALPHA);
            let (pos, neg) = (f.share(|z, _| z > 0.0), f.share(|z, _| z <= 0.0));
            let meaning = if alpha == 0.0 {
                "like relu, the negative side passes nothing back".to_string()
            } else {
                let flip = if alpha < 0.0 { ", sign flipped" } else { "" };
                format!("no unit goes silent, the negative side still passes {}% of the signal back{flip}", num(100.0 * alpha.abs()))
            };
            format!(
                "leaky_relu's gradient is exactly 1 on {} of the grid (z > 0) and alpha = {} on the other {} (z <= 0): {meaning}",
                pct(pos),
                num(alpha),
                pct(neg)
            )
        }
        "elu" => format!(
            "elu's gradient is exactly 1 on {} of the grid and e^z < 1 below zero, with {}: negative inputs pass a signal that fades exponentially instead of stopping at once",
            pct(ones),
            f.vanishing()
        ),
        "selu" => {
            let amplify = f.share(|_, g| g > 1.0);
            format!(
                "selu's gradient is {}, above 1 on {} of the grid, where it amplifies the backward signal (1.0507 for z >= 0, 1.7581 e^z below 0), and {}",
                f.peak(),
                pct(amplify),
                f.vanishing()
            )
        }
        "sigmoid" | "tanh" => format!(
            "{name}'s gradient is {}, {}, and {}: saturated units pass almost nothing back",
            f.peak(),
            f.effect(),
            f.vanishing()
        ),
        "softplus" => {
            let never_zero = if zeros == 0.0 { "never exactly 0 here, so no unit dies" } else { "exactly 0 only where sigmoid underflows" };
            format!("softplus's gradient is sigmoid(z), {}, {}; {}, and {}", f.peak(), f.effect(), never_zero, f.vanishing())
        }
        "softsign" => format!(
            "softsign's gradient 1/(1+|z|)^2 is {}, {}; it decays only polynomially, with {}",
            f.peak(),
            f.effect(),
            f.vanishing()
        ),
        _ => {
            // gelu and silu: smooth, near 1 for large z, slightly above 1 past the bend, and
            // briefly negative left of zero.
            let mut s = format!("{name}'s gradient is {}, {}", f.peak(), f.effect());
            if let Some(d) = f.dip() {
                s += &format!("; {d}");
            }
            s + &format!("; {}", f.vanishing())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_short() {
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(1.0), "1");
        assert_eq!(num(-9.84375), "-9.84375");
        assert_eq!(num(1.1288909084348568), "1.12889");
        assert_eq!(num(4.5e-5), "4.50e-5");
        assert_eq!(fold(0.25), "4-fold");
        assert_eq!(pct(64.0 / 129.0), "49.6%");
    }
}
