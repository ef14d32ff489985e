//! Literals as the program writes them, and TensorFlow's Python-literal typing of them.
//!
//! `Lit` mirrors a JSON value so that the engine never sees serde_json: the wire layer converts.

use smallvec::SmallVec;

use super::dtype::DType;
use super::error::{arg_err, dtype_err, Result};
use super::tensor::{checked_numel, Tensor};

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Lit>),
    Map(Vec<(String, Lit)>),
    /// A tensor the wire layer already decoded (the compact b64 form). Boxed: a tensor is some
    /// 100 bytes and every other literal 24, and programs hold literals by the dozen (each
    /// element of a list, each input and attribute of a node) where b64 tensors are few.
    Tensor(Box<Tensor>),
}

/// What kind of Python literal a nested value is: `tf.constant` infers its dtype from this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Bool,
    Int,
    Float,
}

impl Kind {
    pub fn default_dtype(self) -> DType {
        match self {
            Kind::Bool => DType::Bool,
            Kind::Int => DType::I32,
            Kind::Float => DType::F32,
        }
    }

    /// Whether TensorFlow converts a Python value of this kind to `d`: never a float to an
    /// integer, nor anything but a bool to bool; a bool is Python's 0 or 1 and becomes any
    /// dtype (`tf.constant(True, tf.float32)` is 1.0).
    pub fn fits(self, d: DType) -> bool {
        match self {
            Kind::Float => d.is_float(),
            Kind::Int => d != DType::Bool,
            Kind::Bool => true,
        }
    }
}

impl Lit {
    pub fn get(&self, key: &str) -> Option<&Lit> {
        match self {
            Lit::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Lit::Int(i) => Some(*i as f64),
            Lit::Float(f) => Some(*f),
            Lit::Str(s) => non_finite(s),
            _ => None,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        match self {
            Lit::Null => "null",
            Lit::Bool(_) => "a boolean",
            Lit::Int(_) => "an integer",
            Lit::Float(_) => "a number",
            Lit::Str(_) => "a string",
            Lit::List(_) => "a list",
            Lit::Map(_) => "an object",
            Lit::Tensor(_) => "a tensor",
        }
    }
}

fn non_finite(s: &str) -> Option<f64> {
    match s {
        "NaN" | "nan" => Some(f64::NAN),
        "Infinity" | "inf" => Some(f64::INFINITY),
        "-Infinity" | "-inf" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

/// A nested literal flattened: its shape, its values as f64, and its Python kind.
struct Flat {
    /// Inline up to rank 4: a literal's shape is read one level at a time, which grew a vector.
    shape: SmallVec<[usize; 4]>,
    vals: Vec<f64>,
    kind: Kind,
    /// The values as written, when an integer beyond 2^53 makes f64 inexact: an int64
    /// literal keeps every digit (9007199254740993, INT64_MAX), as it does in TensorFlow.
    ints: Option<Vec<i64>>,
}

/// The largest integer below which every integer is exact in f64.
const F64_EXACT: u64 = 1 << 53;

fn flatten(v: &Lit, max_elems: usize) -> Result<Flat> {
    let mut shape = SmallVec::new();
    let mut cur = v;
    while let Lit::List(items) = cur {
        shape.push(items.len());
        if shape.len() > 32 {
            return Err(arg_err(
                "a tensor literal nests deeper than 32 levels; TensorFlow allows rank 32 at most",
            ));
        }
        match items.first() {
            Some(first) => cur = first,
            None => break,
        }
    }
    // A well-formed literal has exactly this many numbers, so a small one is sized once; the
    // count comes from the first row at each depth, which a ragged literal (refused below) can
    // make far larger than the body, so past a few thousand the vector grows as it is filled.
    let n = checked_numel(&shape, max_elems)?;
    let mut vals = Vec::with_capacity(n.min(4096));
    let (mut any_float, mut all_bool) = (false, true);
    walk(v, 0, &shape, &mut vals, &mut any_float, &mut all_bool)?;
    let kind = if !vals.is_empty() && all_bool {
        Kind::Bool
    } else if any_float {
        Kind::Float
    } else {
        Kind::Int
    };
    // rare (only huge integers), so the exact values are gathered by a second walk
    let ints = (kind == Kind::Int && vals.iter().any(|x| x.abs() >= F64_EXACT as f64)).then(|| {
        let mut ints = Vec::with_capacity(vals.len());
        exact_ints(v, &mut ints);
        ints
    });
    Ok(Flat {
        shape,
        vals,
        kind,
        ints,
    })
}

/// The integers (and bools, as 0 and 1) of a literal that `walk` accepted, in order.
fn exact_ints(v: &Lit, out: &mut Vec<i64>) {
    match v {
        Lit::List(items) => items.iter().for_each(|it| exact_ints(it, out)),
        Lit::Int(i) => out.push(*i),
        Lit::Bool(b) => out.push(i64::from(*b)),
        _ => {}
    }
}

fn walk(
    v: &Lit,
    depth: usize,
    shape: &[usize],
    out: &mut Vec<f64>,
    any_float: &mut bool,
    all_bool: &mut bool,
) -> Result<()> {
    match v {
        Lit::List(items) => {
            if depth >= shape.len() || items.len() != shape[depth] {
                return Err(arg_err(format!(
                    "a tensor literal is ragged: rows at depth {depth} have different lengths or nesting (expected shape {shape:?}); every row must have the same length"
                )));
            }
            for it in items {
                walk(it, depth + 1, shape, out, any_float, all_bool)?;
            }
        }
        _ if depth != shape.len() => {
            return Err(arg_err(format!(
                "a tensor literal is ragged: a number sits where a list was expected (expected shape {shape:?})"
            )))
        }
        Lit::Bool(b) => out.push(if *b { 1.0 } else { 0.0 }),
        Lit::Int(i) => {
            *all_bool = false;
            out.push(*i as f64)
        }
        Lit::Float(f) => {
            *all_bool = false;
            *any_float = true;
            out.push(*f)
        }
        Lit::Str(s) => match non_finite(s) {
            Some(f) => {
                *all_bool = false;
                *any_float = true;
                out.push(f)
            }
            None => {
                return Err(arg_err(format!(
                    "\"{s}\" is not a number; the only strings a tensor may hold are \"NaN\", \"Infinity\" and \"-Infinity\""
                )))
            }
        },
        other => {
            return Err(arg_err(format!(
                "a tensor literal holds {}; use numbers, booleans, nested lists, or {{\"value\", \"dtype\"}}",
                other.kind_name()
            )))
        }
    }
    Ok(())
}

/// Converts flat values of a Python `kind` to `dtype`, refusing what TensorFlow refuses.
fn convert(flat: Flat, dtype: DType) -> Result<Tensor> {
    // no values, nothing to convert: `tf.constant([], dtype=tf.bool)` is a bool tensor
    let ok = flat.vals.is_empty() || flat.kind.fits(dtype);
    if !ok {
        let what = match flat.kind {
            Kind::Float => "a float literal",
            Kind::Int => "an integer literal",
            Kind::Bool => "a boolean literal",
        };
        return Err(dtype_err(format!(
            "{what} cannot become {} {dtype} tensor (TensorFlow does not convert it; write the value in the dtype's form or cast)",
            if dtype == DType::I32 || dtype == DType::I64 { "an" } else { "a" }
        )));
    }
    let wide = |v: &f64| *v < i32::MIN as f64 || *v > i32::MAX as f64;
    if dtype == DType::I32 && flat.vals.iter().any(wide) {
        // TensorFlow converts a Python int to int32 through int64 and keeps the low 32 bits:
        // `tf.constant(2**31, tf.int32)` is -2147483648, `tf.constant([1]) * 2**40` is [0]
        let ints = match flat.ints {
            Some(ints) => ints,
            None => flat.vals.iter().map(|&v| v as i64).collect(),
        };
        let wrapped: Vec<f64> = ints.iter().map(|&i| f64::from(i as i32)).collect();
        return Tensor::from_f64s(&flat.shape, &wrapped, dtype);
    }
    match (flat.ints, dtype) {
        (Some(ints), DType::I64) => {
            ndarray::ArrayD::from_shape_vec(ndarray::IxDyn(&flat.shape), ints)
                .map(Tensor::from_array)
                .map_err(|_| {
                    super::error::shape_err(format!(
                        "the values do not fill shape {:?}",
                        flat.shape
                    ))
                })
        }
        _ => Tensor::from_f64s(&flat.shape, &flat.vals, dtype),
    }
}

/// A tensor literal, typed as `tf.constant` types it: an explicit dtype wins, then `hint`
/// (the dtype of the node's first tensor operand, for weak inline literals), then the kind.
pub fn tensor_from_lit(v: &Lit, hint: Option<DType>, max_elems: usize) -> Result<Tensor> {
    if let Lit::Tensor(t) = v {
        checked_numel(t.shape(), max_elems)?;
        return Ok((**t).clone());
    }
    if let Lit::Map(_) = v {
        let dtype = match v.get("dtype") {
            None | Some(Lit::Null) => None,
            Some(Lit::Str(s)) => Some(DType::parse(s).ok_or_else(|| unknown_dtype(s))?),
            Some(other) => {
                return Err(arg_err(format!(
                    "\"dtype\" must be a string, not {}",
                    other.kind_name()
                )))
            }
        };
        let dtype = dtype.or(hint);
        if let Some(data) = v.get("data") {
            let shape = v
                .get("shape")
                .ok_or_else(|| arg_err("a literal with \"data\" also needs \"shape\""))
                .and_then(|s| shape_from_lit(s, "shape"))?;
            let n = checked_numel(&shape, max_elems)?;
            let Lit::List(items) = data else {
                return Err(arg_err("\"data\" must be a flat list of numbers"));
            };
            if items.len() != n {
                return Err(super::error::shape_err(format!(
                    "\"data\" has {} values but shape {shape:?} needs {n}",
                    items.len()
                )));
            }
            let mut flat = flatten(data, max_elems)?;
            if flat.shape.len() != 1 {
                return Err(arg_err(
                    "\"data\" must be a flat list of numbers, not nested lists",
                ));
            }
            flat.shape = shape.into();
            let dtype = dtype.unwrap_or(flat.kind.default_dtype());
            return convert(flat, dtype);
        }
        if let Some(value) = v.get("value") {
            return tensor_from_lit(value, dtype, max_elems);
        }
        return Err(arg_err(
            "a tensor object needs \"value\" (nested lists), \"data\" with \"shape\", or \"b64\" with \"shape\" and \"dtype\"",
        ));
    }
    let flat = flatten(v, max_elems)?;
    let dtype = hint.unwrap_or(flat.kind.default_dtype());
    convert(flat, dtype)
}

/// Whether a Python literal converts to `d`, as `tf.constant(v, dtype=d)` does; one without
/// values converts to any dtype.
pub fn lit_fits(v: &Lit, d: DType) -> bool {
    match v {
        Lit::Map(_) | Lit::Tensor(_) => true,
        _ => flatten(v, usize::MAX).map_or(true, |f| f.vals.is_empty() || f.kind.fits(d)),
    }
}

/// The kind Python gives a list in `tf.constant` and `np.array`: as `lit_kind`, but an empty
/// list is a float there (the wire's typing, `lit_kind`, calls it an integer, as the JSON
/// oracle types it).
pub fn python_kind(v: &Lit) -> Option<Kind> {
    match v {
        Lit::Map(_) | Lit::Tensor(_) => None,
        _ => flatten(v, usize::MAX).ok().map(|f| {
            if f.vals.is_empty() {
                Kind::Float
            } else {
                f.kind
            }
        }),
    }
}

/// The Python kind of a literal (float32 / int32 / bool inference), for checks before typing.
pub fn lit_kind(v: &Lit) -> Option<Kind> {
    match v {
        Lit::Map(_) | Lit::Tensor(_) => None,
        _ => flatten(v, usize::MAX).ok().map(|f| f.kind),
    }
}

pub fn unknown_dtype(s: &str) -> super::error::Error {
    arg_err(format!(
        "unknown dtype \"{s}\"; use float32, float64, int32, int64 or bool"
    ))
}

/// A shape attribute: a list of non-negative integers.
pub fn shape_from_lit(v: &Lit, what: &str) -> Result<Vec<usize>> {
    let Lit::List(items) = v else {
        return Err(arg_err(format!(
            "\"{what}\" must be a list of non-negative integers, like [2, 3]"
        )));
    };
    if items.len() > 32 {
        return Err(arg_err(format!(
            "\"{what}\" has rank {}; TensorFlow allows rank 32 at most",
            items.len()
        )));
    }
    items
        .iter()
        .map(|d| match d {
            Lit::Int(i) if *i >= 0 => Ok(*i as usize),
            other => Err(arg_err(format!(
                "\"{what}\" must be a list of non-negative integers, like [2, 3]; found {}",
                match other {
                    Lit::Int(i) => i.to_string(),
                    o => o.kind_name().to_string(),
                }
            ))),
        })
        .collect()
}

/// The shape NumPy discovers in a literal that is not rectangular: its dimensions up to the
/// first depth where rows differ in length or a number sits beside a list (NumPy's "The
/// detected shape was (2,) + inhomogeneous part"), found over the whole literal as NumPy's
/// discovery does; None for a rectangular literal.
pub fn ragged_prefix(v: &Lit) -> Option<Vec<usize>> {
    struct Discovery {
        shape: Vec<usize>,
        leaf_depth: Option<usize>,
        max_dims: usize,
    }
    fn go(v: &Lit, depth: usize, d: &mut Discovery) {
        if depth >= d.max_dims {
            return;
        }
        match v {
            Lit::List(items) => {
                if d.leaf_depth.is_some_and(|l| depth >= l) {
                    d.max_dims = depth;
                    return;
                }
                if depth == d.shape.len() {
                    d.shape.push(items.len());
                } else if d.shape[depth] != items.len() {
                    d.max_dims = depth;
                    return;
                }
                items.iter().for_each(|x| go(x, depth + 1, d));
            }
            _ => match d.leaf_depth {
                None => d.leaf_depth = Some(depth),
                Some(l) if l != depth => d.max_dims = d.max_dims.min(depth.min(l)),
                Some(_) => {}
            },
        }
    }
    let mut d = Discovery {
        shape: Vec::new(),
        leaf_depth: None,
        max_dims: usize::MAX,
    };
    go(v, 0, &mut d);
    (d.max_dims != usize::MAX).then(|| d.shape[..d.max_dims.min(d.shape.len())].to_vec())
}

/// How TensorFlow's conversion of a nested Python list (`py_seq_tensor.cc`) fails, where it
/// does: the shape comes from each level's first item, then every row must be a list of that
/// length ("non-rectangular") and every innermost item a number ("mixed types"), in order.
/// None when it converts, a literal of no elements included (`[[], [1]]` is a `(2, 0)`
/// tensor to TensorFlow, whatever follows its first row).
pub fn tf_conversion_error(v: &Lit) -> Option<&'static str> {
    const RAGGED: &str = "Can't convert non-rectangular Python sequence to Tensor.";
    const MIXED: &str = "Can't convert Python sequence with mixed types to Tensor.";
    let mut shape = Vec::new();
    let mut first = v;
    while let Lit::List(items) = first {
        shape.push(items.len());
        match items.first() {
            Some(x) => first = x,
            None => break,
        }
    }
    if shape.is_empty() || shape.contains(&0) {
        return None;
    }
    fn rows(v: &Lit, depth: usize, shape: &[usize]) -> Option<&'static str> {
        let Lit::List(items) = v else {
            return Some(RAGGED);
        };
        if items.len() != shape[depth] {
            return Some(RAGGED);
        }
        if depth + 1 < shape.len() {
            return items.iter().find_map(|x| rows(x, depth + 1, shape));
        }
        items
            .iter()
            .any(|x| matches!(x, Lit::List(_)))
            .then_some(MIXED)
    }
    rows(v, 0, &shape)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::error::Code;

    fn t(v: Lit, hint: Option<DType>) -> Result<Tensor> {
        tensor_from_lit(&v, hint, 1 << 20)
    }

    #[test]
    fn python_literal_typing() {
        // [76, 120, 37.5]: one float makes the whole literal float32, as tf.constant does
        let x = t(
            Lit::List(vec![Lit::Int(76), Lit::Int(120), Lit::Float(37.5)]),
            None,
        )
        .unwrap();
        assert_eq!(
            (x.dtype(), x.to_f64_vec()),
            (DType::F32, vec![76.0, 120.0, 37.5])
        );
        assert_eq!(
            t(Lit::List(vec![Lit::Int(1), Lit::Int(2)]), None)
                .unwrap()
                .dtype(),
            DType::I32
        );
        assert_eq!(t(Lit::Bool(true), None).unwrap().dtype(), DType::Bool);
        // a weak literal follows its operand: 0.01 next to a float64 tensor is float64
        assert_eq!(
            t(Lit::Float(0.01), Some(DType::F64)).unwrap().dtype(),
            DType::F64
        );
        // but a float never silently becomes an integer
        assert_eq!(
            t(Lit::Float(0.5), Some(DType::I32)).unwrap_err().code,
            Code::DtypeMismatch
        );
    }

    #[test]
    fn ragged_and_non_numeric_literals_are_refused() {
        let ragged = Lit::List(vec![
            Lit::List(vec![Lit::Int(1), Lit::Int(2)]),
            Lit::List(vec![Lit::Int(3)]),
        ]);
        assert_eq!(t(ragged, None).unwrap_err().code, Code::InvalidArgument);
        assert_eq!(
            t(Lit::Str("one".into()), None).unwrap_err().code,
            Code::InvalidArgument
        );
        let nan = t(Lit::Str("NaN".into()), None).unwrap();
        assert!(nan.to_f64_vec()[0].is_nan());
    }
}
