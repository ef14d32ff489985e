//! TensorFlow's operator overloads on tensors and variables: the other operand converted to
//! the tensor's dtype, never promoted; Python's floor division and modulo on tensors (the
//! engine's `floordiv` and `floormod`, recorded as TensorFlow records them).

use ruff_python_ast::Operator;

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::*;
use crate::cells::convert::{tf_word, truediv_dtype_error};
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

/// TensorFlow's name of the op an operator runs, as its errors say it.
pub(super) fn tf_op_name(op: Operator) -> &'static str {
    match op {
        Operator::Add => "AddV2",
        Operator::Sub => "Sub",
        Operator::Mult => "Mul",
        Operator::Div => "RealDiv",
        Operator::FloorDiv => "FloorDiv",
        Operator::Mod => "FloorMod",
        Operator::Pow => "Pow",
        Operator::MatMult => "MatMul",
        _ => "BitwiseOp",
    }
}

pub(super) fn dtype_of(v: &Value) -> Option<DType> {
    match v {
        Value::Tensor(x) => Some(x.tensor.dtype()),
        Value::Array(_) | Value::NpScalar(_) => v.np_contents().map(|t| t.dtype()),
        _ => None,
    }
}

/// A tensor operator: the tensor operand's dtype rules; the other operand converts to it.
pub(super) fn tf_binary(
    it: &mut Interp,
    op: Operator,
    l: &Value,
    r: &Value,
) -> Result<Value, Raise> {
    let anchor_left = Value::is_tf(l);
    let anchor = if anchor_left { l } else { r };
    let d = match anchor {
        Value::Variable(id) => it.read_var(id)?.tensor.dtype(),
        Value::UnreadVariable(id) => super::super::variable::read_unread(it, id)?.tensor.dtype(),
        other => dtype_of(other).unwrap_or(DType::F32),
    };
    if anchor_left && !Value::is_tf(r) && !is_np(r) {
        if let Some(raised) = python_operand_error(it, op, d, r)? {
            return Err(raised);
        }
    }
    let a = it.to_val_as(l, d)?;
    let b = if anchor_left && op == Operator::Add && !is_np(r) && !matches!(r, Value::Str(_)) {
        // `Tensor.__add__` converts y with x's dtype only as a hint (`0.5` stays float32) and
        // lets AddV2 refuse the mismatch, where the other operators convert y to x's dtype
        it.to_val(r, Some(d))?
    } else {
        it.to_val_as(r, d)?
    };
    if a.tensor.dtype() != b.tensor.dtype() && op == Operator::Div {
        return Err(truediv_dtype_error(a.tensor.dtype(), b.tensor.dtype()));
    }
    if a.tensor.dtype() != b.tensor.dtype() {
        let (bad, k) = if a.tensor.dtype() == d {
            (b.tensor.dtype(), 1)
        } else {
            (a.tensor.dtype(), 0)
        };
        let name = tf_op_name(op);
        // a float32 product checks its inputs against oneDNN's op, and says so
        let checked = if op == Operator::MatMult && a.tensor.dtype() == DType::F32 {
            "_MklMatMul"
        } else {
            name
        };
        return Err(Raise::new(
            RaiseKind::InvalidArgumentError,
            format!(
                "cannot compute {checked} as input #{k}(zero-based) was expected to be a {} tensor but is a {} tensor [Op:{name}] name: ",
                tf_word(d),
                tf_word(bad)
            ),
        )
        .with_code(crate::engine::Code::DtypeMismatch));
    }
    if d == DType::Bool {
        if let Some(raised) = bool_operand_error(op) {
            return Err(raised);
        }
    }
    let out = match op {
        Operator::Add => it.apply("add", vec![], vec![a, b])?,
        Operator::Sub => it.apply("subtract", vec![], vec![a, b])?,
        Operator::Mult => it.apply("multiply", vec![], vec![a, b])?,
        Operator::Div => {
            if d.is_float() {
                it.apply("divide", vec![], vec![a, b])?
            } else {
                // TensorFlow's truediv casts integer tensors to float64 first
                let cast = |it: &mut Interp, x| {
                    it.apply(
                        "cast",
                        vec![("dtype".into(), crate::engine::Lit::Str("float64".into()))],
                        vec![x],
                    )
                };
                let (a, b) = (cast(it, a)?, cast(it, b)?);
                it.apply("divide", vec![], vec![a, b])?
            }
        }
        Operator::Pow => it.apply("pow", vec![], vec![a, b])?,
        Operator::MatMult => it.apply("matmul", vec![], vec![a, b])?,
        Operator::FloorDiv => it.apply("floordiv", vec![], vec![a, b])?,
        Operator::Mod => it.apply("floormod", vec![], vec![a, b])?,
        Operator::BitAnd if d == DType::Bool => it.apply("logical_and", vec![], vec![a, b])?,
        Operator::BitOr if d == DType::Bool => it.apply("logical_or", vec![], vec![a, b])?,
        op if super::bitwise::is_bitwise(op) && (d == DType::Bool || d.is_int()) => it
            .ws
            .ctx
            .constant(super::bitwise::binary(op, &a.tensor, &b.tensor)?),
        op if super::bitwise::is_bitwise(op) => {
            let name = match op {
                Operator::BitAnd => "BitwiseAnd",
                Operator::BitOr => "BitwiseOr",
                _ => "BitwiseXor",
            };
            return Err(Raise::new(
                RaiseKind::InvalidArgumentError,
                format!("Value for attr 'T' of {} is not in the list of allowed values: int8, int16, int32, int64, uint8, uint16, uint32, uint64 [Op:{name}]", tf_word(d)),
            )
            .with_code(crate::engine::Code::DtypeMismatch));
        }
        _ => return Err(unsupported(op_symbol(op), l, r)),
    };
    Ok(Value::Tensor(out))
}

/// The error TensorFlow's `tensor <op> y` raises before any kernel runs for a Python (non
/// tensor) `y` it cannot take: a string is converted only as `+`'s hint (AddV2 then refuses
/// it), `/` compares dtypes first, `|` falls back to `y.__ror__` which Python values lack; a
/// bool tensor's `+` is AddV2's bool refusal whatever `y` is.
fn python_operand_error(
    it: &mut Interp,
    op: Operator,
    d: DType,
    r: &Value,
) -> Result<Option<Raise>, Raise> {
    let is_str = matches!(r, Value::Str(_));
    let name = tf_op_name(op);
    let other = if is_str { "string" } else { "" };
    Ok(Some(match op {
        Operator::Add if d == DType::Bool => Raise::new(
            RaiseKind::InvalidArgumentError,
            "Value for attr 'T' of bool is not in the list of allowed values: bfloat16, half, float, double, uint8, uint16, uint32, uint64, int8, int16, int32, int64, complex64, complex128\n\t; NodeDef: {{node AddV2}}; Op<name=AddV2; signature=x:T, y:T -> z:T; attr=T:type,allowed=[DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE, DT_UINT8, DT_UINT16, DT_UINT32, DT_UINT64, DT_INT8, DT_INT16, DT_INT32, DT_INT64, DT_COMPLEX64, DT_COMPLEX128]; is_commutative=true; is_aggregate=true> [Op:AddV2] name: ",
        )
        .with_code(crate::engine::Code::DtypeMismatch),
        Operator::Add if is_str => Raise::new(
            RaiseKind::InvalidArgumentError,
            format!(
                "cannot compute {name} as input #1(zero-based) was expected to be a {} tensor but is a {other} tensor [Op:{name}] name: ",
                tf_word(d)
            ),
        )
        .with_code(crate::engine::Code::DtypeMismatch),
        Operator::Div if is_str => Raise::type_error(format!(
            "`x` and `y` must have the same dtype, got tf.{} != tf.string.",
            d.name()
        ))
        .with_code(crate::engine::Code::DtypeMismatch),
        // int and bool have `__ror__`: their conversion error stands
        Operator::BitOr if !matches!(r, Value::Int(_) | Value::Bool(_)) => match it.to_val_as(r, d) {
            Err(e) if e.kind == RaiseKind::TypeError => Raise::new(
                RaiseKind::AttributeError,
                format!("'{}' object has no attribute '__ror__'", r.type_name()),
            ),
            _ => return Ok(None),
        },
        _ => return Ok(None),
    }))
}

/// What `/`, `//` and `%` of two bool tensors raise: truediv's Python check, FloorDiv's and
/// FloorMod's kernel lists.
fn bool_operand_error(op: Operator) -> Option<Raise> {
    let allowed = match op {
        Operator::Div => {
            return Some(Raise::type_error("Invalid dtype tf.bool in __truediv__. Expected one of {tf.uint8, tf.int8, tf.uint16, tf.int16, tf.uint32, tf.int32, tf.uint64, tf.int64, tf.bfloat16, tf.float16, tf.float32, tf.float64, tf.complex64, tf.complex128}.").with_code(crate::engine::Code::DtypeMismatch));
        }
        Operator::FloorDiv => "bfloat16, half, float, double, uint8, int8, uint16, int16, int32, uint32, uint64, int64, complex64, complex128",
        Operator::Mod => "int8, int16, int32, int64, uint8, uint16, uint32, uint64, bfloat16, half, float, double",
        _ => return None,
    };
    Some(
        Raise::new(
            RaiseKind::InvalidArgumentError,
            format!(
                "Value for attr 'T' of bool is not in the list of allowed values: {allowed} [Op:{}] name: ",
                tf_op_name(op)
            ),
        )
        .with_code(crate::engine::Code::DtypeMismatch),
    )
}

/// The values of `t` broadcast to `shape` (which it broadcasts to), in row-major order.
pub fn broadcast_vals(t: &Tensor, shape: &[usize]) -> Vec<f64> {
    let vals = t.to_f64_vec();
    let n: usize = shape.iter().product();
    let rank = shape.len();
    let src = t.shape();
    // strides of `t` aligned to `shape` from the right, 0 where it broadcasts
    let mut strides = vec![0usize; rank];
    let mut acc = 1;
    for k in (0..src.len()).rev() {
        let d = rank - src.len() + k;
        strides[d] = if src[k] == 1 { 0 } else { acc };
        acc *= src[k];
    }
    let mut out = Vec::with_capacity(n);
    let mut idx = vec![0usize; rank];
    for _ in 0..n {
        out.push(vals[idx.iter().zip(&strides).map(|(i, s)| i * s).sum::<usize>()]);
        for d in (0..rank).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    out
}
