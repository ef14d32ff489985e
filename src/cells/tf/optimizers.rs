//! `tf.keras.optimizers.SGD`, `Adam` and `RMSprop` in a cell: Keras 2.15's optimizers
//! (`keras/src/optimizers/optimizer.py`, `sgd.py`, `adam.py`, `rmsprop.py`; RMSprop's step is in
//! `rmsprop.rs`), each update computed with the
//! float ops in the order their `update_step` writes them, so that weights come out as
//! TensorFlow's to the last bit. Their variables (the step count, the learning rate, the slots
//! `apply_gradients` builds for the variables it first meets) are `tf.Variable`s of the
//! workspace, which the optimizer object holds by id.

use std::sync::Arc;

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
use super::super::keras_object::{lock, Hyper, Keras, KerasRef, Optimizer, Rule};
use super::super::raise::{Raise, RaiseKind};
use super::super::tape::bind_args;
use super::super::value::Value;

pub const CLASSES: &[&str] = &["SGD", "Adam", "RMSprop"];

/// The methods and attributes a cell reads of an optimizer.
pub const METHODS: &[&str] = &["apply_gradients", "build", "minimize", "get_config"];

/// `tf.keras.optimizers.SGD(...)`, `Adam(...)` or `RMSprop(...)`.
pub fn construct(
    it: &mut Interp,
    class: &str,
    args: Vec<Value>,
    mut kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let own: &[&str] = match class {
        "SGD" => &["learning_rate", "momentum", "nesterov"],
        "RMSprop" => &["learning_rate", "rho", "momentum", "epsilon", "centered"],
        _ => &["learning_rate", "beta_1", "beta_2", "epsilon", "amsgrad"],
    };
    const COMMON: &[&str] = &[
        "weight_decay",
        "clipnorm",
        "clipvalue",
        "global_clipnorm",
        "use_ema",
        "ema_momentum",
        "ema_overwrite_frequency",
        "jit_compile",
        "name",
    ];
    let params: Vec<&str> = own.iter().chain(COMMON).copied().collect();
    // Keras takes any other keyword into **kwargs and refuses it there; `lr` it only warns of
    let mut lr_alias = false;
    let mut unknown = None;
    kwargs.retain(|(k, _)| {
        if params.contains(&k.as_str()) {
            return true;
        }
        match k.as_str() {
            "lr" | "is_legacy_optimizer" => lr_alias |= k == "lr",
            _ => {
                unknown.get_or_insert_with(|| k.clone());
            }
        }
        false
    });
    if let Some(k) = unknown {
        if matches!(
            k.as_str(),
            "decay" | "gradient_aggregator" | "gradient_transformers"
        ) {
            return Err(Raise::value_error(format!(
                "{k} is deprecated in the new Keras optimizer, please check the docstring for valid arguments, or use the legacy optimizer, e.g., tf.keras.optimizers.legacy.{class}."
            )));
        }
        return Err(Raise::type_error(format!(
            "{k} is not a valid argument, kwargs should be empty  for `optimizer_experimental.Optimizer`."
        )));
    }
    let bound = bind_args(&format!("{class}.__init__"), &params, args, kwargs)?;
    let get = |name: &str| -> Option<Value> {
        let i = params.iter().position(|p| *p == name)?;
        bound[i].clone().filter(|v| !matches!(v, Value::None))
    };
    for name in [
        "weight_decay",
        "clipnorm",
        "clipvalue",
        "global_clipnorm",
        "ema_overwrite_frequency",
    ] {
        if get(name).is_some() {
            return Err(outside(class, name));
        }
    }
    if let Some(v) = get("use_ema") {
        if v.truthy()? {
            return Err(outside(class, "use_ema"));
        }
    }
    let name = match get("name") {
        None => class.to_string(),
        Some(Value::Str(s)) => s.to_string(),
        Some(other) => {
            return Err(Raise::type_error(format!(
                "an optimizer's name must be a string, not {}",
                other.type_name()
            )))
        }
    };
    let rule = if class == "SGD" {
        let nesterov = flag(get("nesterov"))?;
        sgd_rule(it, get("momentum"), nesterov)?
    } else if class == "RMSprop" {
        Rule::RmsProp {
            rho: hyper(it, "rho", get("rho"), 0.9)?,
            momentum: hyper(it, "momentum", get("momentum"), 0.0)?,
            epsilon: hyper(it, "epsilon", get("epsilon"), 1e-7)?,
            centered: flag(get("centered"))?,
        }
    } else {
        Rule::Adam {
            beta_1: hyper(it, "beta_1", get("beta_1"), 0.9)?,
            beta_2: hyper(it, "beta_2", get("beta_2"), 0.999)?,
            epsilon: hyper(it, "epsilon", get("epsilon"), 1e-7)?,
            amsgrad: flag(get("amsgrad"))?,
        }
    };
    let default_lr = if class == "SGD" { 0.01 } else { 0.001 };
    let iterations = new_variable(it, "iteration", Tensor::scalar(0.0, DType::I64), false);
    let lr = match get("learning_rate") {
        None => Tensor::scalar(default_lr, DType::F32),
        Some(v @ (Value::Int(_) | Value::Float(_) | Value::Bool(_))) => Tensor::scalar(
            hyper(it, "learning_rate", Some(v), default_lr)?.number(),
            DType::F32,
        ),
        // Keras makes its variable with tf.Variable(learning_rate, dtype=float32)
        Some(v @ Value::Str(_)) => {
            return Err(Raise::type_error(format!(
                "Cannot convert {} to EagerTensor of dtype float",
                crate::cells::print::repr(it, &v)
            ))
            .with_code(crate::engine::Code::DtypeMismatch))
        }
        Some(v) => {
            let t = it.to_val(&v, None)?.tensor;
            if t.rank() != 0 || !(t.dtype().is_float() || t.dtype().is_int()) {
                return Err(Raise::type_error(format!(
                    "learning_rate must be a number in a cell (a LearningRateSchedule is outside the subset), not {}",
                    v.type_name()
                )));
            }
            t.cast(DType::F32)
        }
    };
    let learning_rate = new_variable(it, "learning_rate", lr, false);
    Ok(Value::Keras(
        Keras::Optimizer(Optimizer {
            rule,
            name,
            iterations: iterations.to_string(),
            learning_rate: learning_rate.to_string(),
            built: None,
            variables: vec![iterations.to_string()],
        })
        .shared(),
    ))
}

/// SGD's rule for the momentum as given: a number in [0, 1], or a string Keras keeps as it is.
/// Keras checks the range of a Python number only (`isinstance(momentum, (int, float))`, which
/// takes NumPy's float64, a subclass of float, and not a tensor).
fn sgd_rule(it: &mut Interp, momentum: Option<Value>, nesterov: Hyper) -> Result<Rule, Raise> {
    if let Some(Value::Str(s)) = &momentum {
        return Ok(Rule::SgdTextMomentum {
            momentum: s.to_string(),
            nesterov,
        });
    }
    let python = match &momentum {
        None | Some(Value::Int(_) | Value::Float(_) | Value::Bool(_)) => true,
        Some(Value::NpScalar(t)) => t.dtype() == DType::F64,
        Some(_) => false,
    };
    let momentum = hyper(it, "momentum", momentum, 0.0)?;
    if python && !(0.0..=1.0).contains(&momentum.number()) {
        return Err(Raise::value_error("`momentum` must be between [0, 1]."));
    }
    Ok(Rule::Sgd { momentum, nesterov })
}

fn outside(class: &str, name: &str) -> Raise {
    Raise::value_error(format!(
        "{class}'s `{name}` is outside the cell subset: leave it at its default (clip gradients with tf.clip_by_norm before apply_gradients)"
    ))
}

/// A Python number hyperparameter, kept as given (a one-element tensor reads as its value).
fn hyper(it: &mut Interp, what: &str, v: Option<Value>, default: f64) -> Result<Hyper, Raise> {
    let v = match v.map(kept_as_given) {
        None => return Ok(Hyper::Float(default)),
        Some(Ok(kept)) => return Ok(kept),
        Some(Err(v)) => v,
    };
    if !v.is_tf() && v.np_contents().is_none() {
        return Err(Raise::type_error(format!(
            "`{what}` must be a number, not {}",
            v.type_name()
        )));
    }
    let t = it.to_val(&v, None)?.tensor;
    match t.to_f64_vec()[..] {
        [x] => Ok(Hyper::Float(x)),
        _ => Err(Raise::type_error(format!(
            "`{what}` must be a number, not a tensor of shape {}",
            super::super::print::tuple_text(t.shape())
        ))),
    }
}

/// A hyperparameter Keras keeps as it is given: a Python number or bool, a NumPy scalar, a
/// one-element eager tensor; any other value is given back.
fn kept_as_given(v: Value) -> Result<Hyper, Value> {
    Ok(match v {
        Value::Float(f) => Hyper::Float(f),
        Value::Int(i) => Hyper::Int(i),
        Value::Bool(b) => Hyper::Bool(b),
        Value::NpScalar(t) => Hyper::NpScalar(Box::new(t)),
        Value::Tensor(v) if v.tensor.len() == 1 => Hyper::Tensor(Box::new(v)),
        v => return Err(v),
    })
}

/// A flag (`nesterov`, `amsgrad`, `centered`): a number, NumPy scalar or one-element tensor kept
/// as given, which Keras reads for its truth; another value is kept as its truth.
fn flag(v: Option<Value>) -> Result<Hyper, Raise> {
    Ok(match v.map(kept_as_given) {
        None => Hyper::Bool(false),
        Some(Ok(kept)) => kept,
        Some(Err(v)) => Hyper::Bool(v.truthy()?),
    })
}

/// A non-trainable `tf.Variable` named `name` (its TensorFlow name `name:0`).
fn new_variable(it: &mut Interp, name: &str, t: Tensor, trainable: bool) -> Arc<str> {
    let id: Arc<str> = format!("{}#{}", name, it.ws.variables().count() + 1).into();
    it.ws
        .add_variable(&id, &id, t, trainable, &format!("{name}:0"));
    id
}

/// `opt.NAME` for an attribute (None when it is a method or missing).
pub fn attr(o: &Optimizer, name: &str) -> Option<Value> {
    let var = |id: &str| Value::Variable(Arc::from(id));
    Some(match (name, &o.rule) {
        ("iterations", _) => var(&o.iterations),
        ("learning_rate" | "lr", _) => var(&o.learning_rate),
        ("name", _) => Value::str(o.name.as_str()),
        ("variables", _) => Value::list(o.variables.iter().map(|v| var(v)).collect()),
        ("momentum", Rule::Sgd { momentum, .. }) => momentum.value(),
        ("nesterov", Rule::Sgd { nesterov, .. }) => nesterov.value(),
        ("momentum", Rule::SgdTextMomentum { momentum, .. }) => Value::str(momentum.as_str()),
        ("nesterov", Rule::SgdTextMomentum { nesterov, .. }) => nesterov.value(),
        ("beta_1", Rule::Adam { beta_1, .. }) => beta_1.value(),
        ("beta_2", Rule::Adam { beta_2, .. }) => beta_2.value(),
        ("epsilon", Rule::Adam { epsilon, .. }) => epsilon.value(),
        ("amsgrad", Rule::Adam { amsgrad, .. }) => amsgrad.value(),
        ("rho", Rule::RmsProp { rho, .. }) => rho.value(),
        ("momentum", Rule::RmsProp { momentum, .. }) => momentum.value(),
        ("epsilon", Rule::RmsProp { epsilon, .. }) => epsilon.value(),
        ("centered", Rule::RmsProp { centered, .. }) => centered.value(),
        ("weight_decay" | "clipnorm" | "clipvalue" | "global_clipnorm", _) => Value::None,
        _ => return None,
    })
}

/// `opt.apply_gradients(grads_and_vars, name=None)` and `opt.build(var_list)`.
pub fn method(
    it: &mut Interp,
    k: &KerasRef,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let class = lock(k).class();
    if name == "build" {
        let mut a = bind_args("build", &["var_list"], args, kwargs)?.into_iter();
        let vars = a
            .next()
            .flatten()
            .ok_or_else(|| missing("build", "var_list"))?;
        let items = super::super::builtins::iterate(it, &vars)?;
        let ids = items
            .iter()
            .map(variable_id)
            .collect::<Result<Vec<_>, _>>()?;
        let scope = optimizer(k).name;
        build(it, k, &ids, &scope)?;
        return Ok(Value::None);
    }
    if name == "minimize" {
        return minimize(it, k, args, kwargs);
    }
    let what = format!("{class}.apply_gradients");
    let mut kwargs = kwargs;
    kwargs.retain(|(n, _)| n != "experimental_aggregate_gradients");
    let mut a = bind_args(
        &what,
        &["grads_and_vars", "name", "skip_gradients_aggregation"],
        args,
        kwargs,
    )?
    .into_iter();
    let pairs = a
        .next()
        .flatten()
        .ok_or_else(|| missing(&what, "grads_and_vars"))?;
    let scope = match a.next().flatten() {
        Some(Value::Str(s)) if !s.is_empty() => s.to_string(),
        _ => optimizer(k).name,
    };
    let items = super::super::builtins::iterate(it, &pairs)?;
    let o = optimizer(k);
    if items.is_empty() {
        return Ok(Value::Variable(Arc::from(o.iterations.as_str())));
    }
    let mut grads = Vec::with_capacity(items.len());
    let mut vars = Vec::with_capacity(items.len());
    for item in &items {
        let pair = super::super::builtins::iterate(it, item)?;
        let [g, v] = &pair[..] else {
            return Err(Raise::value_error(format!(
                "not enough values to unpack (expected 2, got {})",
                pair.len()
            )));
        };
        grads.push(g.clone());
        vars.push(v.clone());
    }
    let ids = vars
        .iter()
        .map(variable_id)
        .collect::<Result<Vec<_>, _>>()?;
    build(it, k, &ids, &scope)?;
    if grads.iter().all(|g| matches!(g, Value::None)) {
        let names: Vec<Value> = ids.iter().map(|id| Value::str(tf_name(it, id))).collect();
        let names = super::super::print::repr(it, &Value::tuple(vec![Value::list(names)]));
        let given: Vec<Value> = grads
            .iter()
            .zip(&vars)
            .map(|(g, v)| Value::tuple(vec![g.clone(), v.clone()]))
            .collect();
        let given = super::super::print::repr(it, &Value::tuple(given));
        return Err(Raise::value_error(format!(
            "No gradients provided for any variable: {names}. Provided `grads_and_vars` is {given}."
        )));
    }
    let o = optimizer(k);
    let built = o.built.clone().unwrap_or_default();
    for (g, id) in grads.iter().zip(&ids) {
        if matches!(g, Value::None) {
            continue;
        }
        let Some((_, slots)) = built.iter().find(|(v, _)| v == id) else {
            return Err(Raise::new(
                RaiseKind::KeyError,
                format!(
                    "'The optimizer cannot recognize variable {}. This usually means you are trying to call the optimizer to update different parts of the model separately. Please call `optimizer.build(variables)` with the full list of trainable variables before the training loop or use legacy optimizer `tf.keras.optimizers.legacy.{class}.'",
                    tf_name(it, id)
                ),
            ));
        };
        update(it, &o, g, id, slots)?;
    }
    let step = Arc::from(o.iterations.as_str());
    super::super::variable::method(it, &step, false, "assign_add", vec![Value::Int(1)], vec![])
}

fn missing(what: &str, arg: &str) -> Raise {
    Raise::type_error(format!(
        "{what}() missing 1 required positional argument: '{arg}'"
    ))
}

fn optimizer(k: &KerasRef) -> Optimizer {
    match &*lock(k) {
        Keras::Optimizer(o) => o.clone(),
        Keras::Loss(_) => unreachable!("only an optimizer's methods reach here"),
    }
}

fn variable_id(v: &Value) -> Result<String, Raise> {
    match v {
        Value::Variable(id) | Value::UnreadVariable(id) => Ok(id.to_string()),
        // Keras reads the variable's `_unique_id`, which no other value has
        other => {
            let class = match other {
                Value::Tensor(_) => "tensorflow.python.framework.ops.EagerTensor".to_string(),
                Value::Array(_) => "numpy.ndarray".to_string(),
                Value::NpScalar(_) => format!("numpy.{}", other.type_name()),
                _ => other.type_name(),
            };
            Err(Raise::attr_error(format!(
                "'{class}' object has no attribute '_unique_id' (an optimizer updates tf.Variables: make it with tf.Variable)"
            )))
        }
    }
}

fn tf_name(it: &Interp, id: &str) -> String {
    it.ws
        .variable(id)
        .map(|v| v.tf_name())
        .unwrap_or_else(|| id.to_string())
}

/// Keras's `build`: once, a slot per variable (zeros of its shape and dtype) for each of the
/// rule's kinds, named `{scope}/{kind}/{variable's name}`, made in the order Keras's loops make
/// them (Adam's m and v per variable, RMSprop's velocities for all variables, then momentums).
fn build(it: &mut Interp, k: &KerasRef, ids: &[String], scope: &str) -> Result<(), Raise> {
    let o = optimizer(k);
    if o.built.is_some() {
        return Ok(());
    }
    let (passes, hats): (Vec<&[&str]>, bool) = match o.rule {
        Rule::Sgd { .. } | Rule::SgdTextMomentum { .. } => (vec![&["m"]], false),
        Rule::Adam { amsgrad, .. } => (vec![&["m", "v"]], amsgrad.truthy()),
        Rule::RmsProp {
            momentum, centered, ..
        } => {
            let mut passes: Vec<&[&str]> = vec![&["velocity"]];
            if momentum.number() > 0.0 {
                passes.push(&["momentum"]);
            }
            if centered.truthy() {
                passes.push(&["average_gradient"]);
            }
            (passes, false)
        }
    };
    let mut made = Vec::new();
    let mut built: Vec<(String, Vec<String>)> = ids
        .iter()
        .filter(|id| it.ws.variable(id).is_some())
        .map(|id| (id.clone(), Vec::new()))
        .collect();
    for kinds in passes {
        for (id, slots) in built.iter_mut() {
            let Some(var) = it.ws.variable(id) else {
                continue;
            };
            let (shape, dtype) = (var.val.tensor.shape().to_vec(), var.val.tensor.dtype());
            let shared = var.given_name().to_string();
            for kind in kinds {
                let t = zeros(it, &shape, dtype)?;
                let sid = new_variable(it, &format!("{scope}/{kind}/{shared}"), t, false);
                made.push(sid.to_string());
                slots.push(sid.to_string());
            }
        }
    }
    if hats {
        for (id, slots) in built.iter_mut() {
            let Some(var) = it.ws.variable(id) else {
                continue;
            };
            let (shape, dtype) = (var.val.tensor.shape().to_vec(), var.val.tensor.dtype());
            let shared = var.given_name().to_string();
            let t = zeros(it, &shape, dtype)?;
            let sid = new_variable(it, &format!("{scope}/vhat/{shared}"), t, false);
            made.push(sid.to_string());
            slots.push(sid.to_string());
        }
    }
    if let Keras::Optimizer(o) = &mut *lock(k) {
        o.variables.extend(made);
        o.built = Some(built);
    }
    Ok(())
}

/// `tf.zeros(shape, dtype)`, as Keras makes a slot: an op, so it counts against the request's
/// limits as any other tensor a cell makes.
fn zeros(it: &mut Interp, shape: &[usize], dtype: DType) -> Result<Tensor, Raise> {
    let dims = Value::list(shape.iter().map(|&n| Value::Int(n as i64)).collect());
    let z = super::call(it, "tf.zeros", vec![dims, Value::DType(dtype)], vec![])?;
    Ok(it.to_val(&z, None)?.into_tensor())
}

/// One variable's `update_step`.
fn update(
    it: &mut Interp,
    o: &Optimizer,
    g: &Value,
    id: &str,
    slots: &[String],
) -> Result<(), Raise> {
    let var = it
        .ws
        .variable(id)
        .ok_or_else(|| Raise::value_error("the variable no longer exists"))?;
    let dtype = var.val.tensor.dtype();
    let (grad, sparse) = match g {
        Value::IndexedSlices(s) => (s.dense.tensor.as_ref().clone(), true),
        other => (it.to_val(other, None)?.into_tensor(), false),
    };
    let read = |it: &mut Interp, id: &str| -> Result<Tensor, Raise> {
        it.ws
            .variable(id)
            .map(|v| v.val.tensor.as_ref().clone())
            .ok_or_else(|| Raise::value_error("the variable no longer exists"))
    };
    let lr = read(it, &o.learning_rate)?.cast(dtype);
    let py = |x: f64| Tensor::scalar(x, dtype);
    if let Rule::SgdTextMomentum { momentum, .. } = &o.rule {
        // Keras's `tf.cast(self.momentum, variable.dtype)`, before anything is assigned
        let cast = [Value::str(momentum.as_str()), Value::DType(dtype)];
        if let Some(refused) = super::super::convert::cast_of_strings(&cast, &[]) {
            return Err(refused);
        }
    }
    match &o.rule {
        Rule::SgdTextMomentum { .. } => {}
        Rule::Sgd { momentum, nesterov } => {
            let m = read(it, &slots[0])?;
            let mom = momentum.cast_to(dtype);
            let neg_g = un(it, "negative", &grad)?;
            let step = bin(it, "multiply", &neg_g, &lr)?;
            let kept = bin(it, "multiply", &m, &mom)?;
            let new_m = if sparse {
                bin(it, "add", &kept, &step)?
            } else {
                bin(it, "add", &step, &kept)?
            };
            assign(it, &slots[0], "assign", new_m.clone())?;
            if nesterov.truthy() {
                let ahead = bin(it, "multiply", &new_m, &mom)?;
                if sparse {
                    assign(it, id, "assign_add", step)?;
                    assign(it, id, "assign_add", ahead)?;
                } else {
                    let d = bin(it, "add", &step, &ahead)?;
                    assign(it, id, "assign_add", d)?;
                }
            } else {
                assign(it, id, "assign_add", new_m)?;
            }
        }
        Rule::Adam {
            beta_1,
            beta_2,
            epsilon,
            amsgrad,
        } => {
            let steps = read(it, &o.iterations)?.to_f64_vec()[0];
            let local_step = Tensor::scalar(steps + 1.0, dtype);
            let b1p = bin(it, "pow", &beta_1.cast_to(dtype), &local_step)?;
            let b2p = bin(it, "pow", &beta_2.cast_to(dtype), &local_step)?;
            let one = py(1.0);
            let s2 = bin(it, "subtract", &one, &b2p)?;
            let s2 = un(it, "sqrt", &s2)?;
            let alpha = bin(it, "multiply", &lr, &s2)?;
            let s1 = bin(it, "subtract", &one, &b1p)?;
            let alpha = bin(it, "divide", &alpha, &s1)?;
            let (c1, c2) = (beta_1.one_minus(dtype), beta_2.one_minus(dtype));
            let m = read(it, &slots[0])?;
            let v = read(it, &slots[1])?;
            let (dm, dv) = if sparse {
                // m.assign_add(-m * (1 - beta_1)), then the gradient's rows scattered in
                let neg_m = un(it, "negative", &m)?;
                let shrink = bin(it, "multiply", &neg_m, &c1)?;
                let m1 = bin(it, "add", &m, &shrink)?;
                assign(it, &slots[0], "assign", m1)?;
                let add_m = bin(it, "multiply", &grad, &c1)?;
                let neg_v = un(it, "negative", &v)?;
                let shrink = bin(it, "multiply", &neg_v, &c2)?;
                let v1 = bin(it, "add", &v, &shrink)?;
                assign(it, &slots[1], "assign", v1)?;
                let sq = un(it, "square", &grad)?;
                (add_m, bin(it, "multiply", &sq, &c2)?)
            } else {
                let d = bin(it, "subtract", &grad, &m)?;
                let dm = bin(it, "multiply", &d, &c1)?;
                let sq = un(it, "square", &grad)?;
                let d = bin(it, "subtract", &sq, &v)?;
                (dm, bin(it, "multiply", &d, &c2)?)
            };
            assign(it, &slots[0], "assign_add", dm)?;
            assign(it, &slots[1], "assign_add", dv)?;
            let m = read(it, &slots[0])?;
            let mut v = read(it, &slots[1])?;
            if amsgrad.truthy() {
                // amsgrad set after a build without it: Keras's list of hats was never made
                let Some(hat) = slots.get(2) else {
                    return Err(Raise::attr_error(
                        "'Adam' object has no attribute '_velocity_hats'",
                    ));
                };
                let hat = read(it, hat)?;
                let hat = bin(it, "maximum", &hat, &v)?;
                assign(it, &slots[2], "assign", hat.clone())?;
                v = hat;
            }
            let num = bin(it, "multiply", &m, &alpha)?;
            let den = un(it, "sqrt", &v)?;
            let den = bin(it, "add", &den, &epsilon.operand(dtype))?;
            let d = bin(it, "divide", &num, &den)?;
            assign(it, id, "assign_sub", d)?;
        }
        Rule::RmsProp {
            rho,
            momentum,
            epsilon,
            centered,
        } => {
            let step = super::rmsprop::Step {
                lr: &lr,
                rho,
                momentum,
                epsilon,
                centered: centered.truthy(),
            };
            step.run(it, id, &grad, g, slots)?;
        }
    }
    Ok(())
}

pub(super) fn bin(it: &mut Interp, op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    it.compute(op, vec![], &[a, b])
}

pub(super) fn un(it: &mut Interp, op: &str, a: &Tensor) -> Result<Tensor, Raise> {
    it.compute(op, vec![], &[a])
}

/// A variable's `assign`, `assign_add` or `assign_sub`, with TensorFlow's checks of the value.
pub(super) fn assign(it: &mut Interp, id: &str, how: &str, t: Tensor) -> Result<(), Raise> {
    let value = Value::Tensor(it.ws.ctx.constant(t));
    let id: Arc<str> = Arc::from(id);
    super::super::variable::method(it, &id, false, how, vec![value], vec![])?;
    Ok(())
}

fn callable(v: &Value) -> bool {
    matches!(
        v,
        Value::Function(_) | Value::Builtin(_) | Value::Method(_) | Value::Keras(_)
    )
}

/// `opt.minimize(loss, var_list, tape=None)`: Keras's `compute_gradients` (a callable loss
/// runs on a new tape watching `var_list`), then `apply_gradients`; it returns None.
fn minimize(
    it: &mut Interp,
    k: &KerasRef,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let what = format!("{}.minimize", lock(k).class());
    let mut a = bind_args(&what, &["loss", "var_list", "tape"], args, kwargs)?.into_iter();
    let loss = a.next().flatten().ok_or_else(|| missing(&what, "loss"))?;
    let mut var_list = a
        .next()
        .flatten()
        .ok_or_else(|| missing(&what, "var_list"))?;
    let tape = a.next().flatten().filter(|v| !matches!(v, Value::None));
    let tape = match tape {
        Some(Value::Tape(t)) => t,
        Some(other) => {
            return Err(Raise::type_error(format!(
                "`tape` must be a tf.GradientTape, not {}",
                other.type_name()
            )))
        }
        None if !callable(&loss) => {
            let shown = super::super::print::str(it, &loss);
            return Err(Raise::value_error(format!(
                "`tape` is required when a `Tensor` loss is passed. Received: loss={shown}, tape=None."
            )));
        }
        None => match super::call(it, "tf.GradientTape", vec![], vec![])? {
            Value::Tape(t) => t,
            _ => unreachable!("tf.GradientTape() makes a tape"),
        },
    };
    let mut loss = loss;
    if callable(&loss) {
        it.ws.ctx.resume_tape(tape).map_err(Raise::from)?;
        let ran = (|| -> Result<(), Raise> {
            if !callable(&var_list) {
                super::super::tape::method(it, tape, "watch", vec![var_list.clone()], vec![])?;
            }
            loss = it.call(loss.clone(), vec![], vec![])?;
            if callable(&var_list) {
                var_list = it.call(var_list.clone(), vec![], vec![])?;
            }
            Ok(())
        })();
        let _ = it.ws.ctx.stop_tape(tape);
        ran?;
    }
    let grads =
        super::super::tape::method(it, tape, "gradient", vec![loss, var_list.clone()], vec![])?;
    let grads = super::super::builtins::iterate(it, &grads)?;
    let vars = super::super::builtins::iterate(it, &var_list)?;
    let pairs: Vec<Value> = grads
        .into_iter()
        .zip(vars)
        .map(|(g, v)| Value::tuple(vec![g, v]))
        .collect();
    method(it, k, "apply_gradients", vec![Value::list(pairs)], vec![])?;
    Ok(Value::None)
}

/// `opt.NAME = v` for a hyperparameter the rule reads at each step.
pub fn set_hyper(it: &mut Interp, k: &KerasRef, name: &str, v: Value) -> Result<(), Raise> {
    let (class, rule) = match &*lock(k) {
        Keras::Optimizer(o) => (lock_class(&o.rule), o.rule.clone()),
        Keras::Loss(_) => unreachable!("only an optimizer's attributes reach here"),
    };
    let rule = match (rule, name) {
        // Python sets the attribute as given: Keras checks a momentum's range only in __init__
        (Rule::Sgd { nesterov, .. } | Rule::SgdTextMomentum { nesterov, .. }, "momentum") => {
            match v {
                Value::Str(s) => Rule::SgdTextMomentum {
                    momentum: s.to_string(),
                    nesterov,
                },
                v => Rule::Sgd {
                    momentum: hyper(it, name, Some(v), 0.0)?,
                    nesterov,
                },
            }
        }
        (Rule::Sgd { momentum, .. }, "nesterov") => Rule::Sgd {
            momentum,
            nesterov: flag(Some(v))?,
        },
        (Rule::SgdTextMomentum { momentum, .. }, "nesterov") => Rule::SgdTextMomentum {
            momentum,
            nesterov: flag(Some(v))?,
        },
        (
            Rule::Adam {
                beta_1,
                beta_2,
                epsilon,
                ..
            },
            "amsgrad",
        ) => Rule::Adam {
            beta_1,
            beta_2,
            epsilon,
            amsgrad: flag(Some(v))?,
        },
        (mut adam @ Rule::Adam { .. }, "beta_1" | "beta_2" | "epsilon") => {
            let x = hyper(it, name, Some(v), 0.0)?;
            if let Rule::Adam {
                beta_1,
                beta_2,
                epsilon,
                ..
            } = &mut adam
            {
                *match name {
                    "beta_1" => beta_1,
                    "beta_2" => beta_2,
                    _ => epsilon,
                } = x;
            }
            adam
        }
        (mut rms @ Rule::RmsProp { .. }, "rho" | "momentum" | "epsilon") => {
            let x = hyper(it, name, Some(v), 0.0)?;
            if let Rule::RmsProp {
                rho,
                momentum,
                epsilon,
                ..
            } = &mut rms
            {
                *match name {
                    "rho" => rho,
                    "momentum" => momentum,
                    _ => epsilon,
                } = x;
            }
            rms
        }
        (
            Rule::RmsProp {
                rho,
                momentum,
                epsilon,
                ..
            },
            "centered",
        ) => Rule::RmsProp {
            rho,
            momentum,
            epsilon,
            centered: flag(Some(v))?,
        },
        (rule, _) => {
            let settable = match rule {
                Rule::Sgd { .. } | Rule::SgdTextMomentum { .. } => {
                    "`learning_rate` (`lr`), `momentum` and `nesterov`"
                }
                Rule::Adam { .. } => {
                    "`learning_rate` (`lr`), `beta_1`, `beta_2`, `epsilon` and `amsgrad`"
                }
                Rule::RmsProp { .. } => {
                    "`learning_rate` (`lr`), `rho`, `momentum`, `epsilon` and `centered`"
                }
            };
            return Err(Raise::type_error(format!(
                "a cell sets only {settable} of a {class} optimizer, not `{name}`"
            )));
        }
    };
    if let Keras::Optimizer(o) = &mut *lock(k) {
        o.rule = rule;
    }
    Ok(())
}

fn lock_class(rule: &Rule) -> &'static str {
    match rule {
        Rule::Sgd { .. } | Rule::SgdTextMomentum { .. } => "SGD",
        Rule::Adam { .. } => "Adam",
        Rule::RmsProp { .. } => "RMSprop",
    }
}
