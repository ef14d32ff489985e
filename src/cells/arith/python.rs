//! Python's own arithmetic on ints, floats, bools and sequences (repetition), with its
//! overflow and zero-division errors.

use ruff_python_ast::Operator;

use super::*;
use crate::cells::format::py::float_repr;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::{lock, Value};

pub(super) fn repeat(it: &mut Interp, seq: &Value, n: i64) -> Result<Value, Raise> {
    let n = n.max(0) as usize;
    let len = match seq {
        Value::Str(s) => s.len(),
        other => other.seq_len().unwrap_or(0),
    };
    if len.saturating_mul(n) > 1 << 20 {
        return Err(Raise::new(
            RaiseKind::LimitExceeded,
            "a repeated sequence in a cell holds at most 1048576 items",
        ));
    }
    match seq {
        Value::Str(_) => it.room_for_str(len * n)?,
        Value::List(_) => it.room_for_items("list", len * n)?,
        _ => it.room_for_items("tuple", len * n)?,
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

pub(super) fn num(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        _ => f64::NAN,
    }
}

/// Python's order of two numbers (ints, floats, bools), exact as CPython's: ints compare as
/// integers and an int with a float by their exact values, never through a float64 rounding
/// (`2**53 + 1 > 2**53` is True). None when a NaN is involved.
pub(super) fn num_cmp(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (int(a), int(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        (Some(x), None) => int_float_cmp(x, num(b)),
        (None, Some(y)) => int_float_cmp(y, num(a)).map(std::cmp::Ordering::reverse),
        (None, None) => num(a).partial_cmp(&num(b)),
    }
}

/// An int against a float by exact value: rounding an int to float64 keeps order (it is
/// monotone), so only a tie needs the float read back as an integer, which it then is.
fn int_float_cmp(i: i64, f: f64) -> Option<std::cmp::Ordering> {
    match (i as f64).partial_cmp(&f)? {
        std::cmp::Ordering::Equal => Some(i128::from(i).cmp(&(f as i128))),
        o => Some(o),
    }
}

pub(super) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

pub fn overflow() -> Raise {
    Raise::new(
        RaiseKind::ValueError,
        "integer result too large: cells compute with 64-bit integers",
    )
}

/// Python's arithmetic on ints, floats and bools.
pub fn py_arith(op: Operator, l: &Value, r: &Value) -> Result<Value, Raise> {
    // bool's own &, | and ^ stay bools (True & False is False); with an int they are ints
    if let (Value::Bool(a), Value::Bool(b)) = (l, r) {
        match op {
            Operator::BitAnd => return Ok(Value::Bool(a & b)),
            Operator::BitOr => return Ok(Value::Bool(a | b)),
            Operator::BitXor => return Ok(Value::Bool(a ^ b)),
            _ => {}
        }
    }
    match (int(l), int(r)) {
        (Some(a), Some(b)) => int_arith(op, a, b, l, r),
        _ => float_arith(op, num(l), num(r), l, r),
    }
}

fn zero_division(msg: &str) -> Raise {
    Raise::new(RaiseKind::ZeroDivisionError, msg.to_string())
}

/// `a op b` on two ints (bools count as ints): an int, but a float for `/` and a negative
/// power; 64 bits, past which it raises rather than grow as Python's ints do.
fn int_arith(op: Operator, a: i64, b: i64, l: &Value, r: &Value) -> Result<Value, Raise> {
    Ok(Value::Int(match op {
        Operator::Add => a.checked_add(b).ok_or_else(overflow)?,
        Operator::Sub => a.checked_sub(b).ok_or_else(overflow)?,
        Operator::Mult => a.checked_mul(b).ok_or_else(overflow)?,
        Operator::Div => {
            if b == 0 {
                return Err(zero_division("division by zero"));
            }
            return Ok(Value::Float(a as f64 / b as f64));
        }
        Operator::FloorDiv => {
            if b == 0 {
                return Err(zero_division("integer division or modulo by zero"));
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
                return Err(zero_division("integer division or modulo by zero"));
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
                    return Err(zero_division("0.0 cannot be raised to a negative power"));
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
    }))
}

/// `a op b` once either side is a float.
fn float_arith(op: Operator, a: f64, b: f64, l: &Value, r: &Value) -> Result<Value, Raise> {
    Ok(Value::Float(match op {
        Operator::Add => a + b,
        Operator::Sub => a - b,
        Operator::Mult => a * b,
        Operator::Div => {
            if b == 0.0 {
                return Err(zero_division("float division by zero"));
            }
            a / b
        }
        Operator::FloorDiv => {
            if b == 0.0 {
                return Err(zero_division("float floor division by zero"));
            }
            (a / b).floor()
        }
        Operator::Mod => {
            if b == 0.0 {
                return Err(zero_division("float modulo"));
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
                return Err(zero_division("0.0 cannot be raised to a negative power"));
            }
            // Python answers a complex number here, which no cell can hold: raising is better
            // than the NaN that powf gives, which would flow on unseen
            if a < 0.0 && a.is_finite() && b.is_finite() && b.fract() != 0.0 {
                return Err(Raise::new(
                    RaiseKind::ValueError,
                    format!(
                        "negative number cannot be raised to a fractional power: Python's ({}) ** {} is a complex number, and complex numbers are not available in a cell (an odd root of a negative number is minus the root of its magnitude: -(8 ** (1 / 3)))",
                        float_repr(a),
                        float_repr(b)
                    ),
                ));
            }
            let p = a.powf(b);
            // Python's float pow reports a finite base and exponent that overflow (C's ERANGE)
            if p.is_infinite() && a.is_finite() && b.is_finite() {
                return Err(Raise::new(
                    RaiseKind::OverflowError,
                    "(34, 'Numerical result out of range')",
                ));
            }
            p
        }
        _ => return Err(unsupported(op_symbol(op), l, r)),
    }))
}
