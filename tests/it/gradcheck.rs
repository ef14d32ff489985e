//! Every differentiable op's VJP (float64) against central finite differences, on random
//! inputs and shapes: for a random cotangent u and direction v, <u, (f(x+hv) - f(x-hv)) / 2h>
//! must equal <VJP(u), v>.

use gradtape::engine::ops::registry::{self, Family};
use gradtape::engine::ops::{Attrs, Op};
use gradtape::engine::{Ctx, DType, Limits, Lit, Tensor};

/// A small deterministic generator, so a failure replays.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn int(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() * (hi - lo + 1) as f64) as usize % (hi - lo + 1)
    }
}

#[derive(Clone, Copy)]
enum Dom {
    /// any real, kept away from 0 (kinks of relu, abs, ...)
    Any,
    Positive,
    /// rows that sum to 1 along the last axis (labels: TensorFlow's cross-entropy gradient assumes it)
    Distribution,
    /// a fixed non-float input (indices, labels, a condition), not differentiated
    Fixed,
}

/// Draws the input shapes, each with its domain.
type ShapeGen = fn(&mut Rng) -> Vec<(Vec<usize>, Dom)>;

struct Case {
    op: &'static str,
    attrs: Vec<(&'static str, Lit)>,
    /// input shapes from the random generator, with each input's domain
    inputs: ShapeGen,
    /// builds the fixed (non-float) inputs from their shapes
    fixed: fn(&[usize], &mut Rng) -> Tensor,
}

fn apply(
    op: &str,
    attrs: &[(String, Lit)],
    ins: &[Tensor],
    ctx: &mut Ctx,
) -> Vec<gradtape::engine::Val> {
    let parsed = Op::parse(op, &Attrs::new(op, attrs), &Limits::default()).unwrap();
    let vals: Vec<_> = ins.iter().map(|t| ctx.constant(t.clone())).collect();
    let refs: Vec<_> = vals.iter().collect();
    let out = ctx
        .apply(&parsed, &refs)
        .unwrap_or_else(|e| panic!("{op}: {e}"));
    let mut all = vals;
    all.push(out);
    all
}

fn rand_tensor(shape: &[usize], dom: Dom, rng: &mut Rng) -> Tensor {
    let n: usize = shape.iter().product();
    let v: Vec<f64> = (0..n)
        .map(|_| match dom {
            Dom::Positive => rng.range(0.3, 2.0),
            _ => {
                let x = rng.range(0.15, 1.8);
                if rng.next() < 0.5 {
                    -x
                } else {
                    x
                }
            }
        })
        .collect();
    let mut v = v;
    if matches!(dom, Dom::Distribution) {
        let k = *shape.last().unwrap();
        for row in v.chunks_mut(k) {
            let s: f64 = row.iter().map(|x| x.abs()).sum();
            row.iter_mut().for_each(|x| *x = x.abs() / s);
        }
    }
    Tensor::from_f64s(shape, &v, DType::F64).unwrap()
}

fn dot(a: &Tensor, b: &Tensor) -> f64 {
    a.to_f64_vec()
        .iter()
        .zip(b.to_f64_vec())
        .map(|(x, y)| x * y)
        .sum()
}

fn check(case: &Case, seed: u64) {
    let mut rng = Rng(seed);
    let attrs: Vec<(String, Lit)> = case
        .attrs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let specs = (case.inputs)(&mut rng);
    let xs: Vec<Tensor> = specs
        .iter()
        .map(|(s, d)| {
            if matches!(d, Dom::Fixed) {
                (case.fixed)(s, &mut rng)
            } else {
                rand_tensor(s, *d, &mut rng)
            }
        })
        .collect();
    let mut ctx = Ctx::new(Limits::default());
    let tape = ctx.open_tape(true, true);
    let vals: Vec<_> = xs.iter().map(|t| ctx.constant(t.clone())).collect();
    for v in &vals {
        ctx.watch(tape, v).unwrap();
    }
    let parsed = Op::parse(case.op, &Attrs::new(case.op, &attrs), &Limits::default()).unwrap();
    let out = ctx
        .apply(&parsed, &vals.iter().collect::<Vec<_>>())
        .unwrap();
    ctx.stop_tape(tape).unwrap();
    let u = rand_tensor(out.tensor.shape(), Dom::Any, &mut rng);
    let grads = ctx
        .gradient(
            tape,
            std::slice::from_ref(&out),
            &vals,
            Some(vec![u.clone()]),
            false,
        )
        .unwrap();
    let h = 1e-6;
    for (i, (spec, g)) in specs.iter().zip(grads).enumerate() {
        if matches!(spec.1, Dom::Fixed) {
            continue;
        }
        let g = g.unwrap_or_else(|| panic!("{}: input {i} got no gradient", case.op));
        let v = rand_tensor(&spec.0, Dom::Any, &mut rng);
        let shifted = |sign: f64| {
            let mut ins = xs.clone();
            let moved: Vec<f64> = xs[i]
                .to_f64_vec()
                .iter()
                .zip(v.to_f64_vec())
                .map(|(x, d)| x + sign * h * d)
                .collect();
            ins[i] = Tensor::from_f64s(&spec.0, &moved, DType::F64).unwrap();
            let mut c = Ctx::new(Limits::default());
            apply(case.op, &attrs, &ins, &mut c).pop().unwrap().tensor
        };
        let (fp, fm) = (shifted(1.0), shifted(-1.0));
        let fd = (dot(&u, &fp) - dot(&u, &fm)) / (2.0 * h);
        let an = dot(&g.tensor, &v);
        assert!(
            (fd - an).abs() <= 1e-5 * (1.0 + an.abs()),
            "{} (seed {seed}) input {i} of shapes {:?}: finite differences {fd}, VJP {an}",
            case.op,
            specs.iter().map(|s| &s.0).collect::<Vec<_>>()
        );
    }
}

fn shape(rng: &mut Rng, rank: usize) -> Vec<usize> {
    (0..rank).map(|_| rng.int(1, 4)).collect()
}

fn one(d: Dom) -> ShapeGen {
    match d {
        Dom::Positive => |r| {
            let k = r.int(0, 3);
            vec![(shape(r, k), Dom::Positive)]
        },
        _ => |r| {
            let k = r.int(0, 3);
            vec![(shape(r, k), Dom::Any)]
        },
    }
}

/// Two shapes that broadcast: b drops leading axes and sets some axes to 1.
fn two_broadcast(r: &mut Rng, da: Dom, db: Dom) -> Vec<(Vec<usize>, Dom)> {
    let a = {
        let k = r.int(1, 3);
        shape(r, k)
    };
    let drop = r.int(0, a.len());
    let b: Vec<usize> = a[drop..]
        .iter()
        .map(|&d| if r.next() < 0.3 { 1 } else { d })
        .collect();
    if r.next() < 0.5 {
        vec![(a, da), (b, db)]
    } else {
        vec![(b, da), (a, db)]
    }
}

fn no_fixed(_: &[usize], _: &mut Rng) -> Tensor {
    unreachable!()
}

fn int(v: i64) -> Lit {
    Lit::Int(v)
}

fn cases() -> Vec<Case> {
    let mut c = vec![];
    // Every differentiable unary op in the registry, so a new one is checked without an edit
    // here; these need positive inputs.
    let positive = ["log", "log1p", "sqrt", "rsqrt", "reciprocal"];
    for def in registry::all()
        .iter()
        .filter(|d| d.family == Family::Unary && d.differentiable)
    {
        let dom = if positive.contains(&def.name) {
            Dom::Positive
        } else {
            Dom::Any
        };
        c.push(Case {
            op: def.name,
            attrs: vec![],
            inputs: one(dom),
            fixed: no_fixed,
        });
    }
    c.push(Case {
        op: "gelu",
        attrs: vec![("approximate", Lit::Bool(true))],
        inputs: one(Dom::Any),
        fixed: no_fixed,
    });
    c.push(Case {
        op: "leaky_relu",
        attrs: vec![("alpha", Lit::Float(0.01))],
        inputs: one(Dom::Any),
        fixed: no_fixed,
    });
    for op in [
        "add",
        "subtract",
        "multiply",
        "maximum",
        "minimum",
        "squared_difference",
    ] {
        c.push(Case {
            op,
            attrs: vec![],
            inputs: |r| two_broadcast(r, Dom::Any, Dom::Any),
            fixed: no_fixed,
        });
    }
    c.push(Case {
        op: "divide",
        attrs: vec![],
        inputs: |r| two_broadcast(r, Dom::Any, Dom::Positive),
        fixed: no_fixed,
    });
    // x % y is smooth between the jumps where x / y is an integer, which a random point
    // misses
    c.push(Case {
        op: "floormod",
        attrs: vec![],
        inputs: |r| two_broadcast(r, Dom::Any, Dom::Positive),
        fixed: no_fixed,
    });
    c.push(Case {
        op: "pow",
        attrs: vec![],
        inputs: |r| two_broadcast(r, Dom::Positive, Dom::Any),
        fixed: no_fixed,
    });
    c.push(Case {
        op: "where",
        attrs: vec![],
        inputs: |r| {
            let s = shape(r, 2);
            vec![
                (s.clone(), Dom::Fixed),
                (s.clone(), Dom::Any),
                (vec![s[1]], Dom::Any),
            ]
        },
        fixed: |s, r| {
            let n: usize = s.iter().product();
            let v: Vec<f64> = (0..n).map(|_| (r.next() < 0.5) as u8 as f64).collect();
            Tensor::from_f64s(s, &v, DType::Bool).unwrap()
        },
    });
    c.push(Case {
        op: "cast",
        attrs: vec![("dtype", Lit::Str("float64".into()))],
        inputs: one(Dom::Any),
        fixed: no_fixed,
    });
    let three = |r: &mut Rng| vec![(shape(r, 3), Dom::Any)];
    for op in [
        "reduce_sum",
        "reduce_mean",
        "reduce_max",
        "reduce_min",
        "reduce_logsumexp",
    ] {
        c.push(Case {
            op,
            attrs: vec![],
            inputs: three,
            fixed: no_fixed,
        });
        c.push(Case {
            op,
            attrs: vec![("axis", int(1)), ("keepdims", Lit::Bool(true))],
            inputs: three,
            fixed: no_fixed,
        });
        c.push(Case {
            op,
            attrs: vec![("axis", Lit::List(vec![int(0), int(-1)]))],
            inputs: three,
            fixed: no_fixed,
        });
    }
    c.push(Case {
        op: "reduce_prod",
        attrs: vec![("axis", int(-1))],
        inputs: |r| vec![(shape(r, 3), Dom::Positive)],
        fixed: no_fixed,
    });
    let fixed_shape = |_: &mut Rng| vec![(vec![2, 3, 4], Dom::Any)];
    c.push(Case {
        op: "reshape",
        attrs: vec![("shape", Lit::List(vec![int(4), int(-1)]))],
        inputs: fixed_shape,
        fixed: no_fixed,
    });
    c.push(Case {
        op: "transpose",
        attrs: vec![("perm", Lit::List(vec![int(2), int(0), int(1)]))],
        inputs: fixed_shape,
        fixed: no_fixed,
    });
    c.push(Case {
        op: "transpose",
        attrs: vec![],
        inputs: three,
        fixed: no_fixed,
    });
    c.push(Case {
        op: "expand_dims",
        attrs: vec![("axis", int(-1))],
        inputs: three,
        fixed: no_fixed,
    });
    c.push(Case {
        op: "squeeze",
        attrs: vec![],
        inputs: |_| vec![(vec![3, 1, 2], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "concat",
        attrs: vec![("axis", int(1))],
        inputs: |r| {
            vec![
                (vec![2, r.int(1, 3)], Dom::Any),
                (vec![2, r.int(1, 3)], Dom::Any),
                (vec![2, 1], Dom::Any),
            ]
        },
        fixed: no_fixed,
    });
    c.push(Case {
        op: "stack",
        attrs: vec![("axis", int(1))],
        inputs: |_| vec![(vec![2, 3], Dom::Any), (vec![2, 3], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "tile",
        attrs: vec![("multiples", Lit::List(vec![int(2), int(3)]))],
        inputs: |r| vec![(shape(r, 2), Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "broadcast_to",
        attrs: vec![("shape", Lit::List(vec![int(2), int(3), int(4)]))],
        inputs: |_| vec![(vec![3, 1], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "slice",
        attrs: vec![
            ("begin", Lit::List(vec![int(1), int(0)])),
            ("size", Lit::List(vec![int(2), int(-1)])),
        ],
        inputs: |_| vec![(vec![4, 3], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "gather",
        attrs: vec![("axis", int(1))],
        inputs: |_| vec![(vec![2, 4, 3], Dom::Any), (vec![5], Dom::Fixed)],
        fixed: |s, r| {
            Tensor::from_f64s(
                s,
                &(0..s[0]).map(|_| r.int(0, 3) as f64).collect::<Vec<_>>(),
                DType::I32,
            )
            .unwrap()
        },
    });
    c.push(Case {
        op: "matmul",
        attrs: vec![],
        inputs: |r| vec![(vec![2, 3], Dom::Any), (vec![3, r.int(1, 4)], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "matmul",
        attrs: vec![
            ("transpose_a", Lit::Bool(true)),
            ("transpose_b", Lit::Bool(true)),
        ],
        inputs: |_| vec![(vec![3, 2], Dom::Any), (vec![4, 3], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "matmul",
        attrs: vec![],
        inputs: |_| vec![(vec![2, 1, 2, 3], Dom::Any), (vec![4, 3, 2], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "matvec",
        attrs: vec![],
        inputs: |_| vec![(vec![3, 4], Dom::Any), (vec![4], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "matvec",
        attrs: vec![("transpose_a", Lit::Bool(true))],
        inputs: |_| vec![(vec![4, 3], Dom::Any), (vec![4], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "tensordot",
        attrs: vec![("axes", int(1))],
        inputs: |_| vec![(vec![3, 4], Dom::Any), (vec![4, 2], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "tensordot",
        attrs: vec![(
            "axes",
            Lit::List(vec![
                Lit::List(vec![int(1), int(2)]),
                Lit::List(vec![int(1), int(0)]),
            ]),
        )],
        inputs: |_| vec![(vec![2, 3, 4], Dom::Any), (vec![4, 3], Dom::Any)],
        fixed: no_fixed,
    });
    for op in ["softmax", "log_softmax"] {
        c.push(Case {
            op,
            attrs: vec![],
            inputs: |r| vec![(shape(r, 2), Dom::Any)],
            fixed: no_fixed,
        });
        c.push(Case {
            op,
            attrs: vec![("axis", int(0))],
            inputs: |r| vec![(shape(r, 2), Dom::Any)],
            fixed: no_fixed,
        });
    }
    c.push(Case {
        op: "softmax_cross_entropy_with_logits",
        attrs: vec![],
        inputs: |_| vec![(vec![3, 4], Dom::Distribution), (vec![3, 4], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "sigmoid_cross_entropy_with_logits",
        attrs: vec![],
        inputs: |_| vec![(vec![3, 4], Dom::Positive), (vec![3, 4], Dom::Any)],
        fixed: no_fixed,
    });
    c.push(Case {
        op: "sparse_softmax_cross_entropy_with_logits",
        attrs: vec![],
        inputs: |_| vec![(vec![3], Dom::Fixed), (vec![3, 4], Dom::Any)],
        fixed: |s, r| {
            Tensor::from_f64s(
                s,
                &(0..s[0]).map(|_| r.int(0, 3) as f64).collect::<Vec<_>>(),
                DType::I64,
            )
            .unwrap()
        },
    });
    c.push(Case {
        op: "l2_loss",
        attrs: vec![],
        inputs: three,
        fixed: no_fixed,
    });
    c
}

#[test]
fn every_differentiable_op_is_checked() {
    let checked: Vec<&str> = cases().iter().map(|c| c.op).collect();
    for def in registry::all().iter().filter(|d| d.differentiable) {
        assert!(
            checked.contains(&def.name),
            "{} is differentiable but has no finite-difference case in cases()",
            def.name
        );
    }
}

#[test]
fn every_vjp_matches_finite_differences() {
    let cases = cases();
    for (k, case) in cases.iter().enumerate() {
        for trial in 0..8u64 {
            check(case, 1000 * k as u64 + trial + 1);
        }
    }
}

/// The Hessian of f(x) = sum(sigmoid(A x)) by hand: H = A^T diag(s (1 - s)(1 - 2 s)) A.
#[test]
fn hessian_matches_the_closed_form() {
    let body = serde_json::json!({
        "variables": [{"name": "x", "value": [0.5, -1.0, 2.0], "dtype": "float64"}],
        "setup": [{"name": "A", "op": "constant", "value": [[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]], "dtype": "float64"}],
        "graph": [{"name": "u", "op": "matvec", "inputs": ["A", "x"]}, {"name": "s", "op": "sigmoid", "inputs": ["u"]},
                  {"name": "f", "op": "reduce_sum", "inputs": ["s"]}],
        "requests": [{"hessian": {"target": "f", "sources": "x"}}]
    });
    let (status, out) = crate::support::evaluate(body);
    assert_eq!(status, 200, "{out}");
    let a = [[1.0, 2.0, 0.5], [0.0, 1.0, -1.0]];
    let x = [0.5, -1.0, 2.0];
    let h = &out["results"][0]["hessian"]["value"];
    for i in 0..3 {
        for j in 0..3 {
            let mut want = 0.0;
            for row in &a {
                let u: f64 = row.iter().zip(&x).map(|(p, q)| p * q).sum();
                let s = 1.0 / (1.0 + (-u).exp());
                want += row[i] * row[j] * s * (1.0 - s) * (1.0 - 2.0 * s);
            }
            let got = h[i][j].as_f64().unwrap();
            assert!(
                (got - want).abs() < 1e-12,
                "H[{i}][{j}] = {got}, want {want}"
            );
        }
    }
}
