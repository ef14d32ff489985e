//! `is`, `in`, `==` and the comparison operators, on Python values, tensors and arrays.

use ruff_python_ast::CmpOp;

use crate::engine::dtype::DType;

use super::python::num_cmp;
use super::tensor::dtype_of;
use super::*;
use crate::cells::dict::ViewKind;
use crate::cells::interp::Interp;
use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::value::{range_len, Value};

/// `is` / `is not`: identity for None, True, False, singletons and objects shared by
/// reference (tensors, variables, lists, arrays, functions, tuples, bound methods).
pub fn is(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::None, Value::None) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Tensor(x), Value::Tensor(y)) => x.id == y.id,
        (Value::Variable(x), Value::Variable(y)) => x == y,
        // each update returns a new `_UnreadVariable` object
        (Value::UnreadVariable(x), Value::UnreadVariable(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Tape(x), Value::Tape(y)) => x == y,
        (Value::List(x), Value::List(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => x.same(y),
        (Value::DictView(_, _, x), Value::DictView(_, _, y)) => x.same(y),
        (Value::Array(x), Value::Array(y)) => x.same(y),
        (Value::DType(x), Value::DType(y)) | (Value::NpDType(x), Value::NpDType(y)) => x == y,
        // the same function, tuple or bound method object: names bound to one another
        (Value::Function(x), Value::Function(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Tuple(x), Value::Tuple(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Method(x), Value::Method(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Exception(x), Value::Exception(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Keras(x), Value::Keras(y)) => std::sync::Arc::ptr_eq(x, y),
        // each `ref()` makes a new Reference
        (Value::Ref(x), Value::Ref(y)) => std::sync::Arc::ptr_eq(x, y),
        // modules, Ellipsis and enum members are singletons
        (Value::Module(x), Value::Module(y)) => x == y,
        (Value::Ellipsis, Value::Ellipsis) => true,
        (Value::Unconnected(x), Value::Unconnected(y)) => x == y,
        (Value::Type(_) | Value::Builtin(_), Value::Type(_) | Value::Builtin(_)) => {
            crate::cells::builtins::types::same_class(a, b)
                .unwrap_or(matches!((a, b), (Value::Builtin(x), Value::Builtin(y)) if x == y))
        }
        _ => false,
    }
}

/// `x in container`.
pub fn contains(it: &mut Interp, container: &Value, x: &Value) -> Result<bool, Raise> {
    if let (Value::Str(s), Value::Str(sub)) = (container, x) {
        return Ok(s.contains(&**sub));
    }
    match container {
        Value::Dict(d) | Value::DictView(d, crate::cells::dict::ViewKind::Keys, _) => {
            let key = crate::cells::dict::key(it, x)?;
            return Ok(d.lock().contains(&key));
        }
        Value::DictView(d, crate::cells::dict::ViewKind::Items, _) => {
            // an item is a pair whose key is there with an equal value
            let pair = match x {
                Value::Tuple(t) if t.len() == 2 => t,
                _ => return Ok(false),
            };
            let key = crate::cells::dict::key(it, &pair[0])?;
            let found = d.lock().get(&key).cloned();
            return match found {
                Some(v) => Ok(is(&v, &pair[1]) || py_eq(it, &v, &pair[1])?),
                None => Ok(false),
            };
        }
        Value::DictView(d, _, _) => {
            for v in d.view_items(crate::cells::dict::ViewKind::Values) {
                if is(&v, x) || py_eq(it, &v, x)? {
                    return Ok(true);
                }
            }
            return Ok(false);
        }
        _ => {}
    }
    if let Value::Iter(p) = container {
        // Python takes items until one is equal, leaving the rest in the iterator
        while let Some(item) = crate::cells::iterator::next(it, p)? {
            if py_eq(it, &item, x)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    // NumPy's `__contains__` is `(a == x).any()`, over every element at once
    if let Value::Array(_) = container {
        return match compare(it, CmpOp::Eq, container.clone(), x.clone())? {
            Value::Bool(b) => Ok(b),
            eq => Ok(it.np_tensor(&eq)?.to_f64_vec().iter().any(|&e| e != 0.0)),
        };
    }
    // a tensor has no `__contains__`: Python walks its rows and takes the truth of each
    // `row == x`, which TensorFlow finds ambiguous for a row of several elements
    if Value::is_tf(container) {
        if it.np_tensor(container)?.rank() == 0 {
            let class = match container {
                Value::Tensor(_) => "tensorflow.python.framework.ops.EagerTensor".to_string(),
                other => other.type_name(),
            };
            return Err(Raise::type_error(format!(
                "argument of type '{class}' is not iterable"
            )));
        }
        for row in crate::cells::builtins::iterate(it, container)? {
            if compare(it, CmpOp::Eq, row, x.clone())?.truthy()? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Value::Shape(_) = container {
        for d in crate::cells::builtins::iterate(it, container)? {
            if py_eq(it, &d, x)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Value::Range(a, b, s) = container {
        // a range holds a number where its arithmetic says so (Python answers an int so, and
        // walks the range for a float, which equals an item only when it is whole)
        let v = match x {
            Value::Int(i) => Some(*i as i128),
            Value::Bool(b) => Some(i128::from(*b)),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 1e19 => Some(*f as i128),
            Value::Float(_) => return Ok(false),
            _ => None,
        };
        let n = range_len(*a, *b, *s) as i128;
        if let Some(v) = v {
            let (a, s) = (*a as i128, *s as i128);
            return Ok((v - a) % s == 0 && (0..n).contains(&((v - a) / s)));
        }
        if n > crate::cells::budget::MAX_ITEMS as i128 {
            return Err(Raise::new(
                RaiseKind::LimitExceeded,
                format!(
                    "`in` walks at most {} items of a range; test a number instead",
                    crate::cells::budget::MAX_ITEMS
                ),
            ));
        }
    }
    if container.seq_len().is_none() {
        return Err(Raise::type_error(format!(
            "argument of type '{}' is not iterable",
            container.type_name()
        )));
    }
    // item by item, without copying the list: `==` may be a cell's code, which Python lets
    // change the list as it is walked
    let mut k = 0;
    while let Some(item) = container.item_at(k) {
        // Python's `in` takes the same object as equal before it compares (`t in [t]`)
        if is(&item, x) || py_eq(it, &item, x)? {
            return Ok(true);
        }
        k += 1;
    }
    Ok(false)
}

/// A comparison with a `Reference` (`_ObjectIdentityWrapper`): `==` and `!=` compare the
/// wrapped objects' identities and take None as unequal; `<` and `>` order them by identity
/// (TensorFlow by address, an order of no meaning; here by what they wrap); any other object
/// is a TypeError, or a tensor's own ValueError when the tensor's operator runs first.
fn compare_refs(it: &mut Interp, op: CmpOp, l: &Value, r: &Value) -> Result<Value, Raise> {
    use crate::cells::dict::ref_key;
    let ordered = |x: &Value, y: &Value| ref_key(x).cmp(&ref_key(y));
    match (op, l, r) {
        (CmpOp::Eq | CmpOp::NotEq, Value::None, _) | (CmpOp::Eq | CmpOp::NotEq, _, Value::None) => {
            Ok(Value::Bool(op == CmpOp::NotEq))
        }
        (_, Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_), Value::Ref(_)) => {
            let shown = crate::cells::print::repr(it, r);
            Err(Raise::value_error(format!(
                "Attempt to convert a value ({shown}) with an unsupported type (<class 'tensorflow.python.util.object_identity.Reference'>) to a Tensor."
            )))
        }
        (CmpOp::Eq | CmpOp::NotEq, Value::Ref(x), Value::Ref(y)) => {
            Ok(Value::Bool((ref_key(x) == ref_key(y)) == (op == CmpOp::Eq)))
        }
        (CmpOp::Lt, Value::Ref(x), Value::Ref(y)) => Ok(Value::Bool(ordered(x, y).is_lt())),
        (CmpOp::Gt, Value::Ref(x), Value::Ref(y)) => Ok(Value::Bool(ordered(x, y).is_gt())),
        (CmpOp::Eq | CmpOp::NotEq | CmpOp::Lt | CmpOp::Gt, _, _) => Err(Raise::type_error(
            "Cannot compare wrapped object with unwrapped object",
        )),
        _ => Err(Raise::type_error(format!(
            "'{}' not supported between instances of '{}' and '{}'",
            op.as_str(),
            l.type_name(),
            r.type_name()
        ))),
    }
}

/// Python `==` of plain values (numbers, strings, None, sequences, dtypes).
pub(super) fn py_eq(it: &mut Interp, a: &Value, b: &Value) -> Result<bool, Raise> {
    py_eq_nested(it, a, b, 0)
}

/// `py_eq` inside `depth` sequences being compared: past Python's recursion limit (as for
/// repr, the nesting and the calls running) it raises RecursionError as CPython does.
fn py_eq_nested(it: &mut Interp, a: &Value, b: &Value, depth: usize) -> Result<bool, Raise> {
    if let Some(eq) = super::dimension::equal(a, b) {
        return Ok(eq);
    }
    Ok(match (a, b) {
        // Python compares a list's items by identity first: a list holding itself equals
        // itself, without walking into itself
        (Value::List(x), Value::List(y)) if std::sync::Arc::ptr_eq(x, y) => true,
        // an exception equals only itself (BaseException keeps object's __eq__)
        (Value::Exception(x), Value::Exception(y)) => std::sync::Arc::ptr_eq(x, y),
        // so does a Keras loss or optimizer (object's __eq__)
        (Value::Keras(x), Value::Keras(y)) => std::sync::Arc::ptr_eq(x, y),
        (Value::Ref(_), _) | (_, Value::Ref(_)) => {
            return compare_refs(it, CmpOp::Eq, a, b)?.truthy()
        }
        (Value::None, Value::None) => true,
        (Value::Str(x), Value::Str(y)) => x == y,
        (x, y) if is_py_num(x) && is_py_num(y) => num_cmp(x, y) == Some(std::cmp::Ordering::Equal),
        (Value::DType(x) | Value::NpDType(x), Value::DType(y) | Value::NpDType(y)) => x == y,
        // TensorFlow's DType.__eq__ reads the other side with tf.as_dtype (`float` is float32),
        // a failure being plain inequality
        (Value::DType(x), Value::Builtin(_) | Value::Str(_))
        | (Value::Builtin(_) | Value::Str(_), Value::DType(x)) => {
            let other = if matches!(a, Value::DType(_)) { b } else { a };
            let tf_dtype = crate::cells::convert::tf_dtype_of_value(other);
            matches!(tf_dtype, Ok(Some(d)) if d == *x)
        }
        // `a.dtype == np.float64`, `a.dtype == 'float32'`
        (Value::NpDType(_), Value::Builtin(_) | Value::Str(_))
        | (Value::Builtin(_) | Value::Str(_), Value::NpDType(_)) => {
            let d = crate::cells::convert::dtype_of_value;
            d(a).is_some() && d(a) == d(b)
        }
        (Value::Shape(x), Value::Shape(y)) => x == y,
        // ranges compare as the sequences they stand for (CPython's range_equals): both empty,
        // or one length and first item, and one step unless they hold a single item
        (&Value::Range(a0, a1, a2), &Value::Range(b0, b1, b2)) => {
            let (n, m) = (range_len(a0, a1, a2).max(0), range_len(b0, b1, b2).max(0));
            n == m && (n == 0 || (a0 == b0 && (n == 1 || a2 == b2)))
        }
        (Value::Shape(x), Value::List(_) | Value::Tuple(_))
        | (Value::List(_) | Value::Tuple(_), Value::Shape(x)) => {
            let other = if matches!(a, Value::Shape(_)) { b } else { a };
            let items = other.items().unwrap_or_default();
            items.len() == x.len()
                && items
                    .iter()
                    .zip(x)
                    .all(|(i, d)| matches!(i, Value::Int(v) if *v as usize == *d))
        }
        (Value::Dict(x), Value::Dict(y)) => {
            if x.same(y) {
                return Ok(true);
            }
            if depth + it.call_depth() >= crate::cells::interp::MAX_CALL_DEPTH {
                return Err(Raise::new(
                    RaiseKind::RecursionError,
                    "maximum recursion depth exceeded in comparison",
                ));
            }
            // equal when every key of one is in the other with an equal value
            let (xs, ys) = (x.snapshot(), y.snapshot());
            if xs.len() != ys.len() {
                return Ok(false);
            }
            for (k, v) in &xs {
                let Ok(key) = crate::cells::dict::hash_key(k) else {
                    return Ok(false);
                };
                let found = y.lock().get(&key).cloned();
                match found {
                    Some(w) if is(v, &w) || py_eq_nested(it, v, &w, depth + 1)? => {}
                    _ => return Ok(false),
                }
            }
            true
        }
        // keys and items views are sets: equal when of one size with each element of one in
        // the other (a values view keeps object's `__eq__`, and a set-like view never equals a
        // dict or a list)
        (Value::DictView(x, kx, _), Value::DictView(y, ky, _))
            if *kx != ViewKind::Values && *ky != ViewKind::Values =>
        {
            if x.len() != y.len() {
                return Ok(false);
            }
            for element in x.view_items(*kx) {
                if !contains(it, b, &element)? {
                    return Ok(false);
                }
            }
            true
        }
        (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_)) => {
            if depth + it.call_depth() >= crate::cells::interp::MAX_CALL_DEPTH {
                return Err(Raise::new(
                    RaiseKind::RecursionError,
                    "maximum recursion depth exceeded in comparison",
                ));
            }
            let (x, y) = (a.items().unwrap_or_default(), b.items().unwrap_or_default());
            if x.len() != y.len() {
                return Ok(false);
            }
            for (p, q) in x.iter().zip(&y) {
                // each pair as Python's PyObject_RichCompareBool: the same object is equal
                if !is(p, q) && !py_eq_nested(it, p, q, depth + 1)? {
                    return Ok(false);
                }
            }
            true
        }
        (x, y) if Value::is_tf(x) || Value::is_tf(y) || is_np(x) || is_np(y) => {
            let v = compare(it, CmpOp::Eq, x.clone(), y.clone())?;
            v.truthy()?
        }
        _ => is(a, b),
    })
}

pub(super) fn cmp_op_name(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Lt => "less",
        CmpOp::LtE => "less_equal",
        CmpOp::Gt => "greater",
        CmpOp::GtE => "greater_equal",
        CmpOp::Eq => "equal",
        _ => "not_equal",
    }
}

/// `< <= > >= == !=`: elementwise on tensors and arrays, Python's on the rest.
pub fn compare(it: &mut Interp, op: CmpOp, l: Value, r: Value) -> Result<Value, Raise> {
    if let Some(out) = super::dimension::compare(it, op, &l, &r) {
        return out;
    }
    if matches!(l, Value::Ref(_)) || matches!(r, Value::Ref(_)) {
        return compare_refs(it, op, &l, &r);
    }
    if Value::is_tf(&l) || Value::is_tf(&r) {
        if matches!(l, Value::None) || matches!(r, Value::None) {
            // a tensor's `==` and `!=` answer None by identity; a variable's, and every
            // ordering, convert None to a tensor
            let variable = !matches!(l, Value::Tensor(_)) && !matches!(r, Value::Tensor(_));
            return match op {
                CmpOp::Eq | CmpOp::NotEq if !variable => Ok(Value::Bool(op == CmpOp::NotEq)),
                _ => Err(Raise::value_error(
                    "Attempt to convert a value (None) with an unsupported type (<class 'NoneType'>) to a Tensor.",
                )),
            };
        }
        let anchor = if Value::is_tf(&l) { &l } else { &r };
        let d = match anchor {
            Value::Variable(id) => it.read_var(id)?.tensor.dtype(),
            Value::UnreadVariable(id) => {
                super::super::variable::read_unread(it, id)?.tensor.dtype()
            }
            other => dtype_of(other).unwrap_or(DType::F32),
        };
        let a = it.to_val_as(&l, d)?;
        let b = it.to_val_as(&r, d)?;
        if a.tensor.dtype() != b.tensor.dtype() {
            return Err(Raise::new(
                RaiseKind::InvalidArgumentError,
                format!(
                    "cannot compare a {} tensor with a {} tensor",
                    a.tensor.dtype(),
                    b.tensor.dtype()
                ),
            )
            .with_code(crate::engine::error::Code::DtypeMismatch));
        }
        let apart =
            crate::engine::kernels::broadcast_shape(a.tensor.shape(), b.tensor.shape()).is_none();
        if apart && matches!(op, CmpOp::Eq | CmpOp::NotEq) {
            // `Tensor.__eq__` runs Equal with incompatible_shape_error=False: tensors whose
            // shapes do not broadcast are simply unequal, one scalar bool
            let unequal = f64::from(u8::from(op == CmpOp::NotEq));
            let t = crate::engine::tensor::Tensor::from_f64s(&[], &[unequal], DType::Bool)?;
            return Ok(Value::Tensor(it.ws.ctx.constant(t)));
        }
        return Ok(Value::Tensor(it.apply(
            cmp_op_name(op),
            vec![],
            vec![a, b],
        )?));
    }
    if is_np(&l) || is_np(&r) {
        return crate::cells::numpy::arith::compare(it, op, &l, &r);
    }
    let ord = match (&l, &r) {
        (x, y) if is_py_num(x) && is_py_num(y) => num_cmp(x, y),
        (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
        (Value::List(_), Value::List(_)) | (Value::Tuple(_), Value::Tuple(_))
            if !matches!(op, CmpOp::Eq | CmpOp::NotEq) =>
        {
            return sequence_order(it, op, &l, &r);
        }
        _ => {
            return match op {
                CmpOp::Eq => Ok(Value::Bool(py_eq(it, &l, &r)?)),
                CmpOp::NotEq => Ok(Value::Bool(!py_eq(it, &l, &r)?)),
                _ => Err(Raise::type_error(format!(
                    "'{}' not supported between instances of '{}' and '{}'",
                    op.as_str(),
                    l.type_name(),
                    r.type_name()
                ))),
            }
        }
    };
    use std::cmp::Ordering::*;
    Ok(Value::Bool(match (op, ord) {
        (CmpOp::Eq, o) => o == Some(Equal),
        (CmpOp::NotEq, o) => o != Some(Equal),
        (_, None) => false,
        (CmpOp::Lt, Some(o)) => o == Less,
        (CmpOp::LtE, Some(o)) => o != Greater,
        (CmpOp::Gt, Some(o)) => o == Greater,
        (CmpOp::GtE, Some(o)) => o != Less,
        _ => false,
    }))
}

/// `<`, `<=`, `>`, `>=` of two lists or two tuples: Python compares the first items that
/// differ (by `==`) with the operator, and the lengths when one is a prefix of the other.
fn sequence_order(it: &mut Interp, op: CmpOp, l: &Value, r: &Value) -> Result<Value, Raise> {
    let (x, y) = (l.items().unwrap_or_default(), r.items().unwrap_or_default());
    for (p, q) in x.iter().zip(&y) {
        if !py_eq(it, p, q)? {
            return compare(it, op, p.clone(), q.clone());
        }
    }
    let (n, m) = (x.len(), y.len());
    Ok(Value::Bool(match op {
        CmpOp::Lt => n < m,
        CmpOp::LtE => n <= m,
        CmpOp::Gt => n > m,
        _ => n >= m,
    }))
}
