//! Comparisons, logic, `where` and `cast`. Only `where` (in x and y) and float-to-float
//! `cast` carry gradients; the rest have none, as in TensorFlow.

use super::binary::check_operands;
use super::Attrs;
use super::VjpArgs;
use crate::engine::autodiff::{Ctx, Val};
use crate::engine::dtype::DType;
use crate::engine::error::{dtype_err, shape_err, Result};
use crate::engine::kernels::{broadcast_shape, zip2, zip3};
use crate::engine::tensor::{Elem, Tensor};

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Compare {
    Greater,
    GreaterEqual,
    Less,
    LessEqual,
    Equal,
    NotEqual,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Logic {
    Compare(Compare),
    And,
    Or,
    Not,
    Where,
    Cast(DType),
}

impl Logic {
    pub fn parse(name: &str, attrs: &Attrs) -> Result<Option<Logic>> {
        Ok(Some(match name {
            "greater" => Logic::Compare(Compare::Greater),
            "greater_equal" => Logic::Compare(Compare::GreaterEqual),
            "less" => Logic::Compare(Compare::Less),
            "less_equal" => Logic::Compare(Compare::LessEqual),
            "equal" => Logic::Compare(Compare::Equal),
            "not_equal" => Logic::Compare(Compare::NotEqual),
            "logical_and" => Logic::And,
            "logical_or" => Logic::Or,
            "logical_not" => Logic::Not,
            "where" => Logic::Where,
            "cast" => Logic::Cast(attrs.dtype("dtype")?.ok_or_else(|| {
                crate::engine::error::arg_err(
                    "cast needs \"dtype\": one of float32, float64, int32, int64, bool",
                )
            })?),
            _ => return Ok(None),
        }))
    }

    pub fn name(&self) -> &'static str {
        match self {
            Logic::Compare(Compare::Greater) => "greater",
            Logic::Compare(Compare::GreaterEqual) => "greater_equal",
            Logic::Compare(Compare::Less) => "less",
            Logic::Compare(Compare::LessEqual) => "less_equal",
            Logic::Compare(Compare::Equal) => "equal",
            Logic::Compare(Compare::NotEqual) => "not_equal",
            Logic::And => "logical_and",
            Logic::Or => "logical_or",
            Logic::Not => "logical_not",
            Logic::Where => "where",
            Logic::Cast(_) => "cast",
        }
    }

    pub fn arity(&self) -> (usize, usize) {
        match self {
            Logic::Not | Logic::Cast(_) => (1, 1),
            Logic::Where => (3, 3),
            _ => (2, 2),
        }
    }

    pub fn differentiable(&self) -> bool {
        matches!(self, Logic::Where | Logic::Cast(_))
    }

    pub fn forward(&self, ins: &[&Tensor]) -> Result<Tensor> {
        match self {
            Logic::Compare(c) => compare(*c, self.name(), ins[0], ins[1]),
            Logic::And | Logic::Or => {
                // the kernel's bool check comes before its broadcast
                let (Some(a), Some(b)) = (ins[0].as_bool(), ins[1].as_bool()) else {
                    let culprit = if ins[0].as_bool().is_some() {
                        ins[1]
                    } else {
                        ins[0]
                    };
                    return Err(bool_only(self.name(), culprit));
                };
                let shape = check_operands(self.name(), ins[0], ins[1])?;
                let and = *self == Logic::And;
                Ok(Tensor::from_array(zip2(a, b, &shape, |x, y| {
                    if and {
                        x && y
                    } else {
                        x || y
                    }
                })))
            }
            Logic::Not => {
                let a = ins[0]
                    .as_bool()
                    .ok_or_else(|| bool_only("logical_not", ins[0]))?;
                Ok(Tensor::from_array(a.mapv(|x| !x)))
            }
            Logic::Where => select(ins[0], ins[1], ins[2]),
            Logic::Cast(d) => Ok(ins[0].cast(*d)),
        }
    }

    pub fn vjp(&self, ctx: &mut Ctx, args: &VjpArgs) -> Result<Vec<Option<Val>>> {
        let (ins, g, lead) = (args.inputs, args.g, args.lead);
        match self {
            // cast back to the source float dtype; integer ends have no gradient
            Logic::Cast(_) => {
                let src = ins[0].tensor.dtype();
                Ok(vec![if src.is_float() {
                    Some(ctx.cast(g, src)?)
                } else {
                    None
                }])
            }
            // where(c, x, y): the gradient goes to x where c holds, to y elsewhere
            Logic::Where => {
                let zeros = ctx.zeros_like(g);
                let gx = ctx.select(ins[0], g, &zeros)?;
                let gy = ctx.select(ins[0], &zeros, g)?;
                Ok(vec![
                    None,
                    Some(ctx.unbroadcast(&gx, ins[1].tensor.shape(), lead)?),
                    Some(ctx.unbroadcast(&gy, ins[2].tensor.shape(), lead)?),
                ])
            }
            _ => Ok(vec![None; ins.len()]),
        }
    }
}

fn bool_only(op: &str, t: &Tensor) -> crate::engine::error::Error {
    dtype_err(format!(
        "{op} of {}: {op} takes bool tensors (compare first, or cast to bool)",
        t.describe()
    ))
}

fn compare(c: Compare, name: &str, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let shape = check_operands(name, a, b)?;
    fn cmp<T: Elem>(
        c: Compare,
        a: &crate::engine::tensor::Arr<T>,
        b: &crate::engine::tensor::Arr<T>,
        s: &[usize],
    ) -> Tensor {
        Tensor::from_array(match c {
            Compare::Greater => zip2(a, b, s, |x, y| x > y),
            Compare::GreaterEqual => zip2(a, b, s, |x, y| x >= y),
            Compare::Less => zip2(a, b, s, |x, y| x < y),
            Compare::LessEqual => zip2(a, b, s, |x, y| x <= y),
            Compare::Equal => zip2(a, b, s, |x, y| x == y),
            Compare::NotEqual => zip2(a, b, s, |x, y| x != y),
        })
    }
    Ok(match (a, b) {
        (Tensor::F32(x), Tensor::F32(y)) => cmp(c, x, y, &shape),
        (Tensor::F64(x), Tensor::F64(y)) => cmp(c, x, y, &shape),
        (Tensor::I32(x), Tensor::I32(y)) => cmp(c, x, y, &shape),
        (Tensor::I64(x), Tensor::I64(y)) => cmp(c, x, y, &shape),
        (Tensor::Bool(x), Tensor::Bool(y)) if matches!(c, Compare::Equal | Compare::NotEqual) => {
            cmp(c, x, y, &shape)
        }
        _ => {
            return Err(dtype_err(format!(
                "{name} of {} and {}: ordering comparisons take numbers, not bool",
                a.describe(),
                b.describe()
            )))
        }
    })
}

/// `tf.where(c, x, y)` (where_v2): all three broadcast together.
fn select(c: &Tensor, x: &Tensor, y: &Tensor) -> Result<Tensor> {
    let cond = c.as_bool().ok_or_else(|| {
        dtype_err(format!(
            "where: the condition is {}; it must be bool (compare first, e.g. greater(x, 0))",
            c.describe()
        ))
    })?;
    if x.dtype() != y.dtype() {
        return Err(dtype_err(format!(
            "where of {} and {}: x and y must have one dtype (TensorFlow does not convert; add a cast)",
            x.describe(),
            y.describe()
        )));
    }
    let shape = broadcast_shape(c.shape(), x.shape())
        .and_then(|s| broadcast_shape(&s, y.shape()))
        .ok_or_else(|| {
            shape_err(format!(
                "where: condition {:?}, x {:?} and y {:?} do not broadcast together",
                c.shape(),
                x.shape(),
                y.shape()
            ))
        })?;
    fn pick<T>(k: bool, p: T, q: T) -> T {
        if k {
            p
        } else {
            q
        }
    }
    Ok(match (x, y) {
        (Tensor::F32(a), Tensor::F32(b)) => Tensor::from_array(zip3(cond, a, b, &shape, pick)),
        (Tensor::F64(a), Tensor::F64(b)) => Tensor::from_array(zip3(cond, a, b, &shape, pick)),
        (Tensor::I32(a), Tensor::I32(b)) => Tensor::from_array(zip3(cond, a, b, &shape, pick)),
        (Tensor::I64(a), Tensor::I64(b)) => Tensor::from_array(zip3(cond, a, b, &shape, pick)),
        (Tensor::Bool(a), Tensor::Bool(b)) => Tensor::from_array(zip3(cond, a, b, &shape, pick)),
        _ => unreachable!("dtypes checked equal"),
    })
}
