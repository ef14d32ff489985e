//! NumPy's operators on arrays and NumPy scalars (`+ - * / // % ** @`, comparisons) and its
//! two-argument ufuncs (`np.maximum`, `np.add`, ...): the operands typed by `result_type`,
//! cast, and run outside every tape.

use ruff_python_ast::{CmpOp, Operator};

use crate::engine::dtype::DType;
use crate::engine::kernels::broadcast_shape;
use crate::engine::tensor::Tensor;

use super::promote::{result_type, Operand};
use crate::cells::interp::Interp;
use crate::cells::raise::Raise;
use crate::cells::value::Value;

/// Wraps a NumPy result: 0-d results are NumPy scalars, as NumPy's operations return them.
pub fn np_wrap(t: Tensor) -> Value {
    if t.rank() == 0 {
        Value::NpScalar(t)
    } else {
        Value::array(t)
    }
}

/// A value as an operand: Python numbers and NumPy scalars count as scalars.
pub fn operand(it: &mut Interp, v: &Value) -> Result<Operand, Raise> {
    let t = it.np_tensor(v)?;
    let scalar = t.rank() == 0;
    Ok(Operand { tensor: t, scalar })
}

/// A two-argument ufunc by the name of the engine op that computes it.
pub fn ufunc(it: &mut Interp, op: &str, l: &Value, r: &Value) -> Result<Value, Raise> {
    let (a, b) = (operand(it, l)?, operand(it, r)?);
    if broadcast_shape(a.tensor.shape(), b.tensor.shape()).is_none() {
        return Err(not_broadcastable(&[a.tensor.shape(), b.tensor.shape()]));
    }
    let mut d = result_type(&[&a, &b]);
    let compares = matches!(
        op,
        "less" | "less_equal" | "greater" | "greater_equal" | "equal" | "not_equal"
    );
    if op == "divide" && !d.is_float() {
        d = DType::F64;
    }
    if let Some(bop) = bitwise_operator(op) {
        if d.is_float() {
            return Err(Raise::type_error(format!(
                "ufunc '{op}' not supported for the input types, and the inputs could not be safely coerced to any supported types according to the casting rule ''safe''"
            )));
        }
        if d == DType::Bool && !crate::cells::arith::is_bitwise(bop) {
            // NumPy has no boolean shift loop: it shifts them as int8, a dtype cells lack
            return Err(Raise::type_error(format!(
                "ufunc '{op}' on booleans gives int8, which cells do not have: cast with .astype(np.int64) first"
            )));
        }
        let (ta, tb) = (a.tensor.cast(d), b.tensor.cast(d));
        return Ok(np_wrap(crate::cells::arith::bitwise_binary(bop, &ta, &tb)?));
    }
    if d == DType::Bool && !compares {
        return bool_ufunc(it, op, &a.tensor, &b.tensor);
    }
    let (ta, tb) = (a.tensor.cast(d), b.tensor.cast(d));
    if op == "pow" && d.is_int() && tb.to_f64_vec().iter().any(|&x| x < 0.0) {
        return Err(Raise::value_error(
            "Integers to negative integer powers are not allowed.",
        ));
    }
    let t = match op {
        "floor_divide" | "mod" => floor_op(op, &ta, &tb)?,
        _ => it.compute(op, vec![], &[&ta, &tb])?,
    };
    Ok(np_wrap(t))
}

/// Arithmetic on booleans: `+` is `or`, `*` is `and`, `-` is refused, as NumPy does.
fn bool_ufunc(it: &mut Interp, op: &str, a: &Tensor, b: &Tensor) -> Result<Value, Raise> {
    let logical = match op {
        "add" | "maximum" => "logical_or",
        "multiply" | "minimum" => "logical_and",
        "subtract" => {
            return Err(Raise::type_error(
                "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` operator, or the logical_xor function instead.",
            ))
        }
        _ => {
            // the rest compute in int8 in NumPy; int64 gives the same values here
            let (x, y) = (a.cast(DType::I64), b.cast(DType::I64));
            let t = match op {
                "floor_divide" | "mod" => floor_op(op, &x, &y)?,
                _ => it.compute(op, vec![], &[&x, &y])?,
            };
            return Ok(np_wrap(t));
        }
    };
    Ok(np_wrap(it.compute(logical, vec![], &[a, b])?))
}

fn bitwise_operator(ufunc: &str) -> Option<Operator> {
    Some(match ufunc {
        "bitwise_and" => Operator::BitAnd,
        "bitwise_or" => Operator::BitOr,
        "bitwise_xor" => Operator::BitXor,
        "left_shift" => Operator::LShift,
        "right_shift" => Operator::RShift,
        _ => return None,
    })
}

fn operator_ufunc(op: Operator) -> Option<&'static str> {
    Some(match op {
        Operator::Add => "add",
        Operator::Sub => "subtract",
        Operator::Mult => "multiply",
        Operator::Div => "divide",
        Operator::FloorDiv => "floor_divide",
        Operator::Mod => "mod",
        Operator::Pow => "pow",
        Operator::BitAnd => "bitwise_and",
        Operator::BitOr => "bitwise_or",
        Operator::BitXor => "bitwise_xor",
        Operator::LShift => "left_shift",
        Operator::RShift => "right_shift",
        _ => return None,
    })
}

/// `l op r` where one side is a NumPy array or scalar and neither is a tensor.
pub fn binary(it: &mut Interp, op: Operator, l: &Value, r: &Value) -> Result<Value, Raise> {
    if op == Operator::MatMult {
        // only an array defines `@`: two NumPy scalars (or a scalar and a number) have none
        if !matches!(l, Value::Array(_)) && !matches!(r, Value::Array(_)) {
            return Err(Raise::type_error(format!(
                "unsupported operand type(s) for @: '{}' and '{}'",
                np_type_name(l),
                np_type_name(r)
            )));
        }
        let (a, b) = (it.np_tensor(l)?, it.np_tensor(r)?);
        return super::linalg::matmul(it, &a, &b).map(np_wrap);
    }
    if let Some(raised) = string_operand(op, l, r) {
        return Err(raised);
    }
    match operator_ufunc(op) {
        Some(name) => ufunc(it, name, l, r),
        None => Err(Raise::type_error(format!(
            "unsupported operand type(s) for {}: '{}' and '{}'",
            op.as_str(),
            l.type_name(),
            r.type_name()
        ))),
    }
}

/// NumPy's refusal of a Python string beside an array or NumPy scalar in `+`, `-` or `*`: the
/// string becomes a `<U` array, and the ufunc has no loop for the pair.
fn string_operand(op: Operator, l: &Value, r: &Value) -> Option<Raise> {
    let name = match op {
        Operator::Add => "add",
        Operator::Sub => "subtract",
        Operator::Mult => "multiply",
        _ => return None,
    };
    let dtype = |v: &Value| match v {
        Value::Str(s) => Some(format!("<U{}", s.chars().count())),
        Value::Array(_) | Value::NpScalar(_) => {
            v.np_contents().map(|t| t.dtype().name().to_string())
        }
        _ => None,
    };
    if !matches!(l, Value::Str(_)) && !matches!(r, Value::Str(_)) {
        return None;
    }
    let (a, b) = (dtype(l)?, dtype(r)?);
    Some(
        Raise::new(
            crate::cells::raise::RaiseKind::UFuncTypeError,
            format!("ufunc '{name}' did not contain a loop with signature matching types (dtype('{a}'), dtype('{b}')) -> None"),
        ),
    )
}

/// A value's class as Python's operator errors name it (`numpy.float64`, `int`).
fn np_type_name(v: &Value) -> String {
    match v {
        Value::NpScalar(_) => format!("numpy.{}", v.type_name()),
        _ => v.type_name(),
    }
}

/// `l < r` and the other comparisons, elementwise, giving a bool array.
pub fn compare(it: &mut Interp, op: CmpOp, l: &Value, r: &Value) -> Result<Value, Raise> {
    let name = match op {
        CmpOp::Lt => "less",
        CmpOp::LtE => "less_equal",
        CmpOp::Gt => "greater",
        CmpOp::GtE => "greater_equal",
        CmpOp::Eq => "equal",
        _ => "not_equal",
    };
    ufunc(it, name, l, r)
}

/// `//` and `%` elementwise with broadcasting, as NumPy 1.26's `floor_divide` and
/// `remainder` compute them: an integer divided by zero gives 0 (NumPy only warns, on
/// stderr), `MIN // -1` wraps to `MIN`, and floats take `npy_divmod`'s path, so
/// `1.0 // 0.1` is 9 (not `floor(1.0 / 0.1)`, 10) and `x // 0.0` is `x / 0.0`.
pub fn floor_op(op: &str, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let shape = broadcast_shape(a.shape(), b.shape())
        .ok_or_else(|| not_broadcastable(&[a.shape(), b.shape()]))?;
    let d = a.dtype();
    let modulo = op == "mod";
    if let (Some(x), Some(y)) = (
        super::ints::broadcast(a, &shape),
        super::ints::broadcast(b, &shape),
    ) {
        // integers divide exactly, never through float64
        let out: Vec<i64> = x
            .iter()
            .zip(&y)
            .map(|(&x, &y)| {
                let (q, r) = divmod_int(x, y, d == DType::I32);
                if modulo {
                    r
                } else {
                    q
                }
            })
            .collect();
        return Ok(super::ints::tensor(&shape, &out, d));
    }
    let av = crate::cells::arith::broadcast_vals(a, &shape);
    let bv = crate::cells::arith::broadcast_vals(b, &shape);
    let out: Vec<f64> = av
        .iter()
        .zip(&bv)
        .map(|(&x, &y)| match d {
            DType::F32 => {
                let (q, r) = divmod_f32(x as f32, y as f32);
                f64::from(if modulo { r } else { q })
            }
            // float64 (integers took the exact path above)
            _ => {
                let (q, r) = divmod_f64(x, y);
                if modulo {
                    r
                } else {
                    q
                }
            }
        })
        .collect();
    Ok(Tensor::from_f64s(&shape, &out, d)?)
}

/// NumPy's integer `divmod`: by zero both are 0; `MIN // -1` wraps (in `i32` for int32).
fn divmod_int(x: i64, y: i64, narrow: bool) -> (i64, i64) {
    if y == 0 {
        return (0, 0);
    }
    let (q, r) = if narrow {
        let (x, y) = (x as i32, y as i32);
        (i64::from(x.wrapping_div(y)), i64::from(x.wrapping_rem(y)))
    } else {
        (x.wrapping_div(y), x.wrapping_rem(y))
    };
    if r != 0 && ((r < 0) != (y < 0)) {
        (q - 1, r + y)
    } else {
        (q, r)
    }
}

macro_rules! npy_divmod {
    ($name:ident, $t:ty) => {
        /// NumPy's `npy_divmod` for floats: the remainder from `fmod` moved to the divisor's
        /// sign, the quotient `(a - mod) / b` snapped to the nearest integer; by zero,
        /// `a / b` and `fmod`'s NaN.
        fn $name(a: $t, b: $t) -> ($t, $t) {
            let mut m = a % b;
            if b == 0.0 {
                return (a / b, m);
            }
            let mut div = (a - m) / b;
            if m != 0.0 {
                if (b < 0.0) != (m < 0.0) {
                    m += b;
                    div -= 1.0;
                }
            } else {
                m = (0.0 as $t).copysign(b);
            }
            let q = if div != 0.0 {
                let f = div.floor();
                if div - f > 0.5 {
                    f + 1.0
                } else {
                    f
                }
            } else {
                (0.0 as $t).copysign(a / b)
            };
            (q, m)
        }
    };
}
npy_divmod!(divmod_f64, f64);
npy_divmod!(divmod_f32, f32);

/// NumPy's error for shapes that do not broadcast: `(2,3) (3,2) `, as NumPy writes them.
pub fn not_broadcastable(shapes: &[&[usize]]) -> Raise {
    let shown: String = shapes
        .iter()
        .map(|s| {
            let dims: Vec<String> = s.iter().map(|d| d.to_string()).collect();
            match dims.len() {
                1 => format!("({},) ", dims[0]),
                _ => format!("({}) ", dims.join(",")),
            }
        })
        .collect();
    Raise::value_error(format!(
        "operands could not be broadcast together with shapes {shown}"
    ))
    .with_code(crate::engine::Code::ShapeMismatch)
}

/// `a op= b` on an array: the result is written into `a`, which keeps its shape and dtype
/// (a float result does not fit an integer array: NumPy's `same_kind` casting refuses it).
pub fn in_place(
    it: &mut Interp,
    op: Operator,
    a: &crate::cells::value::NdArray,
    rhs: &Value,
) -> Result<(), Raise> {
    a.check_writable("output array is read-only")?;
    let cur = a.get();
    let out = binary(it, op, &Value::Array(a.clone()), rhs)?;
    let t = out.np_contents().unwrap_or_else(|| cur.clone());
    if t.shape() != cur.shape() {
        return Err(Raise::value_error(format!(
            "non-broadcastable output operand with shape {} doesn't match the broadcast shape {}",
            crate::cells::print::tuple_text(cur.shape()),
            crate::cells::print::tuple_text(t.shape())
        )));
    }
    if super::promote::category(t.dtype()) > super::promote::category(cur.dtype()) {
        return Err(Raise::new(
            crate::cells::raise::RaiseKind::UFuncTypeError,
            format!(
                "Cannot cast ufunc '{}' output from dtype('{}') to dtype('{}') with casting rule 'same_kind'",
                operator_ufunc(op).unwrap_or("matmul"),
                t.dtype().name(),
                cur.dtype().name()
            ),
        ));
    }
    a.set(t.cast(cur.dtype()));
    Ok(())
}
