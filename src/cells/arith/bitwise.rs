//! `&`, `|`, `^` and `~` on tensors and arrays: logical on booleans, bitwise on integers, as
//! TensorFlow's overloads (LogicalAnd, BitwiseAnd, ...) and NumPy's ufuncs compute them; `<<`
//! and `>>` on integer arrays (NumPy's; TensorFlow's tensors have no shift operators). Floats
//! have none; each caller raises its library's error for them. No gradient flows through.

use ruff_python_ast::Operator;

use crate::engine::dtype::DType;
use crate::engine::kernels::broadcast_shape;
use crate::engine::tensor::Tensor;

use super::broadcast_vals;
use crate::cells::raise::{Raise, RaiseKind};

/// Whether `op` is one of the three bitwise operators.
pub fn is_bitwise(op: Operator) -> bool {
    matches!(op, Operator::BitAnd | Operator::BitOr | Operator::BitXor)
}

/// `a op b` for two tensors of one bool or integer dtype (integer for the shifts), broadcast.
pub fn binary(op: Operator, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let shape = broadcast_shape(a.shape(), b.shape()).ok_or_else(|| {
        Raise::new(
            RaiseKind::InvalidArgumentError,
            format!("Incompatible shapes: {:?} vs. {:?}", a.shape(), b.shape()),
        )
    })?;
    let (x, y) = (broadcast_vals(a, &shape), broadcast_vals(b, &shape));
    let bits = if a.dtype() == DType::I32 { 32 } else { 64 };
    let out: Vec<f64> = x
        .iter()
        .zip(&y)
        .map(|(&p, &q)| {
            let (p, q) = (p as i64, q as i64);
            (match op {
                Operator::BitAnd => p & q,
                Operator::BitOr => p | q,
                Operator::LShift => shift(p, q, bits, true),
                Operator::RShift => shift(p, q, bits, false),
                _ => p ^ q,
            }) as f64
        })
        .collect();
    Ok(Tensor::from_f64s(&shape, &out, a.dtype())?)
}

/// NumPy's `npy_lshift`/`npy_rshift` in a `bits`-wide integer: a shift by the width or more
/// (a negative one reads as a huge unsigned count) leaves 0, or -1 for a negative `>>`.
fn shift(p: i64, q: i64, bits: i64, left: bool) -> i64 {
    let wide = !(0..bits).contains(&q);
    match (left, wide) {
        (true, true) => 0,
        // the shifted bits past the width are dropped, then the value read back as signed
        (true, false) if bits == 32 => i64::from(((p as i32 as u32) << q) as i32),
        (true, false) => ((p as u64) << q) as i64,
        (false, true) => i64::from(p < 0).wrapping_neg(),
        (false, false) => p >> q,
    }
}

/// `~t` for a bool or integer tensor: `not` on booleans, `-x - 1` on integers.
pub fn invert(t: &Tensor) -> Result<Tensor, Raise> {
    let flipped: Vec<f64> = t
        .to_f64_vec()
        .iter()
        .map(|&x| match t.dtype() {
            DType::Bool => f64::from(u8::from(x == 0.0)),
            _ => -x - 1.0,
        })
        .collect();
    Ok(Tensor::from_f64s(t.shape(), &flipped, t.dtype())?)
}
