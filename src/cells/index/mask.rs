//! Boolean masks on tensors: `tf.boolean_mask(tensor, mask, axis)`, which is also what
//! `x[mask]` is for a boolean tensor, NumPy array or Python bool (TensorFlow's `_slice_helper`
//! calls it), and the gather that every tensor subscript ends in.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::plan::{plan, Plan};
use super::Item;
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::tape::bind_args;
use crate::cells::value::Value;

/// `tf.boolean_mask(tensor, mask, axis=None, name=None)`.
pub fn boolean_mask_call(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let what = "boolean_mask_v2";
    let mut a = bind_args(what, &["tensor", "mask", "axis", "name"], args, kwargs)?.into_iter();
    let missing = |name: &str| {
        Raise::type_error(format!(
            "{what}() missing 1 required positional argument: '{name}'"
        ))
    };
    let tensor = a.next().flatten().ok_or_else(|| missing("tensor"))?;
    let mask = a.next().flatten().ok_or_else(|| missing("mask"))?;
    let axis = match a.next().flatten() {
        None | Some(Value::None) => 0,
        Some(v) => match it.np_tensor(&v) {
            Ok(t) if t.rank() == 0 && t.dtype().is_int() => t.to_f64_vec()[0] as i64,
            _ => {
                return Err(Raise::type_error(format!(
                    "boolean_mask: axis must be an int, not {}",
                    v.type_name()
                )))
            }
        },
    };
    let x = it.to_val(&tensor, None)?;
    boolean_mask(it, x, &mask, axis)
}

/// `shape[a:b]` as Python slices a TensorShape (negative bounds count from the end).
fn py_slice(shape: &[usize], a: i64, b: i64) -> &[usize] {
    let n = shape.len() as i64;
    let norm = |x: i64| (if x < 0 { x + n } else { x }).clamp(0, n) as usize;
    let (a, b) = (norm(a), norm(b));
    if b > a {
        &shape[a..b]
    } else {
        &[]
    }
}

/// The elements of `x` where `mask` is nonzero, the mask covering the axes from `axis` on:
/// those axes become one, as long as the count of true elements.
pub(super) fn boolean_mask(
    it: &mut Interp,
    x: Val,
    mask: &Value,
    axis: i64,
) -> Result<Value, Raise> {
    let m = it.to_val(mask, None)?.tensor;
    if m.rank() == 0 {
        return Err(Raise::value_error(
            "mask cannot be scalar. (a mask has one element per element of the axes it selects from)",
        ));
    }
    let shape = x.tensor.shape().to_vec();
    let covered = py_slice(&shape, axis, axis + m.rank() as i64);
    if covered != m.shape() {
        return Err(Raise::value_error(format!(
            "Shapes {} and {} are incompatible (the mask's shape must be the tensor's from axis {axis} on)",
            crate::cells::print::tuple_text(covered),
            crate::cells::print::tuple_text(m.shape())
        )));
    }
    let axis = if axis < 0 {
        axis + shape.len() as i64
    } else {
        axis
    } as usize;
    // tf.where reads any nonzero element as true
    let truth: Vec<f64> = m
        .to_f64_vec()
        .into_iter()
        .map(|v| f64::from(u8::from(v != 0.0)))
        .collect();
    let m = Tensor::from_f64s(m.shape(), &truth, DType::Bool).map_err(Raise::from)?;
    let mut items = vec![Item::Slice(None, None, None); axis];
    items.push(Item::Mask(m));
    let p = plan(&shape, &items, false, it.max_elems())?;
    gather_plan(it, x, &p).map(Value::Tensor)
}

fn offsets_tensor(offsets: &[usize]) -> Tensor {
    let v: Vec<f64> = offsets.iter().map(|&o| o as f64).collect();
    Tensor::from_f64s(&[v.len()], &v, DType::I64).expect("shape matches")
}

/// A plan's elements of `x` as ops on the tape: flatten, gather, reshape, so every step has a
/// gradient, and a dense one (TensorFlow's gradient through a reshape is dense too).
pub(super) fn gather_plan(it: &mut Interp, x: Val, p: &Plan) -> Result<Val, Raise> {
    let flat = it.apply(
        "reshape",
        vec![("shape".into(), Lit::List(vec![Lit::Int(-1)]))],
        vec![x],
    )?;
    let idx = it.ws.ctx.constant(offsets_tensor(&p.offsets));
    let picked = it.apply("gather", vec![], vec![flat, idx])?;
    let shape = Lit::List(p.shape.iter().map(|&d| Lit::Int(d as i64)).collect());
    it.apply("reshape", vec![("shape".into(), shape)], vec![picked])
}

/// A plan's elements of a bare tensor (NumPy's indexing, outside every tape).
pub(super) fn gather_bare(it: &mut Interp, t: &Tensor, p: &Plan) -> Result<Tensor, Raise> {
    let flat = t.reshape(&[t.len()]).map_err(Raise::from)?;
    let picked = it.compute("gather", vec![], &[&flat, &offsets_tensor(&p.offsets)])?;
    picked.reshape(&p.shape).map_err(Raise::from)
}
