//! Arguments of NumPy calls bound as Python binds them (positions, then keywords), and the
//! readers NumPy functions share: dtypes, integers, shapes, axes.

use crate::engine::dtype::DType;

use crate::cells::convert::dtype_of_value;
use crate::cells::index::operator_index;
use crate::cells::interp::Interp;
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::cells::raise::{Raise, RaiseKind};
use crate::cells::tape::bind_args;
use crate::cells::value::Value;

/// A call's arguments in the slots of the function's parameters.
pub struct Args {
    what: String,
    names: Vec<&'static str>,
    slots: Vec<Option<Value>>,
}

impl Args {
    pub fn bind(
        what: &str,
        names: &[&'static str],
        args: Vec<Value>,
        kwargs: Vec<(String, Value)>,
    ) -> Result<Args, Raise> {
        refuse_keywords_outside_subset(what, names, &kwargs)?;
        Ok(Args {
            what: what.to_string(),
            names: names.to_vec(),
            slots: bind_args(what, names, args, kwargs)?,
        })
    }

    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Whether the call gave parameter `k` (a `None` counts as not given).
    pub fn given(&self, k: usize) -> bool {
        matches!(self.slots.get(k), Some(Some(v)) if !matches!(v, Value::None))
    }

    /// Whether the call gave parameter `k` as `None` itself, which some of NumPy's parameters
    /// tell apart from leaving it out (`np.concatenate(..., axis=None)` flattens).
    pub fn given_none(&self, k: usize) -> bool {
        matches!(self.slots.get(k), Some(Some(Value::None)))
    }

    /// Parameter `k`, or None when the call left it out or gave `None`.
    pub fn take(&mut self, k: usize) -> Option<Value> {
        self.slots
            .get_mut(k)
            .and_then(Option::take)
            .filter(|v| !matches!(v, Value::None))
    }

    pub fn required(&mut self, k: usize, name: &str) -> Result<Value, Raise> {
        let what = self.what.clone();
        let shown = self.names.get(k).copied().unwrap_or(name).to_string();
        self.take(k).ok_or_else(|| {
            Raise::type_error(format!(
                "{what}() missing required argument '{shown}' (pos {})",
                k + 1
            ))
        })
    }

    /// A boolean flag such as `keepdims`.
    pub fn flag(&mut self, k: usize, default: bool) -> Result<bool, Raise> {
        self.take(k)
            .map(|v| v.truthy())
            .transpose()
            .map(|b| b.unwrap_or(default))
    }

    /// A float parameter such as `rtol`.
    pub fn float(&mut self, k: usize, default: f64) -> Result<f64, Raise> {
        match self.take(k) {
            None => Ok(default),
            Some(Value::Int(i)) => Ok(i as f64),
            Some(Value::Float(f)) => Ok(f),
            Some(Value::NpScalar(t)) => Ok(t.to_f64_vec()[0]),
            Some(other) => Err(Raise::type_error(format!(
                "must be real number, not {}",
                other.type_name()
            ))),
        }
    }
}

/// The keywords NumPy 1.26 takes under each function, ufunc and method name, written from NumPy
/// itself by `tests/cells/numpy_keywords.py` (`sum\ta axis dtype initial keepdims out where`).
static NUMPY_KEYWORDS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
    include_str!("keywords.txt")
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .map(|(name, kws)| (name, kws.split(' ').collect()))
        .collect()
});

/// Whether NumPy's function or method `what` takes the keyword `keyword`.
pub fn numpy_takes(what: &str, keyword: &str) -> bool {
    NUMPY_KEYWORDS
        .get(what)
        .is_some_and(|kws| kws.contains(&keyword))
}

/// Refuses a keyword NumPy takes under `what` and the subset's `what` does not (`names`), naming
/// it: NumPy would run the call, so its "unexpected keyword argument" would not be the truth. A
/// keyword NumPy lacks too is left to the binding, which raises NumPy's TypeError for it.
pub fn refuse_keywords_outside_subset(
    what: &str,
    names: &[&str],
    kwargs: &[(String, Value)],
) -> Result<(), Raise> {
    let Some((k, _)) = kwargs
        .iter()
        .find(|(k, _)| !names.contains(&k.as_str()) && numpy_takes(what, k))
    else {
        return Ok(());
    };
    // a reduction binds `out=` only to refuse it, so it is not offered
    let offered: Vec<String> = names
        .iter()
        .filter(|n| **n != "out")
        .map(|n| format!("`{n}=`"))
        .collect();
    let takes = match offered.is_empty() {
        true => "no keyword arguments".to_string(),
        false => offered.join(", "),
    };
    Err(Raise::new(
        RaiseKind::NotImplementedError,
        format!("NumPy's {what}() takes `{k}=`, but the cell subset's {what}() does not: write the call without it (the subset's takes {takes})"),
    ))
}

/// Takes the keyword argument `name` out of `kwargs`: a keyword-only parameter (`np.array`'s
/// `ndmin=`) read beside the positions the call binds.
pub fn keyword(kwargs: Vec<(String, Value)>, name: &str) -> (Option<Value>, Vec<(String, Value)>) {
    let (found, rest): (Vec<_>, Vec<_>) = kwargs.into_iter().partition(|(k, _)| k == name);
    (found.into_iter().next().map(|(_, v)| v), rest)
}

/// A `dtype=` argument: `np.float32`, `'int64'`, `'f4'`, `float`, `a.dtype`.
pub fn dtype_arg(v: Option<Value>) -> Result<Option<DType>, Raise> {
    match v {
        None | Some(Value::None) => Ok(None),
        Some(Value::Str(s)) => np_dtype_str(&s).map(Some).ok_or_else(|| {
            Raise::type_error(format!(
                "data type '{s}' not understood, or not in the cell subset (it has 'float32', 'float64', 'int32', 'int64', 'bool' and their codes 'f4', 'f8', 'i4', 'i8', '?')"
            ))
        }),
        // NumPy knows nothing of TensorFlow's DType objects (`X.astype(tf.float32)`)
        Some(Value::DType(d)) => Err(Raise::type_error(format!(
            "Cannot interpret 'tf.{}' as a data type",
            d.name()
        ))),
        Some(d) => dtype_of_value(&d)
            .map(Some)
            .ok_or_else(|| Raise::type_error("Cannot interpret this value as a data type")),
    }
}

/// NumPy's names and type codes for a dtype: `'float32'`, `'f4'`, `'<f8'`, `'double'`, `'?'`.
fn np_dtype_str(s: &str) -> Option<DType> {
    let code = s.strip_prefix(['<', '=', '|']).unwrap_or(s);
    Some(match code {
        "f4" | "f" | "single" | "float32" => DType::F32,
        "f8" | "d" | "double" | "float" | "float_" | "float64" => DType::F64,
        "i4" | "i" | "intc" | "int32" => DType::I32,
        "i8" | "l" | "q" | "int" | "int_" | "long" | "int64" => DType::I64,
        "?" | "b1" | "bool" | "bool_" => DType::Bool,
        _ => return DType::parse(s),
    })
}

/// An integer argument, read as NumPy reads one, through `__index__`: Python ints and bools,
/// NumPy integer scalars and 0-d arrays, and a 0-d integer tensor (`tf.shape(x)[0]`,
/// `tf.constant(3)`); a float tensor has no `__index__` (AttributeError), a tensor or array of
/// one or more dimensions is no scalar index (TypeError).
pub fn int_arg(v: &Value) -> Result<i64, Raise> {
    operator_index(v)?.ok_or_else(|| {
        Raise::type_error(format!(
            "'{}' object cannot be interpreted as an integer",
            np_type_name(v)
        ))
    })
}

/// A value's class as NumPy's messages name it (`numpy.float64` for a NumPy scalar).
fn np_type_name(v: &Value) -> String {
    match v {
        Value::NpScalar(_) => format!("numpy.{}", v.type_name()),
        other => other.type_name(),
    }
}

/// A shape: `(2, 3)`, `[2, 3]`, `6`, a `TensorShape`, `tf.shape(x)`; negative sizes refused.
pub fn shape_arg(it: &mut Interp, v: &Value) -> Result<Vec<usize>, Raise> {
    let dims = dims_arg(it, std::slice::from_ref(v))?;
    dims.iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| Raise::value_error("negative dimensions are not allowed"))
        })
        .collect()
}

/// Integers given as one sequence or as separate arguments (`a.reshape(2, -1)`), as NumPy's
/// `PyArray_IntpConverter` reads them: one argument that is a sequence (a tuple, a list, a
/// `TensorShape`, a tensor, variable or array of one or more dimensions: `tf.shape(x)`) gives
/// its items, each through `__index__`; one that is not is a single integer.
pub fn dims_arg(it: &mut Interp, args: &[Value]) -> Result<Vec<i64>, Raise> {
    match args {
        [v] if is_sequence(it, v)? => crate::cells::builtins::iterate(it, v)?
            .iter()
            .map(int_arg)
            .collect(),
        [v] => match operator_index(v)? {
            Some(i) => Ok(vec![i]),
            None => {
                let shown = crate::cells::print::repr(it, v);
                Err(Raise::type_error(format!(
                    "expected a sequence of integers or a single integer, got '{shown}'"
                )))
            }
        },
        many => many.iter().map(int_arg).collect(),
    }
}

/// Whether NumPy reads `v` as a sequence of sizes rather than one size.
fn is_sequence(it: &mut Interp, v: &Value) -> Result<bool, Raise> {
    Ok(match v {
        Value::Tuple(_) | Value::List(_) | Value::Shape(_) => true,
        Value::Tensor(_) | Value::Variable(_) | Value::UnreadVariable(_) | Value::Array(_) => {
            it.np_tensor(v)?.rank() > 0
        }
        _ => false,
    })
}
