//! An optimizer's hyperparameter in its update step, as Keras 2.15's Python computes with it:
//! what `tf.cast(h, dtype)` gives, what `h` is beside a tensor (`rho * velocity`,
//! `tf.sqrt(v) + self.epsilon`) and what `1 - h` is there.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use super::super::keras_object::Hyper;

impl Hyper {
    /// `tf.cast(h, dtype)`: a Python number becomes a float32 (or int32) tensor first, a NumPy
    /// scalar or a tensor is cast from its own dtype (`np.float64(0.9)` to float64 exactly).
    pub fn cast_to(&self, dtype: DType) -> Tensor {
        match self.own_dtype() {
            Some(own) => Tensor::scalar(self.number(), own).cast(dtype),
            None => Tensor::scalar(self.number(), DType::F32).cast(dtype),
        }
    }

    /// `h` as the other operand of an op on a tensor of `dtype`: a Python number or NumPy
    /// scalar is converted to that dtype; a tensor stays as it is, so that an op on two dtypes
    /// raises TensorFlow's error.
    pub fn operand(&self, dtype: DType) -> Tensor {
        match self {
            Hyper::Tensor(v) => Tensor::scalar(self.number(), v.tensor.dtype()),
            _ => Tensor::scalar(self.number(), dtype),
        }
    }

    /// `1 - h` as such an operand: Python's float arithmetic for a number, NumPy's or
    /// TensorFlow's in the scalar's own dtype (one rounding of the exact difference).
    pub fn one_minus(&self, dtype: DType) -> Tensor {
        let x = 1.0 - self.number();
        match self {
            Hyper::Tensor(v) => Tensor::scalar(x, v.tensor.dtype()),
            Hyper::NpScalar(t) => Tensor::scalar(x, t.dtype()).cast(dtype),
            _ => Tensor::scalar(x, dtype),
        }
    }

    fn own_dtype(&self) -> Option<DType> {
        match self {
            Hyper::NpScalar(t) => Some(t.dtype()),
            Hyper::Tensor(v) => Some(v.tensor.dtype()),
            _ => None,
        }
    }
}
