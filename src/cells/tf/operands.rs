//! How a `tf.*` function converts its tensor arguments, as TensorFlow 2.15's Python does it.
//! Most functions are generated op wrappers: the inputs sharing one type attribute take the
//! dtype of the first that is already a tensor (or variable), else of the first converted, and
//! the others convert to it (a NumPy array is cast, a Python literal must fit: `Cannot convert
//! 0.5 to EagerTensor of dtype int32`). A few hand-written wrappers differ: `tf.add`,
//! `tf.matmul` and `tf.math.truediv` convert x first and give y x's dtype only as a hint, so
//! `(ndarray, tensor)` fails there; `tf.tensordot`, `tf.linalg.matvec` and
//! `tf.nn.sigmoid_cross_entropy_with_logits` convert each argument alone;
//! `tf.nn.softmax_cross_entropy_with_logits` casts its labels to the logits' dtype.

use crate::engine::autodiff::Val;
use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::ops::registry::{OpDef, Param, ParamKind};

use super::super::convert::tf_dtype;
use super::super::interp::Interp;
use super::super::raise::Raise;
use super::super::value::Value;

/// The conversion a function's Python wrapper does before its op runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// A generated wrapper: one dtype for the inputs sharing the type attribute.
    Generated,
    /// x converted alone, the rest with x's dtype as a hint (`convert_to_tensor(dtype_hint=)`).
    FirstThenHint,
    /// Every argument converted alone.
    Alone,
    /// Every argument converted alone, then the labels cast to the logits' dtype.
    LabelsToLogits,
}

fn rule(path: &str, op: &str) -> Rule {
    match op {
        "add" | "matmul" => Rule::FirstThenHint,
        "divide" if matches!(path, "tf.math.truediv" | "tf.truediv") => Rule::FirstThenHint,
        "tensordot" | "matvec" | "sigmoid_cross_entropy_with_logits" => Rule::Alone,
        "softmax_cross_entropy_with_logits" => Rule::LabelsToLogits,
        _ => Rule::Generated,
    }
}

/// Whether a tensor parameter has a type attribute of its own (integer indices, a bool
/// condition, sparse labels) rather than the op's shared one.
fn own_type(op: &str, p: &Param) -> bool {
    matches!(p.name, "indices" | "condition")
        || (op == "sparse_softmax_cross_entropy_with_logits" && p.name == "labels")
}

/// `convert_to_tensor(v, dtype_hint=d)`: a NumPy array is cast to the hint, a Python literal
/// takes it if it fits, a tensor keeps its dtype.
pub(super) fn to_val_hint(it: &mut Interp, v: &Value, d: DType) -> Result<Val, Raise> {
    match v {
        Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(v)?;
            if t.dtype() == d || t.dtype() == DType::Bool || d == DType::Bool {
                return Ok(it.ws.ctx.constant(t));
            }
            Ok(it.ws.ctx.constant(t.cast(d)))
        }
        _ => it.to_val(v, Some(d)),
    }
}

/// A call's converted tensor inputs, and its attribute arguments as given.
pub(super) type Converted = (Vec<Val>, Vec<(&'static Param, Value)>);

/// The tensor arguments of a bound call converted as TensorFlow converts them, in parameter
/// order (a list parameter's items in place), and the attribute values.
pub(super) fn convert(
    it: &mut Interp,
    path: &str,
    def: &OpDef,
    bound: Vec<(&'static Param, Option<Value>)>,
) -> Result<Converted, Raise> {
    let op = def.name;
    // the tensor arguments, a list's items one by one, with whether they share the type
    let mut args: Vec<(&'static Param, Value)> = Vec::new();
    let mut attrs = Vec::new();
    for (p, v) in bound {
        let Some(v) = v else { continue };
        match p.kind {
            ParamKind::Tensor => args.push((p, v)),
            ParamKind::TensorList => {
                let items = v.items().ok_or_else(|| {
                    Raise::type_error(format!("{op}: \"{}\" takes a list of tensors", p.name))
                })?;
                args.extend(items.into_iter().map(|x| (p, x)));
            }
            ParamKind::Attr(_) => attrs.push((p, v)),
            ParamKind::Name => {}
        }
    }
    let mut out = Vec::with_capacity(args.len());
    match rule(path, op) {
        Rule::Generated => {
            let mut d = args
                .iter()
                .filter(|(p, v)| !own_type(op, p) && Value::is_tf(v))
                .find_map(|(_, v)| tf_dtype(it, v));
            for (p, v) in &args {
                let x = match d {
                    _ if own_type(op, p) => it.to_val(v, None)?,
                    Some(d) => it.to_val_as(v, d)?,
                    None => {
                        let x = it.to_val(v, None)?;
                        d = Some(x.tensor.dtype());
                        x
                    }
                };
                out.push(x);
            }
        }
        Rule::FirstThenHint => {
            let mut d = None;
            for (_, v) in &args {
                let x = match d {
                    Some(d) => to_val_hint(it, v, d)?,
                    None => it.to_val(v, None)?,
                };
                d.get_or_insert(x.tensor.dtype());
                out.push(x);
            }
        }
        Rule::Alone | Rule::LabelsToLogits => {
            for (_, v) in &args {
                out.push(it.to_val(v, None)?);
            }
            if rule(path, op) == Rule::LabelsToLogits {
                if let [labels, logits] = &mut out[..] {
                    let d = logits.tensor.dtype();
                    if labels.tensor.dtype() != d {
                        let cast = vec![("dtype".into(), Lit::Str(d.name().into()))];
                        *labels = it.apply("cast", cast, vec![labels.clone()])?;
                    }
                }
            }
        }
    }
    Ok((out, attrs))
}
