//! Subscripts: `tf.Tensor.__getitem__` (ints, slices with steps, `None`, `...`, scalar integer
//! tensors), NumPy's indexing (the same, plus integer lists and ranges: advanced indexing) and
//! assignment into an array, and Python's indexing of lists, tuples and strings.

use ruff_python_ast::Expr;

use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

use super::interp::Interp;
use super::raise::{Raise, RaiseKind};
use super::value::{lock, Value};

/// One item of a subscript.
#[derive(Clone, Debug)]
enum Item {
    Int(i64),
    Slice(Option<i64>, Option<i64>, Option<i64>),
    NewAxis,
    Ellipsis,
    /// An integer list, range or array (NumPy's advanced indexing).
    Adv(Vec<i64>),
}

fn as_index(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Tensor(x) if x.tensor.rank() == 0 && x.tensor.dtype().is_int() => {
            Some(x.tensor.to_f64_vec()[0] as i64)
        }
        Value::NpScalar(t) if t.dtype().is_int() => Some(t.to_f64_vec()[0] as i64),
        _ => None,
    }
}

impl Interp<'_> {
    fn slice_bound(&mut self, e: &Option<Box<Expr>>) -> Result<Option<i64>, Raise> {
        match e {
            None => Ok(None),
            Some(e) => {
                let v = self.eval(e)?;
                match v {
                    Value::None => Ok(None),
                    other => as_index(&other).map(Some).ok_or_else(|| {
                        self.locate(
                            Raise::type_error("slice indices must be integers or None or have an __index__ method"),
                            &**e,
                        )
                    }),
                }
            }
        }
    }

    fn items_of(&mut self, slice: &Expr) -> Result<Vec<Item>, Raise> {
        let parts: Vec<&Expr> = match slice {
            Expr::Tuple(t) => t.elts.iter().collect(),
            other => vec![other],
        };
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            if let Expr::Slice(s) = p {
                let (a, b, c) = (
                    self.slice_bound(&s.lower)?,
                    self.slice_bound(&s.upper)?,
                    self.slice_bound(&s.step)?,
                );
                if c == Some(0) {
                    return Err(self.locate(Raise::value_error("slice step cannot be zero"), p));
                }
                out.push(Item::Slice(a, b, c));
                continue;
            }
            let v = self.eval(p)?;
            out.push(match &v {
                Value::None => Item::NewAxis,
                Value::Ellipsis => Item::Ellipsis,
                other => match as_index(other) {
                    Some(i) => Item::Int(i),
                    None => match other {
                        Value::List(_) | Value::Tuple(_) | Value::Range(..) | Value::Array(_) => {
                            let t = self.np_tensor(other)?;
                            if t.dtype() == DType::Bool && t.rank() > 0 {
                                // a boolean mask selects where it is true: its nonzero
                                // coordinates, one integer index per axis it covers
                                out.extend(mask_coordinates(&t).into_iter().map(Item::Adv));
                                continue;
                            }
                            if !t.dtype().is_int() || t.rank() > 1 {
                                return Err(self.locate(Raise::index_error("arrays used as indices must be of integer type (one dimension in a cell)"), p));
                            }
                            Item::Adv(t.to_f64_vec().into_iter().map(|x| x as i64).collect())
                        }
                        _ => {
                            let shown = super::print::repr(self, other);
                            return Err(self.locate(
                                Raise::type_error(format!(
                                    "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 tensors are valid indices, got {shown}"
                                )),
                                p,
                            ));
                        }
                    },
                },
            });
        }
        Ok(out)
    }
}

/// `np.nonzero(mask)`: for each axis, the coordinates of the true elements, in order.
fn mask_coordinates(mask: &Tensor) -> Vec<Vec<i64>> {
    let shape = mask.shape();
    let mut coords = vec![Vec::new(); shape.len()];
    let mut idx = vec![0usize; shape.len()];
    for x in mask.to_f64_vec() {
        if x != 0.0 {
            for (c, &i) in coords.iter_mut().zip(&idx) {
                c.push(i as i64);
            }
        }
        for d in (0..shape.len()).rev() {
            idx[d] += 1;
            if idx[d] < shape[d] {
                break;
            }
            idx[d] = 0;
        }
    }
    coords
}

/// Python's slice of a dimension of size n: the indices it selects.
fn slice_indices(n: usize, a: Option<i64>, b: Option<i64>, c: Option<i64>) -> Vec<usize> {
    let n = n as i64;
    let step = c.unwrap_or(1);
    let norm = |x: i64, lo: i64, hi: i64| {
        let x = if x < 0 { x + n } else { x };
        x.clamp(lo, hi)
    };
    let (start, stop) = if step > 0 {
        (
            a.map_or(0, |x| norm(x, 0, n)),
            b.map_or(n, |x| norm(x, 0, n)),
        )
    } else {
        (
            a.map_or(n - 1, |x| norm(x, -1, n - 1)),
            b.map_or(-1, |x| norm(x, -1, n - 1)),
        )
    };
    let mut out = Vec::new();
    let mut i = start;
    while (step > 0 && i < stop) || (step < 0 && i > stop) {
        out.push(i as usize);
        i += step;
    }
    out
}

/// An output axis of an index: a slice of a source axis, a new axis, or the advanced indices.
enum Axis {
    Sel { src: usize, idx: Vec<usize> },
    New,
    Adv,
}

/// Where an index reads: the result's shape and the flat offset of each element.
struct Plan {
    shape: Vec<usize>,
    offsets: Vec<usize>,
}

/// NumPy's (and, without advanced items, TensorFlow's) indexing rules for a shape.
fn plan(shape: &[usize], items: &[Item], tf: bool, max: usize) -> Result<Plan, Raise> {
    let consumed = items
        .iter()
        .filter(|i| !matches!(i, Item::NewAxis | Item::Ellipsis))
        .count();
    if consumed > shape.len() {
        return Err(if tf {
            Raise::index_error(format!(
                "Index out of range using input dim {}; input has only {} dims",
                shape.len(),
                shape.len()
            ))
        } else {
            Raise::index_error(format!(
                "too many indices for array: array is {}-dimensional, but {consumed} were indexed",
                shape.len()
            ))
        });
    }
    let mut expanded = Vec::new();
    let mut seen_ellipsis = false;
    for it in items {
        if let Item::Ellipsis = it {
            if !seen_ellipsis {
                expanded.extend(std::iter::repeat_n(
                    Item::Slice(None, None, None),
                    shape.len() - consumed,
                ));
                seen_ellipsis = true;
            }
        } else {
            expanded.push(it.clone());
        }
    }
    if !seen_ellipsis {
        expanded.extend(std::iter::repeat_n(
            Item::Slice(None, None, None),
            shape.len() - consumed,
        ));
    }
    let any_adv = expanded.iter().any(|i| matches!(i, Item::Adv(_)));
    // advanced indices (ints count as such beside them) broadcast together
    let mut adv: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut adv_len: Option<usize> = None;
    let mut axes = Vec::new();
    let mut adv_positions = Vec::new();
    let mut fixed: Vec<(usize, usize)> = Vec::new();
    let mut src = 0;
    for it in &expanded {
        match it {
            Item::NewAxis => axes.push(Axis::New),
            Item::Slice(a, b, c) => {
                axes.push(Axis::Sel {
                    src,
                    idx: slice_indices(shape[src], *a, *b, *c),
                });
                src += 1;
            }
            Item::Int(i) => {
                let n = shape[src] as i64;
                let k = if *i < 0 { i + n } else { *i };
                if k < 0 || k >= n {
                    return Err(if tf {
                        Raise::new(RaiseKind::InvalidArgumentError, format!("slice index {i} of dimension {src} out of bounds. [Op:StridedSlice] name: strided_slice/"))
                    } else {
                        Raise::index_error(format!(
                            "index {i} is out of bounds for axis {src} with size {n}"
                        ))
                    });
                }
                if any_adv {
                    adv_positions.push(axes.len());
                    adv.push((src, vec![k as usize]));
                } else {
                    fixed.push((src, k as usize));
                }
                src += 1;
            }
            Item::Adv(list) => {
                if tf {
                    return Err(Raise::type_error("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar tf.int32/tf.int64 tensors are valid indices; use tf.gather for a list of indices"));
                }
                let n = shape[src] as i64;
                let mut idx = Vec::with_capacity(list.len());
                for &i in list {
                    let k = if i < 0 { i + n } else { i };
                    if k < 0 || k >= n {
                        return Err(Raise::index_error(format!(
                            "index {i} is out of bounds for axis {src} with size {n}"
                        )));
                    }
                    idx.push(k as usize);
                }
                match adv_len {
                    Some(l) if l != idx.len() && idx.len() != 1 && l != 1 => {
                        return Err(Raise::index_error(format!("shape mismatch: indexing arrays could not be broadcast together with shapes ({l},) ({},)", idx.len())));
                    }
                    Some(1) => adv_len = Some(idx.len()),
                    None => adv_len = Some(idx.len()),
                    _ => {}
                }
                adv_positions.push(axes.len());
                adv.push((src, idx));
                src += 1;
            }
            Item::Ellipsis => {}
        }
    }
    if any_adv {
        // adjacent advanced indices keep their place; separated ones go first (NumPy's rule)
        let adjacent = adv_positions.windows(2).all(|w| w[1] == w[0]);
        let at = if adjacent { adv_positions[0] } else { 0 };
        axes.insert(at.min(axes.len()), Axis::Adv);
    }
    let adv_n = adv_len.unwrap_or(1);
    let mut strides = vec![1usize; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    let out_shape: Vec<usize> = axes
        .iter()
        .map(|a| match a {
            Axis::Sel { idx, .. } => idx.len(),
            Axis::New => 1,
            Axis::Adv => adv_n,
        })
        .collect();
    let total = crate::engine::tensor::checked_numel(&out_shape, max).map_err(Raise::from)?;
    let base: usize = fixed.iter().map(|(d, k)| k * strides[*d]).sum();
    let mut offsets = Vec::with_capacity(total);
    let mut pos = vec![0usize; axes.len()];
    for _ in 0..total {
        let mut o = base;
        for (a, &p) in axes.iter().zip(&pos) {
            match a {
                Axis::Sel { src, idx } => o += idx[p] * strides[*src],
                Axis::New => {}
                Axis::Adv => {
                    for (s, idx) in &adv {
                        o += idx[if idx.len() == 1 { 0 } else { p }] * strides[*s];
                    }
                }
            }
        }
        offsets.push(o);
        for d in (0..axes.len()).rev() {
            pos[d] += 1;
            if pos[d] < out_shape[d] {
                break;
            }
            pos[d] = 0;
        }
    }
    Ok(Plan {
        shape: out_shape,
        offsets,
    })
}

fn offsets_tensor(offsets: &[usize]) -> Tensor {
    let v: Vec<f64> = offsets.iter().map(|&o| o as f64).collect();
    Tensor::from_f64s(&[v.len()], &v, DType::I64).expect("shape matches")
}

fn shape_lit(shape: &[usize]) -> Lit {
    Lit::List(shape.iter().map(|&d| Lit::Int(d as i64)).collect())
}

/// `container[slice]`.
pub fn get_item(it: &mut Interp, container: &Value, slice: &Expr) -> Result<Value, Raise> {
    match container {
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) => {
            let items = it.items_of(slice)?;
            let x = it.as_val(container)?.expect("tensor");
            let p = plan(x.tensor.shape(), &items, true, it.max_elems())?;
            // flatten, gather the planned elements, reshape: every step has a gradient
            let flat = it.apply(
                "reshape",
                vec![("shape".into(), Lit::List(vec![Lit::Int(-1)]))],
                vec![x],
            )?;
            let idx = it.ws.ctx.constant(offsets_tensor(&p.offsets));
            let picked = it.apply("gather", vec![], vec![flat, idx])?;
            let out = it.apply(
                "reshape",
                vec![("shape".into(), shape_lit(&p.shape))],
                vec![picked],
            )?;
            Ok(Value::Tensor(out))
        }
        Value::Array(_) | Value::NpScalar(_) => {
            let t = &it.np_tensor(container)?;
            let items = it.items_of(slice)?;
            let p = plan(t.shape(), &items, false, it.max_elems())?;
            let flat = t.reshape(&[t.len()]).map_err(Raise::from)?;
            let picked = it.compute("gather", vec![], &[&flat, &offsets_tensor(&p.offsets)])?;
            let out = picked.reshape(&p.shape).map_err(Raise::from)?;
            Ok(super::arith::np_wrap(out))
        }
        Value::List(_) | Value::Tuple(_) | Value::Str(_) | Value::Shape(_) | Value::Range(..) => {
            let items: Vec<Value> = match container {
                Value::Str(s) => s.chars().map(|c| Value::str(c.to_string())).collect(),
                Value::Shape(d) => d.iter().map(|&x| Value::Int(x as i64)).collect(),
                other => other.items().unwrap_or_default(),
            };
            let index = it.items_of(slice)?;
            let [one] = index.as_slice() else {
                return Err(Raise::type_error(format!(
                    "{} indices must be integers or slices, not tuple",
                    container.type_name()
                )));
            };
            match one {
                Item::Int(i) => {
                    let n = items.len() as i64;
                    let k = if *i < 0 { i + n } else { *i };
                    if k < 0 || k >= n {
                        return Err(Raise::index_error(format!(
                            "{} index out of range",
                            container.type_name()
                        )));
                    }
                    Ok(items[k as usize].clone())
                }
                Item::Slice(a, b, c) => {
                    let picked: Vec<Value> = slice_indices(items.len(), *a, *b, *c)
                        .into_iter()
                        .map(|k| items[k].clone())
                        .collect();
                    Ok(match container {
                        Value::List(_) => Value::list(picked),
                        Value::Shape(_) => Value::Shape(
                            picked
                                .iter()
                                .map(|v| match v {
                                    Value::Int(i) => *i as usize,
                                    _ => 0,
                                })
                                .collect(),
                        ),
                        Value::Str(_) => Value::str(
                            picked
                                .iter()
                                .map(|v| match v {
                                    Value::Str(s) => s.to_string(),
                                    _ => String::new(),
                                })
                                .collect::<String>(),
                        ),
                        _ => Value::tuple(picked),
                    })
                }
                _ => Err(Raise::type_error(format!(
                    "{} indices must be integers or slices",
                    container.type_name()
                ))),
            }
        }
        Value::IndexedSlices(_) => Err(Raise::type_error(
            "'IndexedSlices' object is not subscriptable",
        )),
        other => Err(Raise::type_error(format!(
            "'{}' object is not subscriptable",
            other.type_name()
        ))),
    }
}

/// `container[slice] = v`: an array gives back its updated self (the caller rebinds the
/// name); a list is changed in place; a tensor refuses, as TensorFlow's does.
pub fn set_item(
    it: &mut Interp,
    container: &Value,
    slice: &Expr,
    v: Value,
) -> Result<Option<Value>, Raise> {
    match container {
        Value::Array(a) => {
            let t = &a.get();
            let items = it.items_of(slice)?;
            let p = plan(t.shape(), &items, false, it.max_elems())?;
            let src = it.np_tensor(&v)?;
            let shape_ok = crate::engine::kernels::broadcast_shape(src.shape(), &p.shape)
                .is_some_and(|s| s == p.shape);
            if !shape_ok {
                return Err(Raise::value_error(format!(
                    "shape mismatch: value array of shape {} could not be broadcast to indexing result of shape {}",
                    super::print::tuple_text(src.shape()),
                    super::print::tuple_text(&p.shape)
                )));
            }
            let vals = super::arith::broadcast_vals(&src.cast(t.dtype()), &p.shape);
            let mut data = t.to_f64_vec();
            for (o, x) in p.offsets.iter().zip(vals) {
                data[*o] = x;
            }
            let out = Tensor::from_f64s(t.shape(), &data, t.dtype()).map_err(Raise::from)?;
            // in place: every name holding this array sees the change
            a.set(out);
            Ok(None)
        }
        Value::List(l) => {
            let index = it.items_of(slice)?;
            let mut items = lock(l);
            match index.as_slice() {
                [Item::Int(i)] => {
                    let n = items.len() as i64;
                    let k = if *i < 0 { i + n } else { *i };
                    if k < 0 || k >= n {
                        return Err(Raise::index_error("list assignment index out of range"));
                    }
                    items[k as usize] = v;
                    Ok(None)
                }
                _ => Err(Raise::type_error(
                    "a cell assigns list items by integer index",
                )),
            }
        }
        Value::Tensor(_) => Err(Raise::type_error(
            "'tensorflow.python.framework.ops.EagerTensor' object does not support item assignment",
        )),
        Value::Variable(_) | Value::UnreadVariable(_) => Err(Raise::type_error(
            "'ResourceVariable' object does not support item assignment",
        )),
        other => Err(Raise::type_error(format!(
            "'{}' object does not support item assignment",
            other.type_name()
        ))),
    }
}
