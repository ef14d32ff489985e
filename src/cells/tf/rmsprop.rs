//! RMSprop's `update_step` (Keras 2.15, `keras/src/optimizers/rmsprop.py`) for a dense
//! gradient and for an IndexedSlices one (rows scattered in one at a time, as
//! ResourceScatterAdd adds them), its float ops in the order the Python writes them, so that weights come out as
//! TensorFlow's to the last bit: a Python float hyperparameter meets a tensor as a constant of
//! the variable's dtype, and `tf.math.rsqrt` is TensorFlow's own (not `1 / sqrt`).

use crate::engine::tensor::Tensor;

use super::super::interp::Interp;
use super::super::keras_object::Hyper;
use super::super::raise::Raise;
use super::super::value::Value;
use super::optimizers::{assign, bin, un};

/// One step's hyperparameters: the learning rate cast to the variable's dtype, and the
/// others as given.
pub(super) struct Step<'a> {
    pub lr: &'a Tensor,
    pub rho: &'a Hyper,
    pub momentum: &'a Hyper,
    pub epsilon: &'a Hyper,
    pub centered: bool,
}

impl Step<'_> {
    /// Updates variable `id` from `grad` (`given` as the cell gave it) and its slots as `build`
    /// made them (velocity, then momentum when the momentum was above 0, then the average
    /// gradient when centered).
    pub fn run(
        &self,
        it: &mut Interp,
        id: &str,
        grad: &Tensor,
        given: &Value,
        slots: &[String],
    ) -> Result<(), Raise> {
        let slots = &self.slots_in_use(it, id, slots)?;
        if let Value::IndexedSlices(slices) = given {
            // Keras's _deduplicate_sparse_grad: a repeated index's rows summed in order
            // (unsorted_segment_sum), which the dense gradient's rows hold, at the indices
            // in the order they first appear (tf.unique)
            let mut unique: Vec<i64> = Vec::new();
            for k in slices.indices.as_indices().unwrap_or_default() {
                if !unique.contains(&k) {
                    unique.push(k);
                }
            }
            let values = gather_rows(&slices.dense.tensor, &unique)?;
            return self.run_sparse(it, id, &values, &unique, slots);
        }
        let dtype = grad.dtype();
        let rho = self.rho.operand(dtype);
        let rest = self.rho.one_minus(dtype);
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
            bin(it, "add", &d, &self.epsilon.operand(dtype))?
        } else {
            bin(it, "add", &velocity, &self.epsilon.operand(dtype))?
        };
        // lr * gradient * tf.math.rsqrt(denominator)
        let scaled = bin(it, "multiply", self.lr, grad)?;
        let r = un(it, "rsqrt", &denominator)?;
        let increment = bin(it, "multiply", &scaled, &r)?;
        let step = if self.momentum.number() > 0.0 {
            // momentum.assign(self.momentum * momentum + increment)
            let m = read(it, &slots[1])?;
            let kept = bin(it, "multiply", &self.momentum.operand(dtype), &m)?;
            let m = bin(it, "add", &kept, &increment)?;
            assign(it, &slots[1], "assign", m.clone())?;
            m
        } else {
            increment
        };
        let neg = un(it, "negative", &step)?;
        assign(it, id, "assign_add", neg)
    }

    /// The slots this step reads, as Keras's `update_step` indexes its lists: velocity, then the
    /// momentum when the momentum is above 0, then the average gradient when centered. `momentum`
    /// or `centered` set after `build` can ask for a list `build` left empty (Keras's
    /// `self._momentums[...]`, an IndexError) or leave a built slot unread.
    fn slots_in_use(&self, it: &Interp, id: &str, slots: &[String]) -> Result<Vec<String>, Raise> {
        // a slot's name is `{scope}/{kind}/{the variable's name}`
        let shared = it
            .ws
            .variable(id)
            .map(|v| v.given_name().to_string())
            .unwrap_or_default();
        let built = |kind: &str| {
            let tail = format!("/{kind}/{shared}");
            slots[1..].iter().find(|sid| {
                it.ws
                    .variable(sid)
                    .is_some_and(|v| v.given_name().ends_with(&tail))
            })
        };
        let mut used = vec![slots[0].clone()];
        for (wanted, kind) in [
            (self.momentum.number() > 0.0, "momentum"),
            (self.centered, "average_gradient"),
        ] {
            if wanted {
                let sid =
                    built(kind).ok_or_else(|| Raise::index_error("list index out of range"))?;
                used.push(sid.clone());
            }
        }
        Ok(used)
    }

    /// Keras's sparse branch: the slots decay whole, then the rows of the gradient are
    /// scattered in; the increment reads the denominator's rows at the gradient's indices.
    fn run_sparse(
        &self,
        it: &mut Interp,
        id: &str,
        values: &Tensor,
        at: &[i64],
        slots: &[String],
    ) -> Result<(), Raise> {
        let dtype = values.dtype();
        let (rho, rest) = (self.rho.operand(dtype), self.rho.one_minus(dtype));
        // velocity.assign(rho * velocity); velocity.scatter_add(square(values) * (1 - rho))
        let velocity = read(it, &slots[0])?;
        let velocity = bin(it, "multiply", &rho, &velocity)?;
        let sq = un(it, "square", values)?;
        let rows = bin(it, "multiply", &sq, &rest)?;
        let velocity = scatter_add(&velocity, at, &rows)?;
        assign(it, &slots[0], "assign", velocity.clone())?;
        let denominator = if self.centered {
            let k = slots.len() - 1;
            let average = read(it, &slots[k])?;
            let average = bin(it, "multiply", &rho, &average)?;
            let rows = bin(it, "multiply", values, &rest)?;
            let average = scatter_add(&average, at, &rows)?;
            assign(it, &slots[k], "assign", average.clone())?;
            let sq = un(it, "square", &average)?;
            let d = bin(it, "subtract", &velocity, &sq)?;
            bin(it, "add", &d, &self.epsilon.operand(dtype))?
        } else {
            bin(it, "add", &velocity, &self.epsilon.operand(dtype))?
        };
        // lr * gradient.values * tf.math.rsqrt(tf.gather(denominator, gradient.indices))
        let picked = gather_rows(&denominator, at)?;
        let scaled = bin(it, "multiply", self.lr, values)?;
        let r = un(it, "rsqrt", &picked)?;
        let increment = bin(it, "multiply", &scaled, &r)?;
        if self.momentum.number() > 0.0 {
            // momentum.assign(self.momentum * momentum); momentum.scatter_add(increment)
            let m = read(it, &slots[1])?;
            let m = bin(it, "multiply", &self.momentum.operand(dtype), &m)?;
            let m = scatter_add(&m, at, &increment)?;
            assign(it, &slots[1], "assign", m.clone())?;
            let neg = un(it, "negative", &m)?;
            assign(it, id, "assign_add", neg)
        } else {
            // variable.scatter_add(-increment)
            let neg = un(it, "negative", &increment)?;
            let var = read(it, id)?;
            let var = scatter_add(&var, at, &neg)?;
            assign(it, id, "assign", var)
        }
    }
}

fn read(it: &mut Interp, id: &str) -> Result<Tensor, Raise> {
    it.ws
        .variable(id)
        .map(|v| v.val.tensor.as_ref().clone())
        .ok_or_else(|| Raise::value_error("the variable no longer exists"))
}

/// ResourceScatterAdd: each row of `rows` added into `base`'s row at its index, one after
/// another (a repeated index adds twice). Each sum is one rounding to the dtype: float64
/// holds a float32 sum exactly before it is rounded.
fn scatter_add(base: &Tensor, at: &[i64], rows: &Tensor) -> Result<Tensor, Raise> {
    let dtype = base.dtype();
    let width = base.len() / base.shape().first().copied().unwrap_or(1).max(1);
    let mut out = base.to_f64_vec();
    let add = rows.to_f64_vec();
    for (i, &k) in at.iter().enumerate() {
        for j in 0..width {
            let sum = out[k as usize * width + j] + add[i * width + j];
            out[k as usize * width + j] = match dtype {
                crate::engine::dtype::DType::F32 => f64::from(sum as f32),
                _ => sum,
            };
        }
    }
    Ok(Tensor::from_f64s(base.shape(), &out, dtype)?)
}

/// `tf.gather(t, at)`: `t`'s rows at the indices.
fn gather_rows(t: &Tensor, at: &[i64]) -> Result<Tensor, Raise> {
    let width = t.len() / t.shape().first().copied().unwrap_or(1).max(1);
    let vals = t.to_f64_vec();
    let mut out = Vec::with_capacity(at.len() * width);
    for &k in at {
        out.extend_from_slice(&vals[k as usize * width..(k as usize + 1) * width]);
    }
    let mut shape = t.shape().to_vec();
    if let Some(first) = shape.first_mut() {
        *first = at.len();
    }
    Ok(Tensor::from_f64s(&shape, &out, t.dtype())?)
}
