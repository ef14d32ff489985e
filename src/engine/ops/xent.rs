//! The shapes of softmax_cross_entropy_with_logits as TensorFlow 2.15's Python wrapper builds
//! them: the class axis moved last in both tensors (a permutation of the logits' rank), both
//! flattened to `[rows, classes]`, the kernel broadcasting the two matrices, and the cost
//! reshaped to the logits' outer shape. Labels of another shape work where these steps do.

use ndarray::{ArrayD, Axis, IxDyn};

use crate::engine::error::{arg_err, shape_err, Result};
use crate::engine::kernels::norm_axis;
use crate::engine::tensor::{Arr, Real, Tensor};

const NAME: &str = "softmax_cross_entropy_with_logits";

#[derive(Debug)]
pub struct Layout {
    /// The class axis of the logits.
    pub ax: usize,
    /// Moves the class axis last (`range(axis) + range(axis + 1, rank) + [axis]`).
    perm: Vec<usize>,
    /// The logits' shape with the class axis last.
    logits_moved: Vec<usize>,
    labels_moved: Vec<usize>,
    logits_rows: [usize; 2],
    labels_rows: [usize; 2],
    /// The kernel's shape: both matrices broadcast.
    rows: [usize; 2],
}

impl Layout {
    pub fn new(labels: &Tensor, logits: &Tensor, axis: i64) -> Result<Layout> {
        let rank = logits.rank();
        if axis < 0 && axis != -1 {
            return Err(arg_err(format!(
                "{NAME}: axis {axis} is refused by TensorFlow 2.15 (a negative axis other than -1 builds an invalid permutation); write it as {}",
                axis + rank as i64
            )));
        }
        if rank == 0 || labels.rank() == 0 {
            return Err(arg_err(format!(
                "{NAME}: logits {:?} and labels {:?} must have rank >= 1 (a class axis)",
                logits.shape(),
                labels.shape()
            )));
        }
        let ax = norm_axis(axis, rank, NAME)?;
        let perm: Vec<usize> = (0..rank).filter(|&a| a != ax).chain([ax]).collect();
        let moved = |t: &Tensor| -> Result<Vec<usize>> {
            if axis == -1 {
                return Ok(t.shape().to_vec());
            }
            if t.rank() != rank {
                return Err(arg_err(format!(
                    "{NAME}: labels {:?} must have the logits' rank {rank} to move axis {axis} last (TensorFlow's transpose fails)",
                    labels.shape()
                )));
            }
            Ok(perm.iter().map(|&p| t.shape()[p]).collect())
        };
        let (logits_moved, labels_moved) = (moved(logits)?, moved(labels)?);
        let (logits_rows, labels_rows) = (rows_of(&logits_moved)?, rows_of(&labels_moved)?);
        let mut rows = [0; 2];
        for i in 0..2 {
            rows[i] = match (logits_rows[i], labels_rows[i]) {
                (a, b) if a == b => a,
                (1, b) => b,
                (a, 1) => a,
                _ => {
                    return Err(shape_err(format!(
                        "{NAME}: logits and labels must be broadcastable: logits_size={logits_rows:?} labels_size={labels_rows:?} (logits {:?}, labels {:?})",
                        logits.shape(),
                        labels.shape()
                    )))
                }
            };
        }
        if rows[0] != logits_rows[0] {
            return Err(shape_err(format!(
                "{NAME}: labels {:?} give {} rows of costs, but the logits {:?} have {} (TensorFlow's reshape of the cost fails)",
                labels.shape(),
                rows[0],
                logits.shape(),
                logits_rows[0]
            )));
        }
        Ok(Layout {
            ax,
            perm,
            logits_moved,
            labels_moved,
            logits_rows,
            labels_rows,
            rows,
        })
    }

    /// The cost, shaped as the logits without their class axis.
    pub fn cost(&self, labels: &Tensor, logits: &Tensor) -> Result<Tensor> {
        let out: Vec<usize> = self.logits_moved[..self.logits_moved.len() - 1].to_vec();
        let z = self.matrix(labels, &self.labels_rows)?;
        let x = self.matrix(logits, &self.logits_rows)?;
        let cost = match (&z, &x) {
            (Tensor::F32(z), Tensor::F32(x)) => Tensor::from_array(cross_entropy(z, x, 1)),
            (Tensor::F64(z), Tensor::F64(x)) => Tensor::from_array(cross_entropy(z, x, 1)),
            _ => unreachable!("labels are cast to the logits' float dtype"),
        };
        cost.reshape(&out)
    }

    /// The labels as the kernel sees them, laid out as the logits are (for d logits). Where the
    /// kernel broadcast the logits along the classes, TensorFlow's reshape of d logits fails.
    pub fn labels_like_logits(&self, labels: &Tensor) -> Result<Tensor> {
        if self.rows != self.logits_rows {
            return Err(shape_err(format!(
                "{NAME}: the gradient for logits {:?} broadcast against labels to {:?} classes cannot be taken (TensorFlow's reshape of it fails)",
                self.logits_moved, self.rows[1]
            )));
        }
        let z = self.matrix(labels, &self.labels_rows)?;
        let moved = z.reshape(&self.logits_moved)?;
        Ok(moved.permuted(&inverse(&self.perm)))
    }

    /// Whether TensorFlow's reshape of d labels (`[rows, classes]` of the logits) to the labels'
    /// own shape succeeds.
    pub fn labels_gradient_fits(&self) -> bool {
        self.rows[0] * self.logits_rows[1] == self.labels_rows[0] * self.labels_rows[1]
    }

    /// `t` (labels or logits) with the class axis last, as `[rows, classes]`, broadcast to the
    /// kernel's shape.
    fn matrix(&self, t: &Tensor, own: &[usize; 2]) -> Result<Tensor> {
        // labels of another rank are only ever flattened (axis -1 moves nothing)
        let moved = if self.is_identity() {
            t.clone()
        } else {
            t.permuted(&self.perm)
        };
        let m = moved.reshape(own)?;
        if *own == self.rows {
            return Ok(m);
        }
        Ok(crate::map_any!(&m, a => a
            .broadcast(IxDyn(&self.rows))
            .expect("broadcast checked")
            .to_owned()
            .into_shared()))
    }

    fn is_identity(&self) -> bool {
        self.perm.iter().enumerate().all(|(i, &p)| i == p)
    }

    /// The permutation that moves the class axis last (identity for the last axis).
    pub fn perm(&self) -> Option<&[usize]> {
        (!self.is_identity()).then_some(self.perm.as_slice())
    }

    /// The labels' shape with the class axis moved last.
    pub fn labels_moved(&self) -> &[usize] {
        &self.labels_moved
    }
}

pub fn inverse(perm: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; perm.len()];
    perm.iter().enumerate().for_each(|(i, &p)| inv[p] = i);
    inv
}

/// `[-1, last]` as `_flatten_outer_dims` reshapes, with TensorFlow's reshape rule for a last
/// size of 0: the rows are the product of the non-zero sizes (`[0]` is `[1, 0]`).
fn rows_of(shape: &[usize]) -> Result<[usize; 2]> {
    let classes = *shape.last().expect("rank checked");
    if classes == 0 {
        let rows = crate::engine::tensor::nonzero_product(shape)
            .ok_or_else(|| arg_err(format!("{NAME}: a tensor of shape {shape:?} is too large")))?;
        return Ok([rows, 0]);
    }
    Ok([shape.iter().product::<usize>() / classes, classes])
}

/// TensorFlow's kernel: `sum(labels * (log(sum(exp(x - max))) - (x - max)))`, so a single
/// class gives +0 (not -0) and a NaN logit a NaN loss.
pub fn cross_entropy<F: Real>(labels: &Arr<F>, logits: &Arr<F>, ax: usize) -> ArrayD<F> {
    let m = logits
        .fold_axis(Axis(ax), F::neg_infinity(), |&m, &v| {
            if v.is_nan() || m.is_nan() {
                F::nan()
            } else {
                m.max(v)
            }
        })
        .insert_axis(Axis(ax));
    let shifted = logits - &m;
    let lse = shifted
        .mapv(F::exp)
        .sum_axis(Axis(ax))
        .mapv(F::ln)
        .insert_axis(Axis(ax));
    (labels * &(lse - shifted)).sum_axis(Axis(ax))
}
