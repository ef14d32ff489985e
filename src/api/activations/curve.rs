//! One activation's curve and gradient, computed by the engine's tape exactly as a
//! `/v1/evaluate` program would (no hand-written derivatives), plus the numbers that sum it up.

use crate::engine::{
    Answer, DType, Error, Input, Limits, Lit, Names, NodeSpec, Program, Request, Shaped, TapeSpec,
    Tensor,
};

/// The activations served, in the order they are listed to clients: the registry's.
pub static NAMES: std::sync::LazyLock<Vec<&'static str>> =
    std::sync::LazyLock::new(|| crate::engine::ops::registry::activation_names().collect());

/// TensorFlow's default `alpha` for `tf.nn.leaky_relu`.
pub const DEFAULT_ALPHA: f64 = 0.2;

/// Below this a gradient counts as vanishing: ten layers of it shrink a signal 10^20-fold.
pub const VANISHING: f64 = 0.01;

/// The z grid: `tf.linspace(start, stop, num)` in `dtype`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Grid {
    pub start: f64,
    pub stop: f64,
    pub num: usize,
    pub dtype: DType,
}

/// A computed curve: z, a(z), da/dz (all 1-D tensors of the grid's dtype) and their summary.
pub struct Curve {
    pub name: &'static str,
    pub alpha: Option<f64>,
    pub z: Tensor,
    pub value: Tensor,
    pub gradient: Tensor,
    pub summary: Summary,
}

/// What a reader wants to know about a gradient over the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub max_abs_gradient: f64,
    pub argmax_z: f64,
    pub vanishing_share: f64,
    pub min_gradient: f64,
    pub argmin_z: f64,
}

fn integral(v: f64) -> bool {
    v.fract() == 0.0 && v.abs() < 9.0e15
}

/// The setup node for z. TensorFlow types `tf.linspace(-10, 10, 129)` (Python ints) as float64
/// and `tf.linspace(-10.0, 10.0, 129)` as float32, and the engine's linspace does the same; so
/// integral ends give float64 and float32 asks with float ends. A float64 grid with fractional
/// ends (`tf.linspace(tf.constant(-2.5, tf.float64), ...)`) has no literal spelling, so it is
/// written out as a float64 constant with TensorFlow's formula: ends exact, `start + i * delta`.
fn z_node(g: &Grid) -> NodeSpec {
    let (op, attrs) = match g.dtype {
        DType::F64 if integral(g.start) && integral(g.stop) => (
            "linspace",
            vec![
                ("start", Lit::Int(g.start as i64)),
                ("stop", Lit::Int(g.stop as i64)),
            ],
        ),
        DType::F64 => (
            "constant",
            vec![(
                "value",
                Lit::List(linspace_f64(g).into_iter().map(Lit::Float).collect()),
            )],
        ),
        _ => (
            "linspace",
            vec![("start", Lit::Float(g.start)), ("stop", Lit::Float(g.stop))],
        ),
    };
    let mut attrs: Vec<(String, Lit)> =
        attrs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    if op == "linspace" {
        attrs.push(("num".into(), Lit::Int(g.num as i64)));
    }
    attrs.push(("dtype".into(), Lit::Str(g.dtype.name().into())));
    NodeSpec {
        name: Some("z".into()),
        op: op.into(),
        inputs: vec![],
        attrs,
    }
}

fn linspace_f64(g: &Grid) -> Vec<f64> {
    let n = g.num;
    let delta = if n > 1 {
        (g.stop - g.start) / (n - 1) as f64
    } else {
        0.0
    };
    (0..n)
        .map(|i| match i {
            0 => g.start,
            i if i + 1 == n => g.stop,
            i => g.start + i as f64 * delta,
        })
        .collect()
}

/// The program: z on the tape, `a = activation(z)`, and the gradient of a with respect to z.
/// Every activation is elementwise, so that gradient (of sum(a)) is a'(z) at each grid point.
pub fn program(name: &str, alpha: Option<f64>, grid: &Grid) -> Program {
    let attrs = alpha
        .map(|a| vec![("alpha".to_string(), Lit::Float(a))])
        .unwrap_or_default();
    Program {
        setup: vec![z_node(grid)],
        tape: TapeSpec {
            watch: vec!["z".into()],
            ..TapeSpec::default()
        },
        graph: vec![NodeSpec {
            name: Some("a".into()),
            op: name.into(),
            inputs: vec![Input::Name("z".into())],
            attrs,
        }],
        outputs: vec!["z".into(), "a".into()],
        requests: vec![Request::Gradient {
            target: Names::One("a".into()),
            sources: Names::One("z".into()),
            output_gradients: None,
            zero: false,
            check: None,
        }],
        ..Program::default()
    }
}

/// Runs the program for a known activation (`name` from `NAMES`).
pub fn compute(
    name: &'static str,
    alpha: Option<f64>,
    grid: &Grid,
    limits: &Limits,
) -> Result<Curve, Error> {
    let ev = program(name, alpha, grid).run(limits)?;
    let mut outputs = ev.outputs.into_iter().map(|(_, t)| t);
    let (Some(z), Some(value)) = (outputs.next(), outputs.next()) else {
        return Err(Error::new(
            crate::engine::Code::InvalidArgument,
            "the activation program returned no outputs",
        ));
    };
    let gradient = match ev.results.into_iter().next() {
        Some(Answer::Gradient(Shaped::One(Some(g)))) => g,
        Some(Answer::Error(e)) => return Err(e),
        // Every activation is connected to z; a missing gradient would be an engine bug.
        _ => {
            return Err(Error::new(
                crate::engine::Code::InvalidArgument,
                format!("{name}: the tape returned no gradient"),
            ))
        }
    };
    let summary = summarize(&z.to_f64_vec(), &gradient.to_f64_vec());
    Ok(Curve {
        name,
        alpha,
        z,
        value,
        gradient,
        summary,
    })
}

pub fn summarize(z: &[f64], g: &[f64]) -> Summary {
    let mut s = Summary {
        max_abs_gradient: f64::NAN,
        argmax_z: f64::NAN,
        vanishing_share: 0.0,
        min_gradient: f64::NAN,
        argmin_z: f64::NAN,
    };
    let mut vanishing = 0usize;
    for (&zi, &gi) in z.iter().zip(g) {
        // A NaN gradient is never the max or the min; the first extreme wins ties.
        if !gi.is_nan() {
            if s.max_abs_gradient.is_nan() || gi.abs() > s.max_abs_gradient {
                (s.max_abs_gradient, s.argmax_z) = (gi.abs(), zi);
            }
            if s.min_gradient.is_nan() || gi < s.min_gradient {
                (s.min_gradient, s.argmin_z) = (gi, zi);
            }
        }
        if gi.abs() < VANISHING {
            vanishing += 1;
        }
    }
    if !z.is_empty() {
        s.vanishing_share = vanishing as f64 / z.len() as f64;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_finds_the_peak_the_dip_and_the_flat_share() {
        let s = summarize(
            &[-2.0, -1.0, 0.0, 1.0, 2.0],
            &[0.001, -0.2, 0.25, 0.1, 0.009],
        );
        assert_eq!((s.max_abs_gradient, s.argmax_z), (0.25, 0.0));
        assert_eq!((s.min_gradient, s.argmin_z), (-0.2, -1.0));
        assert_eq!(s.vanishing_share, 0.4); // two of five below 0.01
    }

    #[test]
    fn a_fractional_float64_grid_keeps_its_ends_exact() {
        let g = Grid {
            start: -2.5,
            stop: 0.1,
            num: 27,
            dtype: DType::F64,
        };
        let v = linspace_f64(&g);
        assert_eq!((v[0], v[26], v.len()), (-2.5, 0.1, 27));
        assert_eq!(v[1], -2.5 + 2.6 / 26.0);
    }
}
