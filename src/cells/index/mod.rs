//! Subscripts: `tf.Tensor.__getitem__` (ints, slices with steps, `None`, `...`, scalar integer
//! tensors), NumPy's indexing (the same, plus integer lists and ranges: advanced indexing) and
//! assignment into an array, and Python's indexing of lists, tuples and strings.

use ruff_python_ast::Expr;

use crate::engine::dtype::DType;
use crate::engine::lit::Lit;
use crate::engine::tensor::Tensor;

mod plan;

use plan::{plan, slice_indices};

use super::interp::Interp;
use super::raise::Raise;
use super::value::{lock, Value};

/// One item of a subscript.
#[derive(Clone, Debug)]
pub(super) enum Item {
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
            tensor_item(it, container, slice)
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
            sequence_item(it, container, slice)
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

/// A tensor's elements as ops on the tape: flatten, gather the planned elements, reshape, so
/// every step has a gradient.
fn tensor_item(it: &mut Interp, container: &Value, slice: &Expr) -> Result<Value, Raise> {
    let items = it.items_of(slice)?;
    let x = it.as_val(container)?.expect("tensor");
    let p = plan(x.tensor.shape(), &items, true, it.max_elems())?;
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

/// A list's, tuple's, string's, shape's or range's item (`s[i]`) or slice (`s[a:b:c]`, of the
/// container's own kind; a range's slice is a tuple).
fn sequence_item(it: &mut Interp, container: &Value, slice: &Expr) -> Result<Value, Raise> {
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
            Ok(same_kind(container, picked))
        }
        _ => Err(Raise::type_error(format!(
            "{} indices must be integers or slices",
            container.type_name()
        ))),
    }
}

/// `picked` as a sequence of `container`'s kind.
fn same_kind(container: &Value, picked: Vec<Value>) -> Value {
    match container {
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
