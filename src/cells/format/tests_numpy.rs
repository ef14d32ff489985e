//! NumPy and TensorFlow printing checked against NumPy 1.26.4 and TensorFlow 2.15 (each
//! expectation is what the Python in the comment above it printed).
#![allow(clippy::excessive_precision)] // literals are the oracle's exact values

use super::numpy::{array_repr, array_str, float_scalar_str, scalar_str};
use super::tf;
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;
use ndarray::{ArrayD, IxDyn};

fn f32s(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap())
}
fn f64s(shape: &[usize], v: &[f64]) -> Tensor {
    Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap())
}
fn i32s(shape: &[usize], v: &[i32]) -> Tensor {
    Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap())
}
fn i64s(shape: &[usize], v: &[i64]) -> Tensor {
    Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap())
}
fn bools(shape: &[usize], v: &[bool]) -> Tensor {
    Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), v.to_vec()).unwrap())
}
/// `n` values `f(0), f(1), ...` shaped `shape`.
fn gen<T: crate::engine::tensor::Elem>(shape: &[usize], f: impl Fn(usize) -> T) -> Tensor {
    let n = shape.iter().product();
    Tensor::from_array(ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(f).collect()).unwrap())
}

#[track_caller]
fn check_array(t: Tensor, want_str: &str, want_repr: &str) {
    assert_eq!(array_str(&t), want_str, "str");
    assert_eq!(array_repr(&t), want_repr, "repr");
}

#[test]
fn notebook_arrays() {
    // np.array([[0.1, 2.0], [-3.25, 4.0]])
    check_array(
        f64s(&[2, 2], &[0.1, 2.0, -3.25, 4.0]),
        "[[ 0.1   2.  ]\n [-3.25  4.  ]]",
        "array([[ 0.1 ,  2.  ],\n       [-3.25,  4.  ]])",
    );
    // np.array([1, 20, 300])
    check_array(
        i64s(&[3], &[1, 20, 300]),
        "[  1  20 300]",
        "array([  1,  20, 300])",
    );
    // np.array([1.0, 2.0]) > 1.5
    check_array(
        bools(&[2], &[false, true]),
        "[False  True]",
        "array([False,  True])",
    );
    // np.ones((2, 2, 2)) * 0.5
    check_array(
        f64s(&[2, 2, 2], &[0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]),
        "[[[0.5 0.5]\n  [0.5 0.5]]\n\n [[0.5 0.5]\n  [0.5 0.5]]]",
        "array([[[0.5, 0.5],\n        [0.5, 0.5]],\n\n       [[0.5, 0.5],\n        [0.5, 0.5]]])",
    );
    // np.array([1e-5, 2.5e-7])
    check_array(
        f64s(&[2], &[1e-05, 2.5e-07]),
        "[1.0e-05 2.5e-07]",
        "array([1.0e-05, 2.5e-07])",
    );
    // np.array([1e4, 1.5, 0.001])
    check_array(
        f64s(&[3], &[10000.0, 1.5, 0.001]),
        "[1.0e+04 1.5e+00 1.0e-03]",
        "array([1.0e+04, 1.5e+00, 1.0e-03])",
    );
    // np.zeros(3)
    check_array(
        f64s(&[3], &[0.0, 0.0, 0.0]),
        "[0. 0. 0.]",
        "array([0., 0., 0.])",
    );
    // np.eye(2)
    check_array(
        f64s(&[2, 2], &[1.0, 0.0, 0.0, 1.0]),
        "[[1. 0.]\n [0. 1.]]",
        "array([[1., 0.],\n       [0., 1.]])",
    );
    // np.array([[-10.291142, -16.249172, -5.0778666, -0.13540977], [10.291145, 16.249176, 5.0778675, 0.1354098]], dtype=np.float32)
    check_array(f32s(&[2, 4], &[-10.291142, -16.249172, -5.0778666, -0.13540977, 10.291145, 16.249176, 5.0778675, 0.1354098]), "[[-10.291142   -16.249172    -5.0778666   -0.13540977]\n [ 10.291145    16.249176     5.0778675    0.1354098 ]]", "array([[-10.291142  , -16.249172  ,  -5.0778666 ,  -0.13540977],\n       [ 10.291145  ,  16.249176  ,   5.0778675 ,   0.1354098 ]],\n      dtype=float32)");
    // np.array([-1.15661728, -0.0])
    check_array(
        f64s(&[2], &[-1.15661728, -0.0]),
        "[-1.15661728 -0.        ]",
        "array([-1.15661728, -0.        ])",
    );
    // np.array([[[76.0, 0.0], [120.0, 0.0], [37.5, 0.0], [1.0, 0.0]], [[0.0, 76.0], [0.0, 120.0], [0.0, 37.5], [0.0, 1.0]]])
    check_array(f64s(&[2, 4, 2], &[76.0, 0.0, 120.0, 0.0, 37.5, 0.0, 1.0, 0.0, 0.0, 76.0, 0.0, 120.0, 0.0, 37.5, 0.0, 1.0]), "[[[ 76.    0. ]\n  [120.    0. ]\n  [ 37.5   0. ]\n  [  1.    0. ]]\n\n [[  0.   76. ]\n  [  0.  120. ]\n  [  0.   37.5]\n  [  0.    1. ]]]", "array([[[ 76. ,   0. ],\n        [120. ,   0. ],\n        [ 37.5,   0. ],\n        [  1. ,   0. ]],\n\n       [[  0. ,  76. ],\n        [  0. , 120. ],\n        [  0. ,  37.5],\n        [  0. ,   1. ]]])");
    // np.array([[-10.2911427, -16.24917269, -5.07786646, -0.13540977], [10.29114497, 16.24917626, 5.07786758, 0.1354098]])
    check_array(f64s(&[2, 4], &[-10.2911427, -16.24917269, -5.07786646, -0.13540977, 10.29114497, 16.24917626, 5.07786758, 0.1354098]), "[[-10.2911427  -16.24917269  -5.07786646  -0.13540977]\n [ 10.29114497  16.24917626   5.07786758   0.1354098 ]]", "array([[-10.2911427 , -16.24917269,  -5.07786646,  -0.13540977],\n       [ 10.29114497,  16.24917626,   5.07786758,   0.1354098 ]])");
    // np.array([0.04742587, 0.11920292, 0.26894143, 0.5, 0.7310586, 0.8807971, 0.95257413], dtype=np.float32)
    check_array(f32s(&[7], &[0.04742587, 0.11920292, 0.26894143, 0.5, 0.7310586, 0.8807971, 0.95257413]), "[0.04742587 0.11920292 0.26894143 0.5        0.7310586  0.8807971\n 0.95257413]", "array([0.04742587, 0.11920292, 0.26894143, 0.5       , 0.7310586 ,\n       0.8807971 , 0.95257413], dtype=float32)");
    // np.array([-0.9950547, -0.9640276, -0.7615942, 0.0, 0.7615942, 0.9640276, 0.9950547], dtype=np.float32)
    check_array(f32s(&[7], &[-0.9950547, -0.9640276, -0.7615942, 0.0, 0.7615942, 0.9640276, 0.9950547]), "[-0.9950547 -0.9640276 -0.7615942  0.         0.7615942  0.9640276\n  0.9950547]", "array([-0.9950547, -0.9640276, -0.7615942,  0.       ,  0.7615942,\n        0.9640276,  0.9950547], dtype=float32)");
}

#[test]
fn float_modes() {
    // np.array([0.1, 0.2, 0.3], dtype=np.float32)
    check_array(
        f32s(&[3], &[0.1, 0.2, 0.3]),
        "[0.1 0.2 0.3]",
        "array([0.1, 0.2, 0.3], dtype=float32)",
    );
    // np.array([1.5, 2.0], dtype=np.float32)
    check_array(
        f32s(&[2], &[1.5, 2.0]),
        "[1.5 2. ]",
        "array([1.5, 2. ], dtype=float32)",
    );
    // np.array([-0.0, 0.0, 0.5])
    check_array(
        f64s(&[3], &[-0.0, 0.0, 0.5]),
        "[-0.   0.   0.5]",
        "array([-0. ,  0. ,  0.5])",
    );
    // np.array([0.123456789, 1.0])
    check_array(
        f64s(&[2], &[0.123456789, 1.0]),
        "[0.12345679 1.        ]",
        "array([0.12345679, 1.        ])",
    );
    // np.array([2 / 3])
    check_array(
        f64s(&[1], &[0.6666666666666666]),
        "[0.66666667]",
        "array([0.66666667])",
    );
    // np.array([1 / 3], dtype=np.float32)
    check_array(
        f32s(&[1], &[0.33333334]),
        "[0.33333334]",
        "array([0.33333334], dtype=float32)",
    );
    // np.array([1e8, 1.0])
    check_array(
        f64s(&[2], &[100000000.0, 1.0]),
        "[1.e+08 1.e+00]",
        "array([1.e+08, 1.e+00])",
    );
    // np.array([1e7, 2e7])
    check_array(
        f64s(&[2], &[10000000.0, 20000000.0]),
        "[10000000. 20000000.]",
        "array([10000000., 20000000.])",
    );
    // np.array([123456789.123])
    check_array(
        f64s(&[1], &[123456789.123]),
        "[1.23456789e+08]",
        "array([1.23456789e+08])",
    );
    // np.array([1e-300, 1.0])
    check_array(
        f64s(&[2], &[1e-300, 1.0]),
        "[1.e-300 1.e+000]",
        "array([1.e-300, 1.e+000])",
    );
    // np.array([1e100, -1.0])
    check_array(
        f64s(&[2], &[1e+100, -1.0]),
        "[ 1.e+100 -1.e+000]",
        "array([ 1.e+100, -1.e+000])",
    );
    // np.array([1e-4], dtype=np.float32)
    check_array(
        f32s(&[1], &[1e-04]),
        "[1.e-04]",
        "array([1.e-04], dtype=float32)",
    );
    // np.array([0.001, 1.0], dtype=np.float32)
    check_array(
        f32s(&[2], &[0.001, 1.0]),
        "[0.001 1.   ]",
        "array([0.001, 1.   ], dtype=float32)",
    );
    // np.array([1e-5, 0.1, 1.2345678], dtype=np.float32)
    check_array(
        f32s(&[3], &[1e-05, 0.1, 1.2345678]),
        "[9.9999997e-06 1.0000000e-01 1.2345678e+00]",
        "array([9.9999997e-06, 1.0000000e-01, 1.2345678e+00], dtype=float32)",
    );
    // np.array([0.125, 0.375, 1.000000005, 2.000000005])
    check_array(
        f64s(&[4], &[0.125, 0.375, 1.000000005, 2.000000005]),
        "[0.125 0.375 1.    2.   ]",
        "array([0.125, 0.375, 1.   , 2.   ])",
    );
    // np.array([2980287.25, 1.5], dtype=np.float32)
    check_array(
        f32s(&[2], &[2980287.2, 1.5]),
        "[2.9802872e+06 1.5000000e+00]",
        "array([2.9802872e+06, 1.5000000e+00], dtype=float32)",
    );
    // np.array([355213.625, 1e-3], dtype=np.float32)
    check_array(
        f32s(&[2], &[355213.62, 0.001]),
        "[3.5521362e+05 1.0000000e-03]",
        "array([3.5521362e+05, 1.0000000e-03], dtype=float32)",
    );
}

#[test]
fn non_finite() {
    // np.array([np.nan, 1.5, -np.inf])
    check_array(
        f64s(&[3], &[f64::NAN, 1.5, f64::NEG_INFINITY]),
        "[ nan  1.5 -inf]",
        "array([ nan,  1.5, -inf])",
    );
    // np.array([np.nan])
    check_array(f64s(&[1], &[f64::NAN]), "[nan]", "array([nan])");
    // np.array([np.inf, -np.inf])
    check_array(
        f64s(&[2], &[f64::INFINITY, f64::NEG_INFINITY]),
        "[ inf -inf]",
        "array([ inf, -inf])",
    );
    // np.array([np.nan, 1e-5, 1e5])
    check_array(
        f64s(&[3], &[f64::NAN, 1e-05, 100000.0]),
        "[   nan 1.e-05 1.e+05]",
        "array([   nan, 1.e-05, 1.e+05])",
    );
    // np.array([-np.inf, 1e-5])
    check_array(
        f64s(&[2], &[f64::NEG_INFINITY, 1e-05]),
        "[  -inf 1.e-05]",
        "array([  -inf, 1.e-05])",
    );
    // np.array([np.nan, 0.0], dtype=np.float32)
    check_array(
        f32s(&[2], &[f32::NAN, 0.0]),
        "[nan  0.]",
        "array([nan,  0.], dtype=float32)",
    );
}

#[test]
fn ints_bools() {
    // np.array([-5, 10, 200], dtype=np.int32)
    check_array(
        i32s(&[3], &[-5, 10, 200]),
        "[ -5  10 200]",
        "array([ -5,  10, 200], dtype=int32)",
    );
    // np.array([[1, -1], [10, 100]])
    check_array(
        i64s(&[2, 2], &[1, -1, 10, 100]),
        "[[  1  -1]\n [ 10 100]]",
        "array([[  1,  -1],\n       [ 10, 100]])",
    );
    // np.array([[True, False], [False, True]])
    check_array(
        bools(&[2, 2], &[true, false, false, true]),
        "[[ True False]\n [False  True]]",
        "array([[ True, False],\n       [False,  True]])",
    );
    // np.arange(16).reshape(2, 2, 2, 2)
    check_array(i64s(&[2, 2, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]), "[[[[ 0  1]\n   [ 2  3]]\n\n  [[ 4  5]\n   [ 6  7]]]\n\n\n [[[ 8  9]\n   [10 11]]\n\n  [[12 13]\n   [14 15]]]]", "array([[[[ 0,  1],\n         [ 2,  3]],\n\n        [[ 4,  5],\n         [ 6,  7]]],\n\n\n       [[[ 8,  9],\n         [10, 11]],\n\n        [[12, 13],\n         [14, 15]]]])");
    // np.array([0, 0], dtype=np.int32)
    check_array(i32s(&[2], &[0, 0]), "[0 0]", "array([0, 0], dtype=int32)");
}

#[test]
fn zero_d_and_empty() {
    // np.array(3.5)
    check_array(f64s(&[], &[3.5]), "3.5", "array(3.5)");
    // np.array(3, dtype=np.int32)
    check_array(i32s(&[], &[3]), "3", "array(3, dtype=int32)");
    // np.array(True)
    check_array(bools(&[], &[true]), "True", "array(True)");
    // np.array(0.1, dtype=np.float32)
    check_array(f32s(&[], &[0.1]), "0.1", "array(0.1, dtype=float32)");
    // np.array(-0.0)
    check_array(f64s(&[], &[-0.0]), "-0.0", "array(-0.)");
    // np.zeros(0)
    check_array(f64s(&[0], &[]), "[]", "array([], dtype=float64)");
    // np.zeros((2, 0))
    check_array(
        f64s(&[2, 0], &[]),
        "[]",
        "array([], shape=(2, 0), dtype=float64)",
    );
    // np.zeros(0, dtype=np.int32)
    check_array(i32s(&[0], &[]), "[]", "array([], dtype=int32)");
    // np.zeros((0, 3), dtype=np.float32)
    check_array(
        f32s(&[0, 3], &[]),
        "[]",
        "array([], shape=(0, 3), dtype=float32)",
    );
    // np.array([], dtype=bool)
    check_array(bools(&[0], &[]), "[]", "array([], dtype=bool)");
}

#[test]
fn wrapping() {
    // np.linspace(0, 1, 30)
    check_array(gen(&[30], |i| i as f64 / 29.0), "[0.         0.03448276 0.06896552 0.10344828 0.13793103 0.17241379\n 0.20689655 0.24137931 0.27586207 0.31034483 0.34482759 0.37931034\n 0.4137931  0.44827586 0.48275862 0.51724138 0.55172414 0.5862069\n 0.62068966 0.65517241 0.68965517 0.72413793 0.75862069 0.79310345\n 0.82758621 0.86206897 0.89655172 0.93103448 0.96551724 1.        ]", "array([0.        , 0.03448276, 0.06896552, 0.10344828, 0.13793103,\n       0.17241379, 0.20689655, 0.24137931, 0.27586207, 0.31034483,\n       0.34482759, 0.37931034, 0.4137931 , 0.44827586, 0.48275862,\n       0.51724138, 0.55172414, 0.5862069 , 0.62068966, 0.65517241,\n       0.68965517, 0.72413793, 0.75862069, 0.79310345, 0.82758621,\n       0.86206897, 0.89655172, 0.93103448, 0.96551724, 1.        ])");
    // np.arange(30, dtype=np.float32) * np.float32(1.5)
    check_array(gen(&[30], |i| i as f32 * 1.5), "[ 0.   1.5  3.   4.5  6.   7.5  9.  10.5 12.  13.5 15.  16.5 18.  19.5\n 21.  22.5 24.  25.5 27.  28.5 30.  31.5 33.  34.5 36.  37.5 39.  40.5\n 42.  43.5]", "array([ 0. ,  1.5,  3. ,  4.5,  6. ,  7.5,  9. , 10.5, 12. , 13.5, 15. ,\n       16.5, 18. , 19.5, 21. , 22.5, 24. , 25.5, 27. , 28.5, 30. , 31.5,\n       33. , 34.5, 36. , 37.5, 39. , 40.5, 42. , 43.5], dtype=float32)");
    // np.arange(25)
    check_array(gen(&[25], |i| i as i64), "[ 0  1  2  3  4  5  6  7  8  9 10 11 12 13 14 15 16 17 18 19 20 21 22 23\n 24]", "array([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16,\n       17, 18, 19, 20, 21, 22, 23, 24])");
    // np.arange(40, dtype=np.int32).reshape(2, 20) * 1000
    check_array(gen(&[2, 20], |i| i as i32 * 1000), "[[    0  1000  2000  3000  4000  5000  6000  7000  8000  9000 10000 11000\n  12000 13000 14000 15000 16000 17000 18000 19000]\n [20000 21000 22000 23000 24000 25000 26000 27000 28000 29000 30000 31000\n  32000 33000 34000 35000 36000 37000 38000 39000]]", "array([[    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,\n         9000, 10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000,\n        18000, 19000],\n       [20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000,\n        29000, 30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000,\n        38000, 39000]], dtype=int32)");
    // np.arange(8, dtype=np.float32) / np.float32(7)
    check_array(gen(&[8], |i| i as f32 / 7.0), "[0.         0.14285715 0.2857143  0.42857143 0.5714286  0.71428573\n 0.85714287 1.        ]", "array([0.        , 0.14285715, 0.2857143 , 0.42857143, 0.5714286 ,\n       0.71428573, 0.85714287, 1.        ], dtype=float32)");
    // np.arange(12, dtype=np.float32) / np.float32(7)
    check_array(gen(&[12], |i| i as f32 / 7.0), "[0.         0.14285715 0.2857143  0.42857143 0.5714286  0.71428573\n 0.85714287 1.         1.1428572  1.2857143  1.4285715  1.5714285 ]", "array([0.        , 0.14285715, 0.2857143 , 0.42857143, 0.5714286 ,\n       0.71428573, 0.85714287, 1.        , 1.1428572 , 1.2857143 ,\n       1.4285715 , 1.5714285 ], dtype=float32)");
    // (np.arange(60) % 2 == 0).reshape(3, 20)
    check_array(gen(&[3, 20], |i| i % 2 == 0), "[[ True False  True False  True False  True False  True False  True False\n   True False  True False  True False  True False]\n [ True False  True False  True False  True False  True False  True False\n   True False  True False  True False  True False]\n [ True False  True False  True False  True False  True False  True False\n   True False  True False  True False  True False]]", "array([[ True, False,  True, False,  True, False,  True, False,  True,\n        False,  True, False,  True, False,  True, False,  True, False,\n         True, False],\n       [ True, False,  True, False,  True, False,  True, False,  True,\n        False,  True, False,  True, False,  True, False,  True, False,\n         True, False],\n       [ True, False,  True, False,  True, False,  True, False,  True,\n        False,  True, False,  True, False,  True, False,  True, False,\n         True, False]])");
}

#[test]
fn summarized() {
    // np.arange(1001.0)
    check_array(
        gen(&[1001], |i| i as f64),
        "[   0.    1.    2. ...  998.  999. 1000.]",
        "array([   0.,    1.,    2., ...,  998.,  999., 1000.])",
    );
    // np.arange(2000).reshape(40, 50)
    check_array(gen(&[40, 50], |i| i as i64), "[[   0    1    2 ...   47   48   49]\n [  50   51   52 ...   97   98   99]\n [ 100  101  102 ...  147  148  149]\n ...\n [1850 1851 1852 ... 1897 1898 1899]\n [1900 1901 1902 ... 1947 1948 1949]\n [1950 1951 1952 ... 1997 1998 1999]]", "array([[   0,    1,    2, ...,   47,   48,   49],\n       [  50,   51,   52, ...,   97,   98,   99],\n       [ 100,  101,  102, ...,  147,  148,  149],\n       ...,\n       [1850, 1851, 1852, ..., 1897, 1898, 1899],\n       [1900, 1901, 1902, ..., 1947, 1948, 1949],\n       [1950, 1951, 1952, ..., 1997, 1998, 1999]])");
    // np.ones((11, 11, 11), dtype=np.float32)
    check_array(gen(&[11, 11, 11], |_| 1.0f32), "[[[1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  ...\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]]\n\n [[1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  ...\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]]\n\n [[1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  ...\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]]\n\n ...\n\n [[1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  ...\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]]\n\n [[1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  ...\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]]\n\n [[1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  ...\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]\n  [1. 1. 1. ... 1. 1. 1.]]]", "array([[[1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.]],\n\n       [[1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.]],\n\n       [[1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.]],\n\n       ...,\n\n       [[1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.]],\n\n       [[1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.]],\n\n       [[1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        ...,\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.],\n        [1., 1., 1., ..., 1., 1., 1.]]], dtype=float32)");
    // np.arange(1200, dtype=np.float32).reshape(3, 400) / np.float32(3)
    check_array(gen(&[3, 400], |i| i as f32 / 3.0), "[[0.0000000e+00 3.3333334e-01 6.6666669e-01 ... 1.3233333e+02\n  1.3266667e+02 1.3300000e+02]\n [1.3333333e+02 1.3366667e+02 1.3400000e+02 ... 2.6566666e+02\n  2.6600000e+02 2.6633334e+02]\n [2.6666666e+02 2.6700000e+02 2.6733334e+02 ... 3.9900000e+02\n  3.9933334e+02 3.9966666e+02]]", "array([[0.0000000e+00, 3.3333334e-01, 6.6666669e-01, ..., 1.3233333e+02,\n        1.3266667e+02, 1.3300000e+02],\n       [1.3333333e+02, 1.3366667e+02, 1.3400000e+02, ..., 2.6566666e+02,\n        2.6600000e+02, 2.6633334e+02],\n       [2.6666666e+02, 2.6700000e+02, 2.6733334e+02, ..., 3.9900000e+02,\n        3.9933334e+02, 3.9966666e+02]], dtype=float32)");
    // np.arange(1001.0) * 1e-5
    check_array(
        gen(&[1001], |i| i as f64 * 1e-5),
        "[0.00e+00 1.00e-05 2.00e-05 ... 9.98e-03 9.99e-03 1.00e-02]",
        "array([0.00e+00, 1.00e-05, 2.00e-05, ..., 9.98e-03, 9.99e-03, 1.00e-02])",
    );
}

#[test]
fn numpy_scalars() {
    // str(np.float32(0.1))
    assert_eq!(float_scalar_str(0.1f32), "0.1");
    // str(np.float64(0.1) + np.float64(0.2))
    assert_eq!(float_scalar_str(0.1f64 + 0.2), "0.30000000000000004");
    // str(np.float32(1e-5))
    assert_eq!(float_scalar_str(1e-5f32), "1e-05");
    // str(np.float32(1e-4))
    assert_eq!(float_scalar_str(1e-4f32), "1e-04");
    // str(np.float32(1e16))
    assert_eq!(float_scalar_str(1e16f32), "1e+16");
    // str(np.float32(1e10))
    assert_eq!(float_scalar_str(1e10f32), "10000000000.0");
    // str(np.float32(-0.0))
    assert_eq!(float_scalar_str(-0.0f32), "-0.0");
    // str(np.float64(np.nan))
    assert_eq!(float_scalar_str(f64::NAN), "nan");
    // str(np.float32(-np.inf))
    assert_eq!(float_scalar_str(f32::NEG_INFINITY), "-inf");
    // str(np.float32(2.7182817))
    assert_eq!(float_scalar_str(2.7182817f32), "2.7182817");
    // str(np.float64(1e16))
    assert_eq!(float_scalar_str(1e16f64), "1e+16");
    // str(np.float64(123456789012345.6))
    assert_eq!(float_scalar_str(123456789012345.6f64), "123456789012345.6");
    // str(np.float32(3.4e38))
    assert_eq!(float_scalar_str(3.4e38f32), "3.4e+38");
    // str(np.float64(2.0 ** 70))
    assert_eq!(float_scalar_str(2f64.powi(70)), "1.1805916207174113e+21");
    // str(np.float32(1.0))
    assert_eq!(float_scalar_str(1.0f32), "1.0");
    // str(np.float32(0.50000006))
    assert_eq!(float_scalar_str(0.50000006f32), "0.50000006");
    // str(np.float32(2.3449998))
    assert_eq!(float_scalar_str(2.3449998f32), "2.3449998");
    // str(np.int64(-7))
    assert_eq!(scalar_str(&Tensor::scalar(-7.0, DType::I64)), "-7");
    // str(np.bool_(True))
    assert_eq!(scalar_str(&Tensor::scalar(1.0, DType::Bool)), "True");
    // str(np.float32(0.14506263))
    assert_eq!(
        scalar_str(&Tensor::scalar(0.14506263f32 as f64, DType::F32)),
        "0.14506263"
    );
}

#[test]
fn tensorflow_printing() {
    // str(tf.constant([1.0, 2.0]))
    assert_eq!(
        tf::tensor_str(&f32s(&[2], &[1.0, 2.0])),
        "tf.Tensor([1. 2.], shape=(2,), dtype=float32)"
    );
    // str(tf.constant(0.14506262))
    assert_eq!(
        tf::tensor_str(&Tensor::scalar(0.14506262f32 as f64, DType::F32)),
        "tf.Tensor(0.14506263, shape=(), dtype=float32)"
    );
    // str(tf.constant(7))
    assert_eq!(
        tf::tensor_str(&Tensor::scalar(7.0, DType::I32)),
        "tf.Tensor(7, shape=(), dtype=int32)"
    );
    // str(tf.constant([[1.0, 2.0], [3.0, 4.0]], dtype=tf.float64))
    assert_eq!(
        tf::tensor_str(&f64s(&[2, 2], &[1.0, 2.0, 3.0, 4.0])),
        "tf.Tensor(\n[[1. 2.]\n [3. 4.]], shape=(2, 2), dtype=float64)"
    );
    // str(tf.constant([[True, False]]))
    assert_eq!(
        tf::tensor_str(&bools(&[1, 2], &[true, false])),
        "tf.Tensor([[ True False]], shape=(1, 2), dtype=bool)"
    );
    // str(tf.range(129, dtype=tf.float64) / 64)
    assert_eq!(tf::tensor_str(&gen(&[129], |i| i as f64 / 64.0)), "tf.Tensor(\n[0.       0.015625 0.03125  0.046875 0.0625   0.078125 0.09375  0.109375\n 0.125    0.140625 0.15625  0.171875 0.1875   0.203125 0.21875  0.234375\n 0.25     0.265625 0.28125  0.296875 0.3125   0.328125 0.34375  0.359375\n 0.375    0.390625 0.40625  0.421875 0.4375   0.453125 0.46875  0.484375\n 0.5      0.515625 0.53125  0.546875 0.5625   0.578125 0.59375  0.609375\n 0.625    0.640625 0.65625  0.671875 0.6875   0.703125 0.71875  0.734375\n 0.75     0.765625 0.78125  0.796875 0.8125   0.828125 0.84375  0.859375\n 0.875    0.890625 0.90625  0.921875 0.9375   0.953125 0.96875  0.984375\n 1.       1.015625 1.03125  1.046875 1.0625   1.078125 1.09375  1.109375\n 1.125    1.140625 1.15625  1.171875 1.1875   1.203125 1.21875  1.234375\n 1.25     1.265625 1.28125  1.296875 1.3125   1.328125 1.34375  1.359375\n 1.375    1.390625 1.40625  1.421875 1.4375   1.453125 1.46875  1.484375\n 1.5      1.515625 1.53125  1.546875 1.5625   1.578125 1.59375  1.609375\n 1.625    1.640625 1.65625  1.671875 1.6875   1.703125 1.71875  1.734375\n 1.75     1.765625 1.78125  1.796875 1.8125   1.828125 1.84375  1.859375\n 1.875    1.890625 1.90625  1.921875 1.9375   1.953125 1.96875  1.984375\n 2.      ], shape=(129,), dtype=float64)");
    // str(tf.zeros((0, 2)))
    assert_eq!(
        tf::tensor_str(&f32s(&[0, 2], &[])),
        "tf.Tensor([], shape=(0, 2), dtype=float32)"
    );
    // repr(tf.constant([1.0, 2.0]))
    assert_eq!(
        tf::tensor_repr(&f32s(&[2], &[1.0, 2.0])),
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1., 2.], dtype=float32)>"
    );
    // repr(tf.constant(3))
    assert_eq!(
        tf::tensor_repr(&Tensor::scalar(3.0, DType::I32)),
        "<tf.Tensor: shape=(), dtype=int32, numpy=3>"
    );
    // repr(tf.constant([[0.5, 0.25], [1.0, 2.0]]))
    assert_eq!(tf::tensor_repr(&f32s(&[2, 2], &[0.5, 0.25, 1.0, 2.0])), "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\narray([[0.5 , 0.25],\n       [1.  , 2.  ]], dtype=float32)>");
    // repr(tf.constant([1, 2], dtype=tf.int64))
    assert_eq!(
        tf::tensor_repr(&i64s(&[2], &[1, 2])),
        "<tf.Tensor: shape=(2,), dtype=int64, numpy=array([1, 2])>"
    );
    // repr(tf.Variable([[0.5, 0.25]]))
    assert_eq!(tf::variable_repr("Variable:0", &f32s(&[1, 2], &[0.5, 0.25])), "<tf.Variable 'Variable:0' shape=(1, 2) dtype=float32, numpy=array([[0.5 , 0.25]], dtype=float32)>");
    // repr(tf.Variable(1.0, name='weights'))
    assert_eq!(
        tf::variable_repr("weights:0", &Tensor::scalar(1.0, DType::F32)),
        "<tf.Variable 'weights:0' shape=() dtype=float32, numpy=1.0>"
    );
    // repr(tf.Variable(tf.ones((2, 4)) * 0.01))
    assert_eq!(tf::variable_repr("Variable:0", &gen(&[2, 4], |_| 0.01f32)), "<tf.Variable 'Variable:0' shape=(2, 4) dtype=float32, numpy=\narray([[0.01, 0.01, 0.01, 0.01],\n       [0.01, 0.01, 0.01, 0.01]], dtype=float32)>");
    // repr(tf.Variable(tf.reshape(tf.range(30.0), (3, 10)) / 7))
    assert_eq!(tf::variable_repr("Variable:0", &gen(&[3, 10], |i| i as f32 / 7.0)), "<tf.Variable 'Variable:0' shape=(3, 10) dtype=float32, numpy=\narray([[0.        , 0.14285715, 0.2857143 , 0.42857143, 0.5714286 ,\n        0.71428573, 0.85714287, 1.        , 1.1428572 , 1.2857143 ],\n       [1.4285715 , 1.5714285 , 1.7142857 , 1.8571428 , 2.        ,\n        2.142857  , 2.2857144 , 2.4285715 , 2.5714285 , 2.7142856 ],\n       [2.857143  , 3.        , 3.142857  , 3.2857144 , 3.4285715 ,\n        3.5714285 , 3.7142856 , 3.857143  , 4.        , 4.142857  ]],\n      dtype=float32)>");
    // str(tf.zeros((2, 4)).shape)
    assert_eq!(tf::shape_str(&[2, 4]), "(2, 4)");
    // str(tf.zeros((3,)).shape)
    assert_eq!(tf::shape_str(&[3]), "(3,)");
    // str(tf.constant(1.0).shape)
    assert_eq!(tf::shape_str(&[]), "()");
    // repr(tf.zeros((2, 4)).shape)
    assert_eq!(tf::shape_repr(&[2, 4]), "TensorShape([2, 4])");
    // repr(tf.constant(1.0).shape)
    assert_eq!(tf::shape_repr(&[]), "TensorShape([])");
    // str(tf.float32)
    assert_eq!(tf::dtype_str(DType::F32), "<dtype: 'float32'>");
    // repr(tf.int64)
    assert_eq!(tf::dtype_repr(DType::I64), "tf.int64");
    // str(tf.IndexedSlices(tf.constant([[1.0, 1.2], [0.2, 0.4], [1.0, 1.2]]), tf.constant([2, 0, 2]), tf.constant([3, 2])))
    assert_eq!(tf::indexed_slices_str(&i32s(&[3], &[2, 0, 2]), &f32s(&[3, 2], &[1.0, 1.2, 0.2, 0.4, 1.0, 1.2]), &i32s(&[2], &[3, 2])), "IndexedSlices(indices=tf.Tensor([2 0 2], shape=(3,), dtype=int32), values=tf.Tensor(\n[[1.  1.2]\n [0.2 0.4]\n [1.  1.2]], shape=(3, 2), dtype=float32), dense_shape=tf.Tensor([3 2], shape=(2,), dtype=int32))");
}
