//! NumPy arrays' methods and attributes (`.reshape`, `.T`, `.flatten()`, `.astype()`, ...) and
//! the array building blocks NumPy functions share (matmul, transpose, reductions).

use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::arith::np_wrap;
use super::convert::{dtype_of_value, to_lit};
use super::interp::Interp;
use super::raise::Raise;
use super::tape::bind_args;
use super::value::Value;

fn ints_lit(v: &[i64]) -> Lit {
    Lit::List(v.iter().map(|&x| Lit::Int(x)).collect())
}

/// `a.T` / `np.transpose(a, axes)`.
pub fn transpose(it: &mut Interp, t: &Tensor, perm: Option<Vec<i64>>) -> Result<Value, Raise> {
    let perm = perm.unwrap_or_else(|| (0..t.rank() as i64).rev().collect());
    Ok(np_wrap(it.compute(
        "transpose",
        vec![("perm".into(), ints_lit(&perm))],
        &[t],
    )?))
}

/// NumPy's matmul: 1-D operands gain and then lose a dimension.
pub fn matmul(it: &mut Interp, a: &Tensor, b: &Tensor) -> Result<Tensor, Raise> {
    let (ra, rb) = (a.rank(), b.rank());
    let a2 = if ra == 1 {
        a.reshape(&[1, a.len()])?
    } else {
        a.clone()
    };
    let b2 = if rb == 1 {
        b.reshape(&[b.len(), 1])?
    } else {
        b.clone()
    };
    if a2.shape()[a2.rank() - 1] != b2.shape()[b2.rank().saturating_sub(2)] {
        return Err(Raise::value_error(format!(
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) (size {} is different from {})",
            b2.shape()[b2.rank() - 2],
            a2.shape()[a2.rank() - 1]
        )));
    }
    let out = it.compute("matmul", vec![], &[&a2, &b2])?;
    let mut shape = out.shape().to_vec();
    if rb == 1 {
        shape.pop();
    }
    if ra == 1 {
        let k = shape.len() - usize::from(rb != 1) - usize::from(rb == 1);
        shape.remove(k.min(shape.len().saturating_sub(1)));
    }
    Ok(out.reshape(&shape)?)
}

/// A shape argument: `(2, 3)`, `[2, 3]`, `6`, or separate integers.
fn shape_arg(args: &[Value]) -> Result<Vec<i64>, Raise> {
    let one = |v: &Value| match v {
        Value::Int(i) => Ok(*i),
        other => Err(Raise::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            other.type_name()
        ))),
    };
    match args {
        [Value::Tuple(_) | Value::List(_)] => args[0]
            .items()
            .unwrap_or_default()
            .iter()
            .map(one)
            .collect(),
        [Value::Shape(d)] => Ok(d.iter().map(|&x| x as i64).collect()),
        many => many.iter().map(one).collect(),
    }
}

/// NumPy's reshape: one -1 inferred; the size must match.
pub fn reshape(t: &Tensor, shape: &[i64]) -> Result<Tensor, Raise> {
    let n = t.len();
    let known: i64 = shape.iter().filter(|&&d| d != -1).product();
    let mut dims = Vec::with_capacity(shape.len());
    for &d in shape {
        dims.push(if d == -1 {
            if known == 0 || n as i64 % known != 0 {
                return Err(Raise::value_error(format!(
                    "cannot reshape array of size {n} into shape {}",
                    super::print::tuple_text(
                        &shape.iter().map(|&x| x.max(0) as usize).collect::<Vec<_>>()
                    )
                )));
            }
            (n as i64 / known) as usize
        } else if d < 0 {
            return Err(Raise::value_error("negative dimensions not allowed"));
        } else {
            d as usize
        });
    }
    if dims.iter().product::<usize>() != n {
        let text = format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        let text = if shape.len() == 1 {
            text.replace(')', ",)")
        } else {
            text
        };
        return Err(Raise::value_error(format!(
            "cannot reshape array of size {n} into shape {text}"
        )));
    }
    Ok(t.reshape(&dims)?)
}

/// `np.sum`/`np.mean`/`np.max`/`np.min` (and the methods): NumPy's reductions.
pub fn reduce(
    it: &mut Interp,
    op: &str,
    t: &Tensor,
    axis: Option<Value>,
    keepdims: bool,
) -> Result<Value, Raise> {
    let axis = match axis {
        None | Some(Value::None) => Lit::Null,
        Some(v) => to_lit(&v)
            .ok_or_else(|| Raise::type_error("axis must be an integer or a tuple of integers"))?,
    };
    // NumPy sums booleans and integers as int64, and means integers as float64
    let src = match (op, t.dtype()) {
        ("reduce_mean", d) if !d.is_float() => t.cast(DType::F64),
        ("reduce_sum", DType::Bool | DType::I32) => t.cast(DType::I64),
        _ => t.clone(),
    };
    let out = it.compute(
        op,
        vec![
            ("axis".into(), axis),
            ("keepdims".into(), Lit::Bool(keepdims)),
        ],
        &[&src],
    )?;
    Ok(np_wrap(out))
}

fn tolist(t: &Tensor) -> Value {
    fn nest(vals: &[f64], shape: &[usize], d: DType) -> Value {
        match shape.split_first() {
            None => match d {
                DType::F32 | DType::F64 => Value::Float(vals[0]),
                DType::Bool => Value::Bool(vals[0] != 0.0),
                _ => Value::Int(vals[0] as i64),
            },
            Some((&n, rest)) => {
                let step: usize = rest.iter().product();
                Value::list((0..n).map(|k| nest(&vals[k * step..], rest, d)).collect())
            }
        }
    }
    nest(&t.to_f64_vec(), t.shape(), t.dtype())
}

/// An array's method.
pub fn method(
    it: &mut Interp,
    t: &Tensor,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Value, Raise> {
    match name {
        "reshape" => {
            let shape = shape_arg(&args)?;
            Ok(np_wrap(reshape(t, &shape)?))
        }
        "flatten" | "ravel" => Ok(Value::Array(t.reshape(&[t.len()])?)),
        "squeeze" => {
            let dims: Vec<usize> = t.shape().iter().copied().filter(|&d| d != 1).collect();
            Ok(np_wrap(t.reshape(&dims)?))
        }
        "tolist" | "item" => {
            if name == "item" && t.len() != 1 {
                return Err(Raise::value_error(
                    "can only convert an array of size 1 to a Python scalar",
                ));
            }
            if name == "item" {
                return Ok(tolist(&t.reshape(&[])?));
            }
            Ok(tolist(t))
        }
        "astype" => {
            let d = args
                .first()
                .and_then(dtype_of_value)
                .ok_or_else(|| Raise::type_error("astype takes a dtype such as np.float32"))?;
            Ok(np_wrap(t.cast(d)))
        }
        "copy" => Ok(np_wrap(t.clone())),
        "transpose" => transpose(
            it,
            t,
            if args.is_empty() {
                None
            } else {
                Some(shape_arg(&args)?)
            },
        ),
        "dot" => {
            let b = it.np_tensor(
                args.first()
                    .ok_or_else(|| Raise::type_error("dot takes an array"))?,
            )?;
            Ok(np_wrap(matmul(it, t, &b)?))
        }
        "sum" | "mean" | "max" | "min" => {
            let mut s =
                bind_args(name, &["axis", "dtype", "out", "keepdims"], args, kwargs)?.into_iter();
            let axis = s.next().flatten();
            let keep = s
                .nth(2)
                .flatten()
                .map(|k| k.truthy())
                .transpose()?
                .unwrap_or(false);
            let op = match name {
                "sum" => "reduce_sum",
                "mean" => "reduce_mean",
                "max" => "reduce_max",
                _ => "reduce_min",
            };
            reduce(it, op, t, axis, keep)
        }
        "argmax" => {
            let flat = t.reshape(&[t.len()])?;
            let r = it.compute("argmax", vec![("axis".into(), Lit::Int(0))], &[&flat])?;
            Ok(np_wrap(r.cast(DType::I64)))
        }
        "any" | "all" => {
            let f = t.cast(DType::F32);
            let op = if name == "all" {
                "reduce_min"
            } else {
                "reduce_max"
            };
            let r = it.compute(op, vec![], &[&f])?;
            Ok(np_wrap(r.cast(DType::Bool)))
        }
        _ => Err(Raise::attr_error(format!(
            "'numpy.ndarray' object has no attribute '{name}'"
        ))),
    }
}

/// The NumPy functions the evaluator itself answers (building arrays and scalars); the rest
/// of `np.*` lives in `numpy.rs`.
pub fn call(
    it: &mut Interp,
    name: &str,
    args: Vec<Value>,
    kwargs: Vec<(String, Value)>,
) -> Result<Option<Value>, Raise> {
    Ok(Some(match name {
        "array" | "asarray" => {
            let mut s = bind_args(name, &["object", "dtype"], args, kwargs)?.into_iter();
            let v = s
                .next()
                .flatten()
                .ok_or_else(|| Raise::type_error("array() missing required argument 'object'"))?;
            let d = s
                .next()
                .flatten()
                .filter(|v| !matches!(v, Value::None))
                .map(|d| {
                    dtype_of_value(&d).ok_or_else(|| Raise::type_error("data type not understood"))
                })
                .transpose()?;
            let t = it.np_tensor(&v)?;
            let t = match d {
                Some(d) => t.cast(d),
                None => t,
            };
            Value::Array(t)
        }
        "float32" | "float64" | "int32" | "int64" | "bool_" => {
            let d = super::convert::np_dtype_path(&format!("np.{name}")).expect("a dtype");
            let v = args.into_iter().next().unwrap_or(Value::Int(0));
            np_wrap(it.np_tensor(&v)?.cast(d))
        }
        "zeros" | "ones" => {
            let mut s = bind_args(name, &["shape", "dtype"], args, kwargs)?.into_iter();
            let shape = shape_arg(&[s
                .next()
                .flatten()
                .ok_or_else(|| Raise::type_error("missing shape"))?])?;
            let d = s
                .next()
                .flatten()
                .and_then(|d| dtype_of_value(&d))
                .unwrap_or(DType::F64);
            let dims: Vec<usize> = shape.iter().map(|&x| x.max(0) as usize).collect();
            crate::engine::tensor::checked_numel(&dims, it.max_elems())?;
            Value::Array(Tensor::full(
                &dims,
                if name == "ones" { 1.0 } else { 0.0 },
                d,
            ))
        }
        "transpose" => {
            let t = it.np_tensor(
                args.first()
                    .ok_or_else(|| Raise::type_error("transpose takes an array"))?,
            )?;
            transpose(it, &t, None)?
        }
        "reshape" => {
            let t = it.np_tensor(
                args.first()
                    .ok_or_else(|| Raise::type_error("reshape takes an array"))?,
            )?;
            np_wrap(reshape(&t, &shape_arg(&args[1..])?)?)
        }
        _ => return Ok(None),
    }))
}
