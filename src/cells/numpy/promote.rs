//! NumPy 1.26's typing: `np.promote_types`, and `np.result_type` with its value-based casting
//! of scalars (Python numbers, NumPy scalars and 0-d arrays): a scalar of the same or a lower
//! kind than the arrays only counts by the smallest type that holds its value, so
//! `float32_array * 2.5` stays float32 while `np.float32(2) * 2.5` is float64.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

/// A NumPy type, wider than the engine's dtypes because value-based casting reasons with
/// `uint8`, `int16` or `float16` before it lands on one of them.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ty {
    Bool,
    Int { signed: bool, bits: u8 },
    Float { bits: u8 },
}

fn ty_of(d: DType) -> Ty {
    match d {
        DType::Bool => Ty::Bool,
        DType::I32 => Ty::Int {
            signed: true,
            bits: 32,
        },
        DType::I64 => Ty::Int {
            signed: true,
            bits: 64,
        },
        DType::F32 => Ty::Float { bits: 32 },
        DType::F64 => Ty::Float { bits: 64 },
    }
}

fn dtype_of(t: Ty) -> DType {
    match t {
        Ty::Bool => DType::Bool,
        Ty::Int { bits, .. } if bits <= 32 => DType::I32,
        Ty::Int { .. } => DType::I64,
        Ty::Float { bits } if bits <= 32 => DType::F32,
        Ty::Float { .. } => DType::F64,
    }
}

/// NumPy's kind order: bool < integer < floating.
pub fn category(d: DType) -> u8 {
    match d {
        DType::Bool => 0,
        DType::I32 | DType::I64 => 1,
        DType::F32 | DType::F64 => 2,
    }
}

fn promote_ty(a: Ty, b: Ty) -> Ty {
    match (a, b) {
        (Ty::Bool, x) | (x, Ty::Bool) => x,
        (Ty::Float { bits: x }, Ty::Float { bits: y }) => Ty::Float { bits: x.max(y) },
        (Ty::Int { bits, .. }, Ty::Float { bits: f })
        | (Ty::Float { bits: f }, Ty::Int { bits, .. }) => {
            // the float that holds every value of the integer type: int8 -> float16, int16 ->
            // float32, wider -> float64
            let need = match bits {
                8 => 16,
                16 => 32,
                _ => 64,
            };
            Ty::Float { bits: f.max(need) }
        }
        (
            Ty::Int {
                signed: sa,
                bits: ba,
            },
            Ty::Int {
                signed: sb,
                bits: bb,
            },
        ) => {
            if sa == sb {
                return Ty::Int {
                    signed: sa,
                    bits: ba.max(bb),
                };
            }
            let (s, u) = if sa { (ba, bb) } else { (bb, ba) };
            if u < s {
                Ty::Int {
                    signed: true,
                    bits: s,
                }
            } else if u < 64 {
                Ty::Int {
                    signed: true,
                    bits: u * 2,
                }
            } else {
                Ty::Float { bits: 64 }
            }
        }
    }
}

/// `np.promote_types(a, b)`.
pub fn promote(a: DType, b: DType) -> DType {
    dtype_of(promote_ty(ty_of(a), ty_of(b)))
}

/// `np.min_scalar_type(x)`: the smallest type that holds the scalar's value.
fn min_scalar_type(t: &Tensor) -> Ty {
    let v = t.to_f64_vec().first().copied().unwrap_or(0.0);
    match category(t.dtype()) {
        0 => Ty::Bool,
        1 => {
            let (signed, bits) = if v >= 0.0 {
                let bits = [8u8, 16, 32, 64]
                    .into_iter()
                    .find(|&b| b == 64 || v < 2f64.powi(i32::from(b)))
                    .unwrap_or(64);
                // NumPy's "small unsigned": a value that fits the signed type of the same
                // size promotes as that signed type
                (v < 2f64.powi(i32::from(bits) - 1), bits)
            } else {
                let bits = [8u8, 16, 32, 64]
                    .into_iter()
                    .find(|&b| b == 64 || v >= -(2f64.powi(i32::from(b) - 1)))
                    .unwrap_or(64);
                (true, bits)
            };
            Ty::Int { signed, bits }
        }
        _ => {
            let bits = if !v.is_finite() || v.abs() <= 65504.0 {
                16
            } else if v.abs() <= f64::from(f32::MAX) {
                32
            } else {
                64
            };
            Ty::Float { bits }
        }
    }
}

/// An operand of a NumPy operation: its values as an array and whether it is a scalar
/// (a Python number, a NumPy scalar or a 0-d array), which value-based casting looks at.
pub struct Operand {
    pub tensor: Tensor,
    pub scalar: bool,
}

/// `np.result_type(*operands)` as NumPy 1.26 computes it.
pub fn result_type(ops: &[&Operand]) -> DType {
    let all = || ops.iter().map(|o| o.tensor.dtype());
    let arrays: Vec<DType> = ops
        .iter()
        .filter(|o| !o.scalar)
        .map(|o| o.tensor.dtype())
        .collect();
    let max_cat = |it: &mut dyn Iterator<Item = DType>| it.map(category).max();
    let scalar_cat = max_cat(&mut ops.iter().filter(|o| o.scalar).map(|o| o.tensor.dtype()));
    let array_cat = max_cat(&mut arrays.iter().copied());
    let full = || all().reduce(promote).unwrap_or(DType::F64);
    match (array_cat, scalar_cat) {
        (None, _) | (_, None) => full(),
        (Some(a), Some(s)) if s > a => full(),
        _ => {
            let tys = ops.iter().map(|o| {
                if o.scalar {
                    min_scalar_type(&o.tensor)
                } else {
                    ty_of(o.tensor.dtype())
                }
            });
            tys.reduce(promote_ty).map_or(DType::F64, dtype_of)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arr(d: DType) -> Operand {
        Operand {
            tensor: Tensor::full(&[2], 1.0, d),
            scalar: false,
        }
    }
    fn sc(v: f64, d: DType) -> Operand {
        Operand {
            tensor: Tensor::scalar(v, d),
            scalar: true,
        }
    }

    #[test]
    fn value_based_casting_follows_numpy_1_26() {
        use DType::*;
        // float32 array with a Python float stays float32; with an int array it is float64
        assert_eq!(result_type(&[&arr(F32), &sc(2.5, F64)]), F32);
        assert_eq!(result_type(&[&arr(I32), &sc(2.5, F64)]), F64);
        // int32 array with a small int stays int32, with 2**40 becomes int64
        assert_eq!(result_type(&[&arr(I32), &sc(3.0, I64)]), I32);
        assert_eq!(result_type(&[&arr(I32), &sc(2f64.powi(40), I64)]), I64);
        // float32 array with an int that needs 32 bits: float64 (promote(float32, uint32))
        assert_eq!(result_type(&[&arr(F32), &sc(100_000.0, I64)]), F64);
        assert_eq!(result_type(&[&arr(F32), &sc(1000.0, I64)]), F32);
        // scalars alone promote by their types: np.float32 * 3 is float64
        assert_eq!(result_type(&[&sc(0.1, F32), &sc(3.0, I64)]), F64);
        assert_eq!(result_type(&[&sc(0.1, F32), &sc(3.0, F32)]), F32);
        // arrays alone: float32 with float64 is float64, bool with int64 is int64
        assert_eq!(result_type(&[&arr(F32), &arr(F64)]), F64);
        assert_eq!(result_type(&[&arr(Bool), &sc(1.0, I64)]), I64);
    }
}
