//! `tf.clip_by_norm`, `tf.clip_by_global_norm` and `tf.linalg.global_norm`, written with the
//! ops `clip_ops.py` uses in the order it uses them, so a tape records TensorFlow's ops and
//! gradients through the clipping come out as TensorFlow's (the two-tap `where` that keeps a
//! zero norm's gradient finite included).

use super::*;

/// `tf.clip_by_norm(t, clip_norm, axes=None)`: `t * clip_norm / maximum(l2norm, clip_norm)`,
/// the norm over `axes` (all of them when None) kept as dims.
pub(super) fn clip_by_norm(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "clip_by_norm",
        &["t", "clip_norm", "axes", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let t = b.next().flatten().unwrap();
    let clip_norm = b.next().flatten().unwrap();
    let axes = b.next().flatten().unwrap_or(Value::None);
    let values = it.to_val(&dense_only(t, "tf.clip_by_norm")?, None)?;
    let sq = op(it, "multiply", vec![], vec![values.clone(), values.clone()])?;
    let l2sum = match super::super::call(
        it,
        "tf.math.reduce_sum",
        vec![tensor(sq), axes],
        vec![("keepdims".to_string(), Value::Bool(true))],
    )? {
        Value::Tensor(v) => v,
        other => tensor_expected("tf.math.reduce_sum", &other)?,
    };
    let pred = tf(
        it,
        "tf.math.greater",
        vec![tensor(l2sum.clone()), Value::Int(0)],
    )?;
    // the two-tap where: sqrt never sees a zero, so its gradient stays finite
    let ones = op(it, "ones_like", vec![], vec![l2sum.clone()])?;
    let l2sum_safe = op(it, "where", vec![], vec![pred.clone(), l2sum.clone(), ones])?;
    let root = op(it, "sqrt", vec![], vec![l2sum_safe])?;
    let l2norm = op(it, "where", vec![], vec![pred, root, l2sum])?;
    let intermediate = tf(
        it,
        "tf.math.multiply",
        vec![tensor(values.clone()), clip_norm.clone()],
    )?;
    if intermediate.tensor.shape() != values.tensor.shape() {
        return Err(Raise::value_error(format!(
            "Shapes {} and {} are incompatible",
            py_shape(values.tensor.shape()),
            py_shape(intermediate.tensor.shape())
        )));
    }
    let bound = tf(it, "tf.math.maximum", vec![tensor(l2norm), clip_norm])?;
    let clipped = op(it, "divide", vec![], vec![intermediate, bound])?;
    Ok(tensor(op(it, "identity", vec![], vec![clipped])?))
}

/// `tf.clip_by_global_norm(t_list, clip_norm, use_norm=None)`: every tensor times
/// `clip_norm * minimum(1 / norm, 1 / clip_norm)` (NaN when the norm is not finite), `None`
/// entries kept as None; answers `(list_clipped, norm)`.
pub(super) fn clip_by_global_norm(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "clip_by_global_norm",
        &["t_list", "clip_norm", "use_norm", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let items = sequence(it, b.next().flatten().unwrap())?;
    let clip_norm = b.next().flatten().unwrap();
    let use_norm = match b.next().flatten() {
        None | Some(Value::None) => global_norm_of(it, &items)?,
        Some(v) => match it.as_val(&v)? {
            Some(n) if v.is_tf() => n,
            _ => {
                return Err(Raise::attr_error(format!(
                    "'{}' object has no attribute 'dtype'",
                    v.type_name()
                )))
            }
        },
    };
    let d = use_norm.tensor.dtype();
    let inv_norm = tf(
        it,
        "tf.math.truediv",
        vec![Value::Float(1.0), tensor(use_norm.clone())],
    )?;
    let one = filled(it, &[], 1.0, d)?;
    let inv_clip = tf(it, "tf.math.truediv", vec![tensor(one), clip_norm.clone()])?;
    let least = op(it, "minimum", vec![], vec![inv_norm, inv_clip])?;
    // `clip_norm * minimum(...)`: Python's reflected multiply puts clip_norm first
    let clip = it.to_val(&clip_norm, Some(d))?;
    let scale_for_finite = op(it, "multiply", vec![], vec![clip, least])?;
    // zero for a finite norm, NaN for inf or NaN
    let nan_if_not_finite = op(
        it,
        "subtract",
        vec![],
        vec![use_norm.clone(), use_norm.clone()],
    )?;
    let scale = op(it, "add", vec![], vec![scale_for_finite, nan_if_not_finite])?;
    let mut clipped = Vec::with_capacity(items.len());
    for v in items {
        let Some(v) = v else {
            clipped.push(Value::None);
            continue;
        };
        let s = cast_to(it, &scale, v.tensor.dtype())?;
        let scaled = op(it, "multiply", vec![], vec![v, s])?;
        clipped.push(tensor(op(it, "identity", vec![], vec![scaled])?));
    }
    Ok(Value::tuple(vec![Value::list(clipped), tensor(use_norm)]))
}

/// `tf.linalg.global_norm(t_list)`: `sqrt(2 * sum(l2_loss(t)))` over the tensors not None.
pub(super) fn global_norm(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("global_norm", &["t_list", "name"], 1, args, kwargs)?.into_iter();
    let items = sequence(it, b.next().flatten().unwrap())?;
    Ok(tensor(global_norm_of(it, &items)?))
}

fn global_norm_of(it: &mut Interp, items: &[Option<Val>]) -> Result<Val, Raise> {
    let mut halves = Vec::new();
    for v in items.iter().flatten() {
        halves.push(op(it, "l2_loss", vec![], vec![v.clone()])?);
    }
    let stacked = op(it, "stack", vec![("axis", Lit::Int(0))], halves)?;
    let half = op(it, "reduce_sum", vec![("axis", Lit::Null)], vec![stacked])?;
    let two = filled(it, &[], 2.0, half.tensor.dtype())?;
    let squared = op(it, "multiply", vec![], vec![half, two])?;
    op(it, "sqrt", vec![], vec![squared])
}

/// `t_list` as `clip_ops` reads it: a list or tuple (a `collections.abc.Sequence`, not a
/// string), each entry a tensor (converted) or None.
fn sequence(it: &mut Interp, t_list: Value) -> Result<Vec<Option<Val>>, Raise> {
    let items = match &t_list {
        Value::List(_) | Value::Tuple(_) => t_list.items().unwrap_or_default(),
        other => {
            let class = super::super::super::builtins::types::qualified(&other.type_name());
            return Err(Raise::type_error(format!(
                "`t_list` should be a sequence of tensors. Received <class '{class}'>."
            )));
        }
    };
    items
        .into_iter()
        .map(|v| match v {
            Value::None => Ok(None),
            v => {
                let v = dense_only(v, "tf.clip_by_global_norm")?;
                it.to_val(&v, None).map(Some)
            }
        })
        .collect()
}

/// TensorFlow clips an IndexedSlices' values and answers IndexedSlices; the subset's
/// IndexedSlices hold no tape, so it asks for the dense gradient instead.
fn dense_only(v: Value, what: &str) -> Result<Value, Raise> {
    if matches!(v, Value::IndexedSlices(_)) {
        return Err(Raise::new(
            RaiseKind::NotImplementedError,
            format!(
                "{what} of a tf.IndexedSlices (a gradient through tf.gather) is not in the cell subset; clip tf.convert_to_tensor(g) instead"
            ),
        ));
    }
    Ok(v)
}

/// `math_ops.cast`, which records nothing when the dtype is already `d`.
fn cast_to(it: &mut Interp, v: &Val, d: DType) -> Result<Val, Raise> {
    if v.tensor.dtype() == d {
        return Ok(v.clone());
    }
    op(
        it,
        "cast",
        vec![("dtype", Lit::Str(d.name().into()))],
        vec![v.clone()],
    )
}

fn tensor_expected(path: &str, other: &Value) -> Result<Val, Raise> {
    Err(Raise::type_error(format!(
        "{path} gave a {} where a tensor was expected",
        other.type_name()
    )))
}
