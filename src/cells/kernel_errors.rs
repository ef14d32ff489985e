//! TensorFlow's own words for an op a cell runs and the engine refuses: the kernel's message in
//! eager TensorFlow's framing (`{{function_node __wrapped__<kernel>_device_<CPU>}} <text>
//! [Op:<Op>] name: <name>`), worked out again from the inputs' shapes and dtypes, so that a cell
//! prints what a notebook prints. The engine's own sentences (what /v1/evaluate answers) stay
//! as they are; a refusal this file does not know keeps them.

use crate::engine::dtype::DType;
use crate::engine::{Code, Error, Lit, Val};

use super::convert::tf_word;
use super::raise::{Raise, RaiseKind};
use super::variable::CPU_DEVICE;

/// A kernel's refusal as eager TensorFlow raises it: `kernel` is the function TensorFlow wraps
/// (`ConcatV2_N_2`, oneDNN's `_MklMatMul`), `op` the op's type, `name` what the Python wrapper
/// passed as the op's name (`None`: the message has no ` name: ` part).
pub fn framed(kernel: &str, text: &str, op: &str, name: Option<&str>) -> String {
    let name = name.map_or(String::new(), |n| format!(" name: {n}"));
    format!("{{{{function_node __wrapped__{kernel}_device_{CPU_DEVICE}}}}} {text} [Op:{op}]{name}")
}

/// TensorFlow's `[2,3]`: a shape as its kernels print it in their errors.
pub fn dims(shape: &[usize]) -> String {
    let parts: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("[{}]", parts.join(","))
}

/// What a failed op of the cell becomes: TensorFlow's text where this file knows the
/// refusal, else the engine's error as it is.
pub fn raise(op: &str, attrs: &[(String, Lit)], inputs: &[Val], e: Error) -> Raise {
    if matches!(
        e.code,
        Code::LimitExceeded | Code::TapeExhausted | Code::Internal
    ) {
        return Raise::from_engine(e);
    }
    let shapes: Vec<&[usize]> = inputs.iter().map(|v| v.tensor.shape()).collect();
    let dtypes: Vec<DType> = inputs.iter().map(|v| v.tensor.dtype()).collect();
    let text = python_refusal(op, attrs, &shapes)
        .or_else(|| dtype_refusal(op, &dtypes))
        .or_else(|| shape_refusal(op, attrs, &shapes, &dtypes))
        .or_else(|| index_refusal(op, attrs, inputs));
    match text {
        Some(detail) => Raise::new(RaiseKind::InvalidArgumentError, detail).with_code(e.code),
        None => Raise::from_engine(e),
    }
}

/// A refusal TensorFlow's Python makes before any op runs (so without the framing).
fn python_refusal(op: &str, attrs: &[(String, Lit)], shapes: &[&[usize]]) -> Option<String> {
    match op {
        "softmax" | "log_softmax" => {
            let rank = shapes.first()?.len() as i64;
            let a = match attr(attrs, "axis") {
                Some(Lit::Int(a)) => *a,
                _ => return None,
            };
            // TensorFlow's Python checks only an axis other than the last
            (a != -1 && (a < -rank || a >= rank)).then(|| {
                format!(
                    "`dim` must be in the range [{}, {rank}) where {rank} is the number of dimensions in the input. Received: dim={a}",
                    -rank
                )
            })
        }
        _ => None,
    }
}

/// Refusals that read the values of an input or the bounds of a block: GatherV2, Slice.
fn index_refusal(op: &str, attrs: &[(String, Lit)], inputs: &[Val]) -> Option<String> {
    let shape = inputs.first()?.tensor.shape();
    match op {
        "gather" => {
            let rank = shape.len() as i64;
            let axis = match attr(attrs, "axis") {
                Some(Lit::Int(a)) => *a,
                _ => 0,
            };
            if (axis < -rank || axis >= rank) && !(rank == 0 && axis == 0) {
                return None;
            }
            let n = shape[if axis < 0 { axis + rank } else { axis } as usize] as i64;
            let indices = inputs.get(1)?.tensor.to_f64_vec();
            let (k, i) = indices
                .iter()
                .map(|i| *i as i64)
                .enumerate()
                .find(|(_, i)| *i < 0 || *i >= n)?;
            let text = format!("indices[{k}] = {i} is not in [0, {n})");
            Some(framed("GatherV2", &text, "GatherV2", None))
        }
        "slice" => {
            let begin = ints(attr(attrs, "begin")?)?;
            let size = ints(attr(attrs, "size")?)?;
            let text = (0..shape.len().min(begin.len()).min(size.len())).find_map(|i| {
                let (d, b, s) = (shape[i] as i64, begin[i], size[i]);
                if b < 0 || b > d {
                    Some(format!("Expected begin[{i}] in [0, {d}], but got {b}"))
                } else if s != -1 && (s < 0 || b + s > d) {
                    Some(format!("Expected size[{i}] in [0, {}], but got {s}", d - b))
                } else {
                    None
                }
            })?;
            Some(framed("Slice", &text, "Slice", None))
        }
        "where" if inputs.len() == 3 => {
            let s: Vec<&[usize]> = inputs.iter().map(|v| v.tensor.shape()).collect();
            if broadcasts(s[0], s[1]) && broadcasts(s[0], s[2]) && broadcasts(s[1], s[2]) {
                return None;
            }
            let text = format!(
                "condition {}, then {}, and else {} must be broadcastable",
                dims(s[0]),
                dims(s[1]),
                dims(s[2])
            );
            Some(framed("SelectV2", &text, "SelectV2", Some("")))
        }
        _ => None,
    }
}

/// TensorFlow's op type, the kernel it wraps and the wrapper's name for a registry op.
fn tf_names(op: &str, dtypes: &[DType]) -> Option<(&'static str, String, Option<&'static str>)> {
    let n = dtypes.len();
    let blank = Some("");
    let (ty, name) = match op {
        "add" => ("AddV2", blank),
        "subtract" => ("Sub", blank),
        "multiply" => ("Mul", blank),
        "divide" => ("RealDiv", blank),
        "pow" => ("Pow", blank),
        "maximum" => ("Maximum", blank),
        "minimum" => ("Minimum", blank),
        "squared_difference" => ("SquaredDifference", blank),
        "floordiv" => ("FloorDiv", blank),
        "floormod" => ("FloorMod", blank),
        "greater" => ("Greater", blank),
        "greater_equal" => ("GreaterEqual", blank),
        "less" => ("Less", blank),
        "less_equal" => ("LessEqual", blank),
        "equal" => ("Equal", blank),
        "not_equal" => ("NotEqual", blank),
        "matmul" | "matvec" => {
            // oneDNN takes float32 matrix products (TF_ENABLE_ONEDNN_OPTS=1, the default on x86)
            let kernel = if dtypes.first() == Some(&DType::F32) {
                "__MklMatMul"
            } else {
                "MatMul"
            };
            return Some(("MatMul", kernel.into(), blank));
        }
        "reshape" => ("Reshape", None),
        "reduce_sum" => ("Sum", blank),
        "reduce_mean" => ("Mean", blank),
        "reduce_max" | "reduce_logsumexp" => ("Max", blank),
        "reduce_min" => ("Min", blank),
        "reduce_prod" => ("Prod", blank),
        "argmax" => ("ArgMax", blank),
        "argmin" => ("ArgMin", blank),
        "concat" => return Some(("ConcatV2", format!("ConcatV2_N_{n}"), Some("concat"))),
        "stack" => return Some(("Pack", format!("Pack_N_{n}"), Some("stack"))),
        "transpose" => ("Transpose", None),
        "squeeze" => ("Squeeze", blank),
        "expand_dims" => ("ExpandDims", blank),
        "tile" => ("Tile", None),
        "ones" | "zeros" => ("Fill", blank),
        "random_normal" => ("RandomStandardNormal", blank),
        "truncated_normal" => ("TruncatedNormal", blank),
        "random_uniform" => ("RandomUniform", blank),
        "fill" => ("Fill", None),
        "broadcast_to" => ("BroadcastTo", None),
        _ => return None,
    };
    Some((ty, ty.into(), name))
}

/// Eager TensorFlow's check that an op's inputs share one dtype, made before any kernel runs
/// (so without the function-node framing).
fn dtype_refusal(op: &str, dtypes: &[DType]) -> Option<String> {
    if let Some(text) = float_only_refusal(op, dtypes) {
        return Some(text);
    }
    if let Some(text) = one_hot_indices_refusal(op, dtypes) {
        return Some(text);
    }
    let (ty, kernel, name) = tf_names(op, dtypes)?;
    let first = *dtypes.first()?;
    let k = dtypes.iter().position(|d| *d != first)?;
    // a float32 product checks its inputs against oneDNN's op, and says so
    let checked = if kernel == "__MklMatMul" {
        "_MklMatMul"
    } else {
        ty
    };
    let name = name.map_or(String::new(), |n| format!(" name: {n}"));
    Some(format!(
        "cannot compute {checked} as input #{k}(zero-based) was expected to be a {} tensor but is a {} tensor [Op:{ty}]{name}",
        tf_word(first),
        tf_word(dtypes[k])
    ))
}

/// The op registry's refusal of an integer or bool tensor for an op defined on floats only,
/// with the op's definition as TensorFlow prints it.
fn float_only_refusal(op: &str, dtypes: &[DType]) -> Option<String> {
    const FLOATS: &str = "bfloat16, half, float, double, complex64, complex128";
    const DT_FLOATS: &str =
        "DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE, DT_COMPLEX64, DT_COMPLEX128";
    let (ty, signature, allowed, dt_allowed) = match op {
        "exp" => ("Exp", "x:T -> y:T", FLOATS, DT_FLOATS),
        "log" => ("Log", "x:T -> y:T", FLOATS, DT_FLOATS),
        "sqrt" => ("Sqrt", "x:T -> y:T", FLOATS, DT_FLOATS),
        "sigmoid" => ("Sigmoid", "x:T -> y:T", FLOATS, DT_FLOATS),
        "tanh" => ("Tanh", "x:T -> y:T", FLOATS, DT_FLOATS),
        "softmax" => (
            "Softmax",
            "logits:T -> softmax:T",
            "half, bfloat16, float, double",
            "DT_HALF, DT_BFLOAT16, DT_FLOAT, DT_DOUBLE",
        ),
        _ => return None,
    };
    let d = *dtypes.first()?;
    if d.is_float() {
        return None;
    }
    Some(format!(
        "Value for attr 'T' of {} is not in the list of allowed values: {allowed}\n\t; NodeDef: {{{{node {ty}}}}}; Op<name={ty}; signature={signature}; attr=T:type,allowed=[{dt_allowed}]> [Op:{ty}] name: ",
        tf_word(d)
    ))
}

/// OneHot's indices are integers (its attr `TI`): a float tensor of labels is refused with
/// the op's definition, as for a tensor the fast path converts (`one_hot::indices` refuses a
/// Python list of floats, in the slow path's words).
fn one_hot_indices_refusal(op: &str, dtypes: &[DType]) -> Option<String> {
    let d = *dtypes.first()?;
    if op != "one_hot" || matches!(d, DType::I32 | DType::I64) {
        return None;
    }
    Some(one_hot_indices_text(d, Some("")))
}

/// OneHot's refusal of indices of dtype `d`; `name` as in [`framed`] (the slow path, which
/// a Python list of floats takes, ends without ` name: `).
pub fn one_hot_indices_text(d: DType, name: Option<&str>) -> String {
    let name = name.map_or(String::new(), |n| format!(" name: {n}"));
    format!(
        "Value for attr 'TI' of {} is not in the list of allowed values: uint8, int8, int32, int64\n\t; NodeDef: {{{{node OneHot}}}}; Op<name=OneHot; signature=indices:TI, depth:int32, on_value:T, off_value:T -> output:T; attr=axis:int,default=-1; attr=T:type; attr=TI:type,default=DT_INT64,allowed=[DT_UINT8, DT_INT8, DT_INT32, DT_INT64]> [Op:OneHot]{name}",
        tf_word(d)
    )
}

fn shape_refusal(
    op: &str,
    attrs: &[(String, Lit)],
    shapes: &[&[usize]],
    dtypes: &[DType],
) -> Option<String> {
    let (ty, kernel, name) = tf_names(op, dtypes)?;
    let text = match op {
        "matmul" => matmul_text(shapes, dtypes)?,
        "matvec" => {
            let (a, b) = (shapes.first()?, shapes.get(1)?);
            let column = [b.to_vec(), vec![1]].concat();
            matmul_text(&[a, &column], dtypes)?
        }
        "reshape" => reshape_text(shapes.first()?, &ints(attr(attrs, "shape")?)?)?,
        "reduce_sum" | "reduce_mean" | "reduce_max" | "reduce_logsumexp" | "reduce_min"
        | "reduce_prod" => {
            return reduction_refusal(ty, attr(attrs, "axis"), shapes.first()?.len())
        }
        "argmax" | "argmin" => {
            let rank = shapes.first()?.len() as i64;
            let a = match attr(attrs, "axis") {
                Some(Lit::Int(a)) => *a,
                _ => return None,
            };
            if a >= -rank && a < rank {
                return None;
            }
            format!(
                "Expected dimension in the range [{}, {rank}), but got {a}",
                -rank
            )
        }
        "concat" => concat_text(shapes, attr(attrs, "axis"))?,
        "stack" => {
            let first = shapes.first()?;
            let k = shapes.iter().position(|s| s != first)?;
            format!(
                "Shapes of all inputs must match: values[0].shape = {} != values[{k}].shape = {}",
                dims(first),
                dims(shapes[k])
            )
        }
        "transpose" => transpose_text(shapes.first()?.len(), &ints(attr(attrs, "perm")?)?)?,
        "squeeze" => {
            let shape = shapes.first()?;
            let rank = shape.len() as i64;
            let axes = match attr(attrs, "axis") {
                None | Some(Lit::Null) => return None,
                Some(Lit::Int(a)) => vec![*a],
                Some(l) => ints(l)?,
            };
            axes.iter().find_map(|&a| {
                if a < -rank || a >= rank {
                    return Some(format!(
                        "Tried to squeeze dim index {a} for tensor with {rank} dimensions."
                    ));
                }
                let k = if a < 0 { a + rank } else { a };
                let d = shape[k as usize];
                (d != 1).then(|| {
                    format!("Can not squeeze dim[{k}], expected a dimension of 1, got {d}")
                })
            })?
        }
        "expand_dims" => {
            let rank = shapes.first()?.len() as i64;
            let a = match attr(attrs, "axis") {
                Some(Lit::Int(a)) => *a,
                _ => return None,
            };
            if a >= -rank - 1 && a <= rank {
                return None;
            }
            format!("Tried to expand dim index {a} for tensor with {rank} dimensions.")
        }
        "tile" => {
            let rank = shapes.first()?.len();
            let m = ints(attr(attrs, "multiples")?)?;
            if m.len() != rank {
                format!(
                    "Expected multiples argument to be a vector of length {rank} but got length {}",
                    m.len()
                )
            } else {
                let (k, v) = m.iter().enumerate().find(|(_, v)| **v < 0)?;
                format!("Expected multiples[{k}] >= 0, but got {v}")
            }
        }
        "ones" | "zeros" | "fill" | "random_normal" | "truncated_normal" | "random_uniform" => {
            let key = if op == "fill" { "dims" } else { "shape" };
            let d = ints(attr(attrs, key)?)?.into_iter().find(|d| *d < 0)?;
            format!("Dimension {d} must be >= 0")
        }
        "pow" => {
            let (a, b) = (shapes.first()?, shapes.get(1)?);
            if !broadcasts(a, b) {
                format!("Incompatible shapes: {} vs. {}", dims(a), dims(b))
            } else if dtypes.first().is_some_and(|d| d.is_int()) {
                "Integers to negative integer powers are not allowed".to_string()
            } else {
                return None;
            }
        }
        "broadcast_to" => {
            let target: Vec<usize> = ints(attr(attrs, "shape")?)?
                .into_iter()
                .map(|d| d.max(0) as usize)
                .collect();
            format!(
                "Incompatible shapes: {} vs. {}",
                dims(shapes.first()?),
                dims(&target)
            )
        }
        _ => {
            // the elementwise binary ops: the one way their kernel refuses is a broadcast
            let (a, b) = (shapes.first()?, shapes.get(1)?);
            if broadcasts(a, b) {
                return None;
            }
            format!("Incompatible shapes: {} vs. {}", dims(a), dims(b))
        }
    };
    Some(framed(&kernel, &text, ty, name))
}

/// A reduction's refusal of its axes (`ty` is TensorFlow's op: Sum, Mean, Any...): one out of
/// range, then one named twice.
pub fn reduction_refusal(ty: &str, axis: Option<&Lit>, rank: usize) -> Option<String> {
    let rank = rank as i64;
    let axes = match axis {
        None | Some(Lit::Null) => return None,
        Some(Lit::Int(a)) => vec![*a],
        Some(l) => ints(l)?,
    };
    let mut seen = Vec::new();
    for a in &axes {
        if *a < -rank || *a >= rank {
            let t = format!("Invalid reduction dimension ({a} for input with {rank} dimension(s)");
            return Some(framed(ty, &t, ty, Some("")));
        }
        let k = if *a < 0 { a + rank } else { *a };
        if seen.contains(&k) {
            let t = format!("Invalid reduction arguments: Axes contains duplicate dimension: {k}");
            return Some(framed(ty, &t, ty, None));
        }
        seen.push(k);
    }
    None
}

fn attr<'a>(attrs: &'a [(String, Lit)], key: &str) -> Option<&'a Lit> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn ints(l: &Lit) -> Option<Vec<i64>> {
    match l {
        Lit::List(items) => items
            .iter()
            .map(|x| match x {
                Lit::Int(i) => Some(*i),
                _ => None,
            })
            .collect(),
        Lit::Tensor(t) if t.dtype().is_int() && t.rank() <= 1 => {
            Some(t.to_f64_vec().into_iter().map(|x| x as i64).collect())
        }
        _ => None,
    }
}

fn broadcasts(a: &[usize], b: &[usize]) -> bool {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .all(|(x, y)| x == y || *x == 1 || *y == 1)
}

/// MatMul's refusals: oneDNN's float32 kernel and Eigen's words differ for a vector operand.
fn matmul_text(shapes: &[&[usize]], dtypes: &[DType]) -> Option<String> {
    let (a, b) = (shapes.first()?, shapes.get(1)?);
    let mkl = dtypes.first() == Some(&DType::F32);
    if a.len() < 2 || b.len() < 2 {
        if !mkl && a.len() != b.len() {
            return Some(format!(
                "In[0] and In[1] has different ndims: {} vs. {}",
                dims(a),
                dims(b)
            ));
        }
        let k = usize::from(a.len() >= 2);
        return Some(format!("In[{k}] ndims must be >= 2"));
    }
    if a.len() != 2 || b.len() != 2 {
        // batched products run BatchMatMulV2, whose words this file does not know
        return None;
    }
    Some(format!(
        "Matrix size-incompatible: In[0]: {}, In[1]: {}",
        dims(a),
        dims(b)
    ))
}

/// Reshape's refusals: two -1s, or a size the shape cannot hold.
fn reshape_text(input: &[usize], shape: &[i64]) -> Option<String> {
    let unknown: Vec<usize> = (0..shape.len()).filter(|&k| shape[k] == -1).collect();
    if let [first, second, ..] = unknown[..] {
        return Some(format!(
            "Only one input size may be -1, not both {first} and {second}"
        ));
    }
    let n: usize = input.iter().product();
    let known: i64 = shape.iter().filter(|d| **d != -1).product();
    if unknown.is_empty() {
        return (known != n as i64).then(|| {
            format!(
                "Input to reshape is a tensor with {n} values, but the requested shape has {known}"
            )
        });
    }
    if known == 0 {
        // nothing times zero is six: TensorFlow names the size the shape has
        return (n != 0).then(|| {
            format!("Input to reshape is a tensor with {n} values, but the requested shape has 0")
        });
    }
    (n as i64 % known != 0).then(|| {
        format!("Input to reshape is a tensor with {n} values, but the requested shape requires a multiple of {known}")
    })
}

/// ConcatV2's refusals, in its order: the axis (axis 0 of scalars passes, as TensorFlow's
/// legacy scalars do), then each input: a scalar, its rank and its dimensions against the
/// first input's.
fn concat_text(shapes: &[&[usize]], axis: Option<&Lit>) -> Option<String> {
    let first = shapes.first()?;
    let rank = first.len() as i64;
    let axis = match axis {
        Some(Lit::Int(a)) => *a,
        _ => return None,
    };
    if (axis < -rank || axis >= rank) && !(rank == 0 && axis == 0) {
        return Some(format!(
            "ConcatOp : Expected concatenating dimensions in the range [{}, {rank}), but got {axis}",
            -rank
        ));
    }
    let along = if axis < 0 { axis + rank } else { axis } as usize;
    for (k, s) in shapes.iter().enumerate() {
        if s.is_empty() {
            return Some("ConcatOp : Can't concatenate scalars (use tf.stack instead)".into());
        }
        if s.len() != first.len() {
            return Some(format!(
                "ConcatOp : Ranks of all input tensors should match: shape[0] = {} vs. shape[{k}] = {}",
                dims(first),
                dims(s)
            ));
        }
        if let Some(d) = (0..first.len()).find(|&d| d != along && first[d] != s[d]) {
            return Some(format!(
                "ConcatOp : Dimension {d} in both shapes must be equal: shape[0] = {} vs. shape[{k}] = {}",
                dims(first),
                dims(s)
            ));
        }
    }
    None
}

/// Transpose's refusals: a permutation of the wrong length, an axis out of range, or one
/// missing (a repeated one).
fn transpose_text(rank: usize, perm: &[i64]) -> Option<String> {
    if perm.len() != rank {
        return Some(format!(
            "transpose expects a vector of size {rank}. But input(1) is a vector of size {}",
            perm.len()
        ));
    }
    if let Some(p) = perm.iter().find(|p| **p < 0 || **p >= rank as i64) {
        return Some(format!("{p} is out of range [0 .. {rank})"));
    }
    let missing = (0..rank as i64).find(|k| !perm.contains(k))?;
    let listed: Vec<String> = perm.iter().map(i64::to_string).collect();
    Some(format!(
        "{missing} is missing from {{{}}}.",
        listed.join(",")
    ))
}
