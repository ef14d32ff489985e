//! TensorFlow arguments that the engine's ops take only at their default (`DefaultOnly` in the
//! registry) but that a cell still honours, by composing ops the way TensorFlow's result
//! comes out: `argmax(output_type=tf.int32)` is the int64 answer cast, `ones_like(x,
//! dtype=)` the ones cast, `one_hot(axis=k)` the depth axis moved to k, `eye(batch_shape=)`
//! the matrix broadcast, `matmul(adjoint_a=)` a transpose (the dtypes are real). Hints that do
//! not change a result (`a_is_sparse`, `validate_indices`, `conjugate`) are accepted as
//! TensorFlow accepts them; any other value is refused by name (NotImplementedError) rather
//! than computed wrongly. `tf.reverse` is here too: a gather of reversed indices per axis, which
//! has reverse's values and gradient.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::ops::registry::{OpDef, Param, ParamDefault, Support};
use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
use super::super::raise::{Raise, RaiseKind};
use super::super::tape::bind_args;
use super::super::value::Value;

/// What runs on the op's result to give TensorFlow's.
pub enum Then {
    Nothing,
    Cast(DType),
    /// `one_hot`'s depth axis (last) moved to this position.
    DepthAxis(i64),
    /// `eye`'s matrix broadcast under these leading dimensions.
    Batch(Vec<usize>),
}

/// A call's arguments bound to the registry's parameters (None where not given).
pub(super) type Bound = Vec<(&'static Param, Option<Value>)>;

/// The value given for parameter `name`, if one other than None was.
pub(super) fn given(bound: &Bound, name: &str) -> Option<Value> {
    bound
        .iter()
        .find(|(p, _)| p.name == name)
        .and_then(|(_, v)| v.clone())
        .filter(|v| !matches!(v, Value::None))
}

fn set(bound: &mut Bound, name: &str, v: Value) {
    if let Some(slot) = bound.iter_mut().find(|(p, _)| p.name == name) {
        slot.1 = Some(v);
    }
}

fn dtype_of(v: &Value) -> Option<DType> {
    match v {
        Value::DType(d) | Value::NpDType(d) => Some(*d),
        Value::Str(s) => DType::parse(s),
        _ => None,
    }
}

fn not_in_subset(op: &str, p: &Param, v: &Value) -> Raise {
    Raise::new(
        RaiseKind::NotImplementedError,
        format!(
            "{op}'s {}={} is not in the cell subset, which takes it only at its default ({})",
            p.name,
            super::composite::shown(v),
            p.default.python()
        ),
    )
}

fn is_default(p: &Param, v: &Value) -> bool {
    match (p.default, v) {
        (_, Value::None) => true,
        (ParamDefault::Bool(d), Value::Bool(b)) => d == *b,
        (ParamDefault::Int(d), Value::Int(i)) => d == *i,
        (ParamDefault::Float(d), Value::Float(f)) => d == *f,
        (ParamDefault::Float(d), Value::Int(i)) => d == *i as f64,
        (ParamDefault::DType(d), v) => dtype_of(v) == Some(d),
        _ => false,
    }
}

/// Takes the default-only arguments out of `bound`: those the cell can honour become the
/// returned step (or a rewrite of another argument), the rest are refused.
pub fn take(def: &OpDef, bound: &mut Bound) -> Result<Then, Raise> {
    let op = def.name;
    let mut then = Then::Nothing;
    if matches!(op, "matmul" | "matvec") {
        for (adjoint, transpose) in [("adjoint_a", "transpose_a"), ("adjoint_b", "transpose_b")] {
            let Some(a) = given(bound, adjoint) else {
                continue;
            };
            let t = given(bound, transpose).map(|v| v.truthy()).transpose()?;
            if a.truthy()? {
                if t == Some(true) {
                    return Err(Raise::value_error(format!(
                        "Only one of `{transpose}` and `{adjoint}` can be True. Received `{transpose}`=True, `{adjoint}`=True."
                    )));
                }
                set(bound, transpose, Value::Bool(true));
            }
        }
    }
    for (p, slot) in bound.iter_mut() {
        if p.support != Support::DefaultOnly {
            continue;
        }
        let Some(v) = slot.take() else { continue };
        if is_default(p, &v) {
            continue;
        }
        then = match (op, p.name) {
            ("argmax" | "argmin", "output_type") => match dtype_of(&v) {
                Some(DType::I32) => Then::Cast(DType::I32),
                Some(DType::I64) => Then::Nothing,
                Some(d) => return Err(Raise::new(RaiseKind::InvalidArgumentError, format!(
                    "Value for attr 'output_type' of {} is not in the list of allowed values: int16, uint16, int32, int64",
                    super::super::convert::tf_word(d)
                )).with_code(crate::engine::error::Code::DtypeMismatch)),
                None => return Err(not_in_subset(op, p, &v)),
            },
            ("ones_like" | "zeros_like", "dtype") => match dtype_of(&v) {
                Some(d) => Then::Cast(d),
                None => return Err(not_in_subset(op, p, &v)),
            },
            ("one_hot", "axis") => match v {
                Value::Int(k) => Then::DepthAxis(k),
                _ => return Err(not_in_subset(op, p, &v)),
            },
            ("eye", "batch_shape") => match v.items() {
                Some(items) => Then::Batch(
                    items
                        .iter()
                        .map(|d| match d {
                            Value::Int(n) if *n >= 0 => Ok(*n as usize),
                            _ => Err(not_in_subset(op, p, &v)),
                        })
                        .collect::<Result<_, _>>()?,
                ),
                None => {
                    return Err(Raise::type_error(format!(
                        "'{}' object is not iterable",
                        v.type_name()
                    )))
                }
            },
            ("matmul" | "matvec", "adjoint_a" | "adjoint_b") => then,
            (_, "a_is_sparse" | "b_is_sparse" | "validate_indices" | "conjugate") => then,
            _ => return Err(not_in_subset(op, p, &v)),
        };
    }
    Ok(then)
}

/// `out` as TensorFlow's result of the call `take` read.
pub fn finish(it: &mut Interp, then: Then, out: Val) -> Result<Val, Raise> {
    match then {
        Then::Nothing => Ok(out),
        Then::Cast(d) if d == out.tensor.dtype() => Ok(out),
        Then::Cast(d) => it.apply(
            "cast",
            vec![("dtype".into(), Lit::Str(d.name().into()))],
            vec![out],
        ),
        Then::DepthAxis(k) => {
            let rank = out.tensor.shape().len() as i64;
            if k == -1 {
                return Ok(out);
            }
            if !(0..rank).contains(&k) {
                return Err(Raise::new(
                    RaiseKind::InvalidArgumentError,
                    crate::cells::kernel_errors::framed(
                        "OneHot",
                        &format!(
                            "Expected axis to be -1 or between [0, {rank}).  But received: {k}"
                        ),
                        "OneHot",
                        None,
                    ),
                ));
            }
            let mut perm: Vec<Lit> = (0..rank - 1).map(Lit::Int).collect();
            perm.insert(k as usize, Lit::Int(rank - 1));
            it.apply(
                "transpose",
                vec![("perm".into(), Lit::List(perm))],
                vec![out],
            )
        }
        Then::Batch(batch) => {
            let mut shape: Vec<Lit> = batch.iter().map(|&n| Lit::Int(n as i64)).collect();
            shape.extend(out.tensor.shape().iter().map(|&n| Lit::Int(n as i64)));
            it.apply(
                "broadcast_to",
                vec![("shape".into(), Lit::List(shape))],
                vec![out],
            )
        }
    }
}

/// `tf.reverse(tensor, axis)`: the tensor with each listed axis read backwards.
pub fn reverse(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut xs = bind_args("reverse", &["tensor", "axis", "name"], args, kwargs)?.into_iter();
    let (Some(x), Some(axis)) = (xs.next().flatten(), xs.next().flatten()) else {
        return Err(Raise::type_error(
            "reverse() missing required positional argument: 'tensor' or 'axis'",
        ));
    };
    let mut out = it.to_val(&x, None)?;
    let rank = out.tensor.shape().len() as i64;
    let bad = |detail: String| {
        Raise::new(
            RaiseKind::InvalidArgumentError,
            format!("{detail} [Op:ReverseV2]"),
        )
    };
    // a tensor, array or variable axis converts as ReverseV2's `axis` input does: a vector of
    // ints (a list is one already)
    let axis = match it.read_variables(axis)? {
        t @ (Value::Tensor(_) | Value::Array(_) | Value::NpScalar(_)) => {
            match crate::cells::convert::to_lit(&t) {
                Some(Lit::List(ls)) => {
                    Value::list(ls.iter().map(crate::cells::convert::lit_value).collect())
                }
                _ => Value::Int(0),
            }
        }
        other => other,
    };
    let Some(items) = axis.items() else {
        return Err(bad("'dims' must be 1-dimension, not 0".into()));
    };
    let mut seen = Vec::new();
    for (i, a) in items.iter().enumerate() {
        // a list packs into one int tensor: NumPy's ints and int tensors join Python's
        let int = match a {
            Value::Int(a) => Some(*a),
            v => it
                .as_val(v)?
                .map(|x| x.tensor)
                .filter(|t| t.dtype().is_int() && t.rank() == 0)
                .map(|t| t.to_f64_vec()[0] as i64),
        };
        let Some(a) = &int else {
            return Err(Raise::type_error(format!(
                "reverse(): axis must be integers, not {}",
                a.type_name()
            )));
        };
        let k = if *a < 0 { a + rank } else { *a };
        if !(0..rank).contains(&k) {
            return Err(bad(format!(
                "'axis'[{i}] = {a} is out of valid range [0, {} ",
                rank - 1
            )));
        }
        if seen.contains(&k) {
            return Err(bad(format!("axis {k} specified more than once.")));
        }
        seen.push(k);
    }
    if !seen.is_empty() {
        out = super::composite::dense_gradient(it, out)?;
    }
    for k in seen {
        let n = out.tensor.shape()[k as usize];
        let backwards: Vec<f64> = (0..n).rev().map(|i| i as f64).collect();
        let idx = Tensor::from_f64s(&[n], &backwards, DType::I32).expect("sized");
        let idx = it.ws.ctx.constant(idx);
        out = it.apply("gather", vec![("axis".into(), Lit::Int(k))], vec![out, idx])?;
    }
    Ok(Value::Tensor(out))
}
