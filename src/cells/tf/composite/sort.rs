//! `tf.sort`, `tf.argsort` and `tf.math.top_k`, as TensorFlow 2.15 runs them: TopKV2 orders each
//! row by value, largest first, equal values by index (`sort_ops.py` sorts ascending by running
//! it on the negated values, which keeps equal values by index too). The order is found here and
//! the values gathered from the flattened input, so a tape records a gather behind a reshape:
//! the gradient is TopK's (the output gradient scattered back to the positions), dense.
//! Where TensorFlow's order comes from its C++ sort's internals (NaN, which compares unordered
//! with everything, and `sorted=False` for 1 < k < n) the cell is refused.

use std::cmp::Ordering;

use super::*;
use crate::cells::value::{PyTuple, TOP_K};

/// `tf.sort(values, axis, direction)` and `tf.argsort(values, axis, direction, stable)`.
pub(super) fn sort(
    it: &mut Interp,
    short: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names: &[&str] = if short == "argsort" {
        &["values", "axis", "direction", "stable", "name"]
    } else {
        &["values", "axis", "direction", "name"]
    };
    let b = bind(short, names, 1, args, kwargs)?;
    let descending = match &b[2] {
        None => false,
        Some(Value::Str(s)) if &**s == "ASCENDING" => false,
        Some(Value::Str(s)) if &**s == "DESCENDING" => true,
        Some(other) => {
            return Err(Raise::value_error(format!(
            "Argument `direction` should be one of ASCENDING, DESCENDING. Received: direction={}",
            crate::cells::print::str(it, other)
        )))
        }
    };
    let axis = match &b[1] {
        None => -1,
        Some(Value::Float(f)) if f.fract() == 0.0 => *f as i64,
        Some(v) => int_arg(it, "axis", v)?,
    };
    let x = it.to_val(b[0].as_ref().expect("bound"), None)?;
    let rank = x.tensor.rank() as i64;
    // `shape(values)[axis]` is TensorFlow's first use of the axis
    if axis < -rank || axis >= rank {
        return Err(invalid(super::super::super::kernel_errors::framed(
            "StridedSlice",
            &format!("slice index {axis} of dimension 0 out of bounds."),
            "StridedSlice",
            Some("strided_slice/"),
        )));
    }
    if x.tensor.dtype() == DType::Bool {
        if descending {
            return Err(invalid(bool_top_k_text(" name: ")));
        }
        // the negation TensorFlow runs first refuses a bool
        return Err(invalid("Value for attr 'T' of bool is not in the list of allowed values: bfloat16, half, float, double, int8, int16, int32, int64, complex64, complex128\n\t; NodeDef: {{node Neg}}; Op<name=Neg; signature=x:T -> y:T; attr=T:type,allowed=[DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE, DT_INT8, DT_INT16, DT_INT32, DT_INT64, DT_COMPLEX64, DT_COMPLEX128]> [Op:Neg] name: ".into()));
    }
    let axis = axis.rem_euclid(rank) as usize;
    let shape = x.tensor.shape().to_vec();
    let n = shape[axis];
    let rows = ordered_rows(&x.tensor, axis, n, short)?;
    let mut positions = Vec::with_capacity(x.tensor.len());
    let mut flat = Vec::with_capacity(x.tensor.len());
    for row in &rows {
        let order = order(&row.keys, descending);
        positions.extend(order.iter().map(|&k| k as f64));
        flat.extend(order.iter().map(|&k| row.offsets[k] as f64));
    }
    // rows were walked with the axis last; put each element back where it belongs
    let out = restore(&shape, axis, &positions, &flat);
    if short == "argsort" {
        let t = Tensor::from_f64s(&shape, &out.0, DType::I32)?;
        return Ok(tensor(it.ws.ctx.constant(t)));
    }
    Ok(tensor(gathered(it, x, &out.1, &shape)?))
}

/// `tf.math.top_k(input, k=1, sorted=True, index_type=tf.int32)`: a `TopKV2` of values and
/// indices along the last axis.
pub(super) fn top_k(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names = ["input", "k", "sorted", "index_type", "name"];
    let b = bind("top_k", &names, 1, args, kwargs)?;
    let x = it.to_val(b[0].as_ref().expect("bound"), None)?;
    let k = match &b[1] {
        None => 1,
        Some(Value::Float(_)) => return Err(invalid(float_k_text())),
        Some(v) => match it.to_val(v, None)?.tensor {
            t if t.dtype().is_float() => return Err(invalid(float_k_text())),
            t => t.to_f64_vec().first().copied().unwrap_or(0.0) as i64,
        },
    };
    let sorted = match &b[2] {
        None => true,
        Some(v) => it.truth(v)?,
    };
    let index_type = match &b[3] {
        None => DType::I32,
        Some(v) => crate::cells::convert::tf_dtype_of_value(v)?
            .ok_or_else(|| Raise::type_error("index_type must be a dtype such as tf.int32"))?,
    };
    if x.tensor.dtype() == DType::Bool {
        return Err(invalid(bool_top_k_text("")));
    }
    let kernel = |text: String, name: Option<&str>| {
        invalid(super::super::super::kernel_errors::framed(
            "TopKV2", &text, "TopKV2", name,
        ))
    };
    if k < 0 {
        return Err(kernel(format!("Need k >= 0, got {k}"), None));
    }
    let shape = x.tensor.shape().to_vec();
    let Some(&n) = shape.last() else {
        return Err(kernel(
            "input must be >= 1-D, got shape []".into(),
            Some(""),
        ));
    };
    let k = k as usize;
    if k > n {
        return Err(kernel(
            format!("input must have at least k columns. Had {n}, needed {k}"),
            None,
        ));
    }
    if !sorted && k > 1 && k < n {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            "tf.math.top_k with sorted=False is in the cell subset only for k = 1 or k = the last axis's size: TensorFlow's order of the others comes from its C++ selection's internals (leave sorted=True)",
        ));
    }
    let axis = shape.len() - 1;
    let rows = ordered_rows(&x.tensor, axis, n, "top_k")?;
    let (mut positions, mut flat) = (Vec::new(), Vec::new());
    for row in &rows {
        let order = order(&row.keys, true);
        positions.extend(order[..k].iter().map(|&j| j as f64));
        flat.extend(order[..k].iter().map(|&j| row.offsets[j] as f64));
    }
    let mut out_shape = shape.clone();
    out_shape[axis] = k;
    let values = gathered(it, x, &flat, &out_shape)?;
    let indices = Tensor::from_f64s(&out_shape, &positions, index_type)?;
    let indices = it.ws.ctx.constant(indices);
    Ok(Value::Tuple(PyTuple::named(
        vec![tensor(values), tensor(indices)],
        &TOP_K,
    )))
}

/// One row along the sorted axis: its values' keys and their flat offsets in the input.
struct Row {
    keys: Keys,
    offsets: Vec<usize>,
}

/// A row's values, compared exactly: floats as float64 (which holds every float32), ints as
/// themselves (int64 past 2**53 included).
enum Keys {
    Float(Vec<f64>),
    Int(Vec<i64>),
}

/// The rows of `t` along `axis` (of size `n`), outer positions in row-major order with the
/// axis taken out; a NaN anywhere is refused.
fn ordered_rows(t: &Tensor, axis: usize, n: usize, what: &str) -> Result<Vec<Row>, Raise> {
    let shape = t.shape();
    let stride: usize = shape[axis + 1..].iter().product();
    let outer: usize = shape[..axis].iter().product();
    let (floats, ints) = match t.dtype().is_float() {
        true => (t.to_f64_vec(), Vec::new()),
        false => (Vec::new(), t.as_indices().unwrap_or_default()),
    };
    if floats.iter().any(|v| v.is_nan()) {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            format!("tf.{what} of a tensor holding NaN is outside the cell subset: TensorFlow's place for a NaN comes from its C++ sort's internals (a NaN compares unordered with everything); drop or replace the NaNs first (tf.where(tf.math.is_nan(x), ...))"),
        ));
    }
    let mut rows = Vec::with_capacity(outer * stride);
    for o in 0..outer {
        for i in 0..stride {
            let offsets: Vec<usize> = (0..n).map(|j| (o * n + j) * stride + i).collect();
            let keys = match t.dtype().is_float() {
                true => Keys::Float(offsets.iter().map(|&f| floats[f]).collect()),
                false => Keys::Int(offsets.iter().map(|&f| ints[f]).collect()),
            };
            rows.push(Row { keys, offsets });
        }
    }
    Ok(rows)
}

/// TopK's order of a row: by value (largest first when `descending`), equal values by index.
fn order(keys: &Keys, descending: bool) -> Vec<usize> {
    let by = |a: &usize, b: &usize| -> Ordering {
        let o = match keys {
            // no NaN reaches here: partial_cmp is total on the rest
            Keys::Float(v) => v[*a].partial_cmp(&v[*b]).unwrap_or(Ordering::Equal),
            Keys::Int(v) => v[*a].cmp(&v[*b]),
        };
        let o = if descending { o.reverse() } else { o };
        o.then(a.cmp(b))
    };
    let n = match keys {
        Keys::Float(v) => v.len(),
        Keys::Int(v) => v.len(),
    };
    let mut idx: Vec<usize> = (0..n).collect();
    idx.sort_by(by);
    idx
}

/// The rows' positions and flat offsets (in row order) put at their places in the output of
/// `shape`, whose `axis` the rows run along.
fn restore(shape: &[usize], axis: usize, positions: &[f64], flat: &[f64]) -> (Vec<f64>, Vec<f64>) {
    let n = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let mut pos_out = vec![0.0; positions.len()];
    let mut flat_out = vec![0.0; flat.len()];
    for (r, (p, f)) in positions
        .chunks(n.max(1))
        .zip(flat.chunks(n.max(1)))
        .enumerate()
    {
        let (o, i) = (r / stride.max(1), r % stride.max(1));
        for j in 0..p.len() {
            let at = (o * n + j) * stride + i;
            pos_out[at] = p[j];
            flat_out[at] = f[j];
        }
    }
    (pos_out, flat_out)
}

/// `x`'s elements at flat offsets `flat`, shaped `shape`: a gather from `x` reshaped flat, so
/// the gradient reaching `x` is dense.
fn gathered(it: &mut Interp, x: Val, flat: &[f64], shape: &[usize]) -> Result<Val, Raise> {
    let n = x.tensor.len() as i64;
    let flat_x = op(it, "reshape", vec![("shape", ints(&[n]))], vec![x])?;
    let at = Tensor::from_f64s(&[flat.len()], flat, DType::I64)?;
    let at = it.ws.ctx.constant(at);
    let picked = op(it, "gather", vec![("axis", Lit::Int(0))], vec![flat_x, at])?;
    let shape: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
    op(it, "reshape", vec![("shape", ints(&shape))], vec![picked])
}

/// TopKV2's refusal of a bool input (`name` its Python wrapper's ` name: ` part, or none).
fn bool_top_k_text(name: &str) -> String {
    format!("Value for attr 'T' of bool is not in the list of allowed values: float, double, int32, uint8, int16, int8, int64, bfloat16, uint16, half, uint32, uint64\n\t; NodeDef: {{{{node TopKV2}}}}; Op<name=TopKV2; signature=input:T, k:Tk -> values:T, indices:index_type; attr=sorted:bool,default=true; attr=T:type,allowed=[DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_INT64, DT_BFLOAT16, DT_UINT16, DT_HALF, DT_UINT32, DT_UINT64]; attr=Tk:type,default=DT_INT32,allowed=[DT_INT16, DT_INT32, DT_INT64]; attr=index_type:type,default=DT_INT32,allowed=[DT_INT16, DT_INT32, DT_INT64]> [Op:TopKV2]{name}")
}

/// TopKV2's refusal of a float `k`.
fn float_k_text() -> String {
    "Value for attr 'Tk' of float is not in the list of allowed values: int16, int32, int64\n\t; NodeDef: {{node TopKV2}}; Op<name=TopKV2; signature=input:T, k:Tk -> values:T, indices:index_type; attr=sorted:bool,default=true; attr=T:type,allowed=[DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_INT64, DT_BFLOAT16, DT_UINT16, DT_HALF, DT_UINT32, DT_UINT64]; attr=Tk:type,default=DT_INT32,allowed=[DT_INT16, DT_INT32, DT_INT64]; attr=index_type:type,default=DT_INT32,allowed=[DT_INT16, DT_INT32, DT_INT64]> [Op:TopKV2]".into()
}
