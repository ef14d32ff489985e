//! NumPy's reductions (`np.sum`, `np.mean`, `np.max`, `np.argmax`, `np.std`, ... and the
//! array methods of the same names) with NumPy's axis rules and result dtypes: integer and
//! boolean sums are int64, means of integers float64, `argmax` int64; a `dtype=` casts the
//! elements to it, accumulates in it and gives it, as NumPy's `add.reduce(dtype=)` and
//! `_methods._mean`/`_var` do.

use crate::engine::dtype::DType;
use crate::engine::tensor::Tensor;

use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::Value;

/// A reduction NumPy offers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reduction {
    Sum,
    Prod,
    Mean,
    Max,
    Min,
    Std,
    Var,
    ArgMax,
    ArgMin,
    All,
    Any,
}

impl Reduction {
    pub fn parse(name: &str) -> Option<Reduction> {
        Some(match name {
            "sum" => Reduction::Sum,
            "prod" => Reduction::Prod,
            "mean" => Reduction::Mean,
            "max" | "amax" => Reduction::Max,
            "min" | "amin" => Reduction::Min,
            "std" => Reduction::Std,
            "var" => Reduction::Var,
            "argmax" => Reduction::ArgMax,
            "argmin" => Reduction::ArgMin,
            "all" => Reduction::All,
            "any" => Reduction::Any,
            _ => return None,
        })
    }

    /// The parameters after the array, in NumPy's order (the function's and the method's).
    pub fn params(self) -> &'static [&'static str] {
        match self {
            Reduction::Sum | Reduction::Prod => &["axis", "dtype", "out", "keepdims", "initial"],
            Reduction::Mean => &["axis", "dtype", "out", "keepdims"],
            Reduction::Std | Reduction::Var => &["axis", "dtype", "out", "ddof", "keepdims"],
            Reduction::Max | Reduction::Min => &["axis", "out", "keepdims", "initial"],
            _ => &["axis", "out", "keepdims"],
        }
    }

    /// The dtype NumPy accumulates in: `dtype=` when given; else a sum's or product's result
    /// dtype, and float64 for the mean, std and var of integers; the element dtype for the rest.
    fn accumulate_dtype(self, d: DType, asked: Option<DType>) -> DType {
        match (self, asked) {
            (Reduction::Sum | Reduction::Prod, None) => self.out_dtype(d),
            (Reduction::Mean | Reduction::Std | Reduction::Var, None) if !d.is_float() => {
                DType::F64
            }
            (_, Some(asked)) => asked,
            _ => d,
        }
    }

    /// The dtype of the result without `dtype=`: integer and boolean sums and products are
    /// int64 (NumPy's `long`), as are their running sums and products (`np.cumsum`).
    pub(super) fn out_dtype(self, d: DType) -> DType {
        match self {
            Reduction::Sum | Reduction::Prod if !d.is_float() => DType::I64,
            Reduction::Mean | Reduction::Std | Reduction::Var if !d.is_float() => DType::F64,
            Reduction::ArgMax | Reduction::ArgMin => DType::I64,
            Reduction::All | Reduction::Any => DType::Bool,
            _ => d,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Reduction::Max => "maximum",
            Reduction::Min => "minimum",
            Reduction::ArgMax => "argmax",
            _ => "argmin",
        }
    }

    /// One group of values, already cast to the accumulating dtype, reduced to one value;
    /// `round` rounds to that dtype (float32 sums are float32 sums, int32 sums wrap). `orig` is
    /// the group as the array holds it, from which `var` and `std` take deviations in `dev`.
    fn apply(self, xs: &[f64], orig: &[f64], ddof: f64, round: Rounding, pairwise: bool) -> f64 {
        let n = xs.len() as f64;
        let sum = |xs: &[f64]| {
            if pairwise {
                pairwise_sum(xs, round.acc)
            } else {
                xs.iter().fold(0.0, |a, &x| (round.acc)(a + x))
            }
        };
        let mean = || (round.acc)(sum(xs) / n);
        let pick = |better: fn(f64, f64) -> bool| {
            let mut best = 0;
            for (k, &x) in xs.iter().enumerate() {
                if xs[best].is_nan() {
                    break;
                }
                if x.is_nan() || better(x, xs[best]) {
                    best = k;
                }
            }
            best
        };
        match self {
            Reduction::Sum => sum(xs),
            Reduction::Prod => xs.iter().fold(1.0, |a, &x| (round.acc)(a * x)),
            Reduction::Mean => mean(),
            Reduction::Max => xs[pick(|a, b| a > b)],
            Reduction::Min => xs[pick(|a, b| a < b)],
            Reduction::ArgMax => pick(|a, b| a > b) as f64,
            Reduction::ArgMin => pick(|a, b| a < b) as f64,
            Reduction::Var | Reduction::Std => {
                // `_var`: x = arr - mean in their common dtype, x * x, summed in the
                // accumulating dtype
                let m = mean();
                let squares: Vec<f64> = orig
                    .iter()
                    .map(|&x| {
                        let d = (round.dev)(x - m);
                        (round.acc)((round.dev)(d * d))
                    })
                    .collect();
                // NumPy divides by max(n - ddof, 0): inf or nan once ddof reaches n
                let v = (round.acc)(sum(&squares) / (n - ddof).max(0.0));
                if self == Reduction::Std {
                    (round.acc)(v.sqrt())
                } else {
                    v
                }
            }
            Reduction::All => f64::from(u8::from(xs.iter().all(|&x| x != 0.0))),
            Reduction::Any => f64::from(u8::from(xs.iter().any(|&x| x != 0.0))),
        }
    }
}

impl Reduction {
    /// Whether an integer accumulation of this reduction is computed exactly by `apply_ints`
    /// (a mean, std or var of integers accumulates in float64).
    fn exact_on_ints(self) -> bool {
        matches!(
            self,
            Reduction::Sum
                | Reduction::Prod
                | Reduction::Max
                | Reduction::Min
                | Reduction::ArgMax
                | Reduction::ArgMin
        )
    }

    /// One group of integers reduced exactly: sums and products wrap as NumPy's do (the
    /// int32 result is the low 32 bits of the i64 one); argmax and argmin take the first
    /// extreme.
    fn apply_ints(self, xs: &[i64]) -> i64 {
        let pick = |better: fn(i64, i64) -> bool| {
            let mut best = 0;
            for (k, &x) in xs.iter().enumerate() {
                if better(x, xs[best]) {
                    best = k;
                }
            }
            best
        };
        match self {
            Reduction::Sum => xs.iter().fold(0i64, |a, &x| a.wrapping_add(x)),
            Reduction::Prod => xs.iter().fold(1i64, |a, &x| a.wrapping_mul(x)),
            Reduction::Max => xs[pick(|a, b| a > b)],
            Reduction::Min => xs[pick(|a, b| a < b)],
            Reduction::ArgMax => pick(|a, b| a > b) as i64,
            _ => pick(|a, b| a < b) as i64,
        }
    }
}

/// Rounding of a value to the dtype a reduction accumulates in (`acc`) and to the dtype of
/// `arr - mean` in `var` (`dev`).
#[derive(Clone, Copy)]
struct Rounding {
    acc: fn(f64) -> f64,
    dev: fn(f64) -> f64,
}

/// A value stored in `d`: float32 rounds, integers truncate toward zero (and int32 wraps, as
/// C's conversion of an int64 does), a bool is whether it is nonzero.
fn rounding(d: DType) -> fn(f64) -> f64 {
    match d {
        DType::F32 => |x| f64::from(x as f32),
        DType::F64 => |x| x,
        DType::I32 => |x| f64::from(x as i64 as i32),
        DType::I64 => |x| x as i64 as f64,
        DType::Bool => |x| f64::from(u8::from(x != 0.0)),
    }
}

/// `initial=` of a sum, product, max or min, folded into its result `out` (the reduction of
/// the elements alone): the initial value cast to the result's dtype, then added, multiplied
/// or compared as NumPy's ufunc reduce starts from it (a NaN on either side stays NaN).
pub fn with_initial(r: Reduction, out: &Tensor, initial: &Tensor) -> Result<Tensor, Raise> {
    let round = rounding(out.dtype());
    let init = round(initial.to_f64_vec().first().copied().unwrap_or(0.0));
    if let Some(ints) = super::ints::values(out) {
        // integer results take the initial value exactly, wrapping as the reduction does
        let cast = super::ints::values(&initial.cast(out.dtype()));
        let init = cast.and_then(|v| v.first().copied()).unwrap_or(0);
        let vals: Vec<i64> = ints
            .into_iter()
            .map(|x| match r {
                Reduction::Sum => x.wrapping_add(init),
                Reduction::Prod => x.wrapping_mul(init),
                Reduction::Max => x.max(init),
                _ => x.min(init),
            })
            .collect();
        return Ok(super::ints::tensor(out.shape(), &vals, out.dtype()));
    }
    let vals: Vec<f64> = out
        .to_f64_vec()
        .into_iter()
        .map(|x| match r {
            Reduction::Sum => round(init + x),
            Reduction::Prod => round(init * x),
            _ if x.is_nan() || init.is_nan() => f64::NAN,
            Reduction::Max => x.max(init),
            _ => x.min(init),
        })
        .collect();
    Ok(Tensor::from_f64s(out.shape(), &vals, out.dtype())?)
}

/// The result of a max or min of no elements given `initial=`: the initial value, cast to the
/// array's dtype, in each place.
pub fn only_initial(shaped: &Tensor, dtype: DType, initial: &Tensor) -> Tensor {
    initial
        .cast(dtype)
        .broadcast_to(shaped.shape())
        .unwrap_or_else(|| Tensor::full(shaped.shape(), 0.0, dtype))
}

/// The axes a reduction reads: `None`, an int or a tuple of ints, normalized against `rank`.
pub fn axes_of(axis: Option<&Value>, rank: usize) -> Result<Option<Vec<usize>>, Raise> {
    let raw: Vec<i64> = match axis {
        None | Some(Value::None) => return Ok(None),
        Some(Value::Int(i)) => vec![*i],
        Some(v @ (Value::Tuple(_) | Value::List(_))) => v
            .items()
            .unwrap_or_default()
            .iter()
            .map(|x| match x {
                Value::Int(i) => Ok(*i),
                _ => Err(Raise::type_error("an axis must be an integer")),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => {
            return Err(Raise::type_error(format!(
                "'{}' object cannot be interpreted as an integer",
                other.type_name()
            )))
        }
    };
    let mut out = Vec::new();
    for a in raw {
        let k = if a < 0 { a + rank as i64 } else { a };
        if k < 0 || k >= rank as i64 {
            return Err(Raise::new(
                RaiseKind::AxisError,
                format!("axis {a} is out of bounds for array of dimension {rank}"),
            ));
        }
        if out.contains(&(k as usize)) {
            return Err(Raise::value_error("duplicate value in 'axis'"));
        }
        out.push(k as usize);
    }
    Ok(Some(out))
}

/// Reduces `t` over `axes` (all of them when None); `ddof` is `np.std`'s.
pub fn reduce(
    r: Reduction,
    t: &Tensor,
    axes: Option<Vec<usize>>,
    keepdims: bool,
    ddof: f64,
) -> Result<Tensor, Raise> {
    reduce_as(r, t, axes, keepdims, ddof, None)
}

/// `reduce` with NumPy's `dtype=`: the elements cast to it, summed in it, the result in it.
pub fn reduce_as(
    r: Reduction,
    t: &Tensor,
    axes: Option<Vec<usize>>,
    keepdims: bool,
    ddof: f64,
    dtype: Option<DType>,
) -> Result<Tensor, Raise> {
    let rank = t.rank();
    let flat_arg = axes.is_none() && matches!(r, Reduction::ArgMax | Reduction::ArgMin);
    let axes = axes.unwrap_or_else(|| (0..rank).collect());
    if matches!(r, Reduction::ArgMax | Reduction::ArgMin) && axes.len() > 1 && !flat_arg {
        return Err(Raise::type_error("an argmax or argmin axis is one integer"));
    }
    let shape = t.shape();
    let reduced = |d: usize| axes.contains(&d);
    let kept: Vec<usize> = (0..rank)
        .map(|d| if reduced(d) { 1 } else { shape[d] })
        .collect();
    let groups_n: usize = kept.iter().product();
    // the reduced axes' size: a zero-size kept axis leaves no groups, not empty ones
    let group_len: usize = (0..rank)
        .filter(|&d| reduced(d))
        .map(|d| shape[d])
        .product();
    if group_len == 0
        && matches!(
            r,
            Reduction::Max | Reduction::Min | Reduction::ArgMax | Reduction::ArgMin
        )
    {
        return Err(Raise::value_error(format!(
            "zero-size array to reduction operation {} which has no identity",
            r.name()
        )));
    }
    let acc = r.accumulate_dtype(t.dtype(), dtype);
    let out_dtype = dtype.unwrap_or_else(|| r.out_dtype(t.dtype()));
    let spread = matches!(r, Reduction::Var | Reduction::Std);
    let out_shape: Vec<usize> = if keepdims && !flat_arg {
        kept.clone()
    } else {
        (0..rank)
            .filter(|&d| !reduced(d))
            .map(|d| shape[d])
            .collect()
    };
    if let Some(ints) = super::ints::values(&t.cast(acc)).filter(|_| r.exact_on_ints()) {
        let out: Vec<i64> = group(&ints, shape, &kept, &reduced, group_len)
            .iter()
            .map(|g| r.apply_ints(g))
            .collect();
        return Ok(super::ints::tensor(&out_shape, &out, out_dtype));
    }
    let groups = group(&t.cast(acc).to_f64_vec(), shape, &kept, &reduced, group_len);
    // var and std take deviations from the elements as they are, not as cast
    let originals = if spread {
        group(&t.to_f64_vec(), shape, &kept, &reduced, group_len)
    } else {
        vec![vec![]; groups_n]
    };
    let round = Rounding {
        acc: rounding(acc),
        dev: rounding(super::promote::promote(t.dtype(), acc)),
    };
    let out_rank = if keepdims { rank } else { rank - axes.len() };
    if r == Reduction::Std && !acc.is_float() && out_rank > 0 {
        // `_std` takes `sqrt(ret, out=ret)` of an integer array
        return Err(Raise::new(
            RaiseKind::UFuncTypeError,
            format!(
                "Cannot cast ufunc 'sqrt' output from dtype('float64') to dtype('{}') with casting rule 'same_kind'",
                acc.name()
            ),
        ));
    }
    // NumPy sums a contiguous run (the trailing axes) pairwise, other axes row by row
    let pairwise = axes.iter().all(|&d| d + axes.len() >= rank);
    let out: Vec<f64> = groups
        .iter()
        .zip(&originals)
        .map(|(g, o)| r.apply(g, o, ddof, round, pairwise))
        .collect();
    Ok(Tensor::from_f64s(&out_shape, &out, out_dtype)?)
}

/// Row-major `vals` of `shape` gathered into one group per kept position.
fn group<T: Copy>(
    vals: &[T],
    shape: &[usize],
    kept: &[usize],
    reduced: &dyn Fn(usize) -> bool,
    group_len: usize,
) -> Vec<Vec<T>> {
    let rank = shape.len();
    let mut groups: Vec<Vec<T>> =
        vec![Vec::with_capacity(group_len); kept.iter().product::<usize>()];
    let mut idx = vec![0usize; rank];
    for &x in vals {
        let g = (0..rank).fold(0, |acc, d| {
            acc * kept[d] + if reduced(d) { 0 } else { idx[d] }
        });
        groups[g].push(x);
        for d in (0..rank).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    groups
}

/// NumPy's pairwise summation (`pairwise_sum` in its loops): short runs in order, up to 128
/// values in eight interleaved partial sums, longer ones split in halves; each addition
/// rounded to the dtype.
fn pairwise_sum(xs: &[f64], round: fn(f64) -> f64) -> f64 {
    let n = xs.len();
    if n < 8 {
        return xs.iter().fold(0.0, |a, &x| round(a + x));
    }
    if n <= 128 {
        let mut r = [0.0f64; 8];
        r.copy_from_slice(&xs[..8]);
        let mut i = 8;
        while i + 8 <= n {
            for k in 0..8 {
                r[k] = round(r[k] + xs[i + k]);
            }
            i += 8;
        }
        let mut res = round(
            round(round(r[0] + r[1]) + round(r[2] + r[3]))
                + round(round(r[4] + r[5]) + round(r[6] + r[7])),
        );
        for &x in &xs[i..] {
            res = round(res + x);
        }
        return res;
    }
    let mut half = n / 2;
    half -= half % 8;
    round(pairwise_sum(&xs[..half], round) + pairwise_sum(&xs[half..], round))
}
