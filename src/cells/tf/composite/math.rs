//! Composites of arithmetic and reductions: clip_by_value, add_n, cumsum, cumprod, l2_normalize,
//! divide_no_nan, is_nan/is_inf/is_finite, logical_xor and count_nonzero.

use super::super::super::kernel_errors::framed;
use super::*;
use crate::engine::ops::{Op, Scan, ScanKind};

/// `tf.clip_by_value(t, clip_value_min, clip_value_max)`: `maximum(minimum(t, max), min)`, with
/// TensorFlow's check that clipping does not broadcast `t` to another shape.
pub(super) fn clip_by_value(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "clip_by_value",
        &["t", "clip_value_min", "clip_value_max", "name"],
        3,
        args,
        kwargs,
    )?
    .into_iter()
    .flatten();
    let (t, lo, hi) = (b.next().unwrap(), b.next().unwrap(), b.next().unwrap());
    let x = it.to_val(&t, None)?;
    let low = tf(it, "tf.math.minimum", vec![tensor(x.clone()), hi])?;
    let clipped = tf(it, "tf.math.maximum", vec![tensor(low), lo])?;
    if clipped.tensor.shape() != x.tensor.shape() {
        return Err(Raise::value_error(format!(
            "Shapes {} and {} are incompatible",
            py_shape(x.tensor.shape()),
            py_shape(clipped.tensor.shape())
        )));
    }
    Ok(tensor(clipped))
}

/// `tf.add_n(inputs)`: tensors of one shape and dtype added first to last, as the AddN kernel
/// adds up to eight.
pub(super) fn add_n(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("add_n", &["inputs", "name"], 1, args, kwargs)?.into_iter();
    let inputs = b.next().flatten().unwrap();
    let items = inputs.items().unwrap_or_else(|| vec![inputs.clone()]);
    if items.is_empty() {
        return Err(Raise::value_error(
            "Inputs must be an iterable of at least one Tensor/IndexedSlices with the same dtype and shape.",
        ));
    }
    let vals = items
        .iter()
        .map(|v| it.to_val(v, None))
        .collect::<Result<Vec<_>, _>>()?;
    let (d, s) = (vals[0].tensor.dtype(), vals[0].tensor.shape().to_vec());
    for (i, v) in vals.iter().enumerate().skip(1) {
        if v.tensor.dtype() != d {
            return Err(invalid(format!(
                "cannot compute AddN as input #{i}(zero-based) was expected to be a {} tensor but is a {} tensor [Op:AddN]",
                super::super::super::convert::tf_word(d),
                super::super::super::convert::tf_word(v.tensor.dtype())
            )));
        }
        if v.tensor.shape() != s.as_slice() {
            return Err(invalid(format!(
                "Inputs to operation AddN of type AddN must have the same size and shape.  Input 0: {} != input {i}: {} [Op:AddN]",
                bracket(&s),
                bracket(v.tensor.shape())
            )));
        }
    }
    let mut it_vals = vals.into_iter();
    let mut acc = it_vals.next().expect("one at least");
    for v in it_vals {
        acc = op(it, "add", vec![], vec![acc, v])?;
    }
    Ok(tensor(acc))
}

/// `tf.cumsum(x, axis=0, exclusive=False, reverse=False)` and `tf.math.cumprod(...)`:
/// TensorFlow's Cumsum and Cumprod kernels, whose gradients are `_CumsumGrad` (a cumsum the
/// other way) and `_CumprodGrad`.
pub(super) fn scan(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        name,
        &["x", "axis", "exclusive", "reverse", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let axis_v = b.next().flatten().unwrap_or(Value::Int(0));
    let axis = int_arg(it, "axis", &axis_v)?;
    // the op's own attributes, which take only Python's True or False
    let mut flag = |name: &str, v: Option<Value>| match v {
        None | Some(Value::None) => Ok(false),
        Some(v) => super::super::python_attrs::make_bool(it, name, &v),
    };
    let exclusive = flag("exclusive", b.next().flatten())?;
    let reverse = flag("reverse", b.next().flatten())?;
    let (kind, kernel) = match name {
        "cumsum" => (ScanKind::Sum, "Cumsum"),
        _ => (ScanKind::Prod, "Cumprod"),
    };
    if x.tensor.dtype() == DType::Bool {
        return Err(invalid(scan_dtype_refusal(kernel)).with_code(Code::DtypeMismatch));
    }
    let r = x.tensor.rank() as i64;
    if axis < -r || axis >= r {
        let text = format!(
            "ScanOp: Expected scan axis in the range [{}, {r}), but got {axis}",
            -r
        );
        return Err(invalid(framed(kernel, &text, kernel, Some(""))));
    }
    let scan = Op::Scan(Scan {
        kind,
        axis: axis.rem_euclid(r) as usize,
        exclusive,
        reverse,
    });
    Ok(tensor(it.ws.ctx.apply(&scan, &[&x])?))
}

/// Cumsum's and Cumprod's op definition refusing a bool tensor (their only dtype the subset
/// holds and they lack), as eager TensorFlow checks it before the kernel runs.
fn scan_dtype_refusal(kernel: &str) -> String {
    const ALLOWED: &str = "float, double, int32, uint8, int16, int8, complex64, int64, qint8, quint8, qint32, bfloat16, qint16, quint16, uint16, complex128, half, uint32, uint64";
    const DT_ALLOWED: &str = "DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_COMPLEX64, DT_INT64, DT_QINT8, DT_QUINT8, DT_QINT32, DT_BFLOAT16, DT_QINT16, DT_QUINT16, DT_UINT16, DT_COMPLEX128, DT_HALF, DT_UINT32, DT_UINT64";
    format!(
        "Value for attr 'T' of bool is not in the list of allowed values: {ALLOWED}\n\t; NodeDef: {{{{node {kernel}}}}}; Op<name={kernel}; signature=x:T, axis:Tidx -> out:T; attr=exclusive:bool,default=false; attr=reverse:bool,default=false; attr=T:type,allowed=[{DT_ALLOWED}]; attr=Tidx:type,default=DT_INT32,allowed=[DT_INT32, DT_INT64]> [Op:{kernel}] name: "
    )
}

/// `tf.math.l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None)`:
/// `x * rsqrt(maximum(reduce_sum(x^2), eps))`, `dim` the deprecated name of `axis`.
pub(super) fn l2_normalize(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "l2_normalize",
        &["x", "axis", "epsilon", "name", "dim"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let axis = b.next().flatten();
    let eps = b.next().flatten().unwrap_or(Value::Float(1e-12));
    let _name = b.next();
    let axis = deprecated_argument_lookup("axis", axis, "dim", b.next().flatten())?;
    let axes = axes_arg(it, axis)?;
    let sq = op(it, "square", vec![], vec![x.clone()])?;
    let s = op(
        it,
        "reduce_sum",
        vec![("axis", axis_lit(&axes)), ("keepdims", Lit::Bool(true))],
        vec![sq],
    )?;
    let m = tf(it, "tf.math.maximum", vec![tensor(s), eps])?;
    let inv = op(it, "rsqrt", vec![], vec![m])?;
    Ok(tensor(op(it, "multiply", vec![], vec![x, inv])?))
}

/// TensorFlow's `deprecated_argument_lookup`: the old name's value when given (None is not
/// given), and ValueError when both names are.
fn deprecated_argument_lookup(
    new_name: &str,
    new_value: Option<Value>,
    old_name: &str,
    old_value: Option<Value>,
) -> Result<Option<Value>, Raise> {
    let given = |v: &Option<Value>| !matches!(v, None | Some(Value::None));
    match (given(&new_value), given(&old_value)) {
        (true, true) => Err(Raise::value_error(format!(
            "Cannot specify both '{old_name}' and '{new_name}'."
        ))),
        (_, true) => Ok(old_value),
        _ => Ok(new_value),
    }
}

/// `tf.math.divide_no_nan(x, y)`: `x / y`, and 0 where `y` is 0, gradients included.
pub(super) fn divide_no_nan(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("div_no_nan", &["x", "y", "name"], 2, args, kwargs)?
        .into_iter()
        .flatten();
    let (xv, yv) = (b.next().unwrap(), b.next().unwrap());
    let mut x = it.to_val(&xv, None)?;
    let mut y = it.to_val(&yv, Some(x.tensor.dtype()))?;
    // integers divide as TensorFlow's truediv divides them, in float64
    if !x.tensor.dtype().is_float() {
        let f64 = || vec![("dtype", Lit::Str("float64".into()))];
        x = op(it, "cast", f64(), vec![x])?;
        y = op(it, "cast", f64(), vec![y])?;
    }
    let d = x.tensor.dtype();
    let zero = filled(it, &[], 0.0, d)?;
    let mask = op(it, "equal", vec![], vec![y.clone(), zero.clone()])?;
    let one = filled(it, &[], 1.0, d)?;
    let safe = op(it, "where", vec![], vec![mask.clone(), one, y])?;
    let q = op(it, "divide", vec![], vec![x, safe])?;
    Ok(tensor(op(it, "where", vec![], vec![mask, zero, q])?))
}

/// `tf.math.is_nan`, `is_inf` and `is_finite` of a float tensor.
pub(super) fn float_class(
    it: &mut Interp,
    which: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(which, &["x", "name"], 1, args, kwargs)?
        .into_iter()
        .flatten();
    let x = it.to_val(&b.next().unwrap(), None)?;
    let d = x.tensor.dtype();
    if !d.is_float() {
        return Err(Raise::new(
            RaiseKind::InvalidArgumentError,
            format!("Value for attr 'T' of {} is not in the list of allowed values: bfloat16, half, float, double", d.name()),
        )
        .with_code(Code::DtypeMismatch));
    }
    let nan = op(it, "not_equal", vec![], vec![x.clone(), x.clone()])?;
    let a = op(it, "abs", vec![], vec![x])?;
    let inf = filled(it, &[], f64::INFINITY, d)?;
    let is_inf = op(it, "equal", vec![], vec![a, inf])?;
    Ok(tensor(match which {
        "is_nan" => nan,
        "is_inf" => is_inf,
        _ => {
            let either = op(it, "logical_or", vec![], vec![nan, is_inf])?;
            op(it, "logical_not", vec![], vec![either])?
        }
    }))
}

/// `tf.math.logical_xor(x, y)`: `(x or y) and not (x and y)`, as TensorFlow writes it.
pub(super) fn logical_xor(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind("logical_xor", &["x", "y", "name"], 2, args, kwargs)?
        .into_iter()
        .flatten();
    let (xv, yv) = (b.next().unwrap(), b.next().unwrap());
    let either = tf(it, "tf.math.logical_or", vec![xv.clone(), yv.clone()])?;
    let both = tf(it, "tf.math.logical_and", vec![xv, yv])?;
    let not_both = op(it, "logical_not", vec![], vec![both])?;
    Ok(tensor(op(
        it,
        "logical_and",
        vec![],
        vec![either, not_both],
    )?))
}

/// `tf.math.count_nonzero(input, axis=None, keepdims=None, dtype=tf.int64)`.
pub(super) fn count_nonzero(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "count_nonzero",
        &["input", "axis", "keepdims", "dtype", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let axes = axes_arg(it, b.next().flatten())?;
    let keep = b
        .next()
        .flatten()
        .map(|v| v.truthy())
        .transpose()?
        .unwrap_or(false);
    let dtype = match b.next().flatten() {
        None => DType::I64,
        Some(Value::DType(d)) => d,
        Some(other) => {
            return Err(Raise::type_error(format!(
                "dtype must be a tf.DType, not {}",
                other.type_name()
            )))
        }
    };
    let zero = filled(it, &[], 0.0, x.tensor.dtype())?;
    let nz = op(it, "not_equal", vec![], vec![x, zero])?;
    let n = op(
        it,
        "cast",
        vec![("dtype", Lit::Str("int64".into()))],
        vec![nz],
    )?;
    let s = op(
        it,
        "reduce_sum",
        vec![("axis", axis_lit(&axes)), ("keepdims", Lit::Bool(keep))],
        vec![n],
    )?;
    Ok(tensor(op(
        it,
        "cast",
        vec![("dtype", Lit::Str(dtype.name().into()))],
        vec![s],
    )?))
}
