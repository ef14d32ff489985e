//! Creation ops: constant, ones/zeros/fill, *_like, linspace, range, eye, one_hot, and the
//! seeded random initialisers. None has a gradient. Sizes are checked before allocating.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Attrs;
use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, Result};
use crate::engine::lit::{tensor_from_lit, Lit};
use crate::engine::tensor::{checked_numel, Tensor};
use crate::engine::Limits;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FillKind {
    Ones,
    Zeros,
    Fill,
}

/// What `Create::Like` fills its input's shape with (zeros first: the stored session format
/// encodes it as the byte 0 or 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum LikeFill {
    Zeros,
    Ones,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub enum Create {
    Constant(Tensor),
    /// ones, zeros and fill: `value` is a scalar tensor of the result's dtype.
    Fill {
        shape: Vec<usize>,
        value: Tensor,
        kind: FillKind,
    },
    /// ones_like and zeros_like.
    Like {
        fill: LikeFill,
    },
    Linspace {
        start: f64,
        stop: f64,
        num: i64,
        dtype: DType,
        cast: Option<DType>,
    },
    Range {
        start: f64,
        limit: f64,
        delta: f64,
        dtype: DType,
    },
    Eye {
        rows: i64,
        cols: i64,
        dtype: DType,
    },
    OneHot {
        depth: i64,
        dtype: DType,
        on: f64,
        off: f64,
    },
    Random {
        normal: bool,
        shape: Vec<usize>,
        a: f64,
        b: f64,
        seed: Option<u64>,
        dtype: DType,
    },
}

fn is_float_lit(v: &Lit) -> bool {
    matches!(v, Lit::Float(_) | Lit::Str(_))
}

impl Create {
    /// `ones_like` / `zeros_like`: recorded by a tape (with a `None` gradient), as TensorFlow does.
    pub fn is_like(&self) -> bool {
        matches!(self, Create::Like { .. })
    }

    pub fn parse(name: &str, a: &Attrs, lim: &Limits) -> Result<Option<Create>> {
        let max = lim.max_tensor_elements;
        Ok(Some(match name {
            "constant" => Create::Constant(tensor_from_lit(
                a.required("value")?,
                a.dtype("dtype")?,
                max,
            )?),
            "ones" | "zeros" => {
                let dtype = a.dtype("dtype")?.unwrap_or(DType::F32);
                let v = if name == "ones" { 1.0 } else { 0.0 };
                // TensorFlow names it dims; "shape", as ones and zeros spell it, is accepted.
                let dims = match (a.get("dims"), a.get("shape")) {
                    (Some(_), Some(_)) => {
                        return Err(arg_err("fill: give \"dims\" or \"shape\", not both"))
                    }
                    (None, Some(_)) => "shape",
                    _ => "dims",
                };
                Create::Fill {
                    shape: a.shape_or_length(dims)?,
                    value: Tensor::scalar(v, dtype),
                    kind: if name == "ones" {
                        FillKind::Ones
                    } else {
                        FillKind::Zeros
                    },
                }
            }
            "fill" => {
                let value = tensor_from_lit(a.required("value")?, a.dtype("dtype")?, max)?;
                // TensorFlow's Fill takes a scalar or a one-element vector ("must represent a
                // scalar"): [1.0] fills, [[1.0]] and [1.0, 2.0] do not.
                let value = match value.rank() {
                    1 if value.len() == 1 => value.reshape(&[]).expect("one element"),
                    _ => value,
                };
                if value.rank() != 0 {
                    return Err(arg_err(format!(
                        "fill: \"value\" must be a scalar, not shape {:?}",
                        value.shape()
                    )));
                }
                // TensorFlow names it dims; "shape", as ones and zeros spell it, is accepted.
                let dims = match (a.get("dims"), a.get("shape")) {
                    (Some(_), Some(_)) => {
                        return Err(arg_err("fill: give \"dims\" or \"shape\", not both"))
                    }
                    (None, Some(_)) => "shape",
                    _ => "dims",
                };
                Create::Fill {
                    shape: a.shape_or_length(dims)?,
                    value,
                    kind: FillKind::Fill,
                }
            }
            "ones_like" => Create::Like {
                fill: LikeFill::Ones,
            },
            "zeros_like" => Create::Like {
                fill: LikeFill::Zeros,
            },
            "linspace" => {
                let (start, stop) = (a.required("start")?, a.required("stop")?);
                if is_float_lit(start) != is_float_lit(stop) {
                    // tf.linspace converts stop to start's dtype: 1 and 2.0 do not mix
                    return Err(crate::engine::error::dtype_err(
                        "linspace: start and stop must both be integers or both be floats (write 1.0, not 1)",
                    ));
                }
                // Python ints give float64 (tf.linspace(-10, 10, 129)); Python floats float32.
                let dtype = if is_float_lit(start) || is_float_lit(stop) {
                    DType::F32
                } else {
                    DType::F64
                };
                let num = a.req_int("num")?;
                Create::Linspace {
                    start: a.number("start")?.expect("required"),
                    stop: a.number("stop")?.expect("required"),
                    num,
                    dtype,
                    cast: a.dtype("dtype")?,
                }
            }
            "range" => {
                // tf.range(5) counts from 0 to 5: a start without a limit is the limit.
                let (start_key, limit_key) = match (a.get("start"), a.get("limit")) {
                    (Some(_), None) => (None, "start"),
                    _ => (Some("start"), "limit"),
                };
                let limit = a.required(limit_key)?;
                let start = start_key.and_then(|k| a.get(k));
                let any_float = [start, Some(limit), a.get("delta")]
                    .into_iter()
                    .flatten()
                    .any(is_float_lit);
                let dtype =
                    a.dtype("dtype")?
                        .unwrap_or(if any_float { DType::F32 } else { DType::I32 });
                if dtype == DType::Bool {
                    return Err(dtype_err("range: dtype must be a number type, not bool"));
                }
                Create::Range {
                    start: match start_key {
                        Some(k) => a.number(k)?.unwrap_or(0.0),
                        None => 0.0,
                    },
                    limit: a.number(limit_key)?.expect("required"),
                    delta: a.number("delta")?.unwrap_or(1.0),
                    dtype,
                }
            }
            "eye" => {
                let rows = a.req_int("num_rows")?;
                Create::Eye {
                    rows,
                    cols: a.int("num_columns")?.unwrap_or(rows),
                    dtype: a.dtype("dtype")?.unwrap_or(DType::F32),
                }
            }
            "one_hot" => one_hot(a)?,
            "random_normal" | "random_uniform" => {
                let normal = name == "random_normal";
                let (ka, kb, da, db) = if normal {
                    ("mean", "stddev", 0.0, 1.0)
                } else {
                    ("minval", "maxval", 0.0, 1.0)
                };
                let seed = match a.int("seed")? {
                    Some(s) if s < 0 => return Err(arg_err("seed must be a non-negative integer")),
                    s => s.map(|s| s as u64),
                };
                let dtype = a.dtype("dtype")?.unwrap_or(DType::F32);
                if !dtype.is_float() {
                    return Err(dtype_err(format!(
                        "{name}: dtype must be float32 or float64, not {dtype}"
                    )));
                }
                Create::Random {
                    normal,
                    shape: a.shape("shape")?,
                    a: a.number(ka)?.unwrap_or(da),
                    b: a.number(kb)?.unwrap_or(db),
                    seed,
                    dtype,
                }
            }
            _ => return Ok(None),
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Create::Constant(_) => "constant",
            Create::Fill {
                kind: FillKind::Ones,
                ..
            } => "ones",
            Create::Fill {
                kind: FillKind::Zeros,
                ..
            } => "zeros",
            Create::Fill {
                kind: FillKind::Fill,
                ..
            } => "fill",
            Create::Like {
                fill: LikeFill::Ones,
            } => "ones_like",
            Create::Like {
                fill: LikeFill::Zeros,
            } => "zeros_like",
            Create::Linspace { .. } => "linspace",
            Create::Range { .. } => "range",
            Create::Eye { .. } => "eye",
            Create::OneHot { .. } => "one_hot",
            Create::Random { normal: true, .. } => "random_normal",
            Create::Random { normal: false, .. } => "random_uniform",
        }
    }

    pub fn arity(&self) -> (usize, usize) {
        match self {
            Create::Like { .. } | Create::OneHot { .. } => (1, 1),
            _ => (0, 0),
        }
    }

    pub fn forward(&self, ins: &[&Tensor], lim: &Limits) -> Result<Tensor> {
        let max = lim.max_tensor_elements;
        match self {
            Create::Constant(t) => Ok(t.clone()),
            Create::Fill { shape, value, .. } => {
                checked_numel(shape, max)?;
                Ok(Tensor::full(shape, value.to_f64_vec()[0], value.dtype()))
            }
            Create::Like { fill } => Ok(Tensor::full(
                ins[0].shape(),
                if *fill == LikeFill::Ones { 1.0 } else { 0.0 },
                ins[0].dtype(),
            )),
            Create::Linspace {
                start,
                stop,
                num,
                dtype,
                cast,
            } => {
                if *num < 0 {
                    return Err(arg_err(format!("linspace: num is {num}; it must be >= 0")));
                }
                let n = checked_numel(&[*num as usize], max)?;
                let t = match dtype {
                    DType::F32 => linspace::<f32>(*start as f32, *stop as f32, n),
                    _ => linspace::<f64>(*start, *stop, n),
                };
                Ok(match cast {
                    Some(d) => t.cast(*d),
                    None => t,
                })
            }
            Create::Range {
                start,
                limit,
                delta,
                dtype,
            } => {
                if ![start, limit, delta].iter().all(|v| v.is_finite()) {
                    return Err(arg_err(format!(
                        "range: start {start}, limit {limit} and delta {delta} must be finite numbers"
                    )));
                }
                if *delta == 0.0 {
                    return Err(arg_err("range: delta is 0; it must be non-zero"));
                }
                if (*delta > 0.0 && start > limit) || (*delta < 0.0 && start < limit) {
                    return Err(arg_err(format!(
                        "range: start {start} and limit {limit} run against delta {delta} (TensorFlow requires start <= limit when delta > 0, start >= limit when delta < 0)"
                    )));
                }
                let n = ((limit - start) / delta).ceil();
                if !n.is_finite() || n > max as f64 {
                    return Err(crate::engine::error::limit_err(format!(
                        "range({start}, {limit}, {delta}) has {n} elements; the limit max_tensor_elements is {max}"
                    )));
                }
                let n = n as usize;
                let vals: Vec<f64> = match dtype {
                    // float32 ranges accumulate in float32, as TensorFlow's kernel does
                    DType::F32 => (0..n)
                        .map(|i| (*start as f32 + i as f32 * *delta as f32) as f64)
                        .collect(),
                    _ => (0..n).map(|i| start + i as f64 * delta).collect(),
                };
                Tensor::from_f64s(&[n], &vals, *dtype)
            }
            Create::Eye { rows, cols, dtype } => {
                if *rows < 0 || *cols < 0 {
                    return Err(arg_err(format!(
                        "eye: num_rows {rows} and num_columns {cols} must be >= 0"
                    )));
                }
                let (r, c) = (*rows as usize, *cols as usize);
                checked_numel(&[r, c], max)?;
                let vals: Vec<f64> = (0..r * c)
                    .map(|k| {
                        if k / c.max(1) == k % c.max(1) {
                            1.0
                        } else {
                            0.0
                        }
                    })
                    .collect();
                Tensor::from_f64s(&[r, c], &vals, *dtype)
            }
            Create::OneHot {
                depth,
                dtype,
                on,
                off,
            } => {
                let idx = ins[0].as_indices().ok_or_else(|| {
                    dtype_err(format!(
                        "one_hot: indices are {}; they must be int32 or int64",
                        ins[0].describe()
                    ))
                })?;
                if *depth < 0 {
                    return Err(arg_err(format!(
                        "one_hot: depth is {depth}; it must be >= 0"
                    )));
                }
                let d = *depth as usize;
                let mut shape = ins[0].shape().to_vec();
                shape.push(d);
                let n = checked_numel(&shape, max)?;
                let mut vals = vec![*off; n];
                for (i, &k) in idx.iter().enumerate() {
                    if k >= 0 && (k as usize) < d {
                        vals[i * d + k as usize] = *on;
                    }
                }
                Tensor::from_f64s(&shape, &vals, *dtype)
            }
            Create::Random {
                normal,
                shape,
                a,
                b,
                seed,
                dtype,
            } => {
                let n = checked_numel(shape, max)?;
                let mut rng = SplitMix::new(seed.unwrap_or_else(fresh_seed));
                let vals: Vec<f64> = if *normal {
                    (0..n).map(|_| a + b * rng.normal()).collect()
                } else {
                    (0..n).map(|_| a + (b - a) * rng.uniform()).collect()
                };
                Tensor::from_f64s(shape, &vals, *dtype)
            }
        }
    }
}

/// TensorFlow's linspace: the ends exact, the middle `start + i * delta` in the dtype's precision.
fn linspace<F: crate::engine::tensor::Real>(start: F, stop: F, n: usize) -> Tensor {
    let mut v = Vec::with_capacity(n);
    if n > 0 {
        v.push(start);
    }
    if n > 1 {
        let delta = (stop - start) / F::from_usize(n - 1).expect("fits");
        v.extend((1..n - 1).map(|i| start + F::from_usize(i).expect("fits") * delta));
        v.push(stop);
    }
    Tensor::from_array(ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&[n]), v).expect("length n"))
}

fn fresh_seed() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ COUNTER.fetch_add(0x6A09_E667_F3BC_C909, Ordering::Relaxed)
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
struct SplitMix(u64);

impl SplitMix {
    fn new(seed: u64) -> SplitMix {
        SplitMix(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn uniform(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Standard normal by Box-Muller.
    fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// `one_hot` with TensorFlow's typing: without `dtype`, the result takes the type of `on_value`
/// or `off_value` (an integer gives int32, true/false gives bool), else float32, and both given
/// must agree; with `dtype` both convert to it (a float to an integer dtype does not). Bool
/// results need both values given as booleans, since the defaults 1 and 0 do not convert.
fn one_hot(a: &Attrs) -> Result<Create> {
    let kind = |key: &'static str| -> Result<Option<DType>> {
        Ok(match a.get(key) {
            None => None,
            Some(Lit::Bool(_)) => Some(DType::Bool),
            Some(Lit::Int(_)) => Some(DType::I32),
            // floats, "NaN" and "Infinity" included
            Some(v) if v.as_f64().is_some() => Some(DType::F32),
            Some(other) => {
                return Err(arg_err(format!(
                    "one_hot: \"{key}\" must be a number or true/false, not {}",
                    other.kind_name()
                )))
            }
        })
    };
    let (on_kind, off_kind) = (kind("on_value")?, kind("off_value")?);
    let given = a.dtype("dtype")?;
    // With an explicit dtype both values convert to it (1 and 0.5 fill float32 together).
    if let (None, Some(on), Some(off)) = (given, on_kind, off_kind) {
        if on != off {
            return Err(dtype_err(format!(
                "one_hot: on_value is {on} but off_value is {off}; give both as the same kind of number (or both as true/false)"
            )));
        }
    }
    let dtype = given.or(on_kind).or(off_kind).unwrap_or(DType::F32);
    let value = |key: &'static str, default: i64| -> Result<f64> {
        match a.get(key) {
            Some(Lit::Bool(b)) => Ok(f64::from(u8::from(*b))),
            Some(Lit::Int(i)) if dtype != DType::Bool => Ok(*i as f64),
            Some(v) if dtype.is_float() && v.as_f64().is_some() => Ok(v.as_f64().expect("checked")),
            None if dtype != DType::Bool => Ok(default as f64),
            got => Err(dtype_err(format!(
                "one_hot: {key} ({}) cannot be {dtype}; give it as {}",
                match got {
                    Some(v) => v.kind_name().to_string(),
                    None => format!("default {default}"),
                },
                if dtype == DType::Bool {
                    "true or false"
                } else {
                    "an integer"
                }
            ))),
        }
    };
    Ok(Create::OneHot {
        depth: a.req_int("depth")?,
        dtype,
        on: value("on_value", 1)?,
        off: value("off_value", 0)?,
    })
}
