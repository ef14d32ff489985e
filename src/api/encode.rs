//! Engine values to JSON, written straight to the output (no intermediate `Value` tree):
//! `{"dtype", "shape", "value"}` with float32 as the shortest decimal that reads back, and
//! non-finite floats as "NaN" / "Infinity" / "-Infinity".

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::decode::Encoding;
use crate::engine::explain::{numcheck::Check, Note};
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

/// An element type as the JSON writer writes it.
trait ToScalar: Copy {
    fn scalar(self) -> Scalar;
}

macro_rules! to_scalar {
    ($t:ty, $v:ident => $e:expr) => {
        impl ToScalar for $t {
            fn scalar(self) -> Scalar {
                let $v = self;
                $e
            }
        }
    };
}
to_scalar!(f32, v => Scalar::F32(v));
to_scalar!(f64, v => Scalar::F64(v));
to_scalar!(i32, v => Scalar::Int(v as i64));
to_scalar!(i64, v => Scalar::Int(v));
to_scalar!(bool, v => Scalar::Bool(v));

/// Nested lists over row-major elements, like numpy's `tolist()`: each item of the first axis
/// is the next `rest`-sized run of the slice, read in place (a boxed iterator over ndarray's
/// n-dimensional walk cost some 60 instructions an element).
struct Nested<'b, T> {
    shape: &'b [usize],
    elems: &'b [T],
}

impl<T: ToScalar> Serialize for Nested<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.shape.split_first() {
            None => self.elems[0].scalar().serialize(s),
            Some((&n, rest)) => {
                let run: usize = rest.iter().product();
                let mut seq = s.serialize_seq(Some(n))?;
                for item in 0..n {
                    seq.serialize_element(&Nested {
                        shape: rest,
                        elems: &self.elems[item * run..(item + 1) * run],
                    })?;
                }
                seq.end()
            }
        }
    }
}

/// The array's elements as nested lists: a contiguous row-major array is read as its slice,
/// any other (a permuted view) is copied into row-major order first.
fn nested<T: ToScalar, S: SerializeMap>(
    m: &mut S,
    a: &crate::engine::tensor::Arr<T>,
) -> Result<(), S::Error> {
    let owned: Vec<T>;
    let elems = match a.as_slice() {
        Some(s) => s,
        None => {
            owned = a.iter().copied().collect();
            &owned
        }
    };
    m.serialize_entry(
        "value",
        &Nested {
            shape: a.shape(),
            elems,
        },
    )
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
    /// Into a zeroed buffer chunk by chunk: the compiler vectorises this for a contiguous
    /// array, where collecting `flat_map(to_le_bytes)` went byte by byte.
    fn fill<T: Copy, const N: usize>(
        a: &crate::engine::tensor::Arr<T>,
        le: fn(T) -> [u8; N],
    ) -> Vec<u8> {
        let mut out = vec![0u8; a.len() * N];
        match a.as_slice() {
            Some(s) => out
                .chunks_exact_mut(N)
                .zip(s)
                .for_each(|(d, &v)| d.copy_from_slice(&le(v))),
            None => out
                .chunks_exact_mut(N)
                .zip(a.iter())
                .for_each(|(d, &v)| d.copy_from_slice(&le(v))),
        }
        out
    }
    match t {
        Tensor::F32(a) => fill(a, f32::to_le_bytes),
        Tensor::F64(a) => fill(a, f64::to_le_bytes),
        Tensor::I32(a) => fill(a, i32::to_le_bytes),
        Tensor::I64(a) => fill(a, i64::to_le_bytes),
        Tensor::Bool(a) => a.iter().map(|&v| v as u8).collect(),
    }
}

/// The tensor's bytes as a base64 JSON string, handed to serde_json as raw text: base64 needs
/// no escaping, and serde_json's escape scan of a megabyte string cost more than the encoding
/// (perf of W3 over HTTP).
fn b64_json(t: &Tensor) -> Box<serde_json::value::RawValue> {
    let bytes = le_bytes(t);
    let mut text = String::with_capacity(base64_simd::STANDARD.encoded_length(bytes.len()) + 2);
    text.push('"');
    base64_simd::STANDARD.encode_append(&bytes, &mut text);
    text.push('"');
    serde_json::value::RawValue::from_string(text).expect("base64 in quotes is a JSON string")
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
            Encoding::Json => crate::with_any!(t, a => nested(&mut m, a))?,
            Encoding::B64 => m.serialize_entry("b64", &b64_json(t))?,
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
        Annotated(self.0, self.1, &[], None).serialize(s)
    }
}

/// An answer with its notes and numerical check beside it (each only when there is one).
pub struct Annotated<'a>(
    pub &'a Answer,
    pub Encoding,
    pub &'a [Note],
    pub Option<&'a Check>,
);

impl Serialize for Annotated<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.1;
        let mut m = s.serialize_map(None)?;
        match self.0 {
            Answer::Gradient(g) => m.serialize_entry("gradient", &ShapedJson(g, e))?,
            Answer::Jacobian(j) => m.serialize_entry("jacobian", &ShapedJson(j, e))?,
            Answer::Hessian(h) => m.serialize_entry("hessian", &ShapedJson(h, e))?,
            Answer::BatchJacobian(b) => m.serialize_entry("batch_jacobian", &Maybe(b, e))?,
            Answer::Error(err) => {
                // the problem+json members a per-request error shares with a whole-request one;
                // `message` repeats `detail` under the name evaluate.md's example gives it
                let mut body = serde_json::json!({"code": err.code.as_str(),
                    "detail": err.detail, "message": err.detail});
                if let Some(n) = &err.node {
                    body["node"] = serde_json::json!(n);
                }
                m.serialize_entry("error", &body)?
            }
        }
        if !self.2.is_empty() {
            m.serialize_entry("notes", &super::notes::notes(self.2))?;
        }
        if let Some(c) = self.3 {
            m.serialize_entry("check", &super::notes::check(c))?;
        }
        m.end()
    }
}

/// The `/v1/evaluate` response body.
pub struct EvaluationJson<'a>(pub &'a Evaluation, pub Encoding);

impl EvaluationJson<'_> {
    /// The body as bytes, in a buffer sized up front from the tensors it holds: growing a
    /// Vec by doubling copied a W2 response (2 MB of base64) several times over.
    pub fn to_vec(&self) -> serde_json::Result<Vec<u8>> {
        let per_elem = |t: &Tensor| match self.1 {
            Encoding::B64 => t.dtype().size() * 4 / 3 + 1,
            Encoding::Json => 24, // a float64 prints as up to ~24 characters
        };
        let tensors =
            self.0
                .outputs
                .iter()
                .map(|(_, t)| Some(t))
                .chain(self.0.results.iter().flat_map(|a| match a {
                    Answer::Gradient(s) | Answer::Jacobian(s) | Answer::Hessian(s) => match s {
                        Shaped::One(t) => vec![t.as_ref()],
                        Shaped::Many(ts) => ts.iter().map(Option::as_ref).collect(),
                    },
                    Answer::BatchJacobian(t) => vec![t.as_ref()],
                    Answer::Error(_) => vec![],
                }));
        let estimate: usize = tensors
            .map(|t| t.map_or(8, |t| 96 + t.len() * per_elem(t)))
            .sum();
        let mut out = Vec::with_capacity(256 + estimate);
        serde_json::to_writer(&mut out, self)?;
        Ok(out)
    }
}

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
        struct Results<'a>(&'a Evaluation, Encoding);
        impl Serialize for Results<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let ev = self.0;
                let mut seq = s.serialize_seq(Some(ev.results.len()))?;
                for (k, a) in ev.results.iter().enumerate() {
                    let notes = ev.result_notes.get(k).map_or(&[][..], Vec::as_slice);
                    let check = ev.checks.get(k).and_then(Option::as_ref);
                    seq.serialize_element(&Annotated(a, self.1, notes, check))?;
                }
                seq.end()
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("outputs", &Outputs(&ev.outputs, e))?;
        m.serialize_entry("results", &Results(ev, e))?;
        if !ev.notes.is_empty() {
            m.serialize_entry("notes", &super::notes::notes(&ev.notes))?;
        }
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
