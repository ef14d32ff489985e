//! Operators: Python's arithmetic on Python numbers, TensorFlow's overloads on tensors and
//! variables (the other operand converted to the tensor's dtype, never promoted), and NumPy's
//! on arrays (its promotion: float64 by default, float32 with float64 gives float64).

use ruff_python_ast::{CmpOp, Operator};

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::convert::tf_word;
use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, Value};

fn op_symbol(op: Operator) -> &'static str {
    op.as_str()
}

fn is_py_num(v: &Value) -> bool {
    matches!(v, Value::Int(_) | Value::Float(_) | Value::Bool(_))
}

fn is_tf(v: &Value) -> bool {
    matches!(
        v,
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_)
    )
}

fn is_np(v: &Value) -> bool {
    matches!(v, Value::Array(_) | Value::NpScalar(_))
}

fn unsupported(op: &str, l: &Value, r: &Value) -> Raise {
    Raise::type_error(format!(
        "unsupported operand type(s) for {op}: '{}' and '{}'",
        l.type_name(),
        r.type_name()
    ))
}

pub fn binary(it: &mut Interp, op: Operator, l: Value, r: Value) -> Result<Value, Raise> {
    if matches!(l, Value::IndexedSlices(_)) || matches!(r, Value::IndexedSlices(_)) {
        return Err(unsupported(op_symbol(op), &l, &r));
    }
    if let (Value::Str(s), Operator::Mod) = (&l, op) {
        return super::print::percent(it, s, &r).map(Value::str);
    }
    if is_py_num(&l) && is_py_num(&r) {
        return py_arith(op, &l, &r);
    }
    match (&l, &r, op) {
        (Value::Str(a), Value::Str(b), Operator::Add) => return Ok(Value::str(format!("{a}{b}"))),
        (Value::List(a), Value::List(b), Operator::Add) => {
            let mut v = lock(a).clone();
            v.extend(lock(b).iter().cloned());
            return Ok(Value::list(v));
        }
        (Value::Tuple(a), Value::Tuple(b), Operator::Add) => {
            return Ok(Value::tuple(a.iter().chain(b.iter()).cloned().collect()))
        }
        (Value::List(_) | Value::Tuple(_) | Value::Str(_), Value::Int(n), Operator::Mult)
        | (Value::Int(n), Value::List(_) | Value::Tuple(_) | Value::Str(_), Operator::Mult) => {
            let seq = if matches!(l, Value::Int(_)) { &r } else { &l };
            return repeat(seq, *n);
        }
        _ => {}
    }
    if is_tf(&l) || is_tf(&r) {
        return tf_binary(it, op, &l, &r);
    }
    if is_np(&l) || is_np(&r) {
        return super::numpy::arith::binary(it, op, &l, &r);
    }
    Err(unsupported(op_symbol(op), &l, &r))
}

fn repeat(seq: &Value, n: i64) -> Result<Value, Raise> {
    let n = n.max(0) as usize;
    let len = match seq {
        Value::Str(s) => s.len(),
        other => other.items().map_or(0, |v| v.len()),
    };
    if len.saturating_mul(n) > 1 << 20 {
        return Err(Raise::new(
            RaiseKind::LimitExceeded,
            "a repeated sequence in a cell holds at most 1048576 items",
        ));
    }
    Ok(match seq {
        Value::Str(s) => Value::str(s.repeat(n)),
        Value::List(l) => {
            let items = lock(l).clone();
            Value::list((0..n).flat_map(|_| items.iter().cloned()).collect())
        }
        other => {
            let items = other.items().unwrap_or_default();
            Value::tuple((0..n).flat_map(|_| items.iter().cloned()).collect())
        }
    })
}

fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => f64::NAN,
    }
}

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn overflow() -> Raise {
    Raise::new(
        RaiseKind::ValueError,
        "integer result too large: cells compute with 64-bit integers",
    )
}

/// Python's arithmetic on ints, floats and bools.
pub fn py_arith(op: Operator, l: &Value, r: &Value) -> Result<Value, Raise> {
    let zero = |msg: &str| Raise::new(RaiseKind::ZeroDivisionError, msg.to_string());
    if let (Some(a), Some(b)) = (int(l), int(r)) {
        return Ok(Value::Int(match op {
            Operator::Add => a.checked_add(b).ok_or_else(overflow)?,
            Operator::Sub => a.checked_sub(b).ok_or_else(overflow)?,
            Operator::Mult => a.checked_mul(b).ok_or_else(overflow)?,
            Operator::Div => {
                if b == 0 {
                    return Err(zero("division by zero"));
                }
                return Ok(Value::Float(a as f64 / b as f64));
            }
            Operator::FloorDiv => {
                if b == 0 {
                    return Err(zero("integer division or modulo by zero"));
                }
                a.checked_div_euclid(b).ok_or_else(overflow)?;
                let q = a / b;
                if (a % b != 0) && ((a < 0) != (b < 0)) {
                    q - 1
                } else {
                    q
                }
            }
            Operator::Mod => {
                if b == 0 {
                    return Err(zero("integer division or modulo by zero"));
                }
                let m = a % b;
                if m != 0 && ((m < 0) != (b < 0)) {
                    m + b
                } else {
                    m
                }
            }
            Operator::Pow => {
                if b < 0 {
                    if a == 0 {
                        return Err(zero("0.0 cannot be raised to a negative power"));
                    }
                    return Ok(Value::Float((a as f64).powf(b as f64)));
                }
                let e = u32::try_from(b).map_err(|_| overflow())?;
                a.checked_pow(e).ok_or_else(overflow)?
            }
            Operator::BitAnd => a & b,
            Operator::BitOr => a | b,
            Operator::BitXor => a ^ b,
            _ => return Err(unsupported(op_symbol(op), l, r)),
        }));
    }
    let (a, b) = (num(l), num(r));
    Ok(Value::Float(match op {
        Operator::Add => a + b,
        Operator::Sub => a - b,
        Operator::Mult => a * b,
        Operator::Div => {
            if b == 0.0 {
                return Err(zero("float division by zero"));
            }
            a / b
        }
        Operator::FloorDiv => {
            if b == 0.0 {
                return Err(zero("float floor division by zero"));
            }
            (a / b).floor()
        }
        Operator::Mod => {
            if b == 0.0 {
                return Err(zero("float modulo"));
            }
            let m = a % b;
            if m != 0.0 && ((m < 0.0) != (b < 0.0)) {
                m + b
            } else {
                m
            }
        }
        Operator::Pow => {
            if a == 0.0 && b < 0.0 {
                return Err(zero("0.0 cannot be raised to a negative power"));
            }
            a.powf(b)
        }
        _ => return Err(unsupported(op_symbol(op), l, r)),
    }))
}

/// TensorFlow's name of the op an operator runs, as its errors say it.
fn tf_op_name(op: Operator) -> &'static str {
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

fn dtype_of(v: &Value) -> Option<DType> {
    match v {
        Value::Tensor(x) => Some(x.tensor.dtype()),
        Value::Array(_) | Value::NpScalar(_) => v.np_contents().map(|t| t.dtype()),
        _ => None,
    }
}

/// A tensor operator: the tensor operand's dtype rules; the other operand converts to it.
fn tf_binary(it: &mut Interp, op: Operator, l: &Value, r: &Value) -> Result<Value, Raise> {
    let anchor_left = is_tf(l);
    let anchor = if anchor_left { l } else { r };
    let d = match anchor {
        Value::Variable(id) | Value::UnreadVariable(id) => it.read_var(id)?.tensor.dtype(),
        other => dtype_of(other).unwrap_or(DType::F32),
    };
    let a = it.to_val_as(l, d)?;
    let b = it.to_val_as(r, d)?;
    if a.tensor.dtype() != b.tensor.dtype() {
        let (bad, k) = if a.tensor.dtype() == d {
            (b.tensor.dtype(), 1)
        } else {
            (a.tensor.dtype(), 0)
        };
        let name = tf_op_name(op);
        return Err(Raise::new(
            RaiseKind::InvalidArgumentError,
            format!(
                "cannot compute {name} as input #{k}(zero-based) was expected to be a {} tensor but is a {} tensor [Op:{name}] name: ",
                tf_word(d),
                tf_word(bad)
            ),
        )
        .with_code(crate::engine::Code::DtypeMismatch));
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
        Operator::FloorDiv | Operator::Mod => {
            let t = floor_op(op, &a.tensor, &b.tensor)?;
            it.ws.ctx.constant(t)
        }
        _ => return Err(unsupported(op_symbol(op), l, r)),
    };
    Ok(Value::Tensor(out))
}

/// `//` and `%` elementwise with broadcasting, Python's floor semantics (no gradient, as
/// TensorFlow has none for FloorDiv).
pub fn floor_op(op: Operator, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let d = a.dtype();
    let shape = crate::engine::kernels::broadcast_shape(a.shape(), b.shape()).ok_or_else(|| {
        Raise::new(
            RaiseKind::InvalidArgumentError,
            format!("Incompatible shapes: {:?} vs. {:?}", a.shape(), b.shape()),
        )
    })?;
    let (av, bv) = (broadcast_vals(a, &shape), broadcast_vals(b, &shape));
    let mut out = Vec::with_capacity(av.len());
    for (x, y) in av.iter().zip(&bv) {
        out.push(if d.is_int() {
            let (x, y) = (*x as i64, *y as i64);
            if y == 0 {
                return Err(Raise::new(
                    RaiseKind::InvalidArgumentError,
                    "Integer division by zero [Op:FloorDiv]",
                ));
            }
            let r = match op {
                Operator::FloorDiv => {
                    x.div_euclid(y) - if y < 0 && x.rem_euclid(y) != 0 { 1 } else { 0 }
                }
                _ => {
                    let m = x % y;
                    if m != 0 && ((m < 0) != (y < 0)) {
                        m + y
                    } else {
                        m
                    }
                }
            };
            r as f64
        } else {
            match op {
                Operator::FloorDiv => (x / y).floor(),
                _ => {
                    let m = x % y;
                    if m != 0.0 && ((m < 0.0) != (*y < 0.0)) {
                        m + y
                    } else {
                        m
                    }
                }
            }
        });
    }
    Ok(Tensor::from_f64s(&shape, &out, d)?)
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

pub use super::numpy::arith::np_wrap;

pub fn negate(it: &mut Interp, v: Value) -> Result<Value, Raise> {
    match v {
        Value::Int(i) => Ok(Value::Int(i.checked_neg().ok_or_else(overflow)?)),
        Value::Bool(b) => Ok(Value::Int(-i64::from(b))),
        Value::Float(f) => Ok(Value::Float(-f)),
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let x = it.as_val(&v)?.expect("tensor");
            Ok(Value::Tensor(it.apply("negative", vec![], vec![x])?))
        }
        Value::Array(_) | Value::NpScalar(_) => {
            let t = super::numpy::math::unary("negative", &it.np_tensor(&v)?)?;
            Ok(np_wrap(t))
        }
        other => Err(Raise::type_error(format!(
            "bad operand type for unary -: '{}'",
            other.type_name()
        ))),
    }
}

pub fn positive(v: Value) -> Result<Value, Raise> {
    match v {
        Value::Bool(b) => Ok(Value::Int(i64::from(b))),
        Value::Int(_)
        | Value::Float(_)
        | Value::Tensor(_)
        | Value::Array(_)
        | Value::NpScalar(_)
        | Value::Variable(_)
        | Value::UnreadVariable(_) => Ok(v),
        other => Err(Raise::type_error(format!(
            "bad operand type for unary +: '{}'",
            other.type_name()
        ))),
    }
}

pub fn invert(it: &mut Interp, v: Value) -> Result<Value, Raise> {
    match v {
        Value::Int(i) => Ok(Value::Int(!i)),
        Value::Bool(b) => Ok(Value::Int(!i64::from(b))),
        Value::Tensor(x) if x.tensor.dtype() == DType::Bool => {
            Ok(Value::Tensor(it.apply("logical_not", vec![], vec![x])?))
        }
        Value::Array(_) | Value::NpScalar(_) => {
            let t = it.np_tensor(&v)?;
            if t.dtype() == DType::Bool {
                return Ok(np_wrap(it.compute("logical_not", vec![], &[&t])?));
            }
            if t.dtype().is_float() {
                return Err(Raise::type_error(
                    "ufunc 'invert' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe''",
                ));
            }
            let flipped: Vec<f64> = t.to_f64_vec().iter().map(|x| -x - 1.0).collect();
            Ok(np_wrap(Tensor::from_f64s(t.shape(), &flipped, t.dtype())?))
        }
        other => Err(Raise::type_error(format!(
            "bad operand type for unary ~: '{}'",
            other.type_name()
        ))),
    }
}

/// `is` / `is not`: identity for None, True, False and the same tensor.
pub fn is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Tensor(x), Value::Tensor(y)) => x.id == y.id,
        (
            Value::Variable(x) | Value::UnreadVariable(x),
            Value::Variable(y) | Value::UnreadVariable(y),
        ) => x == y,
        (Value::Tape(x), Value::Tape(y)) => x == y,
        (Value::List(x), Value::List(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Array(x), Value::Array(y)) => x.same(y),
        (Value::DType(x), Value::DType(y)) => x == y,
        _ => false,
    }
}

/// `x in container`.
pub fn contains(it: &mut Interp, container: &Value, x: &Value) -> Result<bool, Raise> {
    if let (Value::Str(s), Value::Str(sub)) = (container, x) {
        return Ok(s.contains(&**sub));
    }
    let Some(items) = container.items() else {
        return Err(Raise::type_error(format!(
            "argument of type '{}' is not iterable",
            container.type_name()
        )));
    };
    for item in items {
        if py_eq(it, &item, x)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Python `==` of plain values (numbers, strings, None, sequences, dtypes).
fn py_eq(it: &mut Interp, a: &Value, b: &Value) -> Result<bool, Raise> {
    Ok(match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (x, y) if is_py_num(x) && is_py_num(y) => num(x) == num(y),
        (Value::DType(x) | Value::NpDType(x), Value::DType(y) | Value::NpDType(y)) => x == y,
        // `a.dtype == np.float64`, `a.dtype == 'float32'`
        (Value::DType(_) | Value::NpDType(_), Value::Builtin(_) | Value::Str(_))
        | (Value::Builtin(_) | Value::Str(_), Value::DType(_) | Value::NpDType(_)) => {
            let d = super::convert::dtype_of_value;
            d(a).is_some() && d(a) == d(b)
        }
        (Value::Shape(x), Value::Shape(y)) => x == y,
        (Value::Shape(x), Value::List(_) | Value::Tuple(_))
        | (Value::List(_) | Value::Tuple(_), Value::Shape(x)) => {
            let other = if matches!(a, Value::Shape(_)) { b } else { a };
            let items = other.items().unwrap_or_default();
            items.len() == x.len()
                && items
                    .iter()
                    .zip(x)
                    .all(|(i, d)| matches!(i, Value::Int(v) if *v as usize == *d))
        }
        (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
            let (x, y) = (a.items().unwrap_or_default(), b.items().unwrap_or_default());
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(&y) {
                if !py_eq(it, p, q)? {
                    return Ok(false);
                }
            }
            true
        }
        (x, y) if is_tf(x) || is_tf(y) || is_np(x) || is_np(y) => {
            let v = compare(it, CmpOp::Eq, x.clone(), y.clone())?;
            v.truthy()?
        }
        _ => is(a, b),
    })
}

fn cmp_op_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "less",
        CmpOp::LtE => "less_equal",
        CmpOp::Gt => "greater",
        CmpOp::GtE => "greater_equal",
        CmpOp::Eq => "equal",
        _ => "not_equal",
    }
}

/// `< <= > >= == !=`: elementwise on tensors and arrays, Python's on the rest.
pub fn compare(it: &mut Interp, op: CmpOp, l: Value, r: Value) -> Result<Value, Raise> {
    if is_tf(&l) || is_tf(&r) {
        if matches!(l, Value::None) || matches!(r, Value::None) {
            return Ok(Value::Bool(op == CmpOp::NotEq));
        }
        let anchor = if is_tf(&l) { &l } else { &r };
        let d = match anchor {
            Value::Variable(id) | Value::UnreadVariable(id) => it.read_var(id)?.tensor.dtype(),
            other => dtype_of(other).unwrap_or(DType::F32),
        };
        let a = it.to_val_as(&l, d)?;
        let b = it.to_val_as(&r, d)?;
        if a.tensor.dtype() != b.tensor.dtype() {
            return Err(Raise::new(
                RaiseKind::InvalidArgumentError,
                format!(
                    "cannot compare a {} tensor with a {} tensor",
                    a.tensor.dtype(),
                    b.tensor.dtype()
                ),
            ));
        }
        return Ok(Value::Tensor(it.apply(
            cmp_op_name(op),
            vec![],
            vec![a, b],
        )?));
    }
    if is_np(&l) || is_np(&r) {
        return super::numpy::arith::compare(it, op, &l, &r);
    }
    let ord = match (&l, &r) {
        (x, y) if is_py_num(x) && is_py_num(y) => num(x).partial_cmp(&num(y)),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        _ => {
            return match op {
                CmpOp::Eq => Ok(Value::Bool(py_eq(it, &l, &r)?)),
                CmpOp::NotEq => Ok(Value::Bool(!py_eq(it, &l, &r)?)),
                _ => Err(Raise::type_error(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    l.type_name(),
                    r.type_name()
                ))),
            }
        }
    };
    use std::cmp::Ordering::*;
    Ok(Value::Bool(match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Equal),
        (CmpOp::NotEq, o) => o != Some(Equal),
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Less,
        (CmpOp::LtE, Some(o)) => o != Greater,
        (CmpOp::Gt, Some(o)) => o == Greater,
        (CmpOp::GtE, Some(o)) => o != Less,
        _ => false,
    }))
}
