//! Attributes and methods: of tensors (`.shape`, `.numpy()`), variables (`.assign_sub`),
//! arrays (`.reshape`, `.T`), tapes (`.gradient`), lists (`.append`), strings (`.format`).

use std::sync::Arc;

use crate::engine::dtype::DType;

use super::arith::np_wrap;
use super::interp::Interp;
use super::numpy;
use super::raise::{Raise, RaiseKind};
use super::value::Value;

const TENSOR_METHODS: &[&str] = &["numpy", "get_shape"];
const VARIABLE_METHODS: &[&str] = &[
    "numpy",
    "assign",
    "assign_add",
    "assign_sub",
    "read_value",
    "value",
    "get_shape",
];
const TAPE_METHODS: &[&str] = &[
    "watch",
    "gradient",
    "jacobian",
    "batch_jacobian",
    "watched_variables",
    "reset",
    "stop_recording",
];

/// The NumPy names `Tensor.__getattr__` answers with a hint to enable NumPy behaviour.
const NUMPY_ONLY: &[&str] = &[
    "T",
    "astype",
    "ravel",
    "transpose",
    "reshape",
    "clip",
    "size",
    "tolist",
    "data",
];

/// TensorFlow's AttributeError for a NumPy method asked of an eager tensor (`x.reshape`, and
/// `round(x)`, whose `__round__` asks for `astype`).
pub fn numpy_only_attr(name: &str) -> Raise {
    Raise::attr_error(format!(
        "EagerTensor object has no attribute '{name}'. \n        If you are looking for numpy-related methods, please run the following:\n        tf.experimental.numpy.experimental_enable_numpy_behavior()\n      "
    ))
}

fn no_attr(v: &Value, name: &str) -> Raise {
    if matches!(v, Value::Tensor(_)) && NUMPY_ONLY.contains(&name) {
        return numpy_only_attr(name);
    }
    // a method TensorFlow's variables or NumPy's arrays have is outside the subset, not missing
    let path = match v {
        Value::Variable(_) | Value::UnreadVariable(_) => format!("tf.Variable.{name}"),
        Value::Array(_) | Value::NpScalar(_) => format!("np.ndarray.{name}"),
        _ => String::new(),
    };
    if super::missing::known(&path) {
        return Raise::attr_error(super::missing::outside_subset(&path));
    }
    let t = match v {
        Value::Tensor(_) => "tensorflow.python.framework.ops.EagerTensor".to_string(),
        Value::Array(_) => "numpy.ndarray".to_string(),
        Value::Variable(_) | Value::UnreadVariable(_) => "ResourceVariable".to_string(),
        other => other.type_name(),
    };
    Raise::attr_error(format!("'{t}' object has no attribute '{name}'"))
}

/// `x.ref()` (TensorFlow's `Reference` to the tensor or variable, hashable by its identity)
/// and `r.deref()` (the object again).
fn reference(
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let class = match recv {
        Value::Ref(_) => "Reference",
        Value::Tensor(_) => "Tensor",
        _ => "Variable",
    };
    if !args.is_empty() {
        return Err(Raise::type_error(format!(
            "{class}.{name}() takes 1 positional argument but {} were given",
            args.len() + 1
        )));
    }
    super::tape::bind_args(&format!("{class}.{name}"), &[], args, kwargs)?;
    Ok(match recv {
        Value::Ref(r) => (**r).clone(),
        other => Value::Ref(Arc::new(other.clone())),
    })
}

fn method(v: Value, name: &str) -> Value {
    Value::Method(Arc::new((v, name.to_string())))
}

/// The object whose `__dict__` takes a cell's new attributes: an eager tensor (each result is
/// a new one) or a variable; None for the objects that take none.
pub fn instance_key(v: &Value) -> Option<String> {
    match v {
        Value::Tensor(x) => Some(format!("tensor {}", x.id)),
        Value::Variable(id) => Some(format!("variable {id}")),
        _ => None,
    }
}

pub fn get(it: &mut Interp, v: Value, name: &str) -> Result<Value, Raise> {
    // an instance attribute comes before the class's methods (`t.numpy = 1`)
    if let Some(key) = instance_key(&v) {
        if let Some(a) = it.instance_attrs.get(&(key, name.to_string())) {
            return Ok(a.clone());
        }
    }
    Ok(match (&v, name) {
        (Value::Module(p), _) => return super::tf::module_attr(p, name),
        (Value::Type(n), "__name__") => Value::str(n.to_string()),
        (Value::Exception(e), _) => match super::exceptions::attr(e, name) {
            Some(a) => a,
            None => return Err(no_attr(&v, name)),
        },
        (Value::Builtin(p), "fromkeys") if &**p == "dict" => Value::Builtin("dict.fromkeys".into()),
        // the class's function, called with the tape first (`tf.GradientTape.gradient(g, y, x)`)
        (Value::Builtin(p), m) if &**p == "tf.GradientTape" && TAPE_METHODS.contains(&m) => {
            Value::Builtin(format!("tf.GradientTape.{m}").into())
        }
        (Value::Builtin(p), "__name__") => match super::builtins::types::class_name(p) {
            Some(class) => Value::str(class),
            None => Value::str(super::callable_repr::builtin(p, 0).name),
        },
        (Value::Function(f), "__name__") => Value::str(f.name.clone()),
        (Value::Method(m), "__name__") => Value::str(m.1.clone()),
        (Value::Tensor(x), "shape") => Value::Shape(x.tensor.shape().to_vec()),
        (Value::Tensor(x), "dtype") => Value::DType(x.tensor.dtype()),
        (Value::Tensor(x), "ndim") => Value::Int(x.tensor.rank() as i64),
        (Value::Tensor(_), "name") => {
            return Err(Raise::attr_error(
                "Tensor.name is undefined when eager execution is enabled.",
            ))
        }
        (Value::Tensor(_), m) if TENSOR_METHODS.contains(&m) => method(v, name),
        (
            Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_),
            "ref" | "experimental_ref",
        ) => method(v, name),
        (Value::Ref(_), "deref") => method(v, name),
        (Value::Ref(_), "unwrapped") => {
            return Err(Raise::attr_error(
                "property 'unwrapped' of 'Reference' object has no getter",
            ))
        }
        (Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_), "device") => {
            Value::str(super::variable::CPU_DEVICE)
        }
        // a variable's slice (`v[0]`) remembers where it came from, for `v[0].assign(7)`
        (Value::Tensor(x), "assign") if it.sliced_variables.contains_key(&x.id) => method(v, name),
        (Value::Variable(id) | Value::UnreadVariable(id), _) => {
            let var = it
                .ws
                .variable(id)
                .ok_or_else(|| Raise::value_error("the variable no longer exists"))?;
            match name {
                "shape" => Value::Shape(var.val.tensor.shape().to_vec()),
                "dtype" => Value::DType(var.val.tensor.dtype()),
                // a ResourceVariable has no `ndim` (tensors do)
                // what `assign` returns is TensorFlow's _UnreadVariable, named as it prints
                "name" if matches!(v, Value::UnreadVariable(_)) => Value::str("UnreadVariable"),
                "name" => Value::str(var.tf_name()),
                "trainable" => match it.trainable_given.get(id) {
                    Some(given) => super::convert::lit_value(given),
                    None => Value::Bool(var.trainable),
                },
                m if VARIABLE_METHODS.contains(&m) => method(v, name),
                // eager TensorFlow keeps the graph-mode property and refuses it when read
                "initial_value" => {
                    return Err(Raise::new(
                        RaiseKind::RuntimeError,
                        "This property is not supported when eager execution is enabled.",
                    ))
                }
                _ => return Err(no_attr(&v, name)),
            }
        }
        (Value::Array(_) | Value::NpScalar(_), _) => match numpy::methods::attr(it, &v, name)? {
            Some(a) => a,
            None if numpy::methods::METHODS.contains(&name) => method(v, name),
            None => return Err(no_attr(&v, name)),
        },
        (Value::IndexedSlices(s), _) => match name {
            "values" => Value::Tensor(it.ws.ctx.constant(s.values.clone())),
            "indices" => Value::Tensor(it.ws.ctx.constant(s.indices.clone())),
            "dense_shape" => {
                let d: Vec<f64> = s.dense_shape.iter().map(|&x| x as f64).collect();
                let t = crate::engine::tensor::Tensor::from_f64s(&[d.len()], &d, DType::I32)?;
                Value::Tensor(it.ws.ctx.constant(t))
            }
            // the dense tensor's: `dense_shape` as a TensorShape, the values' dtype
            "shape" => Value::Shape(s.dense_shape.clone()),
            "dtype" => Value::DType(s.values.dtype()),
            "device" => Value::str(super::variable::CPU_DEVICE),
            _ => return Err(no_attr(&v, name)),
        },
        (Value::Tape(_), m) if TAPE_METHODS.contains(&m) => method(v, name),
        (Value::Keras(k), _) => match super::tf::keras_attr(k, name) {
            Some(a) => a,
            None if super::tf::keras_has_method(k, name) => method(v, name),
            None => return Err(no_attr(&v, name)),
        },
        (Value::List(_), m) if super::builtins::list_methods::NAMES.contains(&m) => method(v, name),
        (Value::Tuple(t), _) if t.field(name).is_some() => t.field(name).expect("a field"),
        (Value::Tuple(_), m) if super::builtins::list_methods::TUPLE_NAMES.contains(&m) => {
            method(v, name)
        }
        (Value::Dict(_), m) if super::builtins::dict_methods::NAMES.contains(&m) => method(v, name),
        (Value::Str(_), m) if super::builtins::str_methods::NAMES.contains(&m) => method(v, name),
        (Value::Float(_), m) if super::builtins::number_methods::FLOAT_METHODS.contains(&m) => {
            method(v, name)
        }
        (Value::Int(_) | Value::Bool(_), m)
            if super::builtins::number_methods::INT_METHODS.contains(&m) =>
        {
            method(v, name)
        }
        (Value::Range(..), m) if super::builtins::range_methods::METHODS.contains(&m) => {
            method(v, name)
        }
        (&Value::Range(a, b, s), _) => match super::builtins::range_methods::attr(a, b, s, name) {
            Some(a) => a,
            None => return Err(no_attr(&v, name)),
        },
        (Value::Shape(d), "rank" | "ndims") => Value::Int(d.len() as i64),
        (Value::Shape(d), "dims") => {
            Value::list(d.iter().map(|&n| Value::Dimension(n as i64)).collect())
        }
        (Value::Dimension(n), "value") => Value::Int(*n),
        (Value::Shape(_), "as_list" | "num_elements" | "is_fully_defined" | "concatenate") => {
            method(v, name)
        }
        // a Python enum's member: its value is the string TensorFlow's API also takes
        (Value::Unconnected(zero), "value") => Value::str(if *zero { "zero" } else { "none" }),
        (Value::Unconnected(zero), "name") => Value::str(if *zero { "ZERO" } else { "NONE" }),
        (Value::DType(d) | Value::NpDType(d), "name") => Value::str(d.name()),
        // `a.dtype.type`: NumPy's scalar class of the dtype
        (Value::NpDType(d), "type") => {
            Value::Builtin(format!("np.{}", super::value::np_scalar_name(*d)).into())
        }
        (Value::DType(d), "is_floating") => Value::Bool(d.is_float()),
        (Value::DType(d), "is_integer") => Value::Bool(d.is_int()),
        (Value::DType(d), "is_bool") => Value::Bool(*d == DType::Bool),
        (Value::DType(d), "size") => Value::Int(match d {
            DType::F64 | DType::I64 => 8,
            DType::Bool => 1,
            _ => 4,
        }),
        (Value::DType(d), "as_numpy_dtype") => {
            Value::Builtin(format!("np.{}", super::value::np_scalar_name(*d)).into())
        }
        // the dtype's limits, as NumPy scalars of the dtype
        (Value::DType(d), "min" | "max") => {
            let lim = match (d, name == "max") {
                (DType::F32, false) => f64::from(f32::MIN),
                (DType::F32, true) => f64::from(f32::MAX),
                (DType::F64, false) => f64::MIN,
                (DType::F64, true) => f64::MAX,
                (DType::I32, false) => f64::from(i32::MIN),
                (DType::I32, true) => f64::from(i32::MAX),
                (DType::I64, false) => i64::MIN as f64,
                // i64::MAX has no f64: built from the integer itself
                (DType::I64, true) => {
                    let a = ndarray::ArrayD::from_elem(ndarray::IxDyn(&[]), i64::MAX);
                    return Ok(Value::NpScalar(crate::engine::tensor::Tensor::from_array(
                        a,
                    )));
                }
                (DType::Bool, _) => {
                    return Err(Raise::type_error(format!(
                        "Cannot find {} value of <dtype: 'bool'> with type <dtype: 'bool'>.",
                        if name == "max" { "maximum" } else { "minimum" }
                    )))
                }
            };
            Value::NpScalar(crate::engine::tensor::Tensor::scalar(lim, *d))
        }
        _ => return Err(no_attr(&v, name)),
    })
}

/// `tf.TensorShape(v)`'s dimensions for what `TensorShape.concatenate` and `+` take: a
/// shape, a list or tuple of ints, or one int.
pub fn shape_dims(it: &mut Interp, v: &Value) -> Result<Vec<usize>, Raise> {
    let items = match v {
        Value::Shape(d) => return Ok(d.clone()),
        Value::Int(_) => vec![v.clone()],
        Value::List(_) | Value::Tuple(_) => v.items().unwrap_or_default(),
        other => {
            return Err(Raise::type_error(format!(
                "'{}' object is not iterable",
                other.type_name()
            )))
        }
    };
    let mut dims = Vec::with_capacity(items.len());
    for x in &items {
        dims.push(match x {
            Value::Int(n) | Value::Dimension(n) if *n >= 0 => Ok(*n as usize),
            Value::Int(n) => Err(Raise::value_error(format!("Dimension {n} must be >= 0"))),
            other => Err(Raise::type_error(format!(
                "Dimension value must be integer or None or have an __index__ method, got value '{}' with type '<class '{}'>'",
                super::print::repr(it, other),
                other.type_name()
            ))),
        }?);
    }
    Ok(dims)
}

pub fn call_method(
    it: &mut Interp,
    recv: &Value,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let wraps = matches!(
        recv,
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
    );
    if (wraps && matches!(name, "ref" | "experimental_ref")) || matches!(recv, Value::Ref(_)) {
        return reference(recv, name, args, kwargs);
    }
    match recv {
        Value::Tensor(x) => match name {
            "numpy" => Ok(np_wrap(x.tensor.as_ref().clone())),
            "assign" => super::index::assign_slice(it, x, args, kwargs),
            _ => Ok(Value::Shape(x.tensor.shape().to_vec())),
        },
        Value::Variable(id) => super::variable::method(it, id, false, name, args, kwargs),
        Value::UnreadVariable(id) => super::variable::method(it, id, true, name, args, kwargs),
        Value::Array(_) | Value::NpScalar(_) => numpy::methods::call(it, recv, name, args, kwargs),
        Value::Tape(id) => super::tape::method(it, *id, name, args, kwargs),
        Value::Keras(k) => super::tf::keras_method(it, k, name, args, kwargs),
        Value::List(l) => super::builtins::list_methods::call(it, l, name, args, kwargs),
        Value::Tuple(t) => super::builtins::list_methods::tuple_call(it, t, name, args, kwargs),
        Value::Dict(d) => super::builtins::dict_methods::call(it, d, name, args, kwargs),
        Value::Shape(d) => Ok(match name {
            "num_elements" => Value::Int(d.iter().product::<usize>() as i64),
            "concatenate" => {
                let [other] = &args[..] else {
                    return Err(Raise::type_error(format!(
                        "TensorShape.concatenate() takes 2 positional arguments but {} were given",
                        args.len() + 1
                    )));
                };
                let mut dims = d.clone();
                dims.extend(shape_dims(it, other)?);
                Value::Shape(dims)
            }
            // an eager tensor's shape is always known
            "is_fully_defined" => Value::Bool(true),
            _ => Value::list(d.iter().map(|&x| Value::Int(x as i64)).collect()),
        }),
        Value::Str(s) => super::builtins::str_methods::call(it, s, name, args, kwargs),
        &Value::Range(a, b, s) => {
            super::builtins::range_methods::call(it, (a, b, s), name, args, kwargs)
        }
        Value::Float(_) | Value::Int(_) | Value::Bool(_) => {
            super::builtins::number_methods::call(recv, name, args, kwargs)
        }
        other => Err(no_attr(other, name)),
    }
}
