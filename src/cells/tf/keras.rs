//! `tf.keras.activations` in a cell: Keras 2.15's functions, each written with the ops its
//! source calls, so that values, dtypes and gradients are those of TensorFlow's own graph
//! (`relu` with `alpha`, `threshold` or `max_value` composes as `keras.backend.relu` does).

use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::tape::bind_args;
use super::super::value::Value;
use super::op_call;

/// The activations a cell can call: Keras 2.15's public ones (`tf.keras.activations` has no
/// `leaky_relu`; `relu(x, alpha=...)` is Keras's leaky relu).
pub const ACTIVATIONS: &[&str] = &[
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "linear",
    "mish",
    "relu",
    "selu",
    "sigmoid",
    "softmax",
    "softplus",
    "softsign",
    "swish",
    "tanh",
];

/// `tf.keras.activations.NAME(...)`.
pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let params: &[&str] = match name {
        "relu" => &["x", "alpha", "max_value", "threshold"],
        "elu" => &["x", "alpha"],
        "gelu" => &["x", "approximate"],
        "softmax" => &["x", "axis"],
        _ => &["x"],
    };
    let mut a = bind_args(name, params, args, kwargs)?.into_iter();
    let x = a.next().flatten().ok_or_else(|| {
        Raise::type_error(format!(
            "{name}() missing 1 required positional argument: 'x'"
        ))
    })?;
    let mut rest = || a.next().flatten();
    let unary = |it: &mut Interp, path: &str, x: Value| op_call(it, path, vec![x], vec![]);
    match name {
        "sigmoid" => unary(it, "tf.math.sigmoid", x),
        "tanh" => unary(it, "tf.math.tanh", x),
        "softplus" => unary(it, "tf.math.softplus", x),
        "softsign" => unary(it, "tf.math.softsign", x),
        "selu" => unary(it, "tf.nn.selu", x),
        "swish" => unary(it, "tf.nn.silu", x),
        "exponential" => unary(it, "tf.math.exp", x),
        "linear" => Ok(x),
        "gelu" => {
            let approximate = rest().unwrap_or(Value::Bool(false));
            op_call(it, "tf.nn.gelu", vec![x, approximate], vec![])
        }
        "mish" => {
            let s = unary(it, "tf.math.softplus", x.clone())?;
            let t = unary(it, "tf.math.tanh", s)?;
            binary(it, "tf.math.multiply", x, t)
        }
        "elu" => {
            let alpha = number(it, rest(), 1.0)?;
            let res = unary(it, "tf.nn.elu", x.clone())?;
            if alpha == 1.0 {
                return Ok(res);
            }
            let positive = binary(it, "tf.math.greater", x, Value::Int(0))?;
            let scaled = binary(it, "tf.math.multiply", Value::Float(alpha), res.clone())?;
            op_call(it, "tf.where", vec![positive, res, scaled], vec![])
        }
        "hard_sigmoid" => {
            let y = binary(it, "tf.math.multiply", x, Value::Float(0.2))?;
            let y = binary(it, "tf.math.add", y, Value::Float(0.5))?;
            let y = binary(it, "tf.math.minimum", y, Value::Float(1.0))?;
            binary(it, "tf.math.maximum", y, Value::Float(0.0))
        }
        "softmax" => {
            let axis = rest().unwrap_or(Value::Int(-1));
            let t = it.to_val(&x, None)?;
            if t.tensor.rank() <= 1 {
                // Keras formats the input as NumPy prints its values
                let values =
                    Value::Array(super::super::value::NdArray::new(t.tensor.as_ref().clone()));
                let shown = super::super::print::str(it, &values);
                return Err(Raise::value_error(format!(
                    "Cannot apply softmax to a tensor that is 1D. Received input: {shown}"
                )));
            }
            op_call(it, "tf.nn.softmax", vec![x], vec![("axis".into(), axis)])
        }
        "relu" => {
            let (alpha, max_value) = (rest(), rest());
            let threshold = number(it, rest(), 0.0)?;
            relu(it, x, alpha, max_value, threshold)
        }
        _ => unreachable!("every name of ACTIVATIONS is answered"),
    }
}

fn binary(it: &mut Interp, path: &str, x: Value, y: Value) -> Result<Value, Raise> {
    op_call(it, path, vec![x, y], vec![])
}

/// A number Keras compares and scales by (`alpha != 0.0`): a Python or NumPy number, or a
/// tensor of one element, read by its value.
fn number(it: &mut Interp, v: Option<Value>, default: f64) -> Result<f64, Raise> {
    Ok(match v {
        Some(Value::Float(f)) => f,
        Some(Value::Int(i)) => i as f64,
        Some(Value::Bool(b)) => f64::from(u8::from(b)),
        Some(v) if v.is_tf() || v.np_contents().is_some() => {
            let t = it.to_val(&v, None)?.tensor;
            if t.len() != 1 {
                v.truthy()?;
            }
            t.to_f64_vec().first().copied().unwrap_or(default)
        }
        _ => default,
    })
}

/// `keras.backend.relu(x, alpha, max_value, threshold)`, op for op; `tf.clip_by_value` to
/// `max_value` is `minimum` here, whose value and gradient agree with it on relu's output.
fn relu(
    it: &mut Interp,
    x: Value,
    alpha_given: Option<Value>,
    max_value: Option<Value>,
    threshold: f64,
) -> Result<Value, Raise> {
    let alpha = number(it, alpha_given.clone(), 0.0)?;
    let max_value = max_value.filter(|v| !matches!(v, Value::None));
    if let Some(given) = alpha_given.filter(|_| alpha != 0.0) {
        if max_value.is_none() && threshold == 0.0 {
            // as given: leaky_relu takes a Python or NumPy number, not a tensor
            return op_call(
                it,
                "tf.nn.leaky_relu",
                vec![x],
                vec![("alpha".into(), given)],
            );
        }
    }
    let negative_part = if alpha != 0.0 {
        let neg = op_call(it, "tf.math.negative", vec![x.clone()], vec![])?;
        let shifted = if threshold != 0.0 {
            binary(it, "tf.math.add", neg, Value::Float(threshold))?
        } else {
            neg
        };
        Some(op_call(it, "tf.nn.relu", vec![shifted], vec![])?)
    } else {
        None
    };
    let mut clip = max_value.clone();
    let mut y = if threshold != 0.0 {
        let dtype = it.to_val(&x, None)?.tensor.dtype();
        let above = binary(it, "tf.math.greater", x.clone(), Value::Float(threshold))?;
        let mask = op_call(it, "tf.cast", vec![above, Value::DType(dtype)], vec![])?;
        binary(it, "tf.math.multiply", x, mask)?
    } else if number(it, max_value.clone(), f64::NAN)? == 6.0 {
        clip = None;
        op_call(it, "tf.nn.relu6", vec![x], vec![])?
    } else {
        op_call(it, "tf.nn.relu", vec![x], vec![])?
    };
    if let Some(m) = clip {
        y = binary(it, "tf.math.minimum", y, m)?;
    }
    if let Some(neg) = negative_part {
        let scaled = binary(it, "tf.math.multiply", Value::Float(alpha), neg)?;
        y = binary(it, "tf.math.subtract", y, scaled)?;
    }
    Ok(y)
}
