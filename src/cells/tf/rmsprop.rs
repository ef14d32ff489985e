//! RMSprop's `update_step` (Keras 2.15, `keras/src/optimizers/rmsprop.py`) for a dense
//! gradient, its float ops in the order the Python writes them, so that weights come out as
//! TensorFlow's to the last bit: a Python float hyperparameter meets a tensor as a constant of
//! the variable's dtype, and `tf.math.rsqrt` is TensorFlow's own (not `1 / sqrt`).

use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
use super::super::raise::{Raise, RaiseKind};
use super::super::value::Value;
use super::optimizers::{assign, bin, un};

/// One step's hyperparameters: the learning rate cast to the variable's dtype, and the
/// Python floats as given.
pub(super) struct Step<'a> {
    pub lr: &'a Tensor,
    pub rho: f64,
    pub momentum: f64,
    pub epsilon: f64,
    pub centered: bool,
}

impl Step<'_> {
    /// Updates variable `id` from `grad` (`given` as the cell gave it) and its slots
    /// (velocity, then momentum when the momentum is above 0, then the average gradient when
    /// centered).
    pub fn run(
        &self,
        it: &mut Interp,
        id: &str,
        grad: &Tensor,
        given: &Value,
        slots: &[String],
    ) -> Result<(), Raise> {
        if matches!(given, Value::IndexedSlices(_)) {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                "RMSprop's update of an IndexedSlices gradient (through tf.gather) is outside the cell subset: pass tf.convert_to_tensor(g) to apply it as a dense gradient",
            ));
        }
        let dtype = grad.dtype();
        let py = |x: f64| Tensor::scalar(x, dtype);
        let read = |it: &mut Interp, id: &str| -> Result<Tensor, Raise> {
            it.ws
                .variable(id)
                .map(|v| v.val.tensor.clone())
                .ok_or_else(|| Raise::value_error("the variable no longer exists"))
        };
        let rho = py(self.rho);
        let rest = py(1.0 - self.rho);
        // velocity.assign(rho * velocity + (1 - rho) * tf.square(gradient))
        let velocity = read(it, &slots[0])?;
        let kept = bin(it, "multiply", &rho, &velocity)?;
        let sq = un(it, "square", grad)?;
        let added = bin(it, "multiply", &rest, &sq)?;
        let velocity = bin(it, "add", &kept, &added)?;
        assign(it, &slots[0], "assign", velocity.clone())?;
        let denominator = if self.centered {
            // average_grad.assign(rho * average_grad + (1 - rho) * gradient)
            let at = slots.len() - 1;
            let average = read(it, &slots[at])?;
            let kept = bin(it, "multiply", &rho, &average)?;
            let added = bin(it, "multiply", &rest, grad)?;
            let average = bin(it, "add", &kept, &added)?;
            assign(it, &slots[at], "assign", average.clone())?;
            // velocity - tf.square(average_grad) + epsilon
            let sq = un(it, "square", &average)?;
            let d = bin(it, "subtract", &velocity, &sq)?;
            bin(it, "add", &d, &py(self.epsilon))?
        } else {
            bin(it, "add", &velocity, &py(self.epsilon))?
        };
        // lr * gradient * tf.math.rsqrt(denominator)
        let scaled = bin(it, "multiply", self.lr, grad)?;
        let r = un(it, "rsqrt", &denominator)?;
        let increment = bin(it, "multiply", &scaled, &r)?;
        let step = if self.momentum > 0.0 {
            // momentum.assign(self.momentum * momentum + increment)
            let m = read(it, &slots[1])?;
            let kept = bin(it, "multiply", &py(self.momentum), &m)?;
            let m = bin(it, "add", &kept, &increment)?;
            assign(it, &slots[1], "assign", m.clone())?;
            m
        } else {
            increment
        };
        let neg = un(it, "negative", &step)?;
        assign(it, id, "assign_add", neg)
    }
}
