//! A creation op's attributes read with TensorFlow's typing rules: which dtype a Python literal
//! gives, which spellings of a parameter are accepted, and what TensorFlow refuses.

use super::philox::{Stream, DEFAULT_GRAPH_SEED};
use super::{Create, FillKind, RandomKind};
use crate::engine::dtype::DType;
use crate::engine::error::{arg_err, dtype_err, Result};
use crate::engine::lit::{tensor_from_lit, Lit};
use crate::engine::ops::Attrs;
use crate::engine::tensor::Tensor;

fn is_float_lit(v: &Lit) -> bool {
    matches!(v, Lit::Float(_) | Lit::Str(_))
}

/// TensorFlow names it dims; "shape", as ones and zeros spell it, is accepted.
fn dims_key(a: &Attrs) -> Result<&'static str> {
    match (a.get("dims"), a.get("shape")) {
        (Some(_), Some(_)) => Err(arg_err("fill: give \"dims\" or \"shape\", not both")),
        (None, Some(_)) => Ok("shape"),
        _ => Ok("dims"),
    }
}

pub fn ones_or_zeros(name: &str, a: &Attrs) -> Result<Create> {
    let dtype = a.dtype("dtype")?.unwrap_or(DType::F32);
    let ones = name == "ones";
    Ok(Create::Fill {
        shape: a.shape_or_length(dims_key(a)?)?,
        value: Tensor::scalar(if ones { 1.0 } else { 0.0 }, dtype),
        kind: if ones {
            FillKind::Ones
        } else {
            FillKind::Zeros
        },
    })
}

pub fn fill(a: &Attrs, max: usize) -> Result<Create> {
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
    Ok(Create::Fill {
        shape: a.shape_or_length(dims_key(a)?)?,
        value,
        kind: FillKind::Fill,
    })
}

pub fn linspace(a: &Attrs) -> Result<Create> {
    let (start, stop) = (a.required("start")?, a.required("stop")?);
    if !is_float_lit(start) && is_float_lit(stop) {
        // tf.linspace converts stop to start's dtype: an integer start takes no float stop
        // (a float start takes an integer stop, as 1 converts to 1.0)
        return Err(dtype_err(
            "linspace: an integer start makes stop an integer too, and it is a float; write the start as a float (0.0, not 0)",
        ));
    }
    // Python ints give float64 (tf.linspace(-10, 10, 129)); Python floats float32.
    let dtype = if is_float_lit(start) || is_float_lit(stop) {
        DType::F32
    } else {
        DType::F64
    };
    Ok(Create::Linspace {
        start: a.number("start")?.expect("required"),
        stop: a.number("stop")?.expect("required"),
        num: a.req_int("num")?,
        dtype,
        cast: a.dtype("dtype")?,
    })
}

pub fn range(a: &Attrs) -> Result<Create> {
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
    let dtype = a
        .dtype("dtype")?
        .unwrap_or(if any_float { DType::F32 } else { DType::I32 });
    if dtype == DType::Bool {
        return Err(dtype_err("range: dtype must be a number type, not bool"));
    }
    if any_float && dtype.is_int() {
        // tf.range converts each bound with dtype=: "Cannot convert 2.5 to EagerTensor of dtype int32"
        return Err(dtype_err(format!(
            "range: a float start, limit or delta cannot become {dtype}; write integer bounds or ask for a float dtype"
        )));
    }
    Ok(Create::Range {
        start: match start_key {
            Some(k) => a.number(k)?.unwrap_or(0.0),
            None => 0.0,
        },
        limit: a.number(limit_key)?.expect("required"),
        delta: a.number("delta")?.unwrap_or(1.0),
        dtype,
    })
}

pub fn random(name: &str, a: &Attrs) -> Result<Create> {
    let kind = RandomKind::named(name).expect("a random op");
    let normal = kind.is_normal();
    let (ka, kb) = if normal {
        ("mean", "stddev")
    } else {
        ("minval", "maxval")
    };
    let seed = match a.int("seed")? {
        Some(s) if s < 0 => return Err(arg_err("seed must be a non-negative integer")),
        // `random_seed.get_seed` without a global seed: (DEFAULT_GRAPH_SEED, seed % (2**31 - 1))
        s => s.map(|s| Stream {
            seed: DEFAULT_GRAPH_SEED,
            seed2: s as u64 % 0x7fff_ffff,
            skip: 0,
        }),
    };
    let dtype = a.dtype("dtype")?.unwrap_or(DType::F32);
    let integer = matches!(dtype, DType::I32 | DType::I64);
    if !(dtype.is_float() || (integer && !normal)) {
        let allowed = if normal {
            "float32 or float64"
        } else {
            "float32, float64, int32 or int64"
        };
        return Err(dtype_err(format!(
            "{name}: dtype must be {allowed}, not {dtype}"
        )));
    }
    let (lo, hi) = (a.number(ka)?, a.number(kb)?);
    if integer {
        // TensorFlow's RandomUniformInt: integer bounds, maxval required, minval < maxval
        let Some(hi) = hi else {
            return Err(arg_err(format!(
                "Must specify maxval for integer dtype tf.{dtype}"
            )));
        };
        let lo = lo.unwrap_or(0.0);
        if lo.fract() != 0.0 || hi.fract() != 0.0 {
            return Err(dtype_err(format!(
                "{name}: minval and maxval of an {dtype} draw must be integers"
            )));
        }
        if lo >= hi {
            return Err(arg_err(format!("Need minval < maxval, got {lo} >= {hi}")));
        }
    }
    Ok(Create::Random {
        kind,
        shape: a.shape("shape")?,
        a: lo.unwrap_or(0.0),
        b: hi.unwrap_or(1.0),
        stream: seed,
        dtype,
    })
}

/// `one_hot` with TensorFlow's typing: without `dtype`, the result takes the type of `on_value`
/// or `off_value` (an integer gives int32, true/false gives bool), else float32, and both given
/// must agree; with `dtype` both convert to it (a float to an integer dtype does not). Bool
/// results need both values given as booleans, since the defaults 1 and 0 do not convert.
pub fn one_hot(a: &Attrs) -> Result<Create> {
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
