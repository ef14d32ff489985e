//! `tf.keras.losses` in a cell: Keras 2.15's loss functions and the classes wrapping them,
//! written op for op as `keras/src/losses.py` and `keras/src/backend.py` compose them (epsilon
//! clipping at 1e-7, the mean over the last axis, then the class's reduction: by default the
//! sum of the weighted per-sample losses over their number), so that values and the gradients
//! a tape takes through them are TensorFlow's.

use crate::engine::dtype::DType;

use super::super::interp::Interp;
use super::super::keras_object::{Keras, Loss, LossKind};
use super::super::raise::Raise;
use super::super::tape::bind_args;
use super::super::value::Value;

/// `keras.backend.epsilon()`.
const EPSILON: f64 = 1e-7;

/// The functions of `tf.keras.losses` a cell can call, with the loss each computes.
pub const FUNCTIONS: &[(&str, LossKind)] = &[
    ("mean_squared_error", LossKind::MeanSquaredError),
    ("mse", LossKind::MeanSquaredError),
    ("MSE", LossKind::MeanSquaredError),
    ("mean_absolute_error", LossKind::MeanAbsoluteError),
    ("mae", LossKind::MeanAbsoluteError),
    ("MAE", LossKind::MeanAbsoluteError),
    ("binary_crossentropy", LossKind::BinaryCrossentropy),
    (
        "categorical_crossentropy",
        LossKind::CategoricalCrossentropy,
    ),
    (
        "sparse_categorical_crossentropy",
        LossKind::SparseCategoricalCrossentropy,
    ),
];

/// Whether `name` is a function or class of `tf.keras.losses` the subset has.
pub fn has(name: &str) -> bool {
    function(name).is_some() || class(name).is_some()
}

/// The function an alias names (`mse` is `mean_squared_error`); a class is itself.
pub fn canonical(name: &str) -> &str {
    match (function(name), class(name)) {
        (Some(k), None) => k.function(),
        _ => name,
    }
}

fn function(name: &str) -> Option<LossKind> {
    FUNCTIONS.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

fn class(name: &str) -> Option<LossKind> {
    LossKind::ALL.into_iter().find(|k| k.class() == name)
}

/// `tf.keras.losses.NAME(...)`: a function's per-sample losses, or a new loss object.
pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if let Some(kind) = function(name) {
        let what = kind.function();
        let params: &[&str] = match kind {
            LossKind::MeanSquaredError | LossKind::MeanAbsoluteError => &["y_true", "y_pred"],
            LossKind::SparseCategoricalCrossentropy => {
                &["y_true", "y_pred", "from_logits", "axis", "ignore_class"]
            }
            _ => &["y_true", "y_pred", "from_logits", "label_smoothing", "axis"],
        };
        let mut a = bind_args(what, params, args, kwargs)?.into_iter();
        let (y_true, y_pred) = pair(what, a.next().flatten(), a.next().flatten())?;
        let mut loss = Loss {
            kind,
            from_logits: false,
            label_smoothing: 0.0,
            axis: -1,
            reduction: "none".into(),
            name: what.into(),
        };
        if kind != LossKind::MeanSquaredError && kind != LossKind::MeanAbsoluteError {
            loss.from_logits = flag(a.next().flatten())?;
            if kind == LossKind::SparseCategoricalCrossentropy {
                loss.axis = int("axis", a.next().flatten(), -1)?;
                no_ignore_class(a.next().flatten())?;
            } else {
                loss.label_smoothing = number(it, a.next().flatten(), 0.0)?;
                loss.axis = int("axis", a.next().flatten(), -1)?;
            }
        }
        return per_sample(it, &loss, y_true, y_pred);
    }
    let kind = class(name).ok_or_else(|| {
        Raise::attr_error(format!(
            "module 'keras.api._v2.keras.losses' has no attribute '{name}'"
        ))
    })?;
    let params: &[&str] = match kind {
        LossKind::MeanSquaredError | LossKind::MeanAbsoluteError => &["reduction", "name"],
        LossKind::SparseCategoricalCrossentropy => {
            &["from_logits", "ignore_class", "reduction", "name"]
        }
        _ => &[
            "from_logits",
            "label_smoothing",
            "axis",
            "reduction",
            "name",
        ],
    };
    let mut loss = Loss {
        kind,
        from_logits: false,
        label_smoothing: 0.0,
        axis: -1,
        reduction: "auto".into(),
        name: kind.function().into(),
    };
    let bound = bind_args(&format!("{}.__init__", kind.class()), params, args, kwargs)?;
    for (p, v) in params.iter().zip(bound) {
        let Some(v) = v else { continue };
        match *p {
            "from_logits" => loss.from_logits = flag(Some(v))?,
            "label_smoothing" => loss.label_smoothing = number(it, Some(v), 0.0)?,
            "axis" => loss.axis = int("axis", Some(v), -1)?,
            "ignore_class" => no_ignore_class(Some(v))?,
            "reduction" => loss.reduction = reduction(&v)?,
            _ => match v {
                Value::Str(s) => loss.name = s.to_string(),
                Value::None => {}
                other => {
                    return Err(Raise::type_error(format!(
                        "a loss's name must be a string, not {}",
                        other.type_name()
                    )))
                }
            },
        }
    }
    Ok(Value::Keras(Keras::Loss(loss).shared()))
}

/// `loss_fn(y_true, y_pred, sample_weight=None)`: Keras's `Loss.__call__`.
pub fn call_object(
    it: &mut Interp,
    loss: &Loss,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let what = format!("{}.__call__", loss.kind.class());
    let mut a = bind_args(&what, &["y_true", "y_pred", "sample_weight"], args, kwargs)?.into_iter();
    let (mut y_true, mut y_pred) = pair(&what, a.next().flatten(), a.next().flatten())?;
    let sample_weight = a.next().flatten().filter(|v| !matches!(v, Value::None));
    // LossFunctionWrapper.call: of two tensors, a trailing axis of 1 that one has and the
    // other lacks is squeezed away
    if y_true.is_tf() && y_pred.is_tf() {
        let rank = |it: &mut Interp, v: &Value| -> Result<Vec<usize>, Raise> {
            Ok(it.to_val(v, None)?.tensor.shape().to_vec())
        };
        let (ts, ps) = (rank(it, &y_true)?, rank(it, &y_pred)?);
        if ps.len() != ts.len() + 1 || ps.last() == Some(&1) {
            if ps.len() == ts.len() + 1 && ps.last() == Some(&1) {
                y_pred = squeeze_last(it, y_pred)?;
            } else if ts.len() == ps.len() + 1 && ts.last() == Some(&1) {
                y_true = squeeze_last(it, y_true)?;
            }
        }
    }
    let losses = per_sample(it, loss, y_true, y_pred)?;
    weighted(it, &loss.reduction, losses, sample_weight)
}

/// `compute_weighted_loss(losses, sample_weight, reduction)`.
fn weighted(
    it: &mut Interp,
    reduction: &str,
    losses: Value,
    sample_weight: Option<Value>,
) -> Result<Value, Raise> {
    let l = it.to_val(&losses, None)?;
    let dtype = l.tensor.dtype();
    let (losses, dtype, casted) = if dtype.is_float() {
        (losses, dtype, None)
    } else {
        let f = tf(it, "tf.cast", vec![losses, Value::DType(DType::F32)])?;
        (f, DType::F32, Some(dtype))
    };
    let sw = sample_weight.unwrap_or(Value::Float(1.0));
    let sw = Value::Tensor(it.to_val(&sw, None)?);
    let mut sw = tf(it, "tf.cast", vec![sw, Value::DType(dtype)])?;
    let (lr, wr) = (rank_of(it, &losses)?, rank_of(it, &sw)?);
    if wr != 0 {
        if wr == lr + 1 {
            sw = tf(
                it,
                "tf.squeeze",
                vec![sw, Value::list(vec![Value::Int(-1)])],
            )?;
        } else if lr == wr + 1 {
            sw = tf(it, "tf.expand_dims", vec![sw, Value::Int(-1)])?;
        }
    }
    let weighted = tf(it, "tf.math.multiply", vec![losses, sw])?;
    let mut loss = match reduction {
        "none" => weighted,
        _ => {
            let total = tf(it, "tf.math.reduce_sum", vec![weighted.clone()])?;
            if reduction == "sum" {
                total
            } else {
                let n = tf(it, "tf.size", vec![weighted])?;
                let n = tf(it, "tf.cast", vec![n, Value::DType(dtype)])?;
                tf(it, "tf.math.divide_no_nan", vec![total, n])?
            }
        }
    };
    if let Some(d) = casted {
        loss = tf(it, "tf.cast", vec![loss, Value::DType(d)])?;
    }
    Ok(loss)
}

/// The loss function itself (`mean_squared_error(y_true, y_pred)`): one loss per sample.
fn per_sample(it: &mut Interp, loss: &Loss, y_true: Value, y_pred: Value) -> Result<Value, Raise> {
    if loss.kind == LossKind::SparseCategoricalCrossentropy {
        return sparse_categorical(it, loss, y_true, y_pred);
    }
    let y_pred = Value::Tensor(it.to_val(&y_pred, None)?);
    let dtype = it.to_val(&y_pred, None)?.tensor.dtype();
    let y_true = tf(it, "tf.cast", vec![y_true, Value::DType(dtype)])?;
    match loss.kind {
        LossKind::MeanSquaredError => {
            let d = tf(it, "tf.math.squared_difference", vec![y_pred, y_true])?;
            mean_last(it, d, Value::Int(-1))
        }
        LossKind::MeanAbsoluteError => {
            let d = tf(it, "tf.math.subtract", vec![y_pred, y_true])?;
            let d = tf(it, "tf.math.abs", vec![d])?;
            mean_last(it, d, Value::Int(-1))
        }
        LossKind::BinaryCrossentropy => {
            let y_true = smoothed(it, loss, y_true, dtype)?;
            let bce = binary(it, loss.from_logits, y_true, y_pred, dtype)?;
            mean_last(it, bce, Value::Int(loss.axis))
        }
        _ => {
            let y_true = smoothed(it, loss, y_true, dtype)?;
            categorical(it, loss, y_true, y_pred, dtype)
        }
    }
}

/// Label smoothing as `losses.py` applies it, when it is not 0.
fn smoothed(it: &mut Interp, loss: &Loss, y_true: Value, dtype: DType) -> Result<Value, Raise> {
    if loss.label_smoothing == 0.0 {
        return Ok(y_true);
    }
    let ls = scalar(it, loss.label_smoothing, dtype)?;
    let keep = tf(it, "tf.math.subtract", vec![Value::Float(1.0), ls.clone()])?;
    let scaled = tf(it, "tf.math.multiply", vec![y_true.clone(), keep])?;
    let spread = if loss.kind == LossKind::BinaryCrossentropy {
        tf(it, "tf.math.multiply", vec![Value::Float(0.5), ls])?
    } else {
        let shape = it.to_val(&y_true, None)?.tensor.shape().to_vec();
        let axis = axis_index(loss.axis, shape.len())?;
        let classes = scalar(it, shape[axis] as f64, dtype)?;
        tf(it, "tf.math.divide", vec![ls, classes])?
    };
    tf(it, "tf.math.add", vec![scaled, spread])
}

/// `keras.backend.binary_crossentropy`.
fn binary(
    it: &mut Interp,
    from_logits: bool,
    target: Value,
    output: Value,
    dtype: DType,
) -> Result<Value, Raise> {
    if from_logits {
        return super::call(
            it,
            "tf.nn.sigmoid_cross_entropy_with_logits",
            vec![],
            vec![("labels".into(), target), ("logits".into(), output)],
        );
    }
    let output = clip_epsilon(it, output, dtype)?;
    let p = tf(
        it,
        "tf.math.add",
        vec![output.clone(), Value::Float(EPSILON)],
    )?;
    let p = tf(it, "tf.math.log", vec![p])?;
    let bce = tf(it, "tf.math.multiply", vec![target.clone(), p])?;
    let not_target = tf(it, "tf.math.subtract", vec![Value::Int(1), target])?;
    let q = tf(it, "tf.math.subtract", vec![Value::Int(1), output])?;
    let q = tf(it, "tf.math.add", vec![q, Value::Float(EPSILON)])?;
    let q = tf(it, "tf.math.log", vec![q])?;
    let rest = tf(it, "tf.math.multiply", vec![not_target, q])?;
    let bce = tf(it, "tf.math.add", vec![bce, rest])?;
    tf(it, "tf.math.negative", vec![bce])
}

/// `keras.backend.categorical_crossentropy`.
fn categorical(
    it: &mut Interp,
    loss: &Loss,
    target: Value,
    output: Value,
    dtype: DType,
) -> Result<Value, Raise> {
    let ts = it.to_val(&target, None)?.tensor.shape().to_vec();
    let os = it.to_val(&output, None)?.tensor.shape().to_vec();
    if ts != os {
        return Err(Raise::value_error(format!(
            "Shapes {} and {} are incompatible",
            super::super::print::tuple_text(&ts),
            super::super::print::tuple_text(&os)
        )));
    }
    let axis = Value::Int(loss.axis);
    if loss.from_logits {
        return super::call(
            it,
            "tf.nn.softmax_cross_entropy_with_logits",
            vec![],
            vec![
                ("labels".into(), target),
                ("logits".into(), output),
                ("axis".into(), axis),
            ],
        );
    }
    let total = tf(
        it,
        "tf.math.reduce_sum",
        vec![output.clone(), axis.clone(), Value::Bool(true)],
    )?;
    let output = tf(it, "tf.math.divide", vec![output, total])?;
    let output = clip_epsilon(it, output, dtype)?;
    let logs = tf(it, "tf.math.log", vec![output])?;
    let prod = tf(it, "tf.math.multiply", vec![target, logs])?;
    let sum = tf(it, "tf.math.reduce_sum", vec![prod, axis])?;
    tf(it, "tf.math.negative", vec![sum])
}

/// `keras.backend.sparse_categorical_crossentropy` over the last axis.
fn sparse_categorical(
    it: &mut Interp,
    loss: &Loss,
    y_true: Value,
    y_pred: Value,
) -> Result<Value, Raise> {
    let target = Value::Tensor(it.to_val(&y_true, None)?);
    let output = Value::Tensor(it.to_val(&y_pred, None)?);
    let target = tf(it, "tf.cast", vec![target, Value::DType(DType::I64)])?;
    let out = it.to_val(&output, None)?.tensor;
    let (dtype, oshape) = (out.dtype(), out.shape().to_vec());
    let rank = oshape.len();
    if rank == 0 || axis_index(loss.axis, rank)? != rank - 1 {
        return Err(Raise::value_error(format!(
            "sparse_categorical_crossentropy in a cell computes over the last axis of y_pred; axis={} is not it: move the class axis last (tf.transpose) and leave axis at -1",
            loss.axis
        )));
    }
    let output = if loss.from_logits {
        output
    } else {
        let clipped = clip_epsilon_int(it, output, dtype)?;
        tf(it, "tf.math.log", vec![clipped])?
    };
    let trank = it.to_val(&target, None)?.tensor.rank();
    let update_shape = trank != rank - 1;
    let (target, output) = if update_shape {
        let t = tf(it, "tf.reshape", vec![target, ints(&[-1])])?;
        let o = tf(
            it,
            "tf.reshape",
            vec![output, ints(&[-1, oshape[rank - 1] as i64])],
        )?;
        (t, o)
    } else {
        (target, output)
    };
    let res = super::call(
        it,
        "tf.nn.sparse_softmax_cross_entropy_with_logits",
        vec![],
        vec![("labels".into(), target), ("logits".into(), output)],
    )?;
    if update_shape && rank >= 3 {
        let dims: Vec<i64> = oshape[..rank - 1].iter().map(|&n| n as i64).collect();
        return tf(it, "tf.reshape", vec![res, ints(&dims)]);
    }
    Ok(res)
}

/// `clip_by_value(output, epsilon_, 1.0 - epsilon_)`, `epsilon_` a constant of the dtype.
fn clip_epsilon(it: &mut Interp, output: Value, dtype: DType) -> Result<Value, Raise> {
    let eps = scalar(it, EPSILON, dtype)?;
    let top = tf(it, "tf.math.subtract", vec![Value::Float(1.0), eps.clone()])?;
    tf(it, "tf.clip_by_value", vec![output, eps, top])
}

/// The sparse loss's clip, whose upper bound is `1 - epsilon_` (an int one).
fn clip_epsilon_int(it: &mut Interp, output: Value, dtype: DType) -> Result<Value, Raise> {
    let eps = scalar(it, EPSILON, dtype)?;
    let top = tf(it, "tf.math.subtract", vec![Value::Int(1), eps.clone()])?;
    tf(it, "tf.clip_by_value", vec![output, eps, top])
}

/// `keras.backend.mean(x, axis)`.
fn mean_last(it: &mut Interp, x: Value, axis: Value) -> Result<Value, Raise> {
    let x = if it.to_val(&x, None)?.tensor.dtype() == DType::Bool {
        tf(it, "tf.cast", vec![x, Value::DType(DType::F32)])?
    } else {
        x
    };
    tf(it, "tf.math.reduce_mean", vec![x, axis])
}

fn squeeze_last(it: &mut Interp, v: Value) -> Result<Value, Raise> {
    tf(it, "tf.squeeze", vec![v, Value::list(vec![Value::Int(-1)])])
}

fn tf(it: &mut Interp, path: &str, args: Vec<Value>) -> Result<Value, Raise> {
    super::call(it, path, args, vec![])
}

fn scalar(it: &mut Interp, x: f64, dtype: DType) -> Result<Value, Raise> {
    tf(
        it,
        "tf.constant",
        vec![Value::Float(x), Value::DType(dtype)],
    )
}

fn ints(v: &[i64]) -> Value {
    Value::list(v.iter().map(|&x| Value::Int(x)).collect())
}

fn rank_of(it: &mut Interp, v: &Value) -> Result<usize, Raise> {
    Ok(it.to_val(v, None)?.tensor.rank())
}

fn axis_index(axis: i64, rank: usize) -> Result<usize, Raise> {
    let r = rank as i64;
    if axis < -r || axis >= r {
        return Err(Raise::value_error(format!(
            "axis {axis} is out of bounds for a tensor of rank {rank}"
        )));
    }
    Ok(axis.rem_euclid(r.max(1)) as usize)
}

fn pair(what: &str, y_true: Option<Value>, y_pred: Option<Value>) -> Result<(Value, Value), Raise> {
    match (y_true, y_pred) {
        (Some(t), Some(p)) => Ok((t, p)),
        (None, _) => Err(Raise::type_error(format!(
            "{what}() missing 2 required positional arguments: 'y_true' and 'y_pred'"
        ))),
        (Some(_), None) => Err(Raise::type_error(format!(
            "{what}() missing 1 required positional argument: 'y_pred'"
        ))),
    }
}

fn flag(v: Option<Value>) -> Result<bool, Raise> {
    match v {
        None => Ok(false),
        Some(v) => v.truthy(),
    }
}

fn number(it: &mut Interp, v: Option<Value>, default: f64) -> Result<f64, Raise> {
    Ok(match v {
        None | Some(Value::None) => default,
        Some(Value::Float(f)) => f,
        Some(Value::Int(i)) => i as f64,
        Some(Value::Bool(b)) => f64::from(u8::from(b)),
        Some(v) => {
            let t = it.to_val(&v, None)?.tensor;
            t.to_f64_vec().first().copied().unwrap_or(default)
        }
    })
}

fn int(what: &str, v: Option<Value>, default: i64) -> Result<i64, Raise> {
    match v {
        None => Ok(default),
        Some(Value::Bool(b)) => Err(Raise::value_error(format!(
            "`{what}` must be of type `int`. Received: {what}={} of type <class 'bool'>",
            if b { "True" } else { "False" }
        ))),
        Some(Value::Int(i)) => Ok(i),
        Some(v) => Err(Raise::type_error(format!(
            "`{what}` must be an int, not {}",
            v.type_name()
        ))),
    }
}

fn no_ignore_class(v: Option<Value>) -> Result<(), Raise> {
    match v {
        None | Some(Value::None) => Ok(()),
        Some(_) => Err(Raise::value_error(
            "ignore_class is outside the cell subset: leave it None and drop the ignored samples first (tf.boolean_mask)",
        )),
    }
}

/// A `reduction` argument: Keras's `ReductionV2` values.
fn reduction(v: &Value) -> Result<String, Raise> {
    const VALID: [&str; 4] = ["auto", "none", "sum", "sum_over_batch_size"];
    match v {
        Value::Str(s) if VALID.contains(&&**s) => Ok(s.to_string()),
        other => {
            let shown = match other {
                Value::Str(s) => s.to_string(),
                o => o.type_name(),
            };
            Err(Raise::value_error(format!(
                "Invalid Reduction Key: {shown}. Expected keys are \"('auto', 'none', 'sum', 'sum_over_batch_size')\""
            )))
        }
    }
}
