//! The tensor value: one shared ndarray per dtype, cheap to clone (tapes keep many).

use ndarray::{ArcArray, Array0, Array1, Array2, ArrayD, IxDyn};
use num_traits::{Float, FromPrimitive};
use std::fmt::Debug;

use super::dtype::DType;
use super::error::{shape_err, Result};

pub type Arr<T> = ArcArray<T, IxDyn>;

/// `v` as an array of `shape` in standard layout, or `None` when its length does not fill the
/// shape. ndarray's dynamic-rank constructor works the strides and the bounds out over a
/// run-time list of axes (some 250 instructions, more than most ops' arithmetic on their few
/// elements); through a fixed rank it is a fraction of that, and `into_dyn` gives the same
/// array, strides included.
pub fn shaped<T>(shape: &[usize], v: Vec<T>) -> Option<ArrayD<T>> {
    match *shape {
        [] => Array0::from_shape_vec((), v).ok().map(|a| a.into_dyn()),
        [n] => (v.len() == n).then(|| Array1::from_vec(v).into_dyn()),
        [r, c] => Array2::from_shape_vec((r, c), v).ok().map(|a| a.into_dyn()),
        _ => ArrayD::from_shape_vec(IxDyn(shape), v).ok(),
    }
}

/// Serialized compactly by `wire` (raw little-endian elements, shared buffers written once).
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    F32(Arr<f32>),
    F64(Arr<f64>),
    I32(Arr<i32>),
    I64(Arr<i64>),
    Bool(Arr<bool>),
}

/// An element type a tensor can hold.
pub trait Elem: Copy + Clone + Debug + PartialEq + PartialOrd + Send + Sync + 'static {
    const DTYPE: DType;
    fn wrap(a: Arr<Self>) -> Tensor;
    /// The array inside `t` when `t` holds this element type.
    fn array_in(t: &Tensor) -> Option<&Arr<Self>>;
    /// `v` converted as `tf.cast` converts (truncation toward zero for integers).
    fn from_num(v: f64) -> Self;
    fn num(self) -> f64;
    fn zero_elem() -> Self {
        Self::from_num(0.0)
    }
    fn one_elem() -> Self {
        Self::from_num(1.0)
    }
}

macro_rules! elem {
    ($t:ty, $v:ident, $dt:ident, $from:expr, $to:expr) => {
        impl Elem for $t {
            const DTYPE: DType = DType::$dt;
            fn wrap(a: Arr<Self>) -> Tensor {
                Tensor::$v(a)
            }
            fn array_in(t: &Tensor) -> Option<&Arr<Self>> {
                match t {
                    Tensor::$v(a) => Some(a),
                    _ => None,
                }
            }
            #[allow(clippy::redundant_closure_call)]
            fn from_num(v: f64) -> Self {
                ($from)(v)
            }
            #[allow(clippy::redundant_closure_call)]
            fn num(self) -> f64 {
                ($to)(self)
            }
        }
    };
}
elem!(f32, F32, F32, |v: f64| v as f32, |x: f32| x as f64);
elem!(f64, F64, F64, |v: f64| v, |x: f64| x);
// Float to integer truncates toward zero, as tf.cast does.
// Out of range and NaN give the most negative integer, as TensorFlow's casts do on x86.
elem!(
    i32,
    I32,
    I32,
    |v: f64| if v > -2147483649.0 && v < 2147483648.0 {
        v as i32
    } else {
        i32::MIN
    },
    |x: i32| x as f64
);
elem!(
    i64,
    I64,
    I64,
    |v: f64| if (-9.223372036854776e18..9.223372036854776e18).contains(&v) {
        v as i64
    } else {
        i64::MIN
    },
    |x: i64| x as f64
);
elem!(bool, Bool, Bool, |v: f64| v != 0.0, |x: bool| if x {
    1.0
} else {
    0.0
});

/// Floating element types: what differentiable kernels are written over.
pub trait Real:
    Elem
    + Float
    + FromPrimitive
    + ndarray::LinalgScalar
    + std::iter::Sum
    + crate::engine::eigen::pow::PowLane
{
    fn erf(self) -> Self;
}
impl Real for f32 {
    fn erf(self) -> Self {
        libm::erff(self)
    }
}
impl Real for f64 {
    fn erf(self) -> Self {
        libm::erf(self)
    }
}

/// Applies `$body` to the array whatever its dtype, rewrapping the result in the same dtype.
#[macro_export]
macro_rules! map_any {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            $crate::engine::tensor::Tensor::F32($a) => $crate::engine::tensor::Tensor::F32($body),
            $crate::engine::tensor::Tensor::F64($a) => $crate::engine::tensor::Tensor::F64($body),
            $crate::engine::tensor::Tensor::I32($a) => $crate::engine::tensor::Tensor::I32($body),
            $crate::engine::tensor::Tensor::I64($a) => $crate::engine::tensor::Tensor::I64($body),
            $crate::engine::tensor::Tensor::Bool($a) => $crate::engine::tensor::Tensor::Bool($body),
        }
    };
}

/// Runs `$body` with the array whatever its dtype, for results that are not tensors.
#[macro_export]
macro_rules! with_any {
    ($t:expr, $a:ident => $body:expr) => {
        match $t {
            $crate::engine::tensor::Tensor::F32($a) => $body,
            $crate::engine::tensor::Tensor::F64($a) => $body,
            $crate::engine::tensor::Tensor::I32($a) => $body,
            $crate::engine::tensor::Tensor::I64($a) => $body,
            $crate::engine::tensor::Tensor::Bool($a) => $body,
        }
    };
}

/// Calls a generic function with the element type of a dtype: `by_dtype!(d, f(args))`.
#[macro_export]
macro_rules! by_dtype {
    ($dt:expr, $f:ident ( $($arg:expr),* )) => {
        match $dt {
            $crate::engine::dtype::DType::F32 => $f::<f32>($($arg),*),
            $crate::engine::dtype::DType::F64 => $f::<f64>($($arg),*),
            $crate::engine::dtype::DType::I32 => $f::<i32>($($arg),*),
            $crate::engine::dtype::DType::I64 => $f::<i64>($($arg),*),
            $crate::engine::dtype::DType::Bool => $f::<bool>($($arg),*),
        }
    };
}

impl Tensor {
    /// This tensor with subnormal floats read as zero (the sign kept), or `None` when it has
    /// none: TensorFlow's kernels run with the CPU's flush-to-zero and denormals-are-zero modes.
    pub fn without_denormals(&self) -> Option<Tensor> {
        if !self.has_subnormal() {
            return None;
        }
        match self {
            Tensor::F32(a) => Some(Tensor::F32(
                a.mapv(|v| {
                    if v.is_subnormal() {
                        0.0f32.copysign(v)
                    } else {
                        v
                    }
                })
                .into_shared(),
            )),
            Tensor::F64(a) => Some(Tensor::F64(
                a.mapv(|v| {
                    if v.is_subnormal() {
                        0.0f64.copysign(v)
                    } else {
                        v
                    }
                })
                .into_shared(),
            )),
            _ => None,
        }
    }

    /// Whether a float element is subnormal. Every arithmetic op asks it of its inputs and its
    /// output, so it is cheap for the small tensors most ops see: a tensor in standard layout is
    /// scanned as a slice (ndarray's n-dimensional iterator costs more than the scan), with a
    /// test on the bits folded without a branch per element (`is_subnormal` classifies).
    pub fn has_subnormal(&self) -> bool {
        fn any<T: Copy>(a: &Arr<T>, sub: impl Fn(T) -> bool) -> bool {
            match a.as_slice() {
                Some(s) => s.iter().fold(false, |found, &v| found | sub(v)),
                None => a.iter().any(|&v| sub(v)),
            }
        }
        // subnormal: a zero exponent and a nonzero mantissa, so |bits| in 1..=mantissa mask
        match self {
            Tensor::F32(a) => any(a, |v| {
                (v.to_bits() & 0x7fff_ffff).wrapping_sub(1) < 0x007f_ffff
            }),
            Tensor::F64(a) => any(a, |v| {
                (v.to_bits() & 0x7fff_ffff_ffff_ffff).wrapping_sub(1) < 0x000f_ffff_ffff_ffff
            }),
            _ => false,
        }
    }

    pub fn from_array<T: Elem>(a: ArrayD<T>) -> Tensor {
        T::wrap(a.into_shared())
    }

    pub fn dtype(&self) -> DType {
        match self {
            Tensor::F32(_) => DType::F32,
            Tensor::F64(_) => DType::F64,
            Tensor::I32(_) => DType::I32,
            Tensor::I64(_) => DType::I64,
            Tensor::Bool(_) => DType::Bool,
        }
    }

    pub fn shape(&self) -> &[usize] {
        with_any!(self, a => a.shape())
    }

    pub fn len(&self) -> usize {
        with_any!(self, a => a.len())
    }

    /// Whether the elements lie in row-major order with no gaps.
    pub fn is_standard_layout(&self) -> bool {
        with_any!(self, a => a.is_standard_layout())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn rank(&self) -> usize {
        self.shape().len()
    }

    /// A tensor of `shape` filled with `v` converted to `dtype`.
    pub fn full(shape: &[usize], v: f64, dtype: DType) -> Tensor {
        fn f<T: Elem>(shape: &[usize], v: f64) -> Tensor {
            Tensor::from_array(ArrayD::from_elem(IxDyn(shape), T::from_num(v)))
        }
        match dtype {
            DType::F32 => f::<f32>(shape, v),
            DType::F64 => f::<f64>(shape, v),
            DType::I32 => f::<i32>(shape, v),
            DType::I64 => f::<i64>(shape, v),
            DType::Bool => f::<bool>(shape, v),
        }
    }

    pub fn scalar(v: f64, dtype: DType) -> Tensor {
        Tensor::full(&[], v, dtype)
    }

    /// Builds a tensor from flat f64 values (exact for every dtype's literal range we accept).
    pub fn from_f64s(shape: &[usize], vals: &[f64], dtype: DType) -> Result<Tensor> {
        fn f<T: Elem>(shape: &[usize], vals: &[f64]) -> Result<Tensor> {
            let v: Vec<T> = vals.iter().map(|&x| T::from_num(x)).collect();
            shaped(shape, v).map(Tensor::from_array).ok_or_else(|| {
                shape_err(format!("{} values do not fill shape {shape:?}", vals.len()))
            })
        }
        match dtype {
            DType::F32 => f::<f32>(shape, vals),
            DType::F64 => f::<f64>(shape, vals),
            DType::I32 => f::<i32>(shape, vals),
            DType::I64 => f::<i64>(shape, vals),
            DType::Bool => f::<bool>(shape, vals),
        }
    }

    /// Zeros of `shape` with ones at the given row-major positions (a batch of unit
    /// cotangents for a Jacobian), built in the dtype itself.
    pub fn unit_rows(shape: &[usize], ones: &[usize], dtype: DType) -> Tensor {
        fn go<T: Elem>(shape: &[usize], ones: &[usize]) -> Tensor {
            let n = shape.iter().product();
            let mut v = vec![T::zero_elem(); n];
            ones.iter().for_each(|&i| v[i] = T::one_elem());
            Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), v).expect("sizes agree"))
        }
        crate::by_dtype!(dtype, go(shape, ones))
    }

    /// Tensors of one dtype joined along their first axis (one part is returned as is).
    pub fn concat_rows(parts: &[Tensor]) -> Result<Tensor> {
        if parts.len() == 1 {
            return Ok(parts[0].clone());
        }
        fn go<T: Elem>(parts: &[Tensor]) -> Result<Tensor> {
            let views: Vec<_> = parts
                .iter()
                .map(|t| T::array_in(t).expect("one dtype").view())
                .collect();
            ndarray::concatenate(ndarray::Axis(0), &views)
                .map(Tensor::from_array)
                .map_err(|e| shape_err(format!("cannot join Jacobian rows: {e}")))
        }
        crate::by_dtype!(parts[0].dtype(), go(parts))
    }

    /// The axes reordered (a view; a later reshape copies it into order).
    pub fn permuted(&self, perm: &[usize]) -> Tensor {
        map_any!(self, a => a.clone().permuted_axes(IxDyn(perm)))
    }

    /// This tensor broadcast to `shape` (NumPy's rule), or `None` where it does not broadcast.
    pub fn broadcast_to(&self, shape: &[usize]) -> Option<Tensor> {
        with_any!(self, a => a
            .broadcast(IxDyn(shape))
            .map(|b| Tensor::from_array(b.to_owned())))
    }

    /// The elements at `offsets` (flat, row-major), shaped `shape`, exactly as they are.
    pub fn take_flat(&self, offsets: &[usize], shape: &[usize]) -> Tensor {
        map_any!(self, a => {
            let all = a.as_standard_layout();
            let all = all.as_slice().expect("standard layout");
            let picked = offsets.iter().map(|&o| all[o]).collect();
            ArrayD::from_shape_vec(IxDyn(shape), picked)
                .expect("the shape counts the offsets")
                .into_shared()
        })
    }

    /// This tensor with `src`'s elements, cast to its dtype, written at `offsets` (flat,
    /// row-major, one per element of `src`).
    pub fn put_flat(&self, offsets: &[usize], src: &Tensor) -> Tensor {
        let src = src.cast(self.dtype());
        fn go<T: Elem>(t: &Tensor, offsets: &[usize], src: &Tensor) -> Tensor {
            let mut all = T::array_in(t)
                .expect("own dtype")
                .as_standard_layout()
                .into_owned();
            let src = T::array_in(src).expect("cast to the same dtype");
            let slots = all.as_slice_mut().expect("standard layout");
            for (&o, &x) in offsets.iter().zip(src.iter()) {
                slots[o] = x;
            }
            Tensor::from_array(all)
        }
        crate::by_dtype!(self.dtype(), go(self, offsets, &src))
    }

    /// Every element as f64, row-major (for tests, Jacobian assembly and summaries).
    pub fn to_f64_vec(&self) -> Vec<f64> {
        with_any!(self, a => a.iter().map(|&x| x.num()).collect())
    }

    /// Whether any element is a NaN or an infinity (never, for integers and bools). Every answer
    /// is scanned for notes, so a contiguous tensor is read as a slice and folded without a
    /// branch per element (the compiler vectorizes it); ndarray's general iterator costs several
    /// times more per element.
    pub fn has_non_finite(&self) -> bool {
        fn any<A: Copy>(a: &Arr<A>, finite: fn(A) -> bool) -> bool {
            match a.as_slice_memory_order() {
                Some(s) => !s.iter().fold(true, |all, &x| all & finite(x)),
                None => a.iter().any(|&x| !finite(x)),
            }
        }
        match self {
            Tensor::F32(a) => any(a, f32::is_finite),
            Tensor::F64(a) => any(a, f64::is_finite),
            _ => false,
        }
    }

    /// `tf.cast`: float to integer truncates toward zero, anything to bool is `!= 0`.
    pub fn cast(&self, dtype: DType) -> Tensor {
        if self.dtype() == dtype {
            return self.clone();
        }
        match (self, dtype) {
            // C++'s static_cast: int64 to int32 keeps the low 32 bits (4294967297 is 1)
            (Tensor::I64(a), DType::I32) => return Tensor::from_array(a.mapv(|x| x as i32)),
            // one rounding to nearest; through f64 first, 2^60 + 2^36 + 1 would round twice
            (Tensor::I64(a), DType::F32) => return Tensor::from_array(a.mapv(|x| x as f32)),
            _ => {}
        }
        fn to<T: Elem>(t: &Tensor) -> Tensor {
            with_any!(t, a => Tensor::from_array(a.mapv(|x| T::from_num(x.num()))))
        }
        match dtype {
            DType::F32 => to::<f32>(self),
            DType::F64 => to::<f64>(self),
            DType::I32 => to::<i32>(self),
            DType::I64 => to::<i64>(self),
            DType::Bool => to::<bool>(self),
        }
    }

    /// Reshape without a copy when the data is contiguous.
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor> {
        if shape.iter().product::<usize>() != self.len() {
            return Err(shape_err(format!(
                "cannot reshape a tensor of {} elements (shape {:?}) into shape {:?}",
                self.len(),
                self.shape(),
                shape
            )));
        }
        Ok(map_any!(self, a => {
            let a = if a.is_standard_layout() { a.clone() } else { a.as_standard_layout().into_owned().into_shared() };
            // through a fixed rank where it can, for the reason `shaped` gives
            match *shape {
                [n] => a.into_shape_with_order(n).expect("size checked above").into_dyn(),
                [r, c] => a.into_shape_with_order((r, c)).expect("size checked above").into_dyn(),
                _ => a.into_shape_with_order(IxDyn(shape)).expect("size checked above"),
            }
        }))
    }

    pub fn as_f32(&self) -> Option<&Arr<f32>> {
        match self {
            Tensor::F32(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_f64(&self) -> Option<&Arr<f64>> {
        match self {
            Tensor::F64(a) => Some(a),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<&Arr<bool>> {
        match self {
            Tensor::Bool(a) => Some(a),
            _ => None,
        }
    }

    /// Integer contents as i64 (indices, labels); None for float or bool tensors.
    pub fn as_indices(&self) -> Option<Vec<i64>> {
        match self {
            Tensor::I32(a) => Some(a.iter().map(|&x| x as i64).collect()),
            Tensor::I64(a) => Some(a.iter().copied().collect()),
            _ => None,
        }
    }

    /// The bytes this tensor's data occupies.
    pub fn nbytes(&self) -> usize {
        self.len() * self.dtype().size()
    }

    /// A one-line description used in error messages: `float32 [2, 3]`.
    pub fn describe(&self) -> String {
        format!("{} {:?}", self.dtype(), self.shape())
    }
}

/// Checks a requested shape against the element limit before anything is allocated.
pub fn checked_numel(shape: &[usize], max: usize) -> Result<usize> {
    let mut n: usize = 1;
    for &d in shape {
        n = n.checked_mul(d).ok_or_else(|| {
            super::error::limit_err(format!(
                "shape {shape:?} has more elements than a 64-bit count holds; the limit max_tensor_elements is {max}"
            ))
        })?;
    }
    if n > max {
        return Err(super::error::limit_err(format!(
            "shape {shape:?} has {n} elements; the limit max_tensor_elements is {max}"
        )));
    }
    // An empty tensor holds no elements, but its other dimensions still cost: ndarray refuses
    // (panics on) products past isize::MAX, and a [1e9, 0] tensor is a billion `[]` in JSON.
    if n == 0 && nonzero_product(shape).is_none_or(|p| p > max) {
        return Err(super::error::limit_err(format!(
            "shape {shape:?} is empty, but its non-zero dimensions multiply past the limit max_tensor_elements = {max}"
        )));
    }
    Ok(n)
}

/// The product of a shape's non-zero dimensions (what an empty tensor's other axes span), or
/// None if it overflows.
pub fn nonzero_product(shape: &[usize]) -> Option<usize> {
    shape
        .iter()
        .filter(|&&d| d > 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bit_test_finds_exactly_the_subnormals() {
        let f32s = [
            0.0,
            -0.0,
            1.0,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            -f32::from_bits(0x0040_0000),
            f32::MAX,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
        ];
        for v in f32s {
            let t = Tensor::F32(ndarray::arr1(&[1.0, v]).into_dyn().into_shared());
            assert_eq!(t.has_subnormal(), v.is_subnormal(), "{v:e}");
        }
        let f64s = [
            0.0,
            -0.0,
            1.0,
            f64::MIN_POSITIVE,
            f64::from_bits(1),
            f64::from_bits(0x000f_ffff_ffff_ffff),
            -f64::from_bits(0x0008_0000_0000_0000),
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
        ];
        for v in f64s {
            let t = Tensor::F64(ndarray::arr1(&[v, 2.0]).into_dyn().into_shared());
            assert_eq!(t.has_subnormal(), v.is_subnormal(), "{v:e}");
        }
    }
}
