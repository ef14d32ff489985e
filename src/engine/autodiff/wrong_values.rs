//! The values of a backward pass whose output gradients are of another shape than their
//! targets and whose gradients come out in other shapes than their sources (`wrong_cotangent`
//! found that nothing raises). TensorFlow answers such a call: each recorded op's gradient
//! function runs on whatever arrives, and this runs those functions as TensorFlow 2.15 writes
//! them for the ops whose functions pass a wrong shape on (`x * 2` with `[1., 2., 3.]` for a
//! target of shape `[2]` gives `[2., 4., 6.]`: Mul's function multiplies the skipped scalar
//! in and reduces nothing). An op whose function is not written here leaves the call refused.
//! A gradient of the op's own output shape runs the op's ordinary VJP.

use smallvec::SmallVec;

use super::{Ctx, Entry, IdMap, IdSet, Val};
use crate::engine::error::Error;
use crate::engine::ops::{
    broadcast_gradient_args, Binary, GradientForm, Logic, Op, Reduce, ReduceKind, ShapeOp, Unary,
};
use crate::engine::tensor::Tensor;

/// Why the values are not computed: an op on the way whose function is not written here, or
/// a kernel that raised where the walk over shapes found none would (the call stays refused).
pub(super) enum Missing {
    Unwritten,
    Raised,
}

impl From<Error> for Missing {
    fn from(_: Error) -> Missing {
        Missing::Raised
    }
}

impl Ctx {
    /// Each source's gradient (None where none arrives) for output gradients `ogs`, any of
    /// which may be of another shape than its target.
    pub(super) fn backprop_wrong_shapes(
        &mut self,
        entries: &[Entry],
        traced: &IdSet,
        targets: &[Val],
        sources: &[Val],
        ogs: &[Tensor],
    ) -> std::result::Result<Vec<Option<Val>>, Missing> {
        // TensorFlow skips (`skip_input_indices`) an input that is neither traced nor a source
        let needed = |v: &Val| traced.contains(&v.id) || sources.iter().any(|s| s.id == v.id);
        let mut grads: IdMap<Val> = IdMap::default();
        for (og, t) in ogs.iter().zip(targets) {
            let og = match t.tensor.dtype().is_float() {
                true => og.cast(t.tensor.dtype()),
                false => og.clone(),
            };
            let og = self.constant(og);
            self.accumulate(&mut grads, t.id, og)?;
        }
        for e in entries.iter().rev() {
            let Some(g) = grads.remove(&e.output.id) else {
                continue;
            };
            // a target computed from others keeps its own gradient for a source that is it
            if sources.iter().any(|s| s.id == e.output.id) {
                grads.insert(e.output.id, g.clone());
            }
            if !e.op.differentiable() {
                continue;
            }
            let inputs: SmallVec<[&Val; 4]> = e.inputs.iter().collect();
            let needs: SmallVec<[bool; 4]> = e.inputs.iter().map(needed).collect();
            let passed = if g.tensor.shape() == e.output.tensor.shape() {
                e.op.vjp(self, &inputs, &e.output, &g, &needs)?
            } else {
                self.wrong_vjp(&e.op, &inputs, &e.output, &g, &needs)?
            };
            for ((input, need), ig) in e.inputs.iter().zip(&needs).zip(passed) {
                if let (true, Some(ig)) = (*need, ig) {
                    self.accumulate(&mut grads, input.id, ig)?;
                }
            }
        }
        Ok(sources.iter().map(|s| grads.get(&s.id).cloned()).collect())
    }

    /// What an op's TensorFlow gradient function passes on from `g`, of another shape than
    /// the op's output.
    fn wrong_vjp(
        &mut self,
        op: &Op,
        inputs: &[&Val],
        out: &Val,
        g: &Val,
        needs: &[bool],
    ) -> std::result::Result<Vec<Option<Val>>, Missing> {
        let x = inputs[0];
        let out_shape = out.tensor.shape().to_vec();
        let same_count = g.tensor.len() == out.tensor.len();
        Ok(match op {
            Op::Unary(u) => vec![Some(match u.gradient_form() {
                GradientForm::Passes if *u == Unary::Negative => self.neg(g)?,
                GradientForm::Passes => g.clone(),
                GradientForm::Zeros => self.zeros_like(x),
                // grad * f'(x), broadcasting: f'(x) is the VJP of ones
                GradientForm::Product | GradientForm::Broadcasts => {
                    let ones = self.constant(Tensor::full(&out_shape, 1.0, out.tensor.dtype()));
                    let Some(Some(d)) = op.vjp(self, inputs, out, &ones, needs)?.pop() else {
                        return Err(Missing::Unwritten);
                    };
                    self.mul(g, &d)?
                }
                // the fused kernel reads the gradient's elements in the output's shape
                GradientForm::FusedOnOutput if same_count => {
                    let g = self.reshape(g, &out_shape)?;
                    return Ok(op.vjp(self, inputs, out, &g, needs)?);
                }
                _ => return Err(Missing::Unwritten),
            })],
            Op::Logic(Logic::Cast(_)) if x.tensor.dtype().is_float() => {
                vec![Some(self.cast(g, x.tensor.dtype())?)]
            }
            Op::Shape(ShapeOp::Reshape { .. } | ShapeOp::ExpandDims { .. })
            | Op::Shape(ShapeOp::Squeeze { .. }) => {
                vec![Some(self.reshape(g, x.tensor.shape())?)]
            }
            // a sum or mean's function reshapes the gradient to the kept shape first
            Op::Reduce(Reduce::Over {
                kind: ReduceKind::Sum | ReduceKind::Mean,
                ..
            }) if same_count => {
                let g = self.reshape(g, &out_shape)?;
                op.vjp(self, inputs, out, &g, needs)?
            }
            Op::Binary(b) => self.wrong_binary(*b, inputs, g, needs)?,
            _ => return Err(Missing::Unwritten),
        })
    }

    /// Add, Sub and Mul as `math_grad.py` runs them eagerly: with a skipped scalar `y`, the
    /// gradient (times `y`) as it is; else each input's share summed over
    /// `BroadcastGradientArgs`' axes of the inputs' shapes and reshaped to the input.
    fn wrong_binary(
        &mut self,
        b: Binary,
        inputs: &[&Val],
        g: &Val,
        needs: &[bool],
    ) -> std::result::Result<Vec<Option<Val>>, Missing> {
        let (x, y) = (inputs[0], inputs[1]);
        if b == Binary::AddN {
            return Ok(vec![Some(g.clone()), Some(g.clone())]);
        }
        if !needs[1] && y.tensor.rank() == 0 {
            let gx = match b {
                Binary::Add | Binary::Sub => g.clone(),
                Binary::Mul => self.mul(g, y)?,
                _ => return Err(Missing::Unwritten),
            };
            return Ok(vec![Some(gx), None]);
        }
        let (sx, sy) = (x.tensor.shape().to_vec(), y.tensor.shape().to_vec());
        let (rx, ry) = broadcast_gradient_args(&sx, &sy);
        let mut passed = vec![None, None];
        for (k, (axes, shape)) in [(rx, sx), (ry, sy)].into_iter().enumerate() {
            if !needs[k] {
                continue;
            }
            let share = match (b, k) {
                (Binary::Add, _) | (Binary::Sub, 0) => g.clone(),
                (Binary::Sub, _) => self.neg(g)?,
                (Binary::Mul, 0) => self.mul(g, y)?,
                (Binary::Mul, _) => self.mul(x, g)?,
                _ => return Err(Missing::Unwritten),
            };
            let summed = match axes.is_empty() {
                true => share,
                false => self.reduce_sum(&share, &axes, false)?,
            };
            passed[k] = Some(self.reshape(&summed, &shape)?);
        }
        Ok(passed)
    }
}
