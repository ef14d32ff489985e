//! TensorFlow 2.15's printing: `tf.Tensor(...)`, `<tf.Tensor: ...>`, `<tf.Variable ...>`,
//! `TensorShape`, `<dtype: 'float32'>` and `IndexedSlices(...)`.
//!
//! TensorFlow prints the NumPy value of a tensor (`numpy_text`): its `str` for `print`, its
//! `repr` inside `repr`, moved to a line of its own when it spans several.

use super::numpy::{array_repr, array_str, scalar_str, tuple_of};
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

/// `numpy_text`: the NumPy text of a value, on a fresh line when it has several.
fn numpy_text(t: &Tensor, is_repr: bool) -> String {
    // `_numpy()` of a 0-d tensor is a NumPy scalar, whose repr is its str in NumPy 1.26.
    let text = if t.rank() == 0 {
        scalar_str(t)
    } else if is_repr {
        array_repr(t)
    } else {
        array_str(t)
    };
    if text.contains('\n') {
        format!("\n{text}")
    } else {
        text
    }
}

/// `str(t)` / `print(t)` of an EagerTensor: `tf.Tensor([1. 2.], shape=(2,), dtype=float32)`.
pub fn tensor_str(t: &Tensor) -> String {
    format!(
        "tf.Tensor({}, shape={}, dtype={})",
        numpy_text(t, false),
        shape_str(t.shape()),
        t.dtype().name()
    )
}

/// `repr(t)`: `<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>`.
pub fn tensor_repr(t: &Tensor) -> String {
    format!(
        "<tf.Tensor: shape={}, dtype={}, numpy={}>",
        shape_str(t.shape()),
        t.dtype().name(),
        numpy_text(t, true)
    )
}

/// `repr` (and `str`) of a `tf.Variable` named `name` (`Variable:0`, or `UnreadVariable` for
/// what `assign` returns) holding `value`.
pub fn variable_repr(name: &str, value: &Tensor) -> String {
    format!(
        "<tf.Variable '{name}' shape={} dtype={}, numpy={}>",
        shape_str(value.shape()),
        value.dtype().name(),
        numpy_text(value, true)
    )
}

/// `str(t.shape)`: `(2, 4)`, `(2,)`, `()`.
pub fn shape_str(dims: &[usize]) -> String {
    tuple_of(dims)
}

/// `repr(t.shape)`: `TensorShape([2, 4])`.
pub fn shape_repr(dims: &[usize]) -> String {
    let inner: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
    format!("TensorShape([{}])", inner.join(", "))
}

/// `str(tf.float32)`: `<dtype: 'float32'>`.
pub fn dtype_str(d: DType) -> String {
    format!("<dtype: '{}'>", d.name())
}

/// `repr(tf.float32)`: `tf.float32`.
pub fn dtype_repr(d: DType) -> String {
    format!("tf.{}", d.name())
}

/// `str` and `repr` of a `tf.IndexedSlices` (a gradient through `tf.gather`): its parts are
/// printed with `%s`, so as `str`.
pub fn indexed_slices_str(indices: &Tensor, values: &Tensor, dense_shape: &Tensor) -> String {
    format!(
        "IndexedSlices(indices={}, values={}, dense_shape={})",
        tensor_str(indices),
        tensor_str(values),
        tensor_str(dense_shape)
    )
}
