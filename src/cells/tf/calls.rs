//! The calls the evaluator answers itself rather than through the op registry: tapes,
//! constants and variables (with TensorFlow's typing of what they are given), shapes, and the
//! reductions TensorFlow composes from other ops.

use super::*;

/// `tf.GradientTape(persistent, watch_accessed_variables)`: a tape that records from its `with`
/// block on.
pub(super) fn gradient_tape(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args(
        "GradientTape",
        &["persistent", "watch_accessed_variables"],
        args,
        kwargs,
    )?
    .into_iter();
    let persistent = s
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(false);
    let watch = s
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(true);
    let id = it.ws.ctx.open_tape(persistent, watch);
    // the tape records from its `with` block on
    it.ws.ctx.await_with(id)?;
    Ok(Value::Tape(id))
}

/// `tf.constant(value, dtype, shape)` and `tf.convert_to_tensor(value, dtype, dtype_hint)`.
pub(super) fn constant_call(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names: &[&str] = if path == "tf.constant" {
        &["value", "dtype", "shape", "name"]
    } else {
        &["value", "dtype", "dtype_hint", "name"]
    };
    let mut s = bind_args(&path[3..], names, args, kwargs)?.into_iter();
    let value = s.next().flatten().ok_or_else(|| {
        Raise::type_error(format!(
            "{}() missing required argument 'value'",
            &path[3..]
        ))
    })?;
    let dtype = match s.next().flatten() {
        None | Some(Value::None) => None,
        Some(d) => Some(tf_dtype_arg(&d)?),
    };
    let third = s.next().flatten().filter(|v| !matches!(v, Value::None));
    let shape = third.as_ref().filter(|_| path == "tf.constant");
    let hint = match third.as_ref().filter(|_| path == "tf.convert_to_tensor") {
        Some(h) => Some(tf_dtype_arg(h)?),
        None => None,
    };
    if let Some(same) = super::connected::connected(it, path, &value, (dtype, hint), shape)? {
        return Ok(same);
    }
    if let (Some(h), None) = (hint, dtype) {
        // a Python value takes the hint when it fits it, an array is cast to it
        if to_lit(&value).is_some_and(|l| !matches!(l, Lit::Null | Lit::Str(_))) {
            return Ok(Value::Tensor(super::operands::to_val_hint(it, &value, h)?));
        }
    }
    let x = constant(it, &value, dtype, path == "tf.convert_to_tensor")?;
    if path == "tf.constant" {
        if let Some(shape) = third {
            let lit = to_lit(&shape)
                .ok_or_else(|| Raise::type_error("shape must be a list of integers"))?;
            let dims = crate::engine::lit::shape_from_lit(&lit, "shape")?;
            let n: usize = dims.iter().product();
            let t = if x.len() == 1 {
                Tensor::full(&dims, x.to_f64_vec()[0], x.dtype())
            } else if x.len() != n {
                // eager tf.constant reshapes only a value of the same size, in Python
                let shown = crate::cells::print::str(it, &Value::array(x.clone()));
                let given = crate::cells::print::str(it, &value);
                return Err(Raise::type_error(format!(
                    "Eager execution of tf.constant with unsupported shape. Tensor {shown} (converted from {given}) has {} elements, but got `shape` {} with {n} elements).",
                    x.len(),
                    crate::cells::print::tuple_text(&dims)
                )));
            } else {
                it.compute("reshape", vec![("shape".into(), lit)], &[&x])?
            };
            return Ok(Value::Tensor(it.ws.ctx.constant(t)));
        }
    }
    Ok(Value::Tensor(it.ws.ctx.constant(x)))
}

/// A `dtype=` argument as `tf.as_dtype` reads it, one of the cell subset's dtypes.
fn tf_dtype_arg(d: &Value) -> Result<DType, Raise> {
    crate::cells::convert::tf_dtype_of_value(d)?
        .ok_or_else(|| Raise::type_error("dtype must be a dtype such as tf.float32"))
}

/// `tf.shape`, `tf.rank` and `tf.size`, as int32 unless `out_type` says otherwise.
pub(super) fn shape_rank_or_size(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut s = bind_args(&path[3..], &["input", "out_type", "name"], args, kwargs)?.into_iter();
    let v = s
        .next()
        .flatten()
        .ok_or_else(|| Raise::type_error("missing required argument 'input'"))?;
    let out = match s.next().flatten() {
        None | Some(Value::None) => DType::I32,
        Some(d) => tf_dtype_arg(&d)?,
    };
    let x = it.to_val(&v, None)?;
    let t = match path {
        "tf.shape" => int32(x.tensor.shape()),
        "tf.rank" => Tensor::scalar(x.tensor.rank() as f64, DType::I32),
        _ => Tensor::scalar(x.tensor.len() as f64, DType::I32),
    };
    Ok(Value::Tensor(it.ws.ctx.constant(t.cast(out))))
}

/// `tf.reduce_all` / `tf.reduce_any` of a bool tensor.
pub(super) fn reduce_all_or_any(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (v, axis, keep) = reduction_args("reduce_all", args, kwargs)?;
    float_axis_error(it, &axis)?;
    let x = it.to_val(&v, Some(DType::Bool))?;
    if x.tensor.dtype() != DType::Bool {
        return Err(Raise::new(RaiseKind::InvalidArgumentError, format!("cannot compute {} as input #0(zero-based) was expected to be a bool tensor but is a {} tensor", if path.ends_with("all") { "All" } else { "Any" }, crate::cells::convert::tf_word(x.tensor.dtype()))));
    }
    let ty = if path.ends_with("all") { "All" } else { "Any" };
    if let Some(text) =
        crate::cells::kernel_errors::reduction_refusal(ty, Some(&axis), x.tensor.rank())
    {
        return Err(Raise::new(RaiseKind::InvalidArgumentError, text));
    }
    // any: some element is true; all: no element is false. Counted, so an empty reduction is
    // False for any and True for all, as TensorFlow's are.
    let all = path.ends_with("all");
    let counted = if all {
        it.compute("logical_not", vec![], &[&x.tensor])?
    } else {
        x.tensor.as_ref().clone()
    };
    let n = it.compute(
        "reduce_sum",
        vec![("axis".into(), axis), ("keepdims".into(), Lit::Bool(keep))],
        &[&counted.cast(DType::F32)],
    )?;
    let some = n.cast(DType::Bool);
    let r = if all {
        it.compute("logical_not", vec![], &[&some])?
    } else {
        some
    };
    Ok(Value::Tensor(it.ws.ctx.constant(r)))
}

/// A Python float axis: the reduction converts it to an int32 tensor, which it cannot become.
fn float_axis_error(it: &mut Interp, axis: &Lit) -> Result<(), Raise> {
    match axis {
        Lit::Float(f) => Err(Raise::type_error(format!(
            "Cannot convert {} to EagerTensor of dtype int32",
            crate::cells::print::repr(it, &Value::Float(*f))
        ))),
        _ => Ok(()),
    }
}

/// `tf.math.reduce_std` / `tf.math.reduce_variance` as TensorFlow composes them.
pub(super) fn reduce_std_or_variance(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let (v, axis, keep) = reduction_args("reduce_std", args, kwargs)?;
    float_axis_error(it, &axis)?;
    let x = it.to_val(&v, None)?;
    if x.tensor.dtype().is_int() {
        // reduce_std and reduce_variance check the dtype in Python before any op
        return Err(Raise::type_error(format!(
            "Input must be either real or complex. Received integer type <dtype: '{}'>.",
            x.tensor.dtype().name()
        )));
    }
    // TensorFlow's own composition: sqrt(mean(square(x - mean(x, keepdims)))).
    let mean = it.apply(
        "reduce_mean",
        vec![
            ("axis".into(), axis.clone()),
            ("keepdims".into(), Lit::Bool(true)),
        ],
        vec![x.clone()],
    )?;
    let centered = it.apply("subtract", vec![], vec![x, mean])?;
    let sq = it.apply("square", vec![], vec![centered])?;
    let var = it.apply(
        "reduce_mean",
        vec![("axis".into(), axis), ("keepdims".into(), Lit::Bool(keep))],
        vec![sq],
    )?;
    if path.ends_with("variance") {
        return Ok(Value::Tensor(var));
    }
    Ok(Value::Tensor(it.apply("sqrt", vec![], vec![var])?))
}

/// `tf.constant(value, dtype)`: tensors and arrays keep their dtype unless one is given (a
/// tensor of another dtype is refused by convert_to_tensor, converted by constant); Python
/// literals are typed as TensorFlow types them.
pub(super) fn constant(
    it: &mut Interp,
    value: &Value,
    dtype: Option<DType>,
    strict: bool,
) -> Result<Tensor, Raise> {
    let t = match value {
        Value::Tensor(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_)
        | Value::Array(_)
        | Value::NpScalar(_)
        | Value::IndexedSlices(_) => it.np_tensor(value)?,
        Value::List(_) | Value::Tuple(_)
            if crate::cells::convert::to_lit(value).is_none()
                || contains_tensor(value)
                || crate::cells::convert::empty_by_first_items(value).is_some() =>
        {
            it.to_val(value, dtype)?.into_tensor()
        }
        Value::Str(_) if dtype.is_none() => {
            return Err(crate::cells::convert::string_tensor_refused(it, value))
        }
        other => {
            crate::cells::convert::strings_error(it, other, dtype)?;
            crate::cells::convert::mixed_types_error(other, dtype)?;
            let lit = to_lit(other)
                .filter(|l| !matches!(l, Lit::Null | Lit::Str(_)))
                .ok_or_else(|| crate::cells::convert::unsupported_conversion(it, other))?;
            if let Some(d) = dtype {
                if !crate::engine::lit::lit_fits(&lit, d) {
                    return Err(Raise::type_error(format!(
                        "Cannot convert {} to EagerTensor of dtype {}",
                        crate::cells::print::repr(it, other),
                        d.name()
                    ))
                    .with_code(crate::engine::error::Code::DtypeMismatch));
                }
            }
            // untyped, a list takes Python's typing (an empty one is float32)
            let dtype = match dtype {
                Some(d) => Some(d),
                None => crate::cells::convert::python_dtype(other, &lit)?,
            };
            return tensor_from_lit(&lit, dtype, it.max_elems())
                .map_err(|e| crate::cells::convert::tf_lit_error(&lit, e));
        }
    };
    match dtype {
        Some(d) if d != t.dtype() => {
            if strict
                && matches!(
                    value,
                    Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
                )
            {
                return Err(Raise::value_error(format!(
                    "Tensor conversion requested dtype {} for Tensor with dtype {}",
                    d.name(),
                    t.dtype().name()
                )));
            }
            Ok(t.cast(d))
        }
        _ => Ok(t),
    }
}

pub(super) fn contains_tensor(v: &Value) -> bool {
    v.items().is_some_and(|items| {
        items.iter().any(|x| {
            matches!(
                x,
                Value::Tensor(_)
                    | Value::Variable(_)
                    | Value::UnreadVariable(_)
                    | Value::Array(_)
                    | Value::NpScalar(_)
            ) || contains_tensor(x)
        })
    })
}

/// `tf.Variable(initial_value, trainable=True, name=None, dtype=None, ...)`.
pub(super) fn variable(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let names = [
        "initial_value",
        "trainable",
        "validate_shape",
        "caching_device",
        "name",
        "variable_def",
        "dtype",
        "import_scope",
        "constraint",
        "synchronization",
        "aggregation",
        "shape",
        "experimental_enable_variable_lifting",
    ];
    // Variable._variable_call gathers other keywords in **kwargs, and the default creator
    // reads only distribute_strategy of them: a misspelt keyword (`trainble=False`) is
    // silently dropped, as in TensorFlow
    let kwargs = kwargs
        .into_iter()
        .filter(|(k, _)| names.contains(&k.as_str()) || k == "distribute_strategy")
        .collect();
    let s = bind_args("Variable", &names, args, kwargs)?;
    let value = s[0]
        .clone()
        .ok_or_else(|| Raise::value_error("The `initial_value` arg to `tf.Variable` must be specified except when you are not providing a `variable_def`. You provided neither."))?;
    // None is the default; anything else is kept as given and watched by its truth
    let trainable = match &s[1] {
        None | Some(Value::None) => true,
        Some(v) => v.truthy()?,
    };
    let name = match &s[4] {
        None | Some(Value::None) => "Variable".to_string(),
        Some(Value::Str(n)) => n.to_string(),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "name must be a string, not {}",
                other.type_name()
            )))
        }
    };
    let dtype = match &s[6] {
        None | Some(Value::None) => None,
        Some(d) => Some(tf_dtype_arg(d)?),
    };
    if let Some(d) = dtype {
        crate::cells::variable::initial_value_dtype(it, &value, d)?;
    }
    // the initial value of another variable is read without counting as an access
    let initial = match &value {
        Value::Variable(v) | Value::UnreadVariable(v) => match it.ws.variable(v) {
            Some(var) => Value::Tensor(it.ws.ctx.constant(var.val.tensor.as_ref().clone())),
            None => value.clone(),
        },
        _ => value.clone(),
    };
    let t = constant(it, &initial, dtype, false)?;
    let id: Arc<str> = format!("{}#{}", name, it.ws.variables().count() + 1).into();
    it.ws
        .add_variable(&id, &id, t, trainable, &format!("{name}:0"));
    // a string (the name passed second), an int or a float reads back as given
    if let Some(given @ (Value::Str(_) | Value::Int(_) | Value::Float(_))) = &s[1] {
        if let Some(lit) = to_lit(given) {
            it.trainable_given.insert(id.clone(), lit);
        }
    }
    it.note_assign(&id, &value);
    Ok(Value::Variable(id))
}
