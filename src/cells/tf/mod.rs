//! The `tf` namespace in a cell: its modules and constants, the calls the evaluator itself
//! answers (`tf.Variable`, `tf.GradientTape`, `tf.constant`, `tf.shape`, ...), and every other
//! function bound through the one op registry and run as an engine op.

use std::sync::Arc;

use crate::engine::dtype::DType;
use crate::engine::lit::{tensor_from_lit, Lit};
use crate::engine::ops::registry;
use crate::engine::tensor::Tensor;

mod calls;
mod checks;
mod composite;
mod connected;
mod default_only;
mod hyper;
mod keras;
mod losses;
mod one_hot;
mod operands;
mod optimizers;
mod print;
mod python_attrs;
pub mod random;
mod rmsprop;
mod stack;

use calls::{
    constant_call, gradient_tape, reduce_all_or_any, reduce_std_or_variance, shape_rank_or_size,
    variable,
};

use super::convert::{to_lit, truediv_dtype_error};
use super::interp::Interp;
use super::missing;
use super::raise::{Raise, RaiseKind};
use super::tape::bind_args;
use super::value::Value;

const TF_MODULES: &[&str] = &[
    "math",
    "nn",
    "linalg",
    "random",
    "dtypes",
    "test",
    "UnconnectedGradients",
];

fn dtype_named(name: &str) -> Option<DType> {
    match name {
        "double" => Some(DType::F64),
        "float32" | "float64" | "int32" | "int64" | "bool" => DType::parse(name),
        _ => None,
    }
}

/// `module.name`.
pub fn module_attr(module: &str, name: &str) -> Result<Value, Raise> {
    if module == "math" {
        if let Some(detail) = super::builtins::pymath::outside_subset(name) {
            return Err(Raise::attr_error(detail));
        }
    }
    resolve(module, name)
        .ok_or_else(|| Raise::attr_error(missing_detail(&format!("{module}.{name}"))))
}

/// `module.name`, if the subset has it.
fn resolve(module: &str, name: &str) -> Option<Value> {
    let full = format!("{module}.{name}");
    Some(match (module, name) {
        ("math", _) => return super::builtins::pymath::attr(name),
        ("tf", m) if TF_MODULES.contains(&m) => Value::Module(full.into()),
        ("tf" | "tf.dtypes", d) if dtype_named(d).is_some() => {
            Value::DType(dtype_named(d).expect("checked"))
        }
        ("tf", "newaxis") | ("np", "newaxis") => Value::None,
        ("tf", "__version__") => Value::str("2.15.0"),
        ("tf", "errors") => Value::Module(full.into()),
        ("tf.errors", _) if super::exceptions::class_at(&full).is_some() => {
            Value::Builtin(full.into())
        }
        ("np", "__version__") => Value::str("1.26.4"),
        ("tf.UnconnectedGradients", "ZERO") => Value::Unconnected(true),
        ("tf.UnconnectedGradients", "NONE") => Value::Unconnected(false),
        ("np", "pi") => Value::Float(std::f64::consts::PI),
        ("np", "e") => Value::Float(std::f64::consts::E),
        ("np", "inf") => Value::Float(f64::INFINITY),
        ("np", "nan") => Value::Float(f64::NAN),
        // NumPy's two `bool_` scalars
        ("np", "True_") => Value::NpScalar(Tensor::scalar(1.0, DType::Bool)),
        ("np", "False_") => Value::NpScalar(Tensor::scalar(0.0, DType::Bool)),
        ("np", "linalg" | "random" | "testing") => Value::Module(full.into()),
        ("tf", "keras") | ("tf.keras", "activations" | "losses" | "optimizers") => {
            Value::Module(full.into())
        }
        // `mse` and `MSE` are `mean_squared_error` itself (`is` says so, and its repr)
        ("tf.keras.losses", l) if losses::has(l) => {
            Value::Builtin(format!("tf.keras.losses.{}", losses::canonical(l)).into())
        }
        ("tf.keras.optimizers", o) if optimizers::CLASSES.contains(&o) => {
            Value::Builtin(full.into())
        }
        ("tf.keras.activations", a) if keras::ACTIVATIONS.contains(&a) => {
            Value::Builtin(full.into())
        }
        ("np" | "np.linalg" | "np.random" | "np.testing", _) => Value::Builtin(full.into()),
        _ if special(&full) || composite::NAMES.contains(&full.as_str()) => {
            Value::Builtin(full.into())
        }
        _ if registry::lookup(&full).is_some() => Value::Builtin(full.into()),
        _ => return None,
    })
}

/// Whether a dotted `tf.` or `np.` path names something the subset has (`tf.nn.relu`,
/// `np.outer`, `tf.float32`).
pub fn subset_has(path: &str) -> bool {
    let mut parts = path.split('.');
    let mut module: Arc<str> = match parts.next() {
        Some(root @ ("tf" | "np")) => root.into(),
        _ => return false,
    };
    let mut parts = parts.peekable();
    while let Some(name) = parts.next() {
        let last = parts.peek().is_none();
        match resolve(&module, name) {
            Some(Value::Module(m)) => module = m,
            // NumPy's functions the subset runs, and its classes (`isinstance(x, np.floating)`)
            Some(Value::Builtin(p)) if p.starts_with("np.") => {
                return last
                    && (super::numpy::provides(&p["np.".len()..])
                        || super::builtins::types::class_name(&p).is_some());
            }
            Some(_) => return last,
            None => return false,
        }
    }
    true
}

/// `tf.GradientTape.NAME(tape, ...)`: Python's function behind the method, its first argument
/// the tape.
fn unbound_tape_method(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut args = args.into_iter();
    match args.next() {
        Some(Value::Tape(tape)) => super::tape::method(it, tape, name, args.collect(), kwargs),
        // the method reads the tape's attributes first
        Some(other) => Err(Raise::attr_error(format!(
            "'{}' object has no attribute '_tape'",
            other.type_name()
        ))),
        None => {
            let required: &[&str] = match name {
                "gradient" | "jacobian" => &["'self'", "'target'", "'sources'"],
                "batch_jacobian" => &["'self'", "'target'", "'source'"],
                "watch" => &["'self'", "'tensor'"],
                _ => &["'self'"],
            };
            // Python's list: `'a'`, `'a' and 'b'`, `'a', 'b', and 'c'`
            let listed = match required {
                [one] => format!("1 required positional argument: {one}"),
                [a, b] => format!("2 required positional arguments: {a} and {b}"),
                _ => format!(
                    "{} required positional arguments: {}, and {}",
                    required.len(),
                    required[..required.len() - 1].join(", "),
                    required[required.len() - 1]
                ),
            };
            Err(Raise::type_error(format!(
                "GradientTape.{name}() missing {listed}"
            )))
        }
    }
}

/// Why `tf.`/`np.` `path` is not there: outside the subset, or misspelt.
pub fn missing_detail(path: &str) -> String {
    if missing::known(path) {
        return missing::outside_subset(path);
    }
    let (module, name) = path.rsplit_once('.').unwrap_or(("tf", path));
    missing::no_attribute(module, name, subset_has)
}

/// The TensorFlow calls the evaluator answers itself (they make variables and tapes, or
/// read shapes, or compose ops), not through the registry.
fn special(path: &str) -> bool {
    matches!(
        path,
        "tf.Variable"
            | "tf.GradientTape"
            | "tf.Tensor"
            | "tf.constant"
            | "tf.convert_to_tensor"
            | "tf.shape"
            | "tf.rank"
            | "tf.size"
            | "tf.reduce_all"
            | "tf.reduce_any"
            | "tf.math.reduce_all"
            | "tf.math.reduce_any"
            | "tf.math.reduce_std"
            | "tf.math.reduce_variance"
            | "tf.random.set_seed"
            | "tf.IndexedSlices"
            | "tf.test.compute_gradient"
            | "tf.math.floordiv"
            | "tf.math.floormod"
            | "tf.math.mod"
            | "tf.boolean_mask"
            | "tf.reverse"
            | "tf.gradients"
            | "tf.hessians"
            | "tf.print"
    )
}

fn int32(v: &[usize]) -> Tensor {
    let f: Vec<f64> = v.iter().map(|&x| x as f64).collect();
    Tensor::from_f64s(&[f.len()], &f, DType::I32).expect("sized")
}

pub fn call(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if matches!(path, "tf.cast" | "tf.dtypes.cast") {
        if let Some(e) = super::convert::cast_of_strings(&args, &kwargs) {
            return Err(e);
        }
    }
    if matches!(path, "tf.cast" | "tf.dtypes.cast" | "tf.identity") {
        if let Some(kept) = super::slices::cast_or_identity(it, path, &args, &kwargs)? {
            return Ok(kept);
        }
    }
    if let Some(name) = path.strip_prefix("tf.GradientTape.") {
        return unbound_tape_method(it, name, args, kwargs);
    }
    match path {
        "tf.Variable" => variable(it, args, kwargs),
        "tf.test.compute_gradient" => super::gradcheck::compute_gradient(it, args, kwargs),
        "tf.GradientTape" => gradient_tape(it, args, kwargs),
        "tf.constant" | "tf.convert_to_tensor" => constant_call(it, path, args, kwargs),
        "tf.shape" | "tf.rank" | "tf.size" => shape_rank_or_size(it, path, args, kwargs),
        "tf.reduce_all" | "tf.reduce_any" | "tf.math.reduce_all" | "tf.math.reduce_any" => {
            reduce_all_or_any(it, path, args, kwargs)
        }
        "tf.math.reduce_std" | "tf.math.reduce_variance" => {
            reduce_std_or_variance(it, path, args, kwargs)
        }
        "tf.random.set_seed" => random::set_seed(it, args, kwargs),
        "tf.random.normal" | "tf.random.truncated_normal" | "tf.random.uniform" => {
            random::draw(it, path, args, kwargs)
        }
        p if p.starts_with("tf.keras.losses.") => {
            losses::call(it, &p["tf.keras.losses.".len()..], args, kwargs)
        }
        p if p.starts_with("tf.keras.optimizers.") => {
            optimizers::construct(it, &p["tf.keras.optimizers.".len()..], args, kwargs)
        }
        p if p.starts_with("tf.keras.activations.") => {
            keras::call(it, &p["tf.keras.activations.".len()..], args, kwargs)
        }
        "tf.boolean_mask" => super::index::boolean_mask_call(it, args, kwargs),
        "tf.reverse" => default_only::reverse(it, args, kwargs),
        "tf.print" => print::print(it, args, kwargs),
        // TensorFlow keeps the graph-mode functions and refuses them in eager mode, whatever
        // they are given, with the sentence that points a notebook at the tape (tf.hessians
        // calls tf.gradients, so its sentence names tf.gradients too)
        "tf.gradients" | "tf.hessians" => Err(Raise::new(
            RaiseKind::RuntimeError,
            "tf.gradients is not supported when eager execution is enabled. Use tf.GradientTape instead.",
        )),
        "tf.linspace" => composite::create::linspace(it, args, kwargs),
        "tf.fill" => composite::create::fill(it, args, kwargs),
        p if composite::NAMES.contains(&p) => composite::call(it, p, args, kwargs),
        "tf.where" | "tf.compat.v1.where"
            if args.len() == 1 && !kwargs.iter().any(|(k, _)| k == "x" || k == "y") =>
        {
            composite::where_true(it, args, kwargs)
        }
        "tf.math.floordiv" | "tf.math.floormod" | "tf.math.mod" => {
            floor_call(it, path, args, kwargs)
        }
        "tf.Tensor" | "tf.IndexedSlices" => Err(Raise::type_error(format!(
            "{path} cannot be called in a cell; make tensors with tf.constant"
        ))),
        _ => op_call(it, path, args, kwargs),
    }
}

/// `tf.math.floordiv(x, y)` and `tf.math.floormod(x, y)` (`tf.math.mod`): what `x // y` and
/// `x % y` compute on tensors, Python's floor semantics (FloorMod has a gradient, FloorDiv
/// none).
fn floor_call(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let what = path.rsplit('.').next().unwrap_or(path);
    let mut xs = bind_args(what, &["x", "y", "name"], args, kwargs)?.into_iter();
    let (x, y) = match (xs.next().flatten(), xs.next().flatten()) {
        (Some(x), Some(y)) => (x, y),
        _ => {
            return Err(Raise::type_error(format!(
                "{what}() missing required positional argument: 'x' or 'y'"
            )))
        }
    };
    let op = if what == "floordiv" {
        ruff_python_ast::Operator::FloorDiv
    } else {
        ruff_python_ast::Operator::Mod
    };
    // the op converts its arguments: of two Python values (numbers, lists), x becomes a
    // tensor first and y follows its dtype, so the answer is a tensor
    let x = if x.is_tf() || y.is_tf() {
        x
    } else {
        Value::Tensor(it.to_val(&x, None)?)
    };
    super::arith::binary(it, op, x, y)
}

/// Any other `tf.*` function: the registry binds the call as Python would, its tensor
/// parameters become the op's inputs (converted as TensorFlow's wrapper converts them, see
/// `operands`) and the rest its attributes.
fn op_call(
    it: &mut Interp,
    path: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let def = registry::lookup(path).ok_or_else(|| Raise::attr_error(missing_detail(path)))?;
    let mut bound = registry::bind(def, args, kwargs).map_err(|e| Raise::type_error(e.detail))?;
    python_attrs::read(it, def.name, &mut bound)?;
    // tf.eye checks its sizes are ints or tensors in Python, before converting
    for (p, v) in bound.iter_mut().filter(|_| def.name != "eye") {
        if matches!(p.kind, registry::ParamKind::Attr(_)) {
            if let Some(given) = v.take() {
                *v = Some(it.read_variables(given)?);
            }
        }
    }
    if def.name == "divide" && !matches!(path, "tf.math.truediv" | "tf.truediv") {
        return divide_call(it, bound);
    }
    let resource_gather = def.name == "gather" && resource_gather(&bound);
    checks::read_attrs_as_tensorflow(def.name, &mut bound)?;
    let then = default_only::take(def, &mut bound)?;
    checks::before_conversion(it, def.name, &mut bound)?;
    if def.name == "stack" {
        if let Some(whole) = stack::as_one_constant(it, &bound)? {
            return Ok(Value::Tensor(whole));
        }
    }
    let (inputs, given) = operands::convert(it, path, def, bound)?;
    let created = created_dtype(it, def.name, &given);
    let given_dtype = given
        .iter()
        .any(|(p, v)| p.name == "dtype" && !matches!(v, Value::None));
    let mut attrs = Vec::new();
    for (p, v) in given {
        if matches!(v, Value::None) {
            continue;
        }
        let lit = to_lit(&v).ok_or_else(|| {
            Raise::type_error(format!(
                "{}: \"{}\" cannot be a {}",
                def.name,
                p.name,
                v.type_name()
            ))
        })?;
        // fill's value, and range's bounds without a dtype, convert with none to go by
        if matches!(p.name, "value" | "start" | "limit" | "delta")
            && matches!(def.name, "fill" | "range")
            && matches!(v, Value::Float(_))
            && !given_dtype
        {
            super::convert::f32_range(&lit)?;
        }
        attrs.push((p.name.to_string(), lit));
    }
    if let Some(d) = created {
        if !attrs.iter().any(|(k, _)| k == "dtype") {
            attrs.push(("dtype".into(), Lit::Str(d.name().into())));
        }
    }
    checks::before_op(def.name, &attrs, &inputs)?;
    if let [a, b] = &inputs[..] {
        if def.name == "divide" && a.tensor.dtype() != b.tensor.dtype() {
            return Err(truediv_dtype_error(a.tensor.dtype(), b.tensor.dtype()));
        }
    }
    let out = match resource_gather {
        true => it.apply_resource(def.name, attrs, inputs)?,
        false => it.apply(def.name, attrs, inputs)?,
    };
    Ok(Value::Tensor(default_only::finish(it, then, out)?))
}

/// Whether `tf.gather(params, indices, axis)` is a variable's own `ResourceGather`, as
/// TensorFlow's `gather` calls `params.sparse_read(indices)` where the axis is 0 (or None,
/// then `batch_dims`, which the subset keeps at 0): `GatherV2` of a read otherwise.
fn resource_gather(bound: &[(&'static registry::Param, Option<Value>)]) -> bool {
    let arg = |name: &str| {
        bound
            .iter()
            .find(|(p, _)| p.name == name)
            .and_then(|(_, v)| v.as_ref())
    };
    let variable = matches!(
        arg("params"),
        Some(Value::Variable(_) | Value::UnreadVariable(_))
    );
    variable
        && matches!(
            arg("axis"),
            None | Some(Value::None | Value::Int(0) | Value::Bool(false))
        )
}

/// The dtype `tf.fill` and `tf.range` give where a number comes as a tensor or NumPy value
/// (or a Python int past int32) and no `dtype=` is given: fill's value's own; range's the
/// widest of its bounds' as TensorFlow ranks them (int32 < int64 < float32 < float64), a
/// Python int counted as int32 and a float as float32. `None` for other ops, and where only
/// Python numbers are given (the op's own rule).
fn created_dtype(
    it: &Interp,
    op: &str,
    given: &[(&'static registry::Param, Value)],
) -> Option<DType> {
    if !matches!(op, "fill" | "range") {
        return None;
    }
    // each argument's dtype, and whether it is a tensor or NumPy value, or a Python int past
    // int32, which converts to int64 (`tf.constant(2**31)`): either decides the dtype
    let typed = |v: &Value| match v {
        Value::Int(i) if i32::try_from(*i).is_err() => (Some(DType::I64), true),
        Value::Int(_) => (Some(DType::I32), false),
        Value::Float(_) => (Some(DType::F32), false),
        v => {
            let d = super::convert::tf_dtype(it, v).or_else(|| v.np_contents().map(|t| t.dtype()));
            (d, d.is_some())
        }
    };
    if op == "fill" {
        let (d, tensor) = typed(&given.iter().find(|(p, _)| p.name == "value")?.1);
        return d.filter(|_| tensor);
    }
    let bounds: Vec<(Option<DType>, bool)> = given
        .iter()
        .filter(|(p, _)| matches!(p.name, "start" | "limit" | "delta"))
        .map(|(_, v)| typed(v))
        .collect();
    bounds.iter().find(|(_, tensor)| *tensor)?;
    let rank = |d: DType| match d {
        DType::I32 => 0,
        DType::I64 => 1,
        DType::F32 => 2,
        _ => 3,
    };
    bounds
        .iter()
        .filter_map(|(d, _)| *d)
        .max_by_key(|d| rank(*d))
}

/// `tf.divide(x, y)`: x converted to y's dtype when only y is a tensor, then `x / y`.
fn divide_call(
    it: &mut Interp,
    bound: Vec<(&'static registry::Param, Option<Value>)>,
) -> Result<Value, Raise> {
    let mut xs = bound.into_iter().map(|(_, v)| v);
    let (Some(Some(x)), Some(Some(y))) = (xs.next(), xs.next()) else {
        return Err(Raise::type_error(
            "divide() missing required positional argument: 'x' or 'y'",
        ));
    };
    let x = match &y {
        _ if matches!(
            x,
            Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
        ) =>
        {
            x
        }
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let d = it.as_val(&y)?.expect("tensor").tensor.dtype();
            Value::Tensor(it.to_val_as(&x, d)?)
        }
        _ => Value::Tensor(it.to_val(&x, None)?),
    };
    super::arith::binary(it, ruff_python_ast::Operator::Div, x, y)
}

/// `(input_tensor, axis=None, keepdims=False, name=None)`, as TensorFlow's reductions take them.
fn reduction_args(
    op: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<(Value, Lit, bool), Raise> {
    let mut s = bind_args(
        op,
        &["input_tensor", "axis", "keepdims", "name"],
        args,
        kwargs,
    )?
    .into_iter();
    let v = s
        .next()
        .flatten()
        .ok_or_else(|| Raise::type_error("missing required argument 'input_tensor'"))?;
    let axis = s
        .next()
        .flatten()
        .and_then(|a| to_lit(&a))
        .unwrap_or(Lit::Null);
    let keep = s
        .next()
        .flatten()
        .map(|k| k.truthy())
        .transpose()?
        .unwrap_or(false);
    Ok((v, axis, keep))
}

/// Calling a Keras object: a loss object computes its loss; an optimizer is not callable.
pub fn call_keras_object(
    it: &mut Interp,
    k: &super::keras_object::KerasRef,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let loss = match &*super::keras_object::lock(k) {
        super::keras_object::Keras::Loss(l) => l.clone(),
        other => {
            return Err(Raise::type_error(format!(
                "'{}' object is not callable",
                other.class()
            )))
        }
    };
    losses::call_object(it, &loss, args, kwargs)
}

/// A Keras object's attribute that is no method (`opt.iterations`, `loss_fn.name`).
pub fn keras_attr(k: &super::keras_object::KerasRef, name: &str) -> Option<Value> {
    match &*super::keras_object::lock(k) {
        super::keras_object::Keras::Optimizer(o) => optimizers::attr(o, name),
        super::keras_object::Keras::Loss(l) => match name {
            "name" => Some(Value::str(l.name.as_str())),
            "reduction" => Some(Value::str(l.reduction.as_str())),
            _ => None,
        },
    }
}

pub fn keras_has_method(k: &super::keras_object::KerasRef, name: &str) -> bool {
    match &*super::keras_object::lock(k) {
        super::keras_object::Keras::Optimizer(_) => optimizers::METHODS.contains(&name),
        super::keras_object::Keras::Loss(_) => matches!(name, "__call__" | "get_config"),
    }
}

/// `opt.apply_gradients(...)`, `opt.build(...)`, `loss_fn.__call__(...)`.
pub fn keras_method(
    it: &mut Interp,
    k: &super::keras_object::KerasRef,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    if name == "__call__" {
        return call_keras_object(it, k, args, kwargs);
    }
    if name == "get_config" {
        bind_args("get_config", &[], args, kwargs)?;
        return keras_config(it, k);
    }
    optimizers::method(it, k, name, args, kwargs)
}

/// `opt.learning_rate = x` (or `opt.lr = x`): Keras's setter assigns the learning-rate
/// variable; a hyperparameter the update reads (`opt.momentum = 0.5`) is set for the next
/// steps, as Python sets the attribute. Any other attribute is refused, saying which can be.
pub fn keras_set_attr(
    it: &mut Interp,
    k: &super::keras_object::KerasRef,
    name: &str,
    v: Value,
) -> Option<Result<(), Raise>> {
    use super::keras_object::Keras;
    // the object's lock is let go before a setter runs: `set_hyper` takes it again
    let target = match &*super::keras_object::lock(k) {
        Keras::Optimizer(o) if matches!(name, "learning_rate" | "lr") => {
            Ok(o.learning_rate.clone())
        }
        Keras::Optimizer(_) => Err(None),
        Keras::Loss(l) => Err(Some(l.kind.class())),
    };
    let lr = match target {
        Ok(lr) => lr,
        Err(None) => return Some(optimizers::set_hyper(it, k, name, v)),
        Err(Some(class)) => {
            return Some(Err(Raise::type_error(format!(
                "a cell sets no attribute of a {class} object; make a new one with the arguments you want (name=..., reduction=...)"
            ))))
        }
    };
    let id: Arc<str> = lr.into();
    Some(super::variable::method(it, &id, false, "assign", vec![v], vec![]).map(|_| ()))
}

/// `obj.get_config()`: Keras 2.15's dict, its keys in Keras's order.
fn keras_config(it: &mut Interp, k: &super::keras_object::KerasRef) -> Result<Value, Raise> {
    use super::keras_object::{Keras, LossKind, Rule};
    let k = super::keras_object::lock(k).clone();
    let s = |x: &str| Value::str(x);
    let pairs: Vec<(&str, Value)> = match &k {
        Keras::Loss(l) => {
            let mut p = vec![("reduction", s(&l.reduction)), ("name", s(&l.name))];
            match l.kind {
                LossKind::MeanSquaredError | LossKind::MeanAbsoluteError => {}
                LossKind::SparseCategoricalCrossentropy => {
                    p.push(("from_logits", Value::Bool(l.from_logits)));
                    p.push(("ignore_class", Value::None));
                }
                _ => {
                    p.push(("from_logits", Value::Bool(l.from_logits)));
                    p.push(("label_smoothing", Value::Float(l.label_smoothing)));
                    p.push(("axis", Value::Int(l.axis)));
                }
            }
            p.push(("fn", s(l.kind.function())));
            p
        }
        Keras::Optimizer(o) => {
            // the learning rate is read from its variable, a NumPy float32
            let lr = it
                .ws
                .variable(&o.learning_rate)
                .map(|v| Value::NpScalar(v.val.tensor.as_ref().clone()))
                .unwrap_or(Value::None);
            let mut p = vec![
                ("name", s(&o.name)),
                ("weight_decay", Value::None),
                ("clipnorm", Value::None),
                ("global_clipnorm", Value::None),
                ("clipvalue", Value::None),
                ("use_ema", Value::Bool(false)),
                ("ema_momentum", Value::Float(0.99)),
                // RMSprop's default is 100, SGD's and Adam's None
                (
                    "ema_overwrite_frequency",
                    match o.rule {
                        Rule::RmsProp { .. } => Value::Int(100),
                        _ => Value::None,
                    },
                ),
                ("jit_compile", Value::Bool(false)),
                ("is_legacy_optimizer", Value::Bool(false)),
                ("learning_rate", lr),
            ];
            match &o.rule {
                Rule::Sgd { momentum, nesterov } => {
                    p.push(("momentum", momentum.value()));
                    p.push(("nesterov", nesterov.value()));
                }
                Rule::SgdTextMomentum { momentum, nesterov } => {
                    p.push(("momentum", s(momentum)));
                    p.push(("nesterov", nesterov.value()));
                }
                Rule::Adam {
                    beta_1,
                    beta_2,
                    epsilon,
                    amsgrad,
                } => {
                    p.push(("beta_1", beta_1.value()));
                    p.push(("beta_2", beta_2.value()));
                    p.push(("epsilon", epsilon.value()));
                    p.push(("amsgrad", amsgrad.value()));
                }
                Rule::RmsProp {
                    rho,
                    momentum,
                    epsilon,
                    centered,
                } => {
                    p.push(("rho", rho.value()));
                    p.push(("momentum", momentum.value()));
                    p.push(("epsilon", epsilon.value()));
                    p.push(("centered", centered.value()));
                }
            }
            p
        }
    };
    it.new_dict(pairs.into_iter().map(|(k, v)| (s(k), v)).collect())
}
