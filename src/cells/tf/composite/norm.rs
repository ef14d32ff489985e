//! `tf.norm` and `tf.linalg.norm`: the Euclidean, 1-, inf- and vector p-norms, with the checks
//! `linalg_impl.norm` makes on its axis and ord in Python.

use super::*;

/// `tf.norm(tensor, ord='euclidean', axis=None, keepdims=None)` as `linalg_impl.norm` computes
/// it: the Euclidean (Frobenius) norm `sqrt(reduce_sum(x * x))`, the 1- and inf-norms of vectors
/// and matrices, and vector p-norms `reduce_sum(|x|^p)^(1/p)`, kept dims squeezed unless
/// `keepdims`. The matrix 2-norm needs singular values and is outside the subset.
pub(super) fn norm(
    it: &mut Interp,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    let mut b = bind(
        "norm",
        &["tensor", "ord", "axis", "keepdims", "name"],
        1,
        args,
        kwargs,
    )?
    .into_iter();
    let x = it.to_val(&b.next().flatten().unwrap(), None)?;
    let ord = b.next().flatten().unwrap_or(Value::str("euclidean"));
    let axes = norm_axes(it, b.next().flatten())?;
    let matrix = matches!(&axes, Some(a) if a.len() == 2);
    let ord = norm_ord(it, ord, matrix)?;
    let keepdims = b
        .next()
        .flatten()
        .map(|k| k.truthy())
        .transpose()?
        .unwrap_or(false);
    enum Ord {
        Euclid,
        One,
        Inf,
        P(f64),
    }
    let which = match &ord {
        Value::Str(s) if &**s == "euclidean" => Ord::Euclid,
        Value::Str(s) if &**s == "fro" && matrix => Ord::Euclid,
        Value::Int(2) if !matrix => Ord::Euclid,
        Value::Float(f) if *f == 2.0 && !matrix => Ord::Euclid,
        Value::Int(1) => Ord::One,
        Value::Float(f) if *f == 1.0 => Ord::One,
        Value::Float(f) if f.is_infinite() && *f > 0.0 => Ord::Inf,
        Value::Int(p) if !matrix && *p > 0 => Ord::P(*p as f64),
        Value::Float(p) if !matrix && *p > 0.0 => Ord::P(*p),
        Value::Int(2) | Value::Float(_) if matrix => {
            return Err(Raise::new(
                RaiseKind::NotImplementedError,
                "the matrix 2-norm (singular values) is not in the cell subset; 'fro', 1 and np.inf are",
            ))
        }
        other => {
            let kind = if matrix { "matrix" } else { "vector" };
            return Err(Raise::value_error(format!(
                "'ord' must be a supported {kind} norm, got {}",
                shown(other)
            )));
        }
    };
    let keep = || ("keepdims", Lit::Bool(true));
    let result = match which {
        Ord::Euclid => {
            let sq = op(it, "multiply", vec![], vec![x.clone(), x.clone()])?;
            let s = op(
                it,
                "reduce_sum",
                vec![("axis", axis_lit(&axes)), keep()],
                vec![sq],
            )?;
            op(it, "sqrt", vec![], vec![s])?
        }
        Ord::One | Ord::Inf => {
            let a = op(it, "abs", vec![], vec![x.clone()])?;
            match (&axes, matrix) {
                (Some(ax), true) => {
                    let (sum_axis, max_axis) = match which {
                        Ord::One => (ax[0], ax[1]),
                        _ => (ax[1], ax[0]),
                    };
                    let s = op(
                        it,
                        "reduce_sum",
                        vec![("axis", Lit::Int(sum_axis)), keep()],
                        vec![a],
                    )?;
                    op(
                        it,
                        "reduce_max",
                        vec![("axis", Lit::Int(max_axis)), keep()],
                        vec![s],
                    )?
                }
                _ => {
                    let red = if matches!(which, Ord::One) {
                        "reduce_sum"
                    } else {
                        "reduce_max"
                    };
                    op(it, red, vec![("axis", axis_lit(&axes)), keep()], vec![a])?
                }
            }
        }
        Ord::P(p) => {
            let a = op(it, "abs", vec![], vec![x.clone()])?;
            let d = a.tensor.dtype();
            let pv = filled(it, &[], p, d)?;
            let powed = op(it, "pow", vec![], vec![a, pv])?;
            let s = op(
                it,
                "reduce_sum",
                vec![("axis", axis_lit(&axes)), keep()],
                vec![powed],
            )?;
            let inv = filled(it, &[], 1.0 / p, d)?;
            op(it, "pow", vec![], vec![s, inv])?
        }
    };
    if keepdims {
        return Ok(tensor(result));
    }
    let squeezed = op(it, "squeeze", vec![("axis", axis_lit(&axes))], vec![result])?;
    Ok(tensor(squeezed))
}

/// `tf.norm`'s axis as `linalg_impl.norm` checks it in Python: None, a Python int, or a list or
/// tuple of two different Python ints. `isinstance(axis, int)` refuses a tensor or NumPy
/// integer, and a one-axis list is no vector axis.
fn norm_axes(it: &mut Interp, axis: Option<Value>) -> Result<Option<Vec<i64>>, Raise> {
    let python_int = |v: &Value| match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    };
    let pair = match &axis {
        None | Some(Value::None) => return Ok(None),
        Some(v) => match python_int(v) {
            Some(i) => return Ok(Some(vec![i])),
            None => v.items().filter(|xs| xs.len() == 2),
        },
    };
    if let Some(xs) = &pair {
        if let (Some(a), Some(b)) = (python_int(&xs[0]), python_int(&xs[1])) {
            if a != b {
                return Ok(Some(vec![a, b]));
            }
        }
    }
    // shown as Python formats it: a pair as the tuple it became, a tensor as its NumPy value
    let shown = match (pair, axis.unwrap_or(Value::None)) {
        (Some(xs), _) => Value::tuple(xs),
        (None, Value::Tensor(x)) => Value::array(x.tensor.as_ref().clone()),
        (None, v) => v,
    };
    Err(Raise::value_error(format!(
        "'axis' must be None, an integer, or a tuple of 2 unique integers, got {}",
        super::super::super::print::str(it, &shown)
    )))
}

/// `ord` as `linalg_impl.norm` compares it: a NumPy number by its value; a tensor fails where
/// Python's `ord in ['fro', 'euclidean', ...]` (`['euclidean', 'fro', ...]` for a matrix)
/// compares the string with it, converting the string to the tensor's dtype.
fn norm_ord(it: &mut Interp, ord: Value, matrix: bool) -> Result<Value, Raise> {
    if matches!(ord, Value::NpScalar(_) | Value::Array(_)) {
        let t = it.np_tensor(&ord)?;
        if let ([x], false) = (&t.to_f64_vec()[..], t.dtype() == DType::Bool) {
            return Ok(if t.dtype().is_int() {
                Value::Int(*x as i64)
            } else {
                Value::Float(*x)
            });
        }
    }
    let Some(x) = it.as_val(&ord)?.filter(|_| ord.is_tf()) else {
        return Ok(ord);
    };
    // the kernel's names for the dtypes, as its conversion error writes them
    let dtype = match x.tensor.dtype() {
        DType::F32 => "float",
        DType::F64 => "double",
        d => d.name(),
    };
    let first = if matrix { "euclidean" } else { "fro" };
    Err(Raise::type_error(format!(
        "Cannot convert '{first}' to EagerTensor of dtype {dtype}"
    ))
    .with_code(Code::DtypeMismatch))
}
