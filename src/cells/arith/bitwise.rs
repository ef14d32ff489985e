//! `&`, `|`, `^` and `~` on tensors and arrays: logical on booleans, bitwise on integers, as
//! TensorFlow's overloads (LogicalAnd, BitwiseAnd, ...) and NumPy's ufuncs compute them. Floats
//! have neither; each caller raises its library's error for them. No gradient flows through.

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

/// `a op b` for two tensors of one bool or integer dtype, broadcast.
pub fn binary(op: Operator, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let shape = broadcast_shape(a.shape(), b.shape()).ok_or_else(|| {
        Raise::new(
            RaiseKind::InvalidArgumentError,
            format!("Incompatible shapes: {:?} vs. {:?}", a.shape(), b.shape()),
        )
    })?;
    let (x, y) = (broadcast_vals(a, &shape), broadcast_vals(b, &shape));
    let out: Vec<f64> = x
        .iter()
        .zip(&y)
        .map(|(&p, &q)| {
            let (p, q) = (p as i64, q as i64);
            (match op {
                Operator::BitAnd => p & q,
                Operator::BitOr => p | q,
                _ => p ^ q,
            }) as f64
        })
        .collect();
    Ok(Tensor::from_f64s(&shape, &out, a.dtype())?)
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
