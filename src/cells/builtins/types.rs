//! `isinstance` and `type`, over the cell's kinds of value (tensors, variables, arrays
//! included), and the classes themselves: `type(a) is np.ndarray` compares classes, and a
//! class prints as Python prints it (`<class 'numpy.float32'>`).

use super::*;

/// `isinstance()`.
pub fn isinstance(
    _it: &mut Interp,
    args: Vec<Value>,
    _kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let [x, cls] = <[Value; 2]>::try_from(args)
        .map_err(|_| Raise::type_error("isinstance expected 2 arguments"))?;
    let classes = match &cls {
        Value::Tuple(_) => cls.items().unwrap_or_default(),
        _ => vec![cls],
    };
    let mut yes = false;
    for c in &classes {
        yes |= match c {
            Value::Builtin(p) => instance_of(p, &x),
            Value::Type(n) => match (&x, crate::cells::exceptions::class_named(n)) {
                (Value::Exception(e), Some(c)) => e.class.is_a(c),
                _ => x.type_name() == **n,
            },
            _ => {
                return Err(Raise::type_error(
                    "isinstance() arg 2 must be a type, a tuple of types, or a union",
                ))
            }
        };
    }
    Ok(Value::Bool(yes))
}

/// Whether `x` is an instance of the class the name `path` stands for (subclasses included:
/// NumPy's scalar types sit under `np.generic`, `np.number`, `np.floating`, `np.integer`;
/// a float64 scalar is also a Python `float`; a variable is no `tf.Tensor`).
fn instance_of(path: &str, x: &Value) -> bool {
    if let Value::Exception(e) = x {
        return crate::cells::exceptions::class_at(path).is_some_and(|c| e.class.is_a(c));
    }
    if let Value::Keras(_) = x {
        return named_class(path) == Some(qualified(&x.type_name()));
    }
    if let Value::NpScalar(t) = x {
        let d = t.dtype();
        return match path {
            "np.generic" => true,
            "np.number" => d != DType::Bool,
            "np.floating" | "np.inexact" => d.is_float(),
            "np.integer" | "np.signedinteger" => d.is_int(),
            "float" => d == DType::F64,
            p => scalar_class(p) == Some(d),
        };
    }
    matches!(
        (path, x),
        ("tf.Tensor", Value::Tensor(_))
            | ("tf.Variable", Value::Variable(_) | Value::UnreadVariable(_))
            | ("tf.GradientTape", Value::Tape(_))
            | ("tf.IndexedSlices", Value::IndexedSlices(_))
            | ("np.ndarray", Value::Array(_))
            | ("int", Value::Int(_) | Value::Bool(_))
            | ("float", Value::Float(_))
            | ("bool", Value::Bool(_))
            | ("str", Value::Str(_))
            | ("list", Value::List(_))
            | ("tuple", Value::Tuple(_))
            | ("dict", Value::Dict(_))
    ) || matches!(x, Value::Iter(p) if p.name == path)
}

/// The dtype of NumPy's scalar class `np.float32`, `np.float_`, ...
fn scalar_class(path: &str) -> Option<DType> {
    match path {
        "np.float32" => Some(DType::F32),
        "np.float64" | "np.float_" | "np.double" => Some(DType::F64),
        "np.int32" => Some(DType::I32),
        "np.int64" | "np.int_" => Some(DType::I64),
        "np.bool_" => Some(DType::Bool),
        _ => None,
    }
}

/// `type()`.
pub fn type_of(
    _it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let v = one("type", args, kwargs)?;
    if class_path(&v).is_some() {
        return Ok(Value::Type("type".into()));
    }
    Ok(Value::Type(v.type_name().into()))
}

/// The class a value stands for, by its qualified name, when it is a class: what `type()`
/// answered, or a class named in a module (`np.ndarray`, `tf.Tensor`, `float`).
pub fn class_path(v: &Value) -> Option<String> {
    match v {
        Value::Type(n) => Some(qualified(n)),
        Value::Builtin(p) => named_class(p),
        _ => None,
    }
}

/// `a is b` / `a == b` when both are classes: `type(a) is np.ndarray`.
pub fn same_class(a: &Value, b: &Value) -> Option<bool> {
    Some(class_path(a)? == class_path(b)?)
}

/// The qualified name of the class whose `__name__` is `short` (what `Value::type_name`
/// answers), as `print(type(x))` shows it.
pub fn qualified(short: &str) -> String {
    let q = match short {
        "EagerTensor" => "tensorflow.python.framework.ops.EagerTensor",
        "ResourceVariable" => "tensorflow.python.ops.resource_variable_ops.ResourceVariable",
        "_UnreadVariable" => "tensorflow.python.ops.resource_variable_ops._UnreadVariable",
        "IndexedSlices" => "tensorflow.python.framework.indexed_slices.IndexedSlices",
        "TensorShape" => "tensorflow.python.framework.tensor_shape.TensorShape",
        "DType" => "tensorflow.python.framework.dtypes.DType",
        "GradientTape" => "tensorflow.python.eager.backprop.GradientTape",
        "UnconnectedGradients" => {
            "tensorflow.python.ops.unconnected_gradients.UnconnectedGradients"
        }
        "_GeneratorContextManager" => "contextlib._GeneratorContextManager",
        "SGD" => "keras.src.optimizers.sgd.SGD",
        "Adam" => "keras.src.optimizers.adam.Adam",
        "RMSprop" => "keras.src.optimizers.rmsprop.RMSprop",
        l if crate::cells::keras_object::LossKind::ALL
            .iter()
            .any(|k| k.class() == l) =>
        {
            return format!("keras.src.losses.{l}")
        }
        "ndarray" | "float32" | "float64" | "int32" | "int64" | "bool_" => {
            return format!("numpy.{short}")
        }
        d if d.ends_with("DType") => return format!("numpy.dtypes.{d}"),
        e if crate::cells::exceptions::class_named(e).is_some() => {
            return crate::cells::exceptions::class_named(e)
                .map(|c| c.qualified())
                .unwrap_or_default()
        }
        other => other,
    };
    q.to_string()
}

/// The class a module's name (or a builtin's) stands for, if it is one.
fn named_class(path: &str) -> Option<String> {
    if let Some(d) = scalar_class(path) {
        return Some(format!("numpy.{}", crate::cells::value::np_scalar_name(d)));
    }
    Some(match path {
        "np.ndarray" | "np.generic" | "np.number" | "np.floating" | "np.integer" | "np.inexact"
        | "np.signedinteger" => format!("numpy.{}", &path["np.".len()..]),
        "tf.Tensor" => "tensorflow.python.framework.tensor.Tensor".into(),
        "tf.Variable" => "tensorflow.python.ops.variables.Variable".into(),
        "tf.GradientTape" => qualified("GradientTape"),
        "tf.IndexedSlices" => qualified("IndexedSlices"),
        "tf.keras.optimizers.SGD" | "tf.keras.optimizers.Adam" => qualified(&path[20..]),
        p if p.starts_with("tf.keras.losses.") && qualified(&p[16..]).starts_with("keras.") => {
            qualified(&p[16..])
        }
        "int" | "float" | "bool" | "str" | "list" | "tuple" | "dict" | "type" | "zip"
        | "enumerate" | "map" | "reversed" => path.into(),
        _ => return crate::cells::exceptions::class_at(path).map(|c| c.qualified()),
    })
}

/// The `__name__` of a class named in a module: `np.float_.__name__` is `float64`.
pub fn class_name(path: &str) -> Option<String> {
    named_class(path).map(|q| q.rsplit('.').next().unwrap_or_default().to_string())
}
