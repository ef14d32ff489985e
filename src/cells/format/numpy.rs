//! NumPy 1.26's printing of arrays and scalars: `str(a)`, `repr(a)`, `str(np.float32(x))`.
//!
//! A port of `numpy/core/arrayprint.py` with its default print options (precision 8, threshold
//! 1000, edgeitems 3, linewidth 75, floatmode `maxprec`, no suppression): one element formatter
//! per array chosen from the values shown (`FloatingFormat`, `IntegerFormat`, `BoolFormat`), then
//! `_formatArray`'s nested brackets, line wrapping and `...` summarization.

use ndarray::IxDyn;

use super::digits::{positional, scientific, Dragon, Float, Trim};
use super::layout::{ElemFormat, Layout};
use crate::engine::dtype::DType;
use crate::engine::tensor::{Arr, Tensor};

const PRECISION: usize = 8;
const THRESHOLD: usize = 1000;
pub(super) const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 75;

/// `str(a)` of an ndarray holding `t` (a 0-d array prints as its scalar).
pub fn array_str(t: &Tensor) -> String {
    if t.rank() == 0 {
        return scalar_str(t);
    }
    array2string(t, " ", "", LINE_WIDTH, PRECISION)
}

/// `np.array2string(a)` with the default options: a 0-d array as its bare value (`0.1`), as
/// `np.testing` writes its largest difference.
pub fn array2string_default(t: &Tensor) -> String {
    array2string(t, " ", "", LINE_WIDTH, PRECISION)
}

/// `repr(a)`: `array([1., 2.], dtype=float32)`, the dtype left out where NumPy implies it.
pub fn array_repr(t: &Tensor) -> String {
    array_repr_precision(t, PRECISION)
}

/// `np.array_repr(a, precision=p)`: as `repr(a)` with at most `p` fraction digits, as
/// `np.testing`'s messages show the arrays they compared.
pub fn array_repr_precision(t: &Tensor, precision: usize) -> String {
    let implied = matches!(t.dtype(), DType::F64 | DType::I64 | DType::Bool);
    let skip_dtype = implied && !t.is_empty();
    let suffix = if skip_dtype { ")" } else { "," };
    let body = if !t.is_empty() || t.shape() == [0] {
        array2string(t, ", ", "array(", LINE_WIDTH - suffix.len(), precision)
    } else {
        format!("[], shape={}", tuple_of(t.shape()))
    };
    let arr = format!("array({body}{suffix}");
    if skip_dtype {
        return arr;
    }
    let dtype = format!("dtype={})", t.dtype().name());
    let last_line = arr.len() - arr.rfind('\n').map_or(0, |i| i + 1);
    let spacer = if last_line + dtype.len() + 1 > LINE_WIDTH {
        "\n      "
    } else {
        " "
    };
    format!("{arr}{spacer}{dtype}")
}

/// `str` (and, in NumPy 1.26, `repr`) of the NumPy scalar in the 0-d `t`: `np.float32(0.1)`
/// prints `0.1`, `np.float64(1e-5)` prints `1e-05`. The first element is used if `t` is not 0-d.
pub fn scalar_str(t: &Tensor) -> String {
    fn first<T: Copy>(a: &Arr<T>) -> Option<T> {
        a.iter().next().copied()
    }
    match t {
        Tensor::F32(a) => first(a).map(float_scalar_str),
        Tensor::F64(a) => first(a).map(float_scalar_str),
        Tensor::I32(a) => first(a).map(|x| x.to_string()),
        Tensor::I64(a) => first(a).map(|x| x.to_string()),
        Tensor::Bool(a) => first(a).map(|x| if x { "True" } else { "False" }.to_string()),
    }
    .unwrap_or_default()
}

/// A NumPy float scalar's str: positional between 1e-4 and 1e16, scientific outside.
pub fn float_scalar_str<F: Float>(v: F) -> String {
    let a = v.abs().to_f64();
    if a == 0.0 || (1e-4..1e16).contains(&a) || !v.is_finite() {
        let o = Dragon {
            trim: Trim::LeaveOneZero,
            ..Dragon::default()
        };
        positional(v, &o)
    } else {
        let o = Dragon {
            trim: Trim::DotZeros,
            ..Dragon::default()
        };
        scientific(v, &o)
    }
}

/// `(2, 4)`, `(2,)`, `()`: a shape as a Python tuple.
pub fn tuple_of(shape: &[usize]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `np.array2string(a, separator=, prefix=)` with `linewidth` already reduced by the suffix.
fn array2string(
    t: &Tensor,
    separator: &str,
    prefix: &str,
    line_width: usize,
    precision: usize,
) -> String {
    if t.is_empty() {
        return "[]".into();
    }
    let summarize = t.len() > THRESHOLD;
    let layout = Layout {
        shape: t.shape().to_vec(),
        line_width,
        separator: separator.to_string(),
        summarize,
    };
    let next_line_prefix = " ".repeat(1 + prefix.len());
    let is_0d = t.rank() == 0;
    match t {
        Tensor::F32(a) => layout.render(
            a,
            &FloatFormat::new(&corners(a, summarize), precision),
            &next_line_prefix,
        ),
        Tensor::F64(a) => layout.render(
            a,
            &FloatFormat::new(&corners(a, summarize), precision),
            &next_line_prefix,
        ),
        Tensor::I32(a) => layout.render(
            a,
            &IntFormat::new(&corners(a, summarize)),
            &next_line_prefix,
        ),
        Tensor::I64(a) => layout.render(
            a,
            &IntFormat::new(&corners(a, summarize)),
            &next_line_prefix,
        ),
        Tensor::Bool(a) => layout.render(a, &BoolFormat { pad: !is_0d }, &next_line_prefix),
    }
}

/// The indices each axis shows: all, or the first and last `EDGE_ITEMS` when summarizing.
fn shown(n: usize, summarize: bool) -> Vec<usize> {
    if summarize && n > 2 * EDGE_ITEMS {
        (0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect()
    } else {
        (0..n).collect()
    }
}

/// The values `_leading_trailing` keeps (every value when not summarizing), row-major.
fn corners<T: Copy>(a: &Arr<T>, summarize: bool) -> Vec<T> {
    if !summarize {
        return a.iter().copied().collect();
    }
    let axes: Vec<Vec<usize>> = a.shape().iter().map(|&n| shown(n, true)).collect();
    let mut out = Vec::new();
    let mut idx = vec![0usize; axes.len()];
    let mut pos = vec![0usize; axes.len()];
    loop {
        for (k, p) in pos.iter().enumerate() {
            idx[k] = axes[k][*p];
        }
        out.push(a[IxDyn(&idx)]);
        // Odometer increment over the kept indices of every axis.
        let mut k = axes.len();
        loop {
            if k == 0 {
                return out;
            }
            k -= 1;
            pos[k] += 1;
            if pos[k] < axes[k].len() {
                break;
            }
            pos[k] = 0;
        }
    }
}

/// NumPy's `FloatingFormat` in `maxprec` mode.
struct FloatFormat {
    exp_format: bool,
    precision: usize,
    pad_left: usize,
    pad_right: usize,
    exp_size: Option<usize>,
}

impl FloatFormat {
    fn new<F: Float + std::ops::Div<Output = F>>(data: &[F], precision: usize) -> FloatFormat {
        let finite: Vec<F> = data.iter().copied().filter(|x| x.is_finite()).collect();
        let nonzero: Vec<F> = finite
            .iter()
            .map(|x| x.abs())
            .filter(|x| x.to_f64() != 0.0)
            .collect();
        let mut exp_format = false;
        if let (Some(&max), Some(&min)) = (
            nonzero
                .iter()
                .max_by(|a, b| a.partial_cmp(b).expect("finite")),
            nonzero
                .iter()
                .min_by(|a, b| a.partial_cmp(b).expect("finite")),
        ) {
            // The ratio is taken in the array's own dtype, as NumPy divides its scalars.
            let ratio = (max / min).to_f64();
            exp_format = max.to_f64() >= 1e8 || min.to_f64() < 0.0001 || ratio > 1000.0;
        }
        let mut f = FloatFormat {
            exp_format,
            precision,
            pad_left: 0,
            pad_right: 0,
            exp_size: None,
        };
        if finite.is_empty() {
            // Only non-finite values: their widths alone decide.
        } else if exp_format {
            let o = Dragon {
                precision: Some(precision),
                trim: Trim::Dot,
                ..Dragon::default()
            };
            let strs: Vec<String> = finite.iter().map(|&x| scientific(x, &o)).collect();
            let mut exp_size = 0;
            let (mut prec, mut left) = (0, 0);
            for s in &strs {
                let (mant, exp) = s.split_once('e').unwrap_or((s, ""));
                exp_size = exp_size.max(exp.len().saturating_sub(1));
                let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
                left = left.max(int.len());
                prec = prec.max(frac.len());
            }
            f.precision = prec;
            f.pad_left = left;
            f.exp_size = Some(exp_size);
            f.pad_right = exp_size + 2 + prec;
        } else {
            let o = Dragon {
                precision: Some(precision),
                trim: Trim::Dot,
                ..Dragon::default()
            };
            for &x in &finite {
                let s = positional(x, &o);
                let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
                f.pad_left = f.pad_left.max(int.len());
                f.pad_right = f.pad_right.max(frac.len());
            }
        }
        if data.len() != finite.len() {
            let neg_inf = data
                .iter()
                .any(|x| !x.is_finite() && !x.is_nan() && x.is_sign_negative());
            let offset = f.pad_right + 1;
            let inf_len = 3 + usize::from(neg_inf);
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max(inf_len.saturating_sub(offset));
        }
        f
    }
}

impl<F: Float> ElemFormat<F> for FloatFormat {
    fn fmt(&self, x: F) -> String {
        if !x.is_finite() {
            let s = if x.is_nan() {
                "nan"
            } else if x.is_sign_negative() {
                "-inf"
            } else {
                "inf"
            };
            let width = self.pad_left + self.pad_right + 1;
            return format!("{s:>width$}");
        }
        if self.exp_format {
            let o = Dragon {
                precision: Some(self.precision),
                min_digits: Some(self.precision),
                trim: Trim::Keep,
                pad_left: self.pad_left,
                exp_digits: self.exp_size,
                ..Dragon::default()
            };
            scientific(x, &o)
        } else {
            let o = Dragon {
                precision: Some(self.precision),
                min_digits: Some(0),
                trim: Trim::Dot,
                pad_left: self.pad_left,
                pad_right: Some(self.pad_right),
                ..Dragon::default()
            };
            positional(x, &o)
        }
    }
}

/// NumPy's `IntegerFormat`: right-aligned to the widest of the largest and smallest value.
struct IntFormat {
    width: usize,
}

impl IntFormat {
    fn new<I: Copy + Ord + ToString>(data: &[I]) -> IntFormat {
        let width = match (data.iter().max(), data.iter().min()) {
            (Some(max), Some(min)) => max.to_string().len().max(min.to_string().len()),
            _ => 0,
        };
        IntFormat { width }
    }
}

impl<I: ToString> ElemFormat<I> for IntFormat {
    fn fmt(&self, x: I) -> String {
        format!("{:>w$}", x.to_string(), w = self.width)
    }
}

/// NumPy's `BoolFormat`: ` True` beside `False` except in a 0-d array.
struct BoolFormat {
    pad: bool,
}

impl ElemFormat<bool> for BoolFormat {
    fn fmt(&self, x: bool) -> String {
        match (x, self.pad) {
            (true, true) => " True".into(),
            (true, false) => "True".into(),
            (false, _) => "False".into(),
        }
    }
}
