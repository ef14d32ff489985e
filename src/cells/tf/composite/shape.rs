//! Composites that cut, pad and pick elements: split, unstack, pad, gather_nd, trace and
//! one-argument where.

use super::*;

/// `tf.split(value, num_or_size_splits, axis=0)`: equal parts or the given sizes (one may be
/// -1, the rest of the axis), as a list of slices.
pub(super) fn split(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "split",
        &["value", "num_or_size_splits", "axis", "num", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let how = b.next().flatten().unwrap();
    let axis_v = b.next().flatten().unwrap_or(Value::Int(0));
    let axis = int_arg(it, "axis", &axis_v)?;
    let rank = x.tensor.rank();
    let ax = axis_of(axis, rank, "Split")?;
    let dim = x.tensor.shape()[ax];
    // TensorFlow splits evenly only by a Python int, a NumPy integer or a Dimension; anything
    // else is converted as a tensor of sizes, which may not be a scalar
    let even = match &how {
        Value::Int(k) | Value::Dimension(k) => Some(*k),
        Value::NpScalar(t) if t.dtype().is_int() => Some(int_arg(it, "num_or_size_splits", &how)?),
        _ => None,
    };
    let sizes: Vec<usize> = match (even, &how) {
        (Some(k), _) => {
            if k <= 0 || dim as i64 % k != 0 {
                return Err(invalid(crate::cells::kernel_errors::framed(
                    &format!("Split_num_split_{k}"),
                    &format!("Number of ways to split should evenly divide the split dimension, but got split_dim {ax} (size = {dim}) and num_split {k}"),
                    "Split",
                    Some("split"),
                )));
            }
            vec![dim / k as usize; k as usize]
        }
        (_, Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) | Value::Array(_))
            if it.to_val(&how, None)?.tensor.rank() == 0 =>
        {
            return Err(Raise::value_error(format!(
                "Rank-0 tensors are not supported as the num_or_size_splits argument to split. Argument provided: {}",
                crate::cells::print::str(it, &how)
            )));
        }
        _ => {
            let (given, _) = int_table(it, "num_or_size_splits", &how)?;
            let known: i64 = given.iter().filter(|&&s| s >= 0).sum();
            let unknown = given.iter().filter(|&&s| s < 0).count();
            let rest = dim as i64 - known;
            if unknown > 1 || (unknown == 0 && rest != 0) || (unknown == 1 && rest < 0) {
                return Err(invalid(format!(
                    "Determined shape must either match input shape along split_dim exactly if fully specified, or be less than the size of the input along split_dim if not fully specified.  Got: {known} [Op:SplitV] name: split"
                )));
            }
            given
                .iter()
                .map(|&s| if s < 0 { rest as usize } else { s as usize })
                .collect()
        }
    };
    let mut parts = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for len in sizes {
        parts.push(tensor(slice_along(it, &x, ax, start, len)?));
        start += len;
    }
    Ok(Value::list(parts))
}

/// `tf.unstack(value, num=None, axis=0)`: the slices along `axis`, that axis dropped.
pub(super) fn unstack(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "unstack",
        &["value", "num", "axis", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let num = b.next().flatten();
    let axis_v = b.next().flatten().unwrap_or(Value::Int(0));
    let axis = int_arg(it, "axis", &axis_v)?;
    let rank = x.tensor.rank();
    if rank == 0 {
        return Err(Raise::value_error(
            "Cannot infer argument `num` from shape ()",
        ));
    }
    let ax = axis_of(axis, rank, "Unpack").map_err(|_| {
        Raise::value_error(format!(
            "Argument `axis` = {axis} not in range [{}, {rank})",
            -(rank as i64)
        ))
    })?;
    let dim = x.tensor.shape()[ax];
    if let Some(n) = num {
        let n = int_arg(it, "num", &n)?;
        if n != dim as i64 {
            return Err(invalid(format!(
                "Input shape axis {ax} must equal {n}, got shape {} [Op:Unpack]",
                bracket(x.tensor.shape())
            )));
        }
    }
    let mut kept: Vec<i64> = x.tensor.shape().iter().map(|&n| n as i64).collect();
    kept.remove(ax);
    let mut parts = Vec::with_capacity(dim);
    for i in 0..dim {
        let s = slice_along(it, &x, ax, i, 1)?;
        parts.push(tensor(op(
            it,
            "reshape",
            vec![("shape", ints(&kept))],
            vec![s],
        )?));
    }
    Ok(Value::list(parts))
}

/// `tf.pad(tensor, paddings, mode='CONSTANT', constant_values=0)`: constant blocks concatenated
/// on each side; REFLECT and SYMMETRIC as a gather of mirrored indices per axis.
pub(super) fn pad(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "pad",
        &["tensor", "paddings", "mode", "constant_values", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let mut x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let (pads, pshape) = int_table(it, "paddings", &b.next().flatten().unwrap())?;
    let mode = match b.next().flatten() {
        None => "CONSTANT".to_string(),
        Some(Value::Str(s)) => s.to_uppercase(),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "mode must be a string, not {}",
                other.type_name()
            )))
        }
    };
    let fill = match b.next().flatten() {
        None => 0.0,
        Some(v) => {
            let c = it.to_val(&v, Some(x.tensor.dtype()))?;
            if c.tensor.rank() != 0 {
                return Err(invalid(
                    "constant_values must be a scalar. [Op:PadV2]".into(),
                ));
            }
            c.tensor.to_f64_vec()[0]
        }
    };
    if !matches!(mode.as_str(), "CONSTANT" | "REFLECT" | "SYMMETRIC") {
        return Err(Raise::value_error(format!(
            "Value of argument `mode` expected to be one of \"CONSTANT\", \"REFLECT\", or \"SYMMETRIC\". Received `mode` = {mode}"
        )));
    }
    let rank = x.tensor.rank();
    if pshape != [rank, 2] {
        return Err(invalid(format!(
            "The first dimension of paddings must be the rank of inputs{} {} [Op:Pad]",
            bracket(&pshape),
            bracket(x.tensor.shape())
        )));
    }
    if pads.iter().any(|&p| p < 0) {
        return Err(invalid("Paddings must be non-negative [Op:Pad]".into()));
    }
    for ax in 0..rank {
        let (before, after) = (pads[2 * ax] as usize, pads[2 * ax + 1] as usize);
        if before == 0 && after == 0 {
            continue;
        }
        let dim = x.tensor.shape()[ax];
        x = match mode.as_str() {
            "CONSTANT" => {
                let d = x.tensor.dtype();
                let mut parts = Vec::new();
                for n in [before, 0, after] {
                    if n == 0 && !parts.is_empty() {
                        continue;
                    }
                    if parts.is_empty() && n == 0 {
                        parts.push(x.clone());
                        continue;
                    }
                    let mut shape = x.tensor.shape().to_vec();
                    shape[ax] = n;
                    parts.push(filled(it, &shape, fill, d)?);
                    if parts.len() == 1 {
                        parts.push(x.clone());
                    }
                }
                op(it, "concat", vec![("axis", Lit::Int(ax as i64))], parts)?
            }
            "REFLECT" | "SYMMETRIC" => {
                let shift = usize::from(mode == "REFLECT");
                if before + shift > dim || after + shift > dim {
                    return Err(invalid(format!(
                        "paddings must be less than{} the dimension size: {before}, {after} not less than{} {dim} [Op:MirrorPad]",
                        if shift == 1 { "" } else { " or equal to" },
                        if shift == 1 { "" } else { " or equal to" }
                    )));
                }
                let mut idx: Vec<f64> = (0..before).rev().map(|i| (i + shift) as f64).collect();
                idx.extend((0..dim).map(|i| i as f64));
                idx.extend((0..after).map(|i| (dim - 1 - i - shift) as f64));
                let t = Tensor::from_f64s(&[idx.len()], &idx, DType::I32)?;
                let t = it.ws.ctx.constant(t);
                let x = dense_gradient(it, x)?;
                op(it, "gather", vec![("axis", Lit::Int(ax as i64))], vec![x, t])?
            }
            other => {
                return Err(Raise::value_error(format!(
                    "Value of argument `mode` expected to be one of \"CONSTANT\", \"REFLECT\", or \"SYMMETRIC\". Received `mode` = {other}"
                )))
            }
        };
    }
    Ok(tensor(x))
}

/// `tf.gather_nd(params, indices)`: each index row picks an element (or a slice) of the
/// leading axes; a gather on those axes flattened into one.
pub(super) fn gather_nd(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "gather_nd",
        &["params", "indices", "batch_dims", "name"],
        2,
        args,
        kwargs,
    )?
    .into_iter();
    let p = it.to_val(&b.next().flatten().unwrap(), None)?;
    let indices = b.next().flatten().unwrap();
    let (idx, ishape) = int_table(it, "indices", &indices)?;
    if let Some(bd) = b.next().flatten() {
        if int_arg(it, "batch_dims", &bd)? != 0 {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                "tf.gather_nd's batch_dims is not in the cell subset, which takes it only at its default (0)",
            ));
        }
    }
    let pshape = p.tensor.shape().to_vec();
    let Some((&k, outer)) = ishape.split_last() else {
        return Err(invalid(
            "indices must be at least a vector [Op:GatherNd]".into(),
        ));
    };
    if k > pshape.len() {
        return Err(invalid(format!(
            "index innermost dimension length must be <= params rank; saw: {k} vs. {} [Op:GatherNd]",
            pshape.len()
        )));
    }
    let lead = &pshape[..k];
    let mut linear = Vec::with_capacity(idx.len() / k.max(1));
    for (row_i, row) in idx.chunks(k.max(1)).enumerate() {
        let row = if k == 0 { &[][..] } else { row };
        let mut at = 0i64;
        for (j, &i) in row.iter().enumerate() {
            if i < 0 || i >= lead[j] as i64 {
                let shown: Vec<String> = row.iter().map(|v| v.to_string()).collect();
                return Err(invalid(format!(
                    "indices[{row_i}] = [{}] does not index into param shape {}, node name: GatherNd [Op:GatherNd]",
                    shown.join(", "),
                    bracket(&pshape)
                )));
            }
            at = at * lead[j] as i64 + i;
        }
        linear.push(at as f64);
        if k == 0 {
            break;
        }
    }
    if let [_, 1] = ishape.as_slice() {
        // a column of row indices is TensorFlow's gather of those rows: its gradient is an
        // IndexedSlices of them (GatherNd's gradient function), in the indices' own dtype
        let d = it.to_val(&indices, None)?.tensor.dtype();
        let t = Tensor::from_f64s(outer, &linear, d)?;
        let t = it.ws.ctx.constant(t);
        return Ok(tensor(op(
            it,
            "gather",
            vec![("axis", Lit::Int(0))],
            vec![p, t],
        )?));
    }
    let rows: usize = lead.iter().product();
    let mut flat_shape = vec![rows as i64];
    flat_shape.extend(pshape[k..].iter().map(|&n| n as i64));
    let flat = op(it, "reshape", vec![("shape", ints(&flat_shape))], vec![p])?;
    let t = Tensor::from_f64s(outer, &linear, DType::I64)?;
    let t = it.ws.ctx.constant(t);
    Ok(tensor(op(
        it,
        "gather",
        vec![("axis", Lit::Int(0))],
        vec![flat, t],
    )?))
}

/// `tf.linalg.trace(x)`: the sum of each matrix's diagonal (`reduce_sum(matrix_diag_part(x))`).
pub(super) fn trace(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("trace", &["x", "name"], 1, args, kwargs)?
        .into_iter()
        .flatten();
    let x = it.to_val(&b.next().unwrap(), None)?;
    let shape = x.tensor.shape().to_vec();
    if shape.len() < 2 {
        return Err(invalid(format!(
            "input must be at least 2-dim, received shape: {} [Op:MatrixDiagPartV3] name: diag_part",
            bracket(&shape)
        ))
        .with_code(Code::ShapeMismatch));
    }
    let (r, c) = (shape[shape.len() - 2], shape[shape.len() - 1]);
    let mut flat: Vec<i64> = shape[..shape.len() - 2].iter().map(|&n| n as i64).collect();
    flat.push((r * c) as i64);
    let m = op(it, "reshape", vec![("shape", ints(&flat))], vec![x])?;
    let diag: Vec<f64> = (0..r.min(c)).map(|i| (i * c + i) as f64).collect();
    let t = Tensor::from_f64s(&[diag.len()], &diag, DType::I32)?;
    let t = it.ws.ctx.constant(t);
    let axis = flat.len() as i64 - 1;
    let d = op(it, "gather", vec![("axis", Lit::Int(axis))], vec![m, t])?;
    Ok(tensor(op(
        it,
        "reduce_sum",
        vec![("axis", Lit::Int(-1))],
        vec![d],
    )?))
}

/// `tf.where(condition)` alone: the int64 coordinates of the true elements, one row each, in
/// row-major order.
pub fn where_true(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("where", &["condition", "x", "y", "name"], 1, args, kwargs)?.into_iter();
    let c = it.to_val(&b.next().flatten().unwrap(), None)?.tensor;
    let shape = c.shape().to_vec();
    let flags: Vec<bool> = c.to_f64_vec().iter().map(|&v| v != 0.0).collect();
    let mut coords = Vec::new();
    for (i, _) in flags.iter().enumerate().filter(|(_, &f)| f) {
        let mut rest = i;
        let mut row = vec![0f64; shape.len()];
        for (k, &n) in shape.iter().enumerate().rev() {
            row[k] = (rest % n.max(1)) as f64;
            rest /= n.max(1);
        }
        coords.extend(row);
    }
    let n = flags.iter().filter(|&&f| f).count();
    let t = Tensor::from_f64s(&[n, shape.len()], &coords, DType::I64)?;
    Ok(tensor(it.ws.ctx.constant(t)))
}
