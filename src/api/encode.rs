//! Engine values to JSON, written straight to the output (no intermediate `Value` tree):
//! `{"dtype", "shape", "value"}` with float32 as the shortest decimal that reads back, and
//! non-finite floats as "NaN" / "Infinity" / "-Infinity".

use base64::Engine as _;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::cell::RefCell;

use super::decode::Encoding;
use crate::engine::{Answer, Evaluation, Shaped, Tensor};

#[derive(Clone, Copy)]
enum Scalar {
    F32(f32),
    F64(f64),
    Int(i64),
    Bool(bool),
}

fn non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

impl Serialize for Scalar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match *self {
            Scalar::F32(v) if v.is_finite() => s.serialize_f32(v),
            Scalar::F64(v) if v.is_finite() => s.serialize_f64(v),
            Scalar::F32(v) => s.serialize_str(non_finite(v as f64)),
            Scalar::F64(v) => s.serialize_str(non_finite(v)),
            Scalar::Int(v) => s.serialize_i64(v),
            Scalar::Bool(v) => s.serialize_bool(v),
        }
    }
}

type Elems<'a> = RefCell<Box<dyn Iterator<Item = Scalar> + 'a>>;

/// Nested lists over a row-major element stream, like numpy's `tolist()`.
struct Nested<'a, 'b> {
    shape: &'b [usize],
    elems: &'b Elems<'a>,
}

impl Serialize for Nested<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.shape.split_first() {
            None => {
                let v = self
                    .elems
                    .borrow_mut()
                    .next()
                    .expect("shape and element count agree");
                v.serialize(s)
            }
            Some((&n, rest)) => {
                let mut seq = s.serialize_seq(Some(n))?;
                for _ in 0..n {
                    seq.serialize_element(&Nested {
                        shape: rest,
                        elems: self.elems,
                    })?;
                }
                seq.end()
            }
        }
    }
}

fn elems(t: &Tensor) -> Box<dyn Iterator<Item = Scalar> + '_> {
    match t {
        Tensor::F32(a) => Box::new(a.iter().map(|&v| Scalar::F32(v))),
        Tensor::F64(a) => Box::new(a.iter().map(|&v| Scalar::F64(v))),
        Tensor::I32(a) => Box::new(a.iter().map(|&v| Scalar::Int(v as i64))),
        Tensor::I64(a) => Box::new(a.iter().map(|&v| Scalar::Int(v))),
        Tensor::Bool(a) => Box::new(a.iter().map(|&v| Scalar::Bool(v))),
    }
}

fn le_bytes(t: &Tensor) -> Vec<u8> {
    match t {
        Tensor::F32(a) => a.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Tensor::F64(a) => a.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Tensor::I32(a) => a.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Tensor::I64(a) => a.iter().flat_map(|v| v.to_le_bytes()).collect(),
        Tensor::Bool(a) => a.iter().map(|&v| v as u8).collect(),
    }
}

/// A tensor as the wire writes it.
pub struct TensorJson<'a>(pub &'a Tensor, pub Encoding);

impl Serialize for TensorJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.0;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("dtype", t.dtype().name())?;
        m.serialize_entry("shape", t.shape())?;
        match self.1 {
            Encoding::Json => {
                let it: Elems = RefCell::new(elems(t));
                m.serialize_entry(
                    "value",
                    &Nested {
                        shape: t.shape(),
                        elems: &it,
                    },
                )?;
            }
            Encoding::B64 => m.serialize_entry(
                "b64",
                &base64::engine::general_purpose::STANDARD.encode(le_bytes(t)),
            )?,
        }
        m.end()
    }
}

struct Maybe<'a>(&'a Option<Tensor>, Encoding);

impl Serialize for Maybe<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(t) => TensorJson(t, self.1).serialize(s),
            None => s.serialize_none(),
        }
    }
}

struct ShapedJson<'a>(&'a Shaped<Option<Tensor>>, Encoding);

impl Serialize for ShapedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Shaped::One(t) => Maybe(t, self.1).serialize(s),
            Shaped::Many(ts) => {
                let mut seq = s.serialize_seq(Some(ts.len()))?;
                for t in ts {
                    seq.serialize_element(&Maybe(t, self.1))?;
                }
                seq.end()
            }
        }
    }
}

pub struct AnswerJson<'a>(pub &'a Answer, pub Encoding);

impl Serialize for AnswerJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.1;
        let mut m = s.serialize_map(Some(1))?;
        match self.0 {
            Answer::Gradient(g) => m.serialize_entry("gradient", &ShapedJson(g, e))?,
            Answer::Jacobian(j) => m.serialize_entry("jacobian", &ShapedJson(j, e))?,
            Answer::Hessian(h) => m.serialize_entry("hessian", &ShapedJson(h, e))?,
            Answer::BatchJacobian(b) => m.serialize_entry("batch_jacobian", &Maybe(b, e))?,
            Answer::Error(err) => {
                let mut body =
                    serde_json::json!({"code": err.code.as_str(), "message": err.detail});
                if let Some(n) = &err.node {
                    body["node"] = serde_json::json!(n);
                }
                m.serialize_entry("error", &body)?
            }
        }
        m.end()
    }
}

/// The `/v1/evaluate` response body.
pub struct EvaluationJson<'a>(pub &'a Evaluation, pub Encoding);

impl Serialize for EvaluationJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (ev, e) = (self.0, self.1);
        struct Outputs<'a>(&'a [(String, Tensor)], Encoding);
        impl Serialize for Outputs<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut m = s.serialize_map(Some(self.0.len()))?;
                for (k, t) in self.0 {
                    m.serialize_entry(k, &TensorJson(t, self.1))?;
                }
                m.end()
            }
        }
        struct Results<'a>(&'a [Answer], Encoding);
        impl Serialize for Results<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(Some(self.0.len()))?;
                for a in self.0 {
                    seq.serialize_element(&AnswerJson(a, self.1))?;
                }
                seq.end()
            }
        }
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("outputs", &Outputs(&ev.outputs, e))?;
        m.serialize_entry("results", &Results(&ev.results, e))?;
        m.end()
    }
}

/// A tensor as a `serde_json::Value`, for responses assembled with `json!`. A `Value` holds
/// numbers as f64, so a float32 goes in as the f64 nearest its shortest decimal: it then prints
/// as that same short decimal (`1.4881681`, not `1.4881681203842163`).
pub fn tensor_value(t: &Tensor) -> serde_json::Value {
    use serde_json::Value;
    fn scalar(s: Scalar) -> Value {
        match s {
            Scalar::F32(v) if v.is_finite() => {
                let short: f64 = v.to_string().parse().unwrap_or(v as f64);
                serde_json::Number::from_f64(short)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
            Scalar::F64(v) if v.is_finite() => serde_json::Number::from_f64(v)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Scalar::F32(v) => Value::String(non_finite(v as f64).into()),
            Scalar::F64(v) => Value::String(non_finite(v).into()),
            Scalar::Int(v) => Value::from(v),
            Scalar::Bool(v) => Value::Bool(v),
        }
    }
    fn nest(shape: &[usize], it: &mut dyn Iterator<Item = Scalar>) -> Value {
        match shape.split_first() {
            None => scalar(it.next().expect("shape and element count agree")),
            Some((&n, rest)) => Value::Array((0..n).map(|_| nest(rest, it)).collect()),
        }
    }
    serde_json::json!({"dtype": t.dtype().name(), "shape": t.shape(), "value": nest(t.shape(), &mut elems(t))})
}
