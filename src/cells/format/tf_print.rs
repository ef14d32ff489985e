//! What `tf.print` writes of a tensor: TensorFlow 2.15's `Tensor::SummarizeValue(summarize,
//! print_v2=true)` (tensor.cc `PrintOneDimV2`): `summarize` items at each end of every
//! dimension with `...` between, rows on lines of their own, and each element as `StrCat`
//! writes it (`FloatToBuffer`: `%.6g` if it reads back, else `%.9g`; `%.15g`/`%.17g` for
//! float64; a bool as 1 or 0).

use super::py::format_float;
use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

/// `tf.print`'s text of `t`, with `summarize` elements at each end of each dimension (all of
/// them when negative).
pub fn summarize(t: &Tensor, summarize: i64) -> String {
    let n = t.len();
    let limit = match usize::try_from(summarize) {
        Ok(s) => s.min(n),
        Err(_) => n,
    };
    let elements: Vec<String> = element_texts(t);
    let shape = t.shape();
    let mut out = String::new();
    if shape.is_empty() {
        // a scalar: its one element (none when summarize is 0)
        if limit > 0 {
            out.push_str(&elements[0]);
        }
        return out;
    }
    one_dim(0, shape, limit, &elements, 0, &mut out);
    out
}

/// `PrintOneDimV2`: dimension `dim` of the block starting at element `at`.
fn one_dim(
    dim: usize,
    shape: &[usize],
    ends: usize,
    elements: &[String],
    at: usize,
    out: &mut String,
) {
    if dim == shape.len() {
        out.push_str(&elements[at]);
        return;
    }
    out.push('[');
    let count = shape[dim];
    let start_of_end = ends.max(count.saturating_sub(ends));
    let per_item: usize = shape[dim + 1..].iter().product();
    for i in 0..ends.min(count) {
        if i > 0 {
            spacing(dim, shape.len(), out);
        }
        one_dim(dim + 1, shape, ends, elements, at + per_item * i, out);
    }
    if count > 2 * ends {
        spacing(dim, shape.len(), out);
        out.push_str("...");
    }
    for i in start_of_end..count {
        spacing(dim, shape.len(), out);
        one_dim(dim + 1, shape, ends, elements, at + per_item * i, out);
    }
    out.push(']');
}

/// `PrintDimSpacing`: a space between elements of the innermost dimension; between rows, a
/// newline per dimension below and an indent of one space per dimension above.
fn spacing(dim: usize, rank: usize, out: &mut String) {
    if dim + 1 == rank {
        out.push(' ');
        return;
    }
    for _ in 0..rank - dim - 1 {
        out.push('\n');
    }
    for _ in 0..=dim {
        out.push(' ');
    }
}

/// Each element's text, in order.
fn element_texts(t: &Tensor) -> Vec<String> {
    match t.dtype() {
        DType::F32 => t
            .to_f64_vec()
            .into_iter()
            .map(|x| float32(x as f32))
            .collect(),
        DType::F64 => t.to_f64_vec().into_iter().map(float64).collect(),
        DType::Bool => t
            .to_f64_vec()
            .into_iter()
            .map(|x| if x != 0.0 { "1" } else { "0" }.to_string())
            .collect(),
        DType::I32 | DType::I64 => match t.as_indices() {
            Some(v) => v.into_iter().map(|x| x.to_string()).collect(),
            None => t
                .to_f64_vec()
                .into_iter()
                .map(|x| (x as i64).to_string())
                .collect(),
        },
    }
}

/// `FloatToBuffer`: `%.6g` when it reads back as the same float32, else `%.9g`; a NaN is
/// `nan` or `-nan` by its sign.
fn float32(x: f32) -> String {
    if x.is_nan() {
        return nan(x.is_sign_negative());
    }
    let short = format_float(f64::from(x), 'g', 6, false, false);
    if short.parse::<f32>().ok() == Some(x) {
        return short;
    }
    format_float(f64::from(x), 'g', 9, false, false)
}

/// `DoubleToBuffer`: `%.15g` when it reads back as the same float64, else `%.17g`.
fn float64(x: f64) -> String {
    if x.is_nan() {
        return nan(x.is_sign_negative());
    }
    let short = format_float(x, 'g', 15, false, false);
    if short.parse::<f64>().ok() == Some(x) {
        return short;
    }
    format_float(x, 'g', 17, false, false)
}

fn nan(negative: bool) -> String {
    if negative { "-nan" } else { "nan" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32s(shape: &[usize], v: &[f64]) -> Tensor {
        Tensor::from_f64s(shape, v, DType::F32).unwrap()
    }

    // expected texts are TensorFlow 2.15's `tf.print` of the same tensors
    #[test]
    fn ends_of_each_dimension_with_dots_between() {
        let r: Vec<f64> = (0..10).map(f64::from).collect();
        let t = Tensor::from_f64s(&[10], &r, DType::I32).unwrap();
        assert_eq!(summarize(&t, 3), "[0 1 2 ... 7 8 9]");
        assert_eq!(summarize(&t, 2), "[0 1 ... 8 9]");
        assert_eq!(summarize(&t, -1), "[0 1 2 3 4 5 6 7 8 9]");
        let m: Vec<f64> = (0..100).map(f64::from).collect();
        let t = Tensor::from_f64s(&[10, 10], &m, DType::I32).unwrap();
        assert_eq!(
            summarize(&t, 3),
            "[[0 1 2 ... 7 8 9]\n [10 11 12 ... 17 18 19]\n [20 21 22 ... 27 28 29]\n ...\n [70 71 72 ... 77 78 79]\n [80 81 82 ... 87 88 89]\n [90 91 92 ... 97 98 99]]"
        );
        let c: Vec<f64> = (0..8).map(f64::from).collect();
        let t = Tensor::from_f64s(&[2, 2, 2], &c, DType::I32).unwrap();
        assert_eq!(summarize(&t, 3), "[[[0 1]\n  [2 3]]\n\n [[4 5]\n  [6 7]]]");
        assert_eq!(summarize(&f32s(&[0, 2], &[]), 3), "[]");
        assert_eq!(summarize(&f32s(&[2, 0], &[]), 3), "[\n ...]");
    }

    #[test]
    fn floats_as_few_digits_as_read_back() {
        let t = f32s(&[5], &[1.0 / 3.0, 2.0, 1e-8, 123456789.0, -0.5]);
        assert_eq!(summarize(&t, 3), "[0.333333343 2 1e-08 123456792 -0.5]");
        let t = f32s(&[5], &[1.0, 0.1, 100.0, 1e7, 1.25e-5]);
        assert_eq!(summarize(&t, 3), "[1 0.1 100 1e+07 1.25e-05]");
        assert_eq!(summarize(&f32s(&[], &[1e20]), 3), "1e+20");
        assert_eq!(summarize(&f32s(&[], &[123456.7]), 3), "123456.703");
        let d = Tensor::from_f64s(&[2], &[1.0 / 3.0, 1e16], DType::F64).unwrap();
        assert_eq!(summarize(&d, 3), "[0.33333333333333331 1e+16]");
        let b = Tensor::from_f64s(&[2], &[1.0, 0.0], DType::Bool).unwrap();
        assert_eq!(summarize(&b, 3), "[1 0]");
    }
}
